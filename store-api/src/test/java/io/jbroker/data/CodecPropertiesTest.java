package io.jbroker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.quicktheories.QuickTheory.qt;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.testing.TestScale;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Properties of {@link BinaryCodec} and of the order of {@link Data} over random values from
 * {@link DataGenerators}, and a fuzz test of the decoder.
 *
 * <p>Sizes scale with {@link TestScale} ({@code -Pstress}). A failure report of QuickTheories ends
 * with {@code Seed was <n>}; replay it with {@code -DQT_SEED=<n>} (QuickTheories reads that system
 * property; surefire passes {@code -D} properties on to the test JVM).
 */
class CodecPropertiesTest {
  private static final HexFormat HEX = HexFormat.of();

  static final int ROUND_TRIPS = TestScale.scaled(2_000);
  static final int ORDER_EXAMPLES = TestScale.scaled(3_000);
  static final int FUZZ_CASES = TestScale.scaled(100_000);

  // ---- (1) round trip ----------------------------------------------------------------------

  @Test
  void binaryRoundTripReproducesEveryValueAndItsSize() {
    qt().withExamples(ROUND_TRIPS)
        .forAll(DataGenerators.anyData())
        .checkAssert(CodecPropertiesTest::assertRoundTrips);
  }

  @Test
  void binaryRoundTripOfValuesNestedUpToMaxDepth() {
    qt().withExamples(Math.max(200, ROUND_TRIPS / 10))
        .forAll(DataGenerators.deep(1, BinaryCodec.MAX_DEPTH))
        .checkAssert(CodecPropertiesTest::assertRoundTrips);
  }

  @Test
  void valuesNestedDeeperThanMaxDepthEncodeButAreRejectedOnDecode() {
    qt().withExamples(100)
        .forAll(DataGenerators.deep(BinaryCodec.MAX_DEPTH + 1, BinaryCodec.MAX_DEPTH + 50))
        .checkAssert(value -> {
          BrokerException e = catchThrowableOfType(BrokerException.class,
              () -> BinaryCodec.decode(BinaryCodec.encode(value)));
          assertThat(e).isNotNull();
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
          assertThat(e.getMessage()).contains("nested deeper than " + BinaryCodec.MAX_DEPTH);
        });
  }

  private static void assertRoundTrips(Data value) {
    byte[] encoded = BinaryCodec.encode(value);
    assertThat(BinaryCodec.encodedSize(value)).isEqualTo(encoded.length);
    Data decoded = BinaryCodec.decode(encoded);
    assertThat(decoded).isEqualTo(value);
    assertThat(decoded.hashCode()).isEqualTo(value.hashCode());
    assertThat(decoded.compareTo(value)).isZero();
    assertThat(decoded.toString()).isEqualTo(value.toString());
    assertThat(BinaryCodec.encode(decoded)).isEqualTo(encoded);
  }

  // ---- (2) total order consistent with equals ----------------------------------------------

  @Test
  void orderIsAntisymmetricAndConsistentWithEqualsHashCodeAndEncoding() {
    AtomicInteger equalPairs = new AtomicInteger();
    qt().withExamples(ORDER_EXAMPLES)
        .forAll(pairsOftenEqual())
        .checkAssert(pair -> {
          Data a = pair._1;
          Data b = pair._2;
          int ab = a.compareTo(b);
          int ba = b.compareTo(a);
          assertThat(Integer.signum(ab)).as("sign of compare(a, b) vs compare(b, a)").isEqualTo(-Integer.signum(ba));
          boolean sameEncoding = Arrays.equals(BinaryCodec.encode(a), BinaryCodec.encode(b));
          assertThat(a.equals(b)).as("equals vs encodings equal").isEqualTo(sameEncoding);
          assertThat(b.equals(a)).as("equals is symmetric").isEqualTo(sameEncoding);
          assertThat(ab == 0).as("compare == 0 vs encodings equal").isEqualTo(sameEncoding);
          assertThat(a.compareTo(a)).isZero();
          if (sameEncoding) {
            assertThat(a.hashCode()).as("hashCode of equal values").isEqualTo(b.hashCode());
            equalPairs.incrementAndGet();
          }
        });
    // Equal pairs must be common, or the equality half of the property proves nothing.
    assertThat(equalPairs.get()).as("equal pairs among %s", ORDER_EXAMPLES).isGreaterThan(ORDER_EXAMPLES / 20);
  }

  /**
   * Pairs of values from small pools (sometimes equal by chance, then usually built differently,
   * e.g. sets from differently ordered elements), of arbitrary values, and of a value and its
   * decoded copy.
   */
  private static Gen<Pair<Data, Data>> pairsOftenEqual() {
    Gen<Data> values = DataGenerators.collisionProne(2).mix(DataGenerators.anyData(2), 30);
    Gen<Integer> kind = Generate.range(0, 3);
    Gen<Pair<Data, Data>> pairs = in -> {
      Data a = values.generate(in);
      Data b = kind.generate(in) == 0 ? BinaryCodec.decode(BinaryCodec.encode(a)) : values.generate(in);
      return Pair.of(a, b);
    };
    return pairs.describedAs(p -> DataGenerators.describe(p._1) + " vs " + DataGenerators.describe(p._2));
  }

  @Test
  void orderIsTransitive() {
    Gen<Data> values = DataGenerators.collisionProne(2);
    qt().withExamples(ORDER_EXAMPLES)
        .forAll(values, values, values)
        .checkAssert((a, b, c) -> {
          List<Data> triple = List.of(a, b, c);
          for (Data x : triple) {
            for (Data y : triple) {
              for (Data z : triple) {
                int xy = x.compareTo(y);
                int yz = y.compareTo(z);
                int xz = x.compareTo(z);
                if (xy <= 0 && yz <= 0) {
                  assertThat(xz).as("%s <= %s <= %s", x, y, z).isLessThanOrEqualTo(0);
                }
                if (xy == 0) {
                  assertThat(Integer.signum(xz)).as("%s == %s", x, y).isEqualTo(Integer.signum(yz));
                }
              }
            }
          }
        });
  }

  @Test
  void setsAndTablesAreEncodedInAscendingOrder() {
    qt().withExamples(ROUND_TRIPS)
        .forAll(DataGenerators.sets(DataGenerators.collisionProne(1), 6),
            DataGenerators.tables(DataGenerators.collisionProne(1), DataGenerators.scalars(), 6))
        .checkAssert((set, table) -> {
          List<Data> elements = new ArrayList<>(((SetData) set).elements());
          for (int i = 1; i < elements.size(); i++) {
            assertThat(elements.get(i - 1).compareTo(elements.get(i))).isNegative();
          }
          List<Data> keys = new ArrayList<>(((TableData) table).entries().keySet());
          for (int i = 1; i < keys.size(); i++) {
            assertThat(keys.get(i - 1).compareTo(keys.get(i))).isNegative();
          }
          // the wire order is the element order: decoding element by element yields it again
          assertThat(BinaryCodec.decode(BinaryCodec.encode(set))).isEqualTo(set);
          assertThat(BinaryCodec.decode(BinaryCodec.encode(table))).isEqualTo(table);
        });
  }

  // ---- (3) fuzzing the decoder -------------------------------------------------------------

  @Test
  void decoderReturnsAValueOrInvalidDataForAnyInput() {
    AtomicInteger accepted = new AtomicInteger();
    AtomicInteger rejected = new AtomicInteger();
    // QuickTheories skips inputs it has already tried (about 1.5%); run enough to feed FUZZ_CASES.
    qt().withExamples(FUZZ_CASES + FUZZ_CASES / 10)
        .forAll(fuzzInputs())
        .checkAssert(input -> {
          if (decodesCleanlyOrIsRejected(input)) {
            accepted.incrementAndGet();
          } else {
            rejected.incrementAndGet();
          }
        });
    assertThat(accepted.get() + rejected.get()).isGreaterThanOrEqualTo(FUZZ_CASES);
    // Both outcomes must be common, or the fuzzer explores only one side of the decoder.
    assertThat(accepted.get()).as("accepted inputs").isGreaterThan(FUZZ_CASES / 50);
    assertThat(rejected.get()).as("rejected inputs").isGreaterThan(FUZZ_CASES / 50);
  }

  /**
   * Decodes {@code input}; a value must round-trip, a failure must be INVALID_DATA with a
   * message. Returns whether the input was accepted.
   */
  static boolean decodesCleanlyOrIsRejected(byte[] input) {
    Data value;
    try {
      value = BinaryCodec.decode(input);
    } catch (BrokerException e) {
      if (e.code() != ErrorCode.INVALID_DATA || e.getMessage() == null || e.getMessage().isBlank()) {
        throw new AssertionError("decoding " + HEX.formatHex(input) + " failed with " + e, e);
      }
      return false;
    } catch (Throwable t) {
      throw new AssertionError("decoding " + HEX.formatHex(input) + " threw " + t, t);
    }
    byte[] canonical = BinaryCodec.encode(value);
    assertThat(BinaryCodec.encodedSize(value)).isEqualTo(canonical.length);
    assertThat(canonical.length).as("canonical form is never longer than an accepted form").isLessThanOrEqualTo(input.length);
    Data again = BinaryCodec.decode(canonical);
    assertThat(again).as("round trip of %s decoded from %s", value, HEX.formatHex(input)).isEqualTo(value);
    assertThat(BinaryCodec.encode(again)).isEqualTo(canonical);
    return true;
  }

  /**
   * Random byte strings (uniform, and biased towards tags and varbyte edge bytes) and mutated
   * valid encodings: bit flips, byte inserts, deletes, overwrites, truncation, duplicated slices
   * and inflated or deflated length prefixes.
   */
  static Gen<byte[]> fuzzInputs() {
    Gen<Integer> anyByte = Generate.range(0, 255);
    Gen<Integer> interestingByte = Generate.pick(List.of(
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
        0x0f, 0x7f, 0x80, 0x81, 0xff));
    Gen<byte[]> uniform = bytes(anyByte, 40);
    Gen<byte[]> tagSoup = bytes(interestingByte, 40);
    Gen<byte[]> all = Generate.frequency(List.of(
        Pair.of(1, uniform), Pair.of(2, tagSoup), Pair.of(7, mutatedEncodings())));
    return all.describedAs(HEX::formatHex);
  }

  private static Gen<byte[]> bytes(Gen<Integer> values, int maxLength) {
    Gen<Integer> length = Generate.range(0, maxLength);
    return in -> {
      byte[] b = new byte[length.generate(in)];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) (int) values.generate(in);
      }
      return b;
    };
  }

  private static Gen<byte[]> mutatedEncodings() {
    Gen<Data> base = DataGenerators.anyData(4);
    Gen<Boolean> inflate = Generate.booleans();
    Gen<Integer> mutations = Generate.range(0, 3);
    Gen<Integer> operation = Generate.range(0, 5);
    Gen<Integer> position = Generate.range(0, Integer.MAX_VALUE);
    Gen<Integer> inflation = Generate.range(0, 8);
    Gen<Integer> anyByte = Generate.range(0, 255);
    return in -> {
      byte[] b = BinaryCodec.encode(base.generate(in));
      boolean inflated = false;
      if (inflate.generate(in)) {
        List<int[]> prefixes = new ArrayList<>();
        scanPrefixes(b, 0, prefixes);
        if (!prefixes.isEmpty()) {
          int[] prefix = prefixes.get(position.generate(in) % prefixes.size());
          b = replaceVarbyte(b, prefix, inflation.generate(in));
          inflated = true;
        }
      }
      int n = mutations.generate(in);
      if (n == 0 && !inflated) {
        n = 1;
      }
      for (int i = 0; i < n; i++) {
        b = mutate(b, operation.generate(in), position.generate(in), position.generate(in), anyByte.generate(in));
      }
      return b;
    };
  }

  private static byte[] mutate(byte[] b, int operation, int where, int where2, int value) {
    int len = b.length;
    switch (operation) {
      case 0: { // flip one bit
        if (len == 0) {
          return new byte[] {(byte) value};
        }
        byte[] out = b.clone();
        out[where % len] ^= (byte) (1 << (value % 8));
        return out;
      }
      case 1: { // insert a byte
        int at = where % (len + 1);
        byte[] out = new byte[len + 1];
        System.arraycopy(b, 0, out, 0, at);
        out[at] = (byte) value;
        System.arraycopy(b, at, out, at + 1, len - at);
        return out;
      }
      case 2: { // delete a byte
        if (len == 0) {
          return b;
        }
        int at = where % len;
        byte[] out = new byte[len - 1];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + 1, out, at, len - at - 1);
        return out;
      }
      case 3: // truncate
        return len == 0 ? b : Arrays.copyOf(b, where % len);
      case 4: { // overwrite a byte
        if (len == 0) {
          return b;
        }
        byte[] out = b.clone();
        out[where % len] = (byte) value;
        return out;
      }
      default: { // duplicate a slice somewhere (makes repeated set elements and extra items)
        if (len == 0) {
          return b;
        }
        int from = where % len;
        int count = 1 + value % Math.min(len - from, 24);
        int at = where2 % (len + 1);
        byte[] out = new byte[len + count];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, from, out, at, count);
        System.arraycopy(b, at, out, at + count, len - at);
        return out;
      }
    }
  }

  /** Replaces the varbyte {@code prefix} = {offset, length, value} by another value or form. */
  private static byte[] replaceVarbyte(byte[] b, int[] prefix, int mode) {
    long old = prefix[2];
    byte[] replacement;
    switch (mode) {
      case 0 -> replacement = varbyte(old + 1);
      case 1 -> replacement = varbyte(old + 2);
      case 2 -> replacement = varbyte(old * 2 + 1);
      case 3 -> replacement = varbyte(0xFFFF_FFFFL);
      case 4 -> replacement = varbyte(0x7FFF_FFFFL);
      case 5 -> replacement = varbyte(Math.max(0, old - 1));
      case 6 -> { // the same value in a non-minimal form
        byte[] minimal = varbyte(old);
        replacement = Arrays.copyOf(minimal, minimal.length + 1);
        replacement[minimal.length - 1] |= (byte) 0x80;
      }
      case 7 -> replacement = HEX.parseHex("ffffffff1f"); // at least 2^32
      default -> replacement = HEX.parseHex("808080808001"); // six bytes
    }
    int offset = prefix[0];
    int length = prefix[1];
    byte[] out = new byte[b.length - length + replacement.length];
    System.arraycopy(b, 0, out, 0, offset);
    System.arraycopy(replacement, 0, out, offset, replacement.length);
    System.arraycopy(b, offset + length, out, offset + replacement.length, b.length - offset - length);
    return out;
  }

  private static byte[] varbyte(long value) {
    byte[] out = new byte[5];
    int end = BinaryCodec.writeVarbyte((int) value, out, 0);
    return Arrays.copyOf(out, end);
  }

  /**
   * Walks a valid encoding from {@code p} and collects its varbyte prefixes as {offset, length,
   * value}; returns the offset after the value.
   */
  private static int scanPrefixes(byte[] b, int p, List<int[]> prefixes) {
    int tag = b[p++] & 0xFF;
    switch (tag) {
      case 0:
        return p;
      case 1:
        return p + 1;
      case 2: case 3: case 4: case 9: case 10:
        return p + 8;
      case 6:
        return p + 16;
      case 7:
        return p + 17;
      case 8:
        return p + 3;
      default:
        break;
    }
    long read = BinaryCodec.readVarbyte(b, p, b.length);
    int n = (int) read;
    int length = (int) (read >>> 32);
    prefixes.add(new int[] {p, length, n});
    p += length;
    if (tag == 5 || tag == 11) {
      return p + n;
    }
    int items = tag == 13 ? 2 * n : n;
    for (int i = 0; i < items; i++) {
      p = scanPrefixes(b, p, prefixes);
    }
    return p;
  }
}
