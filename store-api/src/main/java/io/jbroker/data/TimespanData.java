package io.jbroker.data;

import java.time.Duration;

/** Broker's {@code timespan}: a signed number of nanoseconds. */
public record TimespanData(long nanos) implements Data {
  /**
   * The timespan of {@code duration}.
   *
   * @throws ArithmeticException if the duration does not fit 64-bit nanoseconds (±292 years)
   */
  public static TimespanData of(Duration duration) {
    return new TimespanData(duration.toNanos());
  }

  public Duration toDuration() {
    return Duration.ofNanos(nanos);
  }

  @Override
  public DataKind kind() {
    return DataKind.TIMESPAN;
  }

  /** Broker's text form: the number of nanoseconds, e.g. {@code 1500000000ns}. */
  @Override
  public String toString() {
    return nanos + "ns";
  }
}
