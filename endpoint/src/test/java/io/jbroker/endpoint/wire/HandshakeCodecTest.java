package io.jbroker.endpoint.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jbroker.endpoint.wire.HandshakeCodec.Ok;
import io.jbroker.endpoint.wire.HandshakeCodec.Reject;
import io.jbroker.endpoint.wire.HandshakeMessage.DropConn;
import io.jbroker.endpoint.wire.HandshakeMessage.Hello;
import io.jbroker.endpoint.wire.HandshakeMessage.OriginatorAck;
import io.jbroker.endpoint.wire.HandshakeMessage.OriginatorSyn;
import io.jbroker.endpoint.wire.HandshakeMessage.Probe;
import io.jbroker.endpoint.wire.HandshakeMessage.ResponderSynAck;
import io.jbroker.endpoint.wire.HandshakeMessage.VersionSelect;
import io.jbroker.error.ErrorCode;
import io.jbroker.testing.TestScale;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link HandshakeMessage} encoding against the exact frames of spec/broker-endpoint.md §9.3
 * (#33, #34, #37–#39, #41) and {@link HandshakeCodec}'s frame-level validation of §3.5,
 * including a fuzz test: no input makes the decoder throw.
 */
class HandshakeCodecTest {
  private static final HexFormat HEX = HexFormat.of();
  static final String B_HEX = "5746d8ee36445bd29f54d5a44c26c2a1";
  static final EndpointId B = EndpointId.parse("5746d8ee-3644-5bd2-9f54-d5a44c26c2a1");
  static final EndpointId JS = EndpointId.parse("00000000-0000-4000-8000-000000000000");
  static final EndpointId JL = EndpointId.parse("ffffffff-ffff-4fff-bfff-ffffffffffff");

  static final int FUZZ_CASES = TestScale.scaled(50_000);

  @Test
  void messagesEncodeToTheFramesOfScenarios33And34() {
    assertThat(frame(HandshakeMessage.probe())).isEqualTo("00000005075a45454b");
    assertThat(frame(HandshakeMessage.hello(JL))).isEqualTo("00000017065a45454bffffffffffff4fffbfffffffffffffff0101");
    assertThat(frame(HandshakeMessage.hello(JS))).isEqualTo("00000017065a45454b000000000000400080000000000000000101");
    assertThat(frame(HandshakeMessage.hello(B))).isEqualTo("00000017065a45454b" + B_HEX + "0101");
    assertThat(frame(HandshakeMessage.versionSelect(B))).isEqualTo("00000016085a45454b" + B_HEX + "01");
    assertThat(frame(HandshakeMessage.versionSelect(JS))).isEqualTo("00000016085a45454b0000000000004000800000000000000001");
    Filter test = Filter.EMPTY.add("/test");
    Filter fooBar = Filter.EMPTY.add("/foo/bar");
    assertThat(frame(new OriginatorSyn(test))).isEqualTo("000000080a01052f74657374");
    assertThat(frame(new ResponderSynAck(test))).isEqualTo("000000080b01052f74657374");
    assertThat(frame(new OriginatorSyn(fooBar))).isEqualTo("0000000b0a01082f666f6f2f626172");
    assertThat(frame(new ResponderSynAck(fooBar))).isEqualTo("0000000b0b01082f666f6f2f626172");
    assertThat(frame(new OriginatorAck())).isEqualTo("000000010c");
    assertThat(frame(new OriginatorSyn(Filter.EMPTY))).isEqualTo("000000020a00");
  }

  @Test
  void dropConnEncodesToTheFramesOfScenarios37To41() {
    assertThat(frame(HandshakeMessage.dropConn(B, ErrorCode.PEER_INCOMPATIBLE, "unsupported versions offered")))
        .isEqualTo("00000033095a45454b" + B_HEX + "021c" + ascii("unsupported versions offered"));
    assertThat(frame(HandshakeMessage.dropConn(B, ErrorCode.WRONG_MAGIC_NUMBER, "wrong magic number")))
        .isEqualTo("00000029095a45454b" + B_HEX + "2612" + "77726f6e67206d61676963206e756d626572");
    assertThat(frame(HandshakeMessage.dropConn(B, ErrorCode.INVALID_MESSAGE, "invalid message type tag")))
        .isEqualTo("0000002f095a45454b" + B_HEX + "1418" + ascii("invalid message type tag"));
    assertThat(frame(HandshakeMessage.dropConn(B, ErrorCode.REDUNDANT_CONNECTION, "redundant connection")))
        .isEqualTo("0000002b095a45454b" + B_HEX + "2714726564756e64616e7420636f6e6e656374696f6e");
    // "payload length 1+42 bytes" (§3.7)
    assertThat(HandshakeMessage.dropConn(B, ErrorCode.REDUNDANT_CONNECTION, "redundant connection").encodedSize()).isEqualTo(43);
  }

  @Test
  void payloadSizesMatchTheTable() {
    assertThat(HandshakeMessage.hello(B).toBytes()).hasSize(23);
    assertThat(HandshakeMessage.probe().toBytes()).hasSize(5);
    assertThat(HandshakeMessage.versionSelect(B).toBytes()).hasSize(22);
    DropConn d = HandshakeMessage.dropConn(B, ErrorCode.UNSPECIFIED, "x".repeat(200));
    assertThat(d.toBytes()).hasSize(22 + 200 + 2).hasSize(d.encodedSize());
    assertThat(new OriginatorAck().toBytes()).hasSize(1);
  }

  @Test
  void everyMessageRoundTrips() {
    List<HandshakeMessage> all = List.of(HandshakeMessage.hello(B), HandshakeMessage.probe(),
        HandshakeMessage.versionSelect(JS), HandshakeMessage.dropConn(JL, ErrorCode.LOGIC_ERROR, "d\u00e9tail"),
        HandshakeMessage.dropConn(JL, ErrorCode.NONE, ""),
        new OriginatorSyn(Filter.of(List.of("/b", "/a", "/a"))), new ResponderSynAck(Filter.EMPTY), new OriginatorAck(),
        new Hello(HandshakeMessage.MAGIC, B, 0, 7));
    for (HandshakeMessage m : all) {
      assertThat(decode(m.toBytes())).isEqualTo(new Ok(m));
      assertThat(m.typeName()).isEqualTo(HandshakeCodec.typeName(m.tag()));
    }
  }

  @Test
  void trailingBytesAreIgnoredAndTheFrameIsConsumed() {
    byte[] b = Arrays.copyOf(HandshakeMessage.hello(B).toBytes(), 30);
    ByteBuf buf = Unpooled.wrappedBuffer(b);
    assertThat(HandshakeCodec.decode(buf)).isEqualTo(new Ok(HandshakeMessage.hello(B)));
    assertThat(buf.isReadable()).isFalse();
    assertThat(decode(HEX.parseHex("0c00112233"))).isEqualTo(new Ok(new OriginatorAck()));
    assertThat(decode(HEX.parseHex("0a0101610000"))).isEqualTo(new Ok(new OriginatorSyn(Filter.of(List.of("a")))));
  }

  /** §9.3 #37: hello offering versions 200–201. */
  @Test
  void helloWithoutVersion1IsIncompatible() {
    assertThat(decode(HEX.parseHex("065a45454bffffffffffff4fffbfffffffffffffffc8c9")))
        .isEqualTo(new Reject(ErrorCode.PEER_INCOMPATIBLE, "unsupported versions offered"));
    assertThat(decode(new Hello(HandshakeMessage.MAGIC, JL, 2, 2).toBytes()))
        .isEqualTo(new Reject(ErrorCode.PEER_INCOMPATIBLE, "unsupported versions offered"));
    assertThat(decode(new Hello(HandshakeMessage.MAGIC, JL, 0, 0).toBytes()))
        .isEqualTo(new Reject(ErrorCode.PEER_INCOMPATIBLE, "unsupported versions offered"));
    assertThat(decode(new Hello(HandshakeMessage.MAGIC, JL, 1, 0).toBytes()))
        .isEqualTo(new Reject(ErrorCode.PEER_INCOMPATIBLE, "unsupported versions offered"));
    assertThat(decode(new Hello(HandshakeMessage.MAGIC, JL, 0, 1).toBytes())).isInstanceOf(Ok.class);
  }

  /** §9.3 #38 and the other magic-carrying messages. */
  @Test
  void wrongMagicIsRefusedBeforeTheVersionCheck() {
    Reject wrong = new Reject(ErrorCode.WRONG_MAGIC_NUMBER, "wrong magic number");
    assertThat(decode(HEX.parseHex("065a45454cffffffffffff4fffbfffffffffffffff0101"))).isEqualTo(wrong);
    assertThat(decode(new Hello(0x5A45454C, JL, 9, 9).toBytes())).isEqualTo(wrong);
    assertThat(decode(HEX.parseHex("075a45454c"))).isEqualTo(wrong);
    assertThat(decode(new VersionSelect(0, B, 2).toBytes())).isEqualTo(wrong);
    assertThat(decode(new DropConn(1, B, 200, "x").toBytes())).isEqualTo(wrong);
  }

  /** §9.3 #39 and every other tag that is not a handshake message. */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 13, 14, 127, 128, 255})
  void tagsOutside6To12AreInvalid(int tag) {
    assertThat(decode(new byte[] {(byte) tag})).isEqualTo(new Reject(ErrorCode.INVALID_MESSAGE, "invalid message type tag"));
    assertThat(decode(new byte[] {(byte) tag, 0x5a, 0x45, 0x45, 0x4b}))
        .isEqualTo(new Reject(ErrorCode.INVALID_MESSAGE, "invalid message type tag"));
  }

  @Test
  void anEmptyFrameHasNoTag() {
    assertThat(decode(new byte[0])).isEqualTo(new Reject(ErrorCode.INVALID_MESSAGE, "invalid message type tag"));
  }

  @Test
  void truncatedBodiesFailToParseWithBrokersTypeNames() {
    String[][] cases = {
      {"06", "failed to parse hello_msg"},
      {"065a45454b" + B_HEX + "01", "failed to parse hello_msg"},
      {"075a4545", "failed to parse probe_msg"},
      {"085a45454b" + B_HEX, "failed to parse version_select_msg"},
      {"095a45454b" + B_HEX, "failed to parse drop_conn_msg"},
      {"095a45454b" + B_HEX + "2705616263", "failed to parse drop_conn_msg"},
      {"095a45454b" + B_HEX + "2780", "failed to parse drop_conn_msg"},
      {"0a", "failed to parse v1::originator_syn_msg"},
      {"0a02016101", "failed to parse v1::originator_syn_msg"},
      {"0b05", "failed to parse v1::responder_syn_ack_msg"},
      {"0bffffffff0f", "failed to parse v1::responder_syn_ack_msg"},
    };
    for (String[] c : cases) {
      assertThat(decode(HEX.parseHex(c[0]))).as(c[0]).isEqualTo(new Reject(ErrorCode.INVALID_MESSAGE, c[1]));
    }
  }

  @Test
  void versionSelectMustSelectVersion1() {
    assertThat(decode(new VersionSelect(HandshakeMessage.MAGIC, B, 2).toBytes()))
        .isEqualTo(new Reject(ErrorCode.PEER_INCOMPATIBLE, "unsupported version selected"));
    assertThat(decode(new VersionSelect(HandshakeMessage.MAGIC, B, 0).toBytes()))
        .isEqualTo(new Reject(ErrorCode.PEER_INCOMPATIBLE, "unsupported version selected"));
  }

  @Test
  void dropConnWithAnUnknownCodeIsAnsweredWithUnspecifiedAndTheReceivedDescription() {
    assertThat(decode(new DropConn(HandshakeMessage.MAGIC, B, 41, "why not").toBytes()))
        .isEqualTo(new Reject(ErrorCode.UNSPECIFIED, "why not"));
    assertThat(decode(new DropConn(HandshakeMessage.MAGIC, B, 255, "").toBytes()))
        .isEqualTo(new Reject(ErrorCode.UNSPECIFIED, ""));
    DropConn ok = new DropConn(HandshakeMessage.MAGIC, B, 40, "detected redundant connection at the responder");
    assertThat(decode(ok.toBytes())).isEqualTo(new Ok(ok));
    assertThat(ok.errorCode()).isEqualTo(ErrorCode.LOGIC_ERROR);
    assertThat(new DropConn(HandshakeMessage.MAGIC, B, 200, "").errorCode()).isEqualTo(ErrorCode.UNSPECIFIED);
  }

  @Test
  void rejectionsTurnIntoOurDropConn() {
    Reject r = new Reject(ErrorCode.WRONG_MAGIC_NUMBER, "wrong magic number");
    assertThat(frame(r.toDropConn(B))).isEqualTo("00000029095a45454b" + B_HEX + "2612" + ascii("wrong magic number"));
  }

  @Test
  void fieldsOutsideTheirWireWidthsAreRefusedOnConstruction() {
    assertThatThrownBy(() -> new Hello(HandshakeMessage.MAGIC, B, 256, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VersionSelect(HandshakeMessage.MAGIC, B, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DropConn(HandshakeMessage.MAGIC, B, 256, "")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OriginatorSyn(null)).isInstanceOf(NullPointerException.class);
  }

  /**
   * No byte string makes {@link HandshakeCodec#decode} throw; every rejection carries one of the
   * codes of §3.5, and every accepted fixed-layout message re-encodes to a prefix of its input.
   */
  @Test
  void hostileFramesNeverMakeTheDecoderThrow() {
    long seed = 3335;
    Random rnd = new Random(seed);
    Set<ErrorCode> allowed = EnumSet.of(ErrorCode.INVALID_MESSAGE, ErrorCode.WRONG_MAGIC_NUMBER,
        ErrorCode.PEER_INCOMPATIBLE, ErrorCode.UNSPECIFIED);
    List<byte[]> valid = List.of(HandshakeMessage.hello(B).toBytes(), HandshakeMessage.probe().toBytes(),
        HandshakeMessage.versionSelect(B).toBytes(), HandshakeMessage.dropConn(B, ErrorCode.REDUNDANT_CONNECTION, "redundant connection").toBytes(),
        new OriginatorSyn(Filter.minimal(List.of("/foo", "/test"))).toBytes(), new ResponderSynAck(Filter.EMPTY).toBytes(),
        new OriginatorAck().toBytes());
    int ok = 0;
    for (int i = 0; i < FUZZ_CASES; i++) {
      byte[] b = HostileFrames.next(rnd, valid);
      HandshakeCodec.Result r;
      try {
        r = HandshakeCodec.decode(Unpooled.wrappedBuffer(b));
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + seed + " case " + i + ": " + HEX.formatHex(b), e);
      }
      if (r instanceof Reject rej) {
        assertThat(rej.code()).as("seed %d case %d", seed, i).isIn(allowed);
      } else {
        ok++;
        HandshakeMessage m = ((Ok) r).message();
        // Fixed layouts re-encode byte for byte (strings and filters may hold non-minimal
        // varbytes or invalid UTF-8, which decoding normalises).
        if (m instanceof Hello || m instanceof Probe || m instanceof VersionSelect || m instanceof OriginatorAck) {
          byte[] again = m.toBytes();
          assertThat(Arrays.equals(again, 0, again.length, b, 0, again.length)).as("seed %d case %d", seed, i).isTrue();
        }
      }
    }
    assertThat(ok).as("the mutator also produces valid frames").isGreaterThan(FUZZ_CASES / 50);
  }

  static String frame(HandshakeMessage m) {
    return HEX.formatHex(m.toFrame());
  }

  private static HandshakeCodec.Result decode(byte[] payload) {
    return HandshakeCodec.decode(Unpooled.wrappedBuffer(payload));
  }

  private static String ascii(String s) {
    return HEX.formatHex(s.getBytes(StandardCharsets.US_ASCII));
  }
}
