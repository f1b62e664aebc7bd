package io.jbroker.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.Key;
import org.junit.jupiter.api.Test;

/**
 * The hash table's segments must not all double at the same moment (the stall that set the
 * replication lag's tail at 5.2 M keys): their load limits differ by segment number.
 */
class MemoryBackendSegmentsTest {
  private static final int SEGMENTS = 1024;

  @Test
  void loadLimitsSpreadBetweenHalfAndElevenSixteenthsRisingWithTheSegment() {
    for (int capacity = 8; capacity <= 1 << 21; capacity *= 2) {
      int previous = 0;
      for (int seg = 0; seg < SEGMENTS; seg++) {
        int limit = MemoryBackend.limit(seg, capacity);
        assertThat(limit).as("segment %d of %d slots", seg, capacity)
            .isBetween(capacity / 2, capacity * 11 / 16)
            .isGreaterThanOrEqualTo(previous);
        previous = limit;
      }
      if (capacity >= 1024) {
        // the doublings of one wave spread over at least a sixth of the table's slots
        assertThat(MemoryBackend.limit(SEGMENTS - 1, capacity) - MemoryBackend.limit(0, capacity))
            .as("spread at %d slots", capacity).isGreaterThanOrEqualTo(capacity / 6);
      }
    }
  }

  @Test
  void aMillionKeysWithoutAnyWaveOfDoublings() {
    // how many segment doublings happen within any window of 1% of the writes, once segments
    // hold a few hundred keys each
    MemoryBackend backend = new MemoryBackend();
    int n = 1_000_000;
    int window = n / 100;
    int[] doublingsAt = new int[n + 1];
    for (int i = 0; i < n; i++) {
      backend.put(Key.of(Data.of("k" + i)), Data.of(i), Backend.NO_DEADLINE);
      doublingsAt[i + 1] = (int) backend.segmentDoublings();
    }
    int worst = 0;
    for (int i = n / 4; i + window <= n; i++) {
      worst = Math.max(worst, doublingsAt[i + window] - doublingsAt[i]);
    }
    // a wave of 1,024 doublings spread over a sixth or more of a doubling of the table
    // (>= 80,000 writes here) puts at most ~130 in a window of 10,000; all at once would be 1,024
    assertThat(worst).as("most segment doublings within %d consecutive puts", window).isLessThan(300);
    backend.close();
  }
}
