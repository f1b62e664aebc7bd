package io.jbroker.store.rocksdb;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.Key;

/**
 * The stored form of an entry's value and deadline.
 *
 * <pre>
 *   offset  size  content
 *   0       1     format version, {@value #VERSION}
 *   1       8     deadline: big-endian signed nanoseconds since the epoch;
 *                 Backend.NO_DEADLINE (0x7fffffffffffffff) for none
 *   9       n     the value in Broker's binary encoding (BinaryCodec), exactly one value
 * </pre>
 *
 * The deadline comes first so that a scan for deadlines reads {@value #HEADER} bytes per entry.
 * A future layout gets a new version byte; readers refuse versions they do not know with {@code
 * INVALID_DATA} instead of misreading them.
 */
final class ValueRecord {
  static final byte VERSION = 1;
  static final int HEADER = 9;

  private ValueRecord() {}

  static byte[] encode(Data value, long deadline) {
    byte[] out = new byte[HEADER + BinaryCodec.encodedSize(value)];
    out[0] = VERSION;
    writeLong(out, 1, deadline);
    BinaryCodec.encode(value, out, HEADER);
    return out;
  }

  /**
   * The deadline of the record in {@code buf[0, length)}; {@code length} may be the full record
   * size while only the header was copied into {@code buf}.
   */
  static long deadline(byte[] buf, int length, String where, Key key) {
    if (length < HEADER) {
      throw corrupt(where, key, "the value record has " + length + " byte(s), fewer than its " + HEADER + "-byte header");
    }
    if (buf[0] != VERSION) {
      throw corrupt(where, key, "the value record has format version " + (buf[0] & 0xff) + "; this version reads " + VERSION);
    }
    return readLong(buf, 1);
  }

  /** The value of the record in {@code buf[0, length)}, whose header {@link #deadline} checked. */
  static Data value(byte[] buf, int length, String where, Key key) {
    try {
      return BinaryCodec.decode(buf, HEADER, length - HEADER);
    } catch (BrokerException e) {
      throw corrupt(where, key, "the stored value does not decode: " + e.getMessage());
    }
  }

  /** {@code INVALID_DATA} naming the database ({@code where}) and, if known, the key. */
  static BrokerException corrupt(String where, Key key, String what) {
    String k = "";
    if (key != null) {
      try {
        k = ", key " + key;
      } catch (BrokerException e) {
        k = ", an undecodable key";
      }
    }
    return new BrokerException(ErrorCode.INVALID_DATA, where + k + ": " + what);
  }

  static void writeLong(byte[] out, int offset, long v) {
    for (int i = 7; i >= 0; i--) {
      out[offset + i] = (byte) v;
      v >>>= 8;
    }
  }

  static long readLong(byte[] in, int offset) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (in[offset + i] & 0xff);
    }
    return v;
  }
}
