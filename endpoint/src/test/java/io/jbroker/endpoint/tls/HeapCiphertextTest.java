package io.jbroker.endpoint.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The TLS cumulator: whatever arrives, the SSLEngine is handed ciphertext in a heap buffer. */
class HeapCiphertextTest {
  private final ByteBufAllocator alloc = new PooledByteBufAllocator(true); // direct by default, like a channel's

  private ByteBuf direct(String s) {
    ByteBuf b = alloc.directBuffer();
    b.writeCharSequence(s, StandardCharsets.US_ASCII);
    return b;
  }

  private static String text(ByteBuf b) {
    return b.toString(StandardCharsets.US_ASCII);
  }

  @Test
  void aDirectReadWithNothingPendingIsCopiedToTheHeapAndReleased() {
    ByteBuf in = direct("record-1");
    ByteBuf out = HeapCiphertext.CUMULATOR.cumulate(alloc, Unpooled.EMPTY_BUFFER, in);
    assertThat(out.hasArray()).isTrue();
    assertThat(out.isDirect()).isFalse();
    assertThat(text(out)).isEqualTo("record-1");
    assertThat(in.refCnt()).isZero();
    out.release();
  }

  @Test
  void aHeapReadWithNothingPendingIsUsedAsItIs() {
    ByteBuf in = alloc.heapBuffer().writeBytes("abc".getBytes(StandardCharsets.US_ASCII));
    ByteBuf out = HeapCiphertext.CUMULATOR.cumulate(alloc, Unpooled.EMPTY_BUFFER, in);
    assertThat(out).isSameAs(in);
    out.release();
  }

  @Test
  void directReadsAfterAPartialRecordAreAppendedOnTheHeap() {
    ByteBuf pending = HeapCiphertext.CUMULATOR.cumulate(alloc, Unpooled.EMPTY_BUFFER, direct("part-"));
    pending.readByte(); // the engine consumed a byte of it
    ByteBuf more = direct("x".repeat(70_000)); // forces growth beyond the first buffer
    ByteBuf out = HeapCiphertext.CUMULATOR.cumulate(alloc, pending, more);
    assertThat(out.hasArray()).isTrue();
    assertThat(text(out)).isEqualTo("art-" + "x".repeat(70_000));
    assertThat(more.refCnt()).isZero();
    out.release();
  }

  @Test
  void aSharedOrDirectPendingBufferIsReplacedByAHeapCopy() {
    ByteBuf shared = direct("ab");
    shared.retain(); // someone else holds it too
    ByteBuf out = HeapCiphertext.CUMULATOR.cumulate(alloc, shared, direct("cd"));
    assertThat(out).isNotSameAs(shared);
    assertThat(out.hasArray()).isTrue();
    assertThat(text(out)).isEqualTo("abcd");
    assertThat(shared.refCnt()).isEqualTo(1); // our reference released, theirs kept
    shared.release();
    out.release();
  }
}
