package io.jbroker.endpoint.fuzz;

import io.jbroker.data.AddressData;
import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.data.PortData;
import io.jbroker.data.SubnetData;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.endpoint.wire.HandshakeMessage;
import io.jbroker.endpoint.wire.HostileFrames;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The byte stream one fuzz connection sends, derived only from a {@link Random}: so a seed and a
 * connection index replay it exactly.
 *
 * <p>Kinds of connections ({@link Kind}): random bytes or hostile handshake frames before any
 * handshake; a valid hello followed by hostile handshake frames; a complete valid handshake
 * (scripted as connector with a random id, pipelined without waiting for the endpoint's
 * answers) followed by random and mutated envelopes; a handshake that claims the well-behaved
 * peer's id, the endpoint's own id or the nil id.
 *
 * <p>After the handshake, most frames are envelopes the endpoint is expected to survive without
 * closing the connection (data on topics nobody subscribed to, data it does deliver, pings,
 * pongs, commands, routing updates, empty frames, odd TTLs and senders, bit flips); with some
 * probability one frame is fatal by design (a truncated envelope, a wrong type byte, a topic
 * length past the end, an invalid routing update or data payload) and a connection may end with
 * a giant length prefix (up to {@code 0x7FFFFFFF}) or a frame cut short.
 */
final class FuzzFrames {
  /** The endpoint subscribes to this prefix, so data sent there is decoded. */
  static final String DECODED_TOPIC = "/fuzz/sub";

  private static final String[] TOPICS = {
      "/fuzz/sub", "/fuzz/sub/a", "/fuzz/other", "/fuzz/other/deeper/topic", "/x", "", "<$>", "<$>/local/data/statuses",
      "/fuzz/" + "y".repeat(300), "zeek/event/foo", "/fuzz/\u00e9\u00e8"};

  /** Filter topics: some match everything (so the endpoint forwards its traffic to the fuzzer). */
  private static final String[] FILTER_TOPICS = {"/fuzz", "/fuzz/sub", "/x", "/", "", "/ex", "zeek", "<$>"};

  enum Kind { RAW_BYTES, HOSTILE_HANDSHAKE, HELLO_THEN_GARBAGE, ENVELOPES, IMPERSONATION }

  /**
   * What a connection sends. {@code sentinel}, if not null, is the payload of a ping placed after
   * the fuzz frames (before a final giant or cut-short frame): its pong tells the sender that the
   * endpoint processed everything before it.
   */
  record Stream(Kind kind, byte[] bytes, int frames, byte[] sentinel) {}

  private final Random rnd;
  private final EndpointId target;
  private final EndpointId wellBehaved;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private int frames;
  private boolean forceFatal;
  private byte[] sentinel;

  private FuzzFrames(Random rnd, EndpointId target, EndpointId wellBehaved) {
    this.rnd = rnd;
    this.target = target;
    this.wellBehaved = wellBehaved;
  }

  /** The stream of one connection to the endpoint {@code target}, whose other peer is {@code wellBehaved}. */
  static Stream next(Random rnd, EndpointId target, EndpointId wellBehaved) {
    FuzzFrames f = new FuzzFrames(rnd, target, wellBehaved);
    int k = rnd.nextInt(100);
    Kind kind = k < 6 ? Kind.RAW_BYTES : k < 14 ? Kind.HOSTILE_HANDSHAKE : k < 20 ? Kind.HELLO_THEN_GARBAGE
        : k < 23 ? Kind.IMPERSONATION : Kind.ENVELOPES;
    switch (kind) {
      case RAW_BYTES -> f.rawBytes();
      case HOSTILE_HANDSHAKE -> f.hostileHandshake(false);
      case HELLO_THEN_GARBAGE -> f.hostileHandshake(true);
      case IMPERSONATION -> f.impersonation();
      case ENVELOPES -> f.envelopes(EndpointId.random(rnd), 50 + rnd.nextInt(350));
    }
    return new Stream(kind, f.out.toByteArray(), f.frames, f.sentinel);
  }

  /** A valid handshake followed by envelopes, one of them fatal by design. */
  static Stream envelopesWithFatal(Random rnd, EndpointId target, EndpointId wellBehaved) {
    FuzzFrames f = new FuzzFrames(rnd, target, wellBehaved);
    f.forceFatal = true;
    f.envelopes(EndpointId.random(rnd), 50 + rnd.nextInt(350));
    return new Stream(Kind.ENVELOPES, f.out.toByteArray(), f.frames, f.sentinel);
  }

  // ---- kinds -----------------------------------------------------------------------------------

  /** Unframed random bytes in chunks (each chunk counted as one frame). */
  private void rawBytes() {
    for (int n = 1 + rnd.nextInt(20); n > 0; n--) {
      byte[] b = new byte[1 + rnd.nextInt(100)];
      rnd.nextBytes(b);
      raw(b);
    }
  }

  /** Hostile handshake frames, optionally behind a valid hello. */
  private void hostileHandshake(boolean helloFirst) {
    EndpointId me = EndpointId.random(rnd);
    List<byte[]> valid = List.of(
        HandshakeMessage.hello(me).toBytes(), HandshakeMessage.probe().toBytes(),
        HandshakeMessage.versionSelect(me).toBytes(),
        HandshakeMessage.dropConn(me, io.jbroker.error.ErrorCode.REDUNDANT_CONNECTION, "redundant connection").toBytes(),
        new HandshakeMessage.OriginatorSyn(randomFilter()).toBytes(),
        new HandshakeMessage.ResponderSynAck(randomFilter()).toBytes(),
        new HandshakeMessage.OriginatorAck().toBytes());
    if (helloFirst) {
      handshakeFrame(HandshakeMessage.hello(me));
    }
    for (int n = 1 + rnd.nextInt(30); n > 0; n--) {
      frame(HostileFrames.next(rnd, valid));
    }
  }

  /** A handshake with the well-behaved peer's id, the endpoint's own id or the nil id, then envelopes. */
  private void impersonation() {
    EndpointId who = switch (rnd.nextInt(3)) {
      case 0 -> wellBehaved;
      case 1 -> target;
      default -> EndpointId.NIL;
    };
    envelopes(who, 1 + rnd.nextInt(20));
  }

  /**
   * The frames of a complete handshake as connector with id {@code me} and {@code filter}
   * against {@code target}, pipelined: the roles follow from the ids, so no answer is needed.
   */
  static byte[] handshake(EndpointId me, EndpointId target, Filter filter) {
    FuzzFrames f = new FuzzFrames(new Random(0), target, EndpointId.NIL);
    f.handshake(me, filter);
    return f.out.toByteArray();
  }

  private void handshake(EndpointId me, Filter filter) {
    handshakeFrame(HandshakeMessage.hello(me));
    if (target.compareTo(me) < 0) { // the endpoint originates
      handshakeFrame(new HandshakeMessage.ResponderSynAck(filter));
    } else {
      handshakeFrame(HandshakeMessage.versionSelect(me));
      handshakeFrame(new HandshakeMessage.OriginatorSyn(filter));
      handshakeFrame(new HandshakeMessage.OriginatorAck());
    }
  }

  /** A complete, pipelined handshake as connector with id {@code me}, then {@code n} envelopes. */
  private void envelopes(EndpointId me, int n) {
    handshake(me, randomFilter());
    int fatalAt = forceFatal || rnd.nextInt(2) == 0 ? rnd.nextInt(n) : -1;
    for (int i = 0; i < n; i++) {
      if (i == fatalAt) {
        fatalEnvelope(me);
      } else {
        survivableEnvelope(me);
      }
    }
    sentinel = new byte[16];
    rnd.nextBytes(sentinel);
    byte[] ping = envelope(me, target, 4, 16, utf8("<$>"), sentinel);
    writeLength(ping.length);
    out.writeBytes(ping);
    switch (rnd.nextInt(10)) {
      case 0 -> giantLengthPrefix();
      case 1 -> cutShortFrame(me);
      default -> { }
    }
  }

  // ---- envelopes ---------------------------------------------------------------------------------

  /** An envelope the endpoint should handle without closing the connection (bit flips aside). */
  private void survivableEnvelope(EndpointId me) {
    switch (rnd.nextInt(12)) {
      case 0 -> frame(envelope(me, anyReceiver(me), 1, ttl(), topic(), BinaryCodec.encode(randomData(3))));
      case 1 -> frame(envelope(me, anyReceiver(me), 1, ttl(), utf8(DECODED_TOPIC + "/" + rnd.nextInt(10)),
          BinaryCodec.encode(randomData(3))));
      case 2 -> frame(envelope(me, rnd.nextBoolean() ? target : EndpointId.NIL, 4, ttl(), utf8("<$>"), randomBytes(64)));
      case 3 -> frame(envelope(me, anyReceiver(me), 5, ttl(), utf8("<$>"), randomBytes(64)));
      case 4 -> frame(envelope(me, anyReceiver(me), 2, ttl(), topic(), randomBytes(128)));
      case 5 -> frame(envelope(me, anyReceiver(me), 3, ttl(), utf8("<$>"), randomFilter().toBytes()));
      case 6 -> frame(new byte[0]);
      case 7 -> frame(envelope(me, EndpointId.NIL, 1, rnd.nextInt(3), topic(), BinaryCodec.encode(randomData(1))));
      case 8 -> { // local-looking or impersonated sender
        EndpointId sender = switch (rnd.nextInt(3)) {
          case 0 -> EndpointId.NIL;
          case 1 -> target;
          default -> wellBehaved;
        };
        frame(envelope(sender, anyReceiver(me), 1 + rnd.nextInt(5), ttl(), topic(), BinaryCodec.encode(randomData(2))));
      }
      case 9 -> { // topic bytes that are not UTF-8
        byte[] t = randomBytes(40);
        frame(envelope(me, EndpointId.NIL, 1, ttl(), t, BinaryCodec.encode(randomData(2))));
      }
      case 10 -> frame(flipBits(envelope(me, anyReceiver(me), 1 + rnd.nextInt(5), ttl(), topic(),
          BinaryCodec.encode(randomData(2)))));
      default -> frame(envelope(me, EndpointId.NIL, 1, 16, utf8("/fuzz/other"), BinaryCodec.encode(Data.count(rnd.nextInt(1000)))));
    }
  }

  /** An envelope designed to make the endpoint close the connection. */
  private void fatalEnvelope(EndpointId me) {
    switch (rnd.nextInt(7)) {
      case 0 -> frame(randomBytes(36)); // shorter than the header (never empty: empty frames are ignored)
      case 1 -> { // wrong type byte
        byte[] e = envelope(me, EndpointId.NIL, 1, 16, topic(), BinaryCodec.encode(randomData(1)));
        e[32] = (byte) (rnd.nextBoolean() ? 0 : 6 + rnd.nextInt(250));
        frame(e);
      }
      case 2 -> { // topic length past the end
        byte[] e = envelope(me, EndpointId.NIL, 1, 16, topic(), randomBytes(8));
        int tooLong = e.length - 37 + 1 + rnd.nextInt(0xFFFF - (e.length - 37));
        e[35] = (byte) (tooLong >>> 8);
        e[36] = (byte) tooLong;
        frame(e);
      }
      case 3 -> frame(envelope(me, target, 3, 16, utf8("<$>"), invalidFilter()));
      case 4 -> frame(envelope(me, EndpointId.NIL, 1, 16, utf8(DECODED_TOPIC), invalidData()));
      case 5 -> frame(envelope(me, target, 1, 16, utf8(DECODED_TOPIC), invalidData()));
      default -> frame(HandshakeMessage.hello(me).toBytes()); // a handshake message after the handshake
    }
  }

  /** A length prefix far beyond any frame size limit (ends the stream's meaning). */
  private void giantLengthPrefix() {
    int len = switch (rnd.nextInt(3)) {
      case 0 -> 0x7FFFFFFF;
      case 1 -> 0x7FFFFFFB + rnd.nextInt(5);
      default -> (32 << 20) + rnd.nextInt(0x7FFFFFFF - (32 << 20));
    };
    raw(new byte[] {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len});
    byte[] tail = randomBytes(64);
    out.writeBytes(tail);
  }

  /** A frame whose length prefix promises more bytes than the connection delivers. */
  private void cutShortFrame(EndpointId me) {
    byte[] e = envelope(me, EndpointId.NIL, 1, 16, utf8(DECODED_TOPIC), BinaryCodec.encode(randomData(3)));
    int promised = e.length + 1 + rnd.nextInt(1 << 20);
    raw(new byte[] {(byte) (promised >>> 24), (byte) (promised >>> 16), (byte) (promised >>> 8), (byte) promised});
    out.writeBytes(e);
  }

  private byte[] invalidData() {
    byte[] valid = BinaryCodec.encode(randomData(3));
    return switch (rnd.nextInt(7)) {
      case 0 -> Arrays.copyOf(valid, valid.length + 1); // a trailing byte
      case 1 -> valid.length > 1 ? Arrays.copyOf(valid, 1 + rnd.nextInt(valid.length - 1)) : new byte[0];
      case 2 -> new byte[] {(byte) (15 + rnd.nextInt(241))}; // unknown tag
      case 3 -> { // nesting beyond the decoder's limit
        byte[] b = new byte[2 * (BinaryCodec.MAX_DEPTH + 1 + rnd.nextInt(200)) + 1];
        for (int i = 0; i + 1 < b.length; i += 2) {
          b[i] = 0x0e;
          b[i + 1] = 0x01;
        }
        yield b;
      }
      case 4 -> new byte[] {0x0e, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 0x00}; // 2^31 elements claimed
      case 5 -> new byte[] {0x05, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 0x41}; // a 2 GiB string claimed
      default -> new byte[] {0x0c, 0x02, 0x05, 0x00, 0x05, 0x00}; // a set with a duplicate
    };
  }

  private byte[] invalidFilter() {
    return switch (rnd.nextInt(3)) {
      case 0 -> new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}; // 2^32-1 topics claimed
      case 1 -> new byte[] {0x02, 0x05, 'a', 'b'}; // a topic cut short
      default -> {
        byte[] f = randomFilter().toBytes();
        yield Arrays.copyOf(f, f.length + 1 + rnd.nextInt(4)); // trailing bytes
      }
    };
  }

  // ---- building blocks ---------------------------------------------------------------------------

  /** A phase-3 envelope (frame payload) with raw fields: any type code, any topic bytes. */
  static byte[] envelope(EndpointId sender, EndpointId receiver, int type, int ttl, byte[] topic, byte[] payload) {
    byte[] e = new byte[37 + topic.length + payload.length];
    sender.writeTo(e, 0);
    receiver.writeTo(e, 16);
    e[32] = (byte) type;
    e[33] = (byte) (ttl >>> 8);
    e[34] = (byte) ttl;
    e[35] = (byte) (topic.length >>> 8);
    e[36] = (byte) topic.length;
    System.arraycopy(topic, 0, e, 37, topic.length);
    System.arraycopy(payload, 0, e, 37 + topic.length, payload.length);
    return e;
  }

  private void handshakeFrame(HandshakeMessage m) {
    byte[] p = m.toBytes();
    writeLength(p.length);
    out.writeBytes(p);
  }

  private void frame(byte[] payload) {
    writeLength(payload.length);
    out.writeBytes(payload);
    frames++;
  }

  private void raw(byte[] bytes) {
    out.writeBytes(bytes);
    frames++;
  }

  private void writeLength(int n) {
    out.write(n >>> 24);
    out.write(n >>> 16);
    out.write(n >>> 8);
    out.write(n);
  }

  private byte[] flipBits(byte[] b) {
    for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
      int i = rnd.nextInt(b.length);
      b[i] ^= (byte) (1 << rnd.nextInt(8));
    }
    return b;
  }

  private EndpointId anyReceiver(EndpointId me) {
    return switch (rnd.nextInt(5)) {
      case 0, 1 -> EndpointId.NIL;
      case 2 -> target;
      case 3 -> wellBehaved;
      default -> EndpointId.random(rnd);
    };
  }

  private int ttl() {
    return switch (rnd.nextInt(6)) {
      case 0 -> 0;
      case 1 -> 1;
      case 2 -> 0xFFFF;
      default -> 16;
    };
  }

  private byte[] topic() {
    return utf8(TOPICS[rnd.nextInt(TOPICS.length)]);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private byte[] randomBytes(int max) {
    byte[] b = new byte[rnd.nextInt(max + 1)];
    rnd.nextBytes(b);
    return b;
  }

  private Filter randomFilter() {
    List<String> topics = new ArrayList<>();
    for (int n = rnd.nextInt(4); n > 0; n--) {
      topics.add(rnd.nextInt(4) == 0 ? FILTER_TOPICS[rnd.nextInt(FILTER_TOPICS.length)] : "/fuzz/f" + rnd.nextInt(100));
    }
    return Filter.of(topics);
  }

  /** A random valid value of any of the 15 kinds, containers nested at most {@code depth} deep. */
  Data randomData(int depth) {
    int kinds = depth > 0 ? 15 : 12;
    switch (rnd.nextInt(kinds)) {
      case 0:
        return Data.none();
      case 1:
        return Data.of(rnd.nextBoolean());
      case 2:
        return Data.count(rnd.nextLong());
      case 3:
        return Data.integer(rnd.nextLong());
      case 4:
        return Data.real(rnd.nextBoolean() ? rnd.nextDouble() : Double.longBitsToDouble(rnd.nextLong()));
      case 5:
        return Data.string(new String(randomBytes(40), StandardCharsets.ISO_8859_1));
      case 6: {
        byte[] a = new byte[16];
        rnd.nextBytes(a);
        return AddressData.of(a);
      }
      case 7: {
        byte[] a = new byte[16];
        rnd.nextBytes(a);
        AddressData address = AddressData.of(a);
        return SubnetData.of(address, rnd.nextInt(address.isV4() ? 33 : 129));
      }
      case 8:
        return Data.port(rnd.nextInt(65536), PortData.Protocol.values()[rnd.nextInt(PortData.Protocol.values().length)]);
      case 9:
        return Data.timestampNanos(rnd.nextLong());
      case 10:
        return Data.timespanNanos(rnd.nextLong());
      case 11:
        return Data.enumValue("e" + rnd.nextInt(1000));
      case 12: {
        List<Data> xs = new ArrayList<>();
        for (int n = rnd.nextInt(4); n > 0; n--) {
          xs.add(randomData(depth - 1));
        }
        return Data.set(xs);
      }
      case 13: {
        Map<Data, Data> m = new LinkedHashMap<>();
        for (int n = rnd.nextInt(4); n > 0; n--) {
          m.put(randomData(depth - 1), randomData(depth - 1));
        }
        return Data.table(m);
      }
      default: {
        List<Data> xs = new ArrayList<>();
        for (int n = rnd.nextInt(5); n > 0; n--) {
          xs.add(randomData(depth - 1));
        }
        return Data.vector(xs);
      }
    }
  }
}
