package io.jbroker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jbroker.data.PortData.Protocol;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Broker's JSON form, against the vectors of spec/broker-endpoint.md §1.7 and §9.2. */
class JsonCodecTest {
  private static final HexFormat HEX = HexFormat.of();

  /** The "one of everything" vector of §1.6 and its 177-byte binary encoding. */
  private static final String EVERYTHING_HEX = "0e0e00010102000000000000002a030000000000000017044028f5"
      + "c28f5c28f6051074686973206973206120737472696e670620010db8000000000000000000000000070000000000"
      + "0000000000ffffffffff0078081f90010916e494a9ad2968000a000000055ae826000b03666f6f0c03030000000000"
      + "0000010300000000000000020300000000000000030d02050a66697273742d6e616d6505044a6f686e05096c6173"
      + "742d6e616d650503446f65";

  private static final String EVERYTHING_JSON = "{\"@data-type\":\"vector\",\"data\":["
      + "{\"@data-type\":\"none\",\"data\":{}},"
      + "{\"@data-type\":\"boolean\",\"data\":true},"
      + "{\"@data-type\":\"count\",\"data\":42},"
      + "{\"@data-type\":\"integer\",\"data\":23},"
      + "{\"@data-type\":\"real\",\"data\":12.480000},"
      + "{\"@data-type\":\"string\",\"data\":\"this is a string\"},"
      + "{\"@data-type\":\"address\",\"data\":\"2001:db8::\"},"
      + "{\"@data-type\":\"subnet\",\"data\":\"255.255.255.0/24\"},"
      + "{\"@data-type\":\"port\",\"data\":\"8080/tcp\"},"
      + "{\"@data-type\":\"timestamp\",\"data\":\"2022-04-10T16:07:00.000\"},"
      + "{\"@data-type\":\"timespan\",\"data\":\"23s\"},"
      + "{\"@data-type\":\"enum-value\",\"data\":\"foo\"},"
      + "{\"@data-type\":\"set\",\"data\":[{\"@data-type\":\"integer\",\"data\":1},"
      + "{\"@data-type\":\"integer\",\"data\":2},{\"@data-type\":\"integer\",\"data\":3}]},"
      + "{\"@data-type\":\"table\",\"data\":["
      + "{\"key\":{\"@data-type\":\"string\",\"data\":\"first-name\"},"
      + "\"value\":{\"@data-type\":\"string\",\"data\":\"John\"}},"
      + "{\"key\":{\"@data-type\":\"string\",\"data\":\"last-name\"},"
      + "\"value\":{\"@data-type\":\"string\",\"data\":\"Doe\"}}]}]}";

  private static Data everything() {
    return Data.vector(
        Data.none(),
        Data.of(true),
        Data.count(42),
        Data.integer(23),
        Data.real(12.48),
        Data.string("this is a string"),
        Data.address("2001:db8::"),
        Data.subnet(Data.address("255.255.255.0"), 24),
        Data.port(8080, Protocol.TCP),
        Data.timestampNanos(1_649_606_820_000_000_000L),
        Data.timespanNanos(23_000_000_000L),
        Data.enumValue("foo"),
        Data.set(Data.integer(1), Data.integer(2), Data.integer(3)),
        Data.table(Data.string("first-name"), Data.string("John"),
            Data.string("last-name"), Data.string("Doe")));
  }

  /** {@code {"@data-type":<type>,"data":<data>}}. */
  private static String obj(String type, String data) {
    return "{\"@data-type\":\"" + type + "\",\"data\":" + data + "}";
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertRejected(String json, String messagePart) {
    assertRejected(utf8(json), messagePart);
  }

  private static void assertRejected(byte[] json, String messagePart) {
    assertThatThrownBy(() -> JsonCodec.decode(json))
        .isInstanceOfSatisfying(BrokerException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
          assertThat(e.getMessage()).startsWith("invalid Broker JSON").contains(messagePart);
        });
  }

  // ---- spec §1.7.3 examples and §9.2 vectors ------------------------------------------------

  @Nested
  class SpecVectors {
    @Test
    void rendersEveryExampleOfSection173() {
      assertThat(JsonCodec.toJson(Data.count(42))).isEqualTo("{\"@data-type\":\"count\",\"data\":42}");
      assertThat(JsonCodec.toJson(Data.real(42.0))).isEqualTo("{\"@data-type\":\"real\",\"data\":42.000000}");
      assertThat(JsonCodec.toJson(Data.string("foo\n\"bar")))
          .isEqualTo("{\"@data-type\":\"string\",\"data\":\"foo\\n\\\"bar\"}");
      assertThat(JsonCodec.toJson(Data.timespanNanos(1_500_000_000L)))
          .isEqualTo("{\"@data-type\":\"timespan\",\"data\":\"1500ms\"}");
      assertThat(JsonCodec.toJson(Data.timestampNanos(1_404_901_004_000_000_000L)))
          .isEqualTo("{\"@data-type\":\"timestamp\",\"data\":\"2014-07-09T10:16:44.000\"}");
      assertThat(JsonCodec.toJson(Data.set(Data.integer(3), Data.count(1), Data.string("a"), Data.integer(-1))))
          .isEqualTo("{\"@data-type\":\"set\",\"data\":[{\"@data-type\":\"count\",\"data\":1},"
              + "{\"@data-type\":\"integer\",\"data\":-1},{\"@data-type\":\"integer\",\"data\":3},"
              + "{\"@data-type\":\"string\",\"data\":\"a\"}]}");
      assertThat(JsonCodec.toJson(Data.table(Data.string("b"), Data.count(2), Data.string("a"), Data.integer(-1))))
          .isEqualTo("{\"@data-type\":\"table\",\"data\":[{\"key\":{\"@data-type\":\"string\",\"data\":\"a\"},"
              + "\"value\":{\"@data-type\":\"integer\",\"data\":-1}},{\"key\":{\"@data-type\":\"string\","
              + "\"data\":\"b\"},\"value\":{\"@data-type\":\"count\",\"data\":2}}]}");
    }

    @Test
    void parsesEveryExampleOfSection173BackToItsValue() {
      List<Data> values = List.of(Data.count(42), Data.real(42.0), Data.string("foo\n\"bar"),
          Data.timespanNanos(1_500_000_000L), Data.timestampNanos(1_404_901_004_000_000_000L),
          Data.set(Data.integer(3), Data.count(1), Data.string("a"), Data.integer(-1)),
          Data.table(Data.string("b"), Data.count(2), Data.string("a"), Data.integer(-1)));
      for (Data v : values) {
        assertThat(JsonCodec.fromJson(JsonCodec.toJson(v))).isEqualTo(v);
      }
    }

    @Test
    void vector25RendersRealsLikePrintfIncludingInvalidJsonForInfinity() {
      assertThat(JsonCodec.toJson(Data.real(42.0))).isEqualTo("{\"@data-type\":\"real\",\"data\":42.000000}");
      assertThat(JsonCodec.toJson(Data.real(1e-7))).isEqualTo("{\"@data-type\":\"real\",\"data\":0.000000}");
      assertThat(JsonCodec.toJson(Data.real(1.2345678912))).isEqualTo("{\"@data-type\":\"real\",\"data\":1.234568}");
      assertThat(JsonCodec.toJson(Data.real(Double.POSITIVE_INFINITY)))
          .isEqualTo("{\"@data-type\":\"real\",\"data\":inf}");
      assertThat(JsonCodec.toJson(Data.real(Double.NEGATIVE_INFINITY)))
          .isEqualTo("{\"@data-type\":\"real\",\"data\":-inf}");
      assertThat(JsonCodec.toJson(Data.real(Double.NaN))).isEqualTo("{\"@data-type\":\"real\",\"data\":nan}");
      assertThat(JsonCodec.toJson(Data.real(-0.0))).isEqualTo("{\"@data-type\":\"real\",\"data\":-0.000000}");
      assertThat(JsonCodec.toJson(Data.real(1234567890123456789012345.0)))
          .isEqualTo("{\"@data-type\":\"real\",\"data\":1234567890123456824475648.000000}");
    }

    @Test
    void vector26RendersTimespansInTheCoarsestExactUnit() {
      assertThat(JsonCodec.toJson(Data.timespanNanos(0))).isEqualTo("{\"@data-type\":\"timespan\",\"data\":\"0s\"}");
      assertThat(JsonCodec.toJson(Data.timespanNanos(1000))).isEqualTo("{\"@data-type\":\"timespan\",\"data\":\"1us\"}");
      assertThat(JsonCodec.toJson(Data.timespanNanos(1_500_000_000L)))
          .isEqualTo("{\"@data-type\":\"timespan\",\"data\":\"1500ms\"}");
      assertThat(JsonCodec.toJson(Data.timespanNanos(3_600_000_000_000L)))
          .isEqualTo("{\"@data-type\":\"timespan\",\"data\":\"3600s\"}");
    }

    @Test
    void vector27RendersTimestampsTruncatedToMillisecondsWithoutZone() {
      assertThat(JsonCodec.toJson(Data.timestampNanos(1_404_901_004_123_456_789L)))
          .isEqualTo("{\"@data-type\":\"timestamp\",\"data\":\"2014-07-09T10:16:44.123\"}");
    }

    @Test
    void vector28RejectsBareIntegerRealFractionalCountAndDayTimespan() {
      assertRejected("{\"@data-type\":\"real\",\"data\":42}", "real data needs a fraction or an exponent");
      assertRejected("{\"@data-type\":\"count\",\"data\":1.0}", "count data must be an integer literal");
      assertRejected("{\"@data-type\":\"timespan\",\"data\":\"2d\"}", "does not end in ns, us, ms, s, min or h");
    }

    @Test
    void vector29ParsesTimestampIntoBrokersBinary() {
      Data d = JsonCodec.fromJson("{\"@data-type\":\"timestamp\",\"data\":\"2022-04-10T16:07:00.000\"}");
      assertThat(HEX.formatHex(BinaryCodec.encode(d))).isEqualTo("0916e494a9ad296800");
    }

    @Test
    void vector30EscapesNewlineAndQuote() {
      assertThat(JsonCodec.toJson(Data.string("foo\n\"bar")))
          .isEqualTo("{\"@data-type\":\"string\",\"data\":\"foo\\n\\\"bar\"}");
    }

    @Test
    void vector31RendersAddressesLikeBroker() {
      assertThat(JsonCodec.toJson(Data.address("2001:db8:0:0:1:0:0:1")))
          .isEqualTo("{\"@data-type\":\"address\",\"data\":\"2001:db8::1:0:0:1\"}");
      assertThat(JsonCodec.toJson(Data.address("2001:db8:0:1:1:1:1:1")))
          .isEqualTo("{\"@data-type\":\"address\",\"data\":\"2001:db8:0:1:1:1:1:1\"}");
      assertThat(JsonCodec.toJson(Data.address("::ffff:10.0.0.1")))
          .isEqualTo("{\"@data-type\":\"address\",\"data\":\"10.0.0.1\"}");
    }

    @Test
    void dataMessageMembersAroundTheValueAreIgnored() {
      assertThat(JsonCodec.fromJson(
          "{\"type\":\"data-message\",\"topic\":\"/topic/test\",\"@data-type\":\"count\",\"data\":42}"))
          .isEqualTo(Data.count(42));
    }
  }

  @Nested
  class OneOfEverything {
    @Test
    void rendersTheOneOfEverythingVector() {
      assertThat(JsonCodec.toJson(everything())).isEqualTo(EVERYTHING_JSON);
    }

    @Test
    void renderedJsonParsesBackToBrokersBinary() {
      Data parsed = JsonCodec.fromJson(JsonCodec.toJson(everything()));
      assertThat(parsed).isEqualTo(everything());
      assertThat(HEX.formatHex(BinaryCodec.encode(parsed))).isEqualTo(EVERYTHING_HEX);
      assertThat(BinaryCodec.encode(parsed)).hasSize(177);
    }

    /** The document of Broker's {@code internal/json.test.cc}, pretty-printed, as a data message. */
    private static final String BROKER_TEST_DOCUMENT = """
        {
          "type": "data-message",
          "topic": "/test/cpp/internal/json-type-mapper",
          "@data-type": "vector",
          "data": [
            { "@data-type": "none", "data": {} },
            { "@data-type": "boolean", "data": true },
            { "@data-type": "count", "data": 42 },
            { "@data-type": "integer", "data": 23 },
            { "@data-type": "real", "data": 12.48 },
            { "@data-type": "string", "data": "this is a string" },
            { "@data-type": "address", "data": "2001:db8::" },
            { "@data-type": "subnet", "data": "255.255.255.0/24" },
            { "@data-type": "port", "data": "8080/tcp" },
            { "@data-type": "timestamp", "data": "2022-04-10T16:07:00.000" },
            { "@data-type": "timespan", "data": "23s" },
            { "@data-type": "enum-value", "data": "foo" },
            {
              "@data-type": "set",
              "data": [
                { "@data-type": "integer", "data": 1 },
                { "@data-type": "integer", "data": 2 },
                { "@data-type": "integer", "data": 3 }
              ]
            },
            {
              "@data-type": "table",
              "data": [
                {
                  "key": { "@data-type": "string", "data": "first-name" },
                  "value": { "@data-type": "string", "data": "John" }
                },
                {
                  "key": { "@data-type": "string", "data": "last-name" },
                  "value": { "@data-type": "string", "data": "Doe" }
                }
              ]
            }
          ]
        }
        """;

    @Test
    void brokersPrettyPrintedTestDocumentParsesToTheSameBinary() {
      Data parsed = JsonCodec.fromJson(BROKER_TEST_DOCUMENT);
      assertThat(parsed).isEqualTo(everything());
      assertThat(HEX.formatHex(BinaryCodec.encode(parsed))).isEqualTo(EVERYTHING_HEX);
    }
  }

  // ---- rendering ----------------------------------------------------------------------------

  @Nested
  class Rendering {
    @Test
    void rendersScalarsWithoutWhitespace() {
      assertThat(JsonCodec.toJson(Data.none())).isEqualTo("{\"@data-type\":\"none\",\"data\":{}}");
      assertThat(JsonCodec.toJson(Data.of(false))).isEqualTo("{\"@data-type\":\"boolean\",\"data\":false}");
      assertThat(JsonCodec.toJson(Data.count(-1))).isEqualTo("{\"@data-type\":\"count\",\"data\":18446744073709551615}");
      assertThat(JsonCodec.toJson(Data.integer(Long.MIN_VALUE)))
          .isEqualTo("{\"@data-type\":\"integer\",\"data\":-9223372036854775808}");
      assertThat(JsonCodec.toJson(Data.enumValue("Broker::SQLITE_SYNCHRONOUS_FULL")))
          .isEqualTo("{\"@data-type\":\"enum-value\",\"data\":\"Broker::SQLITE_SYNCHRONOUS_FULL\"}");
      assertThat(JsonCodec.toJson(Data.subnet("192.168.9.8/24")))
          .isEqualTo("{\"@data-type\":\"subnet\",\"data\":\"192.168.9.0/24\"}");
      assertThat(JsonCodec.toJson(Data.subnet("2001:db8::/32")))
          .isEqualTo("{\"@data-type\":\"subnet\",\"data\":\"2001:db8::/32\"}");
      assertThat(JsonCodec.toJson(Data.port(9000, Protocol.UDP))).isEqualTo("{\"@data-type\":\"port\",\"data\":\"9000/udp\"}");
      assertThat(JsonCodec.toJson(Data.port(8, Protocol.ICMP))).isEqualTo("{\"@data-type\":\"port\",\"data\":\"8/icmp\"}");
      assertThat(JsonCodec.toJson(Data.port(0, Protocol.UNKNOWN))).isEqualTo("{\"@data-type\":\"port\",\"data\":\"0/?\"}");
    }

    @Test
    void rendersEmptyContainersAsEmptyArrays() {
      assertThat(JsonCodec.toJson(Data.vector())).isEqualTo("{\"@data-type\":\"vector\",\"data\":[]}");
      assertThat(JsonCodec.toJson(Data.set())).isEqualTo("{\"@data-type\":\"set\",\"data\":[]}");
      assertThat(JsonCodec.toJson(Data.table())).isEqualTo("{\"@data-type\":\"table\",\"data\":[]}");
    }

    @Test
    void escapesExactlyBrokersEightCharacters() {
      assertThat(JsonCodec.toJson(Data.string("\\ \b \f \n \r \t \u000B \"")))
          .isEqualTo("{\"@data-type\":\"string\",\"data\":\"\\\\ \\b \\f \\n \\r \\t \\v \\\"\"}");
      assertThat(JsonCodec.toJson(Data.enumValue("a\tb"))).isEqualTo("{\"@data-type\":\"enum-value\",\"data\":\"a\\tb\"}");
    }

    @Test
    void copiesOtherControlBytesSlashAndUtf8Raw() {
      byte[] value = bytes(0x00, 0x01, 0x1f, 0x7f, '/', 0xc3, 0xa9);
      byte[] expected = concat(utf8("{\"@data-type\":\"string\",\"data\":\""), value, utf8("\"}"));
      assertThat(JsonCodec.encode(StringData.ofBytes(value))).isEqualTo(expected);
      assertThat(JsonCodec.toJson(Data.string("\u0001/é")))
          .isEqualTo("{\"@data-type\":\"string\",\"data\":\"\u0001/é\"}");
    }

    @Test
    void encodeCopiesNonUtf8BytesVerbatimWhileToJsonReplacesThem() {
      StringData s = StringData.ofBytes(bytes(0x61, 0xff, 0x62));
      assertThat(JsonCodec.encode(s))
          .isEqualTo(concat(utf8("{\"@data-type\":\"string\",\"data\":\"a"), bytes(0xff), utf8("b\"}")));
      assertThat(JsonCodec.toJson(s)).isEqualTo("{\"@data-type\":\"string\",\"data\":\"a\uFFFDb\"}");
    }

    @ParameterizedTest(name = "{0} ns renders as \"{1}\"")
    @CsvSource({
      "0, 0s",
      "1, 1ns",
      "999, 999ns",
      "1000, 1us",
      "1001, 1001ns",
      "999000, 999us",
      "1000000, 1ms",
      "999000000, 999ms",
      "1000000000, 1s",
      "1500000000, 1500ms",
      "90000000000, 90s",
      "3600000000000, 3600s",
      "86400000000000, 86400s",
      "-1, -1ns",
      "-2000000000, -2s",
      "-1500000, -1500us",
      "9223372036854775807, 9223372036854775807ns",
      "-9223372036854775808, -9223372036854775808ns",
      "9223372036000000000, 9223372036s",
    })
    void rendersTimespansInTheCoarsestExactUnit(long nanos, String text) {
      assertThat(JsonCodec.toJson(Data.timespanNanos(nanos)))
          .isEqualTo("{\"@data-type\":\"timespan\",\"data\":\"" + text + "\"}");
    }

    @ParameterizedTest(name = "{0} ns renders as \"{1}\"")
    @CsvSource({
      "0, 1970-01-01T00:00:00.000",
      "999999, 1970-01-01T00:00:00.000",
      "1000000, 1970-01-01T00:00:00.001",
      "1404901004123456789, 2014-07-09T10:16:44.123",
      "1649606820000000000, 2022-04-10T16:07:00.000",
      "1456704000999999999, 2016-02-29T00:00:00.999",
      "-1500000000, 1969-12-31T23:59:59.000",
      "-500000000, 1970-01-01T00:00:00.000",
      "-1000000000, 1969-12-31T23:59:59.000",
      "9223372036854775807, 2262-04-11T23:47:16.854",
      "-9223372036854775808, 1677-09-21T00:12:44.000",
    })
    void rendersTimestampsLikeBrokerIncludingPreEpoch(long nanos, String text) {
      assertThat(JsonCodec.toJson(Data.timestampNanos(nanos)))
          .isEqualTo("{\"@data-type\":\"timestamp\",\"data\":\"" + text + "\"}");
    }

    @ParameterizedTest(name = "{0} renders as \"{1}\"")
    @CsvSource({
      "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
      "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
      "0:0:1:0:0:0:1:0, 0:0:1::1:0",
      "1:0:0:2:0:0:0:3, 1:0:0:2::3",
      "2001:DB8::, 2001:db8::",
      "::, ::",
      "::1, ::1",
      "fe80::1, fe80::1",
      "::ffff:10.0.0.1, 10.0.0.1",
      "192.168.9.8, 192.168.9.8",
    })
    void rendersAddressesWithTheFirstLongestZeroRunCompressed(String input, String text) {
      assertThat(JsonCodec.toJson(Data.address(input)))
          .isEqualTo("{\"@data-type\":\"address\",\"data\":\"" + text + "\"}");
    }

    @Test
    void rendersNestedContainers() {
      Data v = Data.vector(Data.set(), Data.table(Data.count(1), Data.vector(Data.string("world"))));
      assertThat(JsonCodec.toJson(v)).isEqualTo("{\"@data-type\":\"vector\",\"data\":["
          + "{\"@data-type\":\"set\",\"data\":[]},"
          + "{\"@data-type\":\"table\",\"data\":[{\"key\":{\"@data-type\":\"count\",\"data\":1},"
          + "\"value\":{\"@data-type\":\"vector\",\"data\":[{\"@data-type\":\"string\",\"data\":\"world\"}]}}]}]}");
    }
  }

  // ---- parsing ------------------------------------------------------------------------------

  @Nested
  class Parsing {
    @Test
    void memberOrderDoesNotMatterAndUnknownMembersAreIgnored() {
      assertThat(JsonCodec.fromJson("{\"data\":42,\"@data-type\":\"count\"}")).isEqualTo(Data.count(42));
      assertThat(JsonCodec.fromJson("{\"x\":[1,{\"y\":null}],\"data\":\"a\",\"z\":true,\"@data-type\":\"string\"}"))
          .isEqualTo(Data.string("a"));
      assertThat(JsonCodec.fromJson(obj("table", "[{\"value\":" + obj("none", "{}") + ",\"extra\":1,\"key\":"
          + obj("count", "1") + "}]"))).isEqualTo(Data.table(Data.count(1), Data.none()));
    }

    @Test
    void toleratesJsonWhitespaceEverywhere() {
      assertThat(JsonCodec.fromJson(" \t\r\n{ \"@data-type\" :\n\"vector\" , \"data\" : [ {\"@data-type\":\"none\","
          + "\"data\":{ }} , {\"data\":[ ],\"@data-type\":\"set\"} ] }\n"))
          .isEqualTo(Data.vector(Data.none(), Data.set()));
    }

    @Test
    void memberNamesMayUseEscapes() {
      assertThat(JsonCodec.fromJson("{\"@data\\u002dtype\":\"count\",\"d\\u0061ta\":7}")).isEqualTo(Data.count(7));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "null", "[1,2]", "\"x\"", "17", "true", "nan"})
    void noneAcceptsAnyData(String data) {
      assertThat(JsonCodec.fromJson(obj("none", data))).isEqualTo(Data.none());
    }

    @Test
    void booleanAcceptsOnlyTrueAndFalse() {
      assertThat(JsonCodec.fromJson(obj("boolean", "true"))).isEqualTo(Data.of(true));
      assertThat(JsonCodec.fromJson(obj("boolean", "false"))).isEqualTo(Data.of(false));
      assertRejected(obj("boolean", "1"), "boolean data must be true or false, found the number 1");
      assertRejected(obj("boolean", "\"true\""), "found a string");
      assertRejected(obj("boolean", "null"), "found null");
    }

    @Test
    void countAcceptsTheFullUnsignedRange() {
      assertThat(JsonCodec.fromJson(obj("count", "0"))).isEqualTo(Data.count(0));
      assertThat(JsonCodec.fromJson(obj("count", "-0"))).isEqualTo(Data.count(0));
      assertThat(JsonCodec.fromJson(obj("count", "18446744073709551615"))).isEqualTo(Data.count(-1));
      assertRejected(obj("count", "18446744073709551616"), "exceeds 2^64-1");
      assertRejected(obj("count", "99999999999999999999999999999"), "exceeds 2^64-1");
      assertRejected(obj("count", "-1"), "count data -1 is negative");
      assertRejected(obj("count", "1e3"), "must be an integer literal");
      assertRejected(obj("count", "\"1\""), "must be an integer literal, found a string");
    }

    @Test
    void integerAcceptsTheSigned64BitRange() {
      assertThat(JsonCodec.fromJson(obj("integer", "-9223372036854775808"))).isEqualTo(Data.integer(Long.MIN_VALUE));
      assertThat(JsonCodec.fromJson(obj("integer", "9223372036854775807"))).isEqualTo(Data.integer(Long.MAX_VALUE));
      assertThat(JsonCodec.fromJson(obj("integer", "-0"))).isEqualTo(Data.integer(0));
      assertRejected(obj("integer", "9223372036854775808"), "outside the 64-bit range");
      assertRejected(obj("integer", "-9223372036854775809"), "outside the 64-bit range");
      assertRejected(obj("integer", "-" + "9".repeat(500)), "outside the 64-bit range");
      assertRejected(obj("integer", "1.0"), "integer data must be an integer literal");
    }

    @Test
    void realNeedsAFractionOrAnExponent() {
      assertThat(JsonCodec.fromJson(obj("real", "1.0"))).isEqualTo(Data.real(1.0));
      assertThat(JsonCodec.fromJson(obj("real", "1e3"))).isEqualTo(Data.real(1000.0));
      assertThat(JsonCodec.fromJson(obj("real", "1E-2"))).isEqualTo(Data.real(0.01));
      assertThat(JsonCodec.fromJson(obj("real", "12.480000"))).isEqualTo(Data.real(12.48));
      assertThat(JsonCodec.fromJson(obj("real", "-0.0"))).isEqualTo(Data.real(-0.0));
      assertThat(JsonCodec.fromJson(obj("real", "1e-400"))).isEqualTo(Data.real(0.0));
      assertRejected(obj("real", "42"), "found the integer 42");
      assertRejected(obj("real", "1e400"), "too large for a double");
      assertRejected(obj("real", "\"1.0\""), "real data must be a number, found a string");
    }

    @Test
    void realAcceptsTheInfAndNanTokensZeekEmits() {
      assertThat(JsonCodec.fromJson(obj("real", "inf"))).isEqualTo(Data.real(Double.POSITIVE_INFINITY));
      assertThat(JsonCodec.fromJson(obj("real", "-inf"))).isEqualTo(Data.real(Double.NEGATIVE_INFINITY));
      assertThat(JsonCodec.fromJson(obj("real", "nan"))).isEqualTo(Data.real(Double.NaN));
      assertThat(JsonCodec.fromJson(obj("real", "-nan"))).isEqualTo(Data.real(Double.NaN));
      assertRejected(obj("count", "inf"), "count data must be an integer literal, found the number inf");
      assertRejected(obj("real", "infinity"), "expected ',' or '}' in an object, found 'i'");
      assertRejected(obj("real", "Infinity"), "expected a JSON value, found 'I'");
      assertRejected(obj("real", "NaN"), "found 'N'");
    }

    @Test
    void stringsDecodeEveryJsonEscapeToUtf8() {
      Data d = JsonCodec.fromJson(obj("string",
          "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\v\\u0041\\u00e9\\u20AC\\ud83d\\ude00\\u0000\""));
      assertThat(((StringData) d).bytes()).isEqualTo(concat(
          bytes('"', '\\', '/', 8, 12, 10, 13, 9, 11, 'A'), bytes(0xc3, 0xa9), bytes(0xe2, 0x82, 0xac),
          bytes(0xf0, 0x9f, 0x98, 0x80), bytes(0)));
      assertThat(JsonCodec.fromJson(obj("enum-value", "\"a\\u0020b\""))).isEqualTo(Data.enumValue("a b"));
    }

    @Test
    void stringsKeepRawControlAndNonUtf8Bytes() {
      byte[] raw = bytes(0x00, 0x01, '\n', 0x1f, 0x7f, 0x80, 0xff, 0xc3, 0xa9);
      byte[] json = concat(utf8("{\"@data-type\":\"string\",\"data\":\""), raw, utf8("\"}"));
      assertThat(((StringData) JsonCodec.decode(json)).bytes()).isEqualTo(raw);
      assertThat(JsonCodec.fromJson(obj("string", "\"tab\there\""))).isEqualTo(Data.string("tab\there"));
    }

    @Test
    void everyByteStringSurvivesARoundTrip() {
      byte[] all = new byte[256];
      for (int i = 0; i < 256; i++) {
        all[i] = (byte) i;
      }
      StringData s = StringData.ofBytes(all);
      assertThat(JsonCodec.decode(JsonCodec.encode(s))).isEqualTo(s);
      assertThat(JsonCodec.decode(JsonCodec.encode(EnumData.ofBytes(all)))).isEqualTo(EnumData.ofBytes(all));
    }

    @Test
    void addressAcceptsIpv4AndIpv6Text() {
      assertThat(JsonCodec.fromJson(obj("address", "\"192.168.9.8\""))).isEqualTo(Data.address("192.168.9.8"));
      assertThat(JsonCodec.fromJson(obj("address", "\"2001:DB8::1\""))).isEqualTo(Data.address("2001:db8::1"));
      assertThat(JsonCodec.fromJson(obj("address", "\"::ffff:1.2.3.4\""))).isEqualTo(Data.address("1.2.3.4"));
      assertRejected(obj("address", "\"256.1.1.1\""), "not an IPv4 or IPv6 address: \"256.1.1.1\"");
      assertRejected(obj("address", "\"example.com\""), "not an IPv4 or IPv6 address");
      assertRejected(obj("address", "\"\""), "not an IPv4 or IPv6 address");
      assertRejected(obj("address", "3232238856"), "address data must be a string");
    }

    @ParameterizedTest(name = "\"{0}\" parses as {1}")
    @CsvSource({
      "192.168.9.8/24, 192.168.9.0/24",
      "10.0.0.0/8abc, 10.0.0.0/8",
      "'10.0.0.0/ 8', 10.0.0.0/8",
      "10.0.0.0/+8, 10.0.0.0/8",
      "10.0.0.0/-0, 0.0.0.0/0",
      "10.0.0.0/008, 10.0.0.0/8",
      "10.0.0.0/32, 10.0.0.0/32",
      "10.0.0.0/33, ::/0",
      "2001:db8::/32, 2001:db8::/32",
      "2001:db8::1/128, 2001:db8::1/128",
      "2001:db8::/129, ::/0",
      "2001:db8::/255, ::/0",
    })
    void subnetParsesTheLengthLikeStoi(String input, String rendered) {
      Data d = JsonCodec.fromJson(obj("subnet", quote(input)));
      assertThat(d.toString()).isEqualTo(rendered);
    }

    @Test
    void subnetWithALengthIllegalForItsFamilyIsTheZeroSubnet() {
      assertThat(JsonCodec.fromJson(obj("subnet", "\"10.0.0.0/33\""))).isEqualTo(new SubnetData(AddressData.ZERO, 0));
      assertThat(HEX.formatHex(BinaryCodec.encode(JsonCodec.fromJson(obj("subnet", "\"192.168.9.8/24\"")))))
          .isEqualTo("0700000000000000000000ffffc0a8090078");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/256", "10.0.0.0/-1", "10.0.0.0", "10.0.0.0/", "10.0.0.0/x",
        "10.0.0/8", "10.0.0.0//8", "10.0.0.0/99999999999999999999", "/8", "10.0.0.0/\\u00008"})
    void subnetRejectsMissingOrOutOfRangeLengthsAndBadAddresses(String input) {
      assertRejected(obj("subnet", quote(input)), "subnet \"");
    }

    @ParameterizedTest(name = "\"{0}\" parses as {1}")
    @CsvSource({
      "80/tcp, 80/tcp",
      "53/udp, 53/udp",
      "8/icmp, 8/icmp",
      "0/?, 0/?",
      "80/sctp, 80/?",
      "80/TCP, 80/?",
      "80/, 80/?",
      "80, 80/tcp",
      "70000/udp, 4464/udp",
      "65536, 0/tcp",
      "-1/udp, 65535/udp",
      "18446744073709551615/udp, 65535/udp",
      "/tcp, 0/tcp",
      "abc, 0/tcp",
      "'  80/tcp', 80/tcp",
      "'80 /udp', 80/udp",
      "+80/tcp, 80/tcp",
      "80x/udp, 80/udp",
      "80/tcp\\u0000junk, 80/tcp",
    })
    void portParsesTheNumberLikeStrtoulAndTruncatesIt(String input, String rendered) {
      assertThat(JsonCodec.fromJson(obj("port", quote(input))).toString()).isEqualTo(rendered);
    }

    @Test
    void portRejectsNumbersBeyond64BitsAndASlashHiddenBehindNul() {
      assertRejected(obj("port", "\"18446744073709551616/tcp\""), "exceeds 2^64-1");
      assertRejected(obj("port", "\"80\\u0000/tcp\""), "'/' after a NUL byte");
      assertRejected(obj("port", "80"), "port data must be a string");
    }

    @ParameterizedTest(name = "\"{0}\" is {1} ns")
    @CsvSource({
      "5ns, 5",
      "5us, 5000",
      "5ms, 5000000",
      "5s, 5000000000",
      "5min, 300000000000",
      "5h, 18000000000000",
      "-3s, -3000000000",
      "+3s, 3000000000",
      "0s, 0",
      "-0ns, 0",
      "1500ms, 1500000000",
      "9223372036854775807ns, 9223372036854775807",
      "-9223372036854775808ns, -9223372036854775808",
      "9223372036s, 9223372036000000000",
      "2562047h, 9223369200000000000",
    })
    void timespanAcceptsEveryUnitBrokerKnows(String input, long nanos) {
      assertThat(JsonCodec.fromJson(obj("timespan", quote(input)))).isEqualTo(Data.timespanNanos(nanos));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2d", "1.5s", "s", "5", "5 s", " 5s", "5s ", "010s", "5S", "5m", "5mins", "5sec",
        "", "--5s", "+-5s", "0x10s"})
    void timespanRejectsFractionsDaysAndMalformedText(String input) {
      assertRejected(obj("timespan", quote(input)), "timespan \"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372037s", "9223372036854775808ns", "-9223372036854775809ns", "2562048h",
        "153722868min", "99999999999999999999999999h"})
    void timespanRejectsOverflow(String input) {
      assertRejected(obj("timespan", quote(input)), "outside the 64-bit nanosecond range");
    }

    @ParameterizedTest(name = "\"{0}\" is {1} ns")
    @CsvSource({
      "2014-07-09T10:16:44, 1404901004000000000",
      "2014-07-09T10:16:44Z, 1404901004000000000",
      "2014-07-09T10:16:44.000, 1404901004000000000",
      "2014-07-09T10:16:44.5, 1404901004500000000",
      "2014-07-09T10:16:44.123456789, 1404901004123456789",
      "2014-07-09T10:16:44.000000001Z, 1404901004000000001",
      "2014-07-09T12:16:44+02:00, 1404901004000000000",
      "2014-07-09T12:16:44+0200, 1404901004000000000",
      "2014-07-09T12:16:44+02, 1404901004000000000",
      "2014-07-09T04:46:44-05:30, 1404901004000000000",
      "2014-07-09T12:16:44.250+02:00, 1404901004250000000",
      "2014-07-09T10:16:44.250-00:00, 1404901004250000000",
      "2016-02-29T00:00:00, 1456704000000000000",
      "1970-01-01T00:00:00, 0",
      "1969-12-31T23:59:59.5, -500000000",
      "1677-09-21T00:12:43.145224192Z, -9223372036854775808",
      "2262-04-11T23:47:16.854775807Z, 9223372036854775807",
    })
    void timestampAcceptsZonesOffsetsAndUpToNineFractionalDigits(String input, long nanos) {
      assertThat(JsonCodec.fromJson(obj("timestamp", quote(input)))).isEqualTo(Data.timestampNanos(nanos));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2014-07-09T10:16:44.1234567890", "2014-02-30T00:00:00", "2015-02-29T00:00:00",
        "2014-07-09T24:00:00", "2014-07-09T10:60:00", "2014-07-09T10:16:60", "2014-13-01T00:00:00",
        "2014-00-01T00:00:00", "2014-07-00T00:00:00", "2014-07-09 10:16:44", "2014-07-09T10:16",
        "2014-07-09T10:16:44.", "2014-07-09T10:16:44+24:00", "2014-07-09T10:16:44+02:60",
        "2014-07-09T10:16:44+02:0", "2014-07-09T10:16:44+2", "2014-07-09T10:16:44ZZ", "2014-07-09T10:16:44z",
        "2014-07-09T10:16:44 ", "14-07-09T10:16:44", "2014-7-09T10:16:44", "20140709T101644", "",
        "1404901004"})
    void timestampRejectsMalformedAndInvalidDates(String input) {
      assertRejected(obj("timestamp", quote(input)), "timestamp \"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2263-01-01T00:00:00", "1677-09-21T00:12:43.145224191Z", "2262-04-11T23:47:16.854775808",
        "0000-01-01T00:00:00", "9999-12-31T23:59:59.999999999"})
    void timestampRejectsValuesOutsideTheNanosecondRange(String input) {
      assertRejected(obj("timestamp", quote(input)), "outside the 64-bit nanosecond range");
    }

    @Test
    void setsAreSortedAndRejectDuplicates() {
      Data s = JsonCodec.fromJson(obj("set", "[" + obj("integer", "3") + "," + obj("count", "1") + ","
          + obj("string", "\"a\"") + "," + obj("integer", "-1") + "]"));
      assertThat(HEX.formatHex(BinaryCodec.encode(s)))
          .isEqualTo("0c0402000000000000000103ffffffffffffffff030000000000000003050161");
      assertRejected(obj("set", "[" + obj("string", "\"\"") + "," + obj("string", "\"\"") + "]"),
          "duplicate set element");
    }

    @Test
    void tablesRejectDuplicateKeysAndMalformedEntries() {
      String entry = "{\"key\":" + obj("count", "1") + ",\"value\":" + obj("none", "{}") + "}";
      assertRejected(obj("table", "[" + entry + "," + entry + "]"), "duplicate table key");
      assertRejected(obj("table", "[{\"key\":" + obj("count", "1") + "}]"), "table entry without a \"value\" member");
      assertRejected(obj("table", "[{\"value\":" + obj("count", "1") + "}]"), "table entry without a \"key\" member");
      assertRejected(obj("table", "[[" + obj("count", "1") + "," + obj("count", "2") + "]]"),
          "table entries must be objects");
      assertRejected(obj("table", "[{\"key\":1,\"value\":" + obj("none", "{}") + "}]"),
          "expected a value object, found the number 1");
      assertRejected(obj("table", "{}"), "table data must be an array, found an object");
    }

    @Test
    void vectorsKeepOrderAndNeedValueObjects() {
      assertThat(JsonCodec.fromJson(obj("vector", "[" + obj("count", "2") + "," + obj("count", "1") + "]")))
          .isEqualTo(Data.vector(Data.count(2), Data.count(1)));
      assertRejected(obj("vector", "[1]"), "expected a value object, found the number 1");
      assertRejected(obj("vector", "[{}]"), "missing \"@data-type\" member");
      assertRejected(obj("set", "\"[]\""), "set data must be an array, found a string");
    }

    @Test
    void valueObjectsNeedAStringDataTypeOfAKnownKindAndAData() {
      assertRejected("{\"data\":1}", "at byte 0: missing \"@data-type\" member");
      assertRejected("{\"@data-type\":5,\"data\":1}", "at byte 14: \"@data-type\" must be a string, found the number 5");
      assertRejected("{\"@data-type\":\"list\",\"data\":[]}", "unknown \"@data-type\" \"list\"");
      assertRejected("{\"@data-type\":\"enum_value\",\"data\":\"x\"}", "unknown \"@data-type\" \"enum_value\"");
      assertRejected("{\"@data-type\":\"Count\",\"data\":1}", "unknown \"@data-type\"");
      assertRejected("{\"@data-type\":\"count\"}", "missing \"data\" member for count");
      assertRejected("{\"@data-type\":\"none\"}", "missing \"data\" member for none");
      assertRejected("{\"@data-type\":\"count\",\"data\":1,\"@data-type\":\"count\"}", "duplicate \"@data-type\" member");
      assertRejected("{\"@data-type\":\"count\",\"data\":1,\"data\":2}", "duplicate \"data\" member");
      assertRejected("[]", "expected a value object, found an array");
      assertRejected("42", "expected a value object, found the number 42");
      assertRejected("null", "found null");
    }

    @Test
    void decodesARangeOfALargerBuffer() {
      byte[] buf = concat(utf8("garbage"), utf8(obj("count", "7")), utf8("more"));
      assertThat(JsonCodec.decode(buf, 7, buf.length - 11)).isEqualTo(Data.count(7));
      assertThatThrownBy(() -> JsonCodec.decode(buf, 7, 5))
          .isInstanceOfSatisfying(BrokerException.class,
              e -> assertThat(e.getMessage()).isEqualTo("invalid Broker JSON at byte 1: unterminated string"));
    }

    @Test
    void roundTripsValuesOfEveryKind() {
      List<Data> values = List.of(Data.none(), Data.of(true), Data.count(Long.MIN_VALUE), Data.integer(-5),
          Data.real(0.5), Data.real(-7.5), Data.real(Double.NaN), Data.real(Double.NEGATIVE_INFINITY),
          Data.string(""), Data.string("naïve ☃ 😀"), Data.address("::"), Data.address("10.1.2.3"),
          Data.subnet("0.0.0.0/0"), Data.subnet("::/0"), Data.subnet("2001:db8::/127"),
          Data.port(65535, Protocol.UNKNOWN), Data.timestampNanos(-86_400_000_000_000L),
          Data.timestampNanos(1_404_901_004_123_000_000L), Data.timespanNanos(Long.MIN_VALUE),
          Data.enumValue(""), Data.vector(Data.vector(), Data.set(Data.set()), Data.table(Data.table(), Data.table())),
          everything());
      for (Data v : values) {
        assertThat(JsonCodec.decode(JsonCodec.encode(v))).as(JsonCodec.toJson(v)).isEqualTo(v);
      }
    }
  }

  // ---- hostile input ------------------------------------------------------------------------

  @Nested
  class HostileInput {
    @Test
    void rejectsTenThousandNestedArraysWithoutOverflowingTheStack() {
      String deep = "[".repeat(10_000) + "]".repeat(10_000);
      assertRejected(obj("none", deep), "nested deeper than " + JsonCodec.MAX_JSON_DEPTH);
      assertRejected(deep, "nested deeper than");
      assertRejected("{\"a\":".repeat(10_000), "nested deeper than");
    }

    @Test
    void rejectsTenThousandNestedVectors() {
      int n = 10_000;
      String deep = "{\"@data-type\":\"vector\",\"data\":[".repeat(n) + "]}".repeat(n);
      assertRejected(deep, "nested deeper than");
    }

    @Test
    void acceptsContainersNestedExactlyMaxDepthAndRejectsOneMore() {
      Data v = Data.none();
      for (int i = 0; i < JsonCodec.MAX_DEPTH; i++) {
        v = Data.vector(v);
      }
      assertThat(JsonCodec.decode(JsonCodec.encode(v))).isEqualTo(v);
      assertRejected(JsonCodec.encode(Data.vector(v)), "containers nested deeper than 100");
    }

    @Test
    void theJsonNestingLimitFitsTablesNestedMaxDepth() {
      Data v = Data.none();
      for (int i = 0; i < JsonCodec.MAX_DEPTH; i++) {
        v = Data.table(Data.none(), v);
      }
      assertThat(JsonCodec.decode(JsonCodec.encode(v))).isEqualTo(v);
      assertThat(BinaryCodec.decode(BinaryCodec.encode(v))).isEqualTo(v);
      assertRejected(JsonCodec.encode(Data.table(Data.none(), v)), "nested deeper than");
    }

    @Test
    void rejectsEveryTruncationOfAValidDocument() {
      byte[] full = utf8(EVERYTHING_JSON);
      for (int len = 0; len < full.length; len++) {
        int n = len;
        assertThatThrownBy(() -> JsonCodec.decode(full, 0, n))
            .as("prefix of %d bytes", n)
            .isInstanceOfSatisfying(BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA));
      }
    }

    @Test
    void reportsWhereTheInputEnds() {
      assertRejected("", "at byte 0: empty input, expected a JSON object");
      assertRejected(" \n\t", "at byte 3: empty input");
      assertRejected("{\"@data-type\":\"count\",\"data\":4", "at byte 30: expected ',' or '}' in an object, found end of input");
      assertRejected("{\"@data-type\":\"string\",\"data\":\"abc", "at byte 30: unterminated string");
      assertRejected("{\"@data-type\":\"string\",\"data\":\"abc\\", "at byte 30: unterminated string");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", " x", "{}", ",", "]", "\u0000"})
    void rejectsTrailingGarbage(String garbage) {
      assertRejected(obj("count", "1") + garbage, "after the JSON value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "}", "[", "nul", "tru", "fals", "{'a':1}", "{\"a\" 1}", "{\"a\":1,}", "{,}",
        "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":01}", "{\"a\":+1}", "{\"a\":.5}", "{\"a\":1.}", "{\"a\":1e}",
        "{\"a\":1e+}", "{\"a\":-}", "{\"a\":-x}", "{\"a\":\"x\"\"y\"}", "{a:1}", "\uFEFF{}", "{\"a\":undefined}",
        "{\"a\":ninf}", "{\"a\":-inx}", "{\"a\":True}"})
    void rejectsMalformedJson(String json) {
      assertRejected(json, "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\x", "\\u12G4", "\\u12", "\\U0041", "\\a", "\\0", "\\'"})
    void rejectsBadEscapes(String escape) {
      assertRejected(obj("string", "\"a" + escape + "\""), "");
    }

    @Test
    void rejectsBadEscapesWithTheirOffset() {
      assertRejected(obj("string", "\"ab\\x\""), "at byte 33: invalid escape sequence \\x");
      assertRejected(obj("string", "\"\\u12G4\""), "expected 4 hex digits in a \\u escape, found 'G'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\ud800", "\\udbff\\u0041", "\\ud800x", "\\ud800\\ud800", "\\udc00", "\\udfff\\ud800"})
    void rejectsLoneSurrogates(String escapes) {
      assertRejected(obj("string", "\"" + escapes + "\""), "surrogate");
    }

    @Test
    void rejectsUnpairedSurrogateCharactersInJavaText() {
      assertThatThrownBy(() -> JsonCodec.fromJson(obj("string", "\"\uD800\"")))
          .isInstanceOfSatisfying(BrokerException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
            assertThat(e.getMessage()).isEqualTo("invalid Broker JSON at char 31: unpaired surrogate character U+D800");
          });
    }

    @Test
    void rejectsHugeNumbers() {
      String huge = "9".repeat(100_000);
      assertRejected(obj("count", huge), "exceeds 2^64-1");
      assertRejected(obj("integer", huge), "outside the 64-bit range");
      assertRejected(obj("real", huge + ".0"), "too large for a double");
      assertRejected(obj("real", "1e" + huge), "too large for a double");
      assertThat(JsonCodec.fromJson(obj("real", "1e-" + huge))).isEqualTo(Data.real(0.0));
    }

    @Test
    void rejectsNonUtf8AndControlBytesOutsideStrings() {
      assertRejected(concat(utf8("{\"@data-type\":\"count\",\"data\":"), bytes(0xff), utf8("}")), "byte 0xff");
      assertRejected(concat(utf8("{\"@data-type\":\"count\",\"data\":"), bytes(0x0b), utf8("1}")), "byte 0x0b");
    }

    @Test
    void neverThrowsAnythingButInvalidDataOnMutatedDocuments() {
      Random random = new Random(20240601);
      byte[] seed = utf8(EVERYTHING_JSON);
      byte[] alphabet = utf8("{}[]\":,.-+eE0123456789 \\u/atfnir@\u0000");
      for (int round = 0; round < 3_000; round++) {
        byte[] input = seed;
        for (int edits = 1 + random.nextInt(4); edits > 0; edits--) {
          int at = random.nextInt(input.length);
          byte b = random.nextBoolean() ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt(256);
          input = switch (random.nextInt(3)) {
            case 0 -> {
              byte[] changed = input.clone();
              changed[at] = b;
              yield changed;
            }
            case 1 -> concat(Arrays.copyOf(input, at), new byte[] {b}, Arrays.copyOfRange(input, at, input.length));
            default -> concat(Arrays.copyOf(input, at), Arrays.copyOfRange(input, at + 1, input.length));
          };
        }
        try {
          JsonCodec.decode(input);
        } catch (BrokerException e) {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
        }
      }
    }

    @Test
    void neverThrowsAnythingButInvalidDataOnRandomTextForStringKinds() {
      Random random = new Random(7);
      String alphabet = "0123456789abcdefABCDEF:./-+TZz xmnush?\\";
      for (String kind : List.of("address", "subnet", "port", "timespan", "timestamp")) {
        for (int round = 0; round < 2_000; round++) {
          StringBuilder sb = new StringBuilder();
          for (int n = random.nextInt(50); n > 0; n--) {
            char c = alphabet.charAt(random.nextInt(alphabet.length()));
            sb.append(c == '\\' ? "\\u0000" : String.valueOf(c));
          }
          String json = obj(kind, quote(sb.toString()));
          try {
            JsonCodec.fromJson(json);
          } catch (BrokerException e) {
            assertThat(e.code()).as(json).isEqualTo(ErrorCode.INVALID_DATA);
          }
        }
      }
    }
  }
}
