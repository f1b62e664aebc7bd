package io.jbroker.data;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Broker's {@code string}: a byte string, UTF-8 by convention but never validated. Ordered as
 * unsigned bytes with the shorter prefix first (C++ {@code std::string::compare}).
 */
public final class StringData implements Data {
  static final StringData EMPTY = new StringData(new byte[0]);

  private final byte[] bytes;
  private int hash;

  private StringData(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The string of the UTF-8 bytes of {@code value}. */
  public static StringData of(String value) {
    return new StringData(value.getBytes(StandardCharsets.UTF_8));
  }

  /** The string of a copy of {@code bytes}. */
  public static StringData ofBytes(byte[] bytes) {
    return new StringData(bytes.clone());
  }

  /** Takes ownership of {@code bytes}: the caller must not change the array afterwards. */
  static StringData wrap(byte[] bytes) {
    return bytes.length == 0 ? EMPTY : new StringData(bytes);
  }

  /** A copy of the bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The bytes without a copy, for codecs in this package; never modify. */
  byte[] raw() {
    return bytes;
  }

  /** Number of bytes. */
  public int length() {
    return bytes.length;
  }

  /** The bytes decoded as UTF-8 (invalid sequences become U+FFFD). */
  public String value() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public DataKind kind() {
    return DataKind.STRING;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof StringData s && Arrays.equals(bytes, s.bytes));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(bytes) * 31 + 5;
      hash = h;
    }
    return h;
  }

  int compareValue(StringData other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  /** Broker's text form: the string itself, unquoted. */
  @Override
  public String toString() {
    return value();
  }
}
