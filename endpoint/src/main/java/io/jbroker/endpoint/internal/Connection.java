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
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP (or TLS) connection of an endpoint, from the first byte to the close: runs the {@link
 * Handshake} on the connection's event loop, asks the core for the peer-status check (the core
 * owns the status map, so the handshake waits — {@code PAUSED} — for its answer), and after
 * {@code FIN} hands the frames to the phase-3 receive path ({@link Inbound}).
 *
 * <p>A malformed frame or envelope, an oversized length prefix, a TLS failure or a stalled
 * handshake closes this connection with a logged reason; the endpoint and its other
 * connections carry on.
 */
final class Connection extends ChannelInboundHandlerAdapter implements Handshake.Callbacks {
  private static final Logger log = LoggerFactory.getLogger(Connection.class);
  /** Most bytes reserved ahead for a frame split across reads. */
  private static final int PENDING_RESERVE = 64 * 1024;

  final Core core;
  final boolean connector;
  final Outbound outbound;
  private NetworkInfo network;
  private Channel channel;
  private Handshake handshake;
  /** Received bytes not handled yet: a partial frame, or frames held while the handshake is paused. */
  private ByteBuf pending;
  /** Set once the connection is closing for a framing error: later bytes are discarded. */
  private boolean discarding;
  private Inbound inbound;
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

  /**
   * Takes Broker's framing (a 4-byte big-endian length, then the payload) off the byte stream
   * itself: frames are handled where they lie in the received buffer, and only a frame split
   * across reads is copied (into {@link #pending}) to complete it. A length above the maximum frame
   * size closes the connection.
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    try {
      if (discarding) {
        return;
      }
      if (pending != null) {
        topUp(in);
        frames(pending);
        if (discarding) {
          releasePending();
          return;
        }
        if (pending.isReadable()) {
          // still a partial frame (in is used up), or frames held while the handshake is paused
          pending.writeBytes(in);
          return;
        }
        releasePending();
      }
      frames(in);
      if (in.isReadable() && !discarding) {
        int size = in.readableBytes();
        if (size >= 4) {
          // room for the whole frame if it is small; a large one grows as its bytes arrive, so a
          // peer that announces a big frame and stalls does not get that memory reserved
          size = (int) Math.max(size, Math.min(in.getUnsignedInt(in.readerIndex()) + 4, PENDING_RESERVE));
        }
        pending = ctx.alloc().buffer(size);
        pending.writeBytes(in);
      }
    } finally {
      in.release();
    }
  }

  /** Moves just enough bytes from {@code in} to {@link #pending} to complete its first frame. */
  private void topUp(ByteBuf in) {
    int have = pending.readableBytes();
    if (have < 4) {
      int n = Math.min(4 - have, in.readableBytes());
      pending.writeBytes(in, n);
      if (have + n < 4) {
        return;
      }
    }
    long len = pending.getUnsignedInt(pending.readerIndex());
    if (len > core.config().maxFrameSize() - 4L) {
      return; // frames() closes the connection
    }
    long missing = 4 + len - pending.readableBytes();
    if (missing > 0) {
      pending.writeBytes(in, (int) Math.min(missing, in.readableBytes()));
    }
  }

  /** Handles the complete frames at the reader index of {@code buf}, advancing past them. */
  private void frames(ByteBuf buf) {
    long max = core.config().maxFrameSize() - 4L;
    while (!discarding && buf.readableBytes() >= 4) {
      int r = buf.readerIndex();
      long len = buf.getUnsignedInt(r);
      if (len > max) {
        frameTooLong(len);
        return;
      }
      if (buf.readableBytes() - 4 < len) {
        return;
      }
      PeerLink l = link;
      if (l != null) {
        inbound.read(buf); // every complete frame, up to a partial or too long one
        continue;
      }
      if (handshake == null || handshake.isDone()) {
        buf.skipBytes(4 + (int) len);
        continue;
      }
      if (handshake.state() == Handshake.State.PAUSED) {
        // Stop reading until the core answers (it may wait for another handshake with the same
        // peer, up to the handshake timeout): the frames stay in pending, and what a peer
        // pipelines meanwhile stays in its socket.
        channel.config().setAutoRead(false);
        return;
      }
      ByteBuf frame = buf.retainedSlice(r + 4, (int) len);
      buf.skipBytes(4 + (int) len);
      try {
        handshake.onFrame(frame);
      } finally {
        frame.release();
      }
    }
  }

  private void frameTooLong(long len) {
    discarding = true; // what is pending is released by the caller, which may be iterating over it
    String reason = "frame too long: " + len + " bytes announced, at most " + (core.config().maxFrameSize() - 4) + " allowed";
    PeerLink l = link;
    if (l != null) {
      // The peer broke the framing of an established peering: we end it, so it is reported as
      // peer_removed with this reason, not as a lost connection.
      core.malformedInput(l, reason);
    } else {
      log.warn("closing connection with {}: {}", describe(), reason);
    }
    closeWith(reason);
  }

  private void releasePending() {
    if (pending != null) {
      pending.release();
      pending = null;
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
    if (cause.getCause() instanceof javax.net.ssl.SSLException || cause instanceof javax.net.ssl.SSLException) {
      reason = "TLS failure: " + TlsContexts.describeFailure(cause);
    } else {
      reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
    PeerLink l = link;
    if (l != null && cause instanceof io.netty.handler.codec.DecoderException) {
      // The peer broke the TLS of an established peering: we end it, so it is
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
    discarding = true;
    releasePending();
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
      if (pending != null) {
        frames(pending); // the frames held while paused
        if (discarding || !pending.isReadable()) {
          releasePending();
        }
        if (link != null) {
          core.endOfDispatch();
        }
      }
      if (handshake.state() != Handshake.State.PAUSED) {
        channel.config().setAutoRead(true);
      }
    });
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
    inbound = new Inbound(core, l);
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
