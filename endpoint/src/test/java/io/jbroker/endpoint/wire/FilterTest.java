package io.jbroker.endpoint.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Filter}: Broker's minimisation (§2, §9.1 #23), matching, the wire form and hostile input. */
class FilterTest {
  private static final HexFormat HEX = HexFormat.of();

  /** §9.1 #23, step by step; an unchanged filter is the same instance (no routing update due). */
  @Test
  void subscriptionsAreMinimisedAndSortedStepByStep() {
    Filter f0 = Filter.EMPTY;
    Filter f1 = f0.add("/foo/bar");
    assertThat(f1.topics()).containsExactly("/foo/bar");
    Filter f2 = f1.add("/foo/baz");
    assertThat(f2.topics()).containsExactly("/foo/bar", "/foo/baz");
    Filter f3 = f2.add("/foo");
    assertThat(f3.topics()).containsExactly("/foo");
    Filter f4 = f3.add("/foo/x");
    assertThat(f4).isSameAs(f3);
    Filter f5 = f4.add("/a");
    assertThat(f5.topics()).containsExactly("/a", "/foo");
    assertThat(f5.add("/a")).isSameAs(f5);
  }

  @Test
  void theEmptyTopicReplacesEverything() {
    Filter f = Filter.minimal(List.of("/a", "/b", "c"));
    assertThat(f.add("").topics()).containsExactly("");
    assertThat(f.add("").add("/z")).isEqualTo(Filter.of(List.of("")));
  }

  @Test
  void entriesSortByUnsignedUtf8BytesNotByUtf16() {
    // U+FF61 is EF BD A1 in UTF-8, U+1F600 is F0 9F 98 80: bytes put U+FF61 first, UTF-16 (D83D < FF61) the other way.
    Filter f = Filter.minimal(List.of("\ud83d\ude00", "\uff61", "b", "B", "ab", "a"));
    assertThat(f.topics()).containsExactly("B", "a", "b", "\uff61", "\ud83d\ude00");
  }

  @Test
  void internalTopicsAreNeverAdvertisedButCanBeAddedForLocalDelivery() {
    Filter f = Filter.EMPTY.add(Topics.STATUSES);
    assertThat(f).isSameAs(Filter.EMPTY);
    Filter local = Filter.EMPTY.addAny(Topics.STATUSES).addAny(Topics.ERRORS);
    assertThat(local.topics()).containsExactly(Topics.ERRORS, Topics.STATUSES);
    assertThat(local.matches(Topics.STATUSES)).isTrue();
    assertThat(local.addAny(Topics.LOCAL_PREFIX).topics()).containsExactly(Topics.LOCAL_PREFIX);
  }

  @Test
  void aTopicMatchesIfAnyEntryIsABytePrefix() {
    Filter f = Filter.minimal(List.of("/foo", "/test"));
    assertThat(f.matches("/foobar")).isTrue();
    assertThat(f.matches("/test/a")).isTrue();
    assertThat(f.matches("/tes")).isFalse();
    assertThat(f.matches("/bar")).isFalse();
    assertThat(Filter.EMPTY.matches("")).isFalse();
    assertThat(Filter.EMPTY.matches("/x")).isFalse();
    assertThat(Filter.of(List.of("")).matches("/anything")).isTrue();
  }

  @Test
  void peerFiltersAreTakenVerbatim() {
    Filter f = Filter.of(List.of("/z", "/a", "/a/b", "/a", Topics.STATUSES));
    assertThat(f.topics()).containsExactly("/z", "/a", "/a/b", "/a", Topics.STATUSES);
    assertThat(f.size()).isEqualTo(5);
    assertThat(Filter.of(List.of())).isSameAs(Filter.EMPTY);
  }

  @Test
  void wireFormIsCountThenLengthPrefixedTopics() {
    assertThat(HEX.formatHex(Filter.EMPTY.toBytes())).isEqualTo("00");
    assertThat(HEX.formatHex(Filter.minimal(List.of("/test")).toBytes())).isEqualTo("01052f74657374");
    assertThat(HEX.formatHex(Filter.minimal(List.of("/foo/bar")).toBytes())).isEqualTo("01082f666f6f2f626172");
    // the payload of the routing update in §9.4 #50/#51
    assertThat(HEX.formatHex(Filter.minimal(List.of("/test", "/foo")).toBytes())).isEqualTo("02042f666f6f052f74657374");
    Filter big = Filter.of(List.of("x".repeat(200)));
    assertThat(HEX.formatHex(big.toBytes())).startsWith("01c801").hasSize(2 * (1 + 2 + 200));
    assertThat(big.encodedSize()).isEqualTo(203);
  }

  @Test
  void readReturnsTheTopicsVerbatimAndLeavesFollowingBytes() {
    ByteBuf in = Unpooled.wrappedBuffer(HEX.parseHex("03022f62022f61022f61ff"));
    Filter f = Filter.read(in);
    assertThat(f.topics()).containsExactly("/b", "/a", "/a");
    assertThat(in.readableBytes()).isEqualTo(1);
    assertThat(Filter.read(Unpooled.wrappedBuffer(HEX.parseHex("00")))).isSameAs(Filter.EMPTY);
    // a non-minimal varbyte is accepted (§9.1 #1)
    assertThat(Filter.read(Unpooled.wrappedBuffer(HEX.parseHex("8000"))).isEmpty()).isTrue();
  }

  @Test
  void readRefusesMalformedFiltersWithInvalidData() {
    for (String hex : new String[] {
        "", // no count
        "01", // count 1, no topic
        "0105616263", // topic shorter than its length
        "ffffffff0f", // count 2^32-1 with nothing behind it
        "808080808001", // varbyte longer than 5 bytes
        "8080808010", // varbyte value 2^32
        "0185", // truncated length varbyte
        "02016101"}) {
      BrokerException e = catchThrowableOfType(BrokerException.class, () -> Filter.read(Unpooled.wrappedBuffer(HEX.parseHex(hex))));
      assertThat(e).as(hex).isNotNull();
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
    }
    BrokerException e = catchThrowableOfType(BrokerException.class,
        () -> Filter.readExactly(Unpooled.wrappedBuffer(HEX.parseHex("0101610000"))));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
    assertThat(e.getMessage()).contains("2 trailing byte(s)");
  }

  @Test
  void hostileFilterBytesOnlyEverFailWithInvalidData() {
    long seed = 2323;
    Random rnd = new Random(seed);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[rnd.nextInt(24)];
      rnd.nextBytes(b);
      if (b.length > 0 && rnd.nextBoolean()) {
        b[0] = (byte) rnd.nextInt(4); // plausible counts
      }
      ByteBuf in = Unpooled.wrappedBuffer(b);
      try {
        Filter f = Filter.read(in);
        assertThat(f.encodedSize()).isLessThanOrEqualTo(b.length);
      } catch (BrokerException e) {
        assertThat(e.code()).as("seed %d case %d", seed, i).isEqualTo(ErrorCode.INVALID_DATA);
      }
    }
  }

  @Test
  void minimalFiltersMatchExactlyWhatTheirSubscriptionsMatch() {
    long seed = 23;
    Random rnd = new Random(seed);
    String alphabet = "/ab\u00e9";
    for (int round = 0; round < 2_000; round++) {
      List<String> subs = new ArrayList<>();
      Filter f = Filter.EMPTY;
      int n = rnd.nextInt(8);
      for (int i = 0; i < n; i++) {
        String t = random(rnd, alphabet, 4);
        subs.add(t);
        f = f.add(t);
      }
      // minimal: no entry is a prefix of another; sorted by bytes
      List<String> ts = f.topics();
      for (int i = 0; i < ts.size(); i++) {
        for (int j = 0; j < ts.size(); j++) {
          if (i != j) {
            assertThat(Topics.matches(ts.get(i), ts.get(j))).as("seed %d round %d: %s", seed, round, ts).isFalse();
          }
        }
        if (i > 0) {
          assertThat(Arrays.compareUnsigned(utf8(ts.get(i - 1)), utf8(ts.get(i)))).isNegative();
        }
      }
      for (int k = 0; k < 20; k++) {
        String topic = random(rnd, alphabet, 6);
        boolean expected = subs.stream().anyMatch(s -> Topics.matches(s, topic));
        assertThat(f.matches(topic)).as("seed %d round %d: %s vs %s", seed, round, subs, topic).isEqualTo(expected);
      }
      // the wire form round-trips
      Filter back = Filter.readExactly(Unpooled.wrappedBuffer(f.toBytes()));
      assertThat(back).isEqualTo(f);
      assertThat(back.hashCode()).isEqualTo(f.hashCode());
      assertThat(f.toBytes()).hasSize(f.encodedSize());
    }
  }

  @Test
  void equalityIsByTopicsInOrder() {
    assertThat(Filter.of(List.of("/a", "/b"))).isEqualTo(Filter.minimal(List.of("/b", "/a")));
    assertThat(Filter.of(List.of("/b", "/a"))).isNotEqualTo(Filter.minimal(List.of("/b", "/a")));
    assertThat(Filter.of(List.of("/a")).toString()).isEqualTo("Filter[/a]");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String random(Random rnd, String alphabet, int max) {
    int n = rnd.nextInt(max + 1);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return s.toString();
  }
}
