package io.jbroker.data;

import java.util.Objects;

/** Broker's {@code port}: a 16-bit number and a transport protocol; renders as {@code 80/tcp}. */
public record PortData(int number, Protocol protocol) implements Data {
  /** Transport protocols with Broker's codes (the byte after the number on the wire). */
  public enum Protocol {
    UNKNOWN("?"),
    TCP("tcp"),
    UDP("udp"),
    ICMP("icmp");

    private static final Protocol[] BY_CODE = values();
    private final String text;

    Protocol(String text) {
      this.text = text;
    }

    /** Broker's code: 0 unknown, 1 tcp, 2 udp, 3 icmp. */
    public int code() {
      return ordinal();
    }

    /** {@code tcp}, {@code udp}, {@code icmp} or {@code ?}. */
    public String text() {
      return text;
    }

    /** The protocol with code {@code code}, or {@code null} if the code is not 0–3. */
    public static Protocol ofCode(int code) {
      return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** {@code tcp}, {@code udp}, {@code icmp}; anything else is {@link #UNKNOWN} (as Broker parses). */
    public static Protocol ofText(String text) {
      for (Protocol p : BY_CODE) {
        if (p != UNKNOWN && p.text.equals(text)) {
          return p;
        }
      }
      return UNKNOWN;
    }
  }

  public PortData {
    Objects.requireNonNull(protocol, "protocol");
    if (number < 0 || number > 0xFFFF) {
      throw new IllegalArgumentException("port number " + number + " is outside 0..65535");
    }
  }

  /**
   * Parses Broker's port text {@code number/protocol}; the protocol is {@code tcp}, {@code
   * udp}, {@code icmp} or anything else for unknown; without a {@code /} the port is tcp.
   *
   * @throws IllegalArgumentException if the number is missing, not decimal or above 65535
   */
  public static PortData parse(String text) {
    int slash = text.indexOf('/');
    String num = slash < 0 ? text : text.substring(0, slash);
    Protocol proto = slash < 0 ? Protocol.TCP : Protocol.ofText(text.substring(slash + 1));
    if (num.isEmpty() || num.length() > 5 || !num.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("not a port: \"" + text + "\"");
    }
    int n = Integer.parseInt(num);
    if (n > 0xFFFF) {
      throw new IllegalArgumentException("port number out of range in \"" + text + "\"");
    }
    return new PortData(n, proto);
  }

  @Override
  public DataKind kind() {
    return DataKind.PORT;
  }

  @Override
  public String toString() {
    return number + "/" + protocol.text;
  }
}
