package io.jbroker.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetaNamesTest {
  private static final String MAX = "\uDBFF\uDFFF"; // U+10FFFF

  @Test
  void aNullPrefixIsRefusedNamingTheArgument() {
    assertThatThrownBy(() -> MetaNames.checkPrefix(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prefix");
    MetaNames.checkPrefix(""); // the empty prefix is fine
  }

  @Test
  void theWellFormedPartStopsAtTheFirstUnpairedSurrogate() {
    assertThat(MetaNames.wellFormedPart("")).isEmpty();
    assertThat(MetaNames.wellFormedPart("abc\u00e9")).isEqualTo("abc\u00e9");
    assertThat(MetaNames.wellFormedPart("a\uD83D\uDE00b")).isEqualTo("a\uD83D\uDE00b");
    assertThat(MetaNames.wellFormedPart("a\uD83D")).isEqualTo("a");
    assertThat(MetaNames.wellFormedPart("a\uDE00\uD83Db")).isEqualTo("a");
    assertThat(MetaNames.wellFormedPart("ab\uD83Dx\uD83D\uDE00")).isEqualTo("ab");
  }

  @Test
  void theUpperBoundIsTheNextPrefixInCodePointOrder() {
    assertThat(MetaNames.upperBound("")).isNull();
    assertThat(MetaNames.upperBound("w.")).isEqualTo("w/");
    assertThat(MetaNames.upperBound("a\u00e9")).isEqualTo("a\u00ea");
    assertThat(MetaNames.upperBound("a\uD7FF")).isEqualTo("a\uE000"); // no surrogate code points in UTF-8
    assertThat(MetaNames.upperBound("a\uFFFF")).isEqualTo("a\uD800\uDC00"); // U+10000
    assertThat(MetaNames.upperBound("a\uD83D\uDE00")).isEqualTo("a\uD83D\uDE01");
    assertThat(MetaNames.upperBound("a" + MAX)).isEqualTo("b");
    assertThat(MetaNames.upperBound("a" + MAX + MAX)).isEqualTo("b");
    assertThat(MetaNames.upperBound(MAX)).isNull();
  }

  @Test
  void everyNameBeginningWithAPrefixLiesBelowItsUpperBoundInUtf8Order() {
    List<String> prefixes = List.of("w.", "a\uD7FF", "a\uFFFF", "a" + MAX, "\u007f", "\u07ff");
    List<String> tails = List.of("", "x", "\u0000", "\u00ff", "\uD7FF", "\uE000", "\uFFFF", MAX, MAX + MAX);
    for (String prefix : prefixes) {
      byte[] bound = MetaNames.upperBound(prefix).getBytes(StandardCharsets.UTF_8);
      for (String tail : tails) {
        byte[] name = (prefix + tail).getBytes(StandardCharsets.UTF_8);
        assertThat(Arrays.compareUnsigned(name, bound)).as("%s below the bound of %s", prefix + tail, prefix)
            .isNegative();
      }
    }
  }

  @Test
  void sortedKeepsTheNamesWithThePrefixInStringOrder() {
    assertThat(MetaNames.sorted(List.of("b.2", "a.1", "b.10", "b", "c", "b.\uFF21", "b.\uD83D\uDE00"), "b."))
        .containsExactly("b.10", "b.2", "b.\uD83D\uDE00", "b.\uFF21");
    assertThat(MetaNames.sorted(List.of("z", "a"), "")).containsExactly("a", "z");
  }
}
