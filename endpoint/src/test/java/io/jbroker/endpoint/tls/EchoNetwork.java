package io.jbroker.endpoint.tls;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

/**
 * A tiny echo server and client over real sockets on 127.0.0.1 with the handlers of a {@link
 * TlsContexts} (or plain TCP), recording what happened on each side as futures.
 */
final class EchoNetwork implements AutoCloseable {
  static final long TIMEOUT_SECONDS = 20;

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

  /** What one side of one connection saw. */
  static final class Side {
    /** The TLS session once the handshake succeeded; exceptional with its cause if it failed. */
    final CompletableFuture<SSLSession> handshake = new CompletableFuture<>();
    /** The first failure: a failed handshake or an exception on the channel afterwards. */
    final CompletableFuture<Throwable> failure = new CompletableFuture<>();
    /** The bytes echoed back (client side only), once all of them arrived. */
    final CompletableFuture<byte[]> received = new CompletableFuture<>();
    /** Completes when the channel closed. */
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    volatile SslHandler ssl;

    SSLSession session() throws Exception {
      return handshake.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    Throwable awaitFailure() throws Exception {
      return failure.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    void awaitClosed() throws Exception {
      closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    byte[] awaitEcho() throws Exception {
      return received.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }

  /** A listening echo server; each accepted connection's {@link Side} is queued. */
  final class Server {
    final int port;
    private final LinkedBlockingQueue<Side> accepted;

    private Server(int port, LinkedBlockingQueue<Side> accepted) {
      this.port = port;
      this.accepted = accepted;
    }

    /** The next accepted connection. */
    Side next() throws InterruptedException {
      Side side = accepted.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (side == null) {
        throw new AssertionError("no connection accepted within " + TIMEOUT_SECONDS + " s");
      }
      return side;
    }
  }

  /** An echo server with {@code tls}'s server handler (or plain if TLS is disabled). */
  Server listen(TlsContexts tls) throws InterruptedException {
    LinkedBlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
    Channel channel =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    Side side = new Side();
                    accepted.add(side);
                    if (tls.enabled()) {
                      side.ssl = tls.newServerHandler(ch.alloc());
                      ch.pipeline().addLast(side.ssl);
                    }
                    ch.pipeline().addLast(new Recorder(side, true, null));
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
    return new Server(((InetSocketAddress) channel.localAddress()).getPort(), accepted);
  }

  /** Connects with {@code tls}'s client handler (or plain), sends {@code payload}, expects it back. */
  Side connect(TlsContexts tls, int port, byte[] payload) throws InterruptedException {
    return connect(tls.enabled() ? ch -> tls.newClientHandler(ch.alloc(), "127.0.0.1", port) : null, port, payload);
  }

  /** Connects with a handler made by {@code ssl} (null: plain TCP). */
  Side connect(java.util.function.Function<SocketChannel, SslHandler> ssl, int port, byte[] payload)
      throws InterruptedException {
    Side side = new Side();
    new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                if (ssl != null) {
                  side.ssl = ssl.apply(ch);
                  ch.pipeline().addLast(side.ssl);
                }
                ch.pipeline().addLast(new Recorder(side, false, payload));
              }
            })
        .connect(new InetSocketAddress("127.0.0.1", port))
        .sync();
    return side;
  }

  /** A plain-TCP server that closes a connection as soon as the first bytes arrive. */
  int listenPlainHangingUp() throws InterruptedException {
    Channel channel =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ((ByteBuf) msg).release();
                    ctx.close();
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Echoes (server) or sends-and-collects (client), and records every event in a {@link Side}. */
  private static final class Recorder extends ChannelInboundHandlerAdapter {
    private final Side side;
    private final boolean echo;
    private final byte[] payload;
    private ByteBuf collected;

    Recorder(Side side, boolean echo, byte[] payload) {
      this.side = side;
      this.echo = echo;
      this.payload = payload;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (side.ssl == null) {
        side.handshake.completeExceptionally(new IllegalStateException("plain TCP: no handshake"));
        start(ctx);
      } else {
        side.ssl
            .handshakeFuture()
            .addListener(
                f -> {
                  if (f.isSuccess()) {
                    side.handshake.complete(side.ssl.engine().getSession());
                    start(ctx);
                  } else {
                    side.handshake.completeExceptionally(f.cause());
                    side.failure.complete(f.cause());
                  }
                });
      }
      ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
      if (payload != null) {
        collected = ctx.alloc().buffer(payload.length);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(payload));
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf data = (ByteBuf) msg;
      if (echo) {
        ctx.writeAndFlush(data);
        return;
      }
      collected.writeBytes(data);
      data.release();
      if (collected.readableBytes() >= payload.length) {
        side.received.complete(ByteBufUtil.getBytes(collected));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      side.failure.complete(cause);
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      side.failure.complete(new ClosedChannelException());
      side.received.completeExceptionally(new ClosedChannelException());
      if (collected != null) {
        collected.release();
      }
      side.closed.complete(null);
      ctx.fireChannelInactive();
    }
  }
}
