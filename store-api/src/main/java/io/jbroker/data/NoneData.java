package io.jbroker.data;

/** Broker's {@code none} ({@code nil}): the single value of kind {@link DataKind#NONE}. */
public record NoneData() implements Data {
  public static final NoneData INSTANCE = new NoneData();

  @Override
  public DataKind kind() {
    return DataKind.NONE;
  }

  @Override
  public String toString() {
    return "nil";
  }
}
