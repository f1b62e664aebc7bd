package io.jbroker.replication.protocol;

import java.time.Duration;

/**
 * Timing and sizing of master/clone replication; the one place for these defaults. Ticks are
 * the store tick ({@link #tick}, default 100 ms, Broker's {@code broker.store.tick-interval}).
 *
 * @param tick interval of store ticks (expiry sweep, channel timers)
 * @param heartbeatTicks master heartbeat after this many quiet ticks (Broker: 5)
 * @param ackTicks clone keepalive/ack cadence in ticks (progress is acknowledged every tick)
 * @param nackTicks ticks without progress before missing updates are requested (Broker: 2)
 * @param cloneTimeout a clone silent this long is dropped by the master (SEMANTICS: connection timeout)
 * @param masterTimeout a clone that has not heard from its master this long considers itself cut off
 * @param bufferLimit most updates a master keeps for retransmission
 * @param snapshotChunk entries per snapshot message
 * @param writeRetryTicks a clone resends unacknowledged writes after this many ticks without results
 * @param requestTimeout default deadline of store requests (SEMANTICS: 10 s)
 * @param writerRetention a master deletes the journal entry of a writer silent this long (at least
 *     the clone timeout and the request timeout: a write still in flight keeps its writer known)
 */
public record ReplicationSettings(
    Duration tick,
    int heartbeatTicks,
    int ackTicks,
    int nackTicks,
    Duration cloneTimeout,
    Duration masterTimeout,
    int bufferLimit,
    int snapshotChunk,
    int writeRetryTicks,
    Duration requestTimeout,
    Duration writerRetention) {

  /** Default {@link #writerRetention}. */
  public static final Duration DEFAULT_WRITER_RETENTION = Duration.ofHours(1);

  public ReplicationSettings {
    if (tick.isNegative() || tick.isZero()) {
      throw new IllegalArgumentException("tick must be positive, got " + tick);
    }
    if (heartbeatTicks < 1 || ackTicks < 1 || nackTicks < 1 || writeRetryTicks < 1) {
      throw new IllegalArgumentException("tick counts must be positive");
    }
    if (bufferLimit < 1 || snapshotChunk < 1) {
      throw new IllegalArgumentException("buffer limit and snapshot chunk must be positive");
    }
    if (writerRetention.compareTo(cloneTimeout) < 0 || writerRetention.compareTo(requestTimeout) < 0) {
      throw new IllegalArgumentException("writer retention " + writerRetention
          + " must be at least the clone timeout " + cloneTimeout + " and the request timeout " + requestTimeout);
    }
  }

  /**
   * The defaults: tick 100 ms, heartbeat 5 ticks, ack 5, nack 2, clone timeout 30 s, master timeout
   * 3 s, request timeout 10 s, writer retention 1 hour.
   */
  public static ReplicationSettings defaults() {
    return new ReplicationSettings(Duration.ofMillis(100), 5, 5, 2, Duration.ofSeconds(30), Duration.ofSeconds(3),
        1_000_000, 8192, 10, Duration.ofSeconds(10), DEFAULT_WRITER_RETENTION);
  }

  public ReplicationSettings withTick(Duration t) {
    return new ReplicationSettings(t, heartbeatTicks, ackTicks, nackTicks, cloneTimeout, masterTimeout, bufferLimit,
        snapshotChunk, writeRetryTicks, requestTimeout, writerRetention);
  }

  /** Clone and master timeouts; the writer retention grows to the clone timeout if it was shorter. */
  public ReplicationSettings withTimeouts(Duration clone, Duration master) {
    return new ReplicationSettings(tick, heartbeatTicks, ackTicks, nackTicks, clone, master, bufferLimit,
        snapshotChunk, writeRetryTicks, requestTimeout, max(writerRetention, clone));
  }

  public ReplicationSettings withWriterRetention(Duration retention) {
    return new ReplicationSettings(tick, heartbeatTicks, ackTicks, nackTicks, cloneTimeout, masterTimeout, bufferLimit,
        snapshotChunk, writeRetryTicks, requestTimeout, retention);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** The request timeout; the writer retention grows to it if it was shorter. */
  public ReplicationSettings withRequestTimeout(Duration t) {
    return new ReplicationSettings(tick, heartbeatTicks, ackTicks, nackTicks, cloneTimeout, masterTimeout, bufferLimit,
        snapshotChunk, writeRetryTicks, t, max(writerRetention, t));
  }

  public ReplicationSettings withBufferLimit(int limit) {
    return new ReplicationSettings(tick, heartbeatTicks, ackTicks, nackTicks, cloneTimeout, masterTimeout, limit,
        snapshotChunk, writeRetryTicks, requestTimeout, writerRetention);
  }

  public ReplicationSettings withSnapshotChunk(int chunk) {
    return new ReplicationSettings(tick, heartbeatTicks, ackTicks, nackTicks, cloneTimeout, masterTimeout, bufferLimit,
        chunk, writeRetryTicks, requestTimeout, writerRetention);
  }

  /** A duration in whole ticks (at least 1). */
  public int ticks(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toNanos() / tick.toNanos()));
  }
}
