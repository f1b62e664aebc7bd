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
    Duration requestTimeout) {

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
  }

  /** The defaults: tick 100 ms, heartbeat 5 ticks, ack 5, nack 2, clone timeout 30 s, master timeout 3 s. */
  public static ReplicationSettings defaults() {
    return new ReplicationSettings(Duration.ofMillis(100), 5, 5, 2, Duration.ofSeconds(30), Duration.ofSeconds(3),
        1_000_000, 8192, 10, Duration.ofSeconds(10));
  }

  public ReplicationSettings withTick(Duration t) {
    return new ReplicationSettings(t, heartbeatTicks, ackTicks, nackTicks, cloneTimeout, masterTimeout, bufferLimit,
        snapshotChunk, writeRetryTicks, requestTimeout);
  }

  public ReplicationSettings withTimeouts(Duration clone, Duration master) {
    return new ReplicationSettings(tick, heartbeatTicks, ackTicks, nackTicks, clone, master, bufferLimit,
        snapshotChunk, writeRetryTicks, requestTimeout);
  }

  public ReplicationSettings withRequestTimeout(Duration t) {
    return new ReplicationSettings(tick, heartbeatTicks, ackTicks, nackTicks, cloneTimeout, masterTimeout, bufferLimit,
        snapshotChunk, writeRetryTicks, t);
  }

  public ReplicationSettings withBufferLimit(int limit) {
    return new ReplicationSettings(tick, heartbeatTicks, ackTicks, nackTicks, cloneTimeout, masterTimeout, limit,
        snapshotChunk, writeRetryTicks, requestTimeout);
  }

  public ReplicationSettings withSnapshotChunk(int chunk) {
    return new ReplicationSettings(tick, heartbeatTicks, ackTicks, nackTicks, cloneTimeout, masterTimeout, bufferLimit,
        chunk, writeRetryTicks, requestTimeout);
  }

  /** A duration in whole ticks (at least 1). */
  public int ticks(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toNanos() / tick.toNanos()));
  }
}
