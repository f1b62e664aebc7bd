package io.jbroker.endpoint;

import static io.jbroker.endpoint.Nodes.WAIT;
import static io.jbroker.endpoint.Nodes.next;
import static io.jbroker.endpoint.Nodes.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Envelope;
import io.jbroker.endpoint.wire.EnvelopeType;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.endpoint.wire.HandshakeMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A raw socket sends garbage to a listening endpoint, before or after a valid handshake: that
 * connection is closed, and the endpoint keeps exchanging messages with its other peer.
 */
class HostileInputTest {
  private final Nodes nodes = new Nodes();
  private Endpoint listener;
  private Endpoint friend;
  private Subscriber atListener;
  private StatusSubscriber events;
  private int port;

  @BeforeEach
  void start() {
    listener = nodes.create(b -> b.handshakeTimeout(Duration.ofSeconds(1)));
    friend = nodes.create();
    atListener = listener.subscribe("/friend", "/raw");
    port = Nodes.listen(listener);
    friend.peer(Nodes.HOST, port, WAIT);
    Nodes.awaitPeered(friend, listener);
    Nodes.awaitInterest(friend, listener, "/friend");
    events = listener.statusSubscriber(true);
  }

  @AfterEach
  void closeNodes() {
    nodes.close();
  }

  /** The listener still receives from its other peer, and only that peer is peered. */
  private void assertListenerStillServes(String marker) {
    friend.publish("/friend", Data.of(marker));
    assertThat(atListener.poll(WAIT)).isEqualTo(new Message("/friend", Data.of(marker)));
    assertThat(listener.peers()).filteredOn(p -> p.status() == PeerStatus.PEERED)
        .extracting(PeerInfo::id).containsExactly(friend.nodeId());
  }

  enum BeforeHandshake {
    RANDOM_BYTES {
      @Override
      byte[] bytes() {
        byte[] b = new byte[4096];
        new Random(42).nextBytes(b);
        return b;
      }
    },
    GIANT_LENGTH_PREFIX {
      @Override
      byte[] bytes() {
        return new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 6, 0x5a};
      }
    },
    EMPTY_FRAME {
      @Override
      byte[] bytes() {
        return new byte[4];
      }
    },
    WRONG_MAGIC {
      @Override
      byte[] bytes() {
        return RawPeer.frame(new HandshakeMessage.Hello(0x5a45454c, EndpointId.random(), 1, 1).toBytes());
      }
    },
    ENVELOPE_INSTEAD_OF_HELLO {
      @Override
      byte[] bytes() {
        return RawPeer.frame(Envelope.data(EndpointId.random(), EndpointId.NIL, "/raw", Data.of(1L)).toBytes());
      }
    };

    abstract byte[] bytes();
  }

  @ParameterizedTest
  @EnumSource(BeforeHandshake.class)
  void garbageBeforeTheHandshakeClosesTheConnection(BeforeHandshake garbage) throws IOException {
    try (RawPeer raw = RawPeer.dial(port, EndpointId.random())) {
      raw.sendRaw(garbage.bytes());
      assertThat(raw.awaitClosedByRemote()).as("closed by the listener").isTrue();
    }
    assertListenerStillServes(garbage.name());
    assertThat(events.drain()).isEmpty(); // rejected handshakes are only logged
  }

  enum AfterHandshake {
    UNKNOWN_ENVELOPE_TYPE("malformed envelope"),
    ENVELOPE_SHORTER_THAN_ITS_HEADER("malformed envelope"),
    TOPIC_LONGER_THAN_THE_FRAME("malformed envelope"),
    DATA_WITH_TRAILING_BYTES("malformed data"),
    MALFORMED_ROUTING_UPDATE("malformed routing update"),
    GIANT_LENGTH_PREFIX("frame too long"),
    FRAME_ABOVE_THE_LIMIT("frame too long"),
    RANDOM_BYTES("frame too long");

    final String reason;

    AfterHandshake(String reason) {
      this.reason = reason;
    }
  }

  @ParameterizedTest
  @EnumSource(AfterHandshake.class)
  void garbageAfterTheHandshakeEndsThePeering(AfterHandshake garbage) throws IOException {
    EndpointId id = EndpointId.random();
    try (RawPeer raw = RawPeer.dial(port, id).handshake(true, Filter.EMPTY)) {
      listener.awaitPeer(id, WAIT).join();
      assertThat(next(events, status(StatusCode.PEER_ADDED)).toString()).contains(id.toString());
      raw.send(Envelope.data(id, EndpointId.NIL, "/raw", Data.of("valid first")));
      assertThat(atListener.poll(WAIT)).isEqualTo(new Message("/raw", Data.of("valid first")));

      raw.sendRaw(hostile(garbage, id));

      assertThat(raw.awaitClosedByRemote()).as("closed by the listener").isTrue();
    }
    // We ended it, for a reason we name.
    StatusEvent.Status end = (StatusEvent.Status) next(events, status(StatusCode.PEER_REMOVED).or(status(StatusCode.PEER_LOST)));
    assertThat(end.code()).isEqualTo(StatusCode.PEER_REMOVED);
    assertThat(end.context().id()).isEqualTo(id);
    assertThat(end.message()).startsWith("removed connection to remote peer (").contains(garbage.reason);
    assertListenerStillServes(garbage.name());
    assertThat(atListener.available()).isZero();
  }

  private static byte[] hostile(AfterHandshake garbage, EndpointId id) {
    byte[] valid = Envelope.data(id, EndpointId.NIL, "/raw", Data.of("x")).toBytes();
    switch (garbage) {
      case UNKNOWN_ENVELOPE_TYPE: {
        valid[32] = 9;
        return RawPeer.frame(valid);
      }
      case ENVELOPE_SHORTER_THAN_ITS_HEADER:
        return RawPeer.frame(Arrays.copyOf(valid, 20));
      case TOPIC_LONGER_THAN_THE_FRAME: {
        valid[35] = (byte) 0xff;
        return RawPeer.frame(valid);
      }
      case DATA_WITH_TRAILING_BYTES: {
        byte[] b = Arrays.copyOf(valid, valid.length + 1);
        return RawPeer.frame(b);
      }
      case MALFORMED_ROUTING_UPDATE:
        return RawPeer.frame(new Envelope(id, EndpointId.NIL, EnvelopeType.ROUTING_UPDATE, 16, "<$>", new byte[] {5, 1}).toBytes());
      case GIANT_LENGTH_PREFIX:
        return new byte[] {0x7f, (byte) 0xff, (byte) 0xfb, 0, 1, 2, 3};
      case FRAME_ABOVE_THE_LIMIT:
        return new byte[] {0x01, 0x00, 0x00, 0x01, 0, 0, 0};
      case RANDOM_BYTES:
      default: {
        byte[] b = new byte[4096];
        new Random(7).nextBytes(b);
        b[0] = 0x7f; // the first length is certainly out of bounds
        return b;
      }
    }
  }

  @Test
  void localTopicsFromAPeerAreNeitherDeliveredNorForwarded() throws IOException {
    Subscriber everythingAtFriend = friend.subscribe("");
    Subscriber localAtListener = listener.subscribe("<$>/local/");
    Nodes.awaitInterest(listener, friend, "<$>/local/data/statuses");
    EndpointId id = EndpointId.random();
    try (RawPeer raw = RawPeer.dial(port, id).handshake(true, Filter.EMPTY)) {
      listener.awaitPeer(id, WAIT).join();
      raw.send(Envelope.data(id, EndpointId.NIL, "<$>/local/data/statuses", Data.of("forged status")));
      raw.send(Envelope.data(id, EndpointId.NIL, "/raw", Data.of("after")));

      assertThat(atListener.poll(WAIT)).isEqualTo(new Message("/raw", Data.of("after")));
      assertThat(everythingAtFriend.poll(WAIT)).isEqualTo(new Message("/raw", Data.of("after")));
      assertThat(localAtListener.available()).isZero();
    }
    List<Message> rest = everythingAtFriend.poll(10, Duration.ZERO);
    assertThat(rest).isEmpty();
  }
}
