package io.jbroker.data;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Number renderings shared by the text form and the JSON codec. */
final class Formats {
  private Formats() {}

  /**
   * C's {@code printf("%f", x)} as glibc prints it: the exact decimal expansion of the binary
   * value rounded half-even to six fractional digits; {@code inf}, {@code -inf} and {@code nan}
   * for the special values; the sign of negative zero and of negatives that round to zero is
   * kept.
   */
  static String printfF(double x) {
    if (Double.isNaN(x)) {
      return "nan";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    String s = new BigDecimal(x).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
    boolean negative = Double.doubleToRawLongBits(x) < 0;
    return negative && s.charAt(0) != '-' ? "-" + s : s;
  }
}
