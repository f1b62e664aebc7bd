package io.jbroker.data;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Broker's {@code address}: 16 bytes in network order, IPv4 stored IPv4-mapped
 * ({@code ::ffff:a.b.c.d}). {@link #high()} and {@link #low()} hold bytes 0–7 and 8–15 big-endian,
 * so the unsigned comparison of (high, low) is Broker's byte-wise order.
 */
public record AddressData(long high, long low) implements Data {
  private static final long V4_MAPPED_MARK = 0xFFFFL;

  /** The address {@code ::} (all zero bytes), Broker's default address. */
  public static final AddressData ZERO = new AddressData(0, 0);

  /** The address of the 16 bytes {@code bytes} (network order). */
  public static AddressData of(byte[] bytes) {
    if (bytes.length != 16) {
      throw new IllegalArgumentException("an address has 16 bytes, got " + bytes.length);
    }
    return new AddressData(readLong(bytes, 0), readLong(bytes, 8));
  }

  /** The IPv4-mapped address of the IPv4 address {@code v4} (network order int). */
  public static AddressData ofV4(int v4) {
    return new AddressData(0, (V4_MAPPED_MARK << 32) | (v4 & 0xFFFF_FFFFL));
  }

  /** The address of a Java address; IPv4 addresses are stored IPv4-mapped. */
  public static AddressData of(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length == 4) {
      return ofV4(((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF));
    }
    return of(b);
  }

  /**
   * Parses IPv4 dotted-quad or IPv6 text (with {@code ::} compression and an optional trailing
   * dotted quad). Never resolves host names.
   *
   * @throws IllegalArgumentException if {@code text} is not an address
   */
  public static AddressData parse(String text) {
    AddressData a = tryParse(text);
    if (a == null) {
      throw new IllegalArgumentException("not an IPv4 or IPv6 address: \"" + text + "\"");
    }
    return a;
  }

  /** Like {@link #parse(String)} but returns {@code null} for text that is not an address. */
  public static AddressData tryParse(String text) {
    if (text.indexOf(':') < 0) {
      long v4 = parseV4(text, 0, text.length());
      return v4 < 0 ? null : ofV4((int) v4);
    }
    byte[] bytes = parseV6(text);
    return bytes == null ? null : of(bytes);
  }

  /** Whether this is an IPv4-mapped address, i.e. an IPv4 address. */
  public boolean isV4() {
    return high == 0 && (low >>> 32) == V4_MAPPED_MARK;
  }

  /** The 16 bytes in network order (a fresh array). */
  public byte[] bytes() {
    byte[] b = new byte[16];
    writeLong(b, 0, high);
    writeLong(b, 8, low);
    return b;
  }

  /** This address as a Java address (an {@link Inet4Address} when {@link #isV4()}). */
  public InetAddress toInetAddress() {
    try {
      byte[] b = bytes();
      if (isV4()) {
        return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
      }
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // cannot happen for 4 or 16 bytes
    }
  }

  /** This address with all bits after the first {@code bits} cleared (0–128). */
  public AddressData mask(int bits) {
    if (bits < 0 || bits > 128) {
      throw new IllegalArgumentException("mask length " + bits + " is outside 0..128");
    }
    if (bits == 0) {
      return ZERO;
    }
    if (bits <= 64) {
      return new AddressData(high & (-1L << (64 - bits)), 0);
    }
    return new AddressData(high, bits == 128 ? low : low & (-1L << (128 - bits)));
  }

  @Override
  public DataKind kind() {
    return DataKind.ADDRESS;
  }

  /**
   * Broker's rendering (CAF's {@code to_string(ipv6_address)}): IPv4 as a dotted quad; IPv6 as
   * lower-case hex groups without leading zeros, the first longest run of at least two zero
   * groups written {@code ::}, and no embedded dotted quad ({@code ::102:304}, not {@code
   * ::1.2.3.4}).
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(40);
    if (isV4()) {
      appendV4(sb, (int) low);
      return sb.toString();
    }
    int[] words = new int[8];
    for (int i = 0; i < 4; i++) {
      words[i] = (int) (high >>> (48 - 16 * i)) & 0xFFFF;
      words[i + 4] = (int) (low >>> (48 - 16 * i)) & 0xFFFF;
    }
    int bestBase = -1;
    int bestLen = 0;
    int curBase = -1;
    int curLen = 0;
    for (int i = 0; i < 8; i++) {
      if (words[i] == 0) {
        if (curBase < 0) {
          curBase = i;
          curLen = 1;
        } else {
          curLen++;
        }
      } else if (curBase >= 0) {
        if (bestBase < 0 || curLen > bestLen) {
          bestBase = curBase;
          bestLen = curLen;
        }
        curBase = -1;
      }
    }
    if (curBase >= 0 && (bestBase < 0 || curLen > bestLen)) {
      bestBase = curBase;
      bestLen = curLen;
    }
    if (bestBase >= 0 && bestLen < 2) {
      bestBase = -1;
    }
    for (int i = 0; i < 8; i++) {
      if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
        if (i == bestBase) {
          sb.append(':');
        }
        continue;
      }
      if (i != 0) {
        sb.append(':');
      }
      sb.append(Integer.toHexString(words[i]));
    }
    if (bestBase >= 0 && bestBase + bestLen == 8) {
      sb.append(':');
    }
    return sb.toString();
  }

  private static void appendV4(StringBuilder sb, int v4) {
    sb.append((v4 >>> 24) & 0xFF).append('.').append((v4 >>> 16) & 0xFF).append('.')
        .append((v4 >>> 8) & 0xFF).append('.').append(v4 & 0xFF);
  }

  /** Parses a dotted quad in text[from, to); returns it as an unsigned int, or -1. */
  private static long parseV4(String text, int from, int to) {
    long result = 0;
    int octets = 0;
    int i = from;
    while (octets < 4) {
      int start = i;
      int value = 0;
      while (i < to && text.charAt(i) >= '0' && text.charAt(i) <= '9' && i - start < 3) {
        value = value * 10 + (text.charAt(i) - '0');
        i++;
      }
      int digits = i - start;
      if (digits == 0 || value > 255 || (digits > 1 && text.charAt(start) == '0')) {
        return -1;
      }
      result = (result << 8) | value;
      octets++;
      if (octets < 4) {
        if (i >= to || text.charAt(i) != '.') {
          return -1;
        }
        i++;
      }
    }
    return i == to ? result : -1;
  }

  private static byte[] parseV6(String text) {
    int len = text.length();
    if (len < 2 || len > 45) {
      return null;
    }
    int[] words = new int[8];
    int count = 0;
    int gap = -1; // index in words where "::" was seen
    int i = 0;
    if (text.startsWith("::")) {
      gap = 0;
      i = 2;
      if (i == len) {
        return new byte[16];
      }
    } else if (text.charAt(0) == ':') {
      return null;
    }
    while (i < len) {
      if (count == 8) {
        return null;
      }
      int start = i;
      int value = 0;
      while (i < len && i - start < 5 && hexDigit(text.charAt(i)) >= 0) {
        value = (value << 4) | hexDigit(text.charAt(i));
        i++;
      }
      int digits = i - start;
      if (i < len && text.charAt(i) == '.') {
        // trailing dotted quad: takes two words
        if (count > 6) {
          return null;
        }
        long v4 = parseV4(text, start, len);
        if (v4 < 0) {
          return null;
        }
        words[count++] = (int) (v4 >>> 16);
        words[count++] = (int) (v4 & 0xFFFF);
        i = len;
        break;
      }
      if (digits == 0 || digits > 4) {
        return null;
      }
      words[count++] = value;
      if (i == len) {
        break;
      }
      if (text.charAt(i) != ':') {
        return null;
      }
      i++;
      if (i < len && text.charAt(i) == ':') {
        if (gap >= 0) {
          return null; // two "::"
        }
        gap = count;
        i++;
        if (i == len) {
          break;
        }
      } else if (i == len) {
        return null; // trailing single ':'
      }
    }
    int[] full = new int[8];
    if (gap >= 0) {
      if (count > 7) {
        return null;
      }
      int tail = count - gap;
      System.arraycopy(words, 0, full, 0, gap);
      System.arraycopy(words, gap, full, 8 - tail, tail);
    } else {
      if (count != 8) {
        return null;
      }
      full = words;
    }
    byte[] b = new byte[16];
    for (int w = 0; w < 8; w++) {
      b[2 * w] = (byte) (full[w] >>> 8);
      b[2 * w + 1] = (byte) full[w];
    }
    return b;
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  static long readLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  static void writeLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }
}
