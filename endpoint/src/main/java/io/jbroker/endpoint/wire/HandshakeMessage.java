package io.jbroker.endpoint.wire;

import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The messages of handshake phases 1 and 2 (spec/broker-endpoint.md §3.5). A frame payload is
 * one tag byte followed by the fields; multi-byte integers are big-endian, an id is its 16 raw
 * bytes, a filter is in {@link Filter} wire form and a string is varbyte length + bytes.
 *
 * <pre>
 *  tag  message             fields after the tag                                     payload
 *    6  hello               u32 magic, id sender, u8 min_version, u8 max_version       23
 *    7  probe               u32 magic                                                   5
 *    8  version_select      u32 magic, id sender, u8 selected_version                  22
 *    9  drop_conn           u32 magic, id sender, u8 error code, string description    22 + len + varbyte
 *   10  originator_syn      filter of the originator                                    1 + filter
 *   11  responder_syn_ack   filter of the responder                                     1 + filter
 *   12  originator_ack      —                                                           1
 * </pre>
 *
 * <p>The records hold exactly what is on the wire (a decoded message may carry a wrong magic or
 * version; {@link HandshakeCodec} reports those). Use the factories ({@link #hello}, {@link
 * #probe()}, …) to build the messages Broker sends: magic {@link #MAGIC}, version {@link
 * #PROTOCOL_VERSION}. {@link #writeTo(ByteBuf)} and {@link #toBytes()} produce the frame
 * payload only; the 4-byte frame length is the transport's.
 */
public sealed interface HandshakeMessage {
  /** {@code 0x5A45454B}, ASCII "ZEEK". */
  int MAGIC = 0x5A45454B;

  /** The only protocol version (the constant {@code broker::version::protocol = 2} is unrelated). */
  int PROTOCOL_VERSION = 1;

  /** Tag of {@link Hello}. */
  int TAG_HELLO = 6;
  /** Tag of {@link Probe}. */
  int TAG_PROBE = 7;
  /** Tag of {@link VersionSelect}. */
  int TAG_VERSION_SELECT = 8;
  /** Tag of {@link DropConn}. */
  int TAG_DROP_CONN = 9;
  /** Tag of {@link OriginatorSyn}. */
  int TAG_ORIGINATOR_SYN = 10;
  /** Tag of {@link ResponderSynAck}. */
  int TAG_RESPONDER_SYN_ACK = 11;
  /** Tag of {@link OriginatorAck}. */
  int TAG_ORIGINATOR_ACK = 12;

  /** {@code hello(sender, 1, 1)}: what Broker sends. */
  static Hello hello(EndpointId sender) {
    return new Hello(MAGIC, sender, PROTOCOL_VERSION, PROTOCOL_VERSION);
  }

  /** {@code probe}. */
  static Probe probe() {
    return new Probe(MAGIC);
  }

  /** {@code version_select(sender, 1)}. */
  static VersionSelect versionSelect(EndpointId sender) {
    return new VersionSelect(MAGIC, sender, PROTOCOL_VERSION);
  }

  /** {@code drop_conn(sender, code, description)}. */
  static DropConn dropConn(EndpointId sender, ErrorCode code, String description) {
    return new DropConn(MAGIC, sender, code.code(), description);
  }

  /**
   * Starts the handshake: sent by the connector (§3.6.1) and by a responder answering a hello.
   *
   * @param magic must be {@link #MAGIC}
   * @param sender the sender's id
   * @param minVersion lowest protocol version offered, a u8
   * @param maxVersion highest protocol version offered, a u8
   */
  record Hello(int magic, EndpointId sender, int minVersion, int maxVersion) implements HandshakeMessage {
    /** Checks that the fields fit their wire widths. */
    public Hello {
      Objects.requireNonNull(sender, "sender");
      checkU8(minVersion, "minVersion");
      checkU8(maxVersion, "maxVersion");
    }

    @Override
    public int tag() {
      return TAG_HELLO;
    }

    @Override
    public int encodedSize() {
      return 23;
    }

    @Override
    public void writeTo(ByteBuf out) {
      out.writeByte(TAG_HELLO);
      out.writeInt(magic);
      sender.writeTo(out);
      out.writeByte(minVersion);
      out.writeByte(maxVersion);
    }
  }

  /**
   * Sent by the acceptor first, to provoke errors early (§3.6.1); ignored by the receiver.
   *
   * @param magic must be {@link #MAGIC}
   */
  record Probe(int magic) implements HandshakeMessage {
    @Override
    public int tag() {
      return TAG_PROBE;
    }

    @Override
    public int encodedSize() {
      return 5;
    }

    @Override
    public void writeTo(ByteBuf out) {
      out.writeByte(TAG_PROBE);
      out.writeInt(magic);
    }
  }

  /**
   * The originator's choice of protocol version; ends phase 1.
   *
   * @param magic must be {@link #MAGIC}
   * @param sender the originator's id
   * @param version the selected version, a u8; must be 1
   */
  record VersionSelect(int magic, EndpointId sender, int version) implements HandshakeMessage {
    /** Checks that the fields fit their wire widths. */
    public VersionSelect {
      Objects.requireNonNull(sender, "sender");
      checkU8(version, "version");
    }

    @Override
    public int tag() {
      return TAG_VERSION_SELECT;
    }

    @Override
    public int encodedSize() {
      return 22;
    }

    @Override
    public void writeTo(ByteBuf out) {
      out.writeByte(TAG_VERSION_SELECT);
      out.writeInt(magic);
      sender.writeTo(out);
      out.writeByte(version);
    }
  }

  /**
   * Aborts the handshake with an error (§3.5, §3.6.3).
   *
   * @param magic must be {@link #MAGIC}
   * @param sender the id of the side that gives up
   * @param code a Broker error code (§5.2), a u8; Broker accepts 0–40
   * @param description human-readable reason, sent as UTF-8
   */
  record DropConn(int magic, EndpointId sender, int code, String description) implements HandshakeMessage {
    /** Checks that the fields fit their wire widths. */
    public DropConn {
      Objects.requireNonNull(sender, "sender");
      Objects.requireNonNull(description, "description");
      checkU8(code, "code");
    }

    /** The error code, or {@link ErrorCode#UNSPECIFIED} if {@link #code()} is not a Broker code. */
    public ErrorCode errorCode() {
      return code < ErrorCode.values().length ? ErrorCode.ofCode(code) : ErrorCode.UNSPECIFIED;
    }

    @Override
    public int tag() {
      return TAG_DROP_CONN;
    }

    @Override
    public int encodedSize() {
      return 22 + WireIo.bytesSize(description.getBytes(StandardCharsets.UTF_8).length);
    }

    @Override
    public void writeTo(ByteBuf out) {
      out.writeByte(TAG_DROP_CONN);
      out.writeInt(magic);
      sender.writeTo(out);
      out.writeByte(code);
      WireIo.writeBytes(out, description.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * The originator's filter; starts phase 2.
   *
   * @param filter the originator's filter
   */
  record OriginatorSyn(Filter filter) implements HandshakeMessage {
    /** Checks the filter is present. */
    public OriginatorSyn {
      Objects.requireNonNull(filter, "filter");
    }

    @Override
    public int tag() {
      return TAG_ORIGINATOR_SYN;
    }

    @Override
    public int encodedSize() {
      return 1 + filter.encodedSize();
    }

    @Override
    public void writeTo(ByteBuf out) {
      out.writeByte(TAG_ORIGINATOR_SYN);
      filter.writeTo(out);
    }
  }

  /**
   * The responder's filter, answering {@link OriginatorSyn}.
   *
   * @param filter the responder's filter
   */
  record ResponderSynAck(Filter filter) implements HandshakeMessage {
    /** Checks the filter is present. */
    public ResponderSynAck {
      Objects.requireNonNull(filter, "filter");
    }

    @Override
    public int tag() {
      return TAG_RESPONDER_SYN_ACK;
    }

    @Override
    public int encodedSize() {
      return 1 + filter.encodedSize();
    }

    @Override
    public void writeTo(ByteBuf out) {
      out.writeByte(TAG_RESPONDER_SYN_ACK);
      filter.writeTo(out);
    }
  }

  /** Concludes the handshake; phase 3 follows. */
  record OriginatorAck() implements HandshakeMessage {
    @Override
    public int tag() {
      return TAG_ORIGINATOR_ACK;
    }

    @Override
    public int encodedSize() {
      return 1;
    }

    @Override
    public void writeTo(ByteBuf out) {
      out.writeByte(TAG_ORIGINATOR_ACK);
    }
  }

  /** The tag byte ({@code p2p_message_type}). */
  int tag();

  /** Number of bytes of the payload ({@link #writeTo(ByteBuf)}), without the frame length. */
  int encodedSize();

  /** Appends the payload: tag + fields, without the frame length. */
  void writeTo(ByteBuf out);

  /** The payload: tag + fields, without the frame length. */
  default byte[] toBytes() {
    ByteBuf buf = Unpooled.buffer(encodedSize());
    writeTo(buf);
    byte[] out = new byte[buf.readableBytes()];
    buf.readBytes(out);
    return out;
  }

  /** The whole frame: u32 payload length, then the payload. */
  default byte[] toFrame() {
    ByteBuf buf = Unpooled.buffer(4 + encodedSize());
    buf.writeInt(encodedSize());
    writeTo(buf);
    byte[] out = new byte[buf.readableBytes()];
    buf.readBytes(out);
    return out;
  }

  /** Broker's name of the message type ({@code hello}, {@code drop_conn}, …). */
  default String typeName() {
    return HandshakeCodec.typeName(tag());
  }

  private static void checkU8(int v, String what) {
    if (v < 0 || v > 0xFF) {
      throw new IllegalArgumentException(what + " " + v + " is not a u8");
    }
  }
}
