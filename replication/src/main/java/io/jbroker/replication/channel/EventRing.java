package io.jbroker.replication.channel;

import java.util.Arrays;

/** Events with consecutive sequence numbers in a growable ring: O(1) append, trim and lookup by seq. */
final class EventRing<T> {
  private Object[] ring = new Object[16];
  private int head;
  private int size;
  private long firstSeq;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  long firstSeq() {
    return firstSeq;
  }

  long lastSeq() {
    return firstSeq + size - 1;
  }

  /** Appends the event with sequence number {@code seq}, which must follow the last one. */
  void add(long seq, T payload) {
    if (size == 0) {
      firstSeq = seq;
    } else if (seq != firstSeq + size) {
      throw new IllegalStateException("event " + seq + " does not follow " + lastSeq());
    }
    if (size == ring.length) {
      Object[] bigger = new Object[ring.length * 2];
      for (int i = 0; i < size; i++) {
        bigger[i] = ring[(head + i) % ring.length];
      }
      ring = bigger;
      head = 0;
    }
    ring[(head + size) % ring.length] = payload;
    size++;
  }

  void removeFirst() {
    ring[head] = null;
    head = (head + 1) % ring.length;
    size--;
    firstSeq++;
  }

  /** Drops every event with a sequence number up to {@code seq}. */
  void trimThrough(long seq) {
    while (size > 0 && firstSeq <= seq) {
      removeFirst();
    }
  }

  /** The event with sequence number {@code seq}, or {@code null} if not held. */
  @SuppressWarnings("unchecked")
  T get(long seq) {
    if (size == 0 || seq < firstSeq || seq > lastSeq()) {
      return null;
    }
    return (T) ring[(int) ((head + (seq - firstSeq)) % ring.length)];
  }

  void clear() {
    Arrays.fill(ring, null);
    head = 0;
    size = 0;
  }
}
