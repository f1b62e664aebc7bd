package io.jbroker.data;

import static io.jbroker.data.Data.count;
import static io.jbroker.data.Data.integer;
import static io.jbroker.data.Data.none;
import static io.jbroker.data.Data.real;
import static io.jbroker.data.Data.set;
import static io.jbroker.data.Data.string;
import static io.jbroker.data.Data.table;
import static io.jbroker.data.Data.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jbroker.data.PortData.Protocol;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The data model: Broker's total order (spec/broker-endpoint.md §1.4) with jbroker's documented
 * refinement for reals, equality and hashing, Broker's text form, parsing and the factories.
 */
class DataModelTest {
  private static final HexFormat HEX = HexFormat.of();

  /** Asserts that {@code values} are in strictly ascending order, pairwise in both directions. */
  private static void assertStrictlyAscending(Data... values) {
    for (int i = 0; i < values.length; i++) {
      for (int j = 0; j < values.length; j++) {
        int expected = Integer.compare(i, j);
        assertThat(Integer.signum(values[i].compareTo(values[j])))
            .as("compare(%s, %s) [%s vs %s]", values[i], values[j], values[i].kind(), values[j].kind())
            .isEqualTo(expected);
        assertThat(values[i].equals(values[j])).as("%s equals %s", values[i], values[j]).isEqualTo(i == j);
      }
    }
    List<Data> shuffled = new ArrayList<>(Arrays.asList(values));
    Collections.reverse(shuffled);
    Collections.sort(shuffled);
    assertThat(shuffled).containsExactly(values);
  }

  private static void assertSameValue(Data a, Data b) {
    assertThat(a).isEqualTo(b);
    assertThat(b).isEqualTo(a);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a.compareTo(b)).isZero();
    assertThat(b.compareTo(a)).isZero();
    assertThat(BinaryCodec.encode(a)).isEqualTo(BinaryCodec.encode(b));
  }

  @Nested
  class Order {
    @Test
    void kindTagComesFirst() {
      assertStrictlyAscending(
          none(),
          Data.of(false),
          count(0),
          integer(Long.MIN_VALUE),
          real(Double.NEGATIVE_INFINITY),
          string(""),
          Data.address("::"),
          Data.subnet("::/0"),
          Data.port(0, Protocol.UNKNOWN),
          Data.timestampNanos(Long.MIN_VALUE),
          Data.timespanNanos(Long.MIN_VALUE),
          Data.enumValue(""),
          set(),
          table(),
          vector());
    }

    @Test
    void everyValueOfALowerKindSortsBeforeEveryValueOfAHigherKind() {
      assertStrictlyAscending(
          none(), Data.of(true), count(-1), integer(Long.MIN_VALUE), integer(Long.MAX_VALUE),
          real(Double.NaN), string("\u00ff\u00ff"), Data.address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
          Data.subnet("::/0"), Data.port(65535, Protocol.ICMP), Data.timestampNanos(Long.MAX_VALUE),
          Data.timespanNanos(Long.MIN_VALUE), Data.enumValue("zzz"), set(vector()), table(), vector());
      int tag = 0;
      for (DataKind kind : DataKind.values()) {
        assertThat(kind.tag()).isEqualTo(tag++);
        assertThat(DataKind.ofTag(kind.tag())).isSameAs(kind);
        assertThat(DataKind.ofJsonName(kind.jsonName())).isSameAs(kind);
      }
      assertThat(DataKind.ofTag(15)).isNull();
      assertThat(DataKind.ofTag(-1)).isNull();
    }

    @Test
    void booleansFalseFirst() {
      assertStrictlyAscending(Data.of(false), Data.of(true));
    }

    @Test
    void countsAreUnsigned() {
      assertStrictlyAscending(count(0), count(1), count(Long.MAX_VALUE), count(Long.MIN_VALUE), count(-2), count(-1));
      assertThat(count(-1).compareTo(count(1))).isPositive(); // 2^64-1 > 1
    }

    @Test
    void integersTimestampsAndTimespansAreSigned() {
      assertStrictlyAscending(integer(Long.MIN_VALUE), integer(-1), integer(0), integer(1), integer(Long.MAX_VALUE));
      assertStrictlyAscending(Data.timestampNanos(-1), Data.timestampNanos(0), Data.timestampNanos(Long.MAX_VALUE));
      assertStrictlyAscending(Data.timespanNanos(Long.MIN_VALUE), Data.timespanNanos(-1), Data.timespanNanos(1));
    }

    @Test
    void realsAreTotallyOrderedWithNegativeZeroBelowZeroAndNanOnTop() {
      assertStrictlyAscending(
          real(Double.NEGATIVE_INFINITY), real(-Double.MAX_VALUE), real(-1.0), real(-Double.MIN_VALUE),
          real(-0.0), real(0.0), real(Double.MIN_VALUE), real(1.0), real(Double.MAX_VALUE),
          real(Double.POSITIVE_INFINITY), real(Double.NaN));
    }

    @Test
    void stringsCompareUnsignedBytesShorterPrefixFirst() { // §9.1 #13
      assertStrictlyAscending(string(""), string("B"), string("a"), string("ab"), string("b"));
      assertStrictlyAscending(string("z"), string("\u00e9")); // 0x7a < 0xc3
      assertStrictlyAscending(
          StringData.ofBytes(new byte[] {0x7f}), StringData.ofBytes(new byte[] {(byte) 0x80}),
          StringData.ofBytes(new byte[] {(byte) 0xff}), StringData.ofBytes(new byte[] {(byte) 0xff, 0}));
    }

    @Test
    void enumValuesCompareLikeStringsAndAreNotStrings() {
      assertStrictlyAscending(Data.enumValue(""), Data.enumValue("B"), Data.enumValue("a"), Data.enumValue("ab"));
      assertThat(string("a")).isNotEqualTo(Data.enumValue("a"));
      assertThat(string("a").compareTo(Data.enumValue("a"))).isNegative();
    }

    @Test
    void addressesCompareTheirSixteenBytes() {
      assertStrictlyAscending(
          Data.address("::"), Data.address("::1"), Data.address("::ffff:0.0.0.0"), Data.address("1.2.3.4"),
          Data.address("255.255.255.255"), Data.address("2001:db8::"), Data.address("7fff::"),
          Data.address("8000::"), Data.address("ffff::"));
      assertThat(Data.address("::ffff:1.2.3.4").compareTo(Data.address("2001:db8::"))).isNegative();
    }

    @Test
    void subnetsCompareAddressThenRawLength() {
      assertStrictlyAscending(
          Data.subnet("::/0"), Data.subnet("::/64"), Data.subnet("0.0.0.0/0"), Data.subnet("10.0.0.0/8"),
          Data.subnet("10.0.0.0/16"), Data.subnet("10.1.0.0/16"), Data.subnet("2001:db8::/32"),
          Data.subnet("2001:db8::/33"));
    }

    @Test
    void portsCompareNumberThenProtocol() {
      assertStrictlyAscending(
          Data.port(0, Protocol.UNKNOWN), Data.port(79, Protocol.ICMP), Data.port(80, Protocol.UNKNOWN),
          Data.port(80, Protocol.TCP), Data.port(80, Protocol.UDP), Data.port(80, Protocol.ICMP),
          Data.port(65535, Protocol.UNKNOWN));
    }

    @Test
    void vectorsCompareLexicographicallyShorterPrefixFirst() {
      assertStrictlyAscending(
          vector(), vector(none()), vector(count(1)), vector(count(1), none()), vector(count(1), count(1)),
          vector(count(2)), vector(integer(0)), vector(vector()));
    }

    @Test
    void setsCompareTheirSortedElementsLexicographically() {
      assertStrictlyAscending(
          set(), set(none()), set(count(1)), set(count(2), count(1)), set(count(2)), set(integer(0)));
    }

    @Test
    void tablesCompareEntriesKeyFirstThenValue() {
      assertStrictlyAscending(
          table(),
          table(count(1), string("a")),
          table(count(1), string("a"), count(2), string("a")),
          table(count(1), string("b")),
          table(count(2), string("a")));
    }

    @Test
    void containersOfDifferentKindsOrderByTagNotContent() {
      assertStrictlyAscending(set(count(9), count(10)), table(none(), none()), vector());
    }
  }

  @Nested
  class Equality {
    @Test
    void negativeAndPositiveZeroAreDistinctValues() {
      assertThat(real(-0.0)).isNotEqualTo(real(0.0));
      assertThat(real(-0.0).compareTo(real(0.0))).isNegative();
      assertThat(set(real(0.0), real(-0.0)).size()).isEqualTo(2);
      assertThat(table(real(0.0), none(), real(-0.0), none()).size()).isEqualTo(2);
    }

    @Test
    void allNansAreOneValue() {
      Data nan = real(Double.NaN);
      Data otherNan = real(Double.longBitsToDouble(0x7ff8_0000_0000_0001L));
      Data negativeNan = real(Double.longBitsToDouble(0xffff_ffff_ffff_ffffL));
      assertSameValue(nan, otherNan);
      assertSameValue(nan, negativeNan);
      assertThat(set(nan, otherNan, negativeNan).size()).isEqualTo(1);
    }

    @Test
    void kindsNeverEqualEachOther() {
      List<Data> ones = List.of(count(1), integer(1), real(1.0), string("1"), Data.enumValue("1"),
          Data.timestampNanos(1), Data.timespanNanos(1), vector(count(1)), set(count(1)));
      for (Data a : ones) {
        for (Data b : ones) {
          assertThat(a.equals(b)).isEqualTo(a == b);
          assertThat(a.compareTo(b) == 0).isEqualTo(a == b);
        }
      }
    }

    @Test
    void equalValuesBuiltDifferentlyAreEqualWithEqualHashes() {
      assertSameValue(string("a"), StringData.ofBytes(new byte[] {'a'}));
      assertSameValue(Data.of("héllo"), StringData.ofBytes("héllo".getBytes(StandardCharsets.UTF_8)));
      assertSameValue(Data.enumValue("x"), EnumData.ofBytes(new byte[] {'x'}));
      assertSameValue(Data.address("2001:DB8::0:1"), Data.address("2001:db8:0:0:0:0:0:1"));
      assertSameValue(Data.address("::ffff:1.2.3.4"), Data.address("1.2.3.4"));
      assertSameValue(Data.subnet("192.168.9.8/24"), Data.subnet("192.168.9.0/24"));
      assertSameValue(Data.port(80, Protocol.TCP), PortData.parse("80"));
      assertSameValue(set(count(2), count(1), count(2)), set(List.of(count(1), count(2))));
      assertSameValue(table(count(1), none(), count(2), none()), table(count(2), none(), count(1), none()));
      assertSameValue(vector(set(), table()), Data.from(List.of(Set.of(), Map.of())));
      assertSameValue(Data.timestamp(Instant.ofEpochSecond(1, 5)), Data.timestampNanos(1_000_000_005L));
      assertSameValue(Data.timespan(Duration.ofMillis(-3)), Data.timespanNanos(-3_000_000));
    }

    @Test
    void equalsAndHashCodeAgreeWithCompareToAcrossManyValues() {
      List<Data> values = new ArrayList<>(List.of(
          none(), Data.of(true), Data.of(false), count(0), count(-1), integer(0), integer(-1),
          real(0.0), real(-0.0), real(Double.NaN), real(Double.POSITIVE_INFINITY), string(""), string("a"),
          Data.enumValue("a"), Data.address("::"), Data.address("0.0.0.0"), Data.subnet("0.0.0.0/0"),
          Data.subnet("::/0"), new SubnetData(AddressData.ZERO, 96), Data.port(0, Protocol.UNKNOWN),
          Data.timestampNanos(0), Data.timespanNanos(0), set(), table(), vector(), vector(none()),
          set(real(0.0)), set(real(-0.0)), table(none(), real(0.0)), table(none(), real(-0.0))));
      List<Data> copies = values.stream().map(d -> BinaryCodec.decode(BinaryCodec.encode(d))).toList();
      for (Data a : values) {
        for (Data b : copies) {
          boolean sameEncoding = Arrays.equals(BinaryCodec.encode(a), BinaryCodec.encode(b));
          assertThat(a.equals(b)).as("%s equals %s", a, b).isEqualTo(sameEncoding);
          assertThat(a.compareTo(b) == 0).as("%s compareTo %s", a, b).isEqualTo(sameEncoding);
          if (sameEncoding) {
            assertThat(a.hashCode()).isEqualTo(b.hashCode());
          }
        }
      }
    }

    @Test
    void equalsRejectsNullAndOtherTypes() {
      assertThat(string("a").equals(null)).isFalse();
      assertThat(string("a").equals("a")).isFalse();
      assertThat(set().equals(Set.of())).isFalse();
      assertThat(vector().equals(List.of())).isFalse();
    }
  }

  @Nested
  class TextForm {
    @Test
    void scalars() {
      assertThat(none()).hasToString("nil");
      assertThat(Data.of(true)).hasToString("T");
      assertThat(Data.of(false)).hasToString("F");
      assertThat(count(-1)).hasToString("18446744073709551615");
      assertThat(count(42)).hasToString("42");
      assertThat(integer(-5)).hasToString("-5");
      assertThat(integer(Long.MIN_VALUE)).hasToString("-9223372036854775808");
      assertThat(string("hello world")).hasToString("hello world");
      assertThat(string("a \"quoted\"\nline")).hasToString("a \"quoted\"\nline");
      assertThat(Data.enumValue("Broker::SQLITE_SYNCHRONOUS_FULL")).hasToString("Broker::SQLITE_SYNCHRONOUS_FULL");
      assertThat(Data.timestampNanos(1_404_901_004_000_000_000L)).hasToString("1404901004000000000ns");
      assertThat(Data.timestampNanos(-1)).hasToString("-1ns");
      assertThat(Data.timespan(Duration.ofMillis(1500))).hasToString("1500000000ns");
      assertThat(Data.timespanNanos(0)).hasToString("0ns");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "1.0, 1.000000",
        "42.0, 42.000000",
        "-7.5, -7.500000",
        "12.48, 12.480000",
        "1.0E-7, 0.000000",
        "-1.0E-7, -0.000000",
        "1.2345678912, 1.234568",
        "0.0078125, 0.007812",
        "0.0234375, 0.023438",
        "0.0, 0.000000",
        "-0.0, -0.000000",
        "1.2345678901234568E24, 1234567890123456824475648.000000",
        "Infinity, inf",
        "-Infinity, -inf",
        "NaN, nan"})
    void realsRenderLikePrintfPercentF(double value, String text) {
      assertThat(real(value)).hasToString(text);
    }

    @Test
    void largestAndSmallestRealsRenderExactly() {
      assertThat(real(Double.MIN_VALUE)).hasToString("0.000000");
      assertThat(real(Double.MAX_VALUE).toString())
          .startsWith("179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878")
          .endsWith(".000000")
          .hasSize(309 + 7);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "::, ::",
        "::1, ::1",
        "1::, 1::",
        "::1.2.3.4, ::102:304",
        "::2:3, ::2:3",
        "::ffff:1.2.3.4, 1.2.3.4",
        "192.168.9.8, 192.168.9.8",
        "0.0.0.0, 0.0.0.0",
        "2001:db8::, 2001:db8::",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "2001:0DB8:000a:0:0:0:0:0, 2001:db8:a::",
        "1:0:0:2:0:0:0:3, 1:0:0:2::3",
        "1:0:2:0:3:0:4:0, 1:0:2:0:3:0:4:0",
        "0:1:2:3:4:5:6:0, 0:1:2:3:4:5:6:0",
        "0:0:1:0:0:0:0:0, 0:0:1::",
        "fe80::1, fe80::1",
        "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "::ffff:0:1.2.3.4, ::ffff:0:102:304",
        "0:0:0:0:0:1:1.2.3.4, ::1:102:304",
        "::1:0:0:0, ::1:0:0:0",
        "0:0:1:0:0:1:0:0, ::1:0:0:1:0:0",
        "1:0:0:0:1:0:0:0, 1::1:0:0:0",
        "1::1.2.3.4, 1::102:304"})
    void addressesRenderLikeBroker(String input, String text) {
      // Broker renders with CAF's to_string(ipv6_address): like glibc's inet_ntop, except that
      // only IPv4-mapped addresses become a dotted quad (not IPv4-compatible ones like ::1.2.3.4).
      assertThat(Data.address(input)).hasToString(text);
      assertThat(Data.address(text)).isEqualTo(Data.address(input)); // the rendering parses back
    }

    @Test
    void subnetsRenderNetworkSlashLogicalPrefix() {
      assertThat(Data.subnet("10.0.0.0/8")).hasToString("10.0.0.0/8");
      assertThat(Data.subnet("10.1.2.3/8")).hasToString("10.0.0.0/8");
      assertThat(Data.subnet("192.168.9.8/24")).hasToString("192.168.9.0/24");
      assertThat(Data.subnet("0.0.0.0/0")).hasToString("0.0.0.0/0");
      assertThat(Data.subnet("1.2.3.4/32")).hasToString("1.2.3.4/32");
      assertThat(Data.subnet("2001:db8:1::/32")).hasToString("2001:db8::/32");
      assertThat(Data.subnet("::/0")).hasToString("::/0");
      assertThat(Data.subnet("::1/128")).hasToString("::1/128");
    }

    @Test
    void portsRenderNumberSlashProtocol() {
      assertThat(Data.port(80, Protocol.TCP)).hasToString("80/tcp");
      assertThat(Data.port(53, Protocol.UDP)).hasToString("53/udp");
      assertThat(Data.port(8, Protocol.ICMP)).hasToString("8/icmp");
      assertThat(Data.port(0, Protocol.UNKNOWN)).hasToString("0/?");
      assertThat(Data.port(65535, Protocol.UNKNOWN)).hasToString("65535/?");
    }

    @Test
    void containers() {
      assertThat(set(count(2), count(1))).hasToString("{1, 2}");
      assertThat(table(string("a"), string("b"))).hasToString("{a -> b}");
      assertThat(table(count(2), string("y"), count(1), string("x"))).hasToString("{1 -> x, 2 -> y}");
      assertThat(vector(count(1), count(2))).hasToString("(1, 2)");
      assertThat(vector()).hasToString("()");
      assertThat(set()).hasToString("{}");
      assertThat(table()).hasToString("{}");
      assertThat(vector(set(), table(), vector(), none(), Data.of(true))).hasToString("({}, {}, (), nil, T)");
      assertThat(vector(count(1), count(1), vector(string("ping"), vector(string("hi"), count(1)))))
          .hasToString("(1, 1, (ping, (hi, 1)))");
      assertThat(BinaryCodecTest.ONE_OF_EVERYTHING).hasToString(
          "(nil, T, 42, 23, 12.480000, this is a string, 2001:db8::, 255.255.255.0/24, 8080/tcp, "
              + "1649606820000000000ns, 23000000000ns, foo, {1, 2, 3}, {first-name -> John, last-name -> Doe})");
    }
  }

  @Nested
  class Parsing {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0.0.0.0, 00000000000000000000ffff00000000",
        "255.255.255.255, 00000000000000000000ffffffffffff",
        "192.168.9.8, 00000000000000000000ffffc0a80908",
        "10.0.0.1, 00000000000000000000ffff0a000001",
        "::, 00000000000000000000000000000000",
        "::1, 00000000000000000000000000000001",
        "1::, 00010000000000000000000000000000",
        "2001:db8::, 20010db8000000000000000000000000",
        "2001:DB8::1, 20010db8000000000000000000000001",
        "::ffff:1.2.3.4, 00000000000000000000ffff01020304",
        "::FFFF:1.2.3.4, 00000000000000000000ffff01020304",
        "::1.2.3.4, 00000000000000000000000001020304",
        "1:2:3:4:5:6:7:8, 00010002000300040005000600070008",
        "1:2:3:4:5:6:1.2.3.4, 00010002000300040005000601020304",
        "1:2:3:4:5:6:7::, 00010002000300040005000600070000",
        "::2:3:4:5:6:7:8, 00000002000300040005000600070008",
        "1::8, 00010000000000000000000000000008",
        "fe80::1:2, fe800000000000000000000000010002",
        "0000:0000:0000:0000:0000:0000:0000:0001, 00000000000000000000000000000001",
        "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255, ffffffffffffffffffffffffffffffff"})
    void validAddresses(String text, String bytes) {
      AddressData a = AddressData.parse(text);
      assertThat(HEX.formatHex(a.bytes())).isEqualTo(bytes);
      assertThat(AddressData.tryParse(text)).isEqualTo(a);
      assertThat(a.isV4()).isEqualTo(bytes.startsWith("00000000000000000000ffff"));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "", " ", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1.02.3.4",
        "00.0.0.0", "1.2.3.4 ", " 1.2.3.4", "1..2.3", "1.2.3.", ".1.2.3", "a.b.c.d", "+1.2.3.4", "1.2.3.-4",
        "0x1.2.3.4", "1234.1.1.1", "localhost", "example.com", ":", ":::", "::::", "1:", ":1", "1:2",
        "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8:", ":1:2:3:4:5:6:7:8", "1::2::3",
        "1::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "12345::", "::12345", "::g",
        "g::", "fe80::1%eth0", "[::1]", "::1.2.3", "::256.1.1.1", "::01.2.3.4", "::1.2.3.4:5",
        "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6::1.2.3.4", "::ffff:1.2.3.4.5", "1.2.3.4::", "- ::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555"})
    void invalidAddressesAreRejectedWithoutDnsLookups(String text) {
      assertThat(AddressData.tryParse(text)).isNull();
      assertThatThrownBy(() -> AddressData.parse(text))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"" + text + "\"");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "192.168.9.8/24, 192.168.9.0, 120, 24",
        "10.1.2.3/8, 10.0.0.0, 104, 8",
        "1.2.3.4/32, 1.2.3.4, 128, 32",
        "255.255.255.255/0, 0.0.0.0, 96, 0",
        "2001:db8:1::/32, 2001:db8::, 32, 32",
        "2001:db8::ffff/127, 2001:db8::fffe, 127, 127",
        "::/0, ::, 0, 0",
        "::1/128, ::1, 128, 128",
        "ffff::/1, 8000::, 1, 1"})
    void validSubnetsAreMasked(String text, String network, int rawLength, int prefixLength) {
      SubnetData s = SubnetData.parse(text);
      assertThat(s.network()).isEqualTo(AddressData.parse(network));
      assertThat(s.rawLength()).isEqualTo(rawLength);
      assertThat(s.prefixLength()).isEqualTo(prefixLength);
      assertThat(s.contains(AddressData.parse(text.substring(0, text.indexOf('/'))))).isTrue();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "", "/", "1.2.3.4", "1.2.3.4/", "/8", "1.2.3.4/33", "::/129", "1.2.3.4/-1", "1.2.3.4/+8",
        "1.2.3.4/ 8", "1.2.3.4/8 ", "1.2.3.4/0008", "1.2.3.4/8/8", "host/8", "01.2.3.4/8", "1.2.3.4/a",
        "::1/1000"})
    void invalidSubnetsAreRejected(String text) {
      assertThatThrownBy(() -> SubnetData.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void subnetContainment() {
      SubnetData net = Data.subnet("10.0.0.0/8");
      assertThat(net.contains(AddressData.parse("10.255.1.2"))).isTrue();
      assertThat(net.contains(AddressData.parse("11.0.0.0"))).isFalse();
      assertThat(net.contains(AddressData.parse("::a00:0"))).isFalse();
      assertThat(Data.subnet("::/0").contains(AddressData.parse("1.2.3.4"))).isTrue();
      assertThat(new SubnetData(AddressData.ZERO, 200).contains(AddressData.ZERO)).isFalse();
    }

    @ParameterizedTest(name = "{0} -> {1}/{2}")
    @CsvSource({
        "80/tcp, 80, TCP", "53/udp, 53, UDP", "8/icmp, 8, ICMP", "0/?, 0, UNKNOWN", "80/foo, 80, UNKNOWN",
        "80/, 80, UNKNOWN", "80, 80, TCP", "65535/tcp, 65535, TCP", "00080/udp, 80, UDP"})
    void validPorts(String text, int number, Protocol protocol) {
      assertThat(PortData.parse(text)).isEqualTo(new PortData(number, protocol));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "/tcp", "65536/tcp", "-1/tcp", "+1/tcp", "abc/tcp", "8 0/tcp", "100000", "0x50/tcp"})
    void invalidPortsAreRejected(String text) {
      assertThatThrownBy(() -> PortData.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void protocolsByCodeAndText() {
      assertThat(Protocol.ofCode(0)).isEqualTo(Protocol.UNKNOWN);
      assertThat(Protocol.ofCode(3)).isEqualTo(Protocol.ICMP);
      assertThat(Protocol.ofCode(4)).isNull();
      assertThat(Protocol.ofCode(-1)).isNull();
      assertThat(Protocol.ofText("udp")).isEqualTo(Protocol.UDP);
      assertThat(Protocol.ofText("?")).isEqualTo(Protocol.UNKNOWN);
      assertThat(Protocol.ofText("TCP")).isEqualTo(Protocol.UNKNOWN);
    }
  }

  @Nested
  class Factories {
    @Test
    void scalarFactoriesPickTheRightKind() {
      assertThat(Data.of(true)).isSameAs(BooleanData.TRUE);
      assertThat(Data.of(false)).isSameAs(BooleanData.FALSE);
      assertThat(Data.of(5L)).isEqualTo(new IntegerData(5));
      assertThat(Data.integer(5)).isEqualTo(new IntegerData(5));
      assertThat(Data.count(5)).isEqualTo(new CountData(5));
      assertThat(Data.of(1.5)).isEqualTo(new RealData(1.5));
      assertThat(Data.real(1.5)).isEqualTo(new RealData(1.5));
      assertThat(Data.of("x")).isEqualTo(string("x"));
      assertThat(none()).isSameAs(NoneData.INSTANCE).isEqualTo(new NoneData());
      assertThat(count(-1).toBigInteger()).hasToString("18446744073709551615");
      assertThat(count(7).toBigInteger()).hasToString("7");
      assertThat(Data.enumValue("foo").name()).isEqualTo("foo");
      assertThat(string("héllo").length()).isEqualTo(6);
      assertThat(string("héllo").value()).isEqualTo("héllo");
      assertThat(StringData.ofBytes(new byte[] {(byte) 0xff}).value()).isEqualTo("\ufffd");
    }

    @Test
    void timestampsAndTimespans() {
      assertThat(Data.timestamp(Instant.parse("2014-07-09T10:16:44Z")).nanos()).isEqualTo(1_404_901_004_000_000_000L);
      assertThat(Data.timestamp(Instant.parse("1969-12-31T23:59:59.999999999Z")).nanos()).isEqualTo(-1);
      assertThat(Data.timestampNanos(-1).toInstant()).isEqualTo(Instant.parse("1969-12-31T23:59:59.999999999Z"));
      assertThat(Data.timestampNanos(Long.MIN_VALUE).toInstant())
          .isEqualTo(Instant.ofEpochSecond(0, Long.MIN_VALUE));
      assertThatThrownBy(() -> Data.timestamp(Instant.MAX)).isInstanceOf(ArithmeticException.class);
      assertThatThrownBy(() -> Data.timestamp(Instant.parse("1600-01-01T00:00:00Z")))
          .isInstanceOf(ArithmeticException.class);
      assertThat(Data.timespan(Duration.ofSeconds(23)).nanos()).isEqualTo(23_000_000_000L);
      assertThat(Data.timespanNanos(-5).toDuration()).isEqualTo(Duration.ofNanos(-5));
      assertThatThrownBy(() -> Data.timespan(Duration.ofDays(365L * 300))).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void addressesFromJavaAddresses() throws Exception {
      InetAddress v4 = InetAddress.getByAddress(new byte[] {10, 0, 0, 1});
      InetAddress v6 = InetAddress.getByAddress(HEX.parseHex("20010db8000000000000000000000001"));
      assertThat(Data.address(v4)).isEqualTo(Data.address("10.0.0.1"));
      assertThat(Data.address(v6)).isEqualTo(Data.address("2001:db8::1"));
      assertThat(Data.address("10.0.0.1").toInetAddress()).isEqualTo(v4);
      assertThat(Data.address("2001:db8::1").toInetAddress()).isEqualTo(v6);
      assertThat(AddressData.of(HEX.parseHex("00000000000000000000ffff0a000001"))).isEqualTo(Data.address(v4));
      assertThat(AddressData.ofV4(0x0a000001)).isEqualTo(Data.address(v4));
      assertThatThrownBy(() -> AddressData.of(new byte[4])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void addressMasking() {
      AddressData a = AddressData.parse("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
      assertThat(a.mask(0)).isEqualTo(AddressData.ZERO);
      assertThat(a.mask(32)).isEqualTo(AddressData.parse("2001:db8::"));
      assertThat(a.mask(65)).isEqualTo(AddressData.parse("2001:db8:ffff:ffff:8000::"));
      assertThat(a.mask(128)).isEqualTo(a);
      assertThatThrownBy(() -> a.mask(129)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> a.mask(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void subnetFactoryMasksHostBitsAndChecksThePrefix() {
      SubnetData s = Data.subnet(Data.address("192.168.9.8"), 24);
      assertThat(s.network()).isEqualTo(Data.address("192.168.9.0"));
      assertThat(s.rawLength()).isEqualTo(120);
      assertThat(s.prefixLength()).isEqualTo(24);
      assertThat(Data.subnet(Data.address("2001:db8::1"), 64)).isEqualTo(Data.subnet("2001:db8::/64"));
      assertThat(Data.subnet(Data.address("1.2.3.4"), 0)).isEqualTo(new SubnetData(Data.address("0.0.0.0"), 96));
      assertThatThrownBy(() -> Data.subnet(Data.address("1.2.3.4"), 33)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Data.subnet(Data.address("::"), 129)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Data.subnet(Data.address("::"), -1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new SubnetData(AddressData.ZERO, 256)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new SubnetData(null, 0)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void verbatimSubnetsKeepHostBitsAndRawLength() {
      SubnetData raw = new SubnetData(Data.address("1.2.3.4"), 50);
      assertThat(raw.network()).isEqualTo(Data.address("1.2.3.4"));
      assertThat(raw.prefixLength()).isEqualTo(210); // (50 - 96) & 0xff, like Broker's subnet::length()
      assertThat(raw).isNotEqualTo(new SubnetData(Data.address("1.2.3.0"), 50));
    }

    @Test
    void portsCheckTheirRange() {
      assertThat(Data.port(65535, Protocol.TCP).number()).isEqualTo(65535);
      assertThatThrownBy(() -> Data.port(65536, Protocol.TCP)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Data.port(-1, Protocol.TCP)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Data.port(1, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void containerFactories() {
      assertThat(set(count(1), count(1), count(0)).elements()).containsExactly(count(0), count(1));
      assertThat(table(count(1), string("a"), count(1), string("b")).get(count(1))).isEqualTo(string("b"));
      assertThat(table(Map.of(count(2), none(), count(1), none())).entries().keySet())
          .containsExactly(count(1), count(2));
      assertThat(vector(count(2), count(1)).elements()).containsExactly(count(2), count(1));
      assertThat(vector(List.of(none())).get(0)).isEqualTo(none());
      assertThatThrownBy(() -> table(count(1))).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> set(count(1), null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> vector(count(1), null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> table(count(1), null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void fromConvertsPlainJavaValuesRecursively() throws Exception {
      assertThat(Data.from(null)).isSameAs(none());
      assertThat(Data.from(true)).isSameAs(BooleanData.TRUE);
      assertThat(Data.from(5L)).isEqualTo(integer(5));
      assertThat(Data.from(5)).isEqualTo(integer(5));
      assertThat(Data.from((short) -5)).isEqualTo(integer(-5));
      assertThat(Data.from((byte) 7)).isEqualTo(integer(7));
      assertThat(Data.from(1.5)).isEqualTo(real(1.5));
      assertThat(Data.from(1.5f)).isEqualTo(real(1.5));
      assertThat(Data.from("x")).isEqualTo(string("x"));
      assertThat(Data.from(new byte[] {1, 2})).isEqualTo(StringData.ofBytes(new byte[] {1, 2}));
      assertThat(Data.from(InetAddress.getByAddress(new byte[] {1, 2, 3, 4}))).isEqualTo(Data.address("1.2.3.4"));
      assertThat(Data.from(Instant.ofEpochSecond(2))).isEqualTo(Data.timestampNanos(2_000_000_000L));
      assertThat(Data.from(Duration.ofNanos(3))).isEqualTo(Data.timespanNanos(3));
      Data d = count(9);
      assertThat(Data.from(d)).isSameAs(d);

      List<Object> list = new ArrayList<>();
      list.add(1);
      list.add(null);
      list.add(List.of("a"));
      assertThat(Data.from(list)).isEqualTo(vector(integer(1), none(), vector(string("a"))));
      assertThat(Data.from(new LinkedHashSet<>(List.of(3L, 1L, 2L)))).isEqualTo(set(integer(1), integer(2), integer(3)));
      Map<Object, Object> map = new LinkedHashMap<>();
      map.put("b", Set.of(true));
      map.put("a", Map.of(1, 2.0));
      assertThat(Data.from(map)).isEqualTo(
          table(string("a"), table(integer(1), real(2.0)), string("b"), set(Data.of(true))));
      assertThat(Data.from(List.of())).isEqualTo(vector());
      assertThat(Data.from(Set.of())).isEqualTo(set());
      assertThat(Data.from(new HashMap<>())).isEqualTo(table());
    }

    @Test
    void fromRejectsOtherTypes() {
      for (Object o : List.of(new Object(), 'c', new java.math.BigInteger("1"), Protocol.TCP)) {
        assertThatThrownBy(() -> Data.from(o))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(o.getClass().getName());
      }
      assertThatThrownBy(() -> Data.from(List.of(new Object()))).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class Immutability {
    @Test
    void exposedCollectionsAreUnmodifiable() {
      VectorData v = vector(count(1));
      SetData s = set(count(1));
      TableData t = table(count(1), none());
      assertThatThrownBy(() -> v.elements().add(none())).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> v.elements().set(0, none())).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> v.elements().iterator().remove()).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> s.elements().add(none())).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> s.elements().pollFirst()).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> {
        var it = s.elements().iterator();
        it.next();
        it.remove();
      }).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> t.entries().put(none(), none())).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> t.entries().firstEntry().setValue(none()))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> t.entries().entrySet().iterator().next().setValue(count(2)))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> t.entries().keySet().clear()).isInstanceOf(UnsupportedOperationException.class);
      assertThat(v).isEqualTo(vector(count(1)));
      assertThat(s).isEqualTo(set(count(1)));
      assertThat(t).isEqualTo(table(count(1), none()));
    }

    @Test
    void factoriesCopyTheirInput() {
      List<Data> list = new ArrayList<>(List.of(count(1)));
      VectorData v = vector(list);
      SetData s = set(list);
      Map<Data, Data> map = new TreeMap<>(Map.of(count(1), none()));
      TableData t = table(map);
      Data[] array = {count(1)};
      VectorData va = vector(array);
      list.add(count(2));
      map.put(count(2), none());
      array[0] = none();
      assertThat(v.size()).isEqualTo(1);
      assertThat(s.size()).isEqualTo(1);
      assertThat(t.size()).isEqualTo(1);
      assertThat(va.get(0)).isEqualTo(count(1));
    }

    @Test
    void byteArraysAreCopiedInAndOut() {
      byte[] bytes = {'a', 'b'};
      StringData s = StringData.ofBytes(bytes);
      EnumData e = EnumData.ofBytes(bytes);
      bytes[0] = 'z';
      assertThat(s).isEqualTo(string("ab"));
      assertThat(e).isEqualTo(Data.enumValue("ab"));
      s.bytes()[1] = 'z';
      e.bytes()[1] = 'z';
      assertThat(s).isEqualTo(string("ab"));
      assertThat(e).isEqualTo(Data.enumValue("ab"));
      StringData fromBytes = (StringData) Data.from(bytes);
      bytes[1] = 'q';
      assertThat(fromBytes).isEqualTo(string("zb"));
      AddressData a = Data.address("::1");
      a.bytes()[15] = 2;
      assertThat(a).isEqualTo(Data.address("::1"));
    }

    @Test
    void derivedContainersLeaveTheOriginalUntouched() {
      VectorData v = vector(count(1), count(2));
      assertThat(v.append(count(3))).isEqualTo(vector(count(1), count(2), count(3)));
      assertThat(v.replace(0, none())).isEqualTo(vector(none(), count(2)));
      assertThat(v.removeAt(0)).isEqualTo(vector(count(2)));
      assertThat(vector(count(1)).removeAt(0)).isEqualTo(vector());
      assertThat(v).isEqualTo(vector(count(1), count(2)));

      SetData s = set(count(1));
      assertThat(s.with(count(2))).isEqualTo(set(count(1), count(2)));
      assertThat(s.with(count(1))).isSameAs(s);
      assertThat(s.without(count(1))).isEqualTo(set());
      assertThat(s.without(count(5))).isSameAs(s);
      assertThat(s.contains(count(1))).isTrue();
      assertThat(s).isEqualTo(set(count(1)));

      TableData t = table(count(1), none());
      assertThat(t.with(count(1), Data.of(true))).isEqualTo(table(count(1), Data.of(true)));
      assertThat(t.with(count(1), none())).isSameAs(t);
      assertThat(t.with(count(2), none()).size()).isEqualTo(2);
      assertThat(t.without(count(1))).isEqualTo(table());
      assertThat(t.without(count(2))).isSameAs(t);
      assertThat(t.containsKey(count(1))).isTrue();
      assertThat(t.get(count(2))).isNull();
      assertThat(t).isEqualTo(table(count(1), none()));
    }
  }
}
