package io.jbroker.data;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Broker's binary format "bin v1" (spec/broker-endpoint.md §1), byte for byte.
 *
 * <p>Every value is its kind tag followed by its body: fixed-width big-endian numbers, {@code
 * varbyte} lengths and counts, IPv4-mapped addresses, subnets with Broker's raw length, sets and
 * tables in Broker's order. Reals follow CAF's {@code pack754}: NaN is written {@code
 * ffffffffffffffff}, +∞ {@code fff0000000000000} and −∞ {@code 7ff0000000000000} (CAF swapped
 * the infinities); other bit patterns with the all-ones exponent, such as Java's canonical NaN,
 * decode as ±∞ like Broker decodes them. Subnormal reals are written as their IEEE bits and read
 * back exactly between jbroker nodes; Broker's own encoder mangles subnormals, so they are not
 * interoperable.
 *
 * <h2>Decoding hostile input</h2>
 *
 * The decoder accepts exactly one value spanning the whole input. Truncation, trailing bytes,
 * unknown tags, a port protocol above 3, duplicate set elements or table keys, a {@code
 * varbyte} longer than 5 bytes or at least 2<sup>32</sup>, a length or count larger than the
 * remaining input could hold, and nesting deeper than {@link #MAX_DEPTH} all fail with {@link
 * BrokerException} carrying {@link ErrorCode#INVALID_DATA} and a message with the byte offset.
 * Nothing else is thrown, allocation is bounded by the input size, and decoding always
 * terminates. As in Broker, subnet lengths and host bits are taken verbatim and any non-zero
 * boolean byte is {@code true}.
 */
public final class BinaryCodec {
  /** Deepest container nesting the decoder accepts (the root value is depth 1). */
  public static final int MAX_DEPTH = 100;

  private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private static final long BROKER_NAN = 0xFFFF_FFFF_FFFF_FFFFL;
  private static final long BROKER_POS_INF = 0xFFF0_0000_0000_0000L;
  private static final long BROKER_NEG_INF = 0x7FF0_0000_0000_0000L;

  private BinaryCodec() {}

  // ---- encoding ---------------------------------------------------------------------------

  /** The encoding of {@code value}. */
  public static byte[] encode(Data value) {
    byte[] out = new byte[encodedSize(value)];
    encode(value, out, 0);
    return out;
  }

  /** Number of bytes {@link #encode(Data)} produces for {@code value}. */
  public static int encodedSize(Data value) {
    DataKind kind = value.kind();
    switch (kind) {
      case NONE:
        return 1;
      case BOOLEAN:
        return 2;
      case COUNT:
      case INTEGER:
      case REAL:
      case TIMESTAMP:
      case TIMESPAN:
        return 9;
      case STRING: {
        int n = ((StringData) value).raw().length;
        return 1 + varbyteSize(n) + n;
      }
      case ENUM_VALUE: {
        int n = ((EnumData) value).raw().length;
        return 1 + varbyteSize(n) + n;
      }
      case ADDRESS:
        return 17;
      case SUBNET:
        return 18;
      case PORT:
        return 4;
      case SET: {
        SetData s = (SetData) value;
        if (s.isEmpty()) {
          return 2;
        }
        int size = 1 + varbyteSize(s.size());
        for (Data d : s.elements()) {
          size += encodedSize(d);
        }
        return size;
      }
      case TABLE: {
        TableData t = (TableData) value;
        if (t.isEmpty()) {
          return 2;
        }
        int size = 1 + varbyteSize(t.size());
        for (Map.Entry<Data, Data> e : t.entries().entrySet()) {
          size += encodedSize(e.getKey()) + encodedSize(e.getValue());
        }
        return size;
      }
      case VECTOR: {
        VectorData v = (VectorData) value;
        int size = 1 + varbyteSize(v.size());
        for (int i = 0, n = v.size(); i < n; i++) {
          size += encodedSize(v.get(i));
        }
        return size;
      }
      default:
        throw new AssertionError(kind);
    }
  }

  /**
   * Writes the encoding of {@code value} into {@code out} at {@code offset}; {@code out} must
   * have {@link #encodedSize(Data)} bytes of room.
   *
   * @return the offset just past the written bytes
   */
  public static int encode(Data value, byte[] out, int offset) {
    int p = offset;
    DataKind kind = value.kind();
    out[p++] = (byte) kind.tag();
    switch (kind) {
      case NONE:
        return p;
      case BOOLEAN:
        out[p++] = (byte) (((BooleanData) value).value() ? 1 : 0);
        return p;
      case COUNT:
        return putLong(out, p, ((CountData) value).value());
      case INTEGER:
        return putLong(out, p, ((IntegerData) value).value());
      case REAL:
        return putLong(out, p, realToBits(((RealData) value).value()));
      case TIMESTAMP:
        return putLong(out, p, ((TimestampData) value).nanos());
      case TIMESPAN:
        return putLong(out, p, ((TimespanData) value).nanos());
      case STRING:
        return putBytes(out, p, ((StringData) value).raw());
      case ENUM_VALUE:
        return putBytes(out, p, ((EnumData) value).raw());
      case ADDRESS: {
        AddressData a = (AddressData) value;
        p = putLong(out, p, a.high());
        return putLong(out, p, a.low());
      }
      case SUBNET: {
        SubnetData s = (SubnetData) value;
        p = putLong(out, p, s.network().high());
        p = putLong(out, p, s.network().low());
        out[p++] = (byte) s.rawLength();
        return p;
      }
      case PORT: {
        PortData port = (PortData) value;
        out[p++] = (byte) (port.number() >>> 8);
        out[p++] = (byte) port.number();
        out[p++] = (byte) port.protocol().code();
        return p;
      }
      case SET: {
        SetData s = (SetData) value;
        p = writeVarbyte(s.size(), out, p);
        if (s.isEmpty()) {
          return p;
        }
        for (Data d : s.elements()) {
          p = encode(d, out, p);
        }
        return p;
      }
      case TABLE: {
        TableData t = (TableData) value;
        p = writeVarbyte(t.size(), out, p);
        if (t.isEmpty()) {
          return p;
        }
        for (Map.Entry<Data, Data> e : t.entries().entrySet()) {
          p = encode(e.getKey(), out, p);
          p = encode(e.getValue(), out, p);
        }
        return p;
      }
      case VECTOR: {
        VectorData v = (VectorData) value;
        p = writeVarbyte(v.size(), out, p);
        for (int i = 0, n = v.size(); i < n; i++) {
          p = encode(v.get(i), out, p);
        }
        return p;
      }
      default:
        throw new AssertionError(value.kind());
    }
  }

  /** The 64 bits Broker writes for {@code x} (CAF's {@code pack754} convention). */
  public static long realToBits(double x) {
    if (Double.isNaN(x)) {
      return BROKER_NAN;
    }
    if (x == Double.POSITIVE_INFINITY) {
      return BROKER_POS_INF;
    }
    if (x == Double.NEGATIVE_INFINITY) {
      return BROKER_NEG_INF;
    }
    return Double.doubleToRawLongBits(x);
  }

  /** The real Broker reads from the 64 bits {@code bits} (CAF's {@code unpack754}). */
  public static double bitsToReal(long bits) {
    if (bits == BROKER_NAN) {
      return Double.NaN;
    }
    if (bits == BROKER_POS_INF) {
      return Double.POSITIVE_INFINITY;
    }
    if (bits == BROKER_NEG_INF) {
      return Double.NEGATIVE_INFINITY;
    }
    if (((bits >>> 52) & 0x7FF) == 0x7FF) {
      // (1 + F/2^52) * 2^1024 overflows to infinity with the sign bit's sign.
      return bits < 0 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    return Double.longBitsToDouble(bits);
  }

  /** Number of bytes of the minimal {@code varbyte} form of {@code value} (an unsigned int). */
  public static int varbyteSize(int value) {
    int n = 1;
    long v = value & 0xFFFF_FFFFL;
    while (v > 0x7F) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  /**
   * Writes the minimal {@code varbyte} form of {@code value} (read as an unsigned int): groups of
   * 7 bits, least significant first, continuation bit 0x80.
   *
   * @return the offset just past the written bytes
   */
  public static int writeVarbyte(int value, byte[] out, int offset) {
    long v = value & 0xFFFF_FFFFL;
    while (v > 0x7F) {
      out[offset++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out[offset++] = (byte) v;
    return offset;
  }

  private static int putBytes(byte[] out, int p, byte[] bytes) {
    p = writeVarbyte(bytes.length, out, p);
    System.arraycopy(bytes, 0, out, p, bytes.length);
    return p + bytes.length;
  }

  private static int putLong(byte[] out, int p, long v) {
    LONG_BE.set(out, p, v);
    return p + 8;
  }

  // ---- decoding ---------------------------------------------------------------------------

  /**
   * Decodes the single value that spans all of {@code bytes}.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if the bytes are not exactly one
   *     valid value
   */
  public static Data decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length);
  }

  /**
   * Decodes the single value that spans {@code bytes[offset, offset + length)}.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if those bytes are not exactly
   *     one valid value
   */
  public static Data decode(byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset > bytes.length - length) {
      throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + "+" + length + ") of " + bytes.length);
    }
    Reader r = new Reader(bytes, offset, offset + length);
    Data d = r.value(1);
    if (r.pos != r.end) {
      throw r.fail(r.end - r.pos + " trailing byte(s) after the value");
    }
    return d;
  }

  // ---- checking without decoding -------------------------------------------------------------
  //
  // A check of the bytes the decoder reads, without building the value: it lets a network thread
  // accept a received value and leave the decoding to whoever reads it. It walks the encoding
  // with the decoder's rules (tags, fixed sizes, varbyte lengths and counts, port protocols,
  // nesting depth, no trailing bytes) and answers true only if decoding cannot fail; it answers
  // false for every invalid input and also when it cannot tell without decoding: a set or table
  // of two or more entries (whether they are duplicates needs Broker's value order). Callers
  // decode whatever it does not accept, which fails with the decoder's own message or yields
  // the value. Kept beside the decoder so that the two sets of rules change together
  // (BinaryCodecCheckTest holds them in step).

  /** Whether {@code b[off, off + len)} is exactly one value that {@link #decode} accepts. */
  public static boolean certainlyValid(byte[] b, int off, int len) {
    int end = off + len;
    return skipChecked(b, off, end, 1) == end;
  }

  /** The position after the value at {@code p}, or -1 if it is invalid or not certainly valid. */
  private static int skipChecked(byte[] b, int p, int end, int depth) {
    if (p >= end) {
      return -1;
    }
    int tag = b[p++] & 0xFF;
    switch (tag) {
      case 0: // none
        return p;
      case 1: // boolean
        return fixedChecked(p, 1, end);
      case 2: // count
      case 3: // integer
      case 4: // real
      case 9: // timestamp
      case 10: // timespan
        return fixedChecked(p, 8, end);
      case 5: // string
      case 11: { // enum value
        long v = varbyteAt(b, p, end);
        if (v < 0) {
          return -1;
        }
        p += (int) (v >>> 32);
        long n = v & 0xFFFF_FFFFL;
        return n > end - p ? -1 : p + (int) n;
      }
      case 6: // address
        return fixedChecked(p, 16, end);
      case 7: // subnet
        return fixedChecked(p, 17, end);
      case 8: // port: number, protocol 0..3
        return end - p < 3 || (b[p + 2] & 0xFF) > 3 ? -1 : p + 3;
      case 12: // set
      case 13: // table
      case 14: { // vector
        if (depth > MAX_DEPTH) {
          return -1;
        }
        long v = varbyteAt(b, p, end);
        if (v < 0) {
          return -1;
        }
        p += (int) (v >>> 32);
        long n = v & 0xFFFF_FFFFL;
        int perItem = tag == 13 ? 2 : 1;
        if (n * perItem > end - p) {
          return -1;
        }
        if (tag != 14 && n > 1) {
          return -1; // duplicates are decided by Broker's value order: decode to know
        }
        long values = n * perItem;
        for (long i = 0; i < values && p >= 0; i++) {
          p = skipChecked(b, p, end, depth + 1);
        }
        return p;
      }
      default:
        return -1;
    }
  }

  private static int fixedChecked(int p, int size, int end) {
    return end - p < size ? -1 : p + size;
  }

  private static final long VARBYTE_TRUNCATED = -1;
  private static final long VARBYTE_TOO_LONG = -2;
  private static final long VARBYTE_TOO_LARGE = -3;

  /**
   * The varbyte at {@code p}, the one rule for decoding and checking: non-minimal forms accepted,
   * at most 5 bytes, a value below 2<sup>32</sup>. Returns the value in the low 32 bits and its
   * length in bits 32–39, or a negative {@code VARBYTE_*} code.
   */
  private static long varbyteAt(byte[] b, int p, int end) {
    long v = 0;
    for (int i = 0; i < 5; i++) {
      if (p + i >= end) {
        return VARBYTE_TRUNCATED;
      }
      int x = b[p + i] & 0xFF;
      v |= (long) (x & 0x7F) << (7 * i);
      if ((x & 0x80) == 0) {
        return v > 0xFFFF_FFFFL ? VARBYTE_TOO_LARGE : v | ((long) (i + 1) << 32);
      }
    }
    return VARBYTE_TOO_LONG;
  }

  /**
   * Reads a {@code varbyte} at {@code offset}: accepts non-minimal forms, refuses more than 5
   * bytes and values of 2<sup>32</sup> or more.
   *
   * @return the value in the low 32 bits and the number of bytes read in bits 32–39
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if truncated or malformed
   */
  public static long readVarbyte(byte[] bytes, int offset, int end) {
    Reader r = new Reader(bytes, offset, end);
    long v = r.varbyte();
    return v | ((long) (r.pos - offset) << 32);
  }

  private static final class Reader {
    final byte[] buf;
    final int start;
    final int end;
    int pos;

    Reader(byte[] buf, int start, int end) {
      this.buf = buf;
      this.start = start;
      this.end = end;
      this.pos = start;
    }

    BrokerException fail(String what) {
      return BrokerException.lightweight(ErrorCode.INVALID_DATA,
          "invalid Broker binary data at byte " + (pos - start) + ": " + what);
    }

    void need(int n, String what) {
      if (end - pos < n) {
        throw fail("truncated " + what + " (need " + n + " byte(s), " + (end - pos) + " left)");
      }
    }

    long varbyte() {
      if (pos < end && buf[pos] >= 0) {
        return buf[pos++]; // one byte: the common case, kept short on the decoder's hot path
      }
      long r = varbyteAt(buf, pos, end);
      if (r < 0) {
        throw fail(r == VARBYTE_TRUNCATED ? "truncated varbyte"
            : r == VARBYTE_TOO_LONG ? "varbyte longer than 5 bytes" : "varbyte value exceeds 32 bits");
      }
      pos += (int) (r >>> 32);
      return r & 0xFFFF_FFFFL;
    }

    /** A length or count of items of at least {@code minItemSize} bytes each. */
    int count(int minItemSize, String what) {
      long n = varbyte();
      if (n * minItemSize > end - pos) {
        throw fail(what + " of " + n + " exceeds the " + (end - pos) + " remaining byte(s)");
      }
      return (int) n;
    }

    long int64() {
      need(8, "64-bit value");
      long v = (long) LONG_BE.get(buf, pos);
      pos += 8;
      return v;
    }

    byte[] bytes(String what) {
      int n = count(1, what + " length");
      byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return b;
    }

    Data value(int depth) {
      if (pos >= end) {
        throw fail("truncated input, expected a type tag");
      }
      int tag = buf[pos] & 0xFF;
      DataKind kind = DataKind.ofTag(tag);
      if (kind == null) {
        throw fail("unknown type tag " + tag);
      }
      pos++;
      switch (kind) {
        case NONE:
          return NoneData.INSTANCE;
        case BOOLEAN:
          need(1, "boolean");
          return BooleanData.of(buf[pos++] != 0);
        case COUNT:
          return new CountData(int64());
        case INTEGER:
          return new IntegerData(int64());
        case REAL:
          return new RealData(bitsToReal(int64()));
        case STRING:
          return StringData.wrap(bytes("string"));
        case ADDRESS:
          return new AddressData(int64(), int64());
        case SUBNET: {
          need(17, "subnet");
          AddressData net = new AddressData(int64(), int64());
          return new SubnetData(net, buf[pos++] & 0xFF);
        }
        case PORT: {
          need(3, "port");
          int number = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
          int code = buf[pos + 2] & 0xFF;
          PortData.Protocol proto = PortData.Protocol.ofCode(code);
          if (proto == null) {
            throw fail("port protocol " + code + " is not 0..3");
          }
          pos += 3;
          return new PortData(number, proto);
        }
        case TIMESTAMP:
          return new TimestampData(int64());
        case TIMESPAN:
          return new TimespanData(int64());
        case ENUM_VALUE:
          return EnumData.wrap(bytes("enum name"));
        case SET: {
          checkDepth(depth);
          int n = count(1, "set size");
          if (n == 0) {
            return SetData.EMPTY;
          }
          TreeSet<Data> set = new TreeSet<>();
          for (int i = 0; i < n; i++) {
            int at = pos;
            if (!set.add(value(depth + 1))) {
              pos = at;
              throw fail("duplicate set element");
            }
          }
          return SetData.wrap(set);
        }
        case TABLE: {
          checkDepth(depth);
          int n = count(2, "table size");
          if (n == 0) {
            return TableData.EMPTY;
          }
          TreeMap<Data, Data> table = new TreeMap<>();
          for (int i = 0; i < n; i++) {
            int at = pos;
            Data key = value(depth + 1);
            Data val = value(depth + 1);
            if (table.putIfAbsent(key, val) != null) {
              pos = at;
              throw fail("duplicate table key");
            }
          }
          return TableData.wrap(table);
        }
        case VECTOR: {
          checkDepth(depth);
          int n = count(1, "vector size");
          Data[] elems = new Data[n];
          for (int i = 0; i < n; i++) {
            elems[i] = value(depth + 1);
          }
          return VectorData.wrap(elems);
        }
        default:
          throw new AssertionError(kind);
      }
    }

    private void checkDepth(int depth) {
      if (depth > MAX_DEPTH) {
        pos--;
        throw fail("containers nested deeper than " + MAX_DEPTH);
      }
    }
  }
}
