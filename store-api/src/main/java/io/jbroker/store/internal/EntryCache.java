package io.jbroker.store.internal;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.Key;
import java.util.Arrays;
import java.util.HashMap;

/**
 * A bounded map from key to decoded entry, for persistent backends whose point reads cost far
 * more than a map lookup (a SQLite statement, a RocksDB memtable search through JNI, and
 * decoding). Not part of the API: backends use it behind their {@code cache_entries} option.
 *
 * <p>The owning backend keeps it coherent, which is simple because every write goes through that
 * backend on its one owner thread: a read that misses {@linkplain #put caches} what it read, a
 * write {@linkplain #replace replaces} a cached entry (it never adds one, so a write-only load
 * leaves the cache empty and pays a single emptiness check) — or, for a backend that wants to
 * know cheaply whether a key exists, {@linkplain #write caches what was written} — an erase {@linkplain #remove
 * removes} it, and a clear — or any failure after which the backend's state is in doubt —
 * {@linkplain #clear clears} it. Not thread-safe.
 *
 * <h2>Eviction: CLOCK, not LRU</h2>
 *
 * <p>A full cache evicts with the CLOCK (second chance) policy, an approximation of LRU: a hit
 * only sets a flag on the entry's slot, and the clock hand passes over flagged slots once
 * (clearing the flag) before evicting one. An access-ordered {@code LinkedHashMap} relinks its
 * nodes on every hit, a reference store into long-lived objects that G1 must then trace through
 * its card refinement: a quarter of the CPU of the RocksDB put benchmark went to G1's refinement
 * thread before this change.
 */
public final class EntryCache {
  /**
   * Values whose Broker encoding is longer than this many bytes are not cached: they would take
   * much memory per entry, and reading them is dominated by copying anyway.
   */
  public static final int MAX_VALUE_BYTES = 1024;

  /** A cached entry and its place on the clock. */
  private static final class Slot {
    final Key key;
    final int index;
    Backend.Entry entry;
    boolean referenced;

    Slot(Key key, int index, Backend.Entry entry) {
      this.key = key;
      this.index = index;
      this.entry = entry;
    }
  }

  private final int capacity;
  private final HashMap<Key, Slot> map = new HashMap<>();
  /** The clock: slots by index; {@code null} where an entry was removed. */
  private Slot[] clock = new Slot[16];
  /** Slots in use or freed, from index 0 (the clock grows up to {@link #capacity}). */
  private int used;
  /** Indexes below {@link #used} whose slot was freed. */
  private int[] free = new int[16];
  private int freeCount;
  private int hand;

  /** A cache of at most {@code capacity} entries; 0 keeps nothing. */
  public EntryCache(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative: " + capacity);
    }
    this.capacity = capacity;
  }

  /** The cached entry of {@code key}, or {@code null}. */
  public Backend.Entry get(Key key) {
    if (map.isEmpty()) {
      return null;
    }
    Slot s = map.get(key);
    if (s == null) {
      return null;
    }
    if (!s.referenced) {
      s.referenced = true;
    }
    return s.entry;
  }

  /** Caches what a read found, if the value's encoding ({@code encodedLength} bytes) is small enough. */
  public void put(Key key, Backend.Entry entry, int encodedLength) {
    if (capacity > 0 && encodedLength <= MAX_VALUE_BYTES) {
      store(key, entry);
    }
  }

  /**
   * After a write of {@code key}: replaces its cached entry, if any, with {@code value} and
   * {@code deadline} (a value too large to cache uncaches it).
   */
  public void replace(Key key, Data value, long deadline, int encodedLength) {
    if (map.isEmpty()) {
      return;
    }
    if (encodedLength <= MAX_VALUE_BYTES) {
      Slot s = map.get(key);
      if (s != null) {
        s.entry = new Backend.Entry(value, deadline);
      }
    } else {
      remove(key);
    }
  }

  /**
   * After a write of {@code key}, for a backend that caches what it writes (write-through):
   * caches {@code value} and {@code deadline} whether or not the key was cached, so that the next
   * write of the key knows without a lookup that it exists. A value too large to cache uncaches it.
   */
  public void write(Key key, Data value, long deadline, int encodedLength) {
    if (capacity == 0) {
      return;
    }
    if (encodedLength <= MAX_VALUE_BYTES) {
      store(key, new Backend.Entry(value, deadline));
    } else {
      remove(key);
    }
  }

  private void store(Key key, Backend.Entry entry) {
    Slot s = map.get(key);
    if (s != null) {
      s.entry = entry;
      s.referenced = true;
      return;
    }
    int index;
    if (freeCount > 0) {
      index = free[--freeCount];
    } else if (used < capacity) {
      index = used++;
      if (index == clock.length) {
        clock = Arrays.copyOf(clock, (int) Math.min(capacity, 2L * clock.length));
      }
    } else {
      index = evict();
    }
    s = new Slot(key, index, entry);
    clock[index] = s;
    map.put(key, s);
  }

  /** Frees the slot of the first unreferenced entry from the hand on (second chance); returns its index. */
  private int evict() {
    while (true) {
      Slot s = clock[hand];
      int index = hand;
      hand = hand + 1 == used ? 0 : hand + 1;
      if (s.referenced) {
        s.referenced = false;
        continue;
      }
      map.remove(s.key);
      clock[index] = null;
      return index;
    }
  }

  /** After an erase of {@code key}. */
  public void remove(Key key) {
    if (map.isEmpty()) {
      return;
    }
    Slot s = map.remove(key);
    if (s != null) {
      clock[s.index] = null;
      if (freeCount == free.length) {
        free = Arrays.copyOf(free, free.length * 2);
      }
      free[freeCount++] = s.index;
    }
  }

  /** After a clear, or a failure that may have undone writes. */
  public void clear() {
    map.clear();
    Arrays.fill(clock, null);
    used = 0;
    freeCount = 0;
    hand = 0;
  }

  /** Number of cached entries. */
  public int size() {
    return map.size();
  }
}
