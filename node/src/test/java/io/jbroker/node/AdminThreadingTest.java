package io.jbroker.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.jbroker.data.Data;
import io.jbroker.node.admin.DataProtos;
import io.jbroker.proto.admin.v1.AttachCloneRequest;
import io.jbroker.proto.admin.v1.AttachResponse;
import io.jbroker.proto.admin.v1.GetRequest;
import io.jbroker.proto.admin.v1.GetResponse;
import io.jbroker.proto.admin.v1.InfoRequest;
import io.jbroker.proto.admin.v1.KVGrpc;
import io.jbroker.proto.admin.v1.NodeGrpc;
import io.jbroker.proto.admin.v1.PutRequest;
import io.jbroker.proto.admin.v1.StoreInfo;
import io.jbroker.proto.admin.v1.StoresGrpc;
import io.jbroker.store.Store;
import io.jbroker.store.StoreEvent;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's transport threads never wait for a store or for the store registry: a call
 * that has to wait does not hold up the other calls of the same connection (which the same
 * transport thread serves). Real node, real gRPC over loopback.
 */
class AdminThreadingTest {
  @TempDir
  Path dir;

  private Node node;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    node = Node.start(TestNodes.withStores(dir, "{kv={role=master,backend=memory},other={role=master,backend=memory}}",
        "metrics.enabled=false"));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", node.adminPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    node.close();
  }

  private static io.jbroker.proto.admin.v1.Data d(Data v) {
    return DataProtos.toProto(v);
  }

  /** Other calls on the same connection complete (each within 5 s) while something else waits. */
  private void otherCallsAreAnswered() {
    assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    kv.put(PutRequest.newBuilder().setStore("other").setKey(d(Data.of("x"))).setValue(d(Data.count(2))).build());
    assertThat(kv.get(GetRequest.newBuilder().setStore("other").setKey(d(Data.of("x"))).build()).getValue())
        .isEqualTo(d(Data.count(2)));
    assertThat(NodeGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .info(InfoRequest.getDefaultInstance()).getId()).isEqualTo(node.endpoint().nodeId().toString());
  }

  @Test
  void aGetOnABusyStoreDoesNotHoldUpOtherCalls() throws Exception {
    Store kv = node.stores().store("kv").orElseThrow();
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // a watcher runs on the store's thread: blocking in it keeps the store busy
    Store.Watcher watcher = kv.watch(e -> {
      if (e instanceof StoreEvent.Insert i && i.key().equals(Data.of("block"))) {
        busy.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException x) {
          Thread.currentThread().interrupt();
        }
      }
    });
    try {
      kv.put(Data.of("k"), Data.count(1)).get(5, TimeUnit.SECONDS);
      kv.put(Data.of("block"), Data.count(0));
      assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<GetResponse> waiting = new CompletableFuture<>();
      KVGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
          .get(GetRequest.newBuilder().setStore("kv").setKey(d(Data.of("k"))).build(), observer(waiting));
      otherCallsAreAnswered();
      assertThat(waiting).isNotDone();

      release.countDown();
      assertThat(waiting.get(10, TimeUnit.SECONDS).getValue()).isEqualTo(d(Data.count(1)));
    } finally {
      release.countDown();
      watcher.close();
    }
  }

  @Test
  void attachingACloneWhileTheStoreRegistryIsBusyDoesNotHoldUpOtherCalls() throws Exception {
    CompletableFuture<AttachResponse> attached = new CompletableFuture<>();
    // a slow attach or detach holds the registry's lock (opening or committing a backend)
    synchronized (node.stores()) {
      StoresGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
          .attachClone(AttachCloneRequest.newBuilder().setName("c").build(), observer(attached));
      otherCallsAreAnswered();
      assertThat(attached).isNotDone();
    }
    assertThat(attached.get(10, TimeUnit.SECONDS).getStore().getRole()).isEqualTo(StoreInfo.Role.CLONE);
  }

  private static <T> StreamObserver<T> observer(CompletableFuture<T> result) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        result.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        result.completeExceptionally(new IllegalStateException("completed without a value"));
      }
    };
  }
}
