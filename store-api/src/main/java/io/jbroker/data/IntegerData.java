package io.jbroker.data;

/** Broker's {@code integer}: a signed 64-bit number. */
public record IntegerData(long value) implements Data {
  @Override
  public DataKind kind() {
    return DataKind.INTEGER;
  }

  @Override
  public String toString() {
    return Long.toString(value);
  }
}
