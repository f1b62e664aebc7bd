package io.jbroker.endpoint.internal;

import io.jbroker.data.Data;
import io.jbroker.endpoint.EndpointConfig;
import io.jbroker.endpoint.EndpointInfo;
import io.jbroker.endpoint.NetworkInfo;
import io.jbroker.endpoint.PeerInfo;
import io.jbroker.endpoint.PeerStatus;
import io.jbroker.endpoint.StatusCode;
import io.jbroker.endpoint.StatusEvent;
import io.jbroker.endpoint.tls.TlsContexts;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Envelope;
import io.jbroker.endpoint.wire.EnvelopeType;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.endpoint.wire.Topics;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing core of an endpoint: one thread that owns the peer-status map, the peerings, the
 * outgoing peering requests, the local interests and the advertised filter, and publishes an
 * immutable {@link Routing} snapshot after every change. Connections run their handshakes on
 * their event loops and consult the core for the peer-status check; phase-3 frames are
 * dispatched on the event loops against the snapshot, without locks (spec/broker-endpoint.md
 * §3.6–§4.9).
 *
 * <p>Differences from Broker, on purpose: TTL is decremented per hop and an envelope is dropped
 * at 0, so a cycle cannot circulate forever; the advertised filter is recomputed from the
 * current interests and can shrink after an unsubscribe (peers replace filters on every
 * update, so this is compatible); malformed envelopes close the connection that sent them
 * instead of being skipped; envelopes a peer sends on internal ({@code <$>/local/}) topics are
 * dropped; handshakes time out.
 *
 * <p>The BYE ping (and every pong) is written behind the envelopes already buffered for that
 * peer, so what was published before an unpeer or close reaches the peer before the connection
 * closes on the answer.
 */
public final class Core {
  private static final Logger log = LoggerFactory.getLogger(Core.class);
  private static final String RESERVED = Topics.RESERVED;

  /** Where the core reports status and error events. */
  public interface Listener {
    void event(StatusEvent event);
  }

  private final EndpointConfig config;
  private final EndpointId self;
  private final ScheduledExecutorService exec;
  private final Transport transport;
  private final Listener listener;
  private final AtomicLong droppedByTtl = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong droppedPongs = new AtomicLong();
  /** Envelopes processed, by type (index: ordinal): received from peers, plus those published here. */
  private final java.util.concurrent.atomic.LongAdder[] processed = newAdders();

  private volatile Routing routing = Routing.EMPTY;
  private volatile Filter ownFilter = Filter.EMPTY;

  // ---- owned by the core thread ----
  private final Map<EndpointId, PeerStatus> statuses = new java.util.LinkedHashMap<>();
  private final Map<EndpointId, PeerLink> links = new HashMap<>();
  private final Map<EndpointId, Connection> inFlight = new HashMap<>();
  private final Map<EndpointId, List<Connection>> paused = new HashMap<>();
  private final List<Outbound> outbounds = new ArrayList<>();
  private final Map<EndpointId, List<CompletableFuture<PeerInfo>>> awaiting = new HashMap<>();
  private final Map<PeerLink, String> removalReasons = new IdentityHashMap<>();
  private final Map<PeerLink, Unpeering> unpeering = new IdentityHashMap<>();
  private final List<Channel> listeners = new ArrayList<>();
  private final List<DataSink> dataSinks = new CopyOnWriteArrayList<>();
  private final List<CommandSink> commandSinks = new CopyOnWriteArrayList<>();
  private final Set<String> forwardPrefixes = new LinkedHashSet<>();
  private long version;
  private long byeCounter;
  private boolean closing;
  private CompletableFuture<Void> closed;

  private record Unpeering(byte[] token, CompletableFuture<Void> done, ScheduledFuture<?> timer) {}

  public Core(EndpointConfig config, TlsContexts tls, Listener listener) {
    this.config = config;
    this.self = config.id();
    this.listener = listener;
    String name = self.toString().substring(0, 8);
    ScheduledThreadPoolExecutor core = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "jbroker-core-" + name);
      t.setDaemon(true);
      return t;
    });
    // After close, pending timers (retries, awaitPeer, BYE timeouts) must not keep the core
    // thread alive: close() has already settled what they were waiting for.
    core.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    core.setRemoveOnCancelPolicy(true);
    this.exec = core;
    this.transport = new Transport(config, tls, name);
  }

  public EndpointId self() {
    return self;
  }

  public EndpointConfig config() {
    return config;
  }

  /** The filter this endpoint advertises. */
  public Filter ownFilter() {
    return ownFilter;
  }

  /** Runs {@code task} on the core thread (dropped after shutdown). */
  public void execute(Runnable task) {
    try {
      exec.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.error("endpoint {}: core task failed", self, e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("endpoint {}: core stopped, task dropped", self);
    }
  }

  private <T> CompletableFuture<T> call(java.util.function.Supplier<CompletableFuture<T>> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      exec.execute(() -> {
        try {
          body.get().whenComplete((v, e) -> {
            if (e != null) {
              result.completeExceptionally(e);
            } else {
              result.complete(v);
            }
          });
        } catch (RuntimeException e) {
          result.completeExceptionally(e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      result.completeExceptionally(new BrokerException(ErrorCode.SHUTTING_DOWN, "endpoint " + self + " is closed"));
    }
    return result;
  }

  // ---- listening and peering -------------------------------------------------------------------

  /** Binds a listener; completes with the bound port. Retries every {@code retry} if positive. */
  public CompletableFuture<Integer> listen(String address, int port, Duration retry) {
    return call(() -> {
      CompletableFuture<Integer> f = new CompletableFuture<>();
      bind(address, port, retry, f);
      return f;
    });
  }

  private void bind(String address, int port, Duration retry, CompletableFuture<Integer> f) {
    if (closing) {
      f.completeExceptionally(new BrokerException(ErrorCode.SHUTTING_DOWN, "endpoint is closing"));
      return;
    }
    ChannelFuture cf = transport.bind(address, port, () -> new Connection(this, false, null, null));
    cf.addListener(done -> execute(() -> {
      if (done.isSuccess()) {
        listeners.add(cf.channel());
        int bound = Transport.localPort(cf.channel());
        log.info("endpoint {} listening on {}:{}", self, address == null || address.isEmpty() ? "*" : address, bound);
        f.complete(bound);
      } else if (retry != null && !retry.isZero() && !closing) {
        log.warn("cannot listen on {}:{} ({}); retrying in {}", address, port, done.cause().getMessage(), retry);
        exec.schedule(() -> bind(address, port, retry, f), retry.toNanos(), TimeUnit.NANOSECONDS);
      } else {
        f.completeExceptionally(new BrokerException(ErrorCode.CANNOT_OPEN_RESOURCE,
            "cannot listen on " + address + ":" + port + ": " + done.cause().getMessage(), done.cause()));
      }
    }));
  }

  /**
   * Peers with {@code host:port}; completes once peered. With a positive retry, failed attempts
   * are retried every {@code retry} and lost peerings re-dialled; with retry 0 the first failure
   * fails the request with {@code PEER_UNAVAILABLE}.
   */
  public CompletableFuture<PeerInfo> peer(String host, int port, Duration retry) {
    return call(() -> {
      CompletableFuture<PeerInfo> f = new CompletableFuture<>();
      if (closing) {
        f.completeExceptionally(new BrokerException(ErrorCode.SHUTTING_DOWN, "endpoint is closing"));
        return f;
      }
      for (Outbound o : outbounds) {
        if (o.matches(host, port) && !o.removed) {
          PeerLink l = o.peer == null ? null : links.get(o.peer);
          if (l != null) {
            f.complete(info(l));
          } else {
            o.waiting.add(f);
          }
          return f;
        }
      }
      Outbound o = new Outbound(host, port, retry);
      o.waiting.add(f);
      outbounds.add(o);
      dial(o);
      return f;
    });
  }

  private void dial(Outbound o) {
    o.timer = null;
    if (o.removed || closing) {
      return;
    }
    Connection c = new Connection(this, true, o, o.network());
    o.connection = c;
    transport.connect(o.host, o.port, c).addListener(done -> {
      if (!done.isSuccess()) {
        execute(() -> {
          if (o.connection == c) {
            o.connection = null;
            attemptFailed(o, done.cause() == null ? "connect failed" : done.cause().getMessage());
          }
        });
      }
    });
  }

  private void attemptFailed(Outbound o, String reason) {
    o.failures++;
    if (o.removed || closing) {
      log.debug("peering with {}:{} abandoned: {}", o.host, o.port, reason);
      return; // cancelled by unpeer or close: not a failure to report
    }
    log.info("peering with {}:{} failed: {}", o.host, o.port, reason);
    emit(new StatusEvent.Error(ErrorCode.PEER_UNAVAILABLE, new EndpointInfo(null, o.network()),
        "unable to connect to remote peer"));
    if (o.retry != null && !o.retry.isZero()) {
      o.timer = exec.schedule(() -> dial(o), o.retry.toNanos(), TimeUnit.NANOSECONDS);
    } else {
      outbounds.remove(o);
      o.fail(new BrokerException(ErrorCode.PEER_UNAVAILABLE,
          "unable to connect to remote peer " + o.host + ":" + o.port + ": " + reason));
    }
  }

  /** Ends the peering with {@code host:port} with Broker's BYE exchange; {@code PEER_INVALID} if unknown. */
  public CompletableFuture<Void> unpeer(String host, int port) {
    return call(() -> {
      CompletableFuture<Void> f = new CompletableFuture<>();
      PeerLink target = null;
      boolean cancelled = false;
      for (Outbound o : new ArrayList<>(outbounds)) {
        if (o.matches(host, port)) {
          cancelled = true;
          o.removed = true;
          o.cancelTimer();
          outbounds.remove(o);
          o.fail(new BrokerException(ErrorCode.PEER_INVALID, "peering with " + host + ":" + port + " was removed"));
          if (o.peer != null) {
            target = links.get(o.peer);
          }
          if (target == null && o.connection != null) {
            o.connection.closeWith("unpeered");
          }
        }
      }
      if (target == null && cancelled) {
        // A request that is between attempts (or re-dialling a lost peering) has no link to
        // say BYE on: removing the request is the whole unpeer.
        f.complete(null);
        return f;
      }
      if (target == null) {
        for (PeerLink l : links.values()) {
          if (l.network().port() == port && l.network().address().equals(host)) {
            target = l;
          }
        }
      }
      if (target == null) {
        NetworkInfo n = new NetworkInfo(host, port, null);
        emit(new StatusEvent.Error(ErrorCode.PEER_INVALID, new EndpointInfo(null, n), "cannot unpeer from unknown peer"));
        f.completeExceptionally(new BrokerException(ErrorCode.PEER_INVALID, "cannot unpeer from unknown peer " + n));
        return f;
      }
      sayBye(target, f);
      return f;
    });
  }

  /** Ends the peering with {@code id}; {@code PEER_INVALID} if unknown. */
  public CompletableFuture<Void> unpeer(EndpointId id) {
    return call(() -> {
      PeerLink l = links.get(id);
      if (l == null) {
        emit(new StatusEvent.Error(ErrorCode.PEER_INVALID, new EndpointInfo(id, null), "cannot unpeer from unknown peer"));
        return CompletableFuture.failedFuture(new BrokerException(ErrorCode.PEER_INVALID, "cannot unpeer from unknown peer " + id));
      }
      for (Outbound o : new ArrayList<>(outbounds)) {
        if (id.equals(o.peer)) {
          o.removed = true;
          o.cancelTimer();
          outbounds.remove(o);
        }
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      sayBye(l, f);
      return f;
    });
  }

  /** Sends the BYE ping (token "BYE" + a 64-bit id in little-endian byte order) and closes on its pong or after the unpeer timeout. */
  private void sayBye(PeerLink l, CompletableFuture<Void> f) {
    Unpeering existing = unpeering.get(l);
    if (existing != null) {
      existing.done.whenComplete((v, e) -> f.complete(null));
      return;
    }
    byte[] token = ByteBuffer.allocate(11).order(ByteOrder.LITTLE_ENDIAN).put((byte) 'B').put((byte) 'Y').put((byte) 'E')
        .putLong(++byeCounter).array();
    ScheduledFuture<?> timer = exec.schedule(() -> removeLink(l, "timeout during graceful disconnect"),
        config.unpeerTimeout().toNanos(), TimeUnit.NANOSECONDS);
    unpeering.put(l, new Unpeering(token, f, timer));
    l.stopAccepting();
    l.sendAfterBuffered(Frames.envelope(self, l.id(), EnvelopeType.PING, config.ttl(), RESERVED, token));
  }

  /** A pong arrived on {@code l}. */
  void pong(PeerLink l, byte[] payload) {
    Unpeering u = unpeering.get(l);
    if (u != null && Arrays.equals(u.token, payload)) {
      removeLink(l, null);
    }
  }

  /** Completes when {@code id} is peered, or fails with {@code PEER_TIMEOUT} after {@code timeout}. */
  public CompletableFuture<PeerInfo> awaitPeer(EndpointId id, Duration timeout) {
    return call(() -> {
      PeerLink l = links.get(id);
      if (l != null) {
        return CompletableFuture.completedFuture(info(l));
      }
      if (closing) {
        return CompletableFuture.failedFuture(new BrokerException(ErrorCode.SHUTTING_DOWN, "endpoint " + self + " is closing"));
      }
      CompletableFuture<PeerInfo> f = new CompletableFuture<>();
      awaiting.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
      exec.schedule(() -> {
        List<CompletableFuture<PeerInfo>> list = awaiting.get(id);
        if (list != null && list.remove(f)) {
          f.completeExceptionally(new BrokerException(ErrorCode.PEER_TIMEOUT, "no peering with " + id + " within " + timeout));
        }
      }, timeout.toNanos(), TimeUnit.NANOSECONDS);
      return f;
    });
  }

  /** Every known peer with its status, and pending outgoing requests whose peer id is not known yet (nil id). */
  public CompletableFuture<List<PeerInfo>> peers() {
    return call(() -> {
      List<PeerInfo> out = new ArrayList<>();
      for (Map.Entry<EndpointId, PeerStatus> e : statuses.entrySet()) {
        EndpointId id = e.getKey();
        PeerLink l = links.get(id);
        NetworkInfo n = l != null ? l.network() : null;
        if (n == null && inFlight.get(id) != null) {
          n = inFlight.get(id).network();
        }
        if (n == null) {
          for (Outbound o : outbounds) {
            if (id.equals(o.peer)) {
              n = o.network();
            }
          }
        }
        PeerStatus st = e.getValue();
        if (st == PeerStatus.DISCONNECTED && redialling(id)) {
          st = PeerStatus.RECONNECTING; // a retrying request of ours is trying to get it back
        }
        out.add(new PeerInfo(id, n, st));
      }
      for (Outbound o : outbounds) {
        if (o.peer == null || !statuses.containsKey(o.peer)) {
          out.add(new PeerInfo(EndpointId.NIL, o.network(), o.failures > 0 ? PeerStatus.RECONNECTING : PeerStatus.CONNECTING));
        }
      }
      return CompletableFuture.completedFuture(out);
    });
  }

  private boolean redialling(EndpointId id) {
    for (Outbound o : outbounds) {
      if (id.equals(o.peer) && !o.removed && o.retry != null && !o.retry.isZero()) {
        return true;
      }
    }
    return false;
  }

  // ---- handshakes (core thread) ----------------------------------------------------------------

  /** The peer-status check of §3.7 for a connection that learnt the remote id. */
  void check(Connection c, EndpointId remote, boolean originator) {
    Handshake.PeerCheck d;
    PeerStatus st = statuses.get(remote);
    if (closing) {
      d = Handshake.PeerCheck.SHUTTING_DOWN;
    } else if (st == null || st == PeerStatus.INITIALIZING || st == PeerStatus.DISCONNECTED) {
      statuses.put(remote, st == PeerStatus.DISCONNECTED ? PeerStatus.RECONNECTING : PeerStatus.CONNECTING);
      inFlight.put(remote, c);
      d = Handshake.PeerCheck.CONTINUE;
    } else if (st == PeerStatus.CONNECTING || st == PeerStatus.RECONNECTING) {
      if (originator) {
        paused.computeIfAbsent(remote, k -> new ArrayList<>()).add(c);
        return; // resolved when the handshake in flight ends
      }
      d = Handshake.PeerCheck.LOGIC_ERROR;
    } else {
      d = originator ? Handshake.PeerCheck.REDUNDANT : Handshake.PeerCheck.LOGIC_ERROR;
    }
    if (d != Handshake.PeerCheck.CONTINUE && c.outbound != null && d != Handshake.PeerCheck.SHUTTING_DOWN) {
      c.outbound.peer = remote; // satisfied by the peering that exists or is in flight
    }
    c.resolve(d);
  }

  /** Creates the phase-3 link of a connection that reached FIN (event loop). */
  PeerLink newLink(EndpointId remote, NetworkInfo network, Channel channel, boolean outbound, Filter filter) {
    return new PeerLink(remote, network, channel, outbound, filter, config.peerBufferSize(),
        config.peerOverflowPolicy(), config.publishTimeout().toNanos(), l -> execute(() -> overflowed(l)));
  }

  /** A handshake reached FIN. */
  void peered(Connection c, PeerLink l, Filter sent) {
    EndpointId id = l.id();
    if (closing) {
      c.closeWith("shutting down");
      return;
    }
    inFlight.remove(id);
    statuses.put(id, PeerStatus.PEERED);
    PeerLink old = links.put(id, l);
    if (old != null && old != l) {
      log.warn("endpoint {}: replacing a second link to {}", self, id);
      removeLink(old, "replaced by a newer connection");
    }
    if (c.outbound != null) {
      c.outbound.peer = id;
      c.outbound.connection = null;
      c.outbound.failures = 0;
    }
    // The snapshot first: whoever learns of the peering from a future below may publish at once.
    publishRouting();
    PeerInfo info = info(l);
    for (Outbound o : outbounds) {
      if (id.equals(o.peer)) {
        o.succeed(info);
      }
    }
    log.info("endpoint {} peered with {} ({} {})", self, id, c.connector ? "dialled" : "accepted", l.network());
    emit(new StatusEvent.Status(StatusCode.ENDPOINT_DISCOVERED, new EndpointInfo(id, null), "found a new peer in the network"));
    emit(new StatusEvent.Status(StatusCode.PEER_ADDED, new EndpointInfo(id, l.network()), "handshake successful"));
    List<Connection> waiting = paused.remove(id);
    if (waiting != null) {
      waiting.forEach(p -> p.resolve(Handshake.PeerCheck.REDUNDANT));
    }
    List<CompletableFuture<PeerInfo>> aw = awaiting.remove(id);
    if (aw != null) {
      aw.forEach(f -> f.complete(info));
    }
    if (!sent.equals(ownFilter)) {
      l.sendControl(routingUpdate(l.id()));
    }
  }

  /** A connection ended before FIN. */
  void handshakeFailed(Connection c, EndpointId remote, ErrorCode code, String reason) {
    if (remote != null) {
      List<Connection> p = paused.get(remote);
      if (p != null) {
        p.remove(c);
      }
      if (inFlight.get(remote) == c) {
        inFlight.remove(remote);
        PeerStatus st = statuses.get(remote);
        if (p != null && !p.isEmpty()) {
          Connection next = p.remove(0);
          inFlight.put(remote, next);
          next.resolve(Handshake.PeerCheck.CONTINUE);
        } else if (st == PeerStatus.CONNECTING) {
          statuses.remove(remote);
        } else if (st == PeerStatus.RECONNECTING) {
          statuses.put(remote, PeerStatus.DISCONNECTED);
        }
      }
      if (p != null && p.isEmpty()) {
        paused.remove(remote);
      }
      if (!links.containsKey(remote) && !inFlight.containsKey(remote)) {
        // Requests told "redundant connection" wait for the handshake in flight with this
        // peer; it failed, so they are on their own again.
        for (Outbound w : new ArrayList<>(outbounds)) {
          if (w != c.outbound && remote.equals(w.peer) && w.connection == null && w.timer == null && !w.removed) {
            attemptFailed(w, "the handshake with " + remote + " it waited for failed: " + reason);
          }
        }
      }
    }
    Outbound o = c.outbound;
    if (o != null && o.connection == c) {
      o.connection = null;
      boolean redundant = code == ErrorCode.REDUNDANT_CONNECTION && remote != null
          && (links.containsKey(remote) || inFlight.containsKey(remote));
      if (redundant) {
        o.peer = remote;
        PeerLink l = links.get(remote);
        if (l != null) {
          o.succeed(info(l));
        }
      } else {
        attemptFailed(o, reason);
      }
    } else if (o == null) {
      log.info("endpoint {}: {} ended before peering: {}", self, c.describe(), reason);
    }
  }

  // ---- established peerings (core thread) ---------------------------------------------------------

  /** A phase-3 connection closed. */
  void linkClosed(PeerLink l, String closeReason) {
    l.markClosed();
    Unpeering u = unpeering.remove(l);
    if (u != null) {
      u.timer.cancel(false);
    }
    boolean removedByUs = removalReasons.containsKey(l);
    String reason = removalReasons.remove(l);
    if (links.get(l.id()) != l) {
      if (u != null) {
        u.done.complete(null);
      }
      return;
    }
    links.remove(l.id());
    statuses.put(l.id(), PeerStatus.DISCONNECTED);
    forgetOldDisconnected();
    publishRouting();
    EndpointInfo who = new EndpointInfo(l.id(), l.network());
    if (removedByUs || u != null) {
      String msg = "removed connection to remote peer" + (reason == null ? "" : " (" + reason + ")");
      log.info("endpoint {}: {} {}", self, msg, who);
      emit(new StatusEvent.Status(StatusCode.PEER_REMOVED, who, msg));
    } else {
      log.info("endpoint {}: lost connection to remote peer {}{}", self, who, closeReason == null ? "" : " (" + closeReason + ")");
      emit(new StatusEvent.Status(StatusCode.PEER_LOST, who, "lost connection to remote peer"));
    }
    emit(new StatusEvent.Status(StatusCode.ENDPOINT_UNREACHABLE, new EndpointInfo(l.id(), null), "lost the last path"));
    if (u != null) {
      u.done.complete(null);
    }
    if (!removedByUs && !closing) {
      for (Outbound o : outbounds) {
        if (l.id().equals(o.peer) && !o.removed && o.retry != null && !o.retry.isZero() && o.connection == null) {
          dial(o); // re-dial a lost peering we initiated at once
        }
      }
    }
    if (closing && links.isEmpty() && closed != null) {
      finishClose();
    }
  }

  /** Closes a peering from this side (unpeer, overflow, malformed input, shutdown). */
  void removeLink(PeerLink l, String reason) {
    if (l.isClosed() && !links.containsValue(l)) {
      return;
    }
    removalReasons.putIfAbsent(l, reason);
    l.markClosed();
    l.channel().close();
  }

  private void overflowed(PeerLink l) {
    for (Outbound o : new ArrayList<>(outbounds)) {
      if (l.id().equals(o.peer)) {
        o.removed = true; // Broker does not re-dial after an overflow disconnect
        outbounds.remove(o);
      }
    }
    removeLink(l, "output buffer of " + config.peerBufferSize() + " full (policy disconnect)");
  }

  /** Most DISCONNECTED entries kept in the status map (peers that come and go with fresh ids). */
  static final int MAX_DISCONNECTED = 1024;

  /**
   * Keeps the status map bounded: beyond {@link #MAX_DISCONNECTED} disconnected peers, the ones
   * nobody dials are forgotten (oldest first), so a stream of peers with fresh ids cannot grow it
   * without end.
   */
  private void forgetOldDisconnected() {
    long disconnected = statuses.values().stream().filter(s -> s == PeerStatus.DISCONNECTED).count();
    if (disconnected <= MAX_DISCONNECTED) {
      return;
    }
    java.util.Set<EndpointId> dialled = new java.util.HashSet<>();
    for (Outbound o : outbounds) {
      if (o.peer != null) {
        dialled.add(o.peer);
      }
    }
    for (java.util.Iterator<Map.Entry<EndpointId, PeerStatus>> it = statuses.entrySet().iterator();
        it.hasNext() && disconnected > MAX_DISCONNECTED;) {
      Map.Entry<EndpointId, PeerStatus> e = it.next();
      if (e.getValue() == PeerStatus.DISCONNECTED && !dialled.contains(e.getKey())) {
        it.remove();
        disconnected--;
      }
    }
  }

  /** A peer replaced its filter. */
  void updateFilter(PeerLink l, Filter f) {
    l.filter(f);
    publishRouting();
  }

  // ---- local interests ------------------------------------------------------------------------------

  public void addDataSink(DataSink s) {
    execute(() -> {
      dataSinks.add(s);
      refresh();
    });
  }

  public void removeDataSink(DataSink s) {
    execute(() -> {
      dataSinks.remove(s);
      refresh();
    });
  }

  public void addCommandSink(CommandSink s) {
    execute(() -> {
      commandSinks.add(s);
      refresh();
    });
  }

  public void removeCommandSink(CommandSink s) {
    execute(() -> {
      commandSinks.remove(s);
      refresh();
    });
  }

  /** Forwards {@code prefix} to peers even when forwarding is off, and advertises it. */
  public void addForward(String prefix) {
    execute(() -> {
      forwardPrefixes.add(prefix);
      refresh();
    });
  }

  /** Recomputes the advertised filter after a local interest changed (e.g. a subscriber's topics). */
  public void refresh() {
    execute(this::refreshNow);
  }

  private void refreshNow() {
    Filter f = Filter.EMPTY;
    for (DataSink s : dataSinks) {
      for (String t : s.filter().topics()) {
        f = f.add(t);
      }
    }
    for (CommandSink s : commandSinks) {
      for (String t : s.filter().topics()) {
        f = f.add(t);
      }
    }
    for (String t : forwardPrefixes) {
      f = f.add(t);
    }
    boolean changed = !f.equals(ownFilter);
    ownFilter = f;
    publishRouting();
    if (changed) {
      for (PeerLink l : links.values()) {
        l.sendControl(routingUpdate(l.id()));
      }
    }
  }

  private byte[] routingUpdate(EndpointId receiver) {
    ByteBuf b = Unpooled.buffer();
    ownFilter.writeTo(b);
    byte[] payload = ByteBufUtil.getBytes(b);
    b.release();
    return Frames.envelope(self, receiver, EnvelopeType.ROUTING_UPDATE, config.ttl(), RESERVED, payload);
  }

  private void publishRouting() {
    Filter forward = Filter.EMPTY;
    for (String t : forwardPrefixes) {
      forward = forward.add(t);
    }
    routing = new Routing(++version, links.values().toArray(new PeerLink[0]), dataSinks.toArray(new DataSink[0]),
        commandSinks.toArray(new CommandSink[0]), forward);
  }

  /** The current routing snapshot. */
  public Routing routing() {
    return routing;
  }

  /** The filters peers advertised, by peer id (a snapshot). */
  public Map<EndpointId, Filter> peerFilters() {
    Map<EndpointId, Filter> out = new HashMap<>();
    for (PeerLink l : routing.links) {
      out.put(l.id(), l.filter());
    }
    return out;
  }

  // ---- sending (any thread) -------------------------------------------------------------------------

  /**
   * Offers locally published frames to every peer whose filter matches {@code topic}.
   *
   * @return the number of peers that took them
   */
  public int publish(String topic, byte[] frames) {
    return publish(topic, frames, 1);
  }

  /**
   * Offers {@code envelopes} locally published frames, concatenated in {@code frames}, to every
   * peer whose filter matches {@code topic}; each peer takes all or none of them.
   *
   * @return the number of peers that took them
   */
  public int publish(String topic, byte[] frames, int envelopes) {
    int n = 0;
    for (PeerLink l : routing.links) {
      if (l.filter().matches(topic) && l.offerLocal(frames, envelopes)) {
        n++;
      }
    }
    return n;
  }

  /** Offers locally originated frames to the direct peer {@code receiver}; false if it is not a peer. */
  public boolean sendTo(EndpointId receiver, byte[] frames) {
    for (PeerLink l : routing.links) {
      if (l.id().equals(receiver)) {
        return l.offerLocal(frames);
      }
    }
    return false;
  }

  private static java.util.concurrent.atomic.LongAdder[] newAdders() {
    java.util.concurrent.atomic.LongAdder[] a = new java.util.concurrent.atomic.LongAdder[EnvelopeType.values().length];
    for (int i = 0; i < a.length; i++) {
      a[i] = new java.util.concurrent.atomic.LongAdder();
    }
    return a;
  }

  /** Counts {@code n} messages of {@code type} that originate at this endpoint (publish, store commands). */
  public void countLocal(EnvelopeType type, int n) {
    processed[type.ordinal()].add(n);
  }

  /**
   * Messages of {@code type} this endpoint processed: the envelopes its peers sent it (whether
   * delivered, forwarded or dropped) and the data and command messages it published itself;
   * Broker's {@code broker_processed_messages_total{type}}.
   */
  public long processedMessages(EnvelopeType type) {
    return processed[type.ordinal()].sum();
  }

  /** One more envelope dropped because its TTL ran out (event loop). */
  void countDroppedByTtl() {
    droppedByTtl.incrementAndGet();
  }

  /** Envelopes dropped because their TTL ran out. */
  public long droppedByTtl() {
    return droppedByTtl.get();
  }

  /** Connections closed because of malformed input. */
  public long malformedInputs() {
    return malformed.get();
  }

  /** Pongs not sent because the peer's connection was not writable (it pings without reading). */
  public long droppedPongs() {
    return droppedPongs.get();
  }

  // ---- phase-3 dispatch (event loop) -------------------------------------------------------------------

  /** Handles one phase-3 frame from {@code from} (§4.4). */
  void dispatch(PeerLink from, ByteBuf frame) {
    if (!frame.isReadable() || from.isClosed()) {
      return; // empty frames are ignored in phase 3
    }
    Envelope env;
    try {
      env = Envelope.decode(frame);
    } catch (BrokerException e) {
      malformedInput(from, "malformed envelope: " + e.getMessage());
      return;
    }
    from.countIn();
    processed[env.type().ordinal()].increment();
    if (Topics.isInternal(env.topic())) {
      // <$>/local/ topics never leave an endpoint, so no peer may speak on them: neither
      // deliver (a forged status) nor forward.
      log.debug("endpoint {}: dropped an envelope from {} on the internal topic {}", self, from.id(), env.topic());
      return;
    }
    EndpointId sender = env.sender();
    EndpointId receiver = env.receiver();
    boolean localLooking = sender.isNil() || sender.equals(self);
    boolean toUs = receiver.equals(self) || (receiver.isNil() && !localLooking);
    switch (env.type()) {
      case PING:
        if (toUs || (receiver.isNil() && localLooking)) {
          if (!localLooking) {
            if (from.channel().isWritable()) {
              // Behind what is buffered: a BYE's sender closes on this pong.
            from.sendAfterBuffered(Frames.envelope(self, sender, EnvelopeType.PONG, config.ttl(), RESERVED, env.payload()));
            } else {
              // The peer pings without reading our answers: queueing them would grow without bound.
              droppedPongs.incrementAndGet();
            }
          }
          return;
        }
        break;
      case PONG:
        if (receiver.equals(self)) {
          byte[] payload = env.payload();
          execute(() -> pong(from, payload));
          return;
        }
        break;
      case ROUTING_UPDATE:
        if (sender.equals(from.id())) {
          Filter f;
          try {
            f = Filter.read(Unpooled.wrappedBuffer(env.payload()));
          } catch (BrokerException e) {
            malformedInput(from, "malformed routing update: " + e.getMessage());
            return;
          }
          execute(() -> updateFilter(from, f));
        }
        return;
      case DATA:
        if (toUs) {
          deliverData(from, env);
        }
        break;
      case COMMAND:
        if (toUs) {
          for (CommandSink s : routing.commandSinks) {
            if (s.filter().matches(env.topic())) {
              s.command(sender, receiver, env.topic(), env.payload());
            }
          }
        }
        break;
      default:
        break;
    }
    if (!receiver.equals(self) && !from.isClosed()) {
      forward(from, env, localLooking);
    }
  }

  /**
   * Ends a batch of {@link #dispatch} calls on the calling I/O thread (the end of a socket read):
   * subscribers' readers waiting for what was delivered are woken now, once per batch.
   */
  void endOfDispatch() {
    for (DataSink s : routing.dataSinks) {
      s.endOfDeliveries();
    }
  }

  private void deliverData(PeerLink from, Envelope env) {
    Routing r = routing;
    Data data = null;
    for (DataSink s : r.dataSinks) {
      if (s.filter().matches(env.topic())) {
        if (data == null) {
          try {
            data = env.data();
          } catch (BrokerException e) {
            malformedInput(from, "malformed data on topic " + env.topic() + ": " + e.getMessage());
            return;
          }
        }
        s.deliver(env.topic(), data);
      }
    }
  }

  private void forward(PeerLink from, Envelope env, boolean localLooking) {
    Routing r = routing;
    if (!config.forwarding() && !localLooking && !r.forwardFilter.matches(env.topic())) {
      return;
    }
    int ttl = env.ttl() - 1;
    if (ttl <= 0) {
      droppedByTtl.incrementAndGet();
      return;
    }
    EndpointId receiver = env.receiver();
    byte[] frame = null;
    for (PeerLink q : r.links) {
      if (q == from || q.id().equals(env.sender())) {
        continue;
      }
      if (receiver.equals(q.id()) || (receiver.isNil() && q.filter().matches(env.topic()))) {
        if (frame == null) {
          frame = Frames.envelope(self, receiver, env.type(), ttl, Topics.utf8(env.topic()), env.payload(), 0, env.payload().length);
        }
        q.offerForwarded(frame);
      }
    }
  }

  /** Ends the peering with {@code from} because it sent something malformed (any thread). */
  void malformedInput(PeerLink from, String reason) {
    malformed.incrementAndGet();
    log.warn("endpoint {}: closing the peering with {}: {}", self, from.id(), reason);
    execute(() -> removeLink(from, reason));
    from.markClosed();
  }

  // ---- events and shutdown ---------------------------------------------------------------------------

  private void emit(StatusEvent e) {
    try {
      listener.event(e);
    } catch (RuntimeException ex) {
      log.warn("status listener failed: {}", ex.toString());
    }
  }

  private PeerInfo info(PeerLink l) {
    return new PeerInfo(l.id(), l.network(), PeerStatus.PEERED);
  }

  /**
   * Says BYE to every peer, waits for their pongs at most the unpeer timeout, then closes every
   * connection and listener and stops the threads.
   */
  public CompletableFuture<Void> close() {
    CompletableFuture<Void> result = new CompletableFuture<>();
    try {
      exec.execute(() -> {
        if (closed != null) {
          closed.whenComplete((v, e) -> result.complete(null));
          return;
        }
        closing = true;
        closed = result;
        for (List<CompletableFuture<PeerInfo>> list : awaiting.values()) {
          list.forEach(f -> f.completeExceptionally(new BrokerException(ErrorCode.SHUTTING_DOWN, "endpoint " + self + " is closing")));
        }
        awaiting.clear();
        for (Outbound o : outbounds) {
          o.removed = true;
          o.cancelTimer();
          o.fail(new BrokerException(ErrorCode.SHUTTING_DOWN, "endpoint " + self + " is closing"));
          if (o.connection != null) {
            o.connection.closeWith("shutting down");
          }
        }
        for (Channel ch : listeners) {
          ch.close();
        }
        for (Connection c : inFlight.values()) {
          c.closeWith("shutting down");
        }
        for (List<Connection> p : paused.values()) {
          p.forEach(c -> c.closeWith("shutting down"));
        }
        if (links.isEmpty()) {
          finishClose();
          return;
        }
        for (PeerLink l : new ArrayList<>(links.values())) {
          sayBye(l, new CompletableFuture<>());
        }
        exec.schedule(this::finishClose, config.unpeerTimeout().toNanos(), TimeUnit.NANOSECONDS);
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      result.complete(null);
    }
    return result;
  }

  private void finishClose() {
    if (closed == null || closed.isDone()) {
      return;
    }
    for (PeerLink l : new ArrayList<>(links.values())) {
      l.channel().close();
    }
    CompletableFuture<Void> done = closed;
    Thread stopper = new Thread(() -> {
      transport.shutdown();
      exec.shutdown();
      done.complete(null);
    }, "jbroker-close-" + self.toString().substring(0, 8));
    stopper.setDaemon(true);
    stopper.start();
  }
}
