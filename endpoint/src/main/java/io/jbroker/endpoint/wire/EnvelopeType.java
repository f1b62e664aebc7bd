package io.jbroker.endpoint.wire;

/**
 * The type byte of a phase-3 envelope (spec/broker-endpoint.md §4.2). The codes share one number
 * space with the handshake tags ({@code p2p_message_type}: 1–5 envelopes, 6–12 handshake).
 */
public enum EnvelopeType {
  /** A user value on a user topic; payload = one encoded {@code Data} value. */
  DATA(1),
  /** A data-store command on a store topic; payload = one encoded command (Appendix A). */
  COMMAND(2),
  /** The sender's complete filter; topic {@code <$>}; payload = §2 filter wire form. */
  ROUTING_UPDATE(3),
  /** Opaque bytes to be echoed; topic {@code <$>}. */
  PING(4),
  /** The bytes of the ping being answered; topic {@code <$>}. */
  PONG(5);

  private static final EnvelopeType[] BY_CODE = {null, DATA, COMMAND, ROUTING_UPDATE, PING, PONG};

  private final int code;

  EnvelopeType(int code) {
    this.code = code;
  }

  /** The type byte on the wire. */
  public int code() {
    return code;
  }

  /** The type with wire code {@code code}, or {@code null} if there is none. */
  public static EnvelopeType ofCode(int code) {
    return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
