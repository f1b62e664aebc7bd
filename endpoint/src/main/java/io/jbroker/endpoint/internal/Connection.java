package io.jbroker.endpoint.internal;

import io.jbroker.endpoint.NetworkInfo;
import io.jbroker.endpoint.tls.TlsContexts;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.endpoint.wire.HandshakeMessage;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP (or TLS) connection of an endpoint, from the first byte to the close: runs the {@link
 * Handshake} on the connection's event loop, asks the core for the peer-status check (the core
 * owns the status map, so the handshake waits — {@code PAUSED} — for its answer), and after
 * {@code FIN} hands every frame to the core's phase-3 dispatch.
 *
 * <p>A malformed frame or envelope, an oversized length prefix, a TLS failure or a stalled
 * handshake closes this connection with a logged reason; the endpoint and its other
 * connections carry on.
 */
final class Connection extends ChannelInboundHandlerAdapter implements Handshake.Callbacks {
  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  final Core core;
  final boolean connector;
  final Outbound outbound;
  private NetworkInfo network;
  private Channel channel;
  private Handshake handshake;
  private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
  private volatile PeerLink link;
  private Filter sentFilter = Filter.EMPTY;
  private ScheduledFuture<?> timeout;
  private String closeReason;
  private boolean reported;
  private EndpointId failedRemote;
  private ErrorCode failedCode;

  Connection(Core core, boolean connector, Outbound outbound, NetworkInfo network) {
    this.core = core;
    this.connector = connector;
    this.outbound = outbound;
    this.network = network;
  }

  NetworkInfo network() {
    return network;
  }

  Channel channel() {
    return channel;
  }

  PeerLink link() {
    return link;
  }

  /** Closes the connection with a reason (any thread). */
  void closeWith(String reason) {
    if (closeReason == null) {
      closeReason = reason;
    }
    if (channel != null) {
      channel.close();
    }
  }

  // ---- Netty --------------------------------------------------------------------------------

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    if (network == null) {
      InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
      network = new NetworkInfo(remote.getHostString(), remote.getPort(), null);
    }
    long t = core.config().handshakeTimeout().toNanos();
    timeout = ctx.executor().schedule(() -> {
      if (link == null) {
        closeWith("no peering after the handshake timeout of " + core.config().handshakeTimeout());
      }
    }, t, TimeUnit.NANOSECONDS);
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    if (ssl == null) {
      startHandshake();
    } else {
      ssl.handshakeFuture().addListener(f -> {
        if (f.isSuccess()) {
          startHandshake();
        } else {
          closeWith("TLS handshake failed: " + TlsContexts.describeFailure(f.cause()));
        }
      });
    }
    ctx.fireChannelActive();
  }

  private void startHandshake() {
    if (!channel.isActive()) {
      return;
    }
    handshake = new Handshake(core.self(), connector, this);
    handshake.start();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    PeerLink l = link;
    if (l != null) {
      try {
        core.dispatch(l, frame);
      } finally {
        frame.release();
      }
      return;
    }
    if (handshake == null || handshake.isDone()) {
      frame.release();
      return;
    }
    if (handshake.state() == Handshake.State.PAUSED) {
      held.add(frame);
      // Stop reading until the core answers (it may wait for another handshake with the same
      // peer, up to the handshake timeout): what a peer pipelines meanwhile stays in its socket.
      ctx.channel().config().setAutoRead(false);
      return;
    }
    try {
      handshake.onFrame(frame);
    } finally {
      frame.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (link != null) {
      core.endOfDispatch();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    PeerLink l = link;
    if (l != null && ctx.channel().isWritable()) {
      l.writable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    String reason;
    if (cause instanceof TooLongFrameException) {
      reason = "frame too long: " + cause.getMessage();
    } else if (cause.getCause() instanceof javax.net.ssl.SSLException || cause instanceof javax.net.ssl.SSLException) {
      reason = "TLS failure: " + TlsContexts.describeFailure(cause);
    } else {
      reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
    PeerLink l = link;
    if (l != null && cause instanceof io.netty.handler.codec.DecoderException) {
      // The peer broke the framing (or TLS) of an established peering: we end it, so it is
      // reported as peer_removed with this reason, not as a lost connection.
      core.malformedInput(l, reason);
      closeWith(reason);
      return;
    }
    log.warn("closing connection with {}: {}", describe(), reason);
    closeWith(reason);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (timeout != null) {
      timeout.cancel(false);
    }
    while (!held.isEmpty()) {
      held.poll().release();
    }
    PeerLink l = link;
    String reason = closeReason;
    if (l != null) {
      core.execute(() -> core.linkClosed(l, reason));
    } else if (!reported) {
      reported = true;
      EndpointId remote = failedRemote != null ? failedRemote : handshake == null ? null : handshake.remote();
      ErrorCode code = failedCode != null ? failedCode : ErrorCode.PEER_DISCONNECT_DURING_HANDSHAKE;
      String why = reason != null ? reason : "connection closed during the handshake";
      core.execute(() -> core.handshakeFailed(this, remote, code, why));
    }
    ctx.fireChannelInactive();
  }

  // ---- handshake callbacks (event loop) --------------------------------------------------------

  @Override
  public Handshake.PeerCheck checkPeer(EndpointId remote, boolean originator) {
    core.execute(() -> core.check(this, remote, originator));
    return Handshake.PeerCheck.PAUSE;
  }

  /** The core's answer to the peer-status check (any thread). */
  void resolve(Handshake.PeerCheck decision) {
    channel.eventLoop().execute(() -> {
      if (handshake == null || handshake.state() != Handshake.State.PAUSED || !channel.isActive()) {
        return;
      }
      handshake.resume(decision);
      replayHeld();
      if (held.isEmpty()) {
        channel.config().setAutoRead(true);
      }
    });
  }

  private void replayHeld() {
    while (!held.isEmpty() && channel.isActive()) {
      PeerLink l = link;
      if (l == null && (handshake.isDone() || handshake.state() == Handshake.State.PAUSED)) {
        if (handshake.isDone()) {
          held.poll().release();
          continue;
        }
        return;
      }
      ByteBuf frame = held.poll();
      try {
        if (l != null) {
          core.dispatch(l, frame);
        } else {
          handshake.onFrame(frame);
        }
      } finally {
        frame.release();
      }
    }
    if (link != null) {
      core.endOfDispatch();
    }
  }

  @Override
  public Filter ownFilter() {
    sentFilter = core.ownFilter();
    return sentFilter;
  }

  @Override
  public void send(HandshakeMessage message) {
    ByteBuf out = channel.alloc().buffer();
    out.writeInt(0);
    message.writeTo(out);
    out.setInt(0, out.readableBytes() - 4);
    channel.writeAndFlush(out);
  }

  @Override
  public void close(String reason) {
    closeWith(reason);
  }

  @Override
  public void completed(EndpointId remote, Filter remoteFilter, boolean originator) {
    if (timeout != null) {
      timeout.cancel(false);
    }
    PeerLink l = core.newLink(remote, network, channel, connector, remoteFilter);
    link = l;
    Filter sent = sentFilter;
    core.execute(() -> core.peered(this, l, sent));
  }

  @Override
  public void failed(EndpointId remote, ErrorCode code, String reason) {
    failedRemote = remote;
    failedCode = code;
    if (closeReason == null) {
      closeReason = reason;
    }
  }

  String describe() {
    return (connector ? "outgoing" : "incoming") + " connection " + (network == null ? "?" : network.toString());
  }
}
