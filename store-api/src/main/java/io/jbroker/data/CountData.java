package io.jbroker.data;

import java.math.BigInteger;

/**
 * Broker's {@code count}: an unsigned 64-bit number. {@link #value()} holds its 64 bits; read it
 * with {@link Long#toUnsignedString(long)} or {@link #toBigInteger()}.
 */
public record CountData(long value) implements Data {
  @Override
  public DataKind kind() {
    return DataKind.COUNT;
  }

  /** The unsigned value as a {@link BigInteger}. */
  public BigInteger toBigInteger() {
    return new BigInteger(Long.toUnsignedString(value));
  }

  @Override
  public String toString() {
    return Long.toUnsignedString(value);
  }
}
