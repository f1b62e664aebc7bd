package io.jbroker.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The memory backend's lazily merged key index (sorted array plus keys added since) against a
 * {@link TreeMap}: random puts, re-puts after erasure, erasures, clears and paged scans, over
 * enough keys that merges happen both on scans and when the added keys pile up.
 */
class MemoryBackendIndexTest {
  /**
   * {@code withErasures}: a third of the writes erase (merges must drop erased keys and
   * duplicates); without: inserts over a larger key space, so that merges take the path that
   * skips the liveness checks.
   */
  @ParameterizedTest(name = "with erasures: {0}")
  @ValueSource(booleans = {true, false})
  void pagedScansSeeExactlyTheLiveKeysInOrder(boolean withErasures) {
    long seed = Long.getLong("jbroker.test.seed", System.nanoTime());
    Random random = new Random(seed);
    MemoryBackend backend = new MemoryBackend();
    TreeMap<Key, Long> model = new TreeMap<>();
    int keySpace = withErasures ? 20_000 : 150_000;
    int putBelow = withErasures ? 65_000 : 99_940;
    int scans = 0;
    for (int step = 0; step < 200_000; step++) {
      // scans and clears are rare, so that well over a thousand keys are added between scans
      // and the index also merges on its own
      int op = random.nextInt(100_000);
      Key k = Key.of(Data.of("k" + random.nextInt(keySpace)));
      if (op < putBelow) {
        long v = random.nextLong();
        backend.put(k, Data.integer(v), Backend.NO_DEADLINE);
        model.put(k, v);
      } else if (op < 99_940) {
        assertThat(backend.erase(k)).as("erase, seed %d step %d", seed, step).isEqualTo(model.remove(k) != null);
      } else if (op < 99_995) {
        scans++;
        Key after = random.nextBoolean() ? null : k;
        int limit = 1 + random.nextInt(500);
        List<Key> seen = new ArrayList<>();
        int n = backend.scan(after, limit, (key, value, deadline) -> {
          assertThat(value).isEqualTo(Data.integer(model.get(key)));
          seen.add(key);
        });
        List<Key> expected = new ArrayList<>((after == null ? model : model.tailMap(after, false)).keySet())
            .subList(0, Math.min(limit, (after == null ? model : model.tailMap(after, false)).size()));
        assertThat(seen).as("scan after %s limit %d, seed %d step %d", after, limit, seed, step).isEqualTo(expected);
        assertThat(n).isEqualTo(expected.size());
      } else {
        backend.clear();
        model.clear();
      }
      assertThat(backend.size()).isEqualTo(model.size());
    }
    assertThat(scans).isGreaterThan(50);
    List<Key> all = new ArrayList<>();
    backend.scan(null, Integer.MAX_VALUE, (key, value, deadline) -> all.add(key));
    assertThat(all).as("seed %d", seed).isEqualTo(new ArrayList<>(model.keySet()));
    for (Map.Entry<Key, Long> e : model.entrySet()) {
      assertThat(backend.get(e.getKey()).value()).isEqualTo(Data.integer(e.getValue()));
    }
  }

  @org.junit.jupiter.api.Test
  void theExpectedSizeIsAHintThatKeepsEveryEntryAndItsOrder() {
    MemoryBackend backend = new MemoryBackend();
    for (int i = 0; i < 10; i++) {
      backend.put(Key.of(Data.of("k" + i)), Data.count(i), Backend.NO_DEADLINE);
    }
    backend.expectEntries(100_000);
    backend.expectEntries(Long.MAX_VALUE / 2); // capped, not a table of that size
    backend.put(Key.of(Data.of("k10")), Data.count(10), Backend.NO_DEADLINE);

    List<Key> keys = new ArrayList<>();
    backend.scan(null, 100, (k, v, d) -> keys.add(k));
    assertThat(keys).hasSize(11).isSorted(); // in the order of the keys' encodings
    assertThat(backend.get(Key.of(Data.of("k3")))).isEqualTo(new Backend.Entry(Data.count(3), Backend.NO_DEADLINE));
  }
}
