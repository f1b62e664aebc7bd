package io.jbroker.replication.protocol;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A clone's unfinished writes by sequence number, from the first unfinished one to the last sent:
 * each is <em>in flight</em> (sent, no result yet) or <em>answered</em> (result in, waiting until
 * the replica shows it). Sequence numbers are handed out consecutively, so the window is a ring
 * indexed by sequence number: every operation is constant time (amortised), where a pair of
 * ordered trees cost two logarithmic updates and their garbage per write.
 *
 * <p>The ring spans from the oldest unfinished write to the newest, so one write left unanswered
 * while thousands after it finish keeps their slots (16 bytes each) until it is answered or the
 * window is cleared.
 *
 * @param <W> the write
 */
final class WriteWindow<W> {
  private static final byte FINISHED = 0;
  private static final byte IN_FLIGHT = 1;
  private static final byte ANSWERED = 2;

  private Object[] writes = new Object[64];
  private byte[] states = new byte[64];
  /** Every sequence number below this is finished. */
  private long base;
  /** One past the newest sequence number added. */
  private long end;
  private int inFlight;
  private int answered;

  /** An empty window whose first write will be {@code firstSeq}. */
  WriteWindow(long firstSeq) {
    base = firstSeq;
    end = firstSeq;
  }

  private int slot(long seq) {
    return (int) (seq & (writes.length - 1));
  }

  private boolean inWindow(long seq) {
    return seq >= base && seq < end;
  }

  /** Adds write {@code seq}, in flight; {@code seq} must follow the newest one added. */
  void addInFlight(long seq, W write) {
    if (seq != end) {
      throw new IllegalArgumentException("write " + seq + " does not follow " + (end - 1));
    }
    if (end - base == writes.length) {
      grow();
    }
    writes[slot(seq)] = write;
    states[slot(seq)] = IN_FLIGHT;
    end++;
    inFlight++;
  }

  private void grow() {
    Object[] w = new Object[writes.length * 2];
    byte[] s = new byte[states.length * 2];
    for (long seq = base; seq < end; seq++) {
      int from = slot(seq);
      int to = (int) (seq & (w.length - 1));
      w[to] = writes[from];
      s[to] = states[from];
    }
    writes = w;
    states = s;
  }

  /** Write {@code seq} got its result: in flight → answered. Returns it, or {@code null} if it was not in flight. */
  @SuppressWarnings("unchecked")
  W answer(long seq) {
    if (!inWindow(seq) || states[slot(seq)] != IN_FLIGHT) {
      return null;
    }
    states[slot(seq)] = ANSWERED;
    inFlight--;
    answered++;
    return (W) writes[slot(seq)];
  }

  /** An answered write must be asked again: answered → in flight. */
  void requeue(long seq) {
    if (inWindow(seq) && states[slot(seq)] == ANSWERED) {
      states[slot(seq)] = IN_FLIGHT;
      answered--;
      inFlight++;
    }
  }

  /** An answered write was completed: it leaves the window. */
  void finish(long seq) {
    if (!inWindow(seq) || states[slot(seq)] != ANSWERED) {
      return;
    }
    states[slot(seq)] = FINISHED;
    writes[slot(seq)] = null;
    answered--;
    while (base < end && states[slot(base)] == FINISHED) {
      base++;
    }
  }

  /** The oldest unfinished write's sequence number; the next one to be added if there is none. */
  long firstUnfinished() {
    return base;
  }

  int inFlight() {
    return inFlight;
  }

  int answered() {
    return answered;
  }

  /** Visits the writes in flight, oldest first. */
  @SuppressWarnings("unchecked")
  void forEachInFlight(Consumer<W> visitor) {
    for (long seq = base; seq < end; seq++) {
      if (states[slot(seq)] == IN_FLIGHT) {
        visitor.accept((W) writes[slot(seq)]);
      }
    }
  }

  /** Forgets every write (the clone is closing). */
  void clear() {
    Arrays.fill(writes, null);
    Arrays.fill(states, FINISHED);
    base = end;
    inFlight = 0;
    answered = 0;
  }
}
