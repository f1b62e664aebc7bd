package io.jbroker.endpoint;

import static io.jbroker.endpoint.Nodes.HOST;
import static io.jbroker.endpoint.Nodes.WAIT;
import static io.jbroker.endpoint.Nodes.eventually;
import static io.jbroker.endpoint.Nodes.next;
import static io.jbroker.endpoint.Nodes.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jbroker.data.Data;
import io.jbroker.data.PortData;
import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Peering, status events, unpeering with BYE, close, awaitPeer and redundant connections. */
class PeeringLifecycleTest {
  private final Nodes nodes = new Nodes();

  @AfterEach
  void closeNodes() {
    nodes.close();
  }

  private static Data endpointInfo(EndpointId id, String address, int port, long retrySeconds) {
    return Data.vector(Data.of(id.toString()), Data.of(address), Data.port(port, PortData.Protocol.TCP), Data.count(retrySeconds));
  }

  private static Data idOnly(EndpointId id) {
    return Data.vector(Data.of(id.toString()), Data.none(), Data.none(), Data.none());
  }

  private static Data statusData(String code, Data context, String message) {
    return Data.vector(Data.of("status"), Data.enumValue(code), context, Data.of(message));
  }

  /** The remote port of {@code dialler}'s connection as {@code listener} sees it. */
  private static int incomingPort(Endpoint listener, Endpoint dialler) {
    return listener.peers().stream().filter(p -> p.id().equals(dialler.nodeId())).findFirst().orElseThrow().network().port();
  }

  @Test
  void peeringEmitsEndpointDiscoveredThenPeerAddedOnBothSides() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    StatusSubscriber sa = a.statusSubscriber(true);
    StatusSubscriber sb = b.statusSubscriber(true);
    int port = Nodes.listen(b);

    PeerInfo info = a.peerAsync(HOST, port, Duration.ofSeconds(2)).join();

    assertThat(info).isEqualTo(new PeerInfo(b.nodeId(), new NetworkInfo(HOST, port, Duration.ofSeconds(2)), PeerStatus.PEERED));
    assertThat(next(sa).toData()).isEqualTo(statusData("endpoint_discovered", idOnly(b.nodeId()), "found a new peer in the network"));
    assertThat(next(sa).toData()).isEqualTo(statusData("peer_added", endpointInfo(b.nodeId(), HOST, port, 2), "handshake successful"));
    StatusEvent discovered = next(sb);
    StatusEvent added = next(sb);
    int remotePort = incomingPort(b, a);
    assertThat(discovered.toData()).isEqualTo(statusData("endpoint_discovered", idOnly(a.nodeId()), "found a new peer in the network"));
    assertThat(added.toData()).isEqualTo(statusData("peer_added", endpointInfo(a.nodeId(), HOST, remotePort, 0), "handshake successful"));
    assertThat(a.peers()).containsExactly(info);
    assertThat(b.peers()).containsExactly(new PeerInfo(a.nodeId(), new NetworkInfo(HOST, remotePort, null), PeerStatus.PEERED));
  }

  @Test
  void unpeerSaysByeAndBothSidesReportTheEnd() throws Exception {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    int port = Nodes.listen(b);
    a.peerAsync(HOST, port, Duration.ofSeconds(1)).join();
    Nodes.awaitPeered(a, b);
    int remotePort = incomingPort(b, a);
    StatusSubscriber sa = a.statusSubscriber(true);
    StatusSubscriber sb = b.statusSubscriber(true);

    long start = System.nanoTime();
    a.unpeerAsync(HOST, port).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    // The pong to the BYE ping ended it, not the 3 s timeout (which would add a reason).
    assertThat(millis).isLessThan(1500);
    assertThat(next(sa).toData()).isEqualTo(statusData("peer_removed", endpointInfo(b.nodeId(), HOST, port, 1), "removed connection to remote peer"));
    assertThat(next(sa).toData()).isEqualTo(statusData("endpoint_unreachable", idOnly(b.nodeId()), "lost the last path"));
    assertThat(next(sb).toData()).isEqualTo(statusData("peer_lost", endpointInfo(a.nodeId(), HOST, remotePort, 0), "lost connection to remote peer"));
    assertThat(next(sb).toData()).isEqualTo(statusData("endpoint_unreachable", idOnly(a.nodeId()), "lost the last path"));
    // An unpeered peering is not re-dialled.
    eventually().during(Duration.ofMillis(1500)).until(() -> b.peers().stream().noneMatch(p -> p.status() == PeerStatus.PEERED));
    assertThat(sa.drain()).isEmpty();
    assertThat(a.peers()).extracting(PeerInfo::status).containsExactly(PeerStatus.DISCONNECTED);
  }

  @Test
  void unpeerByIdEndsAnIncomingPeering() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    Nodes.peer(a, b);
    StatusSubscriber sb = b.statusSubscriber(true);

    b.unpeerAsync(a.nodeId()).join();

    assertThat(next(sb)).matches(status(StatusCode.PEER_REMOVED));
    assertThat(next(sb)).matches(status(StatusCode.ENDPOINT_UNREACHABLE));
  }

  @Test
  void unpeerOfAnUnknownPeerFailsWithPeerInvalid() {
    Endpoint a = nodes.create();
    StatusSubscriber errors = a.statusSubscriber(false);

    CompletableFuture<Void> byAddress = a.unpeerAsync(HOST, 9);
    assertThatThrownBy(byAddress::join).isInstanceOf(CompletionException.class)
        .cause().isInstanceOf(BrokerException.class)
        .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.PEER_INVALID));
    assertThat(next(errors).toData()).isEqualTo(Data.vector(Data.of("error"), Data.enumValue("peer_invalid"),
        Data.vector(Data.vector(Data.none(), Data.of(HOST), Data.port(9, PortData.Protocol.TCP), Data.count(0)),
            Data.of("cannot unpeer from unknown peer"))));

    EndpointId stranger = EndpointId.random();
    CompletableFuture<Void> byId = a.unpeerAsync(stranger);
    assertThatThrownBy(byId::join).cause().isInstanceOf(BrokerException.class)
        .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.PEER_INVALID));
    assertThat(next(errors).toData()).isEqualTo(Data.vector(Data.of("error"), Data.enumValue("peer_invalid"),
        Data.vector(Data.vector(Data.of(stranger.toString()), Data.none(), Data.none(), Data.none()),
            Data.of("cannot unpeer from unknown peer"))));
  }

  @Test
  void closeSaysByeAndReturnsQuickly() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    Endpoint c = nodes.create();
    Nodes.peer(a, b);
    Nodes.peer(c, a);
    StatusSubscriber sa = a.statusSubscriber(true);
    StatusSubscriber sb = b.statusSubscriber(true);
    StatusSubscriber sc = c.statusSubscriber(true);

    long start = System.nanoTime();
    a.close();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    // Both peers answered the BYE: no "timeout during graceful disconnect", and far below the
    // unpeer timeout of 3 s (typically some 10 ms; the bound leaves room for a busy machine).
    assertThat(millis).as("close took %d ms", millis).isLessThan(1500);
    List<StatusEvent> closing = sa.drain();
    assertThat(closing).filteredOn(status(StatusCode.PEER_REMOVED)).hasSize(2)
        .allSatisfy(e -> assertThat(((StatusEvent.Status) e).message()).isEqualTo("removed connection to remote peer"));
    assertThat(next(sb)).matches(status(StatusCode.PEER_LOST));
    assertThat(next(sc)).matches(status(StatusCode.PEER_LOST));
    assertThatThrownBy(() -> a.peerAsync(HOST, 9, Duration.ZERO).join()).cause()
        .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.SHUTTING_DOWN));
  }

  private static final int BULK = 100_000;

  /** Publishes {@link #BULK} messages on /bulk in batches: faster than the peer can take them. */
  private static int publishBulk(Endpoint e) {
    Publisher p = e.publisher("/bulk");
    String padding = "x".repeat(200);
    for (int i = 0; i < BULK; i += 1000) {
      List<Data> batch = new ArrayList<>(1000);
      for (int j = i; j < i + 1000; j++) {
        batch.add(Data.vector(Data.count(j), Data.of(padding)));
      }
      assertThat(p.publish(batch)).isEqualTo(1);
    }
    return BULK;
  }

  @Test
  void everythingPublishedBeforeCloseIsDeliveredBeforeTheBye() {
    // A long unpeer timeout: this is about order, not speed, even on a busy machine.
    Endpoint a = nodes.create(x -> x.unpeerTimeout(Duration.ofSeconds(10)));
    Endpoint b = nodes.create(x -> x.subscriberQueueSize(BULK));
    Subscriber sub = b.subscribe("/bulk");
    Nodes.peer(a, b);
    Nodes.awaitInterest(a, b, "/bulk");
    int n = publishBulk(a);

    a.close();

    Nodes.eventually().until(() -> sub.available() == n);
    assertThat(sub.dropped()).isZero();
    assertThat(sub.poll().data()).isEqualTo(Data.vector(Data.count(0), Data.of("x".repeat(200))));
  }

  @Test
  void everythingPublishedBeforeUnpeerIsDeliveredBeforeTheBye() {
    Endpoint a = nodes.create(x -> x.unpeerTimeout(Duration.ofSeconds(10)));
    Endpoint b = nodes.create(x -> x.subscriberQueueSize(BULK));
    Subscriber sub = b.subscribe("/bulk");
    Nodes.peer(a, b);
    Nodes.awaitInterest(a, b, "/bulk");
    int n = publishBulk(a);

    a.unpeerAsync(b.nodeId()).join();

    Nodes.eventually().until(() -> sub.available() == n);
  }

  @Test
  void peersClosingAtTheSameTimeAnswerEachOthersBye() {
    Endpoint a = nodes.create(x -> x.tls(TlsConfig.ephemeral()));
    Endpoint b = nodes.create(x -> x.tls(TlsConfig.ephemeral()));
    Nodes.peer(a, b);
    StatusSubscriber sa = a.statusSubscriber(true);
    StatusSubscriber sb = b.statusSubscriber(true);

    long start = System.nanoTime();
    CompletableFuture<Void> closeA = CompletableFuture.runAsync(a::close);
    CompletableFuture<Void> closeB = CompletableFuture.runAsync(b::close);
    CompletableFuture.allOf(closeA, closeB).join();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(millis).as("closing both took %d ms", millis).isLessThan(1500);
    for (StatusSubscriber s : List.of(sa, sb)) {
      assertThat(s.drain()).filteredOn(status(StatusCode.PEER_REMOVED).or(status(StatusCode.PEER_LOST))).hasSize(1)
          .allSatisfy(e -> assertThat(((StatusEvent.Status) e).message()).doesNotContain("timeout"));
    }
  }

  @Test
  void closeWithoutPeersReturnsQuickly() {
    Endpoint a = nodes.create();
    Nodes.listen(a);
    long start = System.nanoTime();
    a.close();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
  }

  @Test
  void awaitPeerCompletesOnPeeringAndTimesOutForStrangers() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    CompletableFuture<PeerInfo> waiting = a.awaitPeer(b.nodeId(), WAIT);
    CompletableFuture<PeerInfo> stranger = a.awaitPeer(EndpointId.random(), Duration.ofMillis(200));
    int port = Nodes.listen(b);
    a.peer(HOST, port, WAIT);

    assertThat(waiting.join().id()).isEqualTo(b.nodeId());
    assertThat(waiting.join().status()).isEqualTo(PeerStatus.PEERED);
    assertThat(a.awaitPeer(b.nodeId(), Duration.ofMillis(1)).join().id()).isEqualTo(b.nodeId());
    assertThatThrownBy(stranger::join).cause().isInstanceOf(BrokerException.class)
        .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.PEER_TIMEOUT));
  }

  @Test
  void closeFailsPendingRequestsWithShuttingDown() throws Exception {
    Endpoint a = nodes.create();
    CompletableFuture<PeerInfo> waiting = a.awaitPeer(EndpointId.random(), Duration.ofSeconds(30));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    CompletableFuture<PeerInfo> retrying = a.peerAsync(HOST, port, Duration.ofSeconds(30));

    a.close();

    for (CompletableFuture<PeerInfo> f : List.of(waiting, retrying)) {
      assertThatThrownBy(() -> f.get(2, TimeUnit.SECONDS)).cause().isInstanceOf(BrokerException.class)
          .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.SHUTTING_DOWN));
    }
    assertThatThrownBy(() -> a.awaitPeer(EndpointId.random(), Duration.ofSeconds(30)).get(2, TimeUnit.SECONDS))
        .cause().satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.SHUTTING_DOWN));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void peeringBackWithAnExistingPeerSucceedsWithoutASecondPeering(boolean diallerIsSmaller) {
    EndpointId small = EndpointId.parse("10000000-0000-5000-8000-000000000000");
    EndpointId large = EndpointId.parse("f0000000-0000-5000-8000-000000000000");
    Endpoint a = nodes.create(b -> b.id(diallerIsSmaller ? small : large));
    Endpoint b = nodes.create(c -> c.id(diallerIsSmaller ? large : small));
    int pa = Nodes.listen(a);
    Nodes.peer(a, b);
    StatusSubscriber sa = a.statusSubscriber(true);
    StatusSubscriber sb = b.statusSubscriber(true);

    PeerInfo back = b.peerAsync(HOST, pa, Duration.ofSeconds(1)).orTimeout(10, TimeUnit.SECONDS).join();

    assertThat(back.id()).isEqualTo(a.nodeId());
    assertThat(back.status()).isEqualTo(PeerStatus.PEERED);
    assertThat(a.peers()).extracting(PeerInfo::status).containsExactly(PeerStatus.PEERED);
    assertThat(b.peers()).extracting(PeerInfo::status).containsExactly(PeerStatus.PEERED);
    assertThat(sa.drain()).isEmpty();
    assertThat(sb.drain()).isEmpty();
  }

  /** Both orders of ids: the dialler of the surviving connection may be either side. */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void simultaneousPeeringInBothDirectionsLeavesExactlyOnePeering(boolean aIsSmaller) {
    EndpointId small = EndpointId.parse("10000000-0000-5000-8000-000000000000");
    EndpointId large = EndpointId.parse("f0000000-0000-5000-8000-000000000000");
    for (int round = 0; round < 5; round++) {
      try (Nodes local = new Nodes()) {
        Endpoint a = local.create(b -> b.id(aIsSmaller ? small : large));
        Endpoint b = local.create(c -> c.id(aIsSmaller ? large : small));
        StatusSubscriber sa = a.statusSubscriber(true);
        StatusSubscriber sb = b.statusSubscriber(true);
        Subscriber atA = a.subscribe("/x");
        Subscriber atB = b.subscribe("/x");
        int pa = Nodes.listen(a);
        int pb = Nodes.listen(b);

        CompletableFuture<PeerInfo> ab = a.peerAsync(HOST, pb, Duration.ofSeconds(1));
        CompletableFuture<PeerInfo> ba = b.peerAsync(HOST, pa, Duration.ofSeconds(1));

        assertThat(ab.orTimeout(10, TimeUnit.SECONDS).join().id()).isEqualTo(b.nodeId());
        assertThat(ba.orTimeout(10, TimeUnit.SECONDS).join().id()).isEqualTo(a.nodeId());
        eventually().until(() -> onePeering(a, b) && onePeering(b, a));
        Nodes.awaitInterest(a, b, "/x");
        Nodes.awaitInterest(b, a, "/x");
        assertThat(a.publish("/x", Data.of("from a"))).isEqualTo(1);
        assertThat(b.publish("/x", Data.of("from b"))).isEqualTo(1);
        assertThat(atB.poll(WAIT)).isEqualTo(new Message("/x", Data.of("from a")));
        assertThat(atA.poll(WAIT)).isEqualTo(new Message("/x", Data.of("from b")));
        // exactly one peer_added per side, and no loss
        assertThat(sa.drain()).filteredOn(status(StatusCode.PEER_ADDED)).hasSize(1);
        assertThat(sb.drain()).filteredOn(status(StatusCode.PEER_ADDED)).hasSize(1);
        assertThat(sa.drain()).noneMatch(status(StatusCode.PEER_LOST).or(status(StatusCode.PEER_REMOVED)));
      }
    }
  }

  private static boolean onePeering(Endpoint self, Endpoint other) {
    List<PeerInfo> peers = self.peers();
    return peers.size() == 1 && peers.get(0).id().equals(other.nodeId()) && peers.get(0).status() == PeerStatus.PEERED;
  }
}
