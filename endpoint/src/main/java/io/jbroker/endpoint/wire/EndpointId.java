package io.jbroker.endpoint.wire;

import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;

/**
 * A Broker endpoint id: 16 raw bytes (spec/broker-endpoint.md §3.1), all zero = {@link #NIL}
 * ("no endpoint", the broadcast receiver of §4.1).
 *
 * <p>On the wire an id is always the 16 raw bytes, never text; the text form is lower-case
 * {@code 8-4-4-4-12} hex. Ids are ordered like Broker's {@code memcmp}: <b>unsigned</b>
 * lexicographic over the 16 bytes. That order decides who originates a handshake (the smaller
 * id, §3.1), so it must never be replaced by {@link UUID#compareTo}, which compares signed longs
 * and disagrees for ids with the top bit set (§9.1 #22).
 */
public final class EndpointId implements Comparable<EndpointId> {
  /** Number of bytes of an id. */
  public static final int SIZE = 16;

  private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** The all-zero id: "no endpoint"; as a receiver it means broadcast. */
  public static final EndpointId NIL = new EndpointId(0L, 0L);

  private static final SecureRandom SECURE = new SecureRandom();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  // The 16 bytes as two big-endian longs: unsigned comparison of (msb, lsb) equals memcmp.
  private final long msb;
  private final long lsb;

  private EndpointId(long msb, long lsb) {
    this.msb = msb;
    this.lsb = lsb;
  }

  /**
   * A fresh random id like CAF's {@code uuid::random}: random bytes with the version nibble set
   * to 5 and the RFC 4122 variant bits ({@code 10xx}), e.g. {@code 5746d8ee-3644-5bd2-9f54-…}.
   */
  public static EndpointId random() {
    return random(SECURE);
  }

  /** As {@link #random()}, drawing the bytes from {@code rnd} (for seeded simulations). */
  public static EndpointId random(Random rnd) {
    long hi = rnd.nextLong();
    long lo = rnd.nextLong();
    hi = (hi & ~0xF000L) | 0x5000L; // version 5 in the high nibble of byte 6
    lo = (lo & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L; // variant 10xx in byte 8
    return new EndpointId(hi, lo);
  }

  /** The id of a copy of {@code bytes16}, which must hold exactly 16 bytes. */
  public static EndpointId of(byte[] bytes16) {
    Objects.requireNonNull(bytes16, "bytes16");
    if (bytes16.length != SIZE) {
      throw new IllegalArgumentException("an endpoint id has 16 bytes, not " + bytes16.length);
    }
    return read(bytes16, 0);
  }

  /** The id with the same 128 bits as {@code uuid}. */
  public static EndpointId of(UUID uuid) {
    return new EndpointId(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits());
  }

  /**
   * Parses the text form {@code xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx} (hex digits of either
   * case).
   *
   * @throws IllegalArgumentException if {@code text} is not exactly that form
   */
  public static EndpointId parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.length() != 36) {
      throw new IllegalArgumentException("not an endpoint id (want 8-4-4-4-12 hex digits): \"" + text + "\"");
    }
    long hi = 0;
    long lo = 0;
    int digits = 0;
    for (int i = 0; i < 36; i++) {
      char c = text.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          throw new IllegalArgumentException("not an endpoint id (want '-' at index " + i + "): \"" + text + "\"");
        }
        continue;
      }
      int v = Character.digit(c, 16);
      if (v < 0 || c > 'f') { // Character.digit also accepts non-ASCII digits
        throw new IllegalArgumentException("not an endpoint id (bad hex digit at index " + i + "): \"" + text + "\"");
      }
      if (digits < 16) {
        hi = (hi << 4) | v;
      } else {
        lo = (lo << 4) | v;
      }
      digits++;
    }
    return new EndpointId(hi, lo);
  }

  /** The id in {@code buf[off, off + 16)}. */
  public static EndpointId read(byte[] buf, int off) {
    Objects.checkFromIndexSize(off, SIZE, buf.length);
    return new EndpointId(longAt(buf, off), longAt(buf, off + 8));
  }

  /** Reads 16 bytes at the reader index of {@code in} and advances it. */
  public static EndpointId read(ByteBuf in) {
    long hi = in.readLong();
    long lo = in.readLong();
    return new EndpointId(hi, lo);
  }

  /** Whether {@code b[off, off + 16)} are this id. */
  public boolean isAt(byte[] b, int off) {
    return longAt(b, off) == msb && longAt(b, off + 8) == lsb;
  }

  /** A copy of the 16 bytes. */
  public byte[] bytes() {
    byte[] out = new byte[SIZE];
    writeTo(out, 0);
    return out;
  }

  /** Writes the 16 bytes to {@code dst[off, off + 16)}. */
  public void writeTo(byte[] dst, int off) {
    Objects.checkFromIndexSize(off, SIZE, dst.length);
    putLong(dst, off, msb);
    putLong(dst, off + 8, lsb);
  }

  /** Appends the 16 bytes to {@code out}. */
  public void writeTo(ByteBuf out) {
    out.writeLong(msb);
    out.writeLong(lsb);
  }

  /** Whether this is the all-zero id. */
  public boolean isNil() {
    return msb == 0 && lsb == 0;
  }

  /** The UUID with the same 128 bits (for display and interop only; never order by it). */
  public UUID toUuid() {
    return new UUID(msb, lsb);
  }

  /** Lower-case {@code 8-4-4-4-12} hex, as Broker prints ids. */
  @Override
  public String toString() {
    char[] out = new char[36];
    int p = 0;
    for (int i = 0; i < 16; i++) {
      if (i == 4 || i == 6 || i == 8 || i == 10) {
        out[p++] = '-';
      }
      int b = byteAt(i);
      out[p++] = HEX[b >>> 4];
      out[p++] = HEX[b & 0xF];
    }
    return new String(out);
  }

  /** Unsigned lexicographic order of the 16 bytes (Broker's {@code memcmp}). */
  @Override
  public int compareTo(EndpointId o) {
    int c = Long.compareUnsigned(msb, o.msb);
    return c != 0 ? c : Long.compareUnsigned(lsb, o.lsb);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EndpointId other && msb == other.msb && lsb == other.lsb;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(msb * 31 + lsb);
  }

  private int byteAt(int i) {
    long word = i < 8 ? msb : lsb;
    return (int) (word >>> (56 - 8 * (i & 7))) & 0xFF;
  }

  private static long longAt(byte[] b, int off) {
    return (long) LONG_BE.get(b, off);
  }

  private static void putLong(byte[] b, int off, long v) {
    LONG_BE.set(b, off, v);
  }
}
