package io.jbroker.replication.channel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The producer side of a reliable channel from one producer to many consumers over a lossy,
 * reordering transport (spec/broker-stores.md §7.2), as a pure state machine: no threads, no
 * clock — the owner calls {@link #tick()} at a fixed interval and hands in acks and nacks.
 *
 * <p>Events get consecutive sequence numbers within the producer's <em>epoch</em> (a random id
 * chosen when the producer starts, so a restarted producer is never mistaken for the old one).
 * Produced events are batched until {@link #flush()} broadcasts them; every path (consumer)
 * acknowledges cumulatively; events stay buffered until every path acknowledged them, up to
 * {@code bufferLimit} events (a consumer that needs an event no longer buffered gets {@code
 * retransmitFailed} and must resynchronise, so a slow consumer cannot pin unbounded memory).
 * After {@code heartbeatTicks} ticks without a broadcast a heartbeat tells consumers the latest
 * sequence number, so a lost trailing event is noticed; a path silent for {@code timeoutTicks}
 * ticks is dropped.
 *
 * @param <C> consumer handle
 * @param <T> event payload
 */
public final class ChannelProducer<C, T> {
  /** Where the producer's messages go. */
  public interface Transport<C, T> {
    /** Events {@code firstSeq, firstSeq + 1, …} for every consumer. */
    void broadcast(long epoch, long firstSeq, List<T> events);

    /** Retransmitted events for one consumer. */
    void unicast(C consumer, long epoch, long firstSeq, List<T> events);

    /** The producer is alive and has produced up to {@code lastSeq}. */
    void heartbeat(long epoch, long lastSeq);

    /** Event {@code seq} (and everything before it that was asked for) is no longer available. */
    void retransmitFailed(C consumer, long epoch, long seq);

    /** A path stayed silent past the timeout and was dropped. */
    void dropped(C consumer);
  }

  /** A consumer's progress. */
  private static final class Path {
    long acked;
    long lastSeen;
    boolean confirmed;

    Path(long acked, long lastSeen) {
      this.acked = acked;
      this.lastSeen = lastSeen;
    }
  }

  private final long epoch;
  private final int heartbeatTicks;
  private final int timeoutTicks;
  private final int bufferLimit;
  private final Transport<C, T> transport;
  private final EventRing<T> buffer = new EventRing<>();
  private final Map<C, Path> paths = new LinkedHashMap<>();
  private final List<T> outbox = new ArrayList<>();
  private long outboxFirst;
  private long seq;
  private long tick;
  private long lastBroadcast;

  public ChannelProducer(long epoch, long startSeq, int heartbeatTicks, int timeoutTicks, int bufferLimit,
      Transport<C, T> transport) {
    if (heartbeatTicks < 1 || timeoutTicks < 1 || bufferLimit < 1) {
      throw new IllegalArgumentException("heartbeat " + heartbeatTicks + ", timeout " + timeoutTicks
          + " and buffer limit " + bufferLimit + " must be positive");
    }
    this.epoch = epoch;
    this.seq = startSeq;
    this.heartbeatTicks = heartbeatTicks;
    this.timeoutTicks = timeoutTicks;
    this.bufferLimit = bufferLimit;
    this.transport = transport;
  }

  public long epoch() {
    return epoch;
  }

  /** The sequence number of the last produced event. */
  public long seq() {
    return seq;
  }

  /** Adds an event (sent at the next {@link #flush()}); returns its sequence number. */
  public long produce(T payload) {
    seq++;
    if (outbox.isEmpty()) {
      outboxFirst = seq;
    }
    outbox.add(payload);
    if (!paths.isEmpty()) {
      buffer.add(seq, payload);
      if (buffer.size() > bufferLimit) {
        buffer.removeFirst();
      }
    }
    return seq;
  }

  /**
   * Whether a produced event can reach anyone: some consumer has a path, or the batch being
   * built already holds events. When it cannot, the owner may call {@link #skip()} instead of
   * building the payload: nobody would receive it, nobody could ask for it again (events are
   * only kept for retransmission while there are paths), and the sequence number still moves.
   */
  public boolean wanted() {
    return !paths.isEmpty() || !outbox.isEmpty();
  }

  /** Takes the next sequence number for an event that nobody can receive (see {@link #wanted()}). */
  public long skip() {
    if (wanted()) {
      throw new IllegalStateException("an event that a consumer can receive must be produced");
    }
    return ++seq;
  }

  /** Broadcasts the events produced since the last flush as one batch. */
  public void flush() {
    if (!outbox.isEmpty()) {
      transport.broadcast(epoch, outboxFirst, List.copyOf(outbox));
      outbox.clear();
      lastBroadcast = tick;
    }
  }

  /**
   * Adds (or replaces) a path whose consumer has everything up to {@code offset} (e.g. from a
   * snapshot taken at that sequence number).
   */
  public void add(C consumer, long offset) {
    paths.put(consumer, new Path(offset, tick));
  }

  /** Whether a consumer that has everything up to {@code lastSeq} can be served from the buffer. */
  public boolean canResume(long lastSeq) {
    if (lastSeq == seq) {
      return true;
    }
    if (lastSeq > seq || buffer.isEmpty()) {
      return false;
    }
    return buffer.firstSeq() <= lastSeq + 1 && buffer.lastSeq() == seq;
  }

  /**
   * Adds a path for a consumer that has everything up to {@code lastSeq} and sends it the rest
   * (possibly nothing, which still confirms the resumption). Requires {@link #canResume}.
   */
  public void resume(C consumer, long lastSeq) {
    add(consumer, lastSeq);
    List<T> missing = new ArrayList<>();
    for (long s = lastSeq + 1; s <= seq; s++) {
      missing.add(buffer.get(s));
    }
    transport.unicast(consumer, epoch, lastSeq + 1, missing);
  }

  public void remove(C consumer) {
    paths.remove(consumer);
    trim();
  }

  public boolean has(C consumer) {
    return paths.containsKey(consumer);
  }

  public Collection<C> consumers() {
    return paths.keySet();
  }

  /** A path's acknowledged sequence number, or -1 if unknown. */
  public long acked(C consumer) {
    Path p = paths.get(consumer);
    return p == null ? -1 : p.acked;
  }

  /** Notes that the consumer is alive. */
  public boolean touch(C consumer) {
    Path p = paths.get(consumer);
    if (p != null) {
      p.lastSeen = tick;
    }
    return p != null;
  }

  /**
   * A cumulative acknowledgement: the consumer has everything up to {@code ackedSeq}.
   *
   * @return false if the consumer has no path (it must re-attach)
   */
  public boolean handleAck(C consumer, long ackedSeq) {
    Path p = paths.get(consumer);
    if (p == null) {
      return false;
    }
    p.lastSeen = tick;
    if (ackedSeq > seq) {
      return true; // from the future: ignore (cannot happen within one epoch)
    }
    if (ackedSeq >= p.acked) {
      p.acked = ackedSeq;
      p.confirmed = true;
      trim();
    }
    return true;
  }

  /**
   * A request for missing events: resends the buffered ones, and answers {@code
   * retransmitFailed} for the first one that is gone.
   *
   * @return false if the consumer has no path
   */
  public boolean handleNack(C consumer, List<Long> seqs) {
    Path p = paths.get(consumer);
    if (p == null) {
      return false;
    }
    p.lastSeen = tick;
    if (seqs.isEmpty()) {
      return true;
    }
    long first = seqs.get(0);
    if (first - 1 > p.acked && first - 1 <= seq) {
      p.acked = first - 1;
      trim();
    }
    long runStart = -1;
    List<T> run = new ArrayList<>();
    for (long s : seqs) {
      T e = buffer.get(s);
      if (e == null) {
        if (!run.isEmpty()) {
          transport.unicast(consumer, epoch, runStart, List.copyOf(run));
        }
        transport.retransmitFailed(consumer, epoch, s);
        return true;
      }
      if (!run.isEmpty() && s != runStart + run.size()) {
        transport.unicast(consumer, epoch, runStart, List.copyOf(run));
        run.clear();
      }
      if (run.isEmpty()) {
        runStart = s;
      }
      run.add(e);
    }
    if (!run.isEmpty()) {
      transport.unicast(consumer, epoch, runStart, List.copyOf(run));
    }
    return true;
  }

  /** Advances time: flushes, heartbeats when quiet, drops silent paths. */
  public void tick() {
    tick++;
    flush();
    if (tick - lastBroadcast >= heartbeatTicks) {
      transport.heartbeat(epoch, seq);
      lastBroadcast = tick;
    }
    List<C> silent = null;
    for (Map.Entry<C, Path> e : paths.entrySet()) {
      if (tick - e.getValue().lastSeen >= timeoutTicks) {
        if (silent == null) {
          silent = new ArrayList<>();
        }
        silent.add(e.getKey());
      }
    }
    if (silent != null) {
      for (C c : silent) {
        paths.remove(c);
        transport.dropped(c);
      }
      trim();
    }
  }

  /** Every path confirmed its start (first acknowledgement) and acknowledged every event. */
  public boolean idle() {
    for (Path p : paths.values()) {
      if (p.acked != seq || !p.confirmed) {
        return false;
      }
    }
    return outbox.isEmpty();
  }

  /** Number of buffered (unacknowledged) events. */
  public int buffered() {
    return buffer.size();
  }

  private void trim() {
    if (paths.isEmpty()) {
      buffer.clear();
      return;
    }
    long min = Long.MAX_VALUE;
    for (Path p : paths.values()) {
      min = Math.min(min, p.acked);
    }
    buffer.trimThrough(min);
  }
}
