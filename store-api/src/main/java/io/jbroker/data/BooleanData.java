package io.jbroker.data;

/** Broker's {@code boolean}; renders as {@code T} or {@code F}. */
public record BooleanData(boolean value) implements Data {
  public static final BooleanData TRUE = new BooleanData(true);
  public static final BooleanData FALSE = new BooleanData(false);

  public static BooleanData of(boolean value) {
    return value ? TRUE : FALSE;
  }

  @Override
  public DataKind kind() {
    return DataKind.BOOLEAN;
  }

  @Override
  public String toString() {
    return value ? "T" : "F";
  }
}
