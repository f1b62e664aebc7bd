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
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbroker.data.PortData.Protocol;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link BinaryCodec} against Broker's own bytes (spec/broker-endpoint.md §1.6 and §9.1 #1–#21),
 * CAF's real quirks (§1.2.3), the {@code varbyte} rules (§1.2.2) and hostile input (§1.5).
 */
class BinaryCodecTest {
  private static final HexFormat HEX = HexFormat.of();

  /** The "one of everything" vector of Broker's JSON tests (§1.6, §9.1 #19). */
  static final Data ONE_OF_EVERYTHING = vector(
      none(),
      Data.of(true),
      count(42),
      integer(23),
      real(12.48),
      string("this is a string"),
      Data.address("2001:db8::"),
      Data.subnet("255.255.255.0/24"),
      Data.port(8080, Protocol.TCP),
      Data.timestamp(Instant.parse("2022-04-10T16:07:00Z")),
      Data.timespan(Duration.ofSeconds(23)),
      Data.enumValue("foo"),
      set(integer(1), integer(2), integer(3)),
      table(string("first-name"), string("John"), string("last-name"), string("Doe")));

  static final String ONE_OF_EVERYTHING_HEX = "0e0e00010102000000000000002a030000000000000017044028f5c28f5c28f6"
      + "051074686973206973206120737472696e670620010db80000000000000000000000000700000000000000000000"
      + "ffffffffff0078081f90010916e494a9ad2968000a000000055ae826000b03666f6f0c03030000000000000001030000"
      + "0000000000020300000000000000030d02050a66697273742d6e616d6505044a6f686e05096c6173742d6e616d6505"
      + "03446f65";

  private static final Instant JULY_2014 = Instant.parse("2014-07-09T10:16:44Z");

  /** Every value/hex pair of §1.6 and §9.1 #2–#14, #19–#21, named after its row. */
  static Stream<Arguments> brokerVectors() {
    Data helloWorld = string("hello world");
    return Stream.of(
        vec("none", none(), "00"),
        vec("true", Data.of(true), "0101"),
        vec("false", Data.of(false), "0100"),
        vec("count 0", count(0), "020000000000000000"),
        vec("count 42 (#2)", count(42), "02000000000000002a"),
        vec("count 1234567890", count(1_234_567_890L), "0200000000499602d2"),
        vec("count 2^64-1 (#2)", count(-1L), "02ffffffffffffffff"),
        vec("integer 1234567890", integer(1_234_567_890L), "0300000000499602d2"),
        vec("integer -1234567890 (#3)", integer(-1_234_567_890L), "03ffffffffb669fd2e"),
        vec("integer -1", integer(-1), "03ffffffffffffffff"),
        vec("integer -2^63 (#3)", integer(Long.MIN_VALUE), "038000000000000000"),
        vec("real 1.0", real(1.0), "043ff0000000000000"),
        vec("real -1.0", real(-1.0), "04bff0000000000000"),
        vec("real 1.2", real(1.2), "043ff3333333333333"),
        vec("real -7.5 (#4)", real(-7.5), "04c01e000000000000"),
        vec("real 12.48 (#4)", real(12.48), "044028f5c28f5c28f6"),
        vec("real -0.0 (#4)", real(-0.0), "048000000000000000"),
        vec("real +inf (#5)", real(Double.POSITIVE_INFINITY), "04fff0000000000000"),
        vec("real -inf (#5)", real(Double.NEGATIVE_INFINITY), "047ff0000000000000"),
        vec("real NaN (#5)", real(Double.NaN), "04ffffffffffffffff"),
        vec("string empty", string(""), "0500"),
        vec("string hello world (#7)", helloWorld, "050b68656c6c6f20776f726c64"),
        vec("string 200 x (#7)", string("x".repeat(200)), "05c801" + "78".repeat(200)),
        vec("address 192.168.9.8 (#8)", Data.address("192.168.9.8"), "0600000000000000000000ffffc0a80908"),
        vec("address 2001:db8:: (#8)", Data.address("2001:db8::"), "0620010db8000000000000000000000000"),
        vec("subnet 192.168.9.8/24 masked (#9)", Data.subnet("192.168.9.8/24"),
            "0700000000000000000000ffffc0a8090078"),
        vec("subnet 2001:db8::/32", Data.subnet("2001:db8::/32"), "0720010db800000000000000000000000020"),
        vec("port 8080/tcp (#10)", Data.port(8080, Protocol.TCP), "081f9001"),
        vec("port 9000/udp", Data.port(9000, Protocol.UDP), "08232802"),
        vec("port 8/icmp", Data.port(8, Protocol.ICMP), "08000803"),
        vec("port 0/? (#10)", Data.port(0, Protocol.UNKNOWN), "08000000"),
        vec("timestamp 1234567890ns", Data.timestampNanos(1_234_567_890L), "0900000000499602d2"),
        vec("timestamp 2014-07-09T10:16:44Z (#11)", Data.timestamp(JULY_2014), "09137f360508027800"),
        vec("timespan 1234567890ns", Data.timespanNanos(1_234_567_890L), "0a00000000499602d2"),
        vec("timespan -1ns (#11)", Data.timespanNanos(-1), "0affffffffffffffff"),
        vec("enum foobar", Data.enumValue("foobar"), "0b06666f6f626172"),
        vec("set{false, count 1, hello world}", set(Data.of(false), count(1), helloWorld),
            "0c03" + "0100" + "020000000000000001" + "050b68656c6c6f20776f726c64"),
        vec("table{1 -> hello, 2 -> [world]} (#14)",
            table(count(1), string("hello"), count(2), vector(string("world"))),
            "0d02" + "020000000000000001" + "050568656c6c6f" + "020000000000000002" + "0e01" + "0505776f726c64"),
        vec("vector[false, count 1, hello world]", vector(Data.of(false), count(1), helloWorld),
            "0e03" + "0100" + "020000000000000001" + "050b68656c6c6f20776f726c64"),
        vec("vector[]", vector(), "0e00"),
        vec("set{}", set(), "0c00"),
        vec("table{}", table(), "0d00"),
        vec("set sorted by tag then value (#12)", set(integer(3), count(1), string("a"), integer(-1)),
            "0c04" + "020000000000000001" + "03ffffffffffffffff" + "030000000000000003" + "050161"),
        vec("set of strings in unsigned byte order (#13)",
            set(string("b"), string("a"), string("ab"), string("B")),
            "0c04" + "050142" + "050161" + "05026162" + "050162"),
        vec("vector of 300 none", vector(IntStream.range(0, 300).mapToObj(i -> (Data) none()).toList()),
            "0eac02" + "00".repeat(300)),
        vec("one of everything (#19)", ONE_OF_EVERYTHING, ONE_OF_EVERYTHING_HEX),
        vec("Zeek event ping(\"hi\", 1) (#20)",
            vector(count(1), count(1), vector(string("ping"), vector(string("hi"), count(1)))),
            "0e030200000000000000010200000000000000010e02050470696e670e0205026869020000000000000001"),
        vec("Zeek event ping(\"hi\", 1) with metadata (#21)",
            vector(count(1), count(1), vector(string("ping"), vector(string("hi"), count(1)),
                vector(vector(count(1), Data.timestamp(JULY_2014))))),
            "0e030200000000000000010200000000000000010e03050470696e670e02050268690200000000000000010e010e02"
                + "02000000000000000109137f360508027800"));
  }

  private static Arguments vec(String name, Data value, String hex) {
    return Arguments.of(name, value, hex);
  }

  // ---- Broker's vectors ---------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokerVectors")
  void encodesExactlyLikeBroker(String name, Data value, String hex) {
    byte[] encoded = BinaryCodec.encode(value);
    assertThat(HEX.formatHex(encoded)).isEqualTo(hex);
    assertThat(BinaryCodec.encodedSize(value)).isEqualTo(hex.length() / 2);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokerVectors")
  void decodesBrokerBytesToTheValue(String name, Data value, String hex) {
    Data decoded = BinaryCodec.decode(HEX.parseHex(hex));
    assertThat(decoded).isEqualTo(value);
    assertThat(decoded.kind()).isEqualTo(value.kind());
    assertThat(decoded.compareTo(value)).isZero();
    assertThat(decoded.hashCode()).isEqualTo(value.hashCode());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokerVectors")
  void everyProperPrefixOfAnEncodingIsRejected(String name, Data value, String hex) {
    byte[] full = HEX.parseHex(hex);
    for (int len = 0; len < full.length; len++) {
      assertInvalid(Arrays.copyOf(full, len));
    }
  }

  @Test
  void oneOfEverythingIs177Bytes() {
    assertThat(BinaryCodec.encode(ONE_OF_EVERYTHING)).hasSize(177);
  }

  @Test
  void javaCanonicalNanBitsDecodeAsPositiveInfinity() { // #6
    assertThat(BinaryCodec.decode(HEX.parseHex("047ff8000000000000")))
        .isEqualTo(real(Double.POSITIVE_INFINITY));
  }

  @Test
  void setWithTwoEmptyStringsIsRejectedAsDuplicate() { // #15
    assertThat(assertInvalid(HEX.parseHex("0c0205000500")).getMessage()).contains("duplicate set element");
  }

  @Test
  void portProtocolFourIsRejected() { // #16
    assertThat(assertInvalid(HEX.parseHex("081f9004")).getMessage()).contains("port protocol 4");
  }

  @ParameterizedTest
  @CsvSource({"0102", "01ff", "0180"})
  void anyNonZeroBooleanByteIsTrue(String hex) { // #17
    assertThat(BinaryCodec.decode(HEX.parseHex(hex))).isSameAs(BooleanData.TRUE);
  }

  @Test
  void trailingByteAfterTheRootValueIsRejected() { // #18
    assertThat(assertInvalid(HEX.parseHex("0e0000")).getMessage()).contains("trailing");
  }

  @Test
  void encodeIntoBufferReturnsEndOffsetAndDecodeReadsARange() {
    Data value = vector(string("ab"), count(7));
    int size = BinaryCodec.encodedSize(value);
    byte[] buf = new byte[size + 5];
    buf[0] = (byte) 0xEE;
    assertThat(BinaryCodec.encode(value, buf, 3)).isEqualTo(3 + size);
    assertThat(BinaryCodec.decode(buf, 3, size)).isEqualTo(value);
    assertInvalid(() -> BinaryCodec.decode(buf, 3, size - 1));
    assertInvalid(() -> BinaryCodec.decode(buf, 3, size + 1));
    assertThatThrownBy(() -> BinaryCodec.decode(buf, 3, buf.length)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> BinaryCodec.decode(buf, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  // ---- varbyte ------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "0, 00", "1, 01", "127, 7f", "128, 8001", "200, c801", "300, ac02", "16383, ff7f",
      "16384, 808001", "2097151, ffff7f", "268435456, 8080808001", "2147483647, ffffffff07",
      "-2147483648, 8080808008", "-1, ffffffff0f"})
  void varbyteEncodesMinimalLittleEndianGroups(int value, String hex) { // #1
    byte[] out = new byte[8];
    int end = BinaryCodec.writeVarbyte(value, out, 1);
    assertThat(HEX.formatHex(out, 1, end)).isEqualTo(hex);
    assertThat(BinaryCodec.varbyteSize(value)).isEqualTo(hex.length() / 2);
    long read = BinaryCodec.readVarbyte(HEX.parseHex(hex), 0, hex.length() / 2);
    assertThat(read & 0xFFFF_FFFFL).isEqualTo(value & 0xFFFF_FFFFL);
    assertThat(read >>> 32).isEqualTo(hex.length() / 2);
  }

  @ParameterizedTest(name = "{0} -> {1} in {2} bytes")
  @CsvSource({
      "8000, 0, 2", "800000, 0, 2", "8080808000, 0, 5", "ff00, 127, 2", "8101, 129, 2",
      "ffffffff0f, 4294967295, 5", "ffffffff0f00, 4294967295, 5"})
  void varbyteDecodingAcceptsNonMinimalForms(String hex, long value, int length) {
    byte[] bytes = HEX.parseHex(hex);
    long read = BinaryCodec.readVarbyte(bytes, 0, bytes.length);
    assertThat(read & 0xFFFF_FFFFL).isEqualTo(value);
    assertThat(read >>> 32).isEqualTo(length);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
      "808080808000, longer than 5 bytes",
      "8080808080, longer than 5 bytes",
      "ffffffffff01, longer than 5 bytes",
      "ffffffff10, exceeds 32 bits",
      "8080808010, exceeds 32 bits",
      "ffffffff7f, exceeds 32 bits",
      "80, truncated",
      "ffffff, truncated"})
  void varbyteDecodingRejectsMoreThanFiveBytesOrValuesOf2To32(String hex, String reason) {
    byte[] bytes = HEX.parseHex(hex);
    BrokerException e = assertInvalid(() -> BinaryCodec.readVarbyte(bytes, 0, bytes.length));
    assertThat(e.getMessage()).contains(reason);
  }

  @Test
  void emptyVarbyteIsTruncated() {
    assertInvalid(() -> BinaryCodec.readVarbyte(new byte[0], 0, 0));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "0e8000, 0e00",
      "0c808000, 0c00",
      "0d8080808000, 0d00",
      "05810061, 050161",
      "0b810062, 0b0162",
      "0e8200" + "0100" + "0101, 0e02" + "0100" + "0101"})
  void nonMinimalLengthsInsideDataAreAcceptedAndReencodedMinimally(String hex, String minimal) {
    Data d = BinaryCodec.decode(HEX.parseHex(hex));
    assertThat(d).isEqualTo(BinaryCodec.decode(HEX.parseHex(minimal)));
    assertThat(HEX.formatHex(BinaryCodec.encode(d))).isEqualTo(minimal);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"05808080808000", "05ffffffff10", "0e8080808080", "0c8080808010"})
  void malformedLengthPrefixesInsideDataAreRejected(String hex) {
    assertInvalid(HEX.parseHex(hex));
  }

  // ---- reals: CAF pack754 ------------------------------------------------------------------

  static Stream<Arguments> realEncodings() {
    return Stream.of(
        Arguments.of(0.0, "0000000000000000"),
        Arguments.of(-0.0, "8000000000000000"),
        Arguments.of(1.0, "3ff0000000000000"),
        Arguments.of(-2.5, "c004000000000000"),
        Arguments.of(Double.MAX_VALUE, "7fefffffffffffff"),
        Arguments.of(-Double.MAX_VALUE, "ffefffffffffffff"),
        Arguments.of(Double.MIN_NORMAL, "0010000000000000"),
        Arguments.of(Double.POSITIVE_INFINITY, "fff0000000000000"),
        Arguments.of(Double.NEGATIVE_INFINITY, "7ff0000000000000"),
        Arguments.of(Double.NaN, "ffffffffffffffff"),
        Arguments.of(Double.longBitsToDouble(0x7ff8_0000_0000_0000L), "ffffffffffffffff"),
        Arguments.of(Double.longBitsToDouble(0xfff8_0000_0000_0000L), "ffffffffffffffff"),
        Arguments.of(Double.longBitsToDouble(0x7ff0_0000_0000_0001L), "ffffffffffffffff"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("realEncodings")
  void realsAreWrittenWithCafPack754Bits(double value, String bits) {
    assertThat(String.format("%016x", BinaryCodec.realToBits(value))).isEqualTo(bits);
    assertThat(HEX.formatHex(BinaryCodec.encode(real(value)))).isEqualTo("04" + bits);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "0000000000000000, 0.0",
      "8000000000000000, -0.0",
      "3ff0000000000000, 1.0",
      "c004000000000000, -2.5",
      "7fefffffffffffff, 1.7976931348623157E308",
      "fff0000000000000, Infinity",
      "7ff0000000000000, -Infinity",
      "ffffffffffffffff, NaN",
      "7ff8000000000000, Infinity",
      "7ff0000000000001, Infinity",
      "7fffffffffffffff, Infinity",
      "fff8000000000000, -Infinity",
      "fff0000000000001, -Infinity",
      "fffffffffffffffe, -Infinity"})
  void realsAreReadWithCafUnpack754(String bits, double expected) {
    double actual = BinaryCodec.bitsToReal(Long.parseUnsignedLong(bits, 16));
    assertThat(Double.compare(actual, expected)).as("%s decodes to %s, got %s", bits, expected, actual).isZero();
    assertThat(BinaryCodec.decode(HEX.parseHex("04" + bits))).isEqualTo(real(expected));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subnormals")
  void subnormalsRoundTripBetweenJbrokerNodesAsIeeeBits(double subnormal) {
    byte[] encoded = BinaryCodec.encode(real(subnormal));
    assertThat(HEX.formatHex(encoded, 1, 9))
        .isEqualTo(String.format("%016x", Double.doubleToRawLongBits(subnormal)));
    Data decoded = BinaryCodec.decode(encoded);
    assertThat(Double.doubleToRawLongBits(((RealData) decoded).value()))
        .isEqualTo(Double.doubleToRawLongBits(subnormal));
  }

  static Stream<Double> subnormals() {
    return Stream.of(Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL / 2, -Double.MIN_NORMAL / 3,
        Double.longBitsToDouble(0x000f_ffff_ffff_ffffL));
  }

  @Test
  void setHoldingBothZerosDecodesAsTwoElementsByOurDocumentedOrder() {
    // Broker would call this a duplicate (IEEE ==); jbroker orders -0.0 < 0.0 (see Data).
    Data d = BinaryCodec.decode(HEX.parseHex("0c02" + "040000000000000000" + "048000000000000000"));
    assertThat(d).isEqualTo(set(real(0.0), real(-0.0)));
    assertThat(((SetData) d).size()).isEqualTo(2);
    assertThat(HEX.formatHex(BinaryCodec.encode(d))).isEqualTo("0c02" + "048000000000000000" + "040000000000000000");
  }

  @Test
  void setHoldingTwoSpellingsOfInfinityIsADuplicate() {
    // 7ff8… is not Broker's NaN but an overflow to +inf, the same element as fff0…
    assertInvalid(HEX.parseHex("0c02" + "04fff0000000000000" + "047ff8000000000000"));
    assertInvalid(HEX.parseHex("0c02" + "04ffffffffffffffff" + "04ffffffffffffffff"));
  }

  // ---- what the decoder accepts verbatim -----------------------------------------------------

  @Test
  void subnetRawLengthAndHostBitsAreTakenVerbatim() {
    String hex = "0700000000000000000000ffffc0a80908ff";
    Data d = BinaryCodec.decode(HEX.parseHex(hex));
    assertThat(d).isEqualTo(new SubnetData(AddressData.parse("192.168.9.8"), 255));
    assertThat(HEX.formatHex(BinaryCodec.encode(d))).isEqualTo(hex);
  }

  @Test
  void unsortedSetsAndTablesOnTheWireAreAcceptedAndReencodedSorted() {
    Data s = BinaryCodec.decode(HEX.parseHex("0c02" + "020000000000000002" + "020000000000000001"));
    assertThat(s).isEqualTo(set(count(1), count(2)));
    assertThat(HEX.formatHex(BinaryCodec.encode(s))).isEqualTo("0c02" + "020000000000000001" + "020000000000000002");
    Data t = BinaryCodec.decode(HEX.parseHex("0d02" + "050162" + "00" + "050161" + "0101"));
    assertThat(t).isEqualTo(table(string("a"), Data.of(true), string("b"), none()));
  }

  // ---- hostile input -------------------------------------------------------------------------

  @ParameterizedTest(name = "tag {0}")
  @MethodSource("unknownTags")
  void unknownTagsAreRejected(int tag) {
    byte t = (byte) tag;
    assertThat(assertInvalid(new byte[] {t}).getMessage()).contains("unknown type tag " + tag);
    assertInvalid(new byte[] {t, 0, 0, 0, 0, 0, 0, 0, 0});
    assertInvalid(new byte[] {0x0e, 0x02, 0x00, t}); // inside a vector
  }

  static IntStream unknownTags() {
    return IntStream.rangeClosed(15, 255);
  }

  @ParameterizedTest
  @CsvSource({"081f9004", "08000005", "080050ff", "0e01081f9004"})
  void portProtocolsAboveThreeAreRejected(String hex) {
    assertThat(assertInvalid(HEX.parseHex(hex)).getMessage()).contains("port protocol");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "set of two empty strings (#15), 0c02" + "0500" + "0500",
      "set of two equal counts, 0c02" + "020000000000000001" + "020000000000000001",
      "set of two equal nested vectors, 0c02" + "0e0100" + "0e0100",
      "set of equal sets in different wire order, 0c02" + "0c0201000101" + "0c0201010100",
      "table with a repeated key, 0d02" + "020000000000000001" + "0100" + "020000000000000001" + "0101",
      "table with a repeated key and equal values, 0d02" + "050161" + "00" + "050161" + "00",
      "duplicate inside a nested set, 0e01" + "0c02" + "0500" + "0500",
      "duplicate key inside a table value, 0d01" + "00" + "0d02" + "00" + "00" + "00" + "0101"})
  void duplicateSetElementsAndTableKeysAreRejected(String name, String hex) {
    assertThat(assertInvalid(HEX.parseHex(hex)).getMessage()).containsPattern("duplicate (set element|table key)");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "string 2^32-1, 05ffffffff0f6162",
      "enum 2^32-1, 0bffffffff0f6162",
      "vector 2^32-1, 0effffffff0f0000",
      "set 2^32-1, 0cffffffff0f0000",
      "table 2^32-1, 0dffffffff0f0000",
      "vector 2^31, 0e80808080080000",
      "table 2^31-1, 0dffffffff07000000",
      "string one byte too long, 0504616263",
      "vector one element too many, 0e030000",
      "table needing two bytes per entry, 0d02000000"})
  void lengthPrefixesLargerThanTheInputAreRejected(String name, String hex) {
    assertThat(assertInvalid(HEX.parseHex(hex)).getMessage()).contains("exceeds");
  }

  @Test
  void nestingOfExactlyMaxDepthContainersIsAccepted() {
    for (String open : List.of("0e01", "0c01", "0d0100")) {
      byte[] bytes = HEX.parseHex(open.repeat(BinaryCodec.MAX_DEPTH) + "00");
      Data d = BinaryCodec.decode(bytes);
      assertThat(BinaryCodec.encode(d)).isEqualTo(bytes);
    }
    Data deepest = none();
    for (int i = 0; i < BinaryCodec.MAX_DEPTH; i++) {
      deepest = (i % 3 == 0) ? vector(deepest) : (i % 3 == 1) ? set(deepest) : table(none(), deepest);
    }
    assertThat(BinaryCodec.decode(BinaryCodec.encode(deepest))).isEqualTo(deepest);
  }

  @Test
  void nestingDeeperThanMaxDepthIsRejected() {
    for (String open : List.of("0e01", "0c01", "0d0100")) {
      byte[] bytes = HEX.parseHex(open.repeat(BinaryCodec.MAX_DEPTH + 1) + "00");
      assertThat(assertInvalid(bytes).getMessage()).contains("nested deeper than " + BinaryCodec.MAX_DEPTH);
    }
  }

  @Test
  void extremelyDeepNestingIsRejectedWithoutOverflowingTheStack() {
    byte[] bytes = new byte[2_000_001];
    for (int i = 0; i + 1 < bytes.length; i += 2) {
      bytes[i] = 0x0e;
      bytes[i + 1] = 0x01;
    }
    assertInvalid(bytes);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"0000", "010000", "0e000e00", "05016162", "020000000000000001ff"})
  void trailingBytesAreRejected(String hex) {
    assertThat(assertInvalid(HEX.parseHex(hex)).getMessage()).contains("trailing byte");
  }

  @Test
  void emptyInputIsRejected() {
    assertInvalid(new byte[0]);
  }

  @Test
  void decodingAHugeClaimedCountAllocatesAlmostNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported(), "per-thread allocation counter unsupported");
    threads.setThreadAllocatedMemoryEnabled(true);
    long self = Thread.currentThread().getId();
    // 10-byte inputs claiming 2^32-1 bytes, elements or entries.
    for (String hex : List.of(
        "05ffffffff0f61626364", "0bffffffff0f61626364", "0effffffff0f00000000",
        "0cffffffff0f00000000", "0dffffffff0f00000000", "0e010dffffffff0f0000")) {
      byte[] input = HEX.parseHex(hex);
      assertThat(input).hasSize(10);
      for (int i = 0; i < 200; i++) { // warm up: class loading and first calls allocate once
        assertInvalid(input);
      }
      ErrorCode code = null;
      long before = threads.getThreadAllocatedBytes(self);
      try {
        BinaryCodec.decode(input);
      } catch (BrokerException e) {
        code = e.code();
      }
      long allocated = threads.getThreadAllocatedBytes(self) - before;
      assertThat(code).isEqualTo(ErrorCode.INVALID_DATA);
      assertThat(allocated).as("bytes allocated decoding %s", hex).isLessThan(64 * 1024);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  static BrokerException assertInvalid(byte[] input) {
    return assertInvalid(() -> BinaryCodec.decode(input));
  }

  static BrokerException assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    BrokerException e = catchThrowableOfType(BrokerException.class, call);
    assertThat(e).as("expected a BrokerException").isNotNull();
    assertAll(
        () -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA),
        () -> assertThat(e.getMessage()).isNotBlank().contains("at byte"));
    return e;
  }
}
