package io.jbroker.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.Key;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link EntryCache}: never answers with anything but the last write, stays bounded, evicts by second chance. */
class EntryCacheTest {
  private static Key key(int i) {
    return Key.of(Data.of("k" + i));
  }

  private static Backend.Entry entry(long v) {
    return new Backend.Entry(Data.count(v), Backend.NO_DEADLINE);
  }

  @Test
  void aCachedEntryIsAlwaysTheLastOneWrittenAndTheSizeStaysBounded() {
    for (long seed = 1; seed <= 50; seed++) {
      Random rnd = new Random(seed);
      int capacity = 1 + rnd.nextInt(40);
      EntryCache cache = new EntryCache(capacity);
      Map<Key, Backend.Entry> truth = new HashMap<>();
      for (int step = 0; step < 5_000; step++) {
        Key k = key(rnd.nextInt(80));
        long v = rnd.nextInt(1_000_000);
        switch (rnd.nextInt(6)) {
          case 0 -> { // a read that missed caches what the backend holds
            if (cache.get(k) == null && truth.containsKey(k)) {
              cache.put(k, truth.get(k), 8);
            }
          }
          case 1 -> {
            truth.put(k, entry(v));
            cache.replace(k, Data.count(v), Backend.NO_DEADLINE, 8);
          }
          case 2 -> {
            truth.put(k, entry(v));
            cache.write(k, Data.count(v), Backend.NO_DEADLINE, rnd.nextInt(20) == 0 ? 5_000 : 8);
          }
          case 3 -> {
            truth.remove(k);
            cache.remove(k);
          }
          case 4 -> {
            if (rnd.nextInt(100) == 0) {
              truth.clear();
              cache.clear();
            }
          }
          default -> {
            Backend.Entry cached = cache.get(k);
            if (cached != null && !cached.equals(truth.get(k))) {
              throw new AssertionError("seed " + seed + " step " + step + ": cached " + cached + " for " + k
                  + ", last written " + truth.get(k));
            }
          }
        }
        if (cache.size() > capacity) {
          throw new AssertionError("seed " + seed + " step " + step + ": " + cache.size() + " > " + capacity);
        }
      }
    }
  }

  @Test
  void aFullCacheEvictsAnEntryNotReadSinceTheHandLastPassed() {
    EntryCache cache = new EntryCache(3);
    cache.put(key(1), entry(1), 8);
    cache.put(key(2), entry(2), 8);
    cache.put(key(3), entry(3), 8);
    assertThat(cache.get(key(1))).isEqualTo(entry(1));

    cache.put(key(4), entry(4), 8);

    assertThat(cache.size()).isEqualTo(3);
    assertThat(cache.get(key(2))).as("not read: evicted").isNull();
    assertThat(cache.get(key(1))).as("read: kept").isEqualTo(entry(1));
    assertThat(cache.get(key(3))).isEqualTo(entry(3));
    assertThat(cache.get(key(4))).isEqualTo(entry(4));
  }

  @Test
  void aRemovedEntryFreesItsSlotAndNothingIsCachedWithCapacityZero() {
    EntryCache cache = new EntryCache(2);
    cache.put(key(1), entry(1), 8);
    cache.put(key(2), entry(2), 8);
    cache.remove(key(1));
    cache.put(key(3), entry(3), 8);
    assertThat(cache.get(key(2))).as("the freed slot was used, nothing evicted").isEqualTo(entry(2));
    assertThat(cache.get(key(3))).isEqualTo(entry(3));

    EntryCache none = new EntryCache(0);
    none.put(key(1), entry(1), 8);
    none.write(key(1), Data.count(1), Backend.NO_DEADLINE, 8);
    assertThat(none.size()).isZero();
  }
}
