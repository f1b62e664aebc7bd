package io.jbroker.node.admin;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.EndpointConfig;
import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.node.runtime.NodeStores;
import io.jbroker.node.runtime.StatusHub;
import io.jbroker.proto.admin.v1.InfoResponse;
import io.jbroker.replication.StoreManager;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Clock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The admin services over gRPC's in-process transport, on a real endpoint (plain TCP, loopback)
 * with a real store manager and a memory master "kv".
 */
final class AdminFixture implements AutoCloseable {
  final Endpoint endpoint;
  final NodeStores stores;
  final StatusHub status;
  final ExecutorService executor = Executors.newFixedThreadPool(4);
  final HealthStatusManager health = new HealthStatusManager();
  final AtomicInteger dataMessages = new AtomicInteger();
  final Server server;
  final ManagedChannel channel;

  AdminFixture(Path dataDir, String token, int streamBuffer) throws Exception {
    this(dataDir, token, streamBuffer, Duration.ofSeconds(5));
  }

  /** With the admin API's request timeout (the stores' own stays at 5 s). */
  AdminFixture(Path dataDir, String token, int streamBuffer, Duration requestTimeout) throws Exception {
    endpoint = Endpoint.create(EndpointConfig.builder().tls(TlsConfig.disabled()).build());
    stores = new NodeStores(new StoreManager(endpoint,
        ReplicationSettings.defaults().withTick(Duration.ofMillis(20)).withRequestTimeout(Duration.ofSeconds(5)),
        Clock.system()), dataDir);
    stores.attachMaster("kv", "memory", BackendOptions.empty());
    status = new StatusHub(endpoint);
    AdminContext ctx = new AdminContext(endpoint, stores, status,
        () -> InfoResponse.newBuilder().setId(endpoint.nodeId().toString()).setVersion("test").build(),
        requestTimeout, streamBuffer, executor, dataMessages::addAndGet);
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder b = InProcessServerBuilder.forName(name).directExecutor();
    for (ServerServiceDefinition d : AdminServer.services(ctx, token, health)) {
      b.addService(d);
    }
    server = b.build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stores.close();
    endpoint.close();
    status.close();
    executor.shutdownNow();
  }
}
