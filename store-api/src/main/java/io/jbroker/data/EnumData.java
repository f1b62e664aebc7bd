package io.jbroker.data;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Broker's {@code enum_value}: a name such as {@code Broker::SQLITE_SYNCHRONOUS_FULL}, held as
 * bytes and ordered like a {@link StringData}. An enum value and a string with the same text are
 * different values.
 */
public final class EnumData implements Data {
  private final byte[] name;
  private int hash;

  private EnumData(byte[] name) {
    this.name = name;
  }

  /** The enum value named {@code name} (UTF-8). */
  public static EnumData of(String name) {
    return new EnumData(name.getBytes(StandardCharsets.UTF_8));
  }

  /** The enum value whose name is a copy of {@code bytes}. */
  public static EnumData ofBytes(byte[] bytes) {
    return new EnumData(bytes.clone());
  }

  /** Takes ownership of {@code bytes}. */
  static EnumData wrap(byte[] bytes) {
    return new EnumData(bytes);
  }

  /** The name decoded as UTF-8. */
  public String name() {
    return new String(name, StandardCharsets.UTF_8);
  }

  /** A copy of the name's bytes. */
  public byte[] bytes() {
    return name.clone();
  }

  byte[] raw() {
    return name;
  }

  @Override
  public DataKind kind() {
    return DataKind.ENUM_VALUE;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof EnumData e && Arrays.equals(name, e.name));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(name) * 31 + 11;
      hash = h;
    }
    return h;
  }

  int compareValue(EnumData other) {
    return Arrays.compareUnsigned(name, other.name);
  }

  /** Broker's text form: the name. */
  @Override
  public String toString() {
    return name();
  }
}
