package io.jbroker.data;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A Broker data value: one of 15 {@linkplain DataKind kinds}, immutable, with Broker's total
 * order.
 *
 * <h2>Order and equality</h2>
 *
 * Values order by {@linkplain DataKind#tag() kind tag} first, then by value
 * (spec/broker-endpoint.md §1.4): counts unsigned, integers/timestamps/timespans signed, strings
 * and enum names as unsigned bytes with the shorter prefix first, addresses by their 16 bytes,
 * subnets by address then raw length, ports by number then protocol, vectors, sets and tables
 * lexicographically by element (tables by key, then value). Sets and tables are kept sorted in
 * this order, which is the order Broker writes them on the wire.
 *
 * <p>Reals are ordered by {@link Double#compare}: Broker uses IEEE {@code <}, which is not a
 * total order (NaN is unordered and {@code 0.0 == -0.0}). We refine it into a total order so
 * that sets, tables and store keys behave: {@code -0.0 < 0.0} are distinct values and NaN is a
 * single value greater than {@code +∞}. Consequence: a set holding both zeros is valid here but
 * is rejected as a duplicate by Broker's decoder. {@code equals}, {@code hashCode} and
 * {@code compareTo} are consistent, and two values are equal exactly when their canonical
 * binary encodings ({@link BinaryCodec}) are equal.
 *
 * <h2>Text form</h2>
 *
 * {@link #toString()} renders Broker's text form ({@code broker::to_string}): {@code nil},
 * {@code T}/{@code F}, decimal numbers, reals with six decimals, strings and enum names raw,
 * {@code 10.0.0.1}, {@code 10.0.0.0/8}, {@code 80/tcp}, timestamps and timespans as
 * {@code <n>ns}, sets {@code {a, b}}, tables {@code {k -> v}} and vectors {@code (a, b)}.
 */
public sealed interface Data extends Comparable<Data>
    permits NoneData, BooleanData, CountData, IntegerData, RealData, StringData, AddressData,
        SubnetData, PortData, TimestampData, TimespanData, EnumData, SetData, TableData,
        VectorData {

  /** The kind of this value. */
  DataKind kind();

  /** Broker's total order: kind tag first, then value. */
  @Override
  default int compareTo(Data other) {
    return DataOrder.compare(this, other);
  }

  // ---- factories --------------------------------------------------------------------------

  /** The single {@code none} value ({@code nil}). */
  static NoneData none() {
    return NoneData.INSTANCE;
  }

  static BooleanData of(boolean value) {
    return BooleanData.of(value);
  }

  /** An {@code integer} (signed 64-bit). Use {@link #count(long)} for a {@code count}. */
  static IntegerData of(long value) {
    return new IntegerData(value);
  }

  /** A {@code real}. */
  static RealData of(double value) {
    return new RealData(value);
  }

  /** A {@code string} holding the UTF-8 bytes of {@code value}. */
  static StringData of(String value) {
    return StringData.of(value);
  }

  /** A {@code count}: the 64 bits of {@code value} read as an unsigned number. */
  static CountData count(long value) {
    return new CountData(value);
  }

  /** An {@code integer}. */
  static IntegerData integer(long value) {
    return new IntegerData(value);
  }

  /** A {@code real}. */
  static RealData real(double value) {
    return new RealData(value);
  }

  /** A {@code string} holding the UTF-8 bytes of {@code value}. */
  static StringData string(String value) {
    return StringData.of(value);
  }

  /** An {@code address} from IPv4 dotted-quad or IPv6 text. */
  static AddressData address(String text) {
    return AddressData.parse(text);
  }

  /** An {@code address} from a Java address (IPv4 is stored IPv4-mapped). */
  static AddressData address(InetAddress address) {
    return AddressData.of(address);
  }

  /** A {@code subnet} from {@code address/prefix} text; host bits are cleared. */
  static SubnetData subnet(String text) {
    return SubnetData.parse(text);
  }

  /** A {@code subnet} with the logical prefix length (0–32 for IPv4, 0–128 for IPv6). */
  static SubnetData subnet(AddressData address, int prefixLength) {
    return SubnetData.of(address, prefixLength);
  }

  /** A {@code port}. */
  static PortData port(int number, PortData.Protocol protocol) {
    return new PortData(number, protocol);
  }

  /** A {@code timestamp} (nanoseconds since the Unix epoch). */
  static TimestampData timestamp(Instant instant) {
    return TimestampData.of(instant);
  }

  /** A {@code timestamp} of {@code nanos} nanoseconds since the Unix epoch. */
  static TimestampData timestampNanos(long nanos) {
    return new TimestampData(nanos);
  }

  /** A {@code timespan}. */
  static TimespanData timespan(Duration duration) {
    return TimespanData.of(duration);
  }

  /** A {@code timespan} of {@code nanos} nanoseconds. */
  static TimespanData timespanNanos(long nanos) {
    return new TimespanData(nanos);
  }

  /** An {@code enum_value} named {@code name}. */
  static EnumData enumValue(String name) {
    return EnumData.of(name);
  }

  /** A {@code set} of the given elements (duplicates collapse). */
  static SetData set(Data... elements) {
    return SetData.of(List.of(elements));
  }

  /** A {@code set} of the given elements (duplicates collapse). */
  static SetData set(Collection<? extends Data> elements) {
    return SetData.of(elements);
  }

  /** A {@code table} holding the entries of {@code entries}. */
  static TableData table(Map<? extends Data, ? extends Data> entries) {
    return TableData.of(entries);
  }

  /**
   * A {@code table} from alternating keys and values: {@code table(k1, v1, k2, v2)}; a later
   * value for an equal key wins.
   */
  static TableData table(Data... keysAndValues) {
    return TableData.ofPairs(keysAndValues);
  }

  /** A {@code vector} of the given elements, in order. */
  static VectorData vector(Data... elements) {
    return VectorData.of(List.of(elements));
  }

  /** A {@code vector} of the given elements, in order. */
  static VectorData vector(List<? extends Data> elements) {
    return VectorData.of(elements);
  }

  /**
   * Converts a plain Java value: {@code null} → none, {@link Boolean}, {@link Long}/{@link
   * Integer}/{@link Short}/{@link Byte} → integer, {@link Double}/{@link Float} → real, {@link
   * String} → string, {@code byte[]} → string, {@link InetAddress} → address, {@link Instant} →
   * timestamp, {@link Duration} → timespan, {@link List} → vector, {@link java.util.Set} → set,
   * {@link Map} → table (recursively); a {@code Data} is returned as is.
   *
   * @throws IllegalArgumentException for any other type
   */
  static Data from(Object value) {
    return DataConversions.from(value);
  }
}
