package io.jbroker.endpoint.wire;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A phase-3 node message (spec/broker-endpoint.md §4): what every frame after the handshake
 * carries.
 *
 * <p>Layout of the frame payload (§4.1), all integers big-endian:
 *
 * <pre>
 *  offset  size  field
 *       0    16  sender endpoint id (raw; in this protocol version the <i>last hop</i>, §4.4)
 *      16    16  receiver endpoint id (raw; all zero = broadcast)
 *      32     1  envelope type ({@link EnvelopeType}, 1–5)
 *      33     2  TTL, u16
 *      35     2  topic length T, u16
 *      37     T  topic bytes (UTF-8)
 *    37+T  rest  type-specific payload, running to the end of the frame (no own length)
 * </pre>
 *
 * <p>The {@code payload} array is held, not copied: callers must not modify it after handing it
 * over, nor modify the array this record returns. {@link #equals}, {@link #hashCode} and {@link
 * #toString} use the payload's contents.
 *
 * @param sender the sender id; never nil on envelopes we originate (§4.4 rule 1)
 * @param receiver the receiver id, {@link EndpointId#NIL} for broadcast
 * @param type the envelope type
 * @param ttl the TTL, 0–65535; Broker always sends {@value #DEFAULT_TTL}
 * @param topic the topic; at most {@value #MAX_TOPIC_LENGTH} UTF-8 bytes
 * @param payload the type-specific bytes: one encoded {@code Data} value for {@link
 *     EnvelopeType#DATA}, a filter for {@link EnvelopeType#ROUTING_UPDATE}, opaque otherwise
 */
public record Envelope(EndpointId sender, EndpointId receiver, EnvelopeType type, int ttl, String topic, byte[] payload) {
  /** The TTL Broker puts on every envelope it creates or forwards (§4.4). */
  public static final int DEFAULT_TTL = 16;

  /** Bytes before the topic: sender 16, receiver 16, type 1, TTL 2, topic length 2. */
  public static final int HEADER_SIZE = 37;

  /** Longest topic, in UTF-8 bytes (the topic length is a u16). */
  public static final int MAX_TOPIC_LENGTH = Topics.MAX_LENGTH;

  /** Largest TTL (a u16). */
  public static final int MAX_TTL = 0xFFFF;

  private static final byte[] EMPTY = new byte[0];

  /**
   * Validates the fields.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_TOPIC_KEY} if the topic exceeds
   *     {@value #MAX_TOPIC_LENGTH} UTF-8 bytes
   * @throws IllegalArgumentException if {@code ttl} is not a u16
   */
  public Envelope {
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(receiver, "receiver");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(payload, "payload");
    if (ttl < 0 || ttl > MAX_TTL) {
      throw new IllegalArgumentException("TTL " + ttl + " is not in [0, " + MAX_TTL + "]");
    }
    Topics.checkLength(topic);
  }

  // ---- construction ------------------------------------------------------------------------

  /** A data envelope carrying {@code value} (encoded now) with TTL {@value #DEFAULT_TTL}. */
  public static Envelope data(EndpointId sender, EndpointId receiver, String topic, Data value) {
    return new Envelope(sender, receiver, EnvelopeType.DATA, DEFAULT_TTL, topic, BinaryCodec.encode(value));
  }

  /** A command envelope with an already encoded command, TTL {@value #DEFAULT_TTL}. */
  public static Envelope command(EndpointId sender, EndpointId receiver, String topic, byte[] payload) {
    return new Envelope(sender, receiver, EnvelopeType.COMMAND, DEFAULT_TTL, topic, payload);
  }

  /** A routing update carrying the sender's complete {@code filter}, topic {@code <$>} (§4.6). */
  public static Envelope routingUpdate(EndpointId sender, EndpointId receiver, Filter filter) {
    return new Envelope(sender, receiver, EnvelopeType.ROUTING_UPDATE, DEFAULT_TTL, Topics.RESERVED, filter.toBytes());
  }

  /** A ping with opaque {@code payload}, topic {@code <$>} (§4.7). */
  public static Envelope ping(EndpointId sender, EndpointId receiver, byte[] payload) {
    return new Envelope(sender, receiver, EnvelopeType.PING, DEFAULT_TTL, Topics.RESERVED, payload);
  }

  /** A pong echoing {@code payload}, topic {@code <$>} (§4.4 rule 3). */
  public static Envelope pong(EndpointId sender, EndpointId receiver, byte[] payload) {
    return new Envelope(sender, receiver, EnvelopeType.PONG, DEFAULT_TTL, Topics.RESERVED, payload);
  }

  /** This envelope with another sender (the last-hop rewrite of §4.4). */
  public Envelope withSender(EndpointId s) {
    return new Envelope(s, receiver, type, ttl, topic, payload);
  }

  /** This envelope with another receiver. */
  public Envelope withReceiver(EndpointId r) {
    return new Envelope(sender, r, type, ttl, topic, payload);
  }

  /** This envelope with another TTL (0–65535). */
  public Envelope withTtl(int ttl) {
    return new Envelope(sender, receiver, type, ttl, topic, payload);
  }

  // ---- payload views -------------------------------------------------------------------------

  /**
   * The value of a data envelope, decoded strictly: the payload must be exactly one value (§4.3
   * rule 1).
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if it is not
   * @throws IllegalStateException if this is not a {@link EnvelopeType#DATA} envelope
   */
  public Data data() {
    if (type != EnvelopeType.DATA) {
      throw new IllegalStateException("data() of a " + type + " envelope");
    }
    return BinaryCodec.decode(payload);
  }

  /**
   * The filter of a routing update; the payload must be exactly one filter in wire form.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if it is not
   * @throws IllegalStateException if this is not a {@link EnvelopeType#ROUTING_UPDATE} envelope
   */
  public Filter filter() {
    if (type != EnvelopeType.ROUTING_UPDATE) {
      throw new IllegalStateException("filter() of a " + type + " envelope");
    }
    return Filter.readExactly(Unpooled.wrappedBuffer(payload));
  }

  /** Whether the sender is nil or {@code self}: §4.4 treats such input as locally originated. */
  public boolean isLocal(EndpointId self) {
    return sender.isNil() || sender.equals(self);
  }

  // ---- encoding ------------------------------------------------------------------------------

  /** Bytes of the envelope: header + topic + payload (without the 4-byte frame length). */
  public int encodedSize() {
    return HEADER_SIZE + Topics.utf8Length(topic) + payload.length;
  }

  /** Appends the envelope bytes (no frame length). */
  public void writeTo(ByteBuf out) {
    byte[] t = Topics.utf8(topic);
    sender.writeTo(out);
    receiver.writeTo(out);
    out.writeByte(type.code());
    out.writeShort(ttl);
    out.writeShort(t.length);
    out.writeBytes(t);
    out.writeBytes(payload);
  }

  /** Appends a whole frame: the u32 length {@link #encodedSize()}, then the envelope. */
  public void writeFrameTo(ByteBuf out) {
    out.writeInt(encodedSize());
    writeTo(out);
  }

  /** The envelope bytes (no frame length). */
  public byte[] toBytes() {
    ByteBuf buf = Unpooled.buffer(encodedSize());
    writeTo(buf);
    return buf.array();
  }

  /**
   * Decodes one frame payload: reads all readable bytes of {@code frame} and advances its reader
   * index to the end. Only the header is validated; the payload is taken as is ({@link #data()}
   * and {@link #filter()} validate it).
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if the frame is shorter than
   *     {@value #HEADER_SIZE} bytes, the type byte is not 1–5, or the topic length runs past the
   *     end of the frame
   */
  public static Envelope decode(ByteBuf frame) {
    int n = frame.readableBytes();
    if (n < HEADER_SIZE) {
      throw invalid("envelope of " + n + " byte(s) is shorter than the " + HEADER_SIZE + "-byte header");
    }
    int start = frame.readerIndex();
    int code = frame.getUnsignedByte(start + 32);
    EnvelopeType type = EnvelopeType.ofCode(code);
    if (type == null) {
      throw invalid("unknown envelope type " + code);
    }
    int topicLength = frame.getUnsignedShort(start + 35);
    if (topicLength > n - HEADER_SIZE) {
      throw invalid("topic length " + topicLength + " exceeds the " + (n - HEADER_SIZE) + " byte(s) after the header");
    }
    EndpointId sender = EndpointId.read(frame);
    EndpointId receiver = EndpointId.read(frame);
    frame.skipBytes(1);
    int ttl = frame.readUnsignedShort();
    frame.skipBytes(2);
    String topic = readTopic(frame, topicLength);
    byte[] payload = n == HEADER_SIZE + topicLength ? EMPTY : new byte[n - HEADER_SIZE - topicLength];
    frame.readBytes(payload);
    try {
      return new Envelope(sender, receiver, type, ttl, topic, payload);
    } catch (BrokerException e) {
      // Only possible when invalid UTF-8 grew past the limit when replaced by U+FFFD.
      throw invalid("topic of " + topicLength + " bytes: " + e.getMessage());
    }
  }

  private static String readTopic(ByteBuf frame, int length) {
    if (length == 0) {
      return "";
    }
    String s;
    if (frame.hasArray()) {
      s = new String(frame.array(), frame.arrayOffset() + frame.readerIndex(), length, StandardCharsets.UTF_8);
      frame.skipBytes(length);
    } else {
      byte[] b = new byte[length];
      frame.readBytes(b);
      s = new String(b, StandardCharsets.UTF_8);
    }
    return s;
  }

  private static BrokerException invalid(String message) {
    return BrokerException.lightweight(ErrorCode.INVALID_DATA, message);
  }

  // ---- value semantics -------------------------------------------------------------------------

  @Override
  public boolean equals(Object o) {
    return o instanceof Envelope e
        && ttl == e.ttl
        && type == e.type
        && sender.equals(e.sender)
        && receiver.equals(e.receiver)
        && topic.equals(e.topic)
        && Arrays.equals(payload, e.payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sender, receiver, type, ttl, topic) * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    int shown = Math.min(payload.length, 32);
    return "Envelope[" + type + " " + sender + " -> " + (receiver.isNil() ? "*" : receiver.toString())
        + ", ttl " + ttl + ", topic \"" + topic + "\", payload " + payload.length + " byte(s) "
        + HexFormat.of().formatHex(payload, 0, shown) + (shown < payload.length ? "…" : "") + "]";
  }
}
