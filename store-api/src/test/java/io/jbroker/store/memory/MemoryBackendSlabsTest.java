package io.jbroker.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.Key;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hash table's segments in slabs ({@link LongSlabs}): a grown table keeps every segment of a
 * served size in a slab and gives back the slabs of the sizes it has outgrown; and a table whose
 * segments are all in slabs (sized up front) still agrees with a map through puts and erasures.
 */
class MemoryBackendSlabsTest {
  private static final int SEGMENTS = 1024;
  private final long seed = Long.getLong("jbroker.test.seed", System.nanoTime());
  private final Random random = new Random(seed);

  @Test
  void aGrownTableKeepsItsSegmentsInSlabsAndHoldsNoOutgrownSlab() {
    MemoryBackend backend = new MemoryBackend();
    int n = 700_000; // about 680 keys per segment: 1,024 or 2,048 slots each, none of 512 left
    for (int i = 0; i < n; i++) {
      backend.put(Key.of(Data.of("k" + i)), Data.of(i), Backend.NO_DEADLINE);
    }
    int[] perLog = new int[32];
    for (int seg = 0; seg < SEGMENTS; seg++) {
      perLog[Integer.numberOfTrailingZeros(backend.capacityOf(seg))]++;
    }
    int inSlabs = 0;
    int needed = 0;
    for (int log = 0; log < 32; log++) {
      if (perLog[log] > 0) {
        assertThat(LongSlabs.serves(log)).as("segments of %d slots", 1 << log).isTrue();
        inSlabs += perLog[log];
        needed += (perLog[log] + (LongSlabs.SLAB >>> log) - 1) / (LongSlabs.SLAB >>> log);
      }
    }
    int[] use = backend.slabUse();
    assertThat(use[0]).as("segments in slabs").isEqualTo(inSlabs).isEqualTo(SEGMENTS);
    // the segments doubled one after another, freeing their blocks in about the order they were
    // taken: at most one part-used slab per size beyond what the live segments fill
    assertThat(use[1]).as("slabs held, %d needed", needed).isBetween(needed, needed + 2);
    for (int i = 0; i < n; i += 997) {
      assertThat(backend.get(Key.of(Data.of("k" + i))).value()).isEqualTo(Data.of(i));
    }
    backend.clear();
    assertThat(backend.slabUse()).containsExactly(0, 0);
    backend.close();
  }

  @Test
  void prefetchOnAnEmptyOrSmallBackendChangesNothing() {
    MemoryBackend backend = new MemoryBackend();
    for (int h = -1000; h < 1000; h++) {
      backend.prefetch(h * 0x9E3779B9);
    }
    assertThat(backend.size()).isZero();
    backend.put(Key.of(Data.of("a")), Data.of(1), Backend.NO_DEADLINE);
    backend.prefetch(Key.of(Data.of("a")).hashCode());
    assertThat(backend.get(Key.of(Data.of("a"))).value()).isEqualTo(Data.of(1));
    backend.close();
  }

  @Test
  void segmentsInSlabsAgreeWithAMapThroughPutsAndErasures() {
    MemoryBackend backend = new MemoryBackend();
    backend.expectEntries(1 << 20); // every segment moves to 2,048 slots in a slab
    assertThat(backend.slabUse()[0]).isEqualTo(SEGMENTS);
    Map<Key, Integer> model = new HashMap<>();
    for (int step = 0; step < 200_000; step++) {
      Key k = Key.of(Data.of("k" + random.nextInt(30_000)));
      backend.prefetch(random.nextInt()); // a hint: it must change nothing
      backend.prefetch(k.hashCode());
      if (random.nextInt(3) == 0) {
        assertThat(backend.erase(k)).as("erase, seed %d step %d", seed, step).isEqualTo(model.remove(k) != null);
      } else {
        backend.put(k, Data.of(step), Backend.NO_DEADLINE);
        model.put(k, step);
      }
    }
    assertThat(backend.size()).as("size, seed %d", seed).isEqualTo(model.size());
    for (int i = 0; i < 30_000; i++) {
      Key k = Key.of(Data.of("k" + i));
      Backend.Entry e = backend.get(k);
      Integer expected = model.get(k);
      assertThat(e == null ? null : e.value()).as("key %s, seed %d", k, seed)
          .isEqualTo(expected == null ? null : Data.of(expected));
    }
    backend.close();
  }
}
