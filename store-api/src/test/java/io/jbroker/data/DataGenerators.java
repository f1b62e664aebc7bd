package io.jbroker.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/**
 * QuickTheories generators of random {@link Data}, shared by the tests of every module (through
 * the store-api test-jar).
 *
 * <p>All generators draw only from the QuickTheories randomness source, so they replay from a
 * seed ({@code -DQT_SEED=…}) and shrink: a failing nested value shrinks towards fewer, smaller
 * elements and simpler kinds. Every public {@code Gen<Data>} describes its values with {@link
 * #describe(Data)} (kind, text form and hex encoding), because Broker's text form alone is
 * ambiguous ({@code 1} may be a count, an integer or a string).
 *
 * <h2>What is covered</h2>
 *
 * <ul>
 *   <li>{@link #scalars()}: the 12 scalar kinds with their edge values mixed in: counts and
 *       integers at 0, ±1, 2<sup>63</sup>−1, 2<sup>63</sup>, 2<sup>64</sup>−1; reals including
 *       ±0.0, ±∞, NaN (several payloads), subnormals and arbitrary bit patterns; strings and enum
 *       names of arbitrary bytes (also invalid UTF-8) with lengths on both sides of the one-byte
 *       {@code varbyte} limit; IPv4-mapped, IPv4-compatible and arbitrary IPv6 addresses;
 *       subnets from the factories and with raw lengths and host bits as the decoder accepts
 *       them; ports with all four protocols.
 *   <li>{@link #anyData()}: scalars nested in vectors, sets and tables, all 15 kinds, bounded in
 *       depth and width.
 *   <li>{@link #jsonSafeData()}: like {@link #anyData()} but restricted to values Broker's JSON
 *       form round-trips exactly (see there).
 *   <li>{@link #collisionProne(int)}: values from small pools, so that equal and nearly equal
 *       values are frequent; for order, duplicate and key tests.
 * </ul>
 *
 * <p>Depth counts container nesting the way {@link BinaryCodec#MAX_DEPTH} does: a scalar has
 * depth 0, a vector of scalars depth 1.
 */
public final class DataGenerators {
  /** Container nesting of {@link #anyData()} and {@link #jsonSafeData()}. */
  public static final int DEFAULT_MAX_DEPTH = 3;

  /** Most elements (or table entries) per container by default. */
  public static final int DEFAULT_MAX_WIDTH = 4;

  private static final HexFormat HEX = HexFormat.of();

  private DataGenerators() {}

  // ---- nested values ----------------------------------------------------------------------

  /** Values of all 15 kinds, nested up to {@link #DEFAULT_MAX_DEPTH} containers deep. */
  public static Gen<Data> anyData() {
    return anyData(DEFAULT_MAX_DEPTH);
  }

  /** Values of all 15 kinds, nested up to {@code maxDepth} containers deep (0: scalars only). */
  public static Gen<Data> anyData(int maxDepth) {
    return nested(scalars(), maxDepth, DEFAULT_MAX_WIDTH);
  }

  /**
   * Values Broker's JSON form ({@code JsonCodec}) round-trips exactly, nested up to {@link
   * #DEFAULT_MAX_DEPTH} containers deep. Compared with {@link #anyData()}:
   *
   * <ul>
   *   <li>reals are multiples of 1/64 within ±2<sup>40</sup> (six decimals render them exactly),
   *       ±0.0 and ±∞, never NaN;
   *   <li>timestamps are non-negative whole milliseconds (JSON renders milliseconds, truncated,
   *       and pre-epoch values wrongly);
   *   <li>strings and enum names are valid UTF-8 text without control characters other than
   *       {@code \b \f \n \r \t} (Broker copies other control bytes raw and writes {@code \v},
   *       neither of which is JSON);
   *   <li>subnets come from {@link SubnetData#of(AddressData, int)} only (masked, legal prefix),
   *       addresses from the factories.
   * </ul>
   */
  public static Gen<Data> jsonSafeData() {
    return jsonSafeData(DEFAULT_MAX_DEPTH);
  }

  /** {@link #jsonSafeData()} nested up to {@code maxDepth} containers deep. */
  public static Gen<Data> jsonSafeData(int maxDepth) {
    return nested(jsonSafeScalars(), maxDepth, DEFAULT_MAX_WIDTH);
  }

  /**
   * Values drawn from small pools (counts 0–3, strings over {@code a b}, a few reals, addresses,
   * ports …) nested up to {@code maxDepth} deep, so that random pairs and triples are often
   * equal or differ only deep inside; for order, equality and duplicate tests.
   */
  public static Gen<Data> collisionProne(int maxDepth) {
    return nested(collisionProneScalars(), maxDepth, 3);
  }

  /**
   * Vectors, sets and tables of {@code leaves}, nested up to {@code maxDepth} containers deep
   * with at most {@code maxWidth} elements (entries) each; at every level a scalar is more
   * likely than a container, so the expected size stays small.
   */
  public static Gen<Data> nested(Gen<Data> leaves, int maxDepth, int maxWidth) {
    if (maxDepth < 0 || maxWidth < 0) {
      throw new IllegalArgumentException("maxDepth and maxWidth must be >= 0");
    }
    Gen<Data> gen = leaves;
    for (int level = 1; level <= maxDepth; level++) {
      Gen<Data> inner = gen;
      Gen<Data> containers = oneOfWeighted(List.of(
          Pair.of(1, vectors(inner, maxWidth)),
          Pair.of(1, sets(inner, maxWidth)),
          Pair.of(1, tables(inner, inner, maxWidth))));
      gen = oneOfWeighted(List.of(Pair.of(2, leaves), Pair.of(1, containers)));
    }
    return gen.describedAs(DataGenerators::describe);
  }

  /**
   * Values nested exactly {@code minDepth}…{@code maxDepth} containers deep: a chain of vectors,
   * sets and tables, each holding the next link plus up to two scalars (as elements, keys or
   * values). For depth limits ({@link BinaryCodec#MAX_DEPTH}) and recursion in codecs.
   */
  public static Gen<Data> deep(int minDepth, int maxDepth) {
    return deep(scalars(), minDepth, maxDepth);
  }

  /** Like {@link #deep(int, int)} with scalars from {@code leaves}. */
  public static Gen<Data> deep(Gen<Data> leaves, int minDepth, int maxDepth) {
    if (minDepth < 0 || maxDepth < minDepth) {
      throw new IllegalArgumentException("need 0 <= minDepth <= maxDepth");
    }
    Gen<Integer> depth = Generate.range(minDepth, maxDepth);
    Gen<Integer> container = Generate.range(0, 2);
    Gen<Integer> siblings = Generate.range(0, 2);
    Gen<Data> gen = in -> {
      int d = depth.generate(in);
      Data value = leaves.generate(in);
      for (int level = 0; level < d; level++) {
        int kind = container.generate(in);
        int n = siblings.generate(in);
        List<Data> others = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          others.add(leaves.generate(in));
        }
        if (kind == 0) {
          List<Data> elements = new ArrayList<>(others);
          elements.add(elements.size() / 2, value);
          value = VectorData.of(elements);
        } else if (kind == 1) {
          others.add(value); // the container is never equal to a scalar sibling, so it stays
          value = SetData.of(others);
        } else {
          Data[] kv = new Data[2 * (n + 1)];
          for (int i = 0; i < n; i++) {
            kv[2 * i] = others.get(i);
            kv[2 * i + 1] = others.get(n - 1 - i);
          }
          // the nested value as a key, or as the value of a scalar key no sibling uses
          boolean asKey = n % 2 == 0;
          Data freeKey = Stream.<Data>of(NoneData.INSTANCE, BooleanData.FALSE, BooleanData.TRUE)
              .filter(k -> !others.contains(k)).findFirst().orElseThrow();
          kv[2 * n] = asKey ? value : freeKey;
          kv[2 * n + 1] = asKey ? NoneData.INSTANCE : value;
          value = TableData.ofPairs(kv);
        }
      }
      return value;
    };
    return gen.describedAs(DataGenerators::describe);
  }

  /** Vectors of up to {@code maxWidth} elements of {@code elements}. */
  public static Gen<Data> vectors(Gen<Data> elements, int maxWidth) {
    return listsOf(elements, maxWidth).map(l -> (Data) VectorData.of(l));
  }

  /** Sets built from up to {@code maxWidth} elements of {@code elements} (duplicates collapse). */
  public static Gen<Data> sets(Gen<Data> elements, int maxWidth) {
    return listsOf(elements, maxWidth).map(l -> (Data) SetData.of(l));
  }

  /** Tables built from up to {@code maxWidth} entries (a later equal key wins). */
  public static Gen<Data> tables(Gen<Data> keys, Gen<Data> values, int maxWidth) {
    Gen<Integer> size = Generate.range(0, maxWidth);
    return in -> {
      int n = size.generate(in);
      Data[] kv = new Data[2 * n];
      for (int i = 0; i < n; i++) {
        kv[2 * i] = keys.generate(in);
        kv[2 * i + 1] = values.generate(in);
      }
      return TableData.ofPairs(kv);
    };
  }

  // ---- scalars ----------------------------------------------------------------------------

  /** The 12 scalar kinds (everything but vector, set and table), edge values included. */
  public static Gen<Data> scalars() {
    return oneOfWeighted(List.of(
        Pair.of(1, nones()),
        Pair.of(1, booleans()),
        Pair.of(2, counts()),
        Pair.of(2, integers()),
        Pair.of(3, reals()),
        Pair.of(3, strings()),
        Pair.of(2, addresses()),
        Pair.of(2, subnets()),
        Pair.of(1, ports()),
        Pair.of(1, timestamps()),
        Pair.of(1, timespans()),
        Pair.of(1, enumValues())))
        .describedAs(DataGenerators::describe);
  }

  /** The scalars of {@link #jsonSafeData()}. */
  public static Gen<Data> jsonSafeScalars() {
    return oneOfWeighted(List.of(
        Pair.of(1, nones()),
        Pair.of(1, booleans()),
        Pair.of(2, counts()),
        Pair.of(2, integers()),
        Pair.of(3, jsonSafeReals()),
        Pair.of(3, textStrings().map(s -> (Data) StringData.of(s))),
        Pair.of(2, addresses()),
        Pair.of(2, maskedSubnets()),
        Pair.of(1, ports()),
        Pair.of(1, jsonSafeTimestamps()),
        Pair.of(1, timespans()),
        Pair.of(1, textStrings().map(s -> (Data) EnumData.of(s)))))
        .describedAs(DataGenerators::describe);
  }

  /** The value {@code nil}. */
  public static Gen<Data> nones() {
    return Generate.constant((Data) NoneData.INSTANCE);
  }

  public static Gen<Data> booleans() {
    return Generate.booleans().map(b -> (Data) BooleanData.of(b));
  }

  /** Counts (unsigned 64-bit) with 0, 1, 127, 128, 2^63−1, 2^63 and 2^64−1 mixed in. */
  public static Gen<Data> counts() {
    return edgyLongs().map(v -> (Data) new CountData(v));
  }

  /** Integers with 0, ±1, ±2^63 edges mixed in. */
  public static Gen<Data> integers() {
    return edgyLongs().map(v -> (Data) new IntegerData(v));
  }

  /**
   * Reals: ±0.0, ±1, ±∞, NaN with different payloads, subnormals, the extremes, small binary
   * fractions and arbitrary bit patterns.
   */
  public static Gen<Data> reals() {
    Gen<Double> special = Generate.pick(List.of(
        0.0, -0.0, 1.0, -1.0, 12.48, -7.5, 0.1,
        Double.NaN, Double.longBitsToDouble(0x7ff8_0000_0000_0001L),
        Double.longBitsToDouble(0xfff8_0000_0000_0000L), Double.longBitsToDouble(0xffff_ffff_ffff_ffffL),
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MIN_NORMAL / 2,
        -Double.MIN_NORMAL / 3, Double.MAX_VALUE, -Double.MAX_VALUE));
    Gen<Double> bits = SourceDSL.longs().all().map(Double::longBitsToDouble);
    Gen<Double> fractions = Generate.range(-4096, 4096).map(k -> k / 8.0);
    return oneOfWeighted(List.of(Pair.of(2, special), Pair.of(3, bits), Pair.of(2, fractions)))
        .map(d -> (Data) new RealData(d));
  }

  /**
   * The reals of {@link #jsonSafeData()}: multiples of 1/64 within ±2^40, ±0.0 and ±∞.
   */
  public static Gen<Data> jsonSafeReals() {
    long limit = 1L << 46; // 2^40 * 64
    Gen<Double> special = Generate.pick(List.of(
        0.0, -0.0, 1.0, -1.0, 0.015625, -7.5, 0x1p40, -0x1p40,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
    Gen<Double> small = Generate.range(-64_000, 64_000).map(k -> k / 64.0);
    Gen<Double> large = Generate.longRange(-limit, limit).map(k -> k / 64.0);
    return oneOfWeighted(List.of(Pair.of(1, special), Pair.of(2, small), Pair.of(2, large)))
        .map(d -> (Data) new RealData(d));
  }

  /** Byte strings: arbitrary bytes (also invalid UTF-8), text, and lengths around 127/128. */
  public static Gen<Data> strings() {
    return byteStrings().map(b -> (Data) StringData.ofBytes(b));
  }

  /** Enum values with names like {@link #strings()}. */
  public static Gen<Data> enumValues() {
    return byteStrings().map(b -> (Data) EnumData.ofBytes(b));
  }

  /**
   * Addresses, all built by the factories: IPv4 (stored IPv4-mapped), arbitrary IPv6, and
   * special ones ({@code ::}, {@code ::1}, IPv4-compatible, {@code 2001:db8::}, all ones).
   */
  public static Gen<Data> addresses() {
    return addressValues().map(a -> (Data) a);
  }

  /**
   * Subnets: mostly from {@link SubnetData#of(AddressData, int)} (masked, legal prefix), some
   * with any raw length and unmasked host bits, as Broker's decoder accepts them.
   */
  public static Gen<Data> subnets() {
    Gen<Data> raw = addressValues().zip(Generate.range(0, 255), (a, len) -> (Data) new SubnetData(a, len));
    return oneOfWeighted(List.of(Pair.of(4, maskedSubnets()), Pair.of(1, raw)));
  }

  /** Subnets from {@link SubnetData#of(AddressData, int)} only. */
  public static Gen<Data> maskedSubnets() {
    Gen<AddressData> addresses = addressValues();
    Gen<Integer> v4Prefix = Generate.range(0, 32);
    Gen<Integer> v6Prefix = Generate.range(0, 128);
    return in -> {
      AddressData a = addresses.generate(in);
      int prefix = (a.isV4() ? v4Prefix : v6Prefix).generate(in);
      return SubnetData.of(a, prefix);
    };
  }

  /** Ports 0–65535 (edges mixed in) with all four protocols. */
  public static Gen<Data> ports() {
    Gen<Integer> number = oneOfWeighted(List.of(
        Pair.of(1, Generate.pick(List.of(0, 1, 80, 255, 256, 8080, 65535))),
        Pair.of(2, Generate.range(0, 65535))));
    return number.zip(Generate.enumValues(PortData.Protocol.class), (n, p) -> (Data) new PortData(n, p));
  }

  /** Timestamps: any 64-bit nanosecond value, edges and realistic ones mixed in. */
  public static Gen<Data> timestamps() {
    return edgyLongs().map(v -> (Data) new TimestampData(v));
  }

  /** Timestamps of {@link #jsonSafeData()}: whole milliseconds from the epoch to 2262. */
  public static Gen<Data> jsonSafeTimestamps() {
    long maxMillis = Long.MAX_VALUE / 1_000_000L;
    return oneOfWeighted(List.of(
        Pair.of(1, Generate.pick(List.of(0L, 1L, 1_404_901_004_000L, 1_649_606_820_000L, maxMillis))),
        Pair.of(3, Generate.longRange(0, maxMillis))))
        .map(ms -> (Data) new TimestampData(ms * 1_000_000L));
  }

  /** Timespans: any 64-bit nanosecond value, edges mixed in. */
  public static Gen<Data> timespans() {
    return edgyLongs().map(v -> (Data) new TimespanData(v));
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Kind, Broker text form and hex encoding of {@code d}, for failure reports. */
  public static String describe(Data d) {
    String hex = HEX.formatHex(BinaryCodec.encode(d));
    String text = d.toString();
    if (text.length() > 500) {
      text = text.substring(0, 500) + "…";
    }
    return d.kind() + " " + text + " [" + hex + "]";
  }

  private static Gen<Data> collisionProneScalars() {
    return oneOfWeighted(List.of(
        Pair.of(1, nones()),
        Pair.of(1, booleans()),
        Pair.of(2, Generate.range(0, 3).map(v -> (Data) new CountData(v))),
        Pair.of(2, Generate.range(-2, 2).map(v -> (Data) new IntegerData(v))),
        Pair.of(2, Generate.pick(List.of(-0.0, 0.0, 1.0, Double.NaN, Double.POSITIVE_INFINITY))
            .map(v -> (Data) new RealData(v))),
        Pair.of(2, Generate.pick(List.of("", "a", "b", "ab", "B")).map(s -> (Data) StringData.of(s))),
        Pair.of(1, Generate.pick(List.of("::", "1.2.3.4", "2001:db8::", "::1"))
            .map(s -> (Data) AddressData.parse(s))),
        Pair.of(1, Generate.pick(List.of("10.0.0.0/8", "10.0.0.0/16", "::/0"))
            .map(s -> (Data) SubnetData.parse(s))),
        Pair.of(1, Generate.pick(List.of("80/tcp", "80/udp", "0/?")).map(s -> (Data) PortData.parse(s))),
        Pair.of(1, Generate.range(-1, 1).map(v -> (Data) new TimestampData(v))),
        Pair.of(1, Generate.range(-1, 1).map(v -> (Data) new TimespanData(v))),
        Pair.of(1, Generate.pick(List.of("a", "b")).map(s -> (Data) EnumData.of(s)))));
  }

  private static Gen<AddressData> addressValues() {
    Gen<AddressData> v4 = SourceDSL.integers().all().map(AddressData::ofV4);
    Gen<AddressData> v6 = SourceDSL.longs().all().zip(SourceDSL.longs().all(), AddressData::new);
    Gen<AddressData> special = Generate.pick(List.of(
        "::", "::1", "::1.2.3.4", "::2:3", "2001:db8::", "2001:db8::1:0:0:1", "fe80::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0", "255.255.255.255", "192.168.9.8"))
        .map(AddressData::parse);
    return oneOfWeighted(List.of(Pair.of(2, v4), Pair.of(2, v6), Pair.of(1, special)));
  }

  private static Gen<Long> edgyLongs() {
    Gen<Long> edges = Generate.pick(List.of(
        0L, 1L, -1L, 127L, 128L, Long.MAX_VALUE, Long.MIN_VALUE, 1_234_567_890L, -1_234_567_890L,
        1_404_901_004_000_000_000L));
    return oneOfWeighted(List.of(
        Pair.of(1, edges),
        Pair.of(2, SourceDSL.longs().all()),
        Pair.of(1, Generate.longRange(-1000, 1000))));
  }

  private static Gen<byte[]> byteStrings() {
    Gen<Byte> anyByte = Generate.range(0, 255).map(Integer::byteValue);
    Gen<byte[]> shortBytes = listsOf(anyByte, 12).map(DataGenerators::toArray);
    Gen<byte[]> aroundVarbyteLimit = Generate.range(120, 140).zip(anyByte, (n, b) -> {
      byte[] a = new byte[n];
      java.util.Arrays.fill(a, b);
      return a;
    });
    Gen<byte[]> text = textStrings().map(s -> s.getBytes(StandardCharsets.UTF_8));
    return oneOfWeighted(List.of(Pair.of(3, shortBytes), Pair.of(1, aroundVarbyteLimit), Pair.of(3, text)));
  }

  /** UTF-8-safe text without control characters other than \b \f \n \r \t. */
  private static Gen<String> textStrings() {
    List<Integer> pool = new ArrayList<>();
    for (int c = 0x20; c < 0x7f; c++) {
      pool.add(c);
    }
    pool.addAll(List.of((int) '\b', (int) '\f', (int) '\n', (int) '\r', (int) '\t', 0x7f, 0xe9, 0xff,
        0x100, 0x4e2d, 0xfeff, 0xfffd, 0x1f600, 0x10ffff));
    Gen<Integer> codePoint = Generate.pick(pool);
    return listsOf(codePoint, 10).map(cps -> {
      StringBuilder sb = new StringBuilder();
      cps.forEach(sb::appendCodePoint);
      return sb.toString();
    });
  }

  private static <T> Gen<List<T>> listsOf(Gen<T> elements, int maxSize) {
    Gen<Integer> size = Generate.range(0, maxSize);
    return in -> {
      int n = size.generate(in);
      List<T> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(elements.generate(in));
      }
      return out;
    };
  }

  private static byte[] toArray(List<Byte> bytes) {
    byte[] a = new byte[bytes.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = bytes.get(i);
    }
    return a;
  }

  private static <T> Gen<T> oneOfWeighted(List<Pair<Integer, Gen<T>>> weighted) {
    return Generate.frequency(weighted);
  }
}
