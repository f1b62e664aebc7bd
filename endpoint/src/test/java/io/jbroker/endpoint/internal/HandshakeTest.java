package io.jbroker.endpoint.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jbroker.endpoint.internal.Handshake.PeerCheck;
import io.jbroker.endpoint.internal.Handshake.State;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.endpoint.wire.HandshakeCodec;
import io.jbroker.endpoint.wire.HandshakeMessage;
import io.jbroker.endpoint.wire.HandshakeMessage.DropConn;
import io.jbroker.endpoint.wire.HandshakeMessage.OriginatorAck;
import io.jbroker.endpoint.wire.HandshakeMessage.OriginatorSyn;
import io.jbroker.endpoint.wire.HandshakeMessage.ResponderSynAck;
import io.jbroker.endpoint.wire.HostileFrames;
import io.jbroker.error.ErrorCode;
import io.jbroker.testing.TestScale;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The handshake state machine of spec/broker-endpoint.md §3.6/§3.7, driven either against
 * another {@link Handshake} over an in-memory pipe or against scripted frames, checking the
 * exact bytes of every frame (§9.3 #33–#42), the redundant-connection verdicts, the own-id
 * rule, and that hostile frames never make it throw.
 */
class HandshakeTest {
  private static final HexFormat HEX = HexFormat.of();
  static final EndpointId B = EndpointId.parse("5746d8ee-3644-5bd2-9f54-d5a44c26c2a1");
  static final EndpointId JS = EndpointId.parse("00000000-0000-4000-8000-000000000000");
  static final EndpointId JL = EndpointId.parse("ffffffff-ffff-4fff-bfff-ffffffffffff");
  static final String B_HEX = "5746d8ee36445bd29f54d5a44c26c2a1";
  static final String JL_HEX = "ffffffffffff4fffbfffffffffffffff";
  static final String JS_HEX = "00000000000040008000000000000000";

  static final String PROBE = "00000005075a45454b";
  static final String HELLO_JL = "00000017065a45454b" + JL_HEX + "0101";
  static final String HELLO_JS = "00000017065a45454b" + JS_HEX + "0101";
  static final String HELLO_B = "00000017065a45454b" + B_HEX + "0101";
  static final String VERSION_SELECT_B = "00000016085a45454b" + B_HEX + "01";
  static final String VERSION_SELECT_JS = "00000016085a45454b" + JS_HEX + "01";
  static final String SYN_TEST = "000000080a01052f74657374";
  static final String SYN_ACK_TEST = "000000080b01052f74657374";
  static final String SYN_FOO_BAR = "0000000b0a01082f666f6f2f626172";
  static final String SYN_ACK_FOO_BAR = "0000000b0b01082f666f6f2f626172";
  static final String ACK = "000000010c";
  static final String DROP_REDUNDANT_B = "0000002b095a45454b" + B_HEX + "2714726564756e64616e7420636f6e6e656374696f6e";

  static final Filter TEST = Filter.EMPTY.add("/test");
  static final Filter FOO_BAR = Filter.EMPTY.add("/foo/bar");

  static final int FUZZ_CASES = TestScale.scaled(20_000);

  // ---- both orders, two instances back to back ------------------------------------------------------

  /** §9.3 #33: Java (JL) dials Broker (B); the acceptor has the smaller id and originates. */
  @Test
  void acceptorWithTheSmallerIdOriginates() {
    Side b = new Side(B, false, TEST);
    Side jl = new Side(JL, true, FOO_BAR);
    b.start();
    jl.start();
    pump(b, jl, null);

    assertThat(b.sent).containsExactly(PROBE, VERSION_SELECT_B, SYN_TEST, ACK);
    assertThat(jl.sent).containsExactly(HELLO_JL, SYN_ACK_FOO_BAR);
    b.assertCompleted(JL, FOO_BAR, true);
    jl.assertCompleted(B, TEST, false);
    assertThat(b.checks).containsExactly(JL + " originator");
    assertThat(jl.checks).containsExactly(B + " responder");
  }

  /** §9.3 #34: Java (JS) dials Broker (B); the connector has the smaller id and originates. */
  @Test
  void connectorWithTheSmallerIdOriginates() {
    Side b = new Side(B, false, TEST);
    Side js = new Side(JS, true, FOO_BAR);
    b.start();
    js.start();
    pump(b, js, null);

    assertThat(b.sent).containsExactly(PROBE, HELLO_B, SYN_ACK_TEST);
    assertThat(js.sent).containsExactly(HELLO_JS, VERSION_SELECT_JS, SYN_FOO_BAR, ACK);
    b.assertCompleted(JS, FOO_BAR, false);
    js.assertCompleted(B, TEST, true);
  }

  /** §9.3 #35: Broker (B) dials a Java listener with id JS: Java sends probe, then originates. */
  @Test
  void javaAcceptorWithTheSmallerIdOriginates() {
    Side js = new Side(JS, false, FOO_BAR);
    Side b = new Side(B, true, TEST);
    js.start();
    b.start();
    pump(b, js, null);

    assertThat(js.sent).containsExactly(PROBE, VERSION_SELECT_JS, SYN_FOO_BAR, ACK);
    assertThat(b.sent).containsExactly(HELLO_B, SYN_ACK_TEST);
    js.assertCompleted(B, TEST, true);
    b.assertCompleted(JS, FOO_BAR, false);
  }

  /** §9.3 #36: Broker (B) dials a Java listener with id JL: Java answers hello with hello. */
  @Test
  void javaAcceptorWithTheLargerIdResponds() {
    Side jl = new Side(JL, false, FOO_BAR);
    Side b = new Side(B, true, TEST);
    jl.start();
    b.start();
    pump(jl, b, null);

    assertThat(jl.sent).containsExactly(PROBE, HELLO_JL, SYN_ACK_FOO_BAR);
    assertThat(b.sent).containsExactly(HELLO_B, VERSION_SELECT_B, SYN_TEST, ACK);
    jl.assertCompleted(B, TEST, false);
    b.assertCompleted(JL, FOO_BAR, true);
  }

  /**
   * Whatever the ids, roles, filters and the interleaving of the two directions (the probe and
   * the connector's hello cross on the wire), both sides reach FIN, the smaller id originates,
   * and each side knows the other's filter.
   */
  @Test
  void bothSidesReachFinInEveryInterleaving() {
    long seed = 3336;
    Random rnd = new Random(seed);
    List<String> topics = List.of("/a", "/a/b", "/test", "", "zeek/logs", "\u00e9t\u00e9");
    for (int i = 0; i < 2_000; i++) {
      EndpointId x = EndpointId.random(rnd);
      EndpointId y = EndpointId.random(rnd);
      Filter fx = randomFilter(rnd, topics);
      Filter fy = randomFilter(rnd, topics);
      Side connector = new Side(x, true, fx);
      Side acceptor = new Side(y, false, fy);
      if (rnd.nextBoolean()) {
        connector.start();
        acceptor.start();
      } else {
        acceptor.start();
        connector.start();
      }
      pump(connector, acceptor, rnd);
      String why = "seed " + seed + " case " + i;
      boolean xOriginates = x.compareTo(y) < 0;
      connector.assertCompleted(y, fy, xOriginates, why);
      acceptor.assertCompleted(x, fx, !xOriginates, why);
      assertThat(acceptor.sent.get(0)).as(why).isEqualTo(PROBE);
      assertThat(connector.sent.get(0)).as(why).startsWith("00000017065a45454b");
    }
  }

  // ---- scripted frames: Broker's rejections -------------------------------------------------------

  /** §9.3 #37: hello offering versions 200–201. */
  @Test
  void helloWithUnsupportedVersionsIsAnsweredWithDropConn2() {
    Side b = new Side(B, false, TEST);
    b.start();
    b.feed("00000017065a45454bffffffffffff4fffbfffffffffffffffc8c9");
    assertThat(b.sent).containsExactly(PROBE, "00000033095a45454b" + B_HEX + "021c" + ascii("unsupported versions offered"));
    b.assertFailedAfterClose(null, ErrorCode.PEER_INCOMPATIBLE, "unsupported versions offered");
    assertThat(b.hs.state()).isEqualTo(State.CLOSED);
  }

  /** §9.3 #38: hello with magic 5a45454c. */
  @Test
  void helloWithWrongMagicIsAnsweredWithDropConn38() {
    Side b = new Side(B, false, TEST);
    b.start();
    b.feed("00000017065a45454cffffffffffff4fffbfffffffffffffff0101");
    assertThat(b.sent).containsExactly(PROBE,
        "00000029095a45454b" + B_HEX + "2612" + "77726f6e67206d61676963206e756d626572");
    b.assertFailedAfterClose(null, ErrorCode.WRONG_MAGIC_NUMBER, "wrong magic number");
  }

  /** §9.3 #39: a frame with tag 0. */
  @Test
  void tagZeroIsAnsweredWithDropConn20() {
    Side b = new Side(B, false, TEST);
    b.start();
    b.feed("0000000100");
    assertThat(b.sent).containsExactly(PROBE, "0000002f095a45454b" + B_HEX + "1418" + ascii("invalid message type tag"));
    b.assertFailedAfterClose(null, ErrorCode.INVALID_MESSAGE, "invalid message type tag");
  }

  /** §9.3 #40: an empty frame closes without drop_conn. */
  @Test
  void anEmptyFrameClosesWithoutDropConn() {
    Side b = new Side(B, false, TEST);
    b.start();
    b.feed("00000000");
    assertThat(b.sent).containsExactly(PROBE);
    b.assertFailedAfterClose(null, ErrorCode.INVALID_MESSAGE, "empty frame during the handshake");
  }

  /** §9.3 #42: the originator waits for responder_syn_ack; a probe now closes without drop_conn. */
  @Test
  void aProbeAfterVersionSelectionClosesWithoutDropConn() {
    Side b = new Side(B, false, TEST);
    b.start();
    b.feed(HELLO_JL);
    assertThat(b.hs.state()).isEqualTo(State.AWAIT_RESP_SYN_ACK);
    b.feed(PROBE);
    assertThat(b.sent).containsExactly(PROBE, VERSION_SELECT_B, SYN_TEST);
    b.assertFailedAfterClose(JL, ErrorCode.UNEXPECTED_HANDSHAKE_MESSAGE, "unexpected probe in handshake state AWAIT_RESP_SYN_ACK");
  }

  /** Every message not listed for a state (§3.6.1) closes without drop_conn. */
  @Test
  void unexpectedMessagesCloseWithoutDropConn() {
    String dropFromJl = frameHex(HandshakeMessage.dropConn(JL, ErrorCode.UNSPECIFIED, "bye"));
    // {our id, connector?, frames to reach the state, the state, the unexpected frame}
    Object[][] cases = {
      {B, false, List.of(), State.AWAIT_HELLO, VERSION_SELECT_JS},
      {B, false, List.of(), State.AWAIT_HELLO, ACK},
      {B, false, List.of(), State.AWAIT_HELLO, SYN_TEST},
      {JL, true, List.of(PROBE), State.AWAIT_HELLO_OR_VERSION_SELECT, SYN_ACK_TEST},
      {JL, false, List.of(HELLO_B), State.AWAIT_VERSION_SELECT, HELLO_B},
      {JL, false, List.of(HELLO_B), State.AWAIT_VERSION_SELECT, SYN_TEST},
      {JL, false, List.of(HELLO_B, VERSION_SELECT_B), State.AWAIT_ORIG_SYN, PROBE},
      {JL, false, List.of(HELLO_B, VERSION_SELECT_B), State.AWAIT_ORIG_SYN, HELLO_B},
      {JL, false, List.of(HELLO_B, VERSION_SELECT_B), State.AWAIT_ORIG_SYN, ACK},
      {JL, false, List.of(HELLO_B, VERSION_SELECT_B, SYN_TEST), State.AWAIT_ORIG_ACK, PROBE},
      {JL, false, List.of(HELLO_B, VERSION_SELECT_B, SYN_TEST), State.AWAIT_ORIG_ACK, SYN_TEST},
      {B, false, List.of(HELLO_JL), State.AWAIT_RESP_SYN_ACK, dropFromJl},
      {B, false, List.of(HELLO_JL), State.AWAIT_RESP_SYN_ACK, SYN_TEST},
    };
    for (Object[] c : cases) {
      Side s = new Side((EndpointId) c[0], (Boolean) c[1], TEST);
      s.start();
      @SuppressWarnings("unchecked")
      List<String> script = (List<String>) c[2];
      script.forEach(s::feed);
      assertThat(s.hs.state()).as(Arrays.toString(c)).isEqualTo(c[3]);
      int before = s.sent.size();
      s.feed((String) c[4]);
      assertThat(s.sent).as(Arrays.toString(c)).hasSize(before);
      assertThat(s.closeCalls).as(Arrays.toString(c)).isEqualTo(1);
      assertThat(s.failedCode).as(Arrays.toString(c)).isEqualTo(ErrorCode.UNEXPECTED_HANDSHAKE_MESSAGE);
      assertThat(s.failedReason).as(Arrays.toString(c)).contains("in handshake state " + c[3]);
      assertThat(s.completedCalls).isZero();
    }
  }

  @Test
  void probesAreIgnoredBeforeTheVersionIsSelected() {
    Side jl = new Side(JL, false, FOO_BAR);
    jl.start();
    jl.feed(PROBE);
    jl.feed(HELLO_B);
    jl.feed(PROBE);
    assertThat(jl.hs.state()).isEqualTo(State.AWAIT_VERSION_SELECT);
    Side c = new Side(JL, true, FOO_BAR);
    c.start();
    c.feed(PROBE);
    c.feed(PROBE);
    assertThat(c.hs.state()).isEqualTo(State.AWAIT_HELLO_OR_VERSION_SELECT);
    assertThat(c.closeCalls + jl.closeCalls).isZero();
  }

  @Test
  void aVersionSelectFromTheWrongSideIsUnexpected() {
    // JS is the smallest id: nobody may select a version for it.
    Side js = new Side(JS, true, FOO_BAR);
    js.start();
    js.feed(VERSION_SELECT_B);
    assertThat(js.sent).containsExactly(HELLO_JS);
    assertThat(js.failedCode).isEqualTo(ErrorCode.UNEXPECTED_HANDSHAKE_MESSAGE);
    assertThat(js.checks).isEmpty();

    // JL learnt B from the hello; a version_select from JS on the same connection is refused.
    Side jl = new Side(JL, false, FOO_BAR);
    jl.start();
    jl.feed(HELLO_B);
    jl.feed(VERSION_SELECT_JS);
    assertThat(jl.sent).containsExactly(PROBE, HELLO_JL);
    assertThat(jl.failedCode).isEqualTo(ErrorCode.UNEXPECTED_HANDSHAKE_MESSAGE);
    assertThat(jl.failedRemote).isEqualTo(B);
  }

  // ---- the peer-status verdicts (§3.7) ----------------------------------------------------------------

  /**
   * §9.3 #41 from Broker's side: the originator pauses the second connection until the first
   * handshake ends, then sends drop_conn 39 and closes it.
   */
  @Test
  void pausedOriginatorResumedAsRedundantSendsDropConn39() {
    Side b = new Side(B, false, TEST);
    b.verdicts.add(PeerCheck.PAUSE);
    b.start();
    b.feed(HELLO_JL);
    assertThat(b.hs.state()).isEqualTo(State.PAUSED);
    assertThat(b.sent).containsExactly(PROBE);
    assertThat(b.checks).containsExactly(JL + " originator");
    assertThat(b.closeCalls).isZero();

    b.hs.resume(true);
    assertThat(b.sent).containsExactly(PROBE, DROP_REDUNDANT_B);
    b.assertFailedAfterClose(JL, ErrorCode.REDUNDANT_CONNECTION, "redundant connection");
    b.hs.resume(true); // a no-op once closed
    assertThat(b.sent).hasSize(2);
  }

  /** §9.3 #41 from the dialling side: the received drop_conn 39 is reported with its code. */
  @Test
  void receivedDropConn39IsReportedAsRedundantConnection() {
    Side jl = new Side(JL, true, FOO_BAR);
    jl.start();
    jl.feed(PROBE);
    jl.feed(DROP_REDUNDANT_B);
    assertThat(jl.sent).containsExactly(HELLO_JL);
    jl.assertFailedAfterClose(B, ErrorCode.REDUNDANT_CONNECTION, "redundant connection");
    assertThat(jl.closeReason).contains("code 39").contains("redundant_connection");
  }

  /** The whole of #41 with two instances: pause, then redundant. */
  @Test
  void redundantSecondConnectionEndsOnBothSides() {
    Side b = new Side(B, false, TEST);
    Side jl = new Side(JL, true, FOO_BAR);
    b.verdicts.add(PeerCheck.PAUSE);
    b.start();
    jl.start();
    pump(b, jl, null);
    assertThat(b.hs.state()).isEqualTo(State.PAUSED);
    assertThat(jl.hs.state()).isEqualTo(State.AWAIT_HELLO_OR_VERSION_SELECT);
    b.hs.resume(Handshake.PeerCheck.REDUNDANT);
    pump(b, jl, null);
    jl.assertFailedAfterClose(B, ErrorCode.REDUNDANT_CONNECTION, "redundant connection");
    b.assertFailedAfterClose(JL, ErrorCode.REDUNDANT_CONNECTION, "redundant connection");
  }

  @Test
  void verdictsSendTheirDropConnAndClose() {
    // REDUNDANT right away (already peered, originator)
    Side b = new Side(B, false, TEST);
    b.verdicts.add(PeerCheck.REDUNDANT);
    b.start();
    b.feed(HELLO_JL);
    assertThat(b.sent).containsExactly(PROBE, DROP_REDUNDANT_B);
    b.assertFailedAfterClose(JL, ErrorCode.REDUNDANT_CONNECTION, "redundant connection");

    // LOGIC_ERROR (responder sees a second handshake with the same peer)
    Side jl = new Side(JL, false, FOO_BAR);
    jl.verdicts.add(PeerCheck.LOGIC_ERROR);
    jl.start();
    jl.feed(HELLO_B);
    jl.feed(VERSION_SELECT_B);
    assertThat(jl.checks).containsExactly(B + " responder");
    assertThat(jl.sent).containsExactly(PROBE, HELLO_JL, "00000045095a45454b" + JL_HEX + "282e"
        + "646574656374656420726564756e64616e7420636f6e6e656374696f6e2061742074686520726573706f6e646572");
    jl.assertFailedAfterClose(B, ErrorCode.LOGIC_ERROR, "detected redundant connection at the responder");

    // SHUTTING_DOWN
    Side s = new Side(B, false, TEST);
    s.verdicts.add(PeerCheck.SHUTTING_DOWN);
    s.start();
    s.feed(HELLO_JL);
    assertThat(s.sent).containsExactly(PROBE, "00000024095a45454b" + B_HEX + "1c0d" + "7368757474696e6720646f776e");
    s.assertFailedAfterClose(JL, ErrorCode.SHUTTING_DOWN, "shutting down");
  }

  @Test
  void pausedOriginatorResumedWithContinueFinishes() {
    Side b = new Side(B, false, TEST);
    b.verdicts.add(PeerCheck.PAUSE);
    b.start();
    b.feed(HELLO_JL);
    b.feed(PROBE); // ignored while paused
    b.hs.resume(false);
    assertThat(b.sent).containsExactly(PROBE, VERSION_SELECT_B, SYN_TEST);
    b.feed(SYN_ACK_FOO_BAR);
    assertThat(b.sent).containsExactly(PROBE, VERSION_SELECT_B, SYN_TEST, ACK);
    b.assertCompleted(JL, FOO_BAR, true);
  }

  /** A responder paused by the core receives originator_syn meanwhile; it is handled after resume. */
  @Test
  void messagesArrivingWhilePausedAreHandledAfterResume() {
    Side jl = new Side(JL, true, FOO_BAR);
    jl.verdicts.add(PeerCheck.PAUSE);
    jl.start();
    jl.feed(PROBE);
    jl.feed(VERSION_SELECT_B);
    jl.feed(SYN_TEST);
    assertThat(jl.hs.state()).isEqualTo(State.PAUSED);
    assertThat(jl.sent).containsExactly(HELLO_JL);
    jl.hs.resume(PeerCheck.CONTINUE);
    assertThat(jl.sent).containsExactly(HELLO_JL, SYN_ACK_FOO_BAR);
    assertThat(jl.hs.state()).isEqualTo(State.AWAIT_ORIG_ACK);
    jl.feed(ACK);
    jl.assertCompleted(B, TEST, false);
  }

  @Test
  void aDropConnWhilePausedEndsTheHandshakeAndResumeBecomesANoOp() {
    Side b = new Side(B, false, TEST);
    b.verdicts.add(PeerCheck.PAUSE);
    b.start();
    b.feed(HELLO_JL);
    b.feed(frameHex(HandshakeMessage.dropConn(JL, ErrorCode.PEER_TIMEOUT, "gave up")));
    b.assertFailedAfterClose(JL, ErrorCode.PEER_TIMEOUT, "gave up");
    b.hs.resume(PeerCheck.CONTINUE);
    assertThat(b.sent).containsExactly(PROBE);
  }

  @Test
  void aFrameLevelRejectionWhilePausedStillSendsDropConn() {
    Side b = new Side(B, false, TEST);
    b.verdicts.add(PeerCheck.PAUSE);
    b.start();
    b.feed(HELLO_JL);
    b.feed("0000000100");
    assertThat(b.sent).containsExactly(PROBE, "0000002f095a45454b" + B_HEX + "1418" + ascii("invalid message type tag"));
    b.assertFailedAfterClose(JL, ErrorCode.INVALID_MESSAGE, "invalid message type tag");
  }

  @Test
  void tooManyMessagesWhilePausedClose() {
    Side b = new Side(B, false, TEST);
    b.verdicts.add(PeerCheck.PAUSE);
    b.start();
    b.feed(HELLO_JL);
    for (int i = 0; i < Handshake.MAX_QUEUED_WHILE_PAUSED; i++) {
      b.feed(SYN_ACK_FOO_BAR);
    }
    assertThat(b.closeCalls).isZero();
    b.feed(SYN_ACK_FOO_BAR);
    assertThat(b.sent).containsExactly(PROBE);
    assertThat(b.failedCode).isEqualTo(ErrorCode.UNEXPECTED_HANDSHAKE_MESSAGE);
  }

  @Test
  void resumeIsOnlyForPausedHandshakes() {
    Side b = new Side(B, false, TEST);
    b.start();
    assertThatThrownBy(() -> b.hs.resume(true)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.hs.resume(PeerCheck.PAUSE)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(b.hs::start).isInstanceOf(IllegalStateException.class);
  }

  // ---- own id, received drop_conn, aborts ------------------------------------------------------------

  /**
   * A connection to ourselves (equal ids; Broker deadlocks): the acceptor refuses the hello with
   * drop_conn 29, the connector reports the received code. Nobody completes.
   */
  @Test
  void aConnectionToOurselvesIsRefusedWithDropConn29() {
    Side acceptor = new Side(B, false, TEST);
    Side connector = new Side(B, true, TEST);
    acceptor.start();
    connector.start();
    pump(acceptor, connector, null);
    assertThat(acceptor.sent).containsExactly(PROBE, "00000037095a45454b" + B_HEX + "1d20"
        + "63616e6e6f7420706565722077697468206f776e20656e64706f696e74206964");
    acceptor.assertFailedAfterClose(null, ErrorCode.INVALID_PEERING_REQUEST, "cannot peer with own endpoint id");
    connector.assertFailedAfterClose(B, ErrorCode.INVALID_PEERING_REQUEST, "cannot peer with own endpoint id");
    assertThat(connector.sent).containsExactly(HELLO_B);
    assertThat(acceptor.checks).isEmpty();
  }

  @Test
  void theNilIdIsRefusedWithDropConn29() {
    Side b = new Side(B, false, TEST);
    b.start();
    b.feed(frameHex(HandshakeMessage.hello(EndpointId.NIL)));
    assertThat(b.sent).containsExactly(PROBE, "0000003b095a45454b" + B_HEX + "1d24"
        + "63616e6e6f742070656572207769746820746865206e696c20656e64706f696e74206964");
    b.assertFailedAfterClose(null, ErrorCode.INVALID_PEERING_REQUEST, "cannot peer with the nil endpoint id");
  }

  @Test
  void aReceivedDropConnIsReportedWithItsCodeAndSender() {
    Side b = new Side(B, false, TEST);
    b.start();
    b.feed(frameHex(HandshakeMessage.dropConn(JL, ErrorCode.SHUTTING_DOWN, "shutting down")));
    assertThat(b.sent).containsExactly(PROBE);
    b.assertFailedAfterClose(JL, ErrorCode.SHUTTING_DOWN, "shutting down");

    Side c = new Side(B, false, TEST);
    c.start();
    c.feed(frameHex(HandshakeMessage.dropConn(EndpointId.NIL, ErrorCode.NONE, "")));
    c.assertFailedAfterClose(null, ErrorCode.NONE, "");
  }

  @Test
  void aDropConnWithAnUnknownCodeIsAnsweredWithUnspecified() {
    Side b = new Side(B, false, TEST);
    b.start();
    b.feed(frameHex(new DropConn(HandshakeMessage.MAGIC, JL, 41, "odd")));
    assertThat(b.sent).containsExactly(PROBE, "0000001a095a45454b" + B_HEX + "0103" + ascii("odd"));
    b.assertFailedAfterClose(null, ErrorCode.UNSPECIFIED, "odd");
  }

  @Test
  void abortAndConnectionLossEndARunningHandshakeOnce() {
    Side a = new Side(B, false, TEST);
    a.start();
    a.feed(HELLO_JL);
    a.hs.abort(ErrorCode.PEER_TIMEOUT, "handshake timeout");
    a.assertFailedAfterClose(JL, ErrorCode.PEER_TIMEOUT, "handshake timeout");
    a.hs.abort(ErrorCode.PEER_TIMEOUT, "again");
    a.hs.connectionLost("again");
    assertThat(a.failedCalls).isEqualTo(1);

    Side l = new Side(JL, true, FOO_BAR);
    l.start();
    l.hs.connectionLost("connection reset");
    assertThat(l.closeCalls).isZero();
    assertThat(l.failedCode).isEqualTo(ErrorCode.PEER_DISCONNECT_DURING_HANDSHAKE);
    assertThat(l.failedRemote).isNull();
    assertThat(l.hs.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void framesAfterTheHandshakeEndedAreIgnored() {
    Side b = new Side(B, false, TEST);
    Side jl = new Side(JL, true, FOO_BAR);
    b.start();
    jl.start();
    pump(b, jl, null);
    b.feed(HELLO_JL);
    b.feed("00000000");
    jl.feed("0000000100");
    b.assertCompleted(JL, FOO_BAR, true);
    jl.assertCompleted(B, TEST, false);
    assertThat(b.sent).hasSize(4);
    assertThat(jl.sent).hasSize(2);
    assertThat(b.hs.isDone()).isTrue();
    assertThat(b.hs.remoteFilter()).isEqualTo(FOO_BAR);
  }

  // ---- hostile input -------------------------------------------------------------------------------

  /**
   * Random and mutated frames, at random points of a handshake, in every role and with every
   * verdict: {@link Handshake#onFrame} never throws, each ending callback is called at most once,
   * nothing is sent after close, and every drop_conn we send is valid and carries our id.
   */
  @Test
  void hostileFramesNeverMakeTheStateMachineThrow() {
    long seed = 4042;
    Random rnd = new Random(seed);
    EndpointId[] ids = {B, JS, JL};
    List<byte[]> valid = new ArrayList<>();
    for (EndpointId id : ids) {
      valid.add(HandshakeMessage.hello(id).toBytes());
      valid.add(HandshakeMessage.versionSelect(id).toBytes());
      valid.add(HandshakeMessage.dropConn(id, ErrorCode.REDUNDANT_CONNECTION, "redundant connection").toBytes());
    }
    valid.add(HandshakeMessage.probe().toBytes());
    valid.add(new OriginatorSyn(TEST).toBytes());
    valid.add(new ResponderSynAck(FOO_BAR).toBytes());
    valid.add(new OriginatorAck().toBytes());
    PeerCheck[] verdicts = PeerCheck.values();
    int completed = 0;
    int failed = 0;
    for (int i = 0; i < FUZZ_CASES; i++) {
      String why = "seed " + seed + " case " + i;
      Side s = new Side(ids[rnd.nextInt(ids.length)], rnd.nextBoolean(), TEST);
      for (int k = 0; k < 3; k++) {
        s.verdicts.add(verdicts[rnd.nextInt(verdicts.length)]);
      }
      s.start();
      int frames = 1 + rnd.nextInt(8);
      for (int f = 0; f < frames; f++) {
        byte[] payload = rnd.nextInt(3) == 0 ? valid.get(rnd.nextInt(valid.size()))
            : HostileFrames.next(rnd, valid);
        try {
          s.hs.onFrame(Unpooled.wrappedBuffer(payload));
          if (s.hs.state() == State.PAUSED && rnd.nextBoolean()) {
            PeerCheck v = verdicts[rnd.nextInt(verdicts.length)];
            s.hs.resume(v == PeerCheck.PAUSE ? PeerCheck.CONTINUE : v);
          }
        } catch (RuntimeException e) {
          throw new AssertionError(why + ", frame " + f + ": " + HEX.formatHex(payload) + " in " + s.hs, e);
        }
      }
      assertThat(s.closeCalls).as(why).isLessThanOrEqualTo(1);
      assertThat(s.failedCalls + s.completedCalls).as(why).isLessThanOrEqualTo(1);
      assertThat(s.hs.isDone()).as(why).isEqualTo(s.failedCalls + s.completedCalls == 1);
      completed += s.completedCalls;
      failed += s.failedCalls;
    }
    assertThat(failed).isGreaterThan(FUZZ_CASES / 2);
    assertThat(completed).as("some random scripts complete a handshake").isPositive();
  }

  // ---- harness ------------------------------------------------------------------------------------

  /** One end of a connection: a {@link Handshake} and what it did to the world. */
  static final class Side implements Handshake.Callbacks {
    final EndpointId id;
    final Filter filter;
    final Handshake hs;
    final List<String> sent = new ArrayList<>();
    final ArrayDeque<byte[]> outbox = new ArrayDeque<>();
    final ArrayDeque<PeerCheck> verdicts = new ArrayDeque<>();
    final List<String> checks = new ArrayList<>();
    int closeCalls;
    int failedCalls;
    int completedCalls;
    String closeReason;
    EndpointId failedRemote;
    ErrorCode failedCode;
    String failedReason;
    EndpointId completedRemote;
    Filter completedFilter;
    boolean completedOriginator;

    Side(EndpointId id, boolean connector, Filter filter) {
      this.id = id;
      this.filter = filter;
      this.hs = new Handshake(id, connector, this);
    }

    void start() {
      hs.start();
    }

    /** Feeds one complete frame (hex, with its length prefix). */
    void feed(String frameHex) {
      deliver(this, HEX.parseHex(frameHex));
    }

    @Override
    public PeerCheck checkPeer(EndpointId remote, boolean originator) {
      checks.add(remote + (originator ? " originator" : " responder"));
      PeerCheck v = verdicts.poll();
      return v == null ? PeerCheck.CONTINUE : v;
    }

    @Override
    public Filter ownFilter() {
      return filter;
    }

    @Override
    public void send(HandshakeMessage message) {
      assertThat(closeCalls).as("send after close").isZero();
      assertThat(completedCalls).as("send after FIN").isZero();
      byte[] frame = message.toFrame();
      if (message instanceof DropConn d) {
        assertThat(d.sender()).isEqualTo(id);
        assertThat(d.magic()).isEqualTo(HandshakeMessage.MAGIC);
        HandshakeCodec.Result r = HandshakeCodec.decode(Unpooled.wrappedBuffer(frame, 4, frame.length - 4));
        assertThat(r).isEqualTo(new HandshakeCodec.Ok(d));
      }
      sent.add(HEX.formatHex(frame));
      outbox.add(frame);
    }

    @Override
    public void close(String reason) {
      closeCalls++;
      closeReason = reason;
    }

    @Override
    public void completed(EndpointId remote, Filter remoteFilter, boolean originator) {
      assertThat(closeCalls).isZero();
      completedCalls++;
      completedRemote = remote;
      completedFilter = remoteFilter;
      completedOriginator = originator;
    }

    @Override
    public void failed(EndpointId remoteOrNull, ErrorCode code, String reason) {
      failedCalls++;
      failedRemote = remoteOrNull;
      failedCode = code;
      failedReason = reason;
    }

    void assertCompleted(EndpointId remote, Filter remoteFilter, boolean originator) {
      assertCompleted(remote, remoteFilter, originator, "");
    }

    void assertCompleted(EndpointId remote, Filter remoteFilter, boolean originator, String why) {
      assertThat(hs.state()).as(why).isEqualTo(State.FIN);
      assertThat(completedCalls).as(why).isEqualTo(1);
      assertThat(completedRemote).as(why).isEqualTo(remote);
      assertThat(completedFilter).as(why).isEqualTo(remoteFilter);
      assertThat(completedOriginator).as(why).isEqualTo(originator);
      assertThat(hs.isOriginator()).as(why).isEqualTo(originator);
      assertThat(hs.remote()).as(why).isEqualTo(remote);
      assertThat(closeCalls + failedCalls).as(why).isZero();
    }

    void assertFailedAfterClose(EndpointId remote, ErrorCode code, String reason) {
      assertThat(hs.state()).isEqualTo(State.CLOSED);
      assertThat(closeCalls).isEqualTo(1);
      assertThat(failedCalls).isEqualTo(1);
      assertThat(completedCalls).isZero();
      assertThat(failedRemote).isEqualTo(remote);
      assertThat(failedCode).isEqualTo(code);
      assertThat(failedReason).isEqualTo(reason);
    }
  }

  /**
   * Delivers queued frames between {@code a} and {@code b} until both outboxes are empty: {@code
   * a}'s first when {@code rnd} is null, else a random direction each step. Frames sent before a
   * close are still delivered (close follows the writes); a side whose peer closed without it
   * noticing sees the connection drop.
   */
  static void pump(Side a, Side b, Random rnd) {
    while (!a.outbox.isEmpty() || !b.outbox.isEmpty()) {
      boolean fromA = b.outbox.isEmpty() || (!a.outbox.isEmpty() && (rnd == null || rnd.nextBoolean()));
      Side from = fromA ? a : b;
      deliver(fromA ? b : a, from.outbox.poll());
    }
    for (Side[] p : new Side[][] {{a, b}, {b, a}}) {
      if (p[0].closeCalls > 0 && !p[1].hs.isDone()) {
        p[1].hs.connectionLost("peer closed");
      }
    }
  }

  private static void deliver(Side to, byte[] frame) {
    int length = Unpooled.wrappedBuffer(frame).readInt();
    assertThat(length).as("frame length prefix").isEqualTo(frame.length - 4);
    to.hs.onFrame(Unpooled.wrappedBuffer(frame, 4, frame.length - 4));
  }

  private static Filter randomFilter(Random rnd, List<String> topics) {
    Filter f = Filter.EMPTY;
    for (int n = rnd.nextInt(4); n > 0; n--) {
      f = f.add(topics.get(rnd.nextInt(topics.size())));
    }
    return f;
  }

  private static String frameHex(HandshakeMessage m) {
    return HEX.formatHex(m.toFrame());
  }

  private static String ascii(String s) {
    return HEX.formatHex(s.getBytes(StandardCharsets.US_ASCII));
  }
}
