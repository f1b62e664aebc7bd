package io.jbroker.endpoint.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.endpoint.NetworkInfo;
import io.jbroker.endpoint.OverflowPolicy;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A peer's output buffer is bounded in envelopes: a batch takes as many places as it has
 * envelopes, and the overflow policies act on whole batches. Runs on an embedded channel whose
 * event loop drains only when the test says so.
 */
class PeerLinkTest {
  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final AtomicInteger overflows = new AtomicInteger();

  private PeerLink link(int size, OverflowPolicy policy) {
    // the whole test's output fits below the high-water mark: one drain writes everything
    channel.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(8 << 20, 16 << 20));
    return new PeerLink(EndpointId.random(), new NetworkInfo("127.0.0.1", 1, null), channel, false, Filter.EMPTY, size,
        policy, 0, l -> overflows.incrementAndGet());
  }

  private static byte[] frames(int tag, int n) {
    byte[] b = new byte[n * 3];
    java.util.Arrays.fill(b, (byte) tag);
    return b;
  }

  private byte[] written() {
    channel.runPendingTasks();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf b = channel.readOutbound(); b != null; b = channel.readOutbound()) {
      assertThat(b.readableBytes()).isLessThanOrEqualTo(PeerLink.WRITE_SIZE);
      byte[] a = new byte[b.readableBytes()];
      b.readBytes(a);
      b.release();
      out.writeBytes(a);
    }
    return out.toByteArray();
  }

  @Test
  void aBatchTakesAsManyPlacesAsItHasEnvelopes() {
    PeerLink l = link(8, OverflowPolicy.DROP_NEWEST);
    assertThat(l.offerLocal(frames(1, 5), 5)).isTrue();
    assertThat(l.offerLocal(frames(2, 5), 5)).as("5 + 5 > 8").isFalse();
    assertThat(l.dropped()).isEqualTo(5);
    assertThat(l.offerLocal(frames(3, 3), 3)).isTrue();
    assertThat(l.buffered()).isEqualTo(8);
    assertThat(l.offerForwarded(frames(4, 1))).isFalse();
    assertThat(l.dropped()).isEqualTo(6);
    byte[] out = written();
    assertThat(out).hasSize(24).startsWith(frames(1, 5)).endsWith(frames(3, 3));
    assertThat(l.buffered()).isZero();
    assertThat(l.framesOut()).isEqualTo(8);
  }

  @Test
  void aBatchLargerThanTheBufferIsTakenWhenItIsEmpty() {
    PeerLink l = link(8, OverflowPolicy.DROP_NEWEST);
    assertThat(l.offerLocal(frames(1, 1), 1)).isTrue();
    assertThat(l.offerLocal(frames(2, 20), 20)).as("not while something waits").isFalse();
    written();
    assertThat(l.offerLocal(frames(2, 20), 20)).isTrue();
    assertThat(l.offerLocal(frames(3, 1), 1)).as("full").isFalse();
    assertThat(written()).isEqualTo(frames(2, 20));
  }

  @Test
  void dropOldestMakesRoomByDroppingWholeOlderEntries() {
    PeerLink l = link(8, OverflowPolicy.DROP_OLDEST);
    assertThat(l.offerLocal(frames(1, 5), 5)).isTrue();
    assertThat(l.offerLocal(frames(2, 2), 2)).isTrue();
    assertThat(l.offerLocal(frames(3, 4), 4)).isTrue(); // 5 + 2 + 4 > 8: the first batch goes
    assertThat(l.dropped()).isEqualTo(5);
    assertThat(l.buffered()).isEqualTo(6);
    byte[] expected = new byte[18];
    System.arraycopy(frames(2, 2), 0, expected, 0, 6);
    System.arraycopy(frames(3, 4), 0, expected, 6, 12);
    assertThat(written()).isEqualTo(expected);
  }

  @Test
  void disconnectReportsTheOverflowAndDropsTheBatch() {
    PeerLink l = link(8, OverflowPolicy.DISCONNECT);
    assertThat(l.offerLocal(frames(1, 6), 6)).isTrue();
    assertThat(l.offerLocal(frames(2, 6), 6)).isFalse();
    assertThat(overflows.get()).isEqualTo(1);
    assertThat(l.dropped()).isEqualTo(6);
  }

  @Test
  void largeEntriesAreWrittenInPooledPiecesInOrder() {
    PeerLink l = link(1_000_000, OverflowPolicy.DROP_NEWEST);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (int i = 0; i < 10; i++) {
      byte[] b = frames(i, 10_000 + i * 7_001); // 30 KB to 220 KB
      assertThat(l.offerLocal(b, b.length / 3)).isTrue();
      expected.writeBytes(b);
    }
    assertThat(written()).isEqualTo(expected.toByteArray());
  }

  @Test
  void closingDropsWhatIsBuffered() {
    PeerLink l = link(8, OverflowPolicy.DROP_NEWEST);
    assertThat(l.offerLocal(frames(1, 4), 4)).isTrue();
    l.markClosed();
    assertThat(l.buffered()).isZero();
    assertThat(l.offerLocal(frames(2, 1), 1)).isFalse();
    assertThat(written()).isEmpty();
  }
}
