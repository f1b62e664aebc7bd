package io.jbroker.endpoint.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Topics}: byte-prefix matching (§2, §9.1 #24), joining, reserved topics, the wire limit. */
class TopicsTest {
  /** Characters that exercise every UTF-8 width and the unpaired-surrogate corner. */
  private static final String ALPHABET = "a/?\u00e9\u20ac\ud83d\ude00\ud800\udc00\uff61";

  @Test
  void prefixMatchingIsPerByteNotPerComponent() {
    assertThat(Topics.matches("/foo", "/foobar")).isTrue(); // §9.1 #24
    assertThat(Topics.matches("/foo", "/foo")).isTrue();
    assertThat(Topics.matches("/foo", "/foo/bar")).isTrue();
    assertThat(Topics.matches("", "anything")).isTrue();
    assertThat(Topics.matches("", "")).isTrue();
    assertThat(Topics.matches("/zeek/", "/")).isFalse();
    assertThat(Topics.matches("/foo/bar", "/foo")).isFalse();
    assertThat(Topics.matches("/Foo", "/foo")).isFalse();
  }

  @Test
  void matchingEqualsTheByteTestOnUtf8ForRandomStringsWithSurrogates() {
    long seed = 24;
    Random rnd = new Random(seed);
    for (int i = 0; i < 50_000; i++) {
      String t = randomString(rnd, 8);
      String p = rnd.nextInt(3) == 0 ? t.substring(0, rnd.nextInt(t.length() + 1)) : randomString(rnd, 4);
      byte[] tb = t.getBytes(StandardCharsets.UTF_8);
      byte[] pb = p.getBytes(StandardCharsets.UTF_8);
      boolean expected = pb.length <= tb.length && Arrays.equals(tb, 0, pb.length, pb, 0, pb.length);
      assertThat(Topics.matches(p, t)).as("seed %d case %d: %s / %s", seed, i, escape(p), escape(t)).isEqualTo(expected);
    }
  }

  @Test
  void matchingHandlesTheSurrogateCornersExactly() {
    // An unpaired high surrogate encodes as '?', so it is not a prefix of the pair it starts.
    assertThat(Topics.matches("a\ud83d", "a\ud83d\ude00")).isFalse();
    // ... and it is byte-equal to a literal '?'.
    assertThat(Topics.matches("a\ud83d", "a?x")).isTrue();
    assertThat(Topics.matches("a?", "a\udc00x")).isTrue();
    assertThat(Topics.matches("a\ud83d\ude00", "a\ud83d\ude00b")).isTrue();
  }

  @Test
  void utf8LengthEqualsTheEncodedLength() {
    Random rnd = new Random(65535);
    for (int i = 0; i < 20_000; i++) {
      String s = randomString(rnd, 12);
      assertThat(Topics.utf8Length(s)).as(escape(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
      assertThat(Topics.utf8(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8));
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "a|b|a/b",
    "''|b|b",
    "a|''|a",
    "a|/b|a/b",
    "a/|b|a//b",
    "a|b/|a/b",
    "/foo|/bar/|/foo/bar",
    "/|''|''",
    "''|/|''",
    "zeek|logs/conn|zeek/logs/conn"})
  void joinFollowsBrokersSlashOperator(String a, String b, String joined) {
    assertThat(Topics.join(a, b)).isEqualTo(joined);
  }

  @Test
  void internalTopicsAreTheLocalPrefix() {
    assertThat(Topics.isInternal(Topics.STATUSES)).isTrue();
    assertThat(Topics.isInternal(Topics.ERRORS)).isTrue();
    assertThat(Topics.isInternal(Topics.STORE_EVENTS)).isTrue();
    assertThat(Topics.isInternal("<$>/local/")).isTrue();
    assertThat(Topics.isInternal("<$>/local")).isFalse();
    assertThat(Topics.isInternal(Topics.RESERVED)).isFalse();
    assertThat(Topics.isInternal("store/<$>/data/master")).isFalse();
    assertThat(Topics.join("store", Topics.MASTER_SUFFIX)).isEqualTo("store/<$>/data/master");
  }

  @Test
  void topicsLongerThan65535BytesAreRefused() {
    assertThat(Topics.utf8("x".repeat(65_535))).hasSize(65_535);
    BrokerException e = catchThrowableOfType(BrokerException.class, () -> Topics.utf8("x".repeat(65_536)));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TOPIC_KEY);
    assertThat(e.getMessage()).contains("65536").contains("65535");
    // 21,846 three-byte chars = 65,538 bytes.
    e = catchThrowableOfType(BrokerException.class, () -> Topics.checkLength("\u20ac".repeat(21_846)));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TOPIC_KEY);
    Topics.checkLength("\u20ac".repeat(21_845));
  }

  static String randomString(Random rnd, int maxLength) {
    int n = rnd.nextInt(maxLength + 1);
    StringBuilder s = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      s.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
    }
    return s.toString();
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      b.append(c < 0x80 ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return b.toString();
  }
}
