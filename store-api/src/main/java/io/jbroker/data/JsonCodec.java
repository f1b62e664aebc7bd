package io.jbroker.data;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Broker's JSON form "json v1" (spec/broker-endpoint.md §1.7), the data format of the WebSocket
 * API that Zeek exposes.
 *
 * <h2>Format</h2>
 *
 * Every value is an object with a {@code "@data-type"} member naming its {@linkplain
 * DataKind#jsonName() kind} and a {@code "data"} member holding its value. The encoder writes
 * exactly these two members, in this order, without whitespace, byte for byte as Broker does:
 *
 * <table>
 *   <caption>The {@code data} member per kind</caption>
 *   <tr><th>kind</th><th>{@code data}</th><th>example</th></tr>
 *   <tr><td>none</td><td>{@code {}}</td><td>{@code {"@data-type":"none","data":{}}}</td></tr>
 *   <tr><td>boolean</td><td>{@code true} / {@code false}</td><td></td></tr>
 *   <tr><td>count, integer</td><td>decimal</td><td>{@code 18446744073709551615}, {@code -7}</td></tr>
 *   <tr><td>real</td><td>C's {@code %f}: six fractional digits; {@code inf}, {@code -inf},
 *       {@code nan} for the special values (not valid JSON, but what Broker sends)</td>
 *       <td>{@code 42.000000}</td></tr>
 *   <tr><td>string, enum-value</td><td>quoted; only {@code \\ \b \f \n \r \t \v \"} are
 *       escaped, every other byte (other control bytes, non-UTF-8 bytes) is copied raw</td>
 *       <td>{@code "foo\n\"bar"}</td></tr>
 *   <tr><td>address</td><td>quoted {@link AddressData#toString()}</td><td>{@code "2001:db8::1:0:0:1"}</td></tr>
 *   <tr><td>subnet</td><td>quoted {@link SubnetData#toString()}</td><td>{@code "10.0.0.0/8"}</td></tr>
 *   <tr><td>port</td><td>quoted {@code number/protocol}</td><td>{@code "80/tcp"}, {@code "0/?"}</td></tr>
 *   <tr><td>timespan</td><td>quoted integer in the coarsest of {@code ns}, {@code us}, {@code ms},
 *       {@code s} that is exact; zero is {@code "0s"}</td><td>{@code "1500ms"}</td></tr>
 *   <tr><td>timestamp</td><td>quoted {@code YYYY-MM-DDThh:mm:ss.mmm}, milliseconds truncated,
 *       no zone; before the epoch the seconds are truncated toward zero and a negative fraction
 *       shows as {@code .000}, as in Broker</td><td>{@code "2014-07-09T10:16:44.123"}</td></tr>
 *   <tr><td>vector, set</td><td>array of value objects, sets in Broker's order</td><td></td></tr>
 *   <tr><td>table</td><td>array of {@code {"key":<value>,"value":<value>}} in key order</td><td></td></tr>
 * </table>
 *
 * Timestamps are rendered in UTC. (Broker formats them in the host's local time zone; Zeek
 * deployments and the spec assume UTC.)
 *
 * <h2>Parsing</h2>
 *
 * The decoder is a strict JSON parser (RFC 8259 grammar; whitespace is space, tab, CR and LF)
 * followed by Broker's per-kind rules. Members may come in any order and unknown members are
 * ignored, so a WebSocket data message ({@code {"type":"data-message","topic":…,"@data-type":…,
 * "data":…}}) parses as its value. Per kind, {@code data} must be:
 *
 * <ul>
 *   <li>none: any JSON value (not inspected); boolean: {@code true} or {@code false};
 *   <li>count: an integer literal 0…2<sup>64</sup>−1; integer: an integer literal in the signed
 *       64-bit range (no fraction or exponent for either);
 *   <li>real: a number with a fraction or an exponent — a bare {@code 42} is rejected;
 *   <li>string, enum-value: a string; {@code \}{@code uXXXX} escapes (with surrogate pairs)
 *       become UTF-8, all other bytes are kept as they are;
 *   <li>address: IPv4 dotted-quad or IPv6 text;
 *   <li>subnet: {@code addr/len} where {@code len} is read like C++ {@code std::stoi} (leading
 *       whitespace and a sign allowed, anything after the digits ignored) and must be 0–255; a
 *       length too long for the family silently yields {@code ::/0}, as in Broker;
 *   <li>port: {@code num/proto} with {@code num} read like C {@code strtoul} (no digits reads as
 *       0, a negative number wraps, anything after the digits ignored; only overflow of 64 bits
 *       is an error) and truncated to 16 bits; {@code proto} is {@code tcp}, {@code udp},
 *       {@code icmp} or, for anything else, unknown; without {@code /} the port is tcp. Like
 *       Broker's C string handling, the text ends at its first NUL byte (except that a {@code /}
 *       after the NUL still counts as present, so the port is then rejected);
 *   <li>timespan: optional sign, decimal integer, unit {@code ns}, {@code us}, {@code ms},
 *       {@code s}, {@code min} or {@code h}; no fraction, no {@code d}, no spaces;
 *   <li>timestamp: {@code YYYY-MM-DDThh:mm:ss}, optionally {@code .} and 1–9 fractional digits,
 *       optionally {@code Z} or {@code ±hh}, {@code ±hhmm}, {@code ±hh:mm}; no zone means UTC;
 *       nanoseconds are kept;
 *   <li>vector, set: an array of value objects (duplicate set elements are an error);
 *   <li>table: an array of objects with {@code key} and {@code value} members (duplicate keys
 *       are an error).
 * </ul>
 *
 * <h3>Leniencies (accepted because Broker and Zeek emit them)</h3>
 *
 * <ul>
 *   <li>the bare tokens {@code inf}, {@code -inf}, {@code nan} and {@code -nan} (glibc's
 *       rendering of a NaN with the sign bit set, which x86 produces for {@code 0.0/0.0}) are
 *       accepted wherever a JSON value may appear and are real data;
 *   <li>raw control bytes (below 0x20) and bytes that are not UTF-8 inside strings are kept as
 *       they are, and {@code \v} is accepted as an escape for 0x0B.
 * </ul>
 *
 * <h3>Stricter than Broker (deliberately)</h3>
 *
 * <ul>
 *   <li>the {@code data} member is required for every kind, also for none;
 *   <li>a repeated {@code @data-type}, {@code data}, {@code key} or {@code value} member is an
 *       error rather than silently resolved;
 *   <li>a timespan number with a leading zero ({@code 010s}) is rejected: CAF would read it as
 *       octal;
 *   <li>timestamps need a four-digit year, at least one digit after a {@code .}, and a zone
 *       offset of at most ±23:59;
 *   <li>a real literal too large for a double (e.g. {@code 1e400}) is rejected;
 *   <li>an unparsable address is {@link ErrorCode#INVALID_DATA} (Broker fails internally).
 * </ul>
 *
 * <h2>Hostile input</h2>
 *
 * Every failure — malformed JSON, an empty document, trailing characters, a wrong member type,
 * an out-of-range number, a bad escape or lone surrogate, a container nested deeper than {@link
 * #MAX_DEPTH} — throws {@link BrokerException} with {@link ErrorCode#INVALID_DATA} and a message
 * naming the problem and its byte offset. Nothing else is thrown, parsing always terminates and
 * allocates memory proportional to the input. JSON arrays and objects are limited to {@code 3 *
 * MAX_DEPTH + 2} levels, which every value within {@link #MAX_DEPTH} fits (a table level takes
 * three JSON levels); Broker data nesting is limited to {@link #MAX_DEPTH} containers, counted
 * as {@link BinaryCodec} counts them.
 */
public final class JsonCodec {
  /** Deepest container nesting the decoder accepts (the root value is depth 1). */
  public static final int MAX_DEPTH = BinaryCodec.MAX_DEPTH;

  /** Deepest JSON array/object nesting the parser accepts. */
  static final int MAX_JSON_DEPTH = 3 * MAX_DEPTH + 2;

  private static final byte[] TYPE = ascii("@data-type");
  private static final byte[] DATA = ascii("data");
  private static final byte[] KEY = ascii("key");
  private static final byte[] VALUE = ascii("value");
  private static final byte[][] KIND_NAMES =
      Arrays.stream(DataKind.values()).map(k -> ascii(k.jsonName())).toArray(byte[][]::new);

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private JsonCodec() {}

  // ---- encoding ---------------------------------------------------------------------------

  /**
   * Broker's JSON text of {@code value}. Bytes of strings and enum names that are not UTF-8
   * become U+FFFD here; use {@link #encode(Data)} for Broker's exact bytes.
   */
  public static String toJson(Data value) {
    return new String(encode(value), StandardCharsets.UTF_8);
  }

  /**
   * Broker's JSON rendering of {@code value} as bytes: UTF-8 for the syntax, and the bytes of
   * strings and enum names copied verbatim (they may not be UTF-8, exactly as Broker sends them).
   */
  public static byte[] encode(Data value) {
    Out out = new Out();
    render(value, out);
    return out.toByteArray();
  }

  private static void render(Data value, Out out) {
    out.ascii("{\"@data-type\":\"").ascii(value.kind().jsonName()).ascii("\",\"data\":");
    switch (value.kind()) {
      case NONE -> out.ascii("{}");
      case BOOLEAN -> out.ascii(((BooleanData) value).value() ? "true" : "false");
      case COUNT -> out.ascii(Long.toUnsignedString(((CountData) value).value()));
      case INTEGER -> out.ascii(Long.toString(((IntegerData) value).value()));
      case REAL -> out.ascii(Formats.printfF(((RealData) value).value()));
      case STRING -> quoted(((StringData) value).raw(), out);
      case ENUM_VALUE -> quoted(((EnumData) value).raw(), out);
      case ADDRESS, SUBNET, PORT -> out.put('"').ascii(value.toString()).put('"');
      case TIMESTAMP -> out.put('"').ascii(timestampText(((TimestampData) value).nanos())).put('"');
      case TIMESPAN -> out.put('"').ascii(timespanText(((TimespanData) value).nanos())).put('"');
      case SET -> renderElements(((SetData) value).elements(), out);
      case VECTOR -> renderElements(((VectorData) value).elements(), out);
      case TABLE -> {
        out.put('[');
        String sep = "";
        for (var e : ((TableData) value).entries().entrySet()) {
          out.ascii(sep).ascii("{\"key\":");
          render(e.getKey(), out);
          out.ascii(",\"value\":");
          render(e.getValue(), out);
          out.put('}');
          sep = ",";
        }
        out.put(']');
      }
      default -> throw new AssertionError(value.kind());
    }
    out.put('}');
  }

  private static void renderElements(Iterable<Data> elements, Out out) {
    out.put('[');
    String sep = "";
    for (Data d : elements) {
      out.ascii(sep);
      render(d, out);
      sep = ",";
    }
    out.put(']');
  }

  /** Broker's string quoting: seven escapes plus {@code \"}; every other byte verbatim. */
  private static void quoted(byte[] bytes, Out out) {
    out.put('"');
    for (byte b : bytes) {
      switch (b) {
        case '\\' -> out.ascii("\\\\");
        case '"' -> out.ascii("\\\"");
        case '\b' -> out.ascii("\\b");
        case '\f' -> out.ascii("\\f");
        case '\n' -> out.ascii("\\n");
        case '\r' -> out.ascii("\\r");
        case '\t' -> out.ascii("\\t");
        case 0x0B -> out.ascii("\\v");
        default -> out.put(b);
      }
    }
    out.put('"');
  }

  /** The coarsest of ns/us/ms/s that represents {@code nanos} exactly; zero is {@code 0s}. */
  private static String timespanText(long nanos) {
    if (nanos == 0) {
      return "0s";
    }
    String[] units = {"ns", "us", "ms"};
    long v = nanos;
    for (String unit : units) {
      if (v % 1000 != 0) {
        return v + unit;
      }
      v /= 1000;
    }
    return v + "s";
  }

  /**
   * {@code YYYY-MM-DDThh:mm:ss.mmm} in UTC as Broker renders it: seconds and milliseconds are
   * both truncated toward zero, and a negative millisecond remainder prints as {@code 000}.
   */
  private static String timestampText(long nanos) {
    long secs = nanos / NANOS_PER_SECOND;
    long millis = (nanos / 1_000_000L) % 1000;
    LocalDateTime t = LocalDateTime.ofEpochSecond(secs, 0, ZoneOffset.UTC);
    StringBuilder sb = new StringBuilder(23);
    sb.append(t.getYear()).append('-');
    twoDigits(sb, t.getMonthValue()).append('-');
    twoDigits(sb, t.getDayOfMonth()).append('T');
    twoDigits(sb, t.getHour()).append(':');
    twoDigits(sb, t.getMinute()).append(':');
    twoDigits(sb, t.getSecond()).append('.');
    long ms = Math.max(millis, 0);
    sb.append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10)).append((char) ('0' + ms % 10));
    return sb.toString();
  }

  private static StringBuilder twoDigits(StringBuilder sb, int v) {
    return sb.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
  }

  // ---- decoding ---------------------------------------------------------------------------

  /**
   * Parses Broker JSON text. Offsets in error messages count bytes of the text's UTF-8 form.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if the text is not one valid
   *     value (including text with unpaired surrogate characters)
   */
  public static Data fromJson(String json) {
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < json.length() && Character.isLowSurrogate(json.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw BrokerException.lightweight(ErrorCode.INVALID_DATA, String.format(
            "invalid Broker JSON at char %d: unpaired surrogate character U+%04X", i, (int) c));
      }
    }
    return decode(json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Parses the Broker JSON document that spans all of {@code json}; string contents are kept as
   * raw bytes.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if the bytes are not one valid
   *     value
   */
  public static Data decode(byte[] json) {
    return decode(json, 0, json.length);
  }

  /**
   * Parses the Broker JSON document that spans {@code json[offset, offset + length)}; string
   * contents are kept as raw bytes. Offsets in error messages are relative to {@code offset}.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if those bytes are not one valid
   *     value
   * @throws IndexOutOfBoundsException if the range is not within {@code json}
   */
  public static Data decode(byte[] json, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, json.length);
    Parser parser = new Parser(json, offset, offset + length);
    Json root = parser.document();
    return new Converter(parser).data(root, 1);
  }

  // ---- JSON syntax tree -------------------------------------------------------------------

  /** A parsed JSON value; {@code at} is its byte offset from the start of the document. */
  private sealed interface Json {
    int at();
  }

  private record JObject(int at, List<Member> members) implements Json {}

  private record Member(byte[] name, Json value) {}

  private record JArray(int at, List<Json> elements) implements Json {}

  private record JString(int at, byte[] bytes) implements Json {}

  /**
   * A number token: {@code text} is its ASCII text, {@code integral} whether it has neither
   * fraction nor exponent, {@code special} whether it is {@code inf}, {@code -inf}, {@code nan}
   * or {@code -nan}.
   */
  private record JNumber(int at, String text, boolean integral, boolean special) implements Json {}

  /** {@code true}, {@code false} or {@code null}. */
  private record JLiteral(int at, String word) implements Json {}

  private static String describe(Json node) {
    if (node instanceof JObject) {
      return "an object";
    }
    if (node instanceof JArray) {
      return "an array";
    }
    if (node instanceof JString) {
      return "a string";
    }
    if (node instanceof JNumber n) {
      return "the number " + n.text();
    }
    return ((JLiteral) node).word();
  }

  // ---- JSON parser ------------------------------------------------------------------------

  /** A strict recursive-descent JSON parser over bytes, with Broker's leniencies. */
  private static final class Parser {
    final byte[] buf;
    final int start;
    final int end;
    int pos;
    private final Out scratch = new Out();

    Parser(byte[] buf, int start, int end) {
      this.buf = buf;
      this.start = start;
      this.end = end;
      this.pos = start;
    }

    BrokerException failAt(int at, String what) {
      return BrokerException.lightweight(ErrorCode.INVALID_DATA,
          "invalid Broker JSON at byte " + (at - start) + ": " + what);
    }

    BrokerException fail(String what) {
      return failAt(pos, what);
    }

    /** The byte at {@code pos}, or -1 at the end. */
    int peek() {
      return pos < end ? buf[pos] & 0xFF : -1;
    }

    String found() {
      int b = peek();
      if (b < 0) {
        return "end of input";
      }
      return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("byte 0x%02x", b);
    }

    void skipWhitespace() {
      while (pos < end) {
        byte b = buf[pos];
        if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
          return;
        }
        pos++;
      }
    }

    Json document() {
      skipWhitespace();
      if (pos >= end) {
        throw fail("empty input, expected a JSON object");
      }
      Json root = value(0);
      skipWhitespace();
      if (pos != end) {
        throw fail("unexpected " + found() + " after the JSON value");
      }
      return root;
    }

    /** A value inside {@code depth} enclosing arrays/objects; whitespace already skipped. */
    Json value(int depth) {
      int b = peek();
      int next = pos + 1 < end ? buf[pos + 1] : -1;
      return switch (b) {
        case '{' -> object(enter(depth));
        case '[' -> array(enter(depth));
        case '"' -> {
          int at = pos - start;
          yield new JString(at, string());
        }
        case 't' -> literal("true");
        case 'f' -> literal("false");
        case 'n' -> next == 'a' ? special("nan") : literal("null");
        case 'i' -> special("inf");
        case '-' -> next == 'i' ? special("-inf") : next == 'n' ? special("-nan") : number();
        default -> {
          if (!isDigit(b)) {
            throw fail("expected a JSON value, found " + found());
          }
          yield number();
        }
      };
    }

    private int enter(int depth) {
      if (depth + 1 > MAX_JSON_DEPTH) {
        throw fail("JSON arrays/objects nested deeper than " + MAX_JSON_DEPTH);
      }
      return depth + 1;
    }

    private JObject object(int depth) {
      int at = pos++;
      List<Member> members = new ArrayList<>();
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return new JObject(at - start, members);
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') {
          throw fail("expected a member name (a string), found " + found());
        }
        byte[] name = string();
        skipWhitespace();
        if (peek() != ':') {
          throw fail("expected ':' after a member name, found " + found());
        }
        pos++;
        skipWhitespace();
        members.add(new Member(name, value(depth)));
        skipWhitespace();
        if (peek() == '}') {
          pos++;
          return new JObject(at - start, members);
        }
        if (peek() != ',') {
          throw fail("expected ',' or '}' in an object, found " + found());
        }
        pos++;
      }
    }

    private JArray array(int depth) {
      int at = pos++;
      List<Json> elements = new ArrayList<>();
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        return new JArray(at - start, elements);
      }
      while (true) {
        skipWhitespace();
        elements.add(value(depth));
        skipWhitespace();
        if (peek() == ']') {
          pos++;
          return new JArray(at - start, elements);
        }
        if (peek() != ',') {
          throw fail("expected ',' or ']' in an array, found " + found());
        }
        pos++;
      }
    }

    private JLiteral literal(String word) {
      int at = pos;
      expectWord(word);
      return new JLiteral(at - start, word);
    }

    private JNumber special(String word) {
      int at = pos;
      expectWord(word);
      return new JNumber(at - start, word, false, true);
    }

    private void expectWord(String word) {
      for (int i = 0; i < word.length(); i++) {
        if (peek() != word.charAt(i)) {
          throw fail("expected '" + word + "', found " + found());
        }
        pos++;
      }
    }

    private JNumber number() {
      int at = pos;
      if (peek() == '-') {
        pos++;
      }
      if (peek() == '0') {
        pos++;
        if (isDigit(peek())) {
          throw fail("leading zero in a number");
        }
      } else if (isDigit(peek())) {
        digits();
      } else {
        throw fail("expected a digit, found " + found());
      }
      boolean integral = true;
      if (peek() == '.') {
        pos++;
        integral = false;
        if (!isDigit(peek())) {
          throw fail("expected a digit after '.', found " + found());
        }
        digits();
      }
      if (peek() == 'e' || peek() == 'E') {
        pos++;
        integral = false;
        if (peek() == '+' || peek() == '-') {
          pos++;
        }
        if (!isDigit(peek())) {
          throw fail("expected a digit in the exponent, found " + found());
        }
        digits();
      }
      String text = new String(buf, at, pos - at, StandardCharsets.ISO_8859_1);
      return new JNumber(at - start, text, integral, false);
    }

    private void digits() {
      while (isDigit(peek())) {
        pos++;
      }
    }

    /** The decoded bytes of the string starting at {@code pos} (the opening quote). */
    private byte[] string() {
      int at = pos++;
      scratch.reset();
      while (true) {
        int run = pos;
        while (pos < end && buf[pos] != '"' && buf[pos] != '\\') {
          pos++;
        }
        scratch.write(buf, run, pos - run); // raw control and non-UTF-8 bytes are kept: Broker sends them
        if (pos >= end) {
          throw failAt(at, "unterminated string");
        }
        if (buf[pos++] == '"') {
          return scratch.toByteArray();
        }
        if (pos >= end) {
          throw failAt(at, "unterminated string");
        }
        byte e = buf[pos++];
        switch (e) {
          case '"', '\\', '/' -> scratch.put(e);
          case 'b' -> scratch.put('\b');
          case 'f' -> scratch.put('\f');
          case 'n' -> scratch.put('\n');
          case 'r' -> scratch.put('\r');
          case 't' -> scratch.put('\t');
          case 'v' -> scratch.put(0x0B);
          case 'u' -> unicodeEscape();
          default -> {
            pos -= 2;
            throw fail("invalid escape sequence \\" + (e >= 0x20 && e < 0x7F
                ? String.valueOf((char) e) : String.format("<0x%02x>", e & 0xFF)));
          }
        }
      }
    }

    /** After {@code \}{@code u}: four hex digits, a surrogate pair if needed, as UTF-8. */
    private void unicodeEscape() {
      int escapeAt = pos - 2;
      int cp = hex4();
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        throw failAt(escapeAt, String.format("lone low surrogate \\u%04x", cp));
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end - pos < 2 || buf[pos] != '\\' || buf[pos + 1] != 'u') {
          throw failAt(escapeAt, String.format("lone high surrogate \\u%04x", cp));
        }
        pos += 2;
        int low = hex4();
        if (low < 0xDC00 || low > 0xDFFF) {
          throw failAt(escapeAt, String.format("high surrogate \\u%04x followed by \\u%04x", cp, low));
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      }
      if (cp < 0x80) {
        scratch.put(cp);
      } else if (cp < 0x800) {
        scratch.put(0xC0 | cp >> 6).put(0x80 | cp & 0x3F);
      } else if (cp < 0x10000) {
        scratch.put(0xE0 | cp >> 12).put(0x80 | cp >> 6 & 0x3F).put(0x80 | cp & 0x3F);
      } else {
        scratch.put(0xF0 | cp >> 18).put(0x80 | cp >> 12 & 0x3F).put(0x80 | cp >> 6 & 0x3F)
            .put(0x80 | cp & 0x3F);
      }
    }

    private int hex4() {
      int v = 0;
      for (int i = 0; i < 4; i++) {
        int d = pos < end ? Character.digit(buf[pos] & 0xFF, 16) : -1;
        if (d < 0) {
          throw fail("expected 4 hex digits in a \\u escape, found " + found());
        }
        v = v << 4 | d;
        pos++;
      }
      return v;
    }
  }

  private static boolean isDigit(int b) {
    return b >= '0' && b <= '9';
  }

  // ---- syntax tree to data ----------------------------------------------------------------

  /** Applies Broker's per-kind rules to a parsed document. */
  private static final class Converter {
    private final Parser parser;

    Converter(Parser parser) {
      this.parser = parser;
    }

    private BrokerException fail(Json node, String what) {
      return parser.failAt(parser.start + node.at(), what);
    }

    Data data(Json node, int depth) {
      if (!(node instanceof JObject obj)) {
        throw fail(node, "expected a value object, found " + describe(node));
      }
      Json type = member(obj, TYPE);
      if (type == null) {
        throw fail(obj, "missing \"@data-type\" member");
      }
      if (!(type instanceof JString typeName)) {
        throw fail(type, "\"@data-type\" must be a string, found " + describe(type));
      }
      DataKind kind = kindNamed(typeName.bytes());
      if (kind == null) {
        throw fail(type, "unknown \"@data-type\" " + printable(typeName.bytes()));
      }
      Json value = member(obj, DATA);
      if (value == null) {
        throw fail(obj, "missing \"data\" member for " + kind.jsonName());
      }
      return switch (kind) {
        case NONE -> NoneData.INSTANCE;
        case BOOLEAN -> bool(value);
        case COUNT -> new CountData(count(value));
        case INTEGER -> new IntegerData(integer(value));
        case REAL -> new RealData(real(value));
        case STRING -> StringData.wrap(text(value, kind));
        case ENUM_VALUE -> EnumData.wrap(text(value, kind));
        case ADDRESS -> address(value);
        case SUBNET -> subnet(value);
        case PORT -> port(value);
        case TIMESTAMP -> new TimestampData(timestamp(value));
        case TIMESPAN -> new TimespanData(timespan(value));
        case SET -> set(value, depth);
        case TABLE -> table(value, depth);
        case VECTOR -> vector(value, depth);
      };
    }

    /** The member named {@code name}, or null; a repeated member is an error. */
    private Json member(JObject obj, byte[] name) {
      Json found = null;
      for (Member m : obj.members()) {
        if (Arrays.equals(m.name(), name)) {
          if (found != null) {
            throw fail(m.value(), "duplicate \"" + new String(name, StandardCharsets.US_ASCII) + "\" member");
          }
          found = m.value();
        }
      }
      return found;
    }

    private static DataKind kindNamed(byte[] name) {
      for (DataKind k : DataKind.values()) {
        if (Arrays.equals(KIND_NAMES[k.ordinal()], name)) {
          return k;
        }
      }
      return null;
    }

    private BooleanData bool(Json value) {
      if (value instanceof JLiteral lit && !lit.word().equals("null")) {
        return BooleanData.of(lit.word().equals("true"));
      }
      throw fail(value, "boolean data must be true or false, found " + describe(value));
    }

    private String integralText(Json value, DataKind kind) {
      if (value instanceof JNumber n && n.integral()) {
        return n.text();
      }
      throw fail(value, kind.jsonName() + " data must be an integer literal, found " + describe(value));
    }

    private long count(Json value) {
      String text = integralText(value, DataKind.COUNT);
      if (text.charAt(0) == '-') {
        if (!text.equals("-0")) {
          throw fail(value, "count data " + text + " is negative");
        }
        return 0;
      }
      long v = 0;
      for (int i = 0; i < text.length(); i++) {
        int d = text.charAt(i) - '0';
        // 2^64 - 1 = 1844674407370955161 * 10 + 5
        if (Long.compareUnsigned(v, 1844674407370955161L) > 0
            || (v == 1844674407370955161L && d > 5)) {
          throw fail(value, "count data " + abbreviate(text) + " exceeds 2^64-1");
        }
        v = v * 10 + d;
      }
      return v;
    }

    private long integer(Json value) {
      String text = integralText(value, DataKind.INTEGER);
      OptionalLong v = parseSigned(text, 0, text.length());
      if (v.isEmpty()) {
        throw fail(value, "integer data " + abbreviate(text) + " is outside the 64-bit range");
      }
      return v.getAsLong();
    }

    private double real(Json value) {
      if (value instanceof JNumber n) {
        if (n.special()) {
          return switch (n.text()) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.NaN;
          };
        }
        if (n.integral()) {
          throw fail(value, "real data needs a fraction or an exponent, found the integer " + abbreviate(n.text()));
        }
        double d = Double.parseDouble(n.text()); // the grammar was checked by the parser
        if (Double.isInfinite(d)) {
          throw fail(value, "real data " + abbreviate(n.text()) + " is too large for a double");
        }
        return d;
      }
      throw fail(value, "real data must be a number, found " + describe(value));
    }

    private byte[] text(Json value, DataKind kind) {
      if (value instanceof JString s) {
        return s.bytes();
      }
      throw fail(value, kind.jsonName() + " data must be a string, found " + describe(value));
    }

    /** String data as text with one char per byte, for the ASCII formats. */
    private String latin1(Json value, DataKind kind) {
      return new String(text(value, kind), StandardCharsets.ISO_8859_1);
    }

    private AddressData address(Json value) {
      String s = latin1(value, DataKind.ADDRESS);
      AddressData a = AddressData.tryParse(s);
      if (a == null) {
        throw fail(value, "not an IPv4 or IPv6 address: " + printable(s));
      }
      return a;
    }

    private SubnetData subnet(Json value) {
      String s = latin1(value, DataKind.SUBNET);
      int slash = s.indexOf('/');
      if (slash < 0) {
        throw fail(value, "subnet " + printable(s) + " has no '/'");
      }
      AddressData a = AddressData.tryParse(s.substring(0, slash));
      if (a == null) {
        throw fail(value, "subnet " + printable(s) + " does not start with an address");
      }
      int len = stoi(s, slash + 1);
      if (len < 0) {
        throw fail(value, "subnet " + printable(s) + " has no prefix length in 0..255");
      }
      if (len > (a.isV4() ? 32 : 128)) {
        return new SubnetData(AddressData.ZERO, 0); // Broker's subnet constructor does this
      }
      return SubnetData.of(a, len);
    }

    /**
     * C++ {@code std::stoi} on the C string starting at {@code from} (whitespace, sign, digits,
     * the rest ignored), reduced to what Broker accepts: the value if it is in 0..255, else -1
     * (also for no digits, where stoi throws).
     */
    private static int stoi(String s, int from) {
      int n = cStringEnd(s);
      int i = from;
      while (i < n && isCSpace(s.charAt(i))) {
        i++;
      }
      boolean negative = false;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        negative = s.charAt(i) == '-';
        i++;
      }
      int digitsStart = i;
      long v = 0;
      for (; i < n && isDigit(s.charAt(i)); i++) {
        v = Math.min(v * 10 + (s.charAt(i) - '0'), 1000); // saturate: only 0..255 matters
      }
      if (i == digitsStart || v > 255 || (negative && v != 0)) {
        return -1;
      }
      return (int) v;
    }

    private PortData port(Json value) {
      String s = latin1(value, DataKind.PORT);
      String c = s.substring(0, cStringEnd(s));
      // strtoul: whitespace, sign, decimal digits; no digits reads as 0; negative wraps.
      int i = 0;
      while (i < c.length() && isCSpace(c.charAt(i))) {
        i++;
      }
      boolean negative = false;
      if (i < c.length() && (c.charAt(i) == '+' || c.charAt(i) == '-')) {
        negative = c.charAt(i) == '-';
        i++;
      }
      long v = 0;
      for (; i < c.length() && isDigit(c.charAt(i)); i++) {
        int d = c.charAt(i) - '0';
        if (Long.compareUnsigned(v, 1844674407370955161L) > 0
            || (v == 1844674407370955161L && d > 5)) {
          throw fail(value, "port number in " + printable(s) + " exceeds 2^64-1");
        }
        v = v * 10 + d;
      }
      int number = (int) ((negative ? -v : v) & 0xFFFF);
      if (s.indexOf('/') < 0) {
        return new PortData(number, PortData.Protocol.TCP);
      }
      int slash = c.indexOf('/');
      if (slash < 0) {
        throw fail(value, "port " + printable(s) + " has its '/' after a NUL byte");
      }
      return new PortData(number, PortData.Protocol.ofText(c.substring(slash + 1)));
    }

    private long timespan(Json value) {
      String s = latin1(value, DataKind.TIMESPAN);
      int i = 0;
      if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int digitsStart = i;
      while (i < s.length() && isDigit(s.charAt(i))) {
        i++;
      }
      if (i == digitsStart) {
        throw fail(value, "timespan " + printable(s) + " does not start with an integer");
      }
      if (s.charAt(digitsStart) == '0' && i - digitsStart > 1) {
        throw fail(value, "timespan " + printable(s) + " has a leading zero (Broker would read octal)");
      }
      long factor = switch (s.substring(i)) {
        case "ns" -> 1L;
        case "us" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> NANOS_PER_SECOND;
        case "min" -> 60 * NANOS_PER_SECOND;
        case "h" -> 3600 * NANOS_PER_SECOND;
        default -> throw fail(value,
            "timespan " + printable(s) + " does not end in ns, us, ms, s, min or h");
      };
      OptionalLong parsed = parseSigned(s, 0, i);
      long n = parsed.orElse(0);
      if (parsed.isEmpty() || n > Long.MAX_VALUE / factor || n < Long.MIN_VALUE / factor) {
        throw fail(value, "timespan " + printable(s) + " is outside the 64-bit nanosecond range");
      }
      return n * factor;
    }

    private long timestamp(Json value) {
      String s = latin1(value, DataKind.TIMESTAMP);
      Cursor c = new Cursor(s);
      int year = c.digits(4);
      boolean ok = year >= 0 && c.skip('-');
      int month = ok ? c.digits(2) : -1;
      ok = month >= 0 && c.skip('-');
      int day = ok ? c.digits(2) : -1;
      ok = day >= 0 && c.skip('T');
      int hour = ok ? c.digits(2) : -1;
      ok = hour >= 0 && c.skip(':');
      int minute = ok ? c.digits(2) : -1;
      ok = minute >= 0 && c.skip(':');
      int second = ok ? c.digits(2) : -1;
      if (second < 0) {
        throw fail(value, "timestamp " + printable(s) + " is not YYYY-MM-DDThh:mm:ss");
      }
      long fraction = 0;
      if (c.skip('.')) {
        int n = 0;
        while (n < 9 && c.isDigit()) {
          fraction = fraction * 10 + c.next() - '0';
          n++;
        }
        if (n == 0) {
          throw fail(value, "timestamp " + printable(s) + " has no digits after '.'");
        }
        for (; n < 9; n++) {
          fraction *= 10;
        }
      }
      int offsetSeconds = 0;
      if (!c.skip('Z') && (c.peek() == '+' || c.peek() == '-')) {
        int sign = c.next() == '-' ? -1 : 1;
        int hh = c.digits(2);
        int mm = 0;
        if (c.skip(':') || c.isDigit()) {
          mm = c.digits(2);
        }
        if (hh < 0 || hh > 23 || mm < 0 || mm > 59) {
          throw fail(value, "timestamp " + printable(s) + " has an invalid UTC offset");
        }
        offsetSeconds = sign * (hh * 3600 + mm * 60);
      }
      if (!c.atEnd()) {
        throw fail(value, "timestamp " + printable(s) + " has unexpected characters at position " + c.pos);
      }
      if (month < 1 || month > 12 || day < 1 || day > LocalDate.of(year, month, 1).lengthOfMonth()
          || hour > 23 || minute > 59 || second > 59) {
        throw fail(value, "timestamp " + printable(s) + " is not a valid date and time");
      }
      long secs = LocalDate.of(year, month, day).toEpochDay() * 86_400L
          + hour * 3600L + minute * 60L + second - offsetSeconds;
      try {
        // Before the epoch, borrow a second so that the product cannot overflow on its own
        // when the sum is still in range (e.g. Long.MIN_VALUE nanoseconds).
        return secs < 0
            ? Math.addExact(Math.multiplyExact(secs + 1, NANOS_PER_SECOND), fraction - NANOS_PER_SECOND)
            : Math.addExact(Math.multiplyExact(secs, NANOS_PER_SECOND), fraction);
      } catch (ArithmeticException e) {
        throw fail(value, "timestamp " + printable(s) + " is outside the 64-bit nanosecond range");
      }
    }

    private JArray array(Json value, DataKind kind, int depth) {
      if (!(value instanceof JArray a)) {
        throw fail(value, kind.jsonName() + " data must be an array, found " + describe(value));
      }
      if (depth > MAX_DEPTH) {
        throw fail(value, "containers nested deeper than " + MAX_DEPTH);
      }
      return a;
    }

    private SetData set(Json value, int depth) {
      TreeSet<Data> set = new TreeSet<>();
      for (Json e : array(value, DataKind.SET, depth).elements()) {
        if (!set.add(data(e, depth + 1))) {
          throw fail(e, "duplicate set element");
        }
      }
      return SetData.wrap(set);
    }

    private TableData table(Json value, int depth) {
      TreeMap<Data, Data> table = new TreeMap<>();
      for (Json e : array(value, DataKind.TABLE, depth).elements()) {
        if (!(e instanceof JObject entry)) {
          throw fail(e, "table entries must be objects with \"key\" and \"value\", found " + describe(e));
        }
        Json k = member(entry, KEY);
        Json v = member(entry, VALUE);
        if (k == null || v == null) {
          throw fail(e, "table entry without a \"" + (k == null ? "key" : "value") + "\" member");
        }
        if (table.putIfAbsent(data(k, depth + 1), data(v, depth + 1)) != null) {
          throw fail(k, "duplicate table key");
        }
      }
      return TableData.wrap(table);
    }

    private VectorData vector(Json value, int depth) {
      List<Json> elements = array(value, DataKind.VECTOR, depth).elements();
      Data[] out = new Data[elements.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = data(elements.get(i), depth + 1);
      }
      return VectorData.wrap(out);
    }
  }

  /**
   * The value of {@code [sign]digits} in {@code s[from, to)} (syntax already checked), or empty
   * if it is outside the signed 64-bit range.
   */
  private static OptionalLong parseSigned(String s, int from, int to) {
    int i = from;
    boolean negative = false;
    if (s.charAt(i) == '-' || s.charAt(i) == '+') {
      negative = s.charAt(i) == '-';
      i++;
    }
    // Accumulate negatively so that Long.MIN_VALUE is reachable.
    long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
    long v = 0;
    for (; i < to; i++) {
      int d = s.charAt(i) - '0';
      if (v < limit / 10 || v * 10 < limit + d) {
        return OptionalLong.empty();
      }
      v = v * 10 - d;
    }
    return OptionalLong.of(negative ? v : -v);
  }

  /** Length of the C string view of {@code s}: up to the first NUL. */
  private static int cStringEnd(String s) {
    int nul = s.indexOf('\0');
    return nul < 0 ? s.length() : nul;
  }

  /** C's {@code isspace} in the "C" locale. */
  private static boolean isCSpace(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
  }

  /** A quoted, ASCII-safe, length-limited rendering of input text for error messages. */
  private static String printable(String s) {
    return printable(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static String printable(byte[] bytes) {
    StringBuilder sb = new StringBuilder().append('"');
    int n = Math.min(bytes.length, 60);
    for (int i = 0; i < n; i++) {
      int b = bytes[i] & 0xFF;
      if (b >= 0x20 && b < 0x7F && b != '"' && b != '\\') {
        sb.append((char) b);
      } else {
        sb.append(String.format("\\x%02x", b));
      }
    }
    return sb.append(bytes.length > n ? "…\"" : "\"").toString();
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "…";
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A read cursor over timestamp text. */
  private static final class Cursor {
    final String s;
    int pos;

    Cursor(String s) {
      this.s = s;
    }

    int peek() {
      return pos < s.length() ? s.charAt(pos) : -1;
    }

    char next() {
      return s.charAt(pos++);
    }

    boolean isDigit() {
      return JsonCodec.isDigit(peek());
    }

    boolean atEnd() {
      return pos == s.length();
    }

    boolean skip(char c) {
      if (peek() == c) {
        pos++;
        return true;
      }
      return false;
    }

    /** Exactly {@code n} decimal digits as a number, or -1. */
    int digits(int n) {
      int v = 0;
      for (int i = 0; i < n; i++) {
        if (!isDigit()) {
          return -1;
        }
        v = v * 10 + next() - '0';
      }
      return v;
    }
  }

  /** A growable byte buffer. */
  private static final class Out {
    private byte[] buf = new byte[64];
    private int size;

    Out put(int b) {
      if (size == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[size++] = (byte) b;
      return this;
    }

    void write(byte[] bytes, int from, int length) {
      if (buf.length - size < length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + length));
      }
      System.arraycopy(bytes, from, buf, size, length);
      size += length;
    }

    Out ascii(String s) {
      for (int i = 0; i < s.length(); i++) {
        put(s.charAt(i));
      }
      return this;
    }

    void reset() {
      size = 0;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, size);
    }
  }
}
