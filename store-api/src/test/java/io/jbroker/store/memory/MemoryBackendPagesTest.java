package io.jbroker.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.Key;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The memory backend's record pages against a {@link TreeMap} model: values that change size
 * (records move), deadlines that come and go (the record layout changes), records too big for a
 * page, erasures, clears, paged scans and deadline visits, with the space bound checked as it
 * goes: compaction must keep the pages within about twice the records they hold.
 */
class MemoryBackendPagesTest {
  private final long seed = Long.getLong("jbroker.test.seed", System.nanoTime());
  private final Random random = new Random(seed);

  @Test
  void everyOperationAgreesWithTheModelWhileRecordsMoveAndPagesAreCompacted() {
    MemoryBackend backend = new MemoryBackend();
    TreeMap<Key, Backend.Entry> model = new TreeMap<>();
    for (int step = 0; step < 60_000; step++) {
      String at = "seed " + seed + " step " + step;
      Key k = Key.of(Data.of("k" + random.nextInt(3_000)));
      int op = random.nextInt(1_000);
      if (op < 600) {
        Data value = value();
        long deadline = random.nextInt(4) == 0 ? random.nextLong() & Long.MAX_VALUE - 1 : Backend.NO_DEADLINE;
        Backend.Entry expected = model.put(k, new Backend.Entry(value, deadline));
        if (random.nextBoolean()) {
          assertThat(backend.getAndPut(k, value, deadline)).as("old entry, %s", at).isEqualTo(expected);
        } else {
          backend.put(k, value, deadline);
        }
      } else if (op < 850) {
        assertThat(backend.erase(k)).as("erase, %s", at).isEqualTo(model.remove(k) != null);
      } else if (op < 950) {
        assertThat(backend.get(k)).as("get, %s", at).isEqualTo(model.get(k));
        assertThat(backend.exists(k)).as("exists, %s", at).isEqualTo(model.containsKey(k));
      } else if (op < 998) {
        Key after = random.nextBoolean() ? null : k;
        int limit = 1 + random.nextInt(400);
        List<Map.Entry<Key, Backend.Entry>> seen = new ArrayList<>();
        backend.scan(after, limit, (key, value, deadline) -> seen.add(Map.entry(key, new Backend.Entry(value, deadline))));
        NavigableMap<Key, Backend.Entry> tail = after == null ? model : model.tailMap(after, false);
        List<Map.Entry<Key, Backend.Entry>> expected = new ArrayList<>(tail.entrySet()).subList(0, Math.min(limit, tail.size()));
        assertThat(seen).as("scan after %s limit %d, %s", after, limit, at).isEqualTo(expected);
      } else if (op < 998 + 1 && random.nextBoolean()) {
        Map<Key, Backend.Entry> all = new HashMap<>();
        backend.forEachEntry((key, value, deadline) ->
            assertThat(all.put(key, new Backend.Entry(value, deadline))).as("visited twice, %s", at).isNull());
        assertThat(all).as("every entry, %s", at).isEqualTo(model);
      } else if (op < 999) {
        Map<Key, Backend.Entry> deadlines = new HashMap<>();
        backend.forEachDeadline((key, value, deadline) -> deadlines.put(key, new Backend.Entry(value, deadline)));
        Map<Key, Backend.Entry> expected = new HashMap<>();
        model.forEach((key, e) -> {
          if (e.hasDeadline()) {
            expected.put(key, e);
          }
        });
        assertThat(deadlines).as("deadlines, %s", at).isEqualTo(expected);
      } else {
        backend.clear();
        model.clear();
      }
      assertThat(backend.size()).as("size, %s", at).isEqualTo(model.size());
      if (step % 500 == 0) {
        assertBounded(backend, at);
      }
    }
    assertBounded(backend, "the end, seed " + seed);
  }

  @Test
  void overwritesWithOtherSizesAndErasuresKeepThePagesWithinTwiceTheData() {
    MemoryBackend backend = new MemoryBackend();
    int keys = 100_000;
    for (int round = 0; round < 6; round++) {
      for (int i = 0; i < keys; i++) {
        backend.put(Key.of(Data.of("key-" + i)), Data.of("v".repeat(1 + (i + round * 7) % 40)), Backend.NO_DEADLINE);
      }
      assertBounded(backend, "round " + round);
    }
    for (int i = 0; i < keys; i += 2) {
      backend.erase(Key.of(Data.of("key-" + i)));
    }
    backend.scan(null, 1, (k, v, d) -> {}); // merges: the erased records die
    assertBounded(backend, "after erasing half");
    assertThat(backend.size()).isEqualTo(keys / 2);
    assertThat(backend.get(Key.of(Data.of("key-1"))).value()).isEqualTo(Data.of("v".repeat(1 + (1 + 5 * 7) % 40)));
    assertThat(backend.get(Key.of(Data.of("key-0")))).isNull();
  }

  @Test
  void aRecordBiggerThanAPageGetsItsOwnAndGivesItBackWhenReplaced() {
    MemoryBackend backend = new MemoryBackend();
    Key k = Key.of(Data.of("big"));
    Data big = Data.of("x".repeat(MemoryBackend.MAX_PAGE + 1));
    backend.put(k, big, 42L);
    backend.put(Key.of(Data.of("small")), Data.of(1L), Backend.NO_DEADLINE);
    assertThat(backend.get(k)).isEqualTo(new Backend.Entry(big, 42L));
    assertThat(backend.pageBytes()).isGreaterThan(MemoryBackend.MAX_PAGE);
    backend.put(k, Data.of(2L), Backend.NO_DEADLINE);
    assertThat(backend.pageBytes()).isLessThan(MemoryBackend.MAX_PAGE);
    assertThat(backend.get(k)).isEqualTo(new Backend.Entry(Data.of(2L), Backend.NO_DEADLINE));
  }

  @Test
  void anIndexOutgrownByErasuresIsDroppedWithTheirRecordsAndRebuiltByTheNextPage() {
    MemoryBackend backend = new MemoryBackend();
    TreeMap<Key, Backend.Entry> model = new TreeMap<>();
    for (int i = 0; i < 5_000; i++) {
      Key k = Key.of(Data.of("key-" + i));
      backend.put(k, Data.of((long) i), Backend.NO_DEADLINE);
      model.put(k, new Backend.Entry(Data.of((long) i), Backend.NO_DEADLINE));
    }
    assertPagesMatch(backend, model, 700); // builds the index
    long before = backend.keptBytes();
    for (int i = 0; i < 2_000; i++) { // fewer than half the index: kept for it
      Key k = Key.of(Data.of("key-" + i));
      backend.erase(k);
      model.remove(k);
    }
    assertThat(backend.keptBytes()).isEqualTo(before);
    for (int i = 2_000; i < 4_000; i++) { // now more than half: the index goes, and they with it
      Key k = Key.of(Data.of("key-" + i));
      backend.erase(k);
      model.remove(k);
    }
    assertThat(backend.keptBytes()).isLessThan(before * 3 / 10); // 1,000 of the 5,000 records left
    for (int i = 0; i < 3_000; i += 3) { // some come back, under new ids
      Key k = Key.of(Data.of("key-" + i));
      backend.put(k, Data.of(-1L), Backend.NO_DEADLINE);
      model.put(k, new Backend.Entry(Data.of(-1L), Backend.NO_DEADLINE));
    }
    assertPagesMatch(backend, model, 333);
    assertPagesMatch(backend, model, 5_000);
  }

  /** Pages through the whole store with {@code scan(after, limit)} and compares with the model. */
  private static void assertPagesMatch(MemoryBackend backend, TreeMap<Key, Backend.Entry> model, int limit) {
    List<Map.Entry<Key, Backend.Entry>> seen = new ArrayList<>();
    Key after = null;
    while (true) {
      List<Map.Entry<Key, Backend.Entry>> page = new ArrayList<>();
      backend.scan(after, limit, (key, value, deadline) -> page.add(Map.entry(key, new Backend.Entry(value, deadline))));
      seen.addAll(page);
      if (page.size() < limit) {
        break;
      }
      after = page.get(page.size() - 1).getKey();
    }
    assertThat(seen).isEqualTo(new ArrayList<>(model.entrySet()));
  }

  /** Pages hold at most twice the kept records, plus the page being filled. */
  private static void assertBounded(MemoryBackend backend, String at) {
    assertThat(backend.pageBytes()).as("page bytes against %d kept, %s", backend.keptBytes(), at)
        .isLessThanOrEqualTo(2 * backend.keptBytes() + MemoryBackend.MAX_PAGE);
  }

  private Data value() {
    switch (random.nextInt(6)) {
      case 0:
        return Data.of(random.nextLong());
      case 1:
        return Data.of("s".repeat(random.nextInt(3_000)));
      case 2:
        return random.nextInt(200) == 0 ? Data.of("B".repeat(600_000 + random.nextInt(10_000))) : Data.of(random.nextInt(10) > 4);
      case 3:
        return Data.vector(Data.of(random.nextInt(100)), Data.of("x".repeat(random.nextInt(50))));
      case 4:
        return Data.none();
      default:
        return Data.of("v" + random.nextInt(1_000));
    }
  }
}
