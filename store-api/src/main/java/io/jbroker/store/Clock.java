package io.jbroker.store;

/**
 * The time source of stores: nanoseconds since the Unix epoch. Injected everywhere deadlines
 * matter, so tests and simulations can drive time ({@link ManualClock}).
 */
@FunctionalInterface
public interface Clock {
  /** The current time in nanoseconds since 1970-01-01T00:00:00Z. */
  long nowNanos();

  /**
   * The system clock: wall-clock time at start-up advanced by the monotonic {@link
   * System#nanoTime()}, so it never jumps backwards while the process runs and deadlines stored
   * on disk stay meaningful across restarts.
   */
  static Clock system() {
    return SystemClock.INSTANCE;
  }
}

/** See {@link Clock#system()}. */
final class SystemClock implements Clock {
  static final SystemClock INSTANCE = new SystemClock();

  private final long offset;

  private SystemClock() {
    java.time.Instant now = java.time.Instant.now();
    long wall = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    offset = wall - System.nanoTime();
  }

  @Override
  public long nowNanos() {
    return offset + System.nanoTime();
  }
}
