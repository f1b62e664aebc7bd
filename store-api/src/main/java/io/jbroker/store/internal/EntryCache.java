package io.jbroker.store.internal;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.Key;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded LRU map from key to decoded entry, for persistent backends whose point reads cost
 * far more than a map lookup (a SQLite statement, a RocksDB memtable search through JNI, and
 * decoding). Not part of the API: backends use it behind their {@code cache_entries} option.
 *
 * <p>The owning backend keeps it coherent, which is simple because every write goes through that
 * backend on its one owner thread: a read that misses {@linkplain #put caches} what it read, a
 * write {@linkplain #replace replaces} a cached entry (it never adds one, so a write-only load
 * leaves the cache empty and pays a single emptiness check) — or, for a backend that wants to
 * know cheaply whether a key exists, {@linkplain #write caches what was written} — an erase {@linkplain #remove
 * removes} it, and a clear — or any failure after which the backend's state is in doubt —
 * {@linkplain #clear clears} it. Not thread-safe.
 */
public final class EntryCache {
  /**
   * Values whose Broker encoding is longer than this many bytes are not cached: they would take
   * much memory per entry, and reading them is dominated by copying anyway.
   */
  public static final int MAX_VALUE_BYTES = 1024;

  private final int capacity;
  private final LinkedHashMap<Key, Backend.Entry> map;

  /** A cache of at most {@code capacity} entries; 0 keeps nothing. */
  public EntryCache(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative: " + capacity);
    }
    this.capacity = capacity;
    this.map = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Backend.Entry> eldest) {
        return size() > EntryCache.this.capacity;
      }
    };
  }

  /** The cached entry of {@code key}, or {@code null}. */
  public Backend.Entry get(Key key) {
    return map.isEmpty() ? null : map.get(key);
  }

  /** Caches what a read found, if the value's encoding ({@code encodedLength} bytes) is small enough. */
  public void put(Key key, Backend.Entry entry, int encodedLength) {
    if (capacity > 0 && encodedLength <= MAX_VALUE_BYTES) {
      map.put(key, entry);
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
      map.replace(key, new Backend.Entry(value, deadline));
    } else {
      map.remove(key);
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
      map.put(key, new Backend.Entry(value, deadline));
    } else {
      map.remove(key);
    }
  }

  /** After an erase of {@code key}. */
  public void remove(Key key) {
    if (!map.isEmpty()) {
      map.remove(key);
    }
  }

  /** After a clear, or a failure that may have undone writes. */
  public void clear() {
    map.clear();
  }

  /** Number of cached entries. */
  public int size() {
    return map.size();
  }
}
