package io.jbroker.endpoint.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Envelope} against the bytes of spec/broker-endpoint.md §4.1 and the phase-3 scenarios of
 * §9.4 (#45, #46, #48, #50, #51, #55, #56), plus hostile frames.
 */
class EnvelopeTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String B_HEX = "5746d8ee36445bd29f54d5a44c26c2a1";
  private static final String JL_HEX = "ffffffffffff4fffbfffffffffffffff";
  private static final String NIL_HEX = "00".repeat(16);
  private static final EndpointId B = EndpointId.parse("5746d8ee-3644-5bd2-9f54-d5a44c26c2a1");
  private static final EndpointId JL = EndpointId.parse("ffffffff-ffff-4fff-bfff-ffffffffffff");
  private static final EndpointId C = EndpointId.parse("c0551e8d-392b-509b-a47b-ae46f75befac");

  /** §4.1: Broker's {@code wire_format.test.cc} vector. */
  private static final String FOUR_ONE = "00000038" + B_HEX + "c0551e8d392b509ba47bae46f75befac"
      + "01" + "0010" + "0006" + "666f6f626172" + "050b68656c6c6f20776f726c64";

  @Test
  void dataEnvelopeEncodesToBrokersVerifiedFrame() {
    Envelope e = Envelope.data(B, C, "foobar", Data.string("hello world"));
    assertThat(e.ttl()).isEqualTo(16);
    assertThat(frameHex(e)).isEqualTo(FOUR_ONE);
    assertThat(e.encodedSize()).isEqualTo(0x38);
    assertThat(HEX.formatHex(e.toBytes())).isEqualTo(FOUR_ONE.substring(8));
  }

  @Test
  void brokersVerifiedFrameDecodes() {
    Envelope e = decodeFrame(FOUR_ONE);
    assertThat(e.sender()).isEqualTo(B);
    assertThat(e.receiver()).isEqualTo(C);
    assertThat(e.type()).isEqualTo(EnvelopeType.DATA);
    assertThat(e.ttl()).isEqualTo(16);
    assertThat(e.topic()).isEqualTo("foobar");
    assertThat(e.data()).isEqualTo(Data.string("hello world"));
    assertThat(e).isEqualTo(Envelope.data(B, C, "foobar", Data.string("hello world")));
  }

  /** §9.4 #45: our ping (TTL 1) and Broker's pong (TTL 16, sender and receiver swapped, same payload). */
  @Test
  void pingAndPongOfScenario45() {
    String ping = "0000002b" + JL_HEX + B_HEX + "04000100033c243e666f6f";
    Envelope p = Envelope.ping(JL, B, "foo".getBytes()).withTtl(1);
    assertThat(frameHex(p)).isEqualTo(ping);
    assertThat(decodeFrame(ping)).isEqualTo(p);

    String pong = "0000002b" + B_HEX + JL_HEX + "05001000033c243e666f6f";
    Envelope q = decodeFrame(pong);
    assertThat(q.type()).isEqualTo(EnvelopeType.PONG);
    assertThat(q.sender()).isEqualTo(B);
    assertThat(q.receiver()).isEqualTo(JL);
    assertThat(q.ttl()).isEqualTo(16);
    assertThat(q.topic()).isEqualTo(Topics.RESERVED);
    assertThat(q.payload()).isEqualTo(p.payload());
    assertThat(frameHex(Envelope.pong(B, JL, p.payload()))).isEqualTo(pong);
  }

  /** §9.4 #46: data on /test/a, count 42, broadcast. */
  @Test
  void dataFrameOfScenario46() {
    String frame = "00000035" + JL_HEX + NIL_HEX + "01001000072f746573742f61" + "02000000000000002a";
    Envelope e = Envelope.data(JL, EndpointId.NIL, "/test/a", Data.count(42));
    assertThat(frameHex(e)).isEqualTo(frame);
    Envelope d = decodeFrame(frame);
    assertThat(d).isEqualTo(e);
    assertThat(d.receiver().isNil()).isTrue();
    assertThat(d.data()).isEqualTo(Data.count(42));
  }

  /** §9.4 #48: what Java receives when Broker publishes "hi" on /foo/bar/x. */
  @Test
  void dataFrameOfScenario48() {
    String frame = "00000033" + B_HEX + NIL_HEX + "010010000a2f666f6f2f6261722f78" + "05026869";
    Envelope e = decodeFrame(frame);
    assertThat(e.sender()).isEqualTo(B);
    assertThat(e.receiver()).isEqualTo(EndpointId.NIL);
    assertThat(e.topic()).isEqualTo("/foo/bar/x");
    assertThat(e.data()).isEqualTo(Data.string("hi"));
    assertThat(frameHex(e)).isEqualTo(frame);
  }

  /** §9.4 #50 (ours) and #51 (Broker's): routing updates carrying [/foo, /test]. */
  @Test
  void routingUpdatesOfScenarios50And51() {
    Filter filter = Filter.minimal(List.of("/test", "/foo"));
    String ours = "00000034" + JL_HEX + B_HEX + "03001000033c243e02042f666f6f052f74657374";
    Envelope u = Envelope.routingUpdate(JL, B, filter);
    assertThat(frameHex(u)).isEqualTo(ours);

    String brokers = "00000034" + B_HEX + JL_HEX + "03001000033c243e" + "02042f666f6f052f74657374";
    Envelope v = decodeFrame(brokers);
    assertThat(v.type()).isEqualTo(EnvelopeType.ROUTING_UPDATE);
    assertThat(v.sender()).isEqualTo(B);
    assertThat(v.topic()).isEqualTo("<$>");
    assertThat(v.filter()).isEqualTo(filter);
    assertThat(v.filter().topics()).containsExactly("/foo", "/test");
  }

  /** §9.4 #55: type byte 9 is refused; the next (valid) frame decodes. */
  @Test
  void unknownTypeByteIsRefusedWithInvalidData() {
    String bad = "0000002b" + JL_HEX + B_HEX + "09001000052f7465737400";
    BrokerException e = catchThrowableOfType(BrokerException.class, () -> decodeFrame(bad));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
    assertThat(e.getMessage()).isEqualTo("unknown envelope type 9");
    for (int type : new int[] {0, 6, 12, 255}) {
      byte[] b = HEX.parseHex(bad.substring(8));
      b[32] = (byte) type;
      assertThatThrownBy(() -> Envelope.decode(Unpooled.wrappedBuffer(b)))
          .isInstanceOf(BrokerException.class).hasMessage("unknown envelope type " + type);
    }
    assertThat(decodeFrame("0000002b" + JL_HEX + B_HEX + "04000100033c243e666f6f").type()).isEqualTo(EnvelopeType.PING);
  }

  /** §9.4 #56 and §9.1 #18: the header decodes, the value with trailing bytes does not. */
  @Test
  void dataWithTrailingBytesFailsOnlyWhenTheValueIsDecoded() {
    Envelope e = decodeFrame(frameOf(JL_HEX + NIL_HEX + "01001000052f74657374" + "010000"));
    assertThat(e.topic()).isEqualTo("/test");
    BrokerException x = catchThrowableOfType(BrokerException.class, e::data);
    assertThat(x.code()).isEqualTo(ErrorCode.INVALID_DATA);
    assertThat(x.getMessage()).contains("trailing");

    Envelope f = decodeFrame(frameOf(JL_HEX + NIL_HEX + "01001000052f74657374" + "0e0000"));
    assertThat(catchThrowableOfType(BrokerException.class, f::data).code()).isEqualTo(ErrorCode.INVALID_DATA);
    assertThat(decodeFrame(frameOf(JL_HEX + NIL_HEX + "01001000052f74657374" + "0e00")).data()).isEqualTo(Data.vector(List.of()));
  }

  @Test
  void framesShorterThanTheHeaderOrWithAnOverlongTopicAreRefused() {
    for (int n = 0; n < 37; n++) {
      byte[] b = new byte[n];
      BrokerException e = catchThrowableOfType(BrokerException.class, () -> Envelope.decode(Unpooled.wrappedBuffer(b)));
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
      assertThat(e.getMessage()).isEqualTo("envelope of " + n + " byte(s) is shorter than the 37-byte header");
    }
    BrokerException e = catchThrowableOfType(BrokerException.class,
        () -> Envelope.decode(Unpooled.wrappedBuffer(HEX.parseHex(JL_HEX + NIL_HEX + "01001000062f74657374"))));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
    assertThat(e.getMessage()).isEqualTo("topic length 6 exceeds the 5 byte(s) after the header");

    Envelope empty = Envelope.decode(Unpooled.wrappedBuffer(HEX.parseHex(JL_HEX + NIL_HEX + "0400100000")));
    assertThat(empty.topic()).isEmpty();
    assertThat(empty.payload()).isEmpty();
  }

  @Test
  void decodeConsumesTheFrameAndWorksOnDirectBuffersAndSlices() {
    byte[] bytes = HEX.parseHex(FOUR_ONE.substring(8));
    ByteBuf direct = Unpooled.directBuffer();
    direct.writeBytes(bytes);
    assertThat(Envelope.decode(direct).data()).isEqualTo(Data.string("hello world"));
    assertThat(direct.isReadable()).isFalse();

    ByteBuf padded = Unpooled.buffer();
    padded.writeBytes(new byte[] {9, 9, 9});
    padded.writeBytes(bytes);
    padded.skipBytes(3);
    assertThat(Envelope.decode(padded.slice()).topic()).isEqualTo("foobar");
    assertThat(Envelope.decode(padded).topic()).isEqualTo("foobar");
    assertThat(padded.isReadable()).isFalse();
  }

  @Test
  void constructionValidatesTtlAndTopicLength() {
    assertThatThrownBy(() -> Envelope.ping(B, C, new byte[0]).withTtl(65_536)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Envelope.ping(B, C, new byte[0]).withTtl(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Envelope.ping(B, C, new byte[0]).withTtl(65_535).ttl()).isEqualTo(65_535);
    BrokerException e = catchThrowableOfType(BrokerException.class,
        () -> Envelope.data(B, C, "t".repeat(65_536), Data.count(1)));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TOPIC_KEY);
    Envelope max = Envelope.data(B, C, "t".repeat(65_535), Data.count(1));
    assertThat(roundTrip(max)).isEqualTo(max);
  }

  @Test
  void anInvalidUtf8TopicThatGrowsPastTheLimitIsInvalidData() {
    byte[] frame = new byte[37 + 65_535];
    frame[32] = 1;
    frame[35] = (byte) 0xFF;
    frame[36] = (byte) 0xFF;
    for (int i = 37; i < frame.length; i++) {
      frame[i] = (byte) 0xFF; // each becomes U+FFFD: 3 bytes
    }
    BrokerException e = catchThrowableOfType(BrokerException.class, () -> Envelope.decode(Unpooled.wrappedBuffer(frame)));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
  }

  @Test
  void copiesDifferOnlyInTheChangedField() {
    Envelope e = Envelope.data(B, EndpointId.NIL, "/t", Data.count(1));
    assertThat(e.withSender(JL)).isEqualTo(new Envelope(JL, EndpointId.NIL, EnvelopeType.DATA, 16, "/t", e.payload()));
    assertThat(e.withReceiver(C).receiver()).isEqualTo(C);
    assertThat(e.withTtl(15).ttl()).isEqualTo(15);
    assertThat(e.isLocal(B)).isTrue();
    assertThat(e.isLocal(JL)).isFalse();
    assertThat(e.withSender(EndpointId.NIL).isLocal(JL)).isTrue();
    assertThat(e.toString()).contains("DATA").contains("\"/t\"").contains("02" + "0000000000000001");
    assertThatThrownBy(e::filter).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(Envelope.ping(B, C, new byte[0])::data).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void randomEnvelopesRoundTrip() {
    long seed = 41;
    Random rnd = new Random(seed);
    EnvelopeType[] types = EnvelopeType.values();
    for (int i = 0; i < 10_000; i++) {
      byte[] payload = new byte[rnd.nextInt(40)];
      rnd.nextBytes(payload);
      Envelope e = new Envelope(EndpointId.random(rnd), rnd.nextBoolean() ? EndpointId.NIL : EndpointId.random(rnd),
          types[rnd.nextInt(types.length)], rnd.nextInt(65_536), wellFormedTopic(rnd), payload);
      Envelope back = roundTrip(e);
      assertThat(back).as("seed %d case %d", seed, i).isEqualTo(e);
      assertThat(back.hashCode()).isEqualTo(e.hashCode());
      assertThat(e.toBytes()).hasSize(e.encodedSize());
    }
  }

  @Test
  void hostileFramesOnlyEverFailWithInvalidData() {
    long seed = 55;
    Random rnd = new Random(seed);
    byte[] valid = HEX.parseHex(FOUR_ONE.substring(8));
    for (int i = 0; i < 20_000; i++) {
      byte[] b;
      if (rnd.nextBoolean()) {
        b = new byte[rnd.nextInt(80)];
        rnd.nextBytes(b);
      } else {
        b = java.util.Arrays.copyOf(valid, rnd.nextInt(valid.length + 8));
        for (int k = rnd.nextInt(4); k > 0 && b.length > 0; k--) {
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
      }
      try {
        Envelope e = Envelope.decode(Unpooled.wrappedBuffer(b));
        assertThat(e.encodedSize()).isGreaterThanOrEqualTo(37);
        if (e.type() == EnvelopeType.DATA) {
          try {
            e.data();
          } catch (BrokerException x) {
            assertThat(x.code()).isEqualTo(ErrorCode.INVALID_DATA);
          }
        }
      } catch (BrokerException x) {
        assertThat(x.code()).as("seed %d case %d", seed, i).isEqualTo(ErrorCode.INVALID_DATA);
      }
    }
  }

  @Test
  void typeCodesMatchTheTable() {
    assertThat(EnvelopeType.values()).extracting(EnvelopeType::code).containsExactly(1, 2, 3, 4, 5);
    for (EnvelopeType t : EnvelopeType.values()) {
      assertThat(EnvelopeType.ofCode(t.code())).isSameAs(t);
    }
    assertThat(EnvelopeType.ofCode(0)).isNull();
    assertThat(EnvelopeType.ofCode(6)).isNull();
    assertThat(EnvelopeType.ofCode(-1)).isNull();
  }

  /** A topic of code points of every UTF-8 width (well-formed, so it survives decoding). */
  private static String wellFormedTopic(Random rnd) {
    String[] units = {"a", "/", "?", "<$>", "\u00e9", "\u20ac", "\uff61", "\ud83d\ude00"};
    StringBuilder s = new StringBuilder();
    for (int n = rnd.nextInt(8); n > 0; n--) {
      s.append(units[rnd.nextInt(units.length)]);
    }
    return s.toString();
  }

  private static String frameHex(Envelope e) {
    ByteBuf out = Unpooled.buffer();
    e.writeFrameTo(out);
    byte[] b = new byte[out.readableBytes()];
    out.readBytes(b);
    return HEX.formatHex(b);
  }

  private static String frameOf(String payloadHex) {
    return String.format("%08x", payloadHex.length() / 2) + payloadHex;
  }

  /** Decodes a complete frame, checking its length prefix. */
  private static Envelope decodeFrame(String hex) {
    ByteBuf in = Unpooled.wrappedBuffer(HEX.parseHex(hex));
    int length = in.readInt();
    assertThat(length).isEqualTo(in.readableBytes());
    Envelope e = Envelope.decode(in);
    assertThat(in.isReadable()).isFalse();
    return e;
  }

  private static Envelope roundTrip(Envelope e) {
    ByteBuf out = Unpooled.buffer();
    e.writeTo(out);
    assertThat(out.readableBytes()).isEqualTo(e.encodedSize());
    return Envelope.decode(out);
  }
}
