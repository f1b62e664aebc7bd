package io.jbroker.endpoint.wire;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Hostile handshake frame payloads for fuzz tests: random bytes, or valid frames mangled. */
public final class HostileFrames {
  private HostileFrames() {}

  /**
   * One hostile payload: random bytes (possibly empty), random bytes behind a handshake tag and
   * the magic, or one of {@code valid} truncated or extended and with a few bytes replaced.
   */
  public static byte[] next(Random rnd, List<byte[]> valid) {
    switch (rnd.nextInt(4)) {
      case 0: {
        byte[] b = new byte[rnd.nextInt(48)];
        rnd.nextBytes(b);
        return b;
      }
      case 1: {
        byte[] b = new byte[1 + rnd.nextInt(48)];
        rnd.nextBytes(b);
        b[0] = (byte) (6 + rnd.nextInt(7)); // a handshake tag
        if (b.length >= 5 && rnd.nextBoolean()) {
          b[1] = 0x5a;
          b[2] = 0x45;
          b[3] = 0x45;
          b[4] = 0x4b;
        }
        return b;
      }
      default: {
        byte[] v = valid.get(rnd.nextInt(valid.size()));
        byte[] b = Arrays.copyOf(v, Math.max(0, v.length + rnd.nextInt(12) - 6));
        for (int k = v.length; k < b.length; k++) {
          b[k] = (byte) rnd.nextInt(256);
        }
        for (int k = rnd.nextInt(3); k > 0 && b.length > 0; k--) {
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
        return b;
      }
    }
  }
}
