package io.jbroker.endpoint;

import static io.jbroker.endpoint.Nodes.WAIT;
import static io.jbroker.endpoint.Nodes.next;
import static io.jbroker.endpoint.Nodes.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Envelope;
import io.jbroker.endpoint.wire.EnvelopeType;
import io.jbroker.endpoint.wire.Filter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The phase-3 receive path takes frames straight from the socket's bytes and hands data
 * envelopes to subscribers in runs: whatever the cut of the byte stream and the mix of topics
 * and other frames, a subscriber gets exactly what was sent to it, in wire order.
 */
class ReceivePathTest {
  private final Nodes nodes = new Nodes();
  private Endpoint listener;
  private Subscriber all;
  private Subscriber onlyA;
  private int port;

  @BeforeEach
  void start() {
    listener = nodes.create();
    all = listener.subscribe(List.of("/"), 100_000, OverflowPolicy.DROP_NEWEST);
    onlyA = listener.subscribe(List.of("/a"), 100_000, OverflowPolicy.DROP_NEWEST);
    port = Nodes.listen(listener);
  }

  @AfterEach
  void closeNodes() {
    nodes.close();
  }

  private RawPeer peered() throws IOException {
    EndpointId id = EndpointId.random();
    RawPeer raw = RawPeer.dial(port, id).handshake(true, Filter.EMPTY);
    listener.awaitPeer(id, WAIT).join();
    return raw;
  }

  private static byte[] frame(Envelope e) {
    return RawPeer.frame(e.toBytes());
  }

  private static List<Message> pollAll(Subscriber s, int n) {
    List<Message> got = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (got.size() < n && System.nanoTime() < deadline) {
      got.addAll(s.poll(n - got.size(), Duration.ofMillis(100)));
    }
    return got;
  }

  @Test
  void framesCutAnywhereInTheStreamArriveWholeAndInOrder() throws IOException {
    try (RawPeer raw = peered()) {
      ByteArrayOutputStream stream = new ByteArrayOutputStream();
      List<Message> sent = new ArrayList<>();
      Random r = new Random(42);
      for (int i = 0; i < 3000; i++) {
        // sizes from a few bytes to beyond the receive path's 64 KiB window
        Data v = i % 500 == 7 ? Data.of("y".repeat(100_000 + i)) : Data.vector(Data.count(i), Data.of("x".repeat(r.nextInt(300))));
        String topic = i % 3 == 0 ? "/a/" + (i % 7) : "/b";
        stream.writeBytes(frame(Envelope.data(raw.id, EndpointId.NIL, topic, v)));
        sent.add(new Message(topic, v));
      }
      byte[] bytes = stream.toByteArray();
      for (int at = 0; at < bytes.length;) {
        int n = Math.min(bytes.length - at, 1 + r.nextInt(r.nextInt(4) == 0 ? 8 : 70_000));
        raw.sendRaw(java.util.Arrays.copyOfRange(bytes, at, at + n));
        at += n;
      }
      assertThat(pollAll(all, sent.size())).containsExactlyElementsOf(sent);
      assertThat(pollAll(onlyA, 1000)).containsExactlyElementsOf(sent.stream().filter(m -> m.topic().startsWith("/a")).toList());
    }
  }

  @Test
  void topicsUnicastsAndPingsInterleavedKeepTheWireOrder() throws IOException {
    try (RawPeer raw = peered()) {
      ByteArrayOutputStream stream = new ByteArrayOutputStream();
      List<Message> sent = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        String topic = (i / 10) % 2 == 0 ? "/a" : "/b";
        Data v = Data.count(i);
        Envelope e;
        switch (i % 13) {
          case 5: // addressed to the listener: not the common case, taken envelope by envelope
            e = new Envelope(raw.id, listener.nodeId(), EnvelopeType.DATA, 16, topic, BinaryCodec.encode(v));
            break;
          case 9: // a set of two: checked by decoding it
            v = Data.set(Data.count(i), Data.of("two"));
            e = Envelope.data(raw.id, EndpointId.NIL, topic, v);
            break;
          default:
            e = Envelope.data(raw.id, EndpointId.NIL, topic, v);
        }
        stream.writeBytes(frame(e));
        sent.add(new Message(topic, v));
        if (i % 17 == 0) {
          stream.writeBytes(frame(Envelope.ping(raw.id, listener.nodeId(), new byte[] {(byte) i})));
          stream.writeBytes(new byte[4]); // an empty frame: ignored
        }
      }
      raw.sendRaw(stream.toByteArray());
      assertThat(pollAll(all, sent.size())).containsExactlyElementsOf(sent);
      assertThat(pollAll(onlyA, 2000)).containsExactlyElementsOf(sent.stream().filter(m -> m.topic().equals("/a")).toList());
      assertThat(all.poll(Duration.ZERO)).isNull();
    }
  }

  @Test
  void aMalformedValueEndsThePeeringAfterWhatCameBeforeIt() throws IOException {
    StatusSubscriber events = listener.statusSubscriber(true);
    try (RawPeer raw = peered()) {
      ByteArrayOutputStream stream = new ByteArrayOutputStream();
      for (int i = 0; i < 5; i++) {
        stream.writeBytes(frame(Envelope.data(raw.id, EndpointId.NIL, "/a", Data.count(i))));
      }
      byte[] bad = frame(Envelope.data(raw.id, EndpointId.NIL, "/a", Data.count(99)));
      bad[bad.length - 9] = 0x0f; // unknown type tag
      stream.writeBytes(bad);
      stream.writeBytes(frame(Envelope.data(raw.id, EndpointId.NIL, "/a", Data.count(100))));
      raw.sendRaw(stream.toByteArray());

      assertThat(raw.awaitClosedByRemote()).isTrue();
      assertThat(pollAll(all, 5)).extracting(Message::data)
          .containsExactly(Data.count(0), Data.count(1), Data.count(2), Data.count(3), Data.count(4));
      assertThat(all.poll(Duration.ofMillis(200))).isNull();
      StatusEvent.Status end = (StatusEvent.Status) next(events, status(StatusCode.PEER_REMOVED));
      assertThat(end.message()).contains("malformed data on topic /a");
    }
  }

  @Test
  void aSubscriberAddedLaterGetsTheNextMessages() throws IOException {
    try (RawPeer raw = peered()) {
      raw.send(Envelope.data(raw.id, EndpointId.NIL, "/c", Data.count(1)));
      assertThat(all.poll(WAIT)).isEqualTo(new Message("/c", Data.count(1)));
      Subscriber onlyC = listener.subscribe("/c");
      Nodes.eventually().until(() -> {
        raw.send(Envelope.data(raw.id, EndpointId.NIL, "/c", Data.count(2)));
        return onlyC.poll(Duration.ofMillis(50)) != null;
      });
    }
  }

  @Test
  void aFrameAnnouncedButNotSentDoesNotReserveItsSize() throws IOException {
    long before = io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()
        + io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
    List<RawPeer> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 16; i++) {
        RawPeer raw = peered();
        stalled.add(raw);
        // announces a frame just below the 16 MiB limit, sends 10 bytes of it and stalls
        raw.sendRaw(new byte[] {0x00, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
      }
      // the listener reads those bytes at once (loopback); what it holds for them stays small
      Nodes.eventually().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> {
        long now = io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()
            + io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
        return now - before < 64L << 20;
      });
    } finally {
      for (RawPeer raw : stalled) {
        raw.close();
      }
    }
  }
}
