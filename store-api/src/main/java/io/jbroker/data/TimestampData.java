package io.jbroker.data;

import java.time.Instant;

/** Broker's {@code timestamp}: signed nanoseconds since 1970-01-01T00:00:00Z. */
public record TimestampData(long nanos) implements Data {
  /**
   * The timestamp of {@code instant}.
   *
   * @throws ArithmeticException if the instant does not fit 64-bit nanoseconds (years
   *     1677–2262)
   */
  public static TimestampData of(Instant instant) {
    return new TimestampData(
        Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano()));
  }

  public Instant toInstant() {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  @Override
  public DataKind kind() {
    return DataKind.TIMESTAMP;
  }

  /** Broker's text form: nanoseconds since the epoch, e.g. {@code 1404901004000000000ns}. */
  @Override
  public String toString() {
    return nanos + "ns";
  }
}
