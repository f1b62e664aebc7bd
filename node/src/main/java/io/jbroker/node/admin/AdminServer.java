package io.jbroker.node.admin;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.jbroker.node.config.NodeConfig;
import io.jbroker.node.runtime.EventLoops;
import io.netty.channel.EventLoopGroup;
import io.jbroker.proto.admin.v1.KVGrpc;
import io.jbroker.proto.admin.v1.NodeGrpc;
import io.jbroker.proto.admin.v1.PeeringGrpc;
import io.jbroker.proto.admin.v1.PubSubGrpc;
import io.jbroker.proto.admin.v1.StoresGrpc;
import io.jbroker.proto.admin.v1.WatchGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC admin server of a node: the six jbroker.admin.v1 services, the standard health
 * service ({@code grpc.health.v1.Health}, SERVING while the node runs, NOT_SERVING while it
 * shuts down) and server reflection (v1 and v1alpha, so grpcurl works). Optional TLS (mutual
 * when a client CA is configured) and bearer token (health exempt).
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  /** The jbroker services' names, as clients and the health service know them. */
  public static final List<String> SERVICES = List.of(NodeGrpc.SERVICE_NAME, PeeringGrpc.SERVICE_NAME,
      StoresGrpc.SERVICE_NAME, KVGrpc.SERVICE_NAME, WatchGrpc.SERVICE_NAME, PubSubGrpc.SERVICE_NAME);

  /** Network threads of the admin server. */
  static final int IO_THREADS = 1;

  private final Server server;
  private final HealthStatusManager health;
  private final EventLoopGroup group;

  private AdminServer(Server server, HealthStatusManager health, EventLoopGroup group) {
    this.server = server;
    this.health = health;
    this.group = group;
  }

  /**
   * The service definitions (jbroker services, health, reflection), with the token check if
   * {@code token} is not null. Also used by tests over an in-process transport.
   */
  public static List<ServerServiceDefinition> services(AdminContext ctx, String token, HealthStatusManager health) {
    List<BindableService> services = List.of(new NodeService(ctx), new PeeringService(ctx), new StoresService(ctx),
        new KvService(ctx), new WatchService(ctx), new PubSubService(ctx));
    List<ServerServiceDefinition> out = new ArrayList<>();
    BearerTokenInterceptor auth = token == null ? null
        : new BearerTokenInterceptor(token, Set.of(io.grpc.health.v1.HealthGrpc.SERVICE_NAME));
    for (BindableService s : services) {
      out.add(auth == null ? s.bindService() : ServerInterceptors.intercept(s, auth));
    }
    BindableService reflectionV1 = ProtoReflectionServiceV1.newInstance();
    @SuppressWarnings("deprecation")
    BindableService reflectionV1alpha = io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    for (BindableService s : List.of(reflectionV1, reflectionV1alpha)) {
      out.add(auth == null ? s.bindService() : ServerInterceptors.intercept(s, auth));
    }
    out.add(health.getHealthService().bindService());
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    for (String name : SERVICES) {
      health.setStatus(name, ServingStatus.SERVING);
    }
    return out;
  }

  /** Starts the server on the configured address (port 0: any free port). */
  public static AdminServer start(NodeConfig.Admin config, AdminContext ctx) throws IOException {
    ServerCredentials credentials = null;
    if (config.tls() != null) {
      TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder();
      NodeConfig.AdminTls tls = config.tls();
      b.keyManager(tls.certificate().toFile(), tls.key().toFile(), tls.passphrase());
      if (tls.clientCa() != null) {
        b.trustManager(tls.clientCa().toFile());
        b.clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      credentials = b.build();
    }
    InetSocketAddress address = new InetSocketAddress(config.address(), config.port());
    NettyServerBuilder builder = credentials == null ? NettyServerBuilder.forAddress(address)
        : NettyServerBuilder.forAddress(address, credentials);
    HealthStatusManager health = new HealthStatusManager();
    for (ServerServiceDefinition d : services(ctx, config.token(), health)) {
      builder.addService(d);
    }
    // Handlers never block (store calls return futures; the few blocking ones hop to ctx.executor()
    // themselves), so they run on the transport threads: one thread handoff less per call.
    builder.directExecutor();
    // The admin API's own transport thread, accepting and serving, rather than gRPC's process-wide
    // default group of 2 per core. As no handler blocks, one thread serves every admin connection;
    // it reads the requests of all of them in one pass and writes the answers a store completed
    // together in one pass: fewer wake-ups per call than a thread per connection (jbroker bench
    // get against a node in its own process, 2 cores: 19-25 µs of the node's CPU per call with
    // the default group, 14-17 µs with one thread).
    EventLoopGroup group = EventLoops.group("jbroker-admin-io", IO_THREADS);
    builder.bossEventLoopGroup(group).workerEventLoopGroup(group).channelType(EventLoops.serverChannel());
    builder.permitKeepAliveTime(10, TimeUnit.SECONDS);
    Server server;
    try {
      server = builder.build().start();
    } catch (IOException | RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
    return new AdminServer(server, health, group);
  }

  public int port() {
    return server.getPort();
  }

  /** Reports NOT_SERVING, stops accepting calls, lets running calls finish for a moment, then cancels the rest. */
  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    log.debug("admin server stopped");
  }
}
