package io.jbroker.replication.channel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The consumer side of a reliable channel (spec/broker-stores.md §7.3), as a pure state machine
 * driven by {@link #tick()}: delivers events exactly once and in sequence order, buffers early
 * events, acknowledges cumulatively every {@code ackTicks} ticks (the ack doubles as the
 * consumer's keepalive) and at once whenever {@link #ACK_EVERY} events were delivered since the
 * last acknowledgement, asks for missing events after {@code nackTicks} ticks without progress
 * (learning about trailing gaps from heartbeats, which Broker's clones ignore), and reports a
 * producer it cannot follow: a new epoch (the producer restarted) or an event that can no
 * longer be retransmitted. The owner then resynchronises and calls {@link #handshake} again.
 *
 * @param <T> event payload
 */
public final class ChannelConsumer<T> {
  /** What the consumer asks of its owner. */
  public interface Handler<T> {
    /** The next event, in order. */
    void consume(long seq, T event);

    void ack(long epoch, long seq);

    void nack(long epoch, List<Long> seqs);

    /** Messages of another epoch arrived: the producer restarted. */
    void epochChanged(long newEpoch);

    /** Event {@code seq} is lost for good: the consumer cannot continue without a resync. */
    void broken(long epoch, long seq);
  }

  /** Most early events held before a handshake or beyond a gap. */
  public static final int MAX_PENDING = 1 << 20;
  /** Most sequence numbers asked for in one nack. */
  public static final int MAX_NACK = 4096;
  /**
   * Events delivered after which the consumer acknowledges without waiting for a tick. The
   * producer keeps every event until it is acknowledged: at hundreds of thousands of events per
   * second, acknowledging only per tick kept a master's buffer at up to a million updates,
   * hundreds of megabytes that lived just long enough for the collector to copy them.
   */
  public static final int ACK_EVERY = 8192;

  private final int ackTicks;
  private final int nackTicks;
  private final Handler<T> handler;
  private final TreeMap<Long, T> pending = new TreeMap<>();
  private final Map<Long, TreeMap<Long, T>> early = new HashMap<>();
  private long epoch;
  private long next;
  private long lastKnown;
  private long tick;
  private long idleTicks;
  private boolean progressed;
  private boolean ackDue;
  /** The last sequence number acknowledged. */
  private long acked;

  public ChannelConsumer(int ackTicks, int nackTicks, Handler<T> handler) {
    if (ackTicks < 1 || nackTicks < 1) {
      throw new IllegalArgumentException("ack and nack intervals must be positive");
    }
    this.ackTicks = ackTicks;
    this.nackTicks = nackTicks;
    this.handler = handler;
  }

  public boolean initialized() {
    return next != 0;
  }

  public long epoch() {
    return epoch;
  }

  /** The last sequence number delivered (0 before the handshake). */
  public long lastConsumed() {
    return next == 0 ? 0 : next - 1;
  }

  /** The highest sequence number known to exist. */
  public long lastKnown() {
    return lastKnown;
  }

  /** Everything known has been delivered. */
  public boolean idle() {
    return initialized() && pending.isEmpty() && next > lastKnown;
  }

  /** Forgets everything: the consumer waits for a new handshake. */
  public void reset() {
    epoch = 0;
    next = 0;
    lastKnown = 0;
    pending.clear();
    early.clear();
    idleTicks = 0;
    acked = 0;
  }

  /**
   * Starts (or restarts) consuming {@code epoch} after {@code offset}: the next event is {@code
   * offset + 1}. Early events of that epoch after the offset are delivered now.
   */
  public void handshake(long epoch, long offset) {
    this.epoch = epoch;
    this.next = offset + 1;
    this.lastKnown = offset;
    pending.clear();
    TreeMap<Long, T> held = early.remove(epoch);
    early.clear();
    if (held != null) {
      pending.putAll(held.tailMap(offset, false));
      if (!pending.isEmpty()) {
        lastKnown = Math.max(lastKnown, pending.lastKey());
      }
    }
    drain();
    ack();
  }

  /** Events {@code firstSeq, firstSeq + 1, …} of {@code epoch}. */
  public void events(long epoch, long firstSeq, List<T> events) {
    if (!initialized()) {
      TreeMap<Long, T> held = early.computeIfAbsent(epoch, e -> new TreeMap<>());
      for (int i = 0; i < events.size() && held.size() < MAX_PENDING; i++) {
        held.put(firstSeq + i, events.get(i));
      }
      return;
    }
    if (epoch != this.epoch) {
      handler.epochChanged(epoch);
      return;
    }
    for (int i = 0; i < events.size(); i++) {
      long s = firstSeq + i;
      if (s == next) {
        handler.consume(s, events.get(i));
        next++;
        progressed = true;
      } else if (s > next && pending.size() < MAX_PENDING) {
        pending.putIfAbsent(s, events.get(i));
      }
      lastKnown = Math.max(lastKnown, s);
    }
    drain();
    if (next - 1 - acked >= ACK_EVERY) {
      ack();
    }
  }

  /** The producer has produced up to {@code lastSeq}. */
  public void heartbeat(long epoch, long lastSeq) {
    if (!initialized()) {
      return;
    }
    if (epoch != this.epoch) {
      handler.epochChanged(epoch);
      return;
    }
    lastKnown = Math.max(lastKnown, lastSeq);
  }

  /** Event {@code seq} can no longer be retransmitted. */
  public void retransmitFailed(long epoch, long seq) {
    if (initialized() && epoch == this.epoch && seq >= next) {
      handler.broken(epoch, seq);
    }
  }

  /** Advances time: acknowledges on the ack cadence, asks for gaps after the nack timeout. */
  public void tick() {
    tick++;
    if (!initialized()) {
      return;
    }
    if (progressed) {
      progressed = false;
      idleTicks = 0;
      ackDue = true;
    } else if (next <= lastKnown) {
      idleTicks++;
      if (idleTicks >= nackTicks) {
        idleTicks = 0;
        List<Long> missing = new ArrayList<>();
        for (long s = next; s <= lastKnown && missing.size() < MAX_NACK; s++) {
          if (!pending.containsKey(s)) {
            missing.add(s);
          }
        }
        if (!missing.isEmpty()) {
          handler.nack(epoch, missing);
        }
      }
    }
    if (tick % ackTicks == 0 || ackDue) {
      ack();
    }
  }

  private void ack() {
    ackDue = false;
    acked = next - 1;
    handler.ack(epoch, acked);
  }

  /** Number of early events held beyond a gap. */
  public int pending() {
    return pending.size();
  }

  private void drain() {
    while (!pending.isEmpty() && pending.firstKey() <= next) {
      Map.Entry<Long, T> e = pending.pollFirstEntry();
      if (e.getKey() == next) {
        handler.consume(next, e.getValue());
        next++;
        progressed = true;
      }
    }
  }
}
