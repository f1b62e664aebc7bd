package io.jbroker.data;

/**
 * Broker's {@code real}: an IEEE double. Ordered and compared by {@link Double#compare} (see
 * {@link Data}); renders like C's {@code printf("%f")}.
 */
public record RealData(double value) implements Data {
  @Override
  public DataKind kind() {
    return DataKind.REAL;
  }

  @Override
  public String toString() {
    return Formats.printfF(value);
  }
}
