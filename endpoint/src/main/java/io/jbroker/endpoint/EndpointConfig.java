package io.jbroker.endpoint;

import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.endpoint.wire.EndpointId;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of an {@link Endpoint}: the one place for the endpoint's configuration keys and
 * defaults. Defaults follow Broker (spec/broker-endpoint.md §8) unless noted.
 *
 * <table>
 *   <caption>settings</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>id</td><td>random</td><td>the endpoint id</td></tr>
 *   <tr><td>tls</td><td>{@link TlsConfig#ephemeral()}</td><td>TLS on, self-signed, no verification</td></tr>
 *   <tr><td>forwarding</td><td>true</td><td>forward envelopes between peers (Broker's library default; Zeek turns it off)</td></tr>
 *   <tr><td>ttl</td><td>16</td><td>hop limit of envelopes we originate; decremented per hop, dropped at 0</td></tr>
 *   <tr><td>peerBufferSize</td><td>2048</td><td>envelopes buffered per peer</td></tr>
 *   <tr><td>peerOverflowPolicy</td><td>disconnect</td><td>see {@link OverflowPolicy}</td></tr>
 *   <tr><td>publishTimeout</td><td>10 s</td><td>how long a local publisher waits for room before the policy applies</td></tr>
 *   <tr><td>subscriberQueueSize</td><td>8192</td><td>messages buffered per subscriber</td></tr>
 *   <tr><td>subscriberOverflowPolicy</td><td>drop_oldest</td><td>for slow subscribers</td></tr>
 *   <tr><td>connectRetry</td><td>10 s (env {@code ZEEK_DEFAULT_CONNECT_RETRY})</td><td>default retry of {@code peer()}</td></tr>
 *   <tr><td>listenRetry</td><td>none (env {@code ZEEK_DEFAULT_LISTEN_RETRY})</td><td>default retry of {@code listen()}</td></tr>
 *   <tr><td>ioThreads</td><td>2 (env {@code ZEEK_BROKER_MAX_THREADS})</td><td>network I/O threads</td></tr>
 *   <tr><td>connectTimeout</td><td>1 s</td><td>per TCP connect attempt</td></tr>
 *   <tr><td>handshakeTimeout</td><td>10 s</td><td>a connection that has not peered by then is closed (Broker has none)</td></tr>
 *   <tr><td>unpeerTimeout</td><td>3 s</td><td>wait for the BYE pong before closing</td></tr>
 *   <tr><td>maxFrameSize</td><td>16 MiB</td><td>larger frames close the connection</td></tr>
 * </table>
 */
public final class EndpointConfig {
  /** Environment variable overriding {@link Builder#connectRetry}, in seconds. */
  public static final String ENV_CONNECT_RETRY = "ZEEK_DEFAULT_CONNECT_RETRY";
  /** Environment variable overriding {@link Builder#listenRetry}, in seconds. */
  public static final String ENV_LISTEN_RETRY = "ZEEK_DEFAULT_LISTEN_RETRY";
  /** Environment variable overriding {@link Builder#ioThreads}. */
  public static final String ENV_MAX_THREADS = "ZEEK_BROKER_MAX_THREADS";

  final EndpointId id;
  final TlsConfig tls;
  final boolean forwarding;
  final int ttl;
  final int peerBufferSize;
  final OverflowPolicy peerOverflowPolicy;
  final Duration publishTimeout;
  final int subscriberQueueSize;
  final OverflowPolicy subscriberOverflowPolicy;
  final Duration connectRetry;
  final Duration listenRetry;
  final int ioThreads;
  final Duration connectTimeout;
  final Duration handshakeTimeout;
  final Duration unpeerTimeout;
  final int maxFrameSize;

  private EndpointConfig(Builder b) {
    id = b.id == null ? EndpointId.random() : b.id;
    tls = b.tls;
    forwarding = b.forwarding;
    ttl = b.ttl;
    peerBufferSize = b.peerBufferSize;
    peerOverflowPolicy = b.peerOverflowPolicy;
    publishTimeout = b.publishTimeout;
    subscriberQueueSize = b.subscriberQueueSize;
    subscriberOverflowPolicy = b.subscriberOverflowPolicy;
    connectRetry = b.connectRetry;
    listenRetry = b.listenRetry;
    ioThreads = b.ioThreads;
    connectTimeout = b.connectTimeout;
    handshakeTimeout = b.handshakeTimeout;
    unpeerTimeout = b.unpeerTimeout;
    maxFrameSize = b.maxFrameSize;
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults with the process environment's overrides applied. */
  public static EndpointConfig fromEnvironment() {
    return builder().environment(System.getenv()).build();
  }

  public EndpointId id() {
    return id;
  }

  public TlsConfig tls() {
    return tls;
  }

  public boolean forwarding() {
    return forwarding;
  }

  public int ttl() {
    return ttl;
  }

  public int peerBufferSize() {
    return peerBufferSize;
  }

  public OverflowPolicy peerOverflowPolicy() {
    return peerOverflowPolicy;
  }

  public Duration publishTimeout() {
    return publishTimeout;
  }

  public int subscriberQueueSize() {
    return subscriberQueueSize;
  }

  public OverflowPolicy subscriberOverflowPolicy() {
    return subscriberOverflowPolicy;
  }

  public Duration connectRetry() {
    return connectRetry;
  }

  public Duration listenRetry() {
    return listenRetry;
  }

  public int ioThreads() {
    return ioThreads;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  public Duration unpeerTimeout() {
    return unpeerTimeout;
  }

  public int maxFrameSize() {
    return maxFrameSize;
  }

  /** Builds an {@link EndpointConfig}; every setter checks its value and names it when refusing. */
  public static final class Builder {
    private EndpointId id;
    private TlsConfig tls = TlsConfig.ephemeral();
    private boolean forwarding = true;
    private int ttl = 16;
    private int peerBufferSize = 2048;
    private OverflowPolicy peerOverflowPolicy = OverflowPolicy.DISCONNECT;
    private Duration publishTimeout = Duration.ofSeconds(10);
    private int subscriberQueueSize = 8192;
    private OverflowPolicy subscriberOverflowPolicy = OverflowPolicy.DROP_OLDEST;
    private Duration connectRetry = Duration.ofSeconds(10);
    private Duration listenRetry = Duration.ZERO;
    private int ioThreads = 2;
    private Duration connectTimeout = Duration.ofSeconds(1);
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration unpeerTimeout = Duration.ofSeconds(3);
    private int maxFrameSize = 16 * 1024 * 1024;

    private Builder() {}

    public Builder id(EndpointId id) {
      if (id != null && id.isNil()) {
        throw new IllegalArgumentException("id: the nil id cannot name an endpoint");
      }
      this.id = id;
      return this;
    }

    public Builder tls(TlsConfig tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    public Builder forwarding(boolean forwarding) {
      this.forwarding = forwarding;
      return this;
    }

    public Builder ttl(int ttl) {
      this.ttl = range("ttl", ttl, 1, 0xFFFF);
      return this;
    }

    public Builder peerBufferSize(int size) {
      this.peerBufferSize = range("peer_buffer_size", size, 1, 1 << 24);
      return this;
    }

    public Builder peerOverflowPolicy(OverflowPolicy policy) {
      this.peerOverflowPolicy = Objects.requireNonNull(policy, "peer_overflow_policy");
      return this;
    }

    public Builder publishTimeout(Duration timeout) {
      this.publishTimeout = nonNegative("publish_timeout", timeout);
      return this;
    }

    public Builder subscriberQueueSize(int size) {
      this.subscriberQueueSize = range("subscriber_queue_size", size, 1, 1 << 24);
      return this;
    }

    public Builder subscriberOverflowPolicy(OverflowPolicy policy) {
      this.subscriberOverflowPolicy = Objects.requireNonNull(policy, "subscriber_overflow_policy");
      return this;
    }

    public Builder connectRetry(Duration retry) {
      this.connectRetry = nonNegative("connect_retry", retry);
      return this;
    }

    public Builder listenRetry(Duration retry) {
      this.listenRetry = nonNegative("listen_retry", retry);
      return this;
    }

    public Builder ioThreads(int threads) {
      this.ioThreads = range("io_threads", threads, 1, 256);
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connect_timeout", timeout);
      return this;
    }

    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = positive("handshake_timeout", timeout);
      return this;
    }

    public Builder unpeerTimeout(Duration timeout) {
      this.unpeerTimeout = positive("unpeer_timeout", timeout);
      return this;
    }

    public Builder maxFrameSize(int bytes) {
      this.maxFrameSize = range("max_frame_size", bytes, 1024, Integer.MAX_VALUE - 4);
      return this;
    }

    /**
     * Applies the environment overrides of the seed options: {@value #ENV_CONNECT_RETRY} and
     * {@value #ENV_LISTEN_RETRY} (seconds, e.g. {@code 30} or {@code 2.5}) and {@value
     * #ENV_MAX_THREADS} (a positive integer).
     *
     * @throws IllegalArgumentException naming the variable and its value if it is malformed
     */
    public Builder environment(Map<String, String> env) {
      String v = env.get(ENV_CONNECT_RETRY);
      if (v != null && !v.isBlank()) {
        connectRetry(seconds(ENV_CONNECT_RETRY, v));
      }
      v = env.get(ENV_LISTEN_RETRY);
      if (v != null && !v.isBlank()) {
        listenRetry(seconds(ENV_LISTEN_RETRY, v));
      }
      v = env.get(ENV_MAX_THREADS);
      if (v != null && !v.isBlank()) {
        try {
          ioThreads(Integer.parseInt(v.trim()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(ENV_MAX_THREADS + "=\"" + v + "\" is not a thread count between 1 and 256");
        }
      }
      return this;
    }

    public EndpointConfig build() {
      return new EndpointConfig(this);
    }

    private static Duration seconds(String name, String value) {
      try {
        double s = Double.parseDouble(value.trim());
        if (s < 0 || Double.isNaN(s) || Double.isInfinite(s)) {
          throw new NumberFormatException();
        }
        return Duration.ofNanos((long) (s * 1e9));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + "=\"" + value + "\" is not a non-negative number of seconds");
      }
    }

    private static int range(String name, int v, int min, int max) {
      if (v < min || v > max) {
        throw new IllegalArgumentException(name + " " + v + " is outside " + min + ".." + max);
      }
      return v;
    }

    private static Duration nonNegative(String name, Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, got " + d);
      }
      return d;
    }

    private static Duration positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
      return d;
    }
  }
}
