package io.jbroker.endpoint;

import static io.jbroker.endpoint.Nodes.HOST;
import static io.jbroker.endpoint.Nodes.WAIT;
import static io.jbroker.endpoint.Nodes.error;
import static io.jbroker.endpoint.Nodes.eventually;
import static io.jbroker.endpoint.Nodes.next;
import static io.jbroker.endpoint.Nodes.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jbroker.data.Data;
import io.jbroker.data.PortData;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.endpoint.wire.HandshakeMessage;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retrying peer requests: re-dialling a lost peering, retry 0, a listener that comes back. */
class ReconnectTest {
  private static final Duration RETRY = Duration.ofMillis(200);

  private final Nodes nodes = new Nodes();

  @AfterEach
  void closeNodes() {
    nodes.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void lostPeeringIsRedialledUntilTheListenerComesBackOnTheSamePort() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    StatusSubscriber sa = a.statusSubscriber(true);
    int port = Nodes.listen(b);
    a.peerAsync(HOST, port, RETRY).join();
    next(sa, status(StatusCode.PEER_ADDED));

    b.close();

    StatusEvent lost = next(sa);
    assertThat(lost.toData()).isEqualTo(Data.vector(Data.of("status"), Data.enumValue("peer_lost"),
        Data.vector(Data.of(b.nodeId().toString()), Data.of(HOST), Data.port(port, PortData.Protocol.TCP), Data.count(0)),
        Data.of("lost connection to remote peer")));
    assertThat(next(sa)).matches(status(StatusCode.ENDPOINT_UNREACHABLE));
    for (int i = 0; i < 2; i++) {
      assertThat(next(sa).toData()).isEqualTo(Data.vector(Data.of("error"), Data.enumValue("peer_unavailable"),
          Data.vector(Data.vector(Data.none(), Data.of(HOST), Data.port(port, PortData.Protocol.TCP), Data.count(0)),
              Data.of("unable to connect to remote peer"))));
    }
    assertThat(a.peers()).containsExactly(new PeerInfo(b.nodeId(), new NetworkInfo(HOST, port, RETRY), PeerStatus.RECONNECTING));

    Endpoint b2 = nodes.create();
    Subscriber atB2 = b2.subscribe("/back");
    assertThat(b2.listen(HOST, port)).isEqualTo(port);

    StatusEvent added = next(sa, status(StatusCode.PEER_ADDED));
    assertThat(((StatusEvent.Status) added).context().id()).isEqualTo(b2.nodeId());
    Nodes.awaitInterest(a, b2, "/back");
    assertThat(a.peers()).contains(new PeerInfo(b2.nodeId(), new NetworkInfo(HOST, port, RETRY), PeerStatus.PEERED));
    assertThat(a.publish("/back", Data.of("again"))).isEqualTo(1);
    assertThat(atB2.poll(WAIT)).isEqualTo(new Message("/back", Data.of("again")));
  }

  @Test
  void peerWithoutRetryFailsWithPeerUnavailable() throws IOException {
    Endpoint a = nodes.create();
    StatusSubscriber errors = a.statusSubscriber(false);
    int port = freePort();

    CompletableFuture<PeerInfo> f = a.peerAsync(HOST, port, Duration.ZERO);

    assertThatThrownBy(f::join).cause().isInstanceOf(BrokerException.class)
        .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.PEER_UNAVAILABLE));
    assertThat(next(errors)).matches(error(ErrorCode.PEER_UNAVAILABLE));
    assertThat(a.peers()).isEmpty();
    eventually().during(Duration.ofMillis(300)).until(() -> errors.drain().isEmpty());
  }

  @Test
  void peerWithRetryKeepsTryingUntilTheListenerAppears() throws IOException {
    Endpoint a = nodes.create();
    StatusSubscriber errors = a.statusSubscriber(false);
    int port = freePort();

    CompletableFuture<PeerInfo> f = a.peerAsync(HOST, port, RETRY);
    next(errors, error(ErrorCode.PEER_UNAVAILABLE));
    next(errors, error(ErrorCode.PEER_UNAVAILABLE));
    assertThat(f).isNotDone();
    assertThat(a.peers()).containsExactly(new PeerInfo(EndpointId.NIL, new NetworkInfo(HOST, port, RETRY), PeerStatus.RECONNECTING));

    Endpoint b = nodes.create();
    b.listen(HOST, port);

    assertThat(f.join().id()).isEqualTo(b.nodeId());
    assertThat(a.peers()).containsExactly(new PeerInfo(b.nodeId(), new NetworkInfo(HOST, port, RETRY), PeerStatus.PEERED));
  }

  @Test
  void unpeerStopsRetrying() throws IOException {
    Endpoint a = nodes.create();
    StatusSubscriber errors = a.statusSubscriber(false);
    int port = freePort();
    CompletableFuture<PeerInfo> f = a.peerAsync(HOST, port, RETRY);
    next(errors, error(ErrorCode.PEER_UNAVAILABLE));

    a.unpeerAsync(HOST, port).join();

    assertThatThrownBy(f::join).cause().isInstanceOf(BrokerException.class);
    assertThat(a.peers()).isEmpty();
    errors.drain();
    eventually().during(Duration.ofMillis(600)).until(() -> errors.drain().isEmpty());
  }

  /**
   * A request told "redundant connection" waits for the handshake already in flight with that
   * peer; when that handshake fails instead, the request must go on retrying.
   */
  @Test
  void requestWaitingOnAFailedRedundantHandshakeIsRetried() throws Exception {
    Endpoint a = nodes.create();
    EndpointId rawId = EndpointId.parse("ffffffff-ffff-5fff-bfff-ffffffffffff"); // a originates
    int port = Nodes.listen(a);
    try (ServerSocket rawListener = new ServerSocket(0, 10, InetAddress.getByName(HOST));
        RawPeer stalled = RawPeer.dial(port, rawId)) {
      rawListener.setSoTimeout((int) WAIT.toMillis());
      // 1. The raw peer dials a and stalls after a accepted its hello: a handshake in flight.
      stalled.send(HandshakeMessage.hello(rawId));
      assertThat(stalled.readHandshake()).isInstanceOf(HandshakeMessage.Probe.class);
      assertThat(stalled.readHandshake()).isInstanceOf(HandshakeMessage.VersionSelect.class);

      // 2. a dials the raw peer, which answers "redundant connection".
      CompletableFuture<PeerInfo> f = a.peerAsync(HOST, rawListener.getLocalPort(), RETRY);
      try (RawPeer second = RawPeer.accepted(rawListener.accept(), rawId)) {
        second.send(HandshakeMessage.probe());
        assertThat(second.readHandshake()).isInstanceOf(HandshakeMessage.Hello.class);
        second.send(HandshakeMessage.dropConn(rawId, ErrorCode.REDUNDANT_CONNECTION, "redundant connection"));
        assertThat(second.awaitClosedByRemote()).isTrue();
      }

      // 3. The handshake a relied on fails.
      stalled.close();

      // 4. a dials again, and this time the raw peer completes the handshake.
      try (RawPeer third = RawPeer.accepted(rawListener.accept(), rawId).handshake(false, Filter.EMPTY)) {
        assertThat(f.get(10, TimeUnit.SECONDS).id()).isEqualTo(rawId);
      }
    }
  }

  @Test
  void peeringTwiceWithTheSameAddressReusesThePeering() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    int port = Nodes.listen(b);
    PeerInfo first = a.peerAsync(HOST, port, RETRY).join();
    PeerInfo second = a.peerAsync(HOST, port, RETRY).join();
    assertThat(second).isEqualTo(first);
    assertThat(a.peers()).hasSize(1);
    assertThat(b.peers()).hasSize(1);
    List<PeerInfo> peers = a.peers();
    assertThat(peers.get(0).status()).isEqualTo(PeerStatus.PEERED);
  }
}
