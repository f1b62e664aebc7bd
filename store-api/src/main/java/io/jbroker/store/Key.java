package io.jbroker.store;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import java.util.Arrays;

/**
 * A store key in its canonical form: the Broker binary encoding of the key's {@link Data}.
 *
 * <p>Every backend identifies and orders keys by these bytes (unsigned lexicographic order), so
 * memory, SQLite and RocksDB agree on key identity and on the order of {@code keys} pages by
 * construction. Two keys are equal exactly when their data are equal (see {@link Data}). The
 * byte order is not Broker's data order: {@link #compareTo} orders pages, {@link Data#compareTo}
 * orders sets.
 */
public final class Key implements Comparable<Key> {
  private final byte[] encoded;
  private final int hash;
  private Data data;

  private Key(byte[] encoded, Data data) {
    this.encoded = encoded;
    this.data = data;
    this.hash = Arrays.hashCode(encoded);
  }

  /** The key of {@code data}. */
  public static Key of(Data data) {
    return new Key(BinaryCodec.encode(data), data);
  }

  /**
   * The key whose canonical encoding is {@code encoded} (taken over: do not modify it later).
   * The bytes are decoded lazily by {@link #data()}; use {@link #decode(byte[])} to validate
   * them now.
   */
  public static Key ofEncoded(byte[] encoded) {
    return new Key(encoded, null);
  }

  /**
   * The key of the encoded bytes, decoded and validated now.
   *
   * @throws io.jbroker.error.BrokerException with {@code INVALID_DATA} if they are not a value
   */
  public static Key decode(byte[] encoded) {
    return new Key(encoded, BinaryCodec.decode(encoded));
  }

  /**
   * This key without its decoded data (the same bytes and hash; {@link #data()} decodes again
   * when asked): what a backend that holds keys in memory keeps, so that each stored key costs
   * the heap two objects instead of four. Returns this key if it holds no decoded data.
   */
  public Key bare() {
    return data == null ? this : new Key(encoded, hash);
  }

  private Key(byte[] encoded, int hash) {
    this.encoded = encoded;
    this.hash = hash;
  }

  /** The key's value. */
  public Data data() {
    Data d = data;
    if (d == null) {
      d = BinaryCodec.decode(encoded);
      data = d;
    }
    return d;
  }

  /**
   * The canonical encoding, without a copy: callers must not modify the array. Backends pass it
   * straight to their storage.
   */
  public byte[] encoded() {
    return encoded;
  }

  @Override
  public int compareTo(Key o) {
    return Arrays.compareUnsigned(encoded, o.encoded);
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof Key k && hash == k.hash && Arrays.equals(encoded, k.encoded));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** The key as messages show it; undecodable bytes are shown in hex rather than failing. */
  @Override
  public String toString() {
    try {
      return describe(data());
    } catch (io.jbroker.error.BrokerException e) {
      return "0x" + java.util.HexFormat.of().formatHex(encoded);
    }
  }

  /** A key as error messages show it: strings quoted, other values in Broker's text form. */
  public static String describe(Data key) {
    return key instanceof io.jbroker.data.StringData ? "\"" + key + "\"" : key.toString();
  }
}
