package io.jbroker.node;

import com.google.protobuf.Timestamp;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.error.BrokerException;
import io.jbroker.node.admin.AdminContext;
import io.jbroker.node.admin.AdminServer;
import io.jbroker.node.admin.DataProtos;
import io.jbroker.node.config.ConfigError;
import io.jbroker.node.config.NodeConfig;
import io.jbroker.node.metrics.MetricsServer;
import io.jbroker.node.metrics.NodeMetrics;
import io.jbroker.node.runtime.NodeStores;
import io.jbroker.node.runtime.StatusHub;
import io.jbroker.node.runtime.StoreMonitor;
import io.jbroker.proto.admin.v1.HostPort;
import io.jbroker.proto.admin.v1.InfoResponse;
import io.jbroker.replication.StoreManager;
import io.jbroker.store.Clock;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running jbroker node: an endpoint listening for peers and peering with the configured ones,
 * the configured stores, the gRPC admin API and the Prometheus endpoint.
 *
 * <p>Lifecycle: {@code NEW → STARTING → RUNNING → CLOSING → CLOSED}. {@link #start} returns a
 * running node or fails having released what it started. {@link #close} shuts down gracefully:
 * the admin API stops accepting calls (health NOT_SERVING), the metrics endpoint stops, the
 * stores close (masters commit their backends), then the endpoint says goodbye (BYE) to every
 * peer and stops listening.
 */
public final class Node implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("io.jbroker.node.node");

  /** The lifecycle states. */
  public enum State { NEW, STARTING, RUNNING, CLOSING, CLOSED }

  private final NodeConfig config;
  private volatile State state = State.NEW;
  private Instant started;
  private Endpoint endpoint;
  private StatusHub status;
  private NodeStores stores;
  private StoreMonitor monitor;
  private NodeMetrics metrics;
  private MetricsServer metricsServer;
  private AdminServer admin;
  private ExecutorService adminExecutor;
  private final List<NodeConfig.HostPort> listening = new ArrayList<>();

  private Node(NodeConfig config) {
    this.config = config;
  }

  /**
   * Starts a node.
   *
   * @throws ConfigError if a configured value turns out unusable (a TLS file's content, a store's
   *     backend options)
   * @throws StartupException if something else prevents the start (a port in use)
   */
  public static Node start(NodeConfig config) {
    Node n = new Node(config);
    try {
      n.doStart();
      return n;
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
  }

  private void doStart() {
    state = State.STARTING;
    started = Instant.now();
    try {
      endpoint = Endpoint.create(config.endpointConfig());
    } catch (BrokerException e) {
      throw new ConfigError("ssl", null, null, e.getMessage());
    }
    log.info("starting node {} (jbroker {}, TLS {})", endpoint.nodeId(), Version.get(),
        config.tls().mode().name().toLowerCase(Locale.ROOT));
    status = new StatusHub(endpoint);
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw new ConfigError("data-dir", config.dataDir().toString(), null, "cannot be created: " + e.getMessage());
    }
    StoreManager manager = new StoreManager(endpoint, config.replicationSettings(), Clock.system());
    stores = new NodeStores(manager, config.dataDir());
    monitor = new StoreMonitor(stores, endpoint, Duration.ofSeconds(1));
    if (config.metrics().enabled()) {
      metrics = new NodeMetrics(endpoint, stores, monitor, config.metrics().jvm());
    }
    for (NodeConfig.StoreConfig s : config.stores()) {
      if (s instanceof NodeConfig.Master m) {
        try {
          stores.attachMaster(m.name(), m.backend(), m.options());
        } catch (BrokerException e) {
          throw new ConfigError("stores." + m.name(), m.backend() + " " + m.options(), null,
              "cannot attach the master: " + e.getMessage());
        }
      }
    }
    for (NodeConfig.HostPort hp : config.listen()) {
      Duration retry = config.listenRetry();
      try {
        int port = retry.isZero() ? endpoint.listenAsync(hp.host(), hp.port(), retry).get(30, TimeUnit.SECONDS)
            : endpoint.listenAsync(hp.host(), hp.port(), retry).get();
        listening.add(new NodeConfig.HostPort(hp.host(), port));
        log.info("listening for peers on {}", new NodeConfig.HostPort(hp.host(), port));
      } catch (ExecutionException e) {
        throw new StartupException("cannot listen for peers on " + hp + ": " + e.getCause().getMessage(), e.getCause());
      } catch (TimeoutException e) {
        throw new StartupException("cannot listen for peers on " + hp + ": no answer within 30 s", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StartupException("interrupted while starting to listen on " + hp, e);
      }
    }
    for (NodeConfig.Peer p : config.peers()) {
      log.info("peering with {} (retry {})", p, p.retry().isZero() ? "none" : p.retry());
      endpoint.peerAsync(p.host(), p.port(), p.retry()).whenComplete((info, e) -> {
        if (e != null) {
          log.warn("peering with {} failed: {}", p, e.getMessage());
        }
      });
    }
    for (NodeConfig.StoreConfig s : config.stores()) {
      if (s instanceof NodeConfig.Clone c) {
        try {
          stores.attachClone(c.name(), c.resyncInterval(), c.staleInterval(), c.mutationBufferInterval());
        } catch (BrokerException e) {
          throw new ConfigError("stores." + c.name(), "clone", null, "cannot attach the clone: " + e.getMessage());
        }
      }
    }
    if (metrics != null) {
      try {
        metricsServer = MetricsServer.start(config.metrics().address(), config.metrics().port(), metrics::scrape);
      } catch (IOException e) {
        throw new StartupException("cannot serve metrics on " + config.metrics().address() + ":"
            + config.metrics().port() + ": " + e.getMessage(), e);
      }
    }
    if (config.admin().enabled()) {
      AtomicInteger n = new AtomicInteger();
      adminExecutor = Executors.newFixedThreadPool(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), r -> {
        Thread t = new Thread(r, "jbroker-admin-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      AdminContext ctx = new AdminContext(endpoint, stores, status, this::info, config.requestTimeout(),
          config.admin().streamBuffer(), adminExecutor, k -> {
            if (metrics != null) {
              metrics.dataMessage(k);
            }
          });
      try {
        admin = AdminServer.start(config.admin(), ctx);
      } catch (IOException e) {
        throw new StartupException("cannot start the admin API on " + config.admin().address() + ":"
            + config.admin().port() + ": " + rootMessage(e), e);
      }
    }
    state = State.RUNNING;
    log.info("node {} running: peers on {}, admin API on {}{}, metrics on {}, stores: {}", endpoint.nodeId(),
        listening.isEmpty() ? "(not listening)" : listening,
        admin == null ? "(off)" : config.admin().address() + ":" + admin.port(),
        admin == null ? "" : (config.admin().tls() == null ? "" : " (TLS)") + (config.admin().token() == null ? ""
            : " (token required)"),
        metricsServer == null ? "(off)" : "http://" + config.metrics().address() + ":" + metricsServer.port() + "/metrics",
        config.stores().isEmpty() ? "(none)" : String.join(", ", config.stores().stream().map(Node::describe).toList()));
  }

  private static String describe(NodeConfig.StoreConfig s) {
    return s instanceof NodeConfig.Master m ? s.name() + " (master, " + m.backend() + ")" : s.name() + " (clone)";
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.toString() : c.getMessage();
  }

  /** The node's description for the admin API. */
  public InfoResponse info() {
    Instant now = Instant.now();
    InfoResponse.Builder b = InfoResponse.newBuilder()
        .setId(endpoint.nodeId().toString())
        .setVersion(Version.get())
        .setStarted(Timestamp.newBuilder().setSeconds(started.getEpochSecond()).setNanos(started.getNano()))
        .setUptime(DataProtos.duration(Duration.between(started, now)))
        .setTls(config.tls().mode().name().toLowerCase(Locale.ROOT))
        .setForwarding(config.forwarding());
    for (NodeConfig.HostPort hp : listening) {
      b.addListen(HostPort.newBuilder().setHost(hp.host()).setPort(hp.port()));
    }
    if (admin != null) {
      b.setAdmin(HostPort.newBuilder().setHost(config.admin().address()).setPort(admin.port()));
    }
    if (metricsServer != null) {
      b.setMetrics(HostPort.newBuilder().setHost(config.metrics().address()).setPort(metricsServer.port()));
    }
    return b.build();
  }

  public State state() {
    return state;
  }

  public NodeConfig config() {
    return config;
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public NodeStores stores() {
    return stores;
  }

  /** The addresses the endpoint listens on, with the bound ports. */
  public List<NodeConfig.HostPort> listening() {
    return List.copyOf(listening);
  }

  /** The admin API's port, or -1 if it is off. */
  public int adminPort() {
    return admin == null ? -1 : admin.port();
  }

  /** The metrics endpoint's port, or -1 if it is off. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.port();
  }

  /** Shuts down gracefully (see the class comment); idempotent. */
  @Override
  public synchronized void close() {
    if (state == State.CLOSED || state == State.CLOSING) {
      return;
    }
    boolean wasRunning = state == State.RUNNING;
    state = State.CLOSING;
    if (wasRunning) {
      log.info("shutting down: stopping the admin API, closing stores, saying goodbye to peers");
    }
    quietly(admin);
    quietly(metricsServer);
    quietly(monitor);
    quietly(metrics);
    quietly(stores);
    quietly(endpoint);
    quietly(status);
    if (adminExecutor != null) {
      adminExecutor.shutdownNow();
    }
    state = State.CLOSED;
    if (wasRunning) {
      log.info("node {} stopped", endpoint.nodeId());
    }
  }

  private static void quietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      log.warn("while shutting down {}: {}", c.getClass().getSimpleName(), e.toString());
    }
  }

  /** A node could not start for a reason other than its configuration. */
  public static final class StartupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StartupException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
