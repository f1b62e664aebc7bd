package io.jbroker.endpoint.wire;

import io.jbroker.endpoint.wire.HandshakeMessage.DropConn;
import io.jbroker.endpoint.wire.HandshakeMessage.Hello;
import io.jbroker.endpoint.wire.HandshakeMessage.OriginatorAck;
import io.jbroker.endpoint.wire.HandshakeMessage.OriginatorSyn;
import io.jbroker.endpoint.wire.HandshakeMessage.Probe;
import io.jbroker.endpoint.wire.HandshakeMessage.ResponderSynAck;
import io.jbroker.endpoint.wire.HandshakeMessage.VersionSelect;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Decodes handshake frames and applies Broker's frame-level validation
 * ({@code wire_format::decode} + {@code check}, spec/broker-endpoint.md §3.5) before the state
 * machine sees them. The outcome is either a message or a rejection that the receiver answers
 * with {@code drop_conn(own id, code, description)} before closing:
 *
 * <table>
 *   <caption>Rejections, in the order they are checked</caption>
 *   <tr><th>condition</th><th>code</th><th>description</th></tr>
 *   <tr><td>empty frame, or tag not 6–12</td><td>20 invalid_message</td>
 *       <td>{@code invalid message type tag}</td></tr>
 *   <tr><td>body too short for the fields (or a malformed filter or string)</td>
 *       <td>20 invalid_message</td><td>{@code failed to parse <Broker's C++ type name>}, e.g.
 *       {@code failed to parse hello_msg}, {@code failed to parse v1::originator_syn_msg}</td></tr>
 *   <tr><td>magic ≠ {@code 0x5A45454B} (hello, probe, version_select, drop_conn)</td>
 *       <td>38 wrong_magic_number</td><td>{@code wrong magic number}</td></tr>
 *   <tr><td>hello with min_version &gt; 1 or max_version &lt; 1</td><td>2 peer_incompatible</td>
 *       <td>{@code unsupported versions offered}</td></tr>
 *   <tr><td>version_select with a version ≠ 1</td><td>2 peer_incompatible</td>
 *       <td>{@code unsupported version selected}</td></tr>
 *   <tr><td>drop_conn with a code ≥ 41</td><td>1 unspecified</td>
 *       <td>the received description</td></tr>
 * </table>
 *
 * <p>Bytes after the parsed fields are ignored, as Broker ignores them. Strings and filter
 * topics are decoded as UTF-8 (invalid sequences become U+FFFD). {@link #decode(ByteBuf)} never
 * throws, whatever the input.
 */
public final class HandshakeCodec {
  /** The outcome of {@link #decode(ByteBuf)}. */
  public sealed interface Result {}

  /**
   * A valid message.
   *
   * @param message the message
   */
  public record Ok(HandshakeMessage message) implements Result {}

  /**
   * A frame Broker would answer with {@code drop_conn(own id, code, description)} and close.
   *
   * @param code the error code to send
   * @param description the description to send
   */
  public record Reject(ErrorCode code, String description) implements Result {
    /** Checks both fields are present. */
    public Reject {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(description, "description");
    }

    /** The {@code drop_conn} that answers this rejection. */
    public DropConn toDropConn(EndpointId self) {
      return HandshakeMessage.dropConn(self, code, description);
    }
  }

  /** Description of a frame without a valid handshake tag. */
  public static final String INVALID_TAG = "invalid message type tag";
  /** Description of a frame with a wrong magic number. */
  public static final String WRONG_MAGIC = "wrong magic number";
  /** Description of a hello whose version range excludes 1. */
  public static final String UNSUPPORTED_VERSIONS = "unsupported versions offered";
  /** Description of a version_select with a version other than 1. */
  public static final String UNSUPPORTED_VERSION = "unsupported version selected";

  /** Highest error code Broker accepts in a received drop_conn ({@code logic_error}). */
  static final int MAX_DROP_CONN_CODE = 40;

  private HandshakeCodec() {}

  /**
   * Decodes one handshake frame payload (the 4-byte length already stripped) and validates it.
   * Reads from the reader index and advances it to the end of the readable bytes (the frame is
   * consumed, trailing bytes are ignored). Never throws.
   */
  public static Result decode(ByteBuf payload) {
    try {
      return decodeChecked(payload);
    } catch (BrokerException | IndexOutOfBoundsException e) {
      // Every length is checked before it is used; this is the safety net of the contract.
      return new Reject(ErrorCode.INVALID_MESSAGE, INVALID_TAG);
    } finally {
      payload.readerIndex(payload.writerIndex());
    }
  }

  private static Result decodeChecked(ByteBuf in) {
    if (!in.isReadable()) {
      return new Reject(ErrorCode.INVALID_MESSAGE, INVALID_TAG);
    }
    int tag = in.readUnsignedByte();
    switch (tag) {
      case HandshakeMessage.TAG_HELLO: {
        if (in.readableBytes() < 22) {
          return parseFailure(tag);
        }
        Hello h = new Hello(in.readInt(), EndpointId.read(in), in.readUnsignedByte(), in.readUnsignedByte());
        if (h.magic() != HandshakeMessage.MAGIC) {
          return wrongMagic();
        }
        if (h.minVersion() > HandshakeMessage.PROTOCOL_VERSION || h.maxVersion() < HandshakeMessage.PROTOCOL_VERSION) {
          return new Reject(ErrorCode.PEER_INCOMPATIBLE, UNSUPPORTED_VERSIONS);
        }
        return new Ok(h);
      }
      case HandshakeMessage.TAG_PROBE: {
        if (in.readableBytes() < 4) {
          return parseFailure(tag);
        }
        Probe p = new Probe(in.readInt());
        return p.magic() != HandshakeMessage.MAGIC ? wrongMagic() : new Ok(p);
      }
      case HandshakeMessage.TAG_VERSION_SELECT: {
        if (in.readableBytes() < 21) {
          return parseFailure(tag);
        }
        VersionSelect v = new VersionSelect(in.readInt(), EndpointId.read(in), in.readUnsignedByte());
        if (v.magic() != HandshakeMessage.MAGIC) {
          return wrongMagic();
        }
        if (v.version() != HandshakeMessage.PROTOCOL_VERSION) {
          return new Reject(ErrorCode.PEER_INCOMPATIBLE, UNSUPPORTED_VERSION);
        }
        return new Ok(v);
      }
      case HandshakeMessage.TAG_DROP_CONN: {
        if (in.readableBytes() < 22) {
          return parseFailure(tag);
        }
        int magic = in.readInt();
        EndpointId sender = EndpointId.read(in);
        int code = in.readUnsignedByte();
        byte[] description;
        try {
          description = WireIo.readBytes(in, "drop_conn description");
        } catch (BrokerException e) {
          return parseFailure(tag);
        }
        DropConn d = new DropConn(magic, sender, code, new String(description, StandardCharsets.UTF_8));
        if (magic != HandshakeMessage.MAGIC) {
          return wrongMagic();
        }
        if (code > MAX_DROP_CONN_CODE) {
          return new Reject(ErrorCode.UNSPECIFIED, d.description());
        }
        return new Ok(d);
      }
      case HandshakeMessage.TAG_ORIGINATOR_SYN:
      case HandshakeMessage.TAG_RESPONDER_SYN_ACK: {
        Filter f;
        try {
          f = Filter.read(in);
        } catch (BrokerException e) {
          return parseFailure(tag);
        }
        return new Ok(tag == HandshakeMessage.TAG_ORIGINATOR_SYN ? new OriginatorSyn(f) : new ResponderSynAck(f));
      }
      case HandshakeMessage.TAG_ORIGINATOR_ACK:
        return new Ok(new OriginatorAck());
      default:
        return new Reject(ErrorCode.INVALID_MESSAGE, INVALID_TAG);
    }
  }

  /**
   * Broker's name of a {@code p2p_message_type} ({@code hello}, {@code drop_conn}, {@code data},
   * …), or {@code invalid(<tag>)}.
   */
  public static String typeName(int tag) {
    return switch (tag) {
      case 1 -> "data";
      case 2 -> "command";
      case 3 -> "routing_update";
      case 4 -> "ping";
      case 5 -> "pong";
      case HandshakeMessage.TAG_HELLO -> "hello";
      case HandshakeMessage.TAG_PROBE -> "probe";
      case HandshakeMessage.TAG_VERSION_SELECT -> "version_select";
      case HandshakeMessage.TAG_DROP_CONN -> "drop_conn";
      case HandshakeMessage.TAG_ORIGINATOR_SYN -> "originator_syn";
      case HandshakeMessage.TAG_RESPONDER_SYN_ACK -> "responder_syn_ack";
      case HandshakeMessage.TAG_ORIGINATOR_ACK -> "originator_ack";
      default -> "invalid(" + tag + ")";
    };
  }

  /**
   * Broker's description of a frame whose body is too short: {@code "failed to parse " #type}
   * with the C++ type name ({@code wire_format.cc}, macro {@code MSG_CASE}).
   */
  static String parseFailureDescription(int tag) {
    return switch (tag) {
      case HandshakeMessage.TAG_HELLO -> "failed to parse hello_msg";
      case HandshakeMessage.TAG_PROBE -> "failed to parse probe_msg";
      case HandshakeMessage.TAG_VERSION_SELECT -> "failed to parse version_select_msg";
      case HandshakeMessage.TAG_DROP_CONN -> "failed to parse drop_conn_msg";
      case HandshakeMessage.TAG_ORIGINATOR_SYN -> "failed to parse v1::originator_syn_msg";
      case HandshakeMessage.TAG_RESPONDER_SYN_ACK -> "failed to parse v1::responder_syn_ack_msg";
      default -> "failed to parse v1::originator_ack_msg";
    };
  }

  private static Reject parseFailure(int tag) {
    return new Reject(ErrorCode.INVALID_MESSAGE, parseFailureDescription(tag));
  }

  private static Reject wrongMagic() {
    return new Reject(ErrorCode.WRONG_MAGIC_NUMBER, WRONG_MAGIC);
  }
}
