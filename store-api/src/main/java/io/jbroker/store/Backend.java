package io.jbroker.store;

import io.jbroker.data.Data;

/**
 * The storage under one master store (spec/broker-stores.md §11.1, reshaped): a synchronous
 * ordered map from {@link Key} to a value and an absolute deadline.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>Single-threaded use.</b> One owner (a store core) calls a backend from one thread at a
 *       time; implementations need no locking against their owner.
 *   <li><b>Bytes and deadlines only.</b> Backends store what they are given; the operation rules
 *       (increment, insert, …) live in {@link Operations} and the expiry driver in {@link
 *       StoreCore}, so every backend has identical semantics.
 *   <li><b>Key identity and order</b> are those of {@link Key}: its canonical encoding, compared
 *       as unsigned bytes. {@link #scan} visits entries in that order.
 *   <li><b>Deadlines</b> are absolute nanoseconds since the epoch in the owner's clock; {@link
 *       #NO_DEADLINE} means the entry never expires.
 *   <li><b>Visibility and durability.</b> A write is visible to every later call at once. It is
 *       durable (survives a crash of the process) once {@link #sync()} has returned; a backend
 *       opened with {@link Durability#DURABLE} makes it reach stable storage there, one opened
 *       with {@link Durability#RELAXED} only hands it to the operating system. The owner calls
 *       {@code sync()} once for all the writes pending at that moment (group commit) and
 *       acknowledges them afterwards.
 *   <li><b>Failures</b> are {@link io.jbroker.error.BrokerException}s with {@code
 *       BACKEND_FAILURE} and a message naming the path and the reason; stored bytes that do not
 *       decode give {@code INVALID_DATA}.
 * </ul>
 */
public interface Backend extends AutoCloseable {
  /** The deadline of an entry that never expires. */
  long NO_DEADLINE = Long.MAX_VALUE;

  /** A stored value and its deadline ({@link #NO_DEADLINE} if none). */
  record Entry(Data value, long deadline) {
    public Entry {
      java.util.Objects.requireNonNull(value, "value");
    }

    public boolean hasDeadline() {
      return deadline != NO_DEADLINE;
    }
  }

  /** Receives entries from {@link #scan}. */
  @FunctionalInterface
  interface EntryVisitor {
    void visit(Key key, Data value, long deadline);
  }

  /** The entry of {@code key}, or {@code null} if there is none. */
  Entry get(Key key);

  /** Whether {@code key} has an entry. */
  default boolean exists(Key key) {
    return get(key) != null;
  }

  /** Inserts or replaces the entry of {@code key}, deadline included. */
  void put(Key key, Data value, long deadline);

  /**
   * Does what {@link #put} does and returns the entry it replaced, or {@code null} if there was
   * none. The store core calls it when it needs the old entry (for an {@code update} event)
   * instead of a {@link #get} followed by a {@code put}; backends that find the old entry on
   * their way to writing the new one override it to save the second lookup. The default is
   * {@code get} then {@code put}.
   */
  default Entry getAndPut(Key key, Data value, long deadline) {
    Entry old = get(key);
    put(key, value, deadline);
    return old;
  }

  /** Removes the entry of {@code key}; returns whether there was one. */
  boolean erase(Key key);

  /** Removes every entry. */
  void clear();

  /** Number of entries. */
  long size();

  /**
   * A hint that about {@code entries} entries in total are about to be held (a clone receiving a
   * snapshot of that size), so a backend can size its structures once instead of growing them
   * step by step. Only a hint: it changes no content and may be ignored (the default).
   */
  default void expectEntries(long entries) {}

  /**
   * A hint that the key whose {@link Key#hashCode()} is {@code keyHash} is about to be read or
   * written: a backend may start loading what that access will touch, so that a run of accesses
   * waits for memory once rather than once per key. Changes nothing and may be ignored (the
   * default).
   */
  default void prefetch(int keyHash) {}

  /** Whether there are no entries; backends override it when {@link #size()} is expensive. */
  default boolean isEmpty() {
    return size() == 0;
  }

  /**
   * Visits the entries whose keys come strictly after {@code after} ({@code null}: from the
   * first key) in key order, at most {@code limit} of them, and returns how many it visited.
   * The visitor must not call back into the backend.
   */
  int scan(Key after, int limit, EntryVisitor visitor);

  /**
   * Visits every entry once, in no particular order: a snapshot for a clone, the set of all keys.
   * Backends for which key order costs work override it; the default is an ordered {@link
   * #scan}. The visitor must not call back into the backend.
   */
  default void forEachEntry(EntryVisitor visitor) {
    scan(null, Integer.MAX_VALUE, visitor);
  }

  /**
   * Visits every entry that has a deadline (in no particular order); the store core builds its
   * expiry index from this when it opens the backend. The default scans everything.
   */
  default void forEachDeadline(EntryVisitor visitor) {
    scan(null, Integer.MAX_VALUE, (k, v, d) -> {
      if (d != NO_DEADLINE) {
        visitor.visit(k, v, d);
      }
    });
  }

  /**
   * The metadata value saved under {@code name} with {@link #putMeta}, or {@code null}.
   *
   * <p>Metadata is a small side table of named byte strings that an owner keeps next to the data
   * (the replication layer keeps there what it needs to apply each clone write exactly once across
   * master restarts). It is not part of the entries: {@link #size}, {@link #scan} and {@link
   * #clear} ignore it. Names beginning with {@code broker_} are reserved for the file formats'
   * own rows. The default keeps nothing, for backends that persist nothing either.
   */
  default byte[] getMeta(String name) {
    return null;
  }

  /**
   * Saves {@code value} under {@code name} ({@code null} removes it), with the same visibility
   * and durability as an entry written at this point: durable with the next {@link #sync()},
   * and never durable without the writes made before it.
   */
  default void putMeta(String name, byte[] value) {}

  /**
   * The names of the metadata values ({@link #putMeta}) that begin with {@code prefix}, in
   * ascending order (String.compareTo), as this backend would read them now (including values put
   * since the last sync and not including removed ones). The default keeps no metadata, so it
   * returns an empty list.
   *
   * <p>"Begins with" and the order are those of {@link String#startsWith} and {@link
   * String#compareTo} (UTF-16 code units), whatever order the backend keeps the names in; an
   * empty prefix lists every name. Rows a file format keeps for itself (the reserved {@code
   * broker_} names) are not metadata values and are not listed.
   *
   * @throws IllegalArgumentException if {@code prefix} is {@code null}
   */
  default java.util.List<String> metaNames(String prefix) {
    return java.util.List.of();
  }

  /**
   * Makes every write so far durable according to this backend's {@link #durability()}; the
   * group-commit point. A no-op for backends without persistence.
   */
  void sync();

  /** How {@link #sync()} persists writes. */
  Durability durability();

  /** Syncs and releases the backend's resources; later calls fail. Closing twice is harmless. */
  @Override
  void close();
}
