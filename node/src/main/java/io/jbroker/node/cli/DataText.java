package io.jbroker.node.cli;

import io.jbroker.data.AddressData;
import io.jbroker.data.BooleanData;
import io.jbroker.data.CountData;
import io.jbroker.data.Data;
import io.jbroker.data.EnumData;
import io.jbroker.data.IntegerData;
import io.jbroker.data.NoneData;
import io.jbroker.data.PortData;
import io.jbroker.data.RealData;
import io.jbroker.data.SetData;
import io.jbroker.data.StringData;
import io.jbroker.data.SubnetData;
import io.jbroker.data.TableData;
import io.jbroker.data.TimespanData;
import io.jbroker.data.TimestampData;
import io.jbroker.data.VectorData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Broker data as command-line text: the input syntax of {@code jbroker admin} and its {@code
 * --output text} rendering. It follows Broker's and Zeek's text forms where they are unambiguous
 * and adds what they leave out (string quoting, the count/integer distinction, enums, timestamps),
 * so that {@code parse(format(d))} equals {@code d} for every value (except a subnet with host bits
 * set or an out-of-range length, which only Broker's decoder produces).
 *
 * <h2>Grammar</h2>
 *
 * <pre>
 * value     = nil | bool | count | integer | real | timespan | timestamp | port | subnet
 *           | address | string | enum | set | table | vector          (whitespace around tokens is ignored)
 * nil       = "nil"
 * bool      = "T" | "F" | "true" | "false"
 * count     = digits                            0 … 18446744073709551615   (as in Zeek: unsigned literal = count)
 * integer   = ("+" | "-") digits                signed 64-bit              (as in Zeek: a sign makes an int)
 * real      = [sign] digits "." digits [exp] | [sign] digits exp | [sign] "inf" | "nan"      e.g. 3.5, -1e-3
 * timespan  = [sign] digits ["." digits] unit   unit: ns us ms s min h d; whole nanoseconds, e.g. 1500ms, 2.5s, -1h
 * timestamp = "@" ISO-8601 date-time            e.g. @2024-05-01T12:00:00Z, @2024-05-01T14:00:00.5+02:00 (no zone: UTC)
 *           | "@" timespan                      since the epoch, e.g. @1714564800s
 * port      = digits "/" ("tcp" | "udp" | "icmp" | "?")                      e.g. 80/tcp, 53/udp, 0/?
 * subnet    = address "/" digits                e.g. 10.0.0.0/8, 2001:db8::/32 (host bits are cleared)
 * address   = IPv4 dotted quad | IPv6 text      e.g. 10.0.0.1, ::1
 * string    = '"' { char | escape } '"'         escapes: \" \\ \n \r \t \0 \xHH (one raw byte) &#92;u{HEX} (a code point)
 *           | bare-word                         any other bare word, e.g. web, Foo::bar, hello-world
 * enum      = "enum(" name ")" | "enum(" quoted-string ")"                   e.g. enum(Log::WRITER_ASCII)
 * set       = "{" [ value { "," value } ] "}"                               e.g. {1, 2}, {} (the empty set)
 * table     = "{" value "-&gt;" value { "," value "-&gt;" value } "}" | "{-&gt;}"       e.g. {a -&gt; 1, b -&gt; 2}
 * vector    = "[" [ value { "," value } ] "]"  (Broker's rendering "(a, b)" is accepted too)
 * </pre>
 *
 * A bare word is a run of characters other than whitespace, {@code , [ ] ( ) { } "} and the
 * arrow {@code ->}. It is read as the first of the forms above that matches it completely and
 * otherwise as a string: {@code 42} is a count, {@code +42} an integer, {@code 10.0.0.1} an
 * address, {@code T} true, {@code web} the string "web". Quote a string that would read as
 * something else ({@code "42"}, {@code "T"}, {@code "a b"}). A bare word that is all digits but
 * too large for a count, an integer out of range, a timestamp that does not parse and a prefix
 * length too long for its address are errors rather than strings.
 *
 * <h2>Rendering</h2>
 *
 * {@link #format} writes the canonical form of each kind: counts as digits, integers with their
 * sign ({@code +5}, {@code -5}), reals in Java's shortest exact decimal ({@code 3.5}, {@code
 * 1.0E-5}, {@code nan}, {@code inf}), timespans in the coarsest exact unit ({@code 1500ms}),
 * timestamps as {@code @} + ISO-8601 in UTC, strings bare when they read back as the same string
 * and quoted otherwise (bytes that are not UTF-8 as {@code \xHH}), enums as {@code enum(…)},
 * vectors in brackets, tables with {@code ->} and the empty table as {@code {->}}.
 *
 * <p>Errors are {@link BrokerException} with {@link ErrorCode#INVALID_DATA} naming the offset
 * and what was expected.
 */
public final class DataText {
  private static final Pattern COUNT = Pattern.compile("[0-9]+");
  private static final Pattern INTEGER = Pattern.compile("[+-][0-9]+");
  private static final Pattern REAL = Pattern.compile(
      "[+-]?([0-9]+\\.[0-9]+([eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)");
  private static final Pattern TIMESPAN = Pattern.compile("([+-]?[0-9]+(\\.[0-9]+)?)(ns|us|ms|s|min|h|d)");
  private static final Pattern PORT = Pattern.compile("([0-9]{1,5})/(tcp|udp|icmp|\\?)");
  private static final Pattern SUBNET = Pattern.compile("(.+)/([0-9]{1,3})");
  private static final Pattern BARE_STRING = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:\\-]*");
  private static final BigInteger MAX_COUNT = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** Units of timespans, largest first, in nanoseconds. */
  private static final Map<String, Long> UNITS = Map.of(
      "ns", 1L, "us", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L,
      "min", 60_000_000_000L, "h", 3_600_000_000_000L, "d", 86_400_000_000_000L);
  private static final String[] UNIT_ORDER = {"d", "h", "min", "s", "ms", "us", "ns"};

  private final String text;
  private int pos;

  private DataText(String text) {
    this.text = text;
  }

  /**
   * Parses one value; the whole text must be that value (surrounding whitespace allowed).
   *
   * @throws BrokerException INVALID_DATA naming the offset and the problem
   */
  public static Data parse(String text) {
    DataText p = new DataText(text);
    p.skipWs();
    if (p.atEnd()) {
      throw p.error("expected a value, got nothing");
    }
    Data d = p.value(0);
    p.skipWs();
    if (!p.atEnd()) {
      throw p.error("unexpected \"" + p.rest() + "\" after the value (quote strings that contain spaces or commas)");
    }
    return d;
  }

  /** The canonical text of {@code value}; {@link #parse} reads it back as an equal value. */
  public static String format(Data value) {
    StringBuilder sb = new StringBuilder();
    format(value, sb);
    return sb.toString();
  }

  // ---- parsing --------------------------------------------------------------------------------

  private static final int MAX_DEPTH = 100;

  private Data value(int depth) {
    if (depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH + " containers");
    }
    skipWs();
    if (atEnd()) {
      throw error("expected a value, got the end of the text");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '"':
        return StringData.ofBytes(quoted());
      case '[':
        pos++;
        return VectorData.of(sequence(']', depth));
      case '(':
        pos++;
        return VectorData.of(sequence(')', depth));
      case '{':
        pos++;
        return setOrTable(depth);
      case ',':
      case ']':
      case ')':
      case '}':
        throw error("expected a value, got '" + c + "'");
      default:
        if (text.startsWith("->", pos)) {
          throw error("expected a value, got '->'");
        }
        if (text.startsWith("enum(", pos)) {
          return enumValue();
        }
        int start = pos;
        String word = bareWord();
        return classify(word, start);
    }
  }

  private List<Data> sequence(char close, int depth) {
    List<Data> out = new ArrayList<>();
    skipWs();
    if (peek() == close) {
      pos++;
      return out;
    }
    while (true) {
      out.add(value(depth + 1));
      skipWs();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == close) {
        pos++;
        return out;
      } else {
        throw error(atEnd() ? "missing '" + close + "'" : "expected ',' or '" + close + "', got '" + c + "'");
      }
    }
  }

  private Data setOrTable(int depth) {
    skipWs();
    if (peek() == '}') {
      pos++;
      return SetData.of(List.of());
    }
    if (text.startsWith("->", pos)) {
      pos += 2;
      skipWs();
      expect('}', "an empty table is written {->}");
      return TableData.of(Map.of());
    }
    Data first = value(depth + 1);
    skipWs();
    if (text.startsWith("->", pos)) {
      TreeMap<Data, Data> entries = new TreeMap<>();
      Data key = first;
      while (true) {
        pos += 2;
        Data v = value(depth + 1);
        entries.put(key, v);
        skipWs();
        char c = peek();
        if (c == '}') {
          pos++;
          return TableData.of(entries);
        }
        if (c != ',') {
          throw error(atEnd() ? "missing '}'" : "expected ',' or '}' in a table, got '" + c + "'");
        }
        pos++;
        key = value(depth + 1);
        skipWs();
        if (!text.startsWith("->", pos)) {
          throw error("expected '->' after a table key (a table has key -> value entries only)");
        }
      }
    }
    List<Data> elements = new ArrayList<>();
    elements.add(first);
    while (true) {
      skipWs();
      char c = peek();
      if (c == '}') {
        pos++;
        return SetData.of(elements);
      }
      if (c != ',') {
        throw error(atEnd() ? "missing '}'" : "expected ',' or '}' in a set, got '" + c + "'");
      }
      pos++;
      elements.add(value(depth + 1));
      skipWs();
      if (text.startsWith("->", pos)) {
        throw error("'->' in a set (a table needs key -> value for every entry)");
      }
    }
  }

  private Data enumValue() {
    pos += "enum(".length();
    skipWs();
    String name;
    if (peek() == '"') {
      name = null;
      byte[] bytes = quoted();
      skipWs();
      expect(')', "enum(...) needs a closing ')'");
      return EnumData.ofBytes(bytes);
    }
    int start = pos;
    while (!atEnd() && text.charAt(pos) != ')' && !Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
    name = text.substring(start, pos);
    if (name.isEmpty()) {
      throw error("enum() needs a name, e.g. enum(Log::WRITER_ASCII)");
    }
    skipWs();
    expect(')', "enum(...) needs a closing ')'");
    return EnumData.of(name);
  }

  private String bareWord() {
    int start = pos;
    while (!atEnd()) {
      char c = text.charAt(pos);
      if (Character.isWhitespace(c) || c == ',' || c == '[' || c == ']' || c == '(' || c == ')' || c == '{'
          || c == '}' || c == '"' || text.startsWith("->", pos)) {
        break;
      }
      pos++;
    }
    return text.substring(start, pos);
  }

  /** What a bare word means (see the class comment for the order). */
  private Data classify(String w, int at) {
    switch (w) {
      case "nil":
        return NoneData.INSTANCE;
      case "T":
      case "true":
        return BooleanData.of(true);
      case "F":
      case "false":
        return BooleanData.of(false);
      case "inf":
      case "+inf":
        return new RealData(Double.POSITIVE_INFINITY);
      case "-inf":
        return new RealData(Double.NEGATIVE_INFINITY);
      case "nan":
        return new RealData(Double.NaN);
      default:
        break;
    }
    if (COUNT.matcher(w).matches()) {
      BigInteger v = new BigInteger(w);
      if (v.compareTo(MAX_COUNT) > 0) {
        throw errorAt(at, "count " + w + " is larger than 18446744073709551615");
      }
      return new CountData(v.longValue());
    }
    if (INTEGER.matcher(w).matches()) {
      try {
        return new IntegerData(Long.parseLong(w));
      } catch (NumberFormatException e) {
        throw errorAt(at, "integer " + w + " is outside the signed 64-bit range");
      }
    }
    if (REAL.matcher(w).matches()) {
      double d = Double.parseDouble(w);
      if (Double.isInfinite(d)) {
        throw errorAt(at, "real " + w + " is too large for a double");
      }
      return new RealData(d);
    }
    var ts = TIMESPAN.matcher(w);
    if (ts.matches()) {
      return new TimespanData(nanos(ts.group(1), ts.group(3), w, at));
    }
    if (w.startsWith("@")) {
      return timestamp(w, at);
    }
    var port = PORT.matcher(w);
    if (port.matches()) {
      int n = Integer.parseInt(port.group(1));
      if (n > 0xFFFF) {
        throw errorAt(at, "port number " + n + " is larger than 65535");
      }
      String proto = port.group(2);
      return new PortData(n, proto.equals("?") ? PortData.Protocol.UNKNOWN : PortData.Protocol.ofText(proto));
    }
    var subnet = SUBNET.matcher(w);
    if (subnet.matches()) {
      AddressData a = AddressData.tryParse(subnet.group(1));
      if (a != null) {
        int len = Integer.parseInt(subnet.group(2));
        int max = a.isV4() ? 32 : 128;
        if (len > max) {
          throw errorAt(at, "prefix length " + len + " of subnet " + w + " is larger than " + max);
        }
        return SubnetData.of(a, len);
      }
    }
    AddressData a = AddressData.tryParse(w);
    if (a != null) {
      return a;
    }
    return StringData.of(w);
  }

  private long nanos(String number, String unit, String w, int at) {
    try {
      BigDecimal ns = new BigDecimal(number).multiply(BigDecimal.valueOf(UNITS.get(unit)));
      return ns.toBigIntegerExact().longValueExact();
    } catch (ArithmeticException e) {
      throw errorAt(at, "timespan " + w + " is not a whole number of nanoseconds within the 64-bit range");
    }
  }

  private Data timestamp(String w, int at) {
    String t = w.substring(1);
    var ts = TIMESPAN.matcher(t);
    if (ts.matches()) {
      return new TimestampData(nanos(ts.group(1), ts.group(3), w, at));
    }
    try {
      Instant i;
      try {
        i = OffsetDateTime.parse(t).toInstant();
      } catch (DateTimeParseException e) {
        i = Instant.parse(t.endsWith("Z") ? t : t + "Z");
      }
      return new TimestampData(BigInteger.valueOf(i.getEpochSecond()).multiply(BigInteger.valueOf(1_000_000_000L))
          .add(BigInteger.valueOf(i.getNano())).longValueExact());
    } catch (DateTimeParseException | ArithmeticException e) {
      throw errorAt(at, "timestamp " + w + " is neither @<ISO-8601 date-time> (e.g. @2024-05-01T12:00:00Z)"
          + " nor @<timespan since the epoch> (e.g. @1714564800s)");
    }
  }

  private byte[] quoted() {
    int start = pos;
    pos++; // opening quote
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      if (atEnd()) {
        throw errorAt(start, "unterminated string (missing closing '\"')");
      }
      char c = text.charAt(pos);
      if (c == '"') {
        pos++;
        return out.toByteArray();
      }
      if (c == '\\') {
        pos++;
        if (atEnd()) {
          throw errorAt(start, "unterminated string (ends in '\\')");
        }
        char e = text.charAt(pos++);
        switch (e) {
          case '"':
          case '\\':
            out.write(e);
            break;
          case 'n':
            out.write('\n');
            break;
          case 'r':
            out.write('\r');
            break;
          case 't':
            out.write('\t');
            break;
          case '0':
            out.write(0);
            break;
          case 'x':
            out.write(hexByte());
            break;
          case 'u':
            writeCodePoint(out, unicodeEscape());
            break;
          default:
            throw errorAt(pos - 2, "unknown escape \\" + e + " (known: \\\" \\\\ \\n \\r \\t \\0 \\xHH \\u{HEX})");
        }
        continue;
      }
      int cp = text.codePointAt(pos);
      pos += Character.charCount(cp);
      writeCodePoint(out, cp);
    }
  }

  private int hexByte() {
    if (pos + 2 > text.length()) {
      throw errorAt(pos - 2, "\\x needs two hex digits");
    }
    int hi = Character.digit(text.charAt(pos), 16);
    int lo = Character.digit(text.charAt(pos + 1), 16);
    if (hi < 0 || lo < 0) {
      throw errorAt(pos - 2, "\\x needs two hex digits");
    }
    pos += 2;
    return hi * 16 + lo;
  }

  private int unicodeEscape() {
    int at = pos - 2;
    if (peek() != '{') {
      throw errorAt(at, "\\u needs a code point in braces, e.g. \\u{e9}");
    }
    int close = text.indexOf('}', pos);
    if (close < 0 || close == pos + 1 || close - pos > 7) {
      throw errorAt(at, "\\u needs 1 to 6 hex digits in braces, e.g. \\u{1F600}");
    }
    int cp;
    try {
      cp = Integer.parseInt(text.substring(pos + 1, close), 16);
    } catch (NumberFormatException e) {
      throw errorAt(at, "\\u{...} needs hex digits");
    }
    if (cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
      throw errorAt(at, "\\u{" + Integer.toHexString(cp) + "} is not a Unicode scalar value");
    }
    pos = close + 1;
    return cp;
  }

  private static void writeCodePoint(ByteArrayOutputStream out, int cp) {
    byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
    out.write(b, 0, b.length);
  }

  private void expect(char c, String hint) {
    skipWs();
    if (peek() != c) {
      throw error("expected '" + c + "': " + hint);
    }
    pos++;
  }

  private void skipWs() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private boolean atEnd() {
    return pos >= text.length();
  }

  private char peek() {
    return atEnd() ? '\0' : text.charAt(pos);
  }

  private String rest() {
    String r = text.substring(pos);
    return r.length() > 40 ? r.substring(0, 40) + "…" : r;
  }

  private BrokerException error(String what) {
    return errorAt(pos, what);
  }

  private BrokerException errorAt(int at, String what) {
    return new BrokerException(ErrorCode.INVALID_DATA, "cannot read \"" + abbreviate(text) + "\" as data at offset "
        + at + ": " + what);
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }

  // ---- rendering ------------------------------------------------------------------------------

  private static void format(Data d, StringBuilder sb) {
    if (d instanceof NoneData) {
      sb.append("nil");
    } else if (d instanceof BooleanData b) {
      sb.append(b.value() ? 'T' : 'F');
    } else if (d instanceof CountData c) {
      sb.append(Long.toUnsignedString(c.value()));
    } else if (d instanceof IntegerData i) {
      sb.append(i.value() >= 0 ? "+" : "").append(i.value());
    } else if (d instanceof RealData r) {
      sb.append(real(r.value()));
    } else if (d instanceof StringData s) {
      string(s.bytes(), sb);
    } else if (d instanceof AddressData || d instanceof SubnetData || d instanceof PortData) {
      sb.append(d);
    } else if (d instanceof TimestampData t) {
      long secs = Math.floorDiv(t.nanos(), 1_000_000_000L);
      sb.append('@').append(Instant.ofEpochSecond(secs, Math.floorMod(t.nanos(), 1_000_000_000L)));
    } else if (d instanceof TimespanData t) {
      sb.append(timespan(t.nanos()));
    } else if (d instanceof EnumData e) {
      String name = e.name();
      boolean plain = !name.isEmpty() && name.chars().allMatch(ch -> ch > 0x20 && ch < 0x7F && ch != ')' && ch != '"')
          && java.util.Arrays.equals(name.getBytes(StandardCharsets.UTF_8), e.bytes());
      sb.append("enum(");
      if (plain) {
        sb.append(name);
      } else {
        quote(e.bytes(), sb);
      }
      sb.append(')');
    } else if (d instanceof SetData s) {
      sb.append('{');
      boolean first = true;
      for (Data x : s.elements()) {
        if (!first) {
          sb.append(", ");
        }
        first = false;
        format(x, sb);
      }
      sb.append('}');
    } else if (d instanceof TableData t) {
      if (t.isEmpty()) {
        sb.append("{->}");
        return;
      }
      sb.append('{');
      boolean first = true;
      for (Map.Entry<Data, Data> e : t.entries().entrySet()) {
        if (!first) {
          sb.append(", ");
        }
        first = false;
        format(e.getKey(), sb);
        sb.append(" -> ");
        format(e.getValue(), sb);
      }
      sb.append('}');
    } else if (d instanceof VectorData v) {
      sb.append('[');
      boolean first = true;
      for (Data x : v.elements()) {
        if (!first) {
          sb.append(", ");
        }
        first = false;
        format(x, sb);
      }
      sb.append(']');
    } else {
      throw new IllegalStateException("unknown data kind " + d.kind());
    }
  }

  private static String real(double v) {
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    return Double.toString(v); // always has '.' (and maybe 'E'): reads back as a real
  }

  private static String timespan(long nanos) {
    if (nanos == 0) {
      return "0s";
    }
    for (String unit : UNIT_ORDER) {
      long n = UNITS.get(unit);
      if (nanos % n == 0) {
        return (nanos / n) + unit;
      }
    }
    return nanos + "ns";
  }

  private static void string(byte[] bytes, StringBuilder sb) {
    String s = new String(bytes, StandardCharsets.UTF_8);
    if (BARE_STRING.matcher(s).matches() && java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), bytes)) {
      Data back;
      try {
        back = new DataText(s).classify(s, 0);
      } catch (BrokerException e) {
        back = null;
      }
      if (back instanceof StringData bs && bs.value().equals(s) && !s.equals("enum")) {
        sb.append(s);
        return;
      }
    }
    quote(bytes, sb);
  }

  private static void quote(byte[] b, StringBuilder sb) {
    sb.append('"');
    int i = 0;
    while (i < b.length) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        switch (c) {
          case '"' -> sb.append("\\\"");
          case '\\' -> sb.append("\\\\");
          case '\n' -> sb.append("\\n");
          case '\r' -> sb.append("\\r");
          case '\t' -> sb.append("\\t");
          default -> {
            if (c < 0x20 || c == 0x7F) {
              sb.append(String.format("\\x%02x", c));
            } else {
              sb.append((char) c);
            }
          }
        }
        i++;
        continue;
      }
      int len = utf8SequenceLength(b, i);
      if (len > 0) {
        sb.append(new String(b, i, len, StandardCharsets.UTF_8));
        i += len;
      } else {
        sb.append(String.format("\\x%02x", c));
        i++;
      }
    }
    sb.append('"');
  }

  /** Length of the valid UTF-8 sequence of a non-ASCII code point at {@code i}, or 0. */
  private static int utf8SequenceLength(byte[] b, int i) {
    int c = b[i] & 0xFF;
    int len;
    int min;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      min = 0x10000;
    } else {
      return 0;
    }
    if (i + len > b.length) {
      return 0;
    }
    int cp = c & (0xFF >> (len + 1));
    for (int k = 1; k < len; k++) {
      int x = b[i + k] & 0xFF;
      if ((x & 0xC0) != 0x80) {
        return 0;
      }
      cp = (cp << 6) | (x & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return 0;
    }
    return len;
  }
}
