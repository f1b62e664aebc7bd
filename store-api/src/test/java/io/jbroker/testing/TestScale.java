package io.jbroker.testing;

/**
 * Size multiplier for property, fuzz and simulation tests: 1 in the default build, larger under
 * {@code -Pstress} (system property {@code jbroker.test.scale}, set by the surefire config).
 */
public final class TestScale {
  private TestScale() {}

  /** The multiplier (at least 1). */
  public static int factor() {
    try {
      return Math.max(1, Integer.parseInt(System.getProperty("jbroker.test.scale", "1")));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /** {@code base} times the multiplier. */
  public static int scaled(int base) {
    return Math.multiplyExact(base, factor());
  }
}
