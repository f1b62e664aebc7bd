package io.jbroker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import io.jbroker.testing.TestScale;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonCodec} round-trips every value Broker's JSON form can represent exactly ({@link
 * DataGenerators#jsonSafeData()}). Sizes scale with {@link TestScale}; replay a failure with
 * {@code -DQT_SEED=<seed from the report>}.
 */
class JsonRoundTripPropertyTest {
  static final int EXAMPLES = TestScale.scaled(2_000);

  @Test
  void jsonRoundTripReproducesEveryJsonSafeValue() {
    qt().withExamples(EXAMPLES)
        .forAll(DataGenerators.jsonSafeData())
        .checkAssert(value -> {
          byte[] json = JsonCodec.encode(value);
          assertThat(JsonCodec.decode(json)).isEqualTo(value);
          String text = JsonCodec.toJson(value);
          assertThat(text.getBytes(StandardCharsets.UTF_8)).isEqualTo(json);
          assertThat(JsonCodec.fromJson(text)).isEqualTo(value);
        });
  }

  @Test
  void jsonRoundTripOfValuesNestedUpToMaxDepth() {
    qt().withExamples(Math.max(100, EXAMPLES / 20))
        .forAll(DataGenerators.deep(DataGenerators.jsonSafeScalars(), 1, BinaryCodec.MAX_DEPTH))
        .checkAssert(value -> assertThat(JsonCodec.decode(JsonCodec.encode(value))).isEqualTo(value));
  }
}
