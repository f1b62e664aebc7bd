package io.jbroker.store.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What the backends share to answer {@link io.jbroker.store.Backend#metaNames}: the argument
 * check, the part of a prefix a backend can look up in its own order, and the final filter and
 * sort. Not part of the API.
 *
 * <p>The persistent backends keep names as UTF-8, ordered by byte (code point order), while the
 * contract promises the order of {@link String#compareTo} (UTF-16 code units). The two differ for
 * code points above U+FFFF against U+E000–U+FFFF, so a backend uses its own order only to find
 * the candidates and sorts them here.
 */
public final class MetaNames {
  private MetaNames() {}

  /** @throws IllegalArgumentException if {@code prefix} is {@code null} */
  public static void checkPrefix(String prefix) {
    if (prefix == null) {
      throw new IllegalArgumentException("metaNames: prefix is null (the empty prefix lists every name)");
    }
  }

  /**
   * The longest leading part of {@code prefix} without an unpaired surrogate, which UTF-8 encodes
   * without loss. Every name that begins with {@code prefix} begins with it too, and a
   * well-formed name begins with it exactly when its UTF-8 encoding begins with the part's.
   */
  public static String wellFormedPart(String prefix) {
    int i = 0;
    while (i < prefix.length()) {
      char c = prefix.charAt(i);
      if (!Character.isSurrogate(c)) {
        i++;
      } else if (Character.isHighSurrogate(c) && i + 1 < prefix.length()
          && Character.isLowSurrogate(prefix.charAt(i + 1))) {
        i += 2;
      } else {
        break;
      }
    }
    return prefix.substring(0, i);
  }

  /**
   * The least well-formed string that is greater, in code point (UTF-8 byte) order, than every
   * string beginning with {@code wellFormed}, or {@code null} if there is none (it is empty or
   * consists of U+10FFFF only). So the names beginning with {@code wellFormed} are those in
   * {@code [wellFormed, upperBound)}.
   */
  public static String upperBound(String wellFormed) {
    int[] codePoints = wellFormed.codePoints().toArray();
    for (int n = codePoints.length; n > 0; n--) {
      int last = codePoints[n - 1];
      if (last < Character.MAX_CODE_POINT) {
        // the code points after U+D7FF that UTF-8 can encode begin at U+E000
        codePoints[n - 1] = last + 1 == Character.MIN_SURROGATE ? Character.MAX_SURROGATE + 1 : last + 1;
        return new String(codePoints, 0, n);
      }
    }
    return null;
  }

  /** The {@code candidates} that begin with {@code prefix}, in {@link String#compareTo} order. */
  public static List<String> sorted(Collection<String> candidates, String prefix) {
    List<String> names = new ArrayList<>(candidates.size());
    for (String name : candidates) {
      if (name.startsWith(prefix)) {
        names.add(name);
      }
    }
    names.sort(null);
    return names;
  }
}
