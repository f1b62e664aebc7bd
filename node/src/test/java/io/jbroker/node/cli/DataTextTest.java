package io.jbroker.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;

import io.jbroker.data.AddressData;
import io.jbroker.data.Data;
import io.jbroker.data.DataGenerators;
import io.jbroker.data.PortData;
import io.jbroker.data.SetData;
import io.jbroker.data.StringData;
import io.jbroker.data.SubnetData;
import io.jbroker.data.TableData;
import io.jbroker.data.VectorData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DataTextTest {
  private static final int EXAMPLES = 2000 * Integer.getInteger("jbroker.test.scale", 1);

  @Test
  void readsScalarsOfEveryKind() {
    assertThat(DataText.parse("nil")).isEqualTo(Data.none());
    assertThat(DataText.parse("T")).isEqualTo(Data.of(true));
    assertThat(DataText.parse("false")).isEqualTo(Data.of(false));
    assertThat(DataText.parse("42")).isEqualTo(Data.count(42));
    assertThat(DataText.parse("18446744073709551615")).isEqualTo(Data.count(-1L));
    assertThat(DataText.parse("+42")).isEqualTo(Data.integer(42));
    assertThat(DataText.parse("-42")).isEqualTo(Data.integer(-42));
    assertThat(DataText.parse("3.5")).isEqualTo(Data.real(3.5));
    assertThat(DataText.parse("-1e-3")).isEqualTo(Data.real(-0.001));
    assertThat(DataText.parse("inf")).isEqualTo(Data.real(Double.POSITIVE_INFINITY));
    assertThat(DataText.parse("\"str\"")).isEqualTo(Data.of("str"));
    assertThat(DataText.parse("web")).isEqualTo(Data.of("web"));
    assertThat(DataText.parse("Foo::bar")).isEqualTo(Data.of("Foo::bar"));
    assertThat(DataText.parse("10.0.0.1")).isEqualTo(Data.address("10.0.0.1"));
    assertThat(DataText.parse("2001:db8::1")).isEqualTo(Data.address("2001:db8::1"));
    assertThat(DataText.parse("10.0.0.0/8")).isEqualTo(Data.subnet("10.0.0.0/8"));
    assertThat(DataText.parse("10.1.2.3/8")).isEqualTo(Data.subnet("10.0.0.0/8"));
    assertThat(DataText.parse("2001:db8::/32")).isEqualTo(Data.subnet("2001:db8::/32"));
    assertThat(DataText.parse("80/tcp")).isEqualTo(Data.port(80, PortData.Protocol.TCP));
    assertThat(DataText.parse("53/udp")).isEqualTo(Data.port(53, PortData.Protocol.UDP));
    assertThat(DataText.parse("8/icmp")).isEqualTo(Data.port(8, PortData.Protocol.ICMP));
    assertThat(DataText.parse("0/?")).isEqualTo(Data.port(0, PortData.Protocol.UNKNOWN));
    assertThat(DataText.parse("10s")).isEqualTo(Data.timespan(Duration.ofSeconds(10)));
    assertThat(DataText.parse("1500ms")).isEqualTo(Data.timespan(Duration.ofMillis(1500)));
    assertThat(DataText.parse("2.5s")).isEqualTo(Data.timespan(Duration.ofMillis(2500)));
    assertThat(DataText.parse("-1h")).isEqualTo(Data.timespan(Duration.ofHours(-1)));
    assertThat(DataText.parse("2min")).isEqualTo(Data.timespan(Duration.ofMinutes(2)));
    assertThat(DataText.parse("1d")).isEqualTo(Data.timespan(Duration.ofDays(1)));
    assertThat(DataText.parse("7ns")).isEqualTo(Data.timespanNanos(7));
    assertThat(DataText.parse("@2024-05-01T12:00:00Z")).isEqualTo(Data.timestamp(Instant.parse("2024-05-01T12:00:00Z")));
    assertThat(DataText.parse("@2024-05-01T14:00:00.5+02:00"))
        .isEqualTo(Data.timestamp(Instant.parse("2024-05-01T12:00:00.500Z")));
    assertThat(DataText.parse("@2024-05-01T12:00:00")).isEqualTo(Data.timestamp(Instant.parse("2024-05-01T12:00:00Z")));
    assertThat(DataText.parse("@1714564800s")).isEqualTo(Data.timestamp(Instant.parse("2024-05-01T12:00:00Z")));
    assertThat(DataText.parse("enum(Log::WRITER_ASCII)")).isEqualTo(Data.enumValue("Log::WRITER_ASCII"));
    assertThat(DataText.parse("enum(\"a b\")")).isEqualTo(Data.enumValue("a b"));
  }

  @Test
  void readsContainers() {
    assertThat(DataText.parse("{1, 2}")).isEqualTo(Data.set(Data.count(1), Data.count(2)));
    assertThat(DataText.parse("{2,1,2}")).isEqualTo(Data.set(Data.count(1), Data.count(2)));
    assertThat(DataText.parse("{}")).isEqualTo(SetData.of(List.of()));
    assertThat(DataText.parse("[a, b]")).isEqualTo(Data.vector(Data.of("a"), Data.of("b")));
    assertThat(DataText.parse("(a, b)")).isEqualTo(Data.vector(Data.of("a"), Data.of("b")));
    assertThat(DataText.parse("[]")).isEqualTo(VectorData.of(List.of()));
    assertThat(DataText.parse("{a -> b}")).isEqualTo(Data.table(Data.of("a"), Data.of("b")));
    assertThat(DataText.parse("{a->1,b->+2}")).isEqualTo(Data.table(Data.of("a"), Data.count(1), Data.of("b"), Data.integer(2)));
    assertThat(DataText.parse("{->}")).isEqualTo(TableData.of(Map.of()));
    assertThat(DataText.parse(" [ {10.0.0.1 -> [80/tcp, 443/tcp]} , \"x, y\" ] "))
        .isEqualTo(Data.vector(Data.table(Data.address("10.0.0.1"),
            Data.vector(Data.port(80, PortData.Protocol.TCP), Data.port(443, PortData.Protocol.TCP))), Data.of("x, y")));
  }

  @Test
  void readsStringEscapes() {
    assertThat(DataText.parse("\"a\\\"b\\\\c\\n\\t\\r\\0\"")).isEqualTo(Data.of("a\"b\\c\n\t\r\0"));
    assertThat(DataText.parse("\"\\u{e9}\\u{1F600}\"")).isEqualTo(Data.of("é😀"));
    assertThat(DataText.parse("\"\\xff\\x00\"")).isEqualTo(StringData.ofBytes(new byte[] {(byte) 0xFF, 0}));
    assertThat(DataText.parse("\"é\"")).isEqualTo(Data.of("é"));
    assertThat(DataText.parse("\"42\"")).isEqualTo(Data.of("42"));
  }

  @Test
  void rendersCanonically() {
    assertThat(DataText.format(Data.count(42))).isEqualTo("42");
    assertThat(DataText.format(Data.integer(42))).isEqualTo("+42");
    assertThat(DataText.format(Data.integer(0))).isEqualTo("+0");
    assertThat(DataText.format(Data.real(3.5))).isEqualTo("3.5");
    assertThat(DataText.format(Data.real(Double.NaN))).isEqualTo("nan");
    assertThat(DataText.format(Data.of("web"))).isEqualTo("web");
    assertThat(DataText.format(Data.of("42"))).isEqualTo("\"42\"");
    assertThat(DataText.format(Data.of("T"))).isEqualTo("\"T\"");
    assertThat(DataText.format(Data.of("a b"))).isEqualTo("\"a b\"");
    assertThat(DataText.format(Data.of(""))).isEqualTo("\"\"");
    assertThat(DataText.format(Data.of("enum"))).isEqualTo("\"enum\"");
    assertThat(DataText.format(Data.of("beef::1"))).isEqualTo("\"beef::1\"");
    assertThat(DataText.format(StringData.ofBytes(new byte[] {'a', (byte) 0xC3}))).isEqualTo("\"a\\xc3\"");
    assertThat(DataText.format(Data.of("tab\there"))).isEqualTo("\"tab\\there\"");
    assertThat(DataText.format(Data.timespan(Duration.ofMillis(1500)))).isEqualTo("1500ms");
    assertThat(DataText.format(Data.timespan(Duration.ofHours(2)))).isEqualTo("2h");
    assertThat(DataText.format(Data.timespan(Duration.ZERO))).isEqualTo("0s");
    assertThat(DataText.format(Data.timestamp(Instant.parse("2024-05-01T12:00:00Z")))).isEqualTo("@2024-05-01T12:00:00Z");
    assertThat(DataText.format(Data.timestampNanos(-1))).isEqualTo("@1969-12-31T23:59:59.999999999Z");
    assertThat(DataText.format(Data.enumValue("Foo::BAR"))).isEqualTo("enum(Foo::BAR)");
    assertThat(DataText.format(Data.set())).isEqualTo("{}");
    assertThat(DataText.format(TableData.of(Map.of()))).isEqualTo("{->}");
    assertThat(DataText.format(Data.table(Data.of("a"), Data.count(1)))).isEqualTo("{a -> 1}");
    assertThat(DataText.format(Data.vector(Data.of("a"), Data.none(), Data.of(true)))).isEqualTo("[a, nil, T]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "[1, 2", "{1 -> 2, 3}", "{1, 2 -> 3}", "[1,]", "a b", "\"open", "\"\\q\"",
      "\"\\x4\"", "\"\\u{110000}\"", "18446744073709551616", "+9223372036854775808", "10.0.0.0/33", "::/129",
      "@yesterday", "1e999", "enum()", "enum(x", "70000/tcp", "{->", ",", "]", "1.5ns"})
  void refusesMalformedTextWithInvalidData(String text) {
    assertThatThrownBy(() -> DataText.parse(text)).isInstanceOfSatisfying(BrokerException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
      assertThat(e.getMessage()).contains("at offset");
    });
  }

  @Test
  void errorsNameTheOffsetAndTheProblem() {
    assertThatThrownBy(() -> DataText.parse("[1, 2"))
        .hasMessage("cannot read \"[1, 2\" as data at offset 5: missing ']'");
    assertThatThrownBy(() -> DataText.parse("a b"))
        .hasMessageContaining("offset 2: unexpected \"b\" after the value (quote strings that contain spaces or commas)");
  }

  @Test
  void everyValueReadsBackAsItself() {
    qt().withExamples(EXAMPLES).forAll(DataGenerators.anyData()).assuming(DataTextTest::textRepresentable)
        .checkAssert(d -> assertThat(DataText.parse(DataText.format(d))).isEqualTo(d));
  }

  @Test
  void jsonSafeValuesReadBackAsThemselves() {
    qt().withExamples(EXAMPLES).forAll(DataGenerators.jsonSafeData())
        .checkAssert(d -> assertThat(DataText.parse(DataText.format(d))).isEqualTo(d));
  }

  /** Everything but subnets with host bits or odd raw lengths, which only Broker's decoder makes. */
  private static boolean textRepresentable(Data d) {
    if (d instanceof SubnetData s) {
      AddressData a = s.network();
      int max = a.isV4() ? 32 : 128;
      int p = s.prefixLength();
      return (!a.isV4() || s.rawLength() >= 96) && p <= max && SubnetData.of(a, p).equals(s);
    }
    if (d instanceof SetData s) {
      return s.elements().stream().allMatch(DataTextTest::textRepresentable);
    }
    if (d instanceof VectorData v) {
      return v.elements().stream().allMatch(DataTextTest::textRepresentable);
    }
    if (d instanceof TableData t) {
      return t.entries().entrySet().stream().allMatch(e -> textRepresentable(e.getKey()) && textRepresentable(e.getValue()));
    }
    return true;
  }
}
