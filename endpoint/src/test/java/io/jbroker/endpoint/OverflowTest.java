package io.jbroker.endpoint;

import static io.jbroker.endpoint.Nodes.HOST;
import static io.jbroker.endpoint.Nodes.WAIT;
import static io.jbroker.endpoint.Nodes.eventually;
import static io.jbroker.endpoint.Nodes.next;
import static io.jbroker.endpoint.Nodes.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.CountData;
import io.jbroker.data.Data;
import io.jbroker.data.VectorData;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Envelope;
import io.jbroker.endpoint.wire.EnvelopeType;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.error.ErrorCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bounded queues under load: slow subscribers and slow peers, with each overflow policy. */
class OverflowTest {
  private static final int MESSAGES = 2000;
  private static final int QUEUE = 16;

  private final Nodes nodes = new Nodes();

  @AfterEach
  void closeNodes() {
    nodes.close();
  }

  // ---- slow subscribers -------------------------------------------------------------------------

  private record Load(Endpoint receiver, Subscriber slow, Subscriber fast, StatusSubscriber errors) {}

  /** b publishes {@link #MESSAGES} counts on /load to a, where {@code slow} is never polled. */
  private Load publishToSlowSubscriber(OverflowPolicy policy) {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    Subscriber slow = a.subscribe(List.of("/load"), QUEUE, policy);
    Subscriber fast = a.subscribe(List.of("/load"), MESSAGES, OverflowPolicy.DISCONNECT);
    StatusSubscriber errors = a.statusSubscriber(false);
    Nodes.peer(b, a);
    Nodes.awaitInterest(b, a, "/load");

    Publisher p = b.publisher("/load");
    for (int i = 0; i < MESSAGES; i++) {
      assertThat(p.publish(Data.count(i))).isEqualTo(1);
    }
    // The fast one gets everything, in order, whatever happens to the slow one.
    assertThat(PubSubTest.drain(fast, MESSAGES)).extracting(Message::data)
        .containsExactlyElementsOf(IntStream.range(0, MESSAGES).mapToObj(i -> (Data) Data.count(i)).toList());
    return new Load(a, slow, fast, errors);
  }

  private static List<Long> counts(List<Message> messages) {
    return messages.stream().map(m -> ((CountData) m.data()).value()).toList();
  }

  private static List<Long> range(long from, long to) {
    return IntStream.range((int) from, (int) to).mapToObj(i -> (long) i).toList();
  }

  @Test
  void slowSubscriberWithDropOldestKeepsTheNewestMessages() {
    Load l = publishToSlowSubscriber(OverflowPolicy.DROP_OLDEST);
    eventually().until(() -> l.slow.dropped() == MESSAGES - QUEUE);

    assertThat(counts(l.slow.poll(MESSAGES, Duration.ZERO))).isEqualTo(range(MESSAGES - QUEUE, MESSAGES));
    assertThat(l.slow.isClosed()).isFalse();
    assertThat(l.errors.drain()).isEmpty();
  }

  @Test
  void slowSubscriberWithDropNewestKeepsTheOldestMessages() {
    Load l = publishToSlowSubscriber(OverflowPolicy.DROP_NEWEST);
    eventually().until(() -> l.slow.dropped() == MESSAGES - QUEUE);

    assertThat(counts(l.slow.poll(MESSAGES, Duration.ZERO))).isEqualTo(range(0, QUEUE));
    assertThat(l.slow.isClosed()).isFalse();
    assertThat(l.errors.drain()).isEmpty();
  }

  @Test
  void slowSubscriberWithDisconnectIsClosedWithAnErrorEvent() {
    Load l = publishToSlowSubscriber(OverflowPolicy.DISCONNECT);
    eventually().until(l.slow::isClosed);

    StatusEvent.Error e = (StatusEvent.Error) next(l.errors);
    assertThat(e.code()).isEqualTo(ErrorCode.UNSPECIFIED);
    assertThat(e.message()).contains("/load").contains("queue full");
    assertThat(l.slow.dropped()).isEqualTo(1);
    // What it had stays pollable: the first QUEUE messages.
    assertThat(counts(l.slow.poll(MESSAGES, Duration.ZERO))).isEqualTo(range(0, QUEUE));
    assertThat(l.errors.drain()).isEmpty(); // reported once
  }

  // ---- slow peers -------------------------------------------------------------------------------

  /**
   * A hand-driven peer that listens, accepts every connection, completes the handshake with
   * filter [/slow] and then reads nothing until told to.
   */
  private static final class SlowPeer implements AutoCloseable {
    final ServerSocket server;
    final EndpointId id = EndpointId.parse("ffffffff-ffff-5fff-bfff-ffffffffffff");
    final AtomicInteger accepted = new AtomicInteger();
    final CompletableFuture<RawPeer> first = new CompletableFuture<>();
    final List<RawPeer> peers = new ArrayList<>();
    final Thread acceptor;

    SlowPeer() throws IOException {
      server = new ServerSocket();
      server.setReceiveBufferSize(4096); // inherited by accepted sockets: fills up fast
      server.bind(new InetSocketAddress(HOST, 0));
      acceptor = new Thread(this::acceptLoop, "slow-peer");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          accepted.incrementAndGet();
          RawPeer p = RawPeer.accepted(s, id).handshake(false, Filter.of(List.of("/slow")));
          synchronized (peers) {
            peers.add(p);
          }
          first.complete(p);
        } catch (IOException e) {
          first.completeExceptionally(e);
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (peers) {
        for (RawPeer p : peers) {
          p.close();
        }
      }
    }
  }

  /** Reads frames in the background, answering pings and collecting the counts of /slow data. */
  private static final class Reader {
    final ConcurrentLinkedQueue<Long> counts = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> markers = new ConcurrentLinkedQueue<>();

    Reader(RawPeer peer) {
      Thread t = new Thread(() -> {
        try {
          while (true) {
            Envelope e = peer.readEnvelope();
            if (e.type() == EnvelopeType.PING) {
              peer.send(Envelope.pong(peer.id, e.sender(), e.payload()));
            } else if (e.type() == EnvelopeType.DATA) {
              Data d = e.data();
              if (d instanceof VectorData v) {
                counts.add(((CountData) v.elements().get(0)).value());
              } else {
                markers.add(d.toString());
              }
            }
          }
        } catch (IOException | RuntimeException e) {
          // closed
        }
      }, "slow-peer-reader");
      t.setDaemon(true);
      t.start();
    }
  }

  private static final int BIG = 64 * 1024;
  private static final int BURST = 500; // 32 MB: far more than the socket buffers and Netty hold

  /** An endpoint peered with a {@link SlowPeer}: a buffer of 8 envelopes, a publish timeout of 1 ms. */
  private record Slow(Endpoint endpoint, SlowPeer peer, RawPeer connection, StatusSubscriber events) {}

  private Slow peerWithSlowPeer(OverflowPolicy policy) throws Exception {
    SlowPeer peer = nodes.own(new SlowPeer());
    Endpoint e = nodes.create(b -> b.peerBufferSize(8).peerOverflowPolicy(policy)
        .publishTimeout(Duration.ofMillis(1)).unpeerTimeout(Duration.ofMillis(500)));
    StatusSubscriber events = e.statusSubscriber(true);
    e.peerAsync(HOST, peer.port(), Duration.ofMillis(200)).get(10, TimeUnit.SECONDS);
    RawPeer connection = peer.first.get(10, TimeUnit.SECONDS);
    assertThat(e.peerFilters().get(peer.id)).isEqualTo(Filter.of(List.of("/slow")));
    return new Slow(e, peer, connection, events);
  }

  /** Publishes {@link #BURST} big messages [count i, padding]; the numbers that were accepted. */
  private static List<Long> publishBurst(Endpoint e) {
    Publisher p = e.publisher("/slow");
    String padding = "x".repeat(BIG);
    List<Long> accepted = new ArrayList<>();
    for (int i = 0; i < BURST; i++) {
      if (p.publish(Data.vector(Data.count(i), Data.of(padding))) == 1) {
        accepted.add((long) i);
      }
    }
    return accepted;
  }

  private static void assertStillPeered(Slow s) {
    assertThat(s.endpoint.peers()).containsExactly(
        new PeerInfo(s.peer.id, new NetworkInfo(HOST, s.peer.port(), Duration.ofMillis(200)), PeerStatus.PEERED));
    assertThat(s.events.drain()).noneMatch(status(StatusCode.PEER_REMOVED).or(status(StatusCode.PEER_LOST)));
  }

  @Test
  void slowPeerWithDisconnectIsRemovedAndNotRedialled() throws Exception {
    Slow s = peerWithSlowPeer(OverflowPolicy.DISCONNECT);

    List<Long> accepted = publishBurst(s.endpoint);

    assertThat(accepted.size()).isLessThan(BURST);
    StatusEvent.Status removed = (StatusEvent.Status) next(s.events, status(StatusCode.PEER_REMOVED).or(status(StatusCode.PEER_LOST)));
    assertThat(removed.code()).isEqualTo(StatusCode.PEER_REMOVED);
    assertThat(removed.context().id()).isEqualTo(s.peer.id);
    assertThat(removed.message()).isEqualTo("removed connection to remote peer (output buffer of 8 full (policy disconnect))");
    assertThat(next(s.events)).matches(status(StatusCode.ENDPOINT_UNREACHABLE));
    // Not re-dialled, although the request had a retry interval.
    eventually().during(Duration.ofSeconds(1)).until(() -> s.peer.accepted.get() == 1);
    assertThat(s.endpoint.peers()).extracting(PeerInfo::status).containsExactly(PeerStatus.DISCONNECTED);
    assertThat(s.events.drain()).isEmpty();
  }

  @Test
  void slowPeerWithDropNewestKeepsThePeeringAndDeliversWhatWasAccepted() throws Exception {
    Slow s = peerWithSlowPeer(OverflowPolicy.DROP_NEWEST);

    List<Long> accepted = publishBurst(s.endpoint);

    assertThat(accepted.size()).as("publishes that found room").isLessThan(BURST);
    assertThat(accepted).startsWith(0L, 1L, 2L);
    assertStillPeered(s);
    Reader reader = new Reader(s.connection);
    Publisher marker = s.endpoint.publisher("/slow/end");
    eventually().until(() -> {
      marker.publish(Data.of("end"));
      return !reader.markers.isEmpty();
    });
    assertThat(List.copyOf(reader.counts)).isEqualTo(accepted);
    assertStillPeered(s);
  }

  @Test
  void slowPeerWithDropOldestKeepsThePeeringAndTheNewestMessages() throws Exception {
    Slow s = peerWithSlowPeer(OverflowPolicy.DROP_OLDEST);

    List<Long> accepted = publishBurst(s.endpoint);

    assertThat(accepted).hasSize(BURST); // room is always made
    assertStillPeered(s);
    Reader reader = new Reader(s.connection);
    eventually().until(() -> reader.counts.contains((long) BURST - 1));
    List<Long> got = List.copyOf(reader.counts);
    // How many of the first messages reach the socket before the publisher fills the 8 slots is
    // up to the scheduler; what the policy guarantees is order, no duplicates, that something was
    // dropped, and that the last 8 published (never followed by 8 newer ones) all survive.
    assertThat(got).isSorted().doesNotHaveDuplicates().endsWith((long) BURST - 1);
    assertThat(got.size()).as("delivered").isLessThan(BURST);
    assertThat(got).containsSequence(range(BURST - 8, BURST));
    assertStillPeered(s);
  }
}
