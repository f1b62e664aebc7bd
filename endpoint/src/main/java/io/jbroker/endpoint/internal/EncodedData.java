package io.jbroker.endpoint.internal;

import io.jbroker.data.BinaryCodec;

/**
 * A check of Broker binary data (spec/broker-endpoint.md §1) without decoding it: lets the network
 * thread accept a received value and leave the decoding to the subscriber's reader.
 *
 * <p>{@link #certainlyValid} walks the encoding with the rules of {@link BinaryCodec#decode}
 * (tags, fixed sizes, varbyte lengths and counts, port protocols, nesting depth, no trailing
 * bytes) and answers true only if decoding cannot fail. It answers false for every invalid input
 * and also when it cannot tell without decoding: a set or table of two or more entries (whether
 * they are duplicates needs Broker's value order). Callers decode whatever it does not accept,
 * which fails with the decoder's own message or yields the value.
 */
public final class EncodedData {
  private EncodedData() {}

  /** Whether {@code b[off, off + len)} is exactly one value that {@link BinaryCodec#decode} accepts. */
  public static boolean certainlyValid(byte[] b, int off, int len) {
    int end = off + len;
    return skip(b, off, end, 1) == end;
  }

  /** The position after the value at {@code p}, or -1 if it is invalid or not certainly valid. */
  private static int skip(byte[] b, int p, int end, int depth) {
    if (p >= end) {
      return -1;
    }
    int tag = b[p++] & 0xFF;
    switch (tag) {
      case 0: // none
        return p;
      case 1: // boolean
        return fixed(p, 1, end);
      case 2: // count
      case 3: // integer
      case 4: // real
      case 9: // timestamp
      case 10: // timespan
        return fixed(p, 8, end);
      case 5: // string
      case 11: { // enum value
        long v = varbyte(b, p, end);
        if (v < 0) {
          return -1;
        }
        p += (int) (v >>> 32);
        long n = v & 0xFFFF_FFFFL;
        return n > end - p ? -1 : p + (int) n;
      }
      case 6: // address
        return fixed(p, 16, end);
      case 7: // subnet
        return fixed(p, 17, end);
      case 8: // port: number, protocol 0..3
        return end - p < 3 || (b[p + 2] & 0xFF) > 3 ? -1 : p + 3;
      case 12: // set
      case 13: // table
      case 14: { // vector
        if (depth > BinaryCodec.MAX_DEPTH) {
          return -1;
        }
        long v = varbyte(b, p, end);
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
          p = skip(b, p, end, depth + 1);
        }
        return p;
      }
      default:
        return -1;
    }
  }

  private static int fixed(int p, int size, int end) {
    return end - p < size ? -1 : p + size;
  }

  /**
   * A varbyte at {@code p} as {@link BinaryCodec} reads it (at most 5 bytes, below
   * 2<sup>32</sup>): the value in the low 32 bits and its length in bits 32–39, or -1.
   */
  private static long varbyte(byte[] b, int p, int end) {
    long v = 0;
    for (int i = 0; i < 5; i++) {
      if (p + i >= end) {
        return -1;
      }
      int x = b[p + i] & 0xFF;
      v |= (long) (x & 0x7F) << (7 * i);
      if ((x & 0x80) == 0) {
        return v > 0xFFFF_FFFFL ? -1 : v | ((long) (i + 1) << 32);
      }
    }
    return -1;
  }
}
