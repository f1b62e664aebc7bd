package io.jbroker.node.admin;

import static io.jbroker.node.admin.DataProtos.toProto;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.jbroker.data.Data;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.EndpointConfig;
import io.jbroker.endpoint.Message;
import io.jbroker.endpoint.Subscriber;
import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.proto.admin.v1.AmountRequest;
import io.jbroker.proto.admin.v1.AttachCloneRequest;
import io.jbroker.proto.admin.v1.AttachMasterRequest;
import io.jbroker.proto.admin.v1.ClearRequest;
import io.jbroker.proto.admin.v1.DetachRequest;
import io.jbroker.proto.admin.v1.ExistsRequest;
import io.jbroker.proto.admin.v1.GetIndexFromValueRequest;
import io.jbroker.proto.admin.v1.GetRequest;
import io.jbroker.proto.admin.v1.HostPort;
import io.jbroker.proto.admin.v1.IndexRequest;
import io.jbroker.proto.admin.v1.InfoRequest;
import io.jbroker.proto.admin.v1.InsertIntoRequest;
import io.jbroker.proto.admin.v1.KVGrpc;
import io.jbroker.proto.admin.v1.KeyRequest;
import io.jbroker.proto.admin.v1.KeysRequest;
import io.jbroker.proto.admin.v1.KeysResponse;
import io.jbroker.proto.admin.v1.ListPeersRequest;
import io.jbroker.proto.admin.v1.ListStoresRequest;
import io.jbroker.proto.admin.v1.NodeGrpc;
import io.jbroker.proto.admin.v1.PeerEvent;
import io.jbroker.proto.admin.v1.PeerRequest;
import io.jbroker.proto.admin.v1.PeeringGrpc;
import io.jbroker.proto.admin.v1.PubSubGrpc;
import io.jbroker.proto.admin.v1.PublishRequest;
import io.jbroker.proto.admin.v1.PutRequest;
import io.jbroker.proto.admin.v1.StoreEvent;
import io.jbroker.proto.admin.v1.StoreInfo;
import io.jbroker.proto.admin.v1.StoresGrpc;
import io.jbroker.proto.admin.v1.SubscribeRequest;
import io.jbroker.proto.admin.v1.SubscribeResponse;
import io.jbroker.proto.admin.v1.UnpeerRequest;
import io.jbroker.proto.admin.v1.ValueRequest;
import io.jbroker.proto.admin.v1.WatchGrpc;
import io.jbroker.proto.admin.v1.WatchRequest;
import io.jbroker.proto.admin.v1.WatchResponse;
import io.jbroker.proto.admin.v1.WatchPeersRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin services over an in-process channel against a real endpoint and real stores. */
class AdminServicesTest {
  @TempDir
  Path dataDir;

  private AdminFixture f;
  private KVGrpc.KVBlockingStub kv;

  @BeforeEach
  void start() throws Exception {
    f = new AdminFixture(dataDir, null, 64);
    kv = KVGrpc.newBlockingStub(f.channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private static io.jbroker.proto.admin.v1.Data d(Data v) {
    return toProto(v);
  }

  private Data get(String key) {
    return DataProtos.fromProto(kv.get(GetRequest.newBuilder().setStore("kv").setKey(d(Data.of(key))).build()).getValue(), "v");
  }

  private void put(String key, Data value) {
    kv.put(PutRequest.newBuilder().setStore("kv").setKey(d(Data.of(key))).setValue(d(value)).build());
  }

  @Test
  void everyKeyOperationDoesWhatTheStoreDoes() {
    put("a", Data.count(1));
    assertThat(get("a")).isEqualTo(Data.count(1));
    assertThat(kv.exists(ExistsRequest.newBuilder().setStore("kv").setKey(d(Data.of("a"))).build()).getExists()).isTrue();
    assertThat(kv.exists(ExistsRequest.newBuilder().setStore("kv").setKey(d(Data.of("z"))).build()).getExists()).isFalse();

    assertThat(kv.putUnique(PutRequest.newBuilder().setStore("kv").setKey(d(Data.of("u"))).setValue(d(Data.of("x"))).build())
        .getInserted()).isTrue();
    assertThat(kv.putUnique(PutRequest.newBuilder().setStore("kv").setKey(d(Data.of("u"))).setValue(d(Data.of("y"))).build())
        .getInserted()).isFalse();
    assertThat(get("u")).isEqualTo(Data.of("x"));

    kv.increment(AmountRequest.newBuilder().setStore("kv").setKey(d(Data.of("a"))).setAmount(d(Data.count(41))).build());
    assertThat(get("a")).isEqualTo(Data.count(42));
    kv.decrement(AmountRequest.newBuilder().setStore("kv").setKey(d(Data.of("a"))).setAmount(d(Data.count(2))).build());
    assertThat(get("a")).isEqualTo(Data.count(40));

    kv.append(ValueRequest.newBuilder().setStore("kv").setKey(d(Data.of("s"))).setValue(d(Data.of("ab"))).build());
    kv.append(ValueRequest.newBuilder().setStore("kv").setKey(d(Data.of("s"))).setValue(d(Data.of("cd"))).build());
    assertThat(get("s")).isEqualTo(Data.of("abcd"));

    kv.insertInto(InsertIntoRequest.newBuilder().setStore("kv").setKey(d(Data.of("set"))).setIndex(d(Data.count(1))).build());
    kv.insertInto(InsertIntoRequest.newBuilder().setStore("kv").setKey(d(Data.of("set"))).setIndex(d(Data.count(2))).build());
    kv.removeFrom(IndexRequest.newBuilder().setStore("kv").setKey(d(Data.of("set"))).setIndex(d(Data.count(1))).build());
    assertThat(get("set")).isEqualTo(Data.set(Data.count(2)));

    kv.insertInto(InsertIntoRequest.newBuilder().setStore("kv").setKey(d(Data.of("t"))).setIndex(d(Data.of("k")))
        .setValue(d(Data.of("v"))).build());
    assertThat(get("t")).isEqualTo(Data.table(Data.of("k"), Data.of("v")));
    assertThat(DataProtos.fromProto(kv.getIndexFromValue(GetIndexFromValueRequest.newBuilder().setStore("kv")
        .setKey(d(Data.of("t"))).setIndex(d(Data.of("k"))).build()).getValue(), "v")).isEqualTo(Data.of("v"));

    kv.push(ValueRequest.newBuilder().setStore("kv").setKey(d(Data.of("vec"))).setValue(d(Data.of("x"))).build());
    kv.push(ValueRequest.newBuilder().setStore("kv").setKey(d(Data.of("vec"))).setValue(d(Data.of("y"))).build());
    kv.pop(KeyRequest.newBuilder().setStore("kv").setKey(d(Data.of("vec"))).build());
    assertThat(get("vec")).isEqualTo(Data.vector(Data.of("x")));

    kv.erase(KeyRequest.newBuilder().setStore("kv").setKey(d(Data.of("u"))).build());
    assertThat(kv.exists(ExistsRequest.newBuilder().setStore("kv").setKey(d(Data.of("u"))).build()).getExists()).isFalse();

    kv.clear(ClearRequest.newBuilder().setStore("kv").build());
    assertThat(kv.keys(KeysRequest.newBuilder().setStore("kv").build()).getKeysCount()).isZero();
  }

  @Test
  void keysComeInPagesInBrokerOrder() {
    for (int i = 0; i < 25; i++) {
      put(String.format("k%02d", i), Data.count(i));
    }
    List<Data> all = new ArrayList<>();
    KeysRequest.Builder req = KeysRequest.newBuilder().setStore("kv").setLimit(10);
    int pages = 0;
    while (true) {
      KeysResponse r = kv.keys(req.build());
      pages++;
      r.getKeysList().forEach(k -> all.add(DataProtos.fromProto(k, "k")));
      if (!r.hasNext()) {
        break;
      }
      req.setAfter(r.getNext());
    }
    assertThat(pages).isEqualTo(3);
    assertThat(all).hasSize(25).isSorted();
    assertThat(all.get(0)).isEqualTo(Data.of("k00"));
    assertThat(all.get(24)).isEqualTo(Data.of("k24"));
    assertGrpcError(() -> kv.keys(KeysRequest.newBuilder().setStore("kv").setLimit(100_001).build()),
        Status.Code.INVALID_ARGUMENT, null);
  }

  @Test
  void brokerErrorsMapToGrpcCodesWithTheBrokerCodeInTheDetails() {
    assertGrpcError(() -> get("missing"), Status.Code.NOT_FOUND, "no_such_key");
    put("s", Data.of("text"));
    assertGrpcError(() -> kv.increment(AmountRequest.newBuilder().setStore("kv").setKey(d(Data.of("s")))
        .setAmount(d(Data.count(1))).build()), Status.Code.FAILED_PRECONDITION, "type_clash");
    assertGrpcError(() -> kv.decrement(AmountRequest.newBuilder().setStore("kv").setKey(d(Data.of("nope")))
        .setAmount(d(Data.count(1))).build()), Status.Code.NOT_FOUND, "no_such_key");
    assertGrpcError(() -> kv.put(PutRequest.newBuilder().setStore("kv").setKey(d(Data.of("e"))).setValue(d(Data.count(1)))
        .setExpiry(com.google.protobuf.Duration.newBuilder().setSeconds(-1)).build()), Status.Code.INVALID_ARGUMENT,
        "invalid_data");
    assertGrpcError(() -> kv.put(PutRequest.newBuilder().setStore("kv").setKey(d(Data.of("e"))).build()),
        Status.Code.INVALID_ARGUMENT, "invalid_data");
    assertGrpcError(() -> kv.get(GetRequest.newBuilder().setStore("nope").setKey(d(Data.of("a"))).build()),
        Status.Code.NOT_FOUND, null);
    StatusRuntimeException e = assertGrpcError(() -> kv.get(GetRequest.newBuilder().setStore("kv")
        .setKey(io.jbroker.proto.admin.v1.Data.getDefaultInstance()).build()), Status.Code.INVALID_ARGUMENT, "invalid_data");
    assertThat(ErrorMapping.brokerError(e).orElseThrow().getCode()).isEqualTo(12);
    assertThat(e.getStatus().getDescription()).isEqualTo("key: no kind set in Data (set one of none, boolean, count, "
        + "integer, real, string, …)");
  }

  @Test
  void clientDeadlinesAreHonoured() {
    // a clone whose master does not exist answers reads only after it syncs: the client's deadline decides
    StoresGrpc.newBlockingStub(f.channel).attachClone(AttachCloneRequest.newBuilder().setName("orphan").build());
    long start = System.nanoTime();
    assertGrpcError(() -> KVGrpc.newBlockingStub(f.channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS)
        .get(GetRequest.newBuilder().setStore("orphan").setKey(d(Data.of("a"))).build()), Status.Code.DEADLINE_EXCEEDED, null);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void theRequestTimeoutAnswersWhenItIsShorterThanTheClientsDeadline() throws Exception {
    try (AdminFixture g = new AdminFixture(Files.createDirectories(dataDir.resolve("short")), null, 64,
        Duration.ofMillis(300))) {
      StoresGrpc.newBlockingStub(g.channel).attachClone(AttachCloneRequest.newBuilder().setName("orphan").build());
      GetRequest orphan = GetRequest.newBuilder().setStore("orphan").setKey(d(Data.of("a"))).build();
      // no client deadline, then one longer than the request timeout: the node's timeout answers
      for (KVGrpc.KVBlockingStub stub : List.of(KVGrpc.newBlockingStub(g.channel),
          KVGrpc.newBlockingStub(g.channel).withDeadlineAfter(30, TimeUnit.SECONDS))) {
        StatusRuntimeException e = assertGrpcError(() -> stub.get(orphan), Status.Code.DEADLINE_EXCEEDED,
            "request_timeout");
        assertThat(e.getStatus().getDescription()).isEqualTo("get on store \"orphan\" did not complete within 300 ms");
      }
      // answered calls are not failed later by their timeout
      g.stores.store("kv").orElseThrow().put(Data.of("k"), Data.count(7)).get(5, TimeUnit.SECONDS);
      KVGrpc.KVBlockingStub kv2 = KVGrpc.newBlockingStub(g.channel);
      for (int i = 0; i < 50; i++) {
        assertThat(kv2.get(GetRequest.newBuilder().setStore("kv").setKey(d(Data.of("k"))).build()).getValue())
            .isEqualTo(d(Data.count(7)));
      }
    }
  }

  @Test
  void storesCanBeListedAttachedAndDetached() throws Exception {
    StoresGrpc.StoresBlockingStub stores = StoresGrpc.newBlockingStub(f.channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    StoreInfo m = stores.attachMaster(AttachMasterRequest.newBuilder().setName("disk").setBackend("sqlite")
        .putOptions("path", d(Data.of("sub/disk.db"))).build()).getStore();
    assertThat(m.getRole()).isEqualTo(StoreInfo.Role.MASTER);
    assertThat(m.getBackend()).isEqualTo("sqlite");
    assertThat(Files.exists(dataDir.resolve("sub/disk.db"))).isTrue();
    put("x", Data.count(1));
    List<StoreInfo> list = stores.listStores(ListStoresRequest.getDefaultInstance()).getStoresList();
    assertThat(list).extracting(StoreInfo::getName).containsExactly("disk", "kv");
    assertThat(list.get(1).getEntries()).isEqualTo(1);
    assertThat(list.get(1).getBackend()).isEqualTo("memory");

    StatusRuntimeException exists = assertGrpcError(() -> stores.attachMaster(AttachMasterRequest.newBuilder()
        .setName("kv").setBackend("memory").build()), Status.Code.ALREADY_EXISTS, "master_exists");
    assertThat(ErrorMapping.brokerError(exists).orElseThrow().getCode()).isEqualTo(7);
    assertGrpcError(() -> stores.attachClone(AttachCloneRequest.newBuilder().setName("kv").build()),
        Status.Code.NOT_FOUND, "no_such_master");
    assertGrpcError(() -> stores.attachMaster(AttachMasterRequest.newBuilder().setName("y").setBackend("leveldb").build()),
        Status.Code.FAILED_PRECONDITION, "backend_failure");

    stores.detach(DetachRequest.newBuilder().setName("disk").build());
    assertThat(stores.listStores(ListStoresRequest.getDefaultInstance()).getStoresList()).extracting(StoreInfo::getName)
        .containsExactly("kv");
    assertGrpcError(() -> stores.detach(DetachRequest.newBuilder().setName("disk").build()), Status.Code.NOT_FOUND, null);
  }

  @Test
  void watchStartsWithTheSnapshotThenStreamsChangesInOrder() {
    put("a", Data.count(1));
    put("b", Data.count(2));
    Iterator<WatchResponse> it = WatchGrpc.newBlockingStub(f.channel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .watch(WatchRequest.newBuilder().setStore("kv").setSnapshot(true).build());
    WatchResponse first = it.next();
    assertThat(first.getSnapshotComplete()).isTrue();
    assertThat(first.getSnapshotList()).extracting(e -> DataProtos.fromProto(e.getKey(), "k"))
        .containsExactly(Data.of("a"), Data.of("b"));
    assertThat(first.getSnapshot(1).getValue()).isEqualTo(d(Data.count(2)));

    put("c", Data.count(3));
    put("a", Data.count(10));
    kv.erase(KeyRequest.newBuilder().setStore("kv").setKey(d(Data.of("b"))).build());
    List<StoreEvent> events = new ArrayList<>();
    while (events.size() < 3) {
      events.addAll(it.next().getEventsList());
    }
    assertThat(events).extracting(StoreEvent::getType).containsExactly(StoreEvent.Type.INSERT, StoreEvent.Type.UPDATE,
        StoreEvent.Type.ERASE);
    assertThat(events.get(0).getKey()).isEqualTo(d(Data.of("c")));
    assertThat(events.get(0).getValue()).isEqualTo(d(Data.count(3)));
    assertThat(events.get(1).getOldValue()).isEqualTo(d(Data.count(1)));
    assertThat(events.get(1).getValue()).isEqualTo(d(Data.count(10)));
    assertThat(events.get(2).getKey()).isEqualTo(d(Data.of("b")));
    assertThat(events.get(0).getStore()).isEqualTo("kv");
    assertThat(events.get(0).getPublisherEndpoint()).isEqualTo(f.endpoint.nodeId().toString());
  }

  @Test
  void expiriesReachWatchersAsExpireEvents() {
    Iterator<WatchResponse> it = WatchGrpc.newBlockingStub(f.channel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .watch(WatchRequest.newBuilder().setStore("kv").build());
    kv.put(PutRequest.newBuilder().setStore("kv").setKey(d(Data.of("tmp"))).setValue(d(Data.count(1)))
        .setExpiry(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000)).build());
    List<StoreEvent> events = new ArrayList<>();
    while (events.size() < 2) {
      events.addAll(it.next().getEventsList());
    }
    assertThat(events).extracting(StoreEvent::getType).containsExactly(StoreEvent.Type.INSERT, StoreEvent.Type.EXPIRE);
    assertThat(events.get(0).getExpiry()).isEqualTo(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000).build());
  }

  @Test
  void aWatcherThatFallsBehindIsEndedWithResourceExhausted() {
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    List<WatchResponse> received = new CopyOnWriteArrayList<>();
    ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];
    WatchGrpc.newStub(f.channel).watch(WatchRequest.newBuilder().setStore("kv").build(),
        new ClientResponseObserver<WatchRequest, WatchResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
            requestStream.disableAutoRequestWithInitial(0); // read nothing
            call[0] = requestStream;
          }

          @Override
          public void onNext(WatchResponse value) {
            received.add(value);
          }

          @Override
          public void onError(Throwable t) {
            ended.complete(t);
          }

          @Override
          public void onCompleted() {
            ended.complete(null);
          }
        });
    for (int i = 0; i < 200; i++) { // the stream buffer is 64
      put("k" + i, Data.count(i));
    }
    call[0].request(1000);
    Throwable t = ended.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(Status.fromThrowable(t).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(Status.fromThrowable(t).getDescription()).contains("fell behind by more than 64 events");
  }

  @Test
  void peeringPublishAndSubscribeWithAnotherEndpoint() throws Exception {
    try (Endpoint other = Endpoint.create(EndpointConfig.builder().tls(TlsConfig.disabled()).build())) {
      int port = other.listen("127.0.0.1", 0);
      Iterator<PeerEvent> peerEvents = PeeringGrpc.newBlockingStub(f.channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .watchPeers(WatchPeersRequest.getDefaultInstance());
      PeeringGrpc.PeeringBlockingStub peering = PeeringGrpc.newBlockingStub(f.channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      var peer = peering.peer(PeerRequest.newBuilder().setHost("127.0.0.1").setPort(port).build()).getPeer();
      assertThat(peer.getId()).isEqualTo(other.nodeId().toString());
      assertThat(peer.getStatus()).isEqualTo("peered");
      PeerEvent added = peerEvents.next();
      while (!added.getCode().equals("peer_added")) {
        added = peerEvents.next();
      }
      assertThat(added.getPeerId()).isEqualTo(other.nodeId().toString());
      assertThat(peering.listPeers(ListPeersRequest.getDefaultInstance()).getPeersList())
          .extracting(io.jbroker.proto.admin.v1.PeerInfo::getId).containsExactly(other.nodeId().toString());

      // admin Subscribe sees what the peer publishes
      Iterator<SubscribeResponse> sub = PubSubGrpc.newBlockingStub(f.channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .subscribe(SubscribeRequest.newBuilder().addTopics("/test/").build());
      await().atMost(Duration.ofSeconds(10)).until(() -> other.peerFilters().values().stream()
          .anyMatch(flt -> flt.topics().contains("/test/")));
      other.publish("/test/x", Data.of("hello"));
      SubscribeResponse got = sub.next();
      assertThat(got.getMessages(0).getTopic()).isEqualTo("/test/x");
      assertThat(got.getMessages(0).getData()).isEqualTo(d(Data.of("hello")));

      // admin Publish reaches the peer's subscriber
      try (Subscriber s = other.subscribe("/admin/")) {
        await().atMost(Duration.ofSeconds(10)).until(() -> f.endpoint.peerFilters().values().stream()
            .anyMatch(flt -> flt.topics().contains("/admin/")));
        int peers = PubSubGrpc.newBlockingStub(f.channel).publish(PublishRequest.newBuilder().setTopic("/admin/y")
            .addValues(d(Data.count(7))).build()).getPeers();
        assertThat(peers).isEqualTo(1);
        Message m = s.poll(Duration.ofSeconds(10));
        assertThat(m).isEqualTo(new Message("/admin/y", Data.count(7)));
      }
      assertThat(f.dataMessages.get()).isEqualTo(2);
      assertGrpcError(() -> PubSubGrpc.newBlockingStub(f.channel).publish(PublishRequest.newBuilder()
          .setTopic("<$>/local/x").addValues(d(Data.count(1))).build()), Status.Code.INVALID_ARGUMENT, "invalid_topic_key");

      peering.unpeer(UnpeerRequest.newBuilder().setNetwork(HostPort.newBuilder().setHost("127.0.0.1").setPort(port)).build());
      assertGrpcError(() -> peering.unpeer(UnpeerRequest.newBuilder().setNetwork(HostPort.newBuilder()
          .setHost("127.0.0.1").setPort(port)).build()), Status.Code.NOT_FOUND, "peer_invalid");
    }
  }

  @Test
  void infoHealthAndReflection() throws Exception {
    assertThat(NodeGrpc.newBlockingStub(f.channel).info(InfoRequest.getDefaultInstance()).getId())
        .isEqualTo(f.endpoint.nodeId().toString());
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(f.channel);
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.newBuilder().setService("jbroker.admin.v1.KV").build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(listServices(f)).contains("jbroker.admin.v1.Node", "jbroker.admin.v1.Peering", "jbroker.admin.v1.Stores",
        "jbroker.admin.v1.KV", "jbroker.admin.v1.Watch", "jbroker.admin.v1.PubSub", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection");
  }

  static List<String> listServices(AdminFixture f) {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(f.channel).serverReflectionInfo(
        new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse r) {
            names.complete(r.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList());
          }

          @Override
          public void onError(Throwable t) {
            names.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    req.onCompleted();
    return names.orTimeout(10, TimeUnit.SECONDS).join();
  }

  static StatusRuntimeException assertGrpcError(Runnable call, Status.Code code, String brokerName) {
    StatusRuntimeException[] caught = new StatusRuntimeException[1];
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.toString()).isEqualTo(code);
      if (brokerName == null) {
        assertThat(ErrorMapping.brokerError(e)).isEmpty();
      } else {
        assertThat(ErrorMapping.brokerError(e).orElseThrow().getName()).isEqualTo(brokerName);
      }
      caught[0] = e;
    });
    return caught[0];
  }
}
