package io.jbroker.endpoint.wire;

import io.jbroker.data.BinaryCodec;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;

/**
 * {@code varbyte} and string fields on Netty buffers. The varbyte rules themselves live in
 * {@link BinaryCodec} (spec/broker-endpoint.md §1.2.2: minimal form on write; on read at most 5
 * bytes, value below 2<sup>32</sup>, non-minimal forms accepted); this class only moves the
 * bytes between the codec and a {@link ByteBuf}.
 */
final class WireIo {
  private WireIo() {}

  /** Appends the minimal varbyte form of {@code value} (an unsigned int). */
  static void writeVarbyte(ByteBuf out, int value) {
    if ((value & ~0x7F) == 0) {
      out.writeByte(value);
      return;
    }
    byte[] tmp = new byte[5];
    int n = BinaryCodec.writeVarbyte(value, tmp, 0);
    out.writeBytes(tmp, 0, n);
  }

  /** Appends {@code bytes} as varbyte length + bytes. */
  static void writeBytes(ByteBuf out, byte[] bytes) {
    writeVarbyte(out, bytes.length);
    out.writeBytes(bytes);
  }

  /** Bytes of a length-prefixed byte string of {@code length} bytes. */
  static int bytesSize(int length) {
    return BinaryCodec.varbyteSize(length) + length;
  }

  /**
   * Reads a varbyte at the reader index and advances past it.
   *
   * @return the value, 0 ≤ value < 2<sup>32</sup>
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} (message prefixed by {@code
   *     what}) if it is truncated or malformed
   */
  static long readVarbyte(ByteBuf in, String what) {
    int n = Math.min(5, in.readableBytes());
    byte[] tmp = new byte[n];
    in.getBytes(in.readerIndex(), tmp);
    long r;
    try {
      r = BinaryCodec.readVarbyte(tmp, 0, n);
    } catch (BrokerException e) {
      throw BrokerException.lightweight(ErrorCode.INVALID_DATA, what + ": " + e.getMessage());
    }
    in.skipBytes((int) (r >>> 32));
    return r & 0xFFFF_FFFFL;
  }

  /**
   * Reads a varbyte length and that many bytes.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if the length is malformed or
   *     larger than the readable bytes
   */
  static byte[] readBytes(ByteBuf in, String what) {
    long len = readVarbyte(in, what);
    if (len > in.readableBytes()) {
      throw BrokerException.lightweight(ErrorCode.INVALID_DATA,
          what + ": length " + len + " exceeds the " + in.readableBytes() + " remaining byte(s)");
    }
    byte[] out = new byte[(int) len];
    in.readBytes(out);
    return out;
  }
}
