package io.jbroker.store;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Clock} that moves only when told to; for tests and deterministic simulations. */
public final class ManualClock implements Clock {
  private final AtomicLong now;

  /** A clock at {@code startNanos} nanoseconds since the epoch. */
  public ManualClock(long startNanos) {
    now = new AtomicLong(startNanos);
  }

  /** A clock at {@code start}. */
  public ManualClock(Instant start) {
    this(start.getEpochSecond() * 1_000_000_000L + start.getNano());
  }

  @Override
  public long nowNanos() {
    return now.get();
  }

  /** Moves the clock forward by {@code duration} (which must not be negative). */
  public void advance(Duration duration) {
    advanceNanos(duration.toNanos());
  }

  /** Moves the clock forward by {@code nanos} (which must not be negative). */
  public void advanceNanos(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("a clock does not go back: " + nanos + " ns");
    }
    now.addAndGet(nanos);
  }

  /** Sets the clock to {@code nanos}, which must not be before the current time. */
  public void set(long nanos) {
    advanceNanos(nanos - now.get());
  }
}
