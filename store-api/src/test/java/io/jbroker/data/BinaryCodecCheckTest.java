package io.jbroker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.quicktheories.QuickTheory.qt;

import io.jbroker.error.BrokerException;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * The receive path accepts a value without decoding it only if {@link BinaryCodec#decode} would
 * accept it: {@link BinaryCodec#certainlyValid} must never say yes to bytes the decoder refuses.
 */
class BinaryCodecCheckTest {
  private static final HexFormat HEX = HexFormat.of();

  private static boolean decodes(byte[] b) {
    try {
      BinaryCodec.decode(b);
      return true;
    } catch (BrokerException e) {
      return false;
    }
  }

  private static boolean valid(String hex) {
    byte[] b = HEX.parseHex(hex);
    return BinaryCodec.certainlyValid(b, 0, b.length);
  }

  /** Whether the value holds a set or table of two or more entries (the check defers those to the decoder). */
  private static boolean needsOrder(Data d) {
    return switch (d.kind()) {
      case SET -> ((SetData) d).size() > 1
          || ((SetData) d).elements().stream().anyMatch(BinaryCodecCheckTest::needsOrder);
      case TABLE -> ((TableData) d).size() > 1
          || ((TableData) d).entries().entrySet().stream()
              .anyMatch(e -> needsOrder(e.getKey()) || needsOrder(e.getValue()));
      case VECTOR -> ((VectorData) d).elements().stream().anyMatch(BinaryCodecCheckTest::needsOrder);
      default -> false;
    };
  }

  @Test
  void acceptsEveryEncodingWithoutOrderedContainers() {
    qt().withExamples(3000).forAll(DataGenerators.anyData()).checkAssert(d -> {
      byte[] b = BinaryCodec.encode(d);
      assertThat(BinaryCodec.certainlyValid(b, 0, b.length)).as("%s", d).isEqualTo(!needsOrder(d));
      // and within a larger array
      byte[] padded = new byte[b.length + 6];
      System.arraycopy(b, 0, padded, 3, b.length);
      assertThat(BinaryCodec.certainlyValid(padded, 3, b.length)).isEqualTo(!needsOrder(d));
    });
  }

  @Test
  void neverAcceptsWhatTheDecoderRefuses() {
    Gen<byte[]> mutated = DataGenerators.anyData().zip(SourceDSL.integers().between(0, 1 << 20),
        SourceDSL.integers().between(0, 3), (d, seed, how) -> mutate(BinaryCodec.encode(d), seed, how));
    qt().withExamples(20_000).forAll(mutated).checkAssert(b -> {
      if (BinaryCodec.certainlyValid(b, 0, b.length)) {
        assertThat(decodes(b)).as(HEX.formatHex(b)).isTrue();
      }
    });
  }

  @Test
  void neverAcceptsRandomBytesTheDecoderRefuses() {
    Gen<byte[]> bytes = SourceDSL.lists().of(SourceDSL.integers().between(0, 255)).ofSizeBetween(0, 40).map(l -> {
      byte[] b = new byte[l.size()];
      for (int i = 0; i < b.length; i++) {
        // favour the tags, so that structures appear
        b[i] = (byte) (i % 3 == 0 ? l.get(i) % 16 : l.get(i));
      }
      return b;
    });
    qt().withExamples(50_000).forAll(bytes).checkAssert(b -> {
      if (BinaryCodec.certainlyValid(b, 0, b.length)) {
        assertThat(decodes(b)).as(HEX.formatHex(b)).isTrue();
      }
    });
  }

  private static byte[] mutate(byte[] b, int seed, int how) {
    java.util.Random r = new java.util.Random(seed);
    switch (how) {
      case 0: // truncate
        return Arrays.copyOf(b, r.nextInt(b.length + 1));
      case 1: { // one trailing byte
        byte[] c = Arrays.copyOf(b, b.length + 1);
        c[b.length] = (byte) r.nextInt(256);
        return c;
      }
      case 2: { // flip a byte
        byte[] c = b.clone();
        c[r.nextInt(c.length)] = (byte) r.nextInt(256);
        return c;
      }
      default: { // flip several
        byte[] c = b.clone();
        for (int i = 0; i < 3; i++) {
          c[r.nextInt(c.length)] ^= (byte) (1 << r.nextInt(8));
        }
        return c;
      }
    }
  }

  @Test
  void refusesEachKindOfMalformedInput() {
    assertThat(valid("")).as("empty").isFalse();
    assertThat(valid("0f")).as("unknown tag").isFalse();
    assertThat(valid("0000")).as("trailing byte").isFalse();
    assertThat(valid("02000000000000002a00")).as("trailing byte after a count").isFalse();
    assertThat(valid("0200000000000000")).as("truncated count").isFalse();
    assertThat(valid("081f9004")).as("port protocol 4").isFalse();
    assertThat(valid("0503616263")).as("string").isTrue();
    assertThat(valid("050461626364ff")).as("string with trailing byte").isFalse();
    assertThat(valid("050561626364")).as("string longer than the input").isFalse();
    assertThat(valid("05808080808001")).as("varbyte of 6 bytes").isFalse();
    assertThat(valid("05ffffffff1f")).as("varbyte of 2^35 - 1").isFalse();
    assertThat(valid("058000")).as("non-minimal varbyte (accepted by Broker)").isTrue();
    assertThat(valid("0e020100")).as("vector of 2 with 1 element").isFalse();
    assertThat(valid("0d0100")).as("table of 1 with only a key").isFalse();
    assertThat(valid("0d010000")).as("table of 1").isTrue();
    assertThat(valid("0c0100")).as("set of 1").isTrue();
    assertThat(valid("0c020000")).as("set of 2: the decoder decides (a duplicate here)").isFalse();
    assertThat(decodes(HEX.parseHex("0c020000"))).isFalse();
    assertThat(valid("0c0200020000000000000001")).as("set of 2 distinct: still the decoder's call").isFalse();
    assertThat(decodes(HEX.parseHex("0c0200020000000000000001"))).isTrue();
  }

  @Test
  void nestingFollowsTheDecodersDepthLimit() {
    assertThat(valid(nestedVectors(BinaryCodec.MAX_DEPTH))).isTrue();
    assertThat(valid(nestedVectors(BinaryCodec.MAX_DEPTH + 1))).isFalse();
    assertThatCode(() -> BinaryCodec.decode(HEX.parseHex(nestedVectors(BinaryCodec.MAX_DEPTH)))).doesNotThrowAnyException();
    assertThat(decodes(HEX.parseHex(nestedVectors(BinaryCodec.MAX_DEPTH + 1)))).isFalse();
  }

  /** {@code depth} vectors, each holding the next; the innermost is empty. */
  private static String nestedVectors(int depth) {
    return "0e01".repeat(depth - 1) + "0e00";
  }
}
