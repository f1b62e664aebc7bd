package io.jbroker.endpoint.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Keeps received TLS records in heap memory until the JDK's {@code SSLEngine} has decrypted them.
 *
 * <p>Why: the JDK 17 AES-GCM implementation authenticates ciphertext that sits in a direct
 * {@code ByteBuffer} 16 bytes at a time in Java ({@code GHASH.processBlocksDirect}), while for
 * ciphertext in a byte array it uses the CPU's carry-less multiply (the GHASH intrinsic). Netty
 * reads from the socket into direct buffers, so a receiving endpoint spent about a third of its
 * I/O thread in that Java loop. {@link #CUMULATOR}, the {@code SslHandler}'s cumulator, copies
 * each read into a heap buffer (one {@code memcpy}) and keeps partial records there, instead of
 * passing the direct buffer on or growing its buffer with the channel's (direct) allocator.
 */
final class HeapCiphertext {
  private HeapCiphertext() {}

  /**
   * A cumulator whose result is always a heap buffer: a heap read with nothing pending is used
   * as it is; otherwise the read is appended to the pending heap buffer when it may be, else both
   * are copied into a new heap buffer. Takes ownership of {@code in}, like Netty's cumulators.
   */
  static final ByteToMessageDecoder.Cumulator CUMULATOR = (ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) -> {
    if (!cumulation.isReadable() && in.hasArray()) {
      cumulation.release();
      return in;
    }
    try {
      int needed = in.readableBytes();
      if (cumulation.hasArray() && cumulation.refCnt() == 1 && !cumulation.isReadOnly()
          && cumulation.maxWritableBytes() >= needed) {
        cumulation.writeBytes(in); // grows in place if it must: still on the heap
        return cumulation;
      }
      ByteBuf bigger = alloc.heapBuffer(cumulation.readableBytes() + needed);
      bigger.writeBytes(cumulation).writeBytes(in);
      cumulation.release();
      return bigger;
    } finally {
      in.release();
    }
  };
}
