package io.jbroker.node.cli;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.jbroker.node.admin.BearerTokenInterceptor;
import io.jbroker.proto.admin.v1.KVGrpc;
import io.jbroker.proto.admin.v1.NodeGrpc;
import io.jbroker.proto.admin.v1.PeeringGrpc;
import io.jbroker.proto.admin.v1.PubSubGrpc;
import io.jbroker.proto.admin.v1.StoresGrpc;
import io.jbroker.proto.admin.v1.WatchGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A connection to a node's admin API: a channel (plaintext, TLS, or mutual TLS), the bearer token
 * on every call, and blocking stubs with the call timeout. Closing it shuts the channel down.
 */
public final class AdminClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final Duration timeout;

  private AdminClient(ManagedChannel channel, Duration timeout) {
    this.channel = channel;
    this.timeout = timeout;
  }

  /**
   * Connects (lazily: the first call connects) to {@code host:port}.
   *
   * @param token bearer token or {@code null}
   * @param tls whether to use TLS; {@code ca} (trusted CA, PEM) defaults to the JDK's trust store,
   *     {@code cert}/{@code key} (client certificate and key, PEM) are for mutual TLS
   */
  public static AdminClient connect(String host, int port, String token, boolean tls, Path ca, Path cert, Path key,
      Duration timeout) throws IOException {
    NettyChannelBuilder b;
    if (tls || ca != null || cert != null) {
      TlsChannelCredentials.Builder creds = TlsChannelCredentials.newBuilder();
      if (ca != null) {
        creds.trustManager(ca.toFile());
      }
      if (cert != null) {
        creds.keyManager(cert.toFile(), key.toFile());
      }
      ChannelCredentials c = creds.build();
      b = NettyChannelBuilder.forAddress(host, port, c);
    } else {
      b = NettyChannelBuilder.forAddress(host, port).usePlaintext();
    }
    if (token != null) {
      b.intercept(new TokenInterceptor(token));
    }
    b.maxInboundMessageSize(64 * 1024 * 1024);
    return new AdminClient(b.build(), timeout);
  }

  /** A client over an existing channel (tests). */
  public static AdminClient over(ManagedChannel channel, Duration timeout) {
    return new AdminClient(channel, timeout);
  }

  public Duration timeout() {
    return timeout;
  }

  public Channel channel() {
    return channel;
  }

  public NodeGrpc.NodeBlockingStub node() {
    return NodeGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public PeeringGrpc.PeeringBlockingStub peering() {
    return PeeringGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public StoresGrpc.StoresBlockingStub stores() {
    return StoresGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public KVGrpc.KVBlockingStub kv() {
    return KVGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public PubSubGrpc.PubSubBlockingStub pubsub() {
    return PubSubGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Streams without a deadline unless {@code limit} is given. */
  public WatchGrpc.WatchBlockingStub watch(Duration limit) {
    WatchGrpc.WatchBlockingStub s = WatchGrpc.newBlockingStub(channel);
    return limit == null ? s : s.withDeadlineAfter(limit.toNanos(), TimeUnit.NANOSECONDS);
  }

  public PubSubGrpc.PubSubBlockingStub subscriber(Duration limit) {
    PubSubGrpc.PubSubBlockingStub s = PubSubGrpc.newBlockingStub(channel);
    return limit == null ? s : s.withDeadlineAfter(limit.toNanos(), TimeUnit.NANOSECONDS);
  }

  public PeeringGrpc.PeeringBlockingStub peerEvents(Duration limit) {
    PeeringGrpc.PeeringBlockingStub s = PeeringGrpc.newBlockingStub(channel);
    return limit == null ? s : s.withDeadlineAfter(limit.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Adds {@code authorization: Bearer <token>} to every call. */
  static final class TokenInterceptor implements ClientInterceptor {
    private final String value;

    TokenInterceptor(String token) {
      this.value = "Bearer " + token;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          headers.put(BearerTokenInterceptor.AUTHORIZATION, value);
          super.start(listener, headers);
        }
      };
    }
  }
}
