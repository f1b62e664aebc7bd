package io.jbroker.endpoint.internal;

import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.endpoint.wire.HandshakeCodec;
import io.jbroker.endpoint.wire.HandshakeMessage;
import io.jbroker.endpoint.wire.HandshakeMessage.DropConn;
import io.jbroker.endpoint.wire.HandshakeMessage.Hello;
import io.jbroker.endpoint.wire.HandshakeMessage.OriginatorAck;
import io.jbroker.endpoint.wire.HandshakeMessage.OriginatorSyn;
import io.jbroker.endpoint.wire.HandshakeMessage.Probe;
import io.jbroker.endpoint.wire.HandshakeMessage.ResponderSynAck;
import io.jbroker.endpoint.wire.HandshakeMessage.VersionSelect;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * The per-connection handshake state machine of spec/broker-endpoint.md §3.6 — the same code on
 * both sides of a connection, as in Broker's {@code connector.cc}.
 *
 * <p>Pure: no threads, sockets or clocks. It talks to the world only through {@link Callbacks}
 * and is driven by one thread (the caller's), which calls {@link #start()} once, then {@link
 * #onFrame(ByteBuf)} per received handshake frame, and {@link #resume(PeerCheck)} after a {@link
 * PeerCheck#PAUSE}. State changes happen before the resulting sends, so callbacks may re-enter
 * {@link #onFrame} of the peer (tests wire two instances back to back).
 *
 * <h2>Flow</h2>
 *
 * <pre>
 *  acceptor  : start → send probe                        → AWAIT_HELLO
 *  connector : start → send hello(self, 1, 1)            → AWAIT_HELLO_OR_VERSION_SELECT
 *  hello(h)  : self &lt; h.sender (we originate): peer-status check (§3.7) as originator;
 *              on CONTINUE send version_select(self, 1) + originator_syn(own filter) → AWAIT_RESP_SYN_ACK
 *              otherwise (we respond): send hello(self, 1, 1)                        → AWAIT_VERSION_SELECT
 *  version_select(v) : peer-status check as responder; on CONTINUE                  → AWAIT_ORIG_SYN
 *  originator_syn(f) : remember f, send responder_syn_ack(own filter)               → AWAIT_ORIG_ACK
 *  responder_syn_ack(f): remember f, send originator_ack                            → FIN
 *  originator_ack    :                                                              → FIN
 * </pre>
 *
 * <p>Probes are ignored before the version is selected. In each state only the messages listed
 * in §3.6.1 are accepted; anything else (a probe in the last three states, a second hello, …)
 * closes the connection <b>without</b> a {@code drop_conn}.
 *
 * <h2>Endings</h2>
 *
 * <ul>
 *   <li><b>FIN</b>: {@link Callbacks#completed} with the peer's id and filter; the connection
 *       belongs to phase 3 from then on (frames after the last handshake frame are phase-3
 *       frames; the caller routes them, this class no longer accepts any).
 *   <li><b>Frame-level rejection</b> ({@link HandshakeCodec}): {@code drop_conn(self, code,
 *       description)}, close, {@link Callbacks#failed} with that code.
 *   <li><b>Peer-status verdict</b> {@code REDUNDANT} / {@code LOGIC_ERROR} / {@code
 *       SHUTTING_DOWN} (§3.7): {@code drop_conn} 39 "redundant connection" / 40 "detected
 *       redundant connection at the responder" / 28 "shutting down", close, failed with that
 *       code. A {@code REDUNDANT} failure is the core's cue to report success if the peering
 *       exists.
 *   <li><b>Received drop_conn</b> (§3.6.3, accepted in the first three states): close, failed
 *       with the <em>received</em> code and description; the reported remote is the peer's id if
 *       known, else the drop_conn's sender. The core treats code 39 as success if it knows that
 *       peer as connecting, connected or peered.
 *   <li><b>Unexpected message</b>: close (no drop_conn), failed with {@link
 *       ErrorCode#UNEXPECTED_HANDSHAKE_MESSAGE}.
 *   <li><b>Empty frame</b> (§3.4, §9.3 #40): close (no drop_conn), failed with {@link
 *       ErrorCode#INVALID_MESSAGE}.
 *   <li><b>Own id</b>: a hello or version_select whose sender is our own id (a connection to
 *       ourselves; Broker deadlocks there, §3.6.2) or the nil id is answered with {@code
 *       drop_conn(29 invalid_peering_request, "cannot peer with own endpoint id")} resp. {@code
 *       "… the nil endpoint id"}, then close, failed with code 29. We chose 29 because the
 *       request, not the message, is at fault; Broker treats any such code as an error and
 *       closes, which is all that is needed.
 *   <li><b>A version_select from the wrong side</b> (its sender is not smaller than our id, or it
 *       differs from the sender of the hello on this connection): Broker does not check this; we
 *       treat it as an unexpected message (close without drop_conn), because two sides that
 *       both believe they respond would otherwise wait forever.
 * </ul>
 *
 * <p>Every drop_conn we send carries our own id and {@link HandshakeMessage#MAGIC}. {@link
 * Callbacks#close} always precedes {@link Callbacks#failed}; each is called at most once.
 *
 * <h2>Pausing</h2>
 *
 * {@link Callbacks#checkPeer} may answer {@link PeerCheck#PAUSE} (the core owns the status map
 * and may answer later, or an originator waits for another handshake with the same peer, §3.7).
 * The state is then {@link State#PAUSED} until {@link #resume(PeerCheck)}. Frames that arrive
 * meanwhile are validated at once (a rejection still ends the handshake; a received drop_conn
 * ends it too; probes are ignored); other messages are queued (at most {@value
 * #MAX_QUEUED_WHILE_PAUSED}, more closes the connection) and handled after a {@code CONTINUE}
 * in the state the handshake continues in — as if Broker had not read them yet.
 */
public final class Handshake {
  /** The peer-status verdict of §3.7, given by the router core. */
  public enum PeerCheck {
    /** Go on with the handshake. */
    CONTINUE,
    /** Wait for {@link Handshake#resume(PeerCheck)}. */
    PAUSE,
    /** Send {@code drop_conn(39, "redundant connection")} and close (originator side). */
    REDUNDANT,
    /** Send {@code drop_conn(40, "detected redundant connection at the responder")} and close. */
    LOGIC_ERROR,
    /** Send {@code drop_conn(28, "shutting down")} and close. */
    SHUTTING_DOWN
  }

  /** How the handshake talks to the world; all calls come from the thread driving it. */
  public interface Callbacks {
    /**
     * The peer-status check of §3.7, run once the remote id is known: by the originator on the
     * peer's hello, by the responder on the peer's version_select.
     */
    PeerCheck checkPeer(EndpointId remote, boolean originator);

    /** Our current filter, sent in originator_syn / responder_syn_ack. */
    Filter ownFilter();

    /** Frames {@code message} (u32 length + payload) and writes it. */
    void send(HandshakeMessage message);

    /** Closes the connection once the messages sent so far are written. */
    void close(String reason);

    /**
     * FIN: the handshake succeeded; the connection now carries phase-3 frames.
     *
     * @param remote the peer's id
     * @param remoteFilter the filter the peer sent, verbatim
     * @param originator whether we were the originator
     */
    void completed(EndpointId remote, Filter remoteFilter, boolean originator);

    /**
     * The handshake ended without FIN (called after {@link #close}).
     *
     * @param remoteOrNull the peer's id if known (for a received drop_conn: else its sender)
     * @param code why: the code we sent in a drop_conn, the code of a received drop_conn, or
     *     {@link ErrorCode#UNEXPECTED_HANDSHAKE_MESSAGE} / {@link ErrorCode#INVALID_MESSAGE} /
     *     the code given to {@link Handshake#abort}
     * @param reason a human-readable reason
     */
    void failed(EndpointId remoteOrNull, ErrorCode code, String reason);
  }

  /** The states of §3.6.1, plus {@code PAUSED} (waiting for the core) and the two endings. */
  public enum State {
    /** Acceptor after sending probe. */
    AWAIT_HELLO,
    /** Connector after sending hello. */
    AWAIT_HELLO_OR_VERSION_SELECT,
    /** Responder after answering a hello with its own. */
    AWAIT_VERSION_SELECT,
    /** Responder after the peer-status check. */
    AWAIT_ORIG_SYN,
    /** Originator after sending version_select + originator_syn. */
    AWAIT_RESP_SYN_ACK,
    /** Responder after sending responder_syn_ack. */
    AWAIT_ORIG_ACK,
    /** Waiting for {@link Handshake#resume(PeerCheck)} after a {@link PeerCheck#PAUSE}. */
    PAUSED,
    /** Handshake complete; the connection is in phase 3. */
    FIN,
    /** Handshake failed; the connection is closed. */
    CLOSED
  }

  /** Most messages held while {@link State#PAUSED} before the connection is closed. */
  public static final int MAX_QUEUED_WHILE_PAUSED = 8;

  static final String REDUNDANT_DESCRIPTION = "redundant connection";
  static final String LOGIC_ERROR_DESCRIPTION = "detected redundant connection at the responder";
  static final String SHUTTING_DOWN_DESCRIPTION = "shutting down";
  static final String VERSION_RANGE_DESCRIPTION = "version range not supported";
  static final String SELECTED_VERSION_DESCRIPTION = "selected version not supported";
  static final String OWN_ID_DESCRIPTION = "cannot peer with own endpoint id";
  static final String NIL_ID_DESCRIPTION = "cannot peer with the nil endpoint id";

  private final EndpointId self;
  private final boolean connector;
  private final Callbacks callbacks;
  private final ArrayDeque<HandshakeMessage> queued = new ArrayDeque<>();
  private State state;
  private EndpointId remote;
  private boolean originator;
  private Filter remoteFilter;
  private boolean started;

  /**
   * A handshake for one connection.
   *
   * @param self our endpoint id
   * @param connector whether we opened the connection (else we accepted it)
   * @param callbacks the world
   */
  public Handshake(EndpointId self, boolean connector, Callbacks callbacks) {
    this.self = Objects.requireNonNull(self, "self");
    this.connector = connector;
    this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
    this.state = connector ? State.AWAIT_HELLO_OR_VERSION_SELECT : State.AWAIT_HELLO;
  }

  /**
   * Sends the first message: {@code probe} as acceptor, {@code hello(self, 1, 1)} as connector
   * (§3.6.1). Call once, right after the connection (and TLS) is up.
   */
  public void start() {
    if (started) {
      throw new IllegalStateException("handshake already started");
    }
    started = true;
    callbacks.send(connector ? HandshakeMessage.hello(self) : HandshakeMessage.probe());
  }

  /**
   * Handles one handshake frame payload (the 4-byte length already stripped). Does not retain
   * or release {@code payload}; consumes its readable bytes. Never throws for any content;
   * frames after the handshake ended are ignored.
   */
  public void onFrame(ByteBuf payload) {
    if (isDone()) {
      return;
    }
    if (!payload.isReadable()) {
      // Broker's connector drops the connection on an empty handshake frame, without drop_conn.
      closeWithoutDrop(ErrorCode.INVALID_MESSAGE, "empty frame during the handshake");
      return;
    }
    HandshakeCodec.Result r = HandshakeCodec.decode(payload);
    if (r instanceof HandshakeCodec.Reject reject) {
      drop(reject.code(), reject.description());
      return;
    }
    HandshakeMessage m = ((HandshakeCodec.Ok) r).message();
    if (state == State.PAUSED) {
      if (m instanceof DropConn d) {
        receivedDropConn(d);
      } else if (!(m instanceof Probe)) {
        if (queued.size() >= MAX_QUEUED_WHILE_PAUSED) {
          closeWithoutDrop(ErrorCode.UNEXPECTED_HANDSHAKE_MESSAGE,
              "more than " + MAX_QUEUED_WHILE_PAUSED + " handshake messages while waiting for the peer-status check");
        } else {
          queued.add(m);
        }
      }
      return;
    }
    handle(m);
  }

  /**
   * Continues a {@link State#PAUSED} handshake with {@code redundant ? REDUNDANT : CONTINUE}.
   *
   * @see #resume(PeerCheck)
   */
  public void resume(boolean redundant) {
    resume(redundant ? PeerCheck.REDUNDANT : PeerCheck.CONTINUE);
  }

  /**
   * Continues a {@link State#PAUSED} handshake with the core's verdict: {@code CONTINUE} goes on
   * as if {@link Callbacks#checkPeer} had returned it (then handles messages queued while
   * paused); {@code REDUNDANT}, {@code LOGIC_ERROR} and {@code SHUTTING_DOWN} send their
   * drop_conn and close. A no-op if the handshake already ended meanwhile (e.g. the peer sent a
   * drop_conn).
   *
   * @throws IllegalArgumentException for {@code PAUSE}
   * @throws IllegalStateException if the handshake is running and not paused
   */
  public void resume(PeerCheck decision) {
    Objects.requireNonNull(decision, "decision");
    if (decision == PeerCheck.PAUSE) {
      throw new IllegalArgumentException("resume with PAUSE");
    }
    if (isDone()) {
      return;
    }
    if (state != State.PAUSED) {
      throw new IllegalStateException("resume in state " + state);
    }
    verdict(decision);
    while (!queued.isEmpty() && !isDone() && state != State.PAUSED) {
      handle(queued.poll());
    }
  }

  /**
   * Ends a running handshake from outside (e.g. a handshake timeout): close, then failed with
   * {@code code}; no drop_conn. A no-op if it already ended.
   */
  public void abort(ErrorCode code, String reason) {
    if (!isDone()) {
      closeWithoutDrop(code, reason);
    }
  }

  /**
   * The connection is gone (EOF, I/O error) before the handshake ended: failed with {@link
   * ErrorCode#PEER_DISCONNECT_DURING_HANDSHAKE} without calling close. A no-op if it already
   * ended.
   */
  public void connectionLost(String reason) {
    if (!isDone()) {
      state = State.CLOSED;
      queued.clear();
      callbacks.failed(remote, ErrorCode.PEER_DISCONNECT_DURING_HANDSHAKE, reason);
    }
  }

  /** The current state. */
  public State state() {
    return state;
  }

  /** The peer's id once a hello or version_select told it, else {@code null}. */
  public EndpointId remote() {
    return remote;
  }

  /** Whether we are the originator (the smaller id); meaningful once {@link #remote()} is set. */
  public boolean isOriginator() {
    return originator;
  }

  /** Whether we opened the connection. */
  public boolean isConnector() {
    return connector;
  }

  /** The filter the peer sent, once received, else {@code null}. */
  public Filter remoteFilter() {
    return remoteFilter;
  }

  /** Whether the handshake ended ({@link State#FIN} or {@link State#CLOSED}). */
  public boolean isDone() {
    return state == State.FIN || state == State.CLOSED;
  }

  @Override
  public String toString() {
    return "Handshake[" + (connector ? "connector" : "acceptor") + " " + self + " " + state
        + (remote == null ? "" : ", remote " + remote + (originator ? " (we originate)" : " (we respond)")) + "]";
  }

  // ---- the state table ------------------------------------------------------------------------

  private void handle(HandshakeMessage m) {
    switch (state) {
      case AWAIT_HELLO -> {
        if (m instanceof Probe) {
          return;
        } else if (m instanceof DropConn d) {
          receivedDropConn(d);
        } else if (m instanceof Hello h) {
          onHello(h);
        } else {
          unexpected(m);
        }
      }
      case AWAIT_HELLO_OR_VERSION_SELECT -> {
        if (m instanceof Probe) {
          return;
        } else if (m instanceof DropConn d) {
          receivedDropConn(d);
        } else if (m instanceof Hello h) {
          onHello(h);
        } else if (m instanceof VersionSelect v) {
          onVersionSelect(v);
        } else {
          unexpected(m);
        }
      }
      case AWAIT_VERSION_SELECT -> {
        if (m instanceof Probe) {
          return;
        } else if (m instanceof DropConn d) {
          receivedDropConn(d);
        } else if (m instanceof VersionSelect v) {
          onVersionSelect(v);
        } else {
          unexpected(m);
        }
      }
      case AWAIT_ORIG_SYN -> {
        if (m instanceof OriginatorSyn syn) {
          remoteFilter = syn.filter();
          state = State.AWAIT_ORIG_ACK;
          callbacks.send(new ResponderSynAck(callbacks.ownFilter()));
        } else {
          unexpected(m);
        }
      }
      case AWAIT_RESP_SYN_ACK -> {
        if (m instanceof ResponderSynAck ack) {
          remoteFilter = ack.filter();
          state = State.FIN;
          callbacks.send(new OriginatorAck());
          callbacks.completed(remote, remoteFilter, true);
        } else {
          unexpected(m);
        }
      }
      case AWAIT_ORIG_ACK -> {
        if (m instanceof OriginatorAck) {
          state = State.FIN;
          callbacks.completed(remote, remoteFilter, false);
        } else {
          unexpected(m);
        }
      }
      default -> throw new IllegalStateException("message in state " + state);
    }
  }

  private void onHello(Hello h) {
    if (h.minVersion() > HandshakeMessage.PROTOCOL_VERSION) {
      // Unreachable behind HandshakeCodec's "unsupported versions offered"; kept as in Broker.
      drop(ErrorCode.PEER_INCOMPATIBLE, VERSION_RANGE_DESCRIPTION);
      return;
    }
    if (rejectedId(h.sender())) {
      return;
    }
    remote = h.sender();
    if (self.compareTo(h.sender()) < 0) {
      originator = true;
      check();
    } else {
      originator = false;
      state = State.AWAIT_VERSION_SELECT;
      callbacks.send(HandshakeMessage.hello(self));
    }
  }

  private void onVersionSelect(VersionSelect v) {
    if (v.version() != HandshakeMessage.PROTOCOL_VERSION) {
      // Unreachable behind HandshakeCodec's "unsupported version selected"; kept as in Broker.
      drop(ErrorCode.PEER_INCOMPATIBLE, SELECTED_VERSION_DESCRIPTION);
      return;
    }
    if (rejectedId(v.sender())) {
      return;
    }
    if (self.compareTo(v.sender()) < 0 || (remote != null && !remote.equals(v.sender()))) {
      unexpected(v);
      return;
    }
    remote = v.sender();
    originator = false;
    check();
  }

  /** Refuses a connection to ourselves or from the nil id; true if it did. */
  private boolean rejectedId(EndpointId sender) {
    if (sender.equals(self)) {
      drop(ErrorCode.INVALID_PEERING_REQUEST, OWN_ID_DESCRIPTION);
      return true;
    }
    if (sender.isNil()) {
      drop(ErrorCode.INVALID_PEERING_REQUEST, NIL_ID_DESCRIPTION);
      return true;
    }
    return false;
  }

  /** Runs the peer-status check of §3.7 for the role in {@link #originator}. */
  private void check() {
    PeerCheck d = callbacks.checkPeer(remote, originator);
    if (isDone()) {
      return; // the callback aborted us
    }
    if (d == PeerCheck.PAUSE) {
      state = State.PAUSED;
    } else {
      verdict(Objects.requireNonNull(d, "checkPeer returned null"));
    }
  }

  private void verdict(PeerCheck d) {
    switch (d) {
      case CONTINUE -> {
        if (originator) {
          state = State.AWAIT_RESP_SYN_ACK;
          callbacks.send(HandshakeMessage.versionSelect(self));
          callbacks.send(new OriginatorSyn(callbacks.ownFilter()));
        } else {
          state = State.AWAIT_ORIG_SYN;
        }
      }
      case REDUNDANT -> drop(ErrorCode.REDUNDANT_CONNECTION, REDUNDANT_DESCRIPTION);
      case LOGIC_ERROR -> drop(ErrorCode.LOGIC_ERROR, LOGIC_ERROR_DESCRIPTION);
      case SHUTTING_DOWN -> drop(ErrorCode.SHUTTING_DOWN, SHUTTING_DOWN_DESCRIPTION);
      case PAUSE -> throw new IllegalArgumentException("PAUSE is not a verdict");
    }
  }

  // ---- endings ---------------------------------------------------------------------------------

  /** Sends drop_conn(self, code, description), closes, reports. */
  private void drop(ErrorCode code, String description) {
    state = State.CLOSED;
    queued.clear();
    callbacks.send(HandshakeMessage.dropConn(self, code, description));
    callbacks.close(description);
    callbacks.failed(remote, code, description);
  }

  private void receivedDropConn(DropConn d) {
    state = State.CLOSED;
    queued.clear();
    ErrorCode code = d.errorCode();
    String reason = "peer sent drop_conn with code " + d.code() + " (" + code.brokerName() + "): " + d.description();
    callbacks.close(reason);
    EndpointId who = remote != null ? remote : d.sender().isNil() ? null : d.sender();
    callbacks.failed(who, code, d.description());
  }

  private void unexpected(HandshakeMessage m) {
    closeWithoutDrop(ErrorCode.UNEXPECTED_HANDSHAKE_MESSAGE,
        "unexpected " + m.typeName() + " in handshake state " + state);
  }

  private void closeWithoutDrop(ErrorCode code, String reason) {
    state = State.CLOSED;
    queued.clear();
    callbacks.close(reason);
    callbacks.failed(remote, code, reason);
  }
}
