package io.jbroker.store.memory;

import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.Backend;
import io.jbroker.store.Durability;
import io.jbroker.store.Key;
import java.util.HashMap;
import java.util.Iterator;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The in-memory backend: a hash map from canonical key to entry for point operations, and a
 * sorted set of the keys for ordered scans (pages, snapshots). Nothing is persisted; a new
 * memory master starts empty. It is also the reference the persistent backends are tested
 * against.
 */
public final class MemoryBackend implements Backend {
  private final HashMap<Key, Entry> entries = new HashMap<>();
  private final TreeSet<Key> order = new TreeSet<>();
  private final HashMap<String, byte[]> meta = new HashMap<>();
  private boolean closed;

  @Override
  public Entry get(Key key) {
    checkOpen();
    return entries.get(key);
  }

  @Override
  public boolean exists(Key key) {
    checkOpen();
    return entries.containsKey(key);
  }

  @Override
  public void put(Key key, Data value, long deadline) {
    checkOpen();
    if (entries.put(key, new Entry(value, deadline)) == null) {
      order.add(key);
    }
  }

  @Override
  public Entry getAndPut(Key key, Data value, long deadline) {
    checkOpen();
    Entry old = entries.put(key, new Entry(value, deadline));
    if (old == null) {
      order.add(key);
    }
    return old;
  }

  @Override
  public boolean erase(Key key) {
    checkOpen();
    if (entries.remove(key) == null) {
      return false;
    }
    order.remove(key);
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
    order.clear();
  }

  @Override
  public long size() {
    checkOpen();
    return entries.size();
  }

  @Override
  public int scan(Key after, int limit, EntryVisitor visitor) {
    checkOpen();
    NavigableSet<Key> keys = after == null ? order : order.tailSet(after, false);
    int n = 0;
    for (Iterator<Key> it = keys.iterator(); n < limit && it.hasNext(); n++) {
      Key k = it.next();
      Entry e = entries.get(k);
      visitor.visit(k, e.value(), e.deadline());
    }
    return n;
  }

  @Override
  public void forEachDeadline(EntryVisitor visitor) {
    checkOpen();
    entries.forEach((k, e) -> {
      if (e.hasDeadline()) {
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
