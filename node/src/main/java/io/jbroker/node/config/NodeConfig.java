package io.jbroker.node.config;

import io.jbroker.endpoint.EndpointConfig;
import io.jbroker.endpoint.OverflowPolicy;
import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.BackendOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A node's settings after the defaults, the config file, the environment and the flags have been
 * merged and checked (see {@link ConfigLoader}). Immutable; the keys and their meaning are
 * documented in {@code reference.conf}.
 *
 * @param id the endpoint id, or {@code null} for a random one
 * @param dataDir where persistent stores live unless their path is absolute
 * @param listen addresses to accept peers on (port 0: any free port)
 * @param listenRetry retry of a listen whose port is taken (0: fail at once)
 * @param peers endpoints to peer with at start-up
 * @param connectRetry the default retry of peerings
 * @param maxThreads network I/O threads
 * @param forwarding whether envelopes are forwarded between peers (not {@code disable-forwarding})
 * @param ttl hop limit of envelopes this node originates
 * @param peerBufferSize envelopes buffered per peer
 * @param peerOverflowPolicy what happens when a peer's buffer is full
 * @param tls TLS of peerings
 * @param stores the stores to attach, in configuration order
 * @param requestTimeout timeout of store requests
 * @param writerRetention how long a master remembers a silent writing clone (at least the request
 *     timeout and the clone timeout)
 * @param admin the gRPC admin API
 * @param metrics the Prometheus endpoint
 * @param logLevel console log level (trace, debug, info, warning, error, quiet)
 * @param shutdownTimeout how long a graceful shutdown may take
 */
public record NodeConfig(
    EndpointId id,
    Path dataDir,
    List<HostPort> listen,
    Duration listenRetry,
    List<Peer> peers,
    Duration connectRetry,
    int maxThreads,
    boolean forwarding,
    int ttl,
    int peerBufferSize,
    OverflowPolicy peerOverflowPolicy,
    TlsConfig tls,
    List<StoreConfig> stores,
    Duration requestTimeout,
    Duration writerRetention,
    Admin admin,
    Metrics metrics,
    String logLevel,
    Duration shutdownTimeout) {

  public NodeConfig {
    listen = List.copyOf(listen);
    peers = List.copyOf(peers);
    stores = List.copyOf(stores);
  }

  /** The endpoint's settings. */
  public EndpointConfig endpointConfig() {
    EndpointConfig.Builder b = EndpointConfig.builder()
        .tls(tls)
        .forwarding(forwarding)
        .ttl(ttl)
        .peerBufferSize(peerBufferSize)
        .peerOverflowPolicy(peerOverflowPolicy)
        .connectRetry(connectRetry)
        .listenRetry(listenRetry)
        .ioThreads(maxThreads);
    if (id != null) {
      b.id(id);
    }
    return b.build();
  }

  /** The settings of the node's replicated stores. */
  public ReplicationSettings replicationSettings() {
    return replicationSettings(requestTimeout, writerRetention);
  }

  /**
   * The replication settings for these timeouts.
   *
   * @throws IllegalArgumentException if they do not fit together (see {@link ReplicationSettings})
   */
  static ReplicationSettings replicationSettings(Duration requestTimeout, Duration writerRetention) {
    return ReplicationSettings.defaults().withRequestTimeout(requestTimeout).withWriterRetention(writerRetention);
  }

  /** A host (name or address) and a port. */
  public record HostPort(String host, int port) {
    public HostPort {
      Objects.requireNonNull(host, "host");
    }

    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** An endpoint to peer with; {@code retry} 0 means a single attempt. */
  public record Peer(String host, int port, Duration retry) {
    @Override
    public String toString() {
      return new HostPort(host, port).toString();
    }
  }

  /** A store to attach: a master or a clone. */
  public sealed interface StoreConfig permits Master, Clone {
    String name();
  }

  /**
   * A master of {@code name} on {@code backend} with Broker's backend options (a relative {@code
   * path} is resolved against the data directory by the node).
   */
  public record Master(String name, String backend, BackendOptions options) implements StoreConfig {}

  /** A clone of {@code name} with its three intervals. */
  public record Clone(String name, Duration resyncInterval, Duration staleInterval, Duration mutationBufferInterval)
      implements StoreConfig {}

  /**
   * The admin API.
   *
   * @param token the bearer token required on every call, or {@code null} for none
   * @param tls TLS settings, or {@code null} for plaintext
   * @param streamBuffer events a stream may fall behind by
   */
  public record Admin(boolean enabled, String address, int port, String token, AdminTls tls, int streamBuffer) {
    @Override
    public String toString() {
      return "Admin[enabled=" + enabled + ", address=" + address + ", port=" + port + ", token="
          + (token == null ? "none" : "set") + ", tls=" + tls + ", streamBuffer=" + streamBuffer + "]";
    }
  }

  /**
   * TLS of the admin API: the server's chain and key; with {@code clientCa} clients must present
   * a certificate that chains to it.
   */
  public record AdminTls(Path certificate, Path key, String passphrase, Path clientCa) {
    @Override
    public String toString() {
      return "AdminTls[certificate=" + certificate + ", key=" + key + ", passphrase="
          + (passphrase == null ? "unset" : "set") + ", clientCa=" + clientCa + "]";
    }
  }

  /** The Prometheus endpoint. */
  public record Metrics(boolean enabled, String address, int port, boolean jvm) {}

  /** The default store when the configuration has no {@code stores} key: a SQLite master "default". */
  public static Master defaultStore() {
    return new Master("default", "sqlite", BackendOptions.empty());
  }

  /** The backend options of {@code m} with a path made absolute or added (persistent backends). */
  public static BackendOptions resolvePath(String name, String backend, BackendOptions options, Path dataDir) {
    if (backend.equals("memory")) {
      return options;
    }
    var given = options.get("path");
    Path p;
    if (given.isEmpty()) {
      p = dataDir.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_") + "." + backend);
    } else {
      p = dataDir.resolve(given.get().toString());
    }
    return options.with("path", p.toAbsolutePath().normalize().toString());
  }

  /** The settings as configured, for the log (secrets masked). */
  public Map<String, Object> summary() {
    return Map.of("listen", listen, "peers", peers, "stores", stores.stream().map(StoreConfig::name).toList(),
        "admin", admin, "metrics", metrics, "tls", tls.mode());
  }
}
