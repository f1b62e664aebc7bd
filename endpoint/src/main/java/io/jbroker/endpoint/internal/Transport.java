package io.jbroker.endpoint.internal;

import io.jbroker.endpoint.EndpointConfig;
import io.jbroker.endpoint.tls.TlsContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Netty side of an endpoint: one event loop group (epoll where available), TCP options, the
 * optional TLS handler; the connection's handler takes Broker's framing off the stream itself.
 */
final class Transport {
  private final EndpointConfig config;
  private final TlsContexts tls;
  private final EventLoopGroup group;
  private final Class<? extends ServerChannel> serverChannel;
  private final Class<? extends SocketChannel> clientChannel;

  /**
   * The buffer allocator of peer connections: Netty's pooled one rather than 4.2's default
   * adaptive one. Buffers of the adaptive allocator are windows on a shared chunk, and every bulk
   * read from one (the topic and payload of each received envelope) checks that chunk's reference
   * count, a cache miss that cost 10-14% of a subscriber's I/O thread; pooled buffers check their
   * own. Measured with EndpointBench batch, small events, TLS on: 1.07-1.30 M/s adaptive,
   * 1.16-1.86 M/s pooled (BENCHMARKS.md).
   */
  static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

  Transport(EndpointConfig config, TlsContexts tls, String name) {
    this.config = config;
    this.tls = tls;
    IoHandlerFactory io;
    if (Epoll.isAvailable()) {
      io = EpollIoHandler.newFactory();
      serverChannel = EpollServerSocketChannel.class;
      clientChannel = EpollSocketChannel.class;
    } else {
      io = NioIoHandler.newFactory();
      serverChannel = NioServerSocketChannel.class;
      clientChannel = NioSocketChannel.class;
    }
    group = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("jbroker-io-" + name, true), io);
  }

  /** Binds a listener; each accepted connection gets a fresh handler from {@code inbound}. */
  ChannelFuture bind(String address, int port, Supplier<Connection> inbound) {
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(serverChannel)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ChannelPipeline p = ch.pipeline();
            if (tls.enabled()) {
              p.addLast("tls", tls.newServerHandler(ch.alloc()));
            }
            p.addLast("broker", inbound.get());
          }
        });
    return address == null || address.isEmpty() ? b.bind(port) : b.bind(address, port);
  }

  /** Dials {@code host:port} with {@code handler} as the connection's handler. */
  ChannelFuture connect(String host, int port, Connection handler) {
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(clientChannel)
        .option(ChannelOption.ALLOCATOR, ALLOCATOR)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ChannelPipeline p = ch.pipeline();
            if (tls.enabled()) {
              p.addLast("tls", tls.newClientHandler(ch.alloc(), host, port));
            }
            p.addLast("broker", handler);
          }
        });
    return b.connect(new InetSocketAddress(host, port));
  }

  /** The port a bound listener channel got. */
  static int localPort(Channel ch) {
    return ((InetSocketAddress) ch.localAddress()).getPort();
  }

  void shutdown() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
