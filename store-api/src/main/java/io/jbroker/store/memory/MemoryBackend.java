package io.jbroker.store.memory;

import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.Backend;
import io.jbroker.store.Durability;
import io.jbroker.store.Key;
import java.util.HashMap;
import java.util.Objects;

/**
 * The in-memory backend: a hash map from canonical key to entry for point operations, and an
 * ordered index of the keys for ordered scans (pages, snapshots). Nothing is persisted; a new
 * memory master starts empty. It is also the reference the persistent backends are tested
 * against.
 *
 * <h2>Ordered index</h2>
 *
 * Writes are frequent and scans are rare (a page of keys, a snapshot for a clone), so the order
 * is kept lazily, log-structured: a sorted array of keys plus the keys added since it was
 * built, in arrival order. A put of a new key appends it (constant time, instead of the
 * cache-missing tree walk of a {@code TreeSet}, which was a third of a master's CPU per insert
 * at a few million keys); an erase only removes the map entry. The first scan after changes
 * sorts the added keys and merges them into the array in one linear pass, dropping erased
 * keys and duplicates (a key erased and put again is in both parts); the merge also runs when
 * the added keys outnumber half the array, which bounds the memory they take and makes its
 * cost a constant per insert. A scan after writes therefore costs one merge, linear in the
 * number of keys.
 */
public final class MemoryBackend implements Backend {
  private static final Key[] NO_KEYS = {};
  /** Merge once this many keys were added, at least (see the class comment). */
  private static final int MIN_MERGE = 1024;

  /**
   * Key → the value ({@link Data}) of an entry without a deadline, or its {@link Entry}: one
   * object fewer per entry for the garbage collector to trace in the common case.
   */
  private HashMap<Key, Object> entries = new HashMap<>();
  private final HashMap<String, byte[]> meta = new HashMap<>();
  /** Sorted, without duplicates; may hold erased keys (not in {@link #entries}). */
  private Key[] sorted = NO_KEYS;
  private int sortedLength;
  /** Keys added since the last merge, in arrival order; may hold duplicates and erased keys. */
  private Key[] added = new Key[16];
  private int addedLength;
  /** Erasures since the last merge (an upper bound of the erased keys in the index). */
  private int erasedSinceMerge;
  private boolean closed;

  /**
   * Re-creates the hash table at the capacity for {@code expected} entries (at most 16 M: a hint
   * never makes the table larger than that) unless it is about that large already.
   */
  @Override
  public void expectEntries(long expected) {
    checkOpen();
    long wanted = Math.min(expected, 1L << 24);
    if (wanted <= entries.size() * 2L) { // big enough already: at most one more doubling
      return;
    }
    HashMap<Key, Object> resized = new HashMap<>((int) (wanted / 0.75f) + 1);
    resized.putAll(entries);
    entries = resized;
  }

  @Override
  public Entry get(Key key) {
    checkOpen();
    return entry(entries.get(key));
  }

  @Override
  public boolean exists(Key key) {
    checkOpen();
    return entries.containsKey(key);
  }

  @Override
  public void put(Key key, Data value, long deadline) {
    checkOpen();
    Key stored = key.bare();
    if (entries.put(stored, stored(value, deadline)) == null) {
      added(stored);
    }
  }

  @Override
  public Entry getAndPut(Key key, Data value, long deadline) {
    checkOpen();
    Key stored = key.bare();
    Object old = entries.put(stored, stored(value, deadline));
    if (old == null) {
      added(stored);
    }
    return entry(old);
  }

  private static Object stored(Data value, long deadline) {
    return deadline == NO_DEADLINE ? Objects.requireNonNull(value, "value") : new Entry(value, deadline);
  }

  private static Entry entry(Object stored) {
    return stored == null ? null : stored instanceof Entry e ? e : new Entry((Data) stored, NO_DEADLINE);
  }

  private void added(Key key) {
    if (addedLength == added.length) {
      if (addedLength >= Math.max(MIN_MERGE, sortedLength / 2)) {
        merge();
      } else {
        added = java.util.Arrays.copyOf(added, addedLength * 2);
      }
    }
    added[addedLength++] = key;
  }

  /** Sorts the added keys into the index and drops erased keys and duplicates. */
  private void merge() {
    Key[] fresh = java.util.Arrays.copyOf(added, addedLength);
    java.util.Arrays.sort(fresh);
    Key[] out = new Key[entries.size()];
    int n = 0;
    int i = 0;
    int j = 0;
    // Without erasures since the last merge every indexed key is live and none was added twice
    // (only an erased key is added again), so the merge needs no hash lookup per key: at millions
    // of keys those cache-missing lookups were most of its cost.
    boolean check = erasedSinceMerge > 0;
    Key last = null;
    while (i < sortedLength || j < fresh.length) {
      Key k;
      if (j == fresh.length || (i < sortedLength && sorted[i].compareTo(fresh[j]) <= 0)) {
        k = sorted[i++];
      } else {
        k = fresh[j++];
      }
      if (!check) {
        out[n++] = k;
      } else if ((last == null || !k.equals(last)) && entries.containsKey(k)) {
        out[n++] = k;
        last = k;
      }
    }
    sorted = out;
    sortedLength = n;
    java.util.Arrays.fill(added, 0, addedLength, null);
    if (added.length > 4 * MIN_MERGE && added.length > 2 * Math.max(MIN_MERGE, n / 2)) {
      added = new Key[Math.max(MIN_MERGE, n / 2)];
    }
    addedLength = 0;
    erasedSinceMerge = 0;
  }

  @Override
  public boolean erase(Key key) {
    checkOpen();
    if (entries.remove(key) == null) {
      return false;
    }
    erasedSinceMerge++;
    return true;
  }

  @Override
  public byte[] getMeta(String name) {
    checkOpen();
    byte[] v = meta.get(name);
    return v == null ? null : v.clone();
  }

  @Override
  public void putMeta(String name, byte[] value) {
    checkOpen();
    if (value == null) {
      meta.remove(name);
    } else {
      meta.put(name, value.clone());
    }
  }

  @Override
  public void clear() {
    checkOpen();
    entries.clear();
    sorted = NO_KEYS;
    sortedLength = 0;
    added = new Key[16];
    addedLength = 0;
    erasedSinceMerge = 0;
  }

  @Override
  public long size() {
    checkOpen();
    return entries.size();
  }

  @Override
  public int scan(Key after, int limit, EntryVisitor visitor) {
    checkOpen();
    if (addedLength > 0 || erasedSinceMerge > sortedLength / 4) {
      merge();
    }
    int i = 0;
    if (after != null) {
      int at = java.util.Arrays.binarySearch(sorted, 0, sortedLength, after);
      i = at >= 0 ? at + 1 : -at - 1;
    }
    int n = 0;
    for (; n < limit && i < sortedLength; i++) {
      Key k = sorted[i];
      Entry e = entry(entries.get(k));
      if (e != null) { // an erased key stays in the index until the next merge
        visitor.visit(k, e.value(), e.deadline());
        n++;
      }
    }
    return n;
  }

  @Override
  public void forEachDeadline(EntryVisitor visitor) {
    checkOpen();
    entries.forEach((k, stored) -> {
      if (stored instanceof Entry e) {
        visitor.visit(k, e.value(), e.deadline());
      }
    });
  }

  @Override
  public void sync() {
    checkOpen();
  }

  @Override
  public Durability durability() {
    return Durability.NONE;
  }

  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, "memory backend is closed");
    }
  }
}
