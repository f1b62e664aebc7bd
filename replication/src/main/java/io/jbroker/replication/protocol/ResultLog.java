package io.jbroker.replication.protocol;

import java.util.Arrays;

/**
 * The results of one writer's consecutive writes, from the first its clone has not confirmed to
 * the last applied: a ring indexed by write sequence number, so adding, looking up and forgetting
 * a prefix cost constant time (an ordered tree cost a logarithmic insert and removal per write).
 *
 * @param <R> the result
 */
final class ResultLog<R> {
  private Object[] ring = new Object[64];
  private int head;
  private int size;
  /** Sequence number of the result at {@link #head}. */
  private long first;

  /**
   * Adds the result of write {@code seq}. Writes are applied in order, so {@code seq} normally
   * follows the last one; if it does not, the log restarts at {@code seq} (what it held is then
   * no longer asked for).
   */
  void add(long seq, R result) {
    if (size > 0 && seq != first + size) {
      clear();
    }
    if (size == 0) {
      first = seq;
    }
    if (size == ring.length) {
      Object[] bigger = new Object[ring.length * 2];
      for (int i = 0; i < size; i++) {
        bigger[i] = ring[(head + i) & (ring.length - 1)];
      }
      ring = bigger;
      head = 0;
    }
    ring[(head + size) & (ring.length - 1)] = result;
    size++;
  }

  /** The result of write {@code seq}, or {@code null} if it is not held. */
  @SuppressWarnings("unchecked")
  R get(long seq) {
    if (size == 0 || seq < first || seq >= first + size) {
      return null;
    }
    return (R) ring[(head + (int) (seq - first)) & (ring.length - 1)];
  }

  /** Forgets the results of writes up to {@code seq}, inclusive. */
  void forgetThrough(long seq) {
    while (size > 0 && first <= seq) {
      ring[head] = null;
      head = (head + 1) & (ring.length - 1);
      first++;
      size--;
    }
  }

  int size() {
    return size;
  }

  private void clear() {
    Arrays.fill(ring, null);
    head = 0;
    size = 0;
  }
}
