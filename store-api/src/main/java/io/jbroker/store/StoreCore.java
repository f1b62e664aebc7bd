package io.jbroker.store;

import io.jbroker.data.BooleanData;
import io.jbroker.data.Data;
import io.jbroker.data.NoneData;
import io.jbroker.data.SetData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The single-threaded heart of a store: applies {@link Mutation}s to a {@link Backend} with the
 * rules of {@link Operations}, computes deadlines from an injected {@link Clock}, drives expiry,
 * emits {@link StoreEvent}s and reports the resulting {@link StoreChange}s. Local stores and the
 * replication layer's masters and clones all run on it, so every backend and every role share
 * one implementation of SEMANTICS.md.
 *
 * <p>Not thread-safe: one owner thread calls it. Nothing here blocks except backend I/O.
 *
 * <h2>Outcomes</h2>
 *
 * {@link #apply} returns the mutation's result ({@code true}/{@code false} for {@code
 * putUnique}, nil otherwise) or throws a {@link BrokerException}; a failed mutation changes
 * nothing and emits nothing. Events and changes are emitted only for changes that happened:
 * {@code put} always writes (an update event even if the value is equal, as Broker does), while a
 * modifying operation that leaves the value as it was is a no-op when no expiry is given, and a
 * removal of something absent (or a {@code pop} of an empty vector) is always a no-op. Events
 * of modifying operations carry a nil expiry, as Broker's do.
 *
 * <h2>Expiry</h2>
 *
 * {@link #expireDue()} removes every entry whose deadline is at or before the clock's now, if
 * its deadline is still the one that fell due, emitting {@code expire} with this store's id as
 * publisher. The owner calls it on every tick. The index of deadlines is rebuilt from the
 * backend on construction, so a reopened persistent store expires what fell due while it was
 * closed on its first tick.
 *
 * <h2>Durability</h2>
 *
 * Writes are visible at once; {@link #commit()} makes all writes so far durable (one backend
 * sync for everything pending: group commit). Owners acknowledge mutations only after it.
 */
public final class StoreCore {
  private final String name;
  private final Backend backend;
  private final Clock clock;
  private final EntityId self;
  private final ExpiryIndex expiries = new ExpiryIndex();
  private Consumer<StoreEvent> eventSink;
  private Consumer<StoreChange> changeSink;
  private boolean dirty;

  /**
   * A core over {@code backend}, which it reads at once to build the expiry index.
   *
   * @param name the store name (used in events)
   * @param self the store's own id: the publisher of {@code expire} events
   */
  public StoreCore(String name, Backend backend, Clock clock, EntityId self) {
    if (name == null || name.isEmpty()) {
      throw new BrokerException(ErrorCode.INVALID_DATA, "a store needs a non-empty name");
    }
    this.name = name;
    this.backend = Objects.requireNonNull(backend, "backend");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.self = Objects.requireNonNull(self, "self");
    backend.forEachDeadline((k, v, d) -> expiries.set(k, d));
  }

  public String name() {
    return name;
  }

  public Backend backend() {
    return backend;
  }

  public Clock clock() {
    return clock;
  }

  /** This store's id, the publisher of its {@code expire} events. */
  public EntityId self() {
    return self;
  }

  /** Where events go ({@code null}: nowhere, and none are built). Called on the owner thread. */
  public void onEvent(Consumer<StoreEvent> sink) {
    this.eventSink = sink;
  }

  /** Where resulting changes go ({@code null}: nowhere). Called on the owner thread. */
  public void onChange(Consumer<StoreChange> sink) {
    this.changeSink = sink;
  }

  // ---- mutations -----------------------------------------------------------------------------

  /**
   * Applies a mutation issued by {@code publisher}.
   *
   * @return {@code true}/{@code false} for {@link Mutation.PutUnique}, nil otherwise
   * @throws BrokerException with the rule's error code; nothing was changed
   */
  public Data apply(Mutation m, EntityId publisher) {
    return apply(m, null, publisher);
  }

  /**
   * {@link #apply(Mutation, EntityId)} with the mutation's key already encoded ({@code
   * Key.of(m.key())}, made by the caller, e.g. on another thread, or {@code null} to have it made
   * here).
   */
  public Data apply(Mutation m, Key key, EntityId publisher) {
    if (m instanceof Mutation.Clear) {
      return clear(publisher);
    }
    if (key == null) {
      key = Key.of(m.key());
    }
    if (m instanceof Mutation.Put p) {
      return put(p, key, publisher);
    }
    if (m instanceof Mutation.PutUnique p) {
      return putUnique(p, key, publisher);
    }
    if (m instanceof Mutation.Erase e) {
      return erase(e.key(), key, publisher);
    }
    return modify(m, key, publisher);
  }

  private Data put(Mutation.Put p, Key key, EntityId publisher) {
    long deadline = Operations.replacedDeadline(p.key(), clock, p.expiry());
    Backend.Entry old = write(key, p.value(), deadline, eventSink != null);
    if (eventSink != null) {
      eventSink.accept(old == null
          ? new StoreEvent.Insert(name, p.key(), p.value(), p.expiry(), publisher)
          : new StoreEvent.Update(name, p.key(), old.value(), p.value(), p.expiry(), publisher));
    }
    if (changeSink != null) {
      changeSink.accept(new StoreChange.Upsert(key, p.value(), deadline, p.expiry(), publisher));
    }
    return NoneData.INSTANCE;
  }

  private Data putUnique(Mutation.PutUnique p, Key key, EntityId publisher) {
    long deadline = Operations.replacedDeadline(p.key(), clock, p.expiry());
    if (backend.exists(key)) {
      return BooleanData.FALSE;
    }
    write(key, p.value(), deadline);
    if (eventSink != null) {
      eventSink.accept(new StoreEvent.Insert(name, p.key(), p.value(), p.expiry(), publisher));
    }
    if (changeSink != null) {
      changeSink.accept(new StoreChange.Upsert(key, p.value(), deadline, p.expiry(), publisher));
    }
    return BooleanData.TRUE;
  }

  private Data erase(Data k, Key key, EntityId publisher) {
    if (!remove(key)) {
      return NoneData.INSTANCE;
    }
    if (eventSink != null) {
      eventSink.accept(new StoreEvent.Erase(name, k, publisher));
    }
    if (changeSink != null) {
      changeSink.accept(new StoreChange.Erase(key, publisher));
    }
    return NoneData.INSTANCE;
  }

  private Data clear(EntityId publisher) {
    if (backend.isEmpty()) {
      return NoneData.INSTANCE;
    }
    clearAll(publisher);
    if (changeSink != null) {
      changeSink.accept(new StoreChange.Clear(publisher));
    }
    return NoneData.INSTANCE;
  }

  private Data modify(Mutation m, Key key, EntityId publisher) {
    Data k = m.key();
    Backend.Entry old = backend.get(key);
    Data oldValue = old == null ? null : old.value();
    Data value;
    boolean removal = false;
    if (m instanceof Mutation.Increment i) {
      value = Operations.increment(k, oldValue, i.amount());
    } else if (m instanceof Mutation.Decrement d) {
      value = Operations.decrement(k, oldValue, d.amount());
    } else if (m instanceof Mutation.Append a) {
      value = Operations.append(k, oldValue, a.value());
    } else if (m instanceof Mutation.InsertInto i) {
      value = Operations.insertInto(k, oldValue, i.element());
    } else if (m instanceof Mutation.InsertAt i) {
      value = Operations.insertAt(k, oldValue, i.index(), i.value());
    } else if (m instanceof Mutation.RemoveFrom r) {
      value = Operations.removeFrom(k, oldValue, r.index());
      removal = true;
    } else if (m instanceof Mutation.Push p) {
      value = Operations.push(k, oldValue, p.value());
    } else if (m instanceof Mutation.Pop p) {
      value = Operations.pop(k, oldValue);
      removal = true;
    } else {
      throw new AssertionError("unhandled mutation " + m);
    }
    long oldDeadline = old == null ? Backend.NO_DEADLINE : old.deadline();
    long deadline = Operations.modifiedDeadline(k, clock, m.expiry(), oldDeadline);
    // Equality, not identity: arithmetic rules return a new instance even when the value stays
    // the same (x + 0, NaN + x), and that must be a no-op too.
    if (value.equals(oldValue) && (removal || deadline == oldDeadline)) {
      return NoneData.INSTANCE; // nothing to do: no write, no event, nothing replicated
    }
    write(key, value, deadline);
    if (eventSink != null) {
      eventSink.accept(old == null
          ? new StoreEvent.Insert(name, k, value, null, publisher)
          : new StoreEvent.Update(name, k, oldValue, value, null, publisher));
    }
    if (changeSink != null) {
      changeSink.accept(new StoreChange.Upsert(key, value, deadline, null, publisher));
    }
    return NoneData.INSTANCE;
  }

  // ---- expiry --------------------------------------------------------------------------------

  /**
   * Expires every entry whose deadline is at or before now and is still its current deadline,
   * emitting {@code expire} events and changes.
   *
   * @return the number of entries expired
   */
  public int expireDue() {
    long now = clock.nowNanos();
    int expired = 0;
    ExpiryIndex.Due due;
    while ((due = expiries.pollDue(now)) != null) {
      Backend.Entry e = backend.get(due.key());
      if (e == null || e.deadline() != due.deadline()) {
        continue; // the deadline that fell due is no longer the entry's: no stale expire
      }
      backend.erase(due.key());
      dirty = true;
      expired++;
      if (eventSink != null) {
        eventSink.accept(new StoreEvent.Expire(name, due.key().data(), self));
      }
      if (changeSink != null) {
        changeSink.accept(new StoreChange.Expire(due.key(), self));
      }
    }
    return expired;
  }

  /** The earliest deadline of any entry, or {@link Backend#NO_DEADLINE}. */
  public long nextDeadline() {
    return expiries.next();
  }

  // ---- replicas ------------------------------------------------------------------------------

  /**
   * Applies a change computed by a master (a clone's replica update): stores the resulting state
   * without running the operation rules, and emits the events the change implies for this
   * replica (erase/expire only if the key was present here).
   */
  public void applyChange(StoreChange change) {
    if (change instanceof StoreChange.Upsert u) {
      Backend.Entry old = write(u.key(), u.value(), u.deadline(), eventSink != null);
      if (eventSink != null) {
        Data k = u.key().data();
        eventSink.accept(old == null
            ? new StoreEvent.Insert(name, k, u.value(), u.eventExpiry(), u.publisher())
            : new StoreEvent.Update(name, k, old.value(), u.value(), u.eventExpiry(), u.publisher()));
      }
    } else if (change instanceof StoreChange.Erase e) {
      if (remove(e.key()) && eventSink != null) {
        eventSink.accept(new StoreEvent.Erase(name, e.key().data(), e.publisher()));
      }
    } else if (change instanceof StoreChange.Expire e) {
      if (remove(e.key()) && eventSink != null) {
        eventSink.accept(new StoreEvent.Expire(name, e.key().data(), e.publisher()));
      }
    } else if (change instanceof StoreChange.Clear c) {
      clearAll(c.publisher());
    } else {
      throw new AssertionError("unhandled change " + change);
    }
  }

  // ---- reads ---------------------------------------------------------------------------------

  /**
   * The value of {@code key}.
   *
   * @throws BrokerException {@code NO_SUCH_KEY} if absent
   */
  public Data get(Data key) {
    Backend.Entry e = backend.get(Key.of(key));
    if (e == null) {
      throw BrokerException.lightweight(ErrorCode.NO_SUCH_KEY, "get on key " + Key.describe(key) + ": no such key");
    }
    return e.value();
  }

  /** The entry (value and deadline) of {@code key}, or {@code null}. */
  public Backend.Entry entry(Data key) {
    return backend.get(Key.of(key));
  }

  /** The entry (value and deadline) of {@code key}, or {@code null}. */
  public Backend.Entry entry(Key key) {
    return backend.get(key);
  }

  public boolean exists(Data key) {
    return backend.exists(Key.of(key));
  }

  /** See {@link Operations#getIndexFromValue}. */
  public Data getIndexFromValue(Data key, Data index) {
    Backend.Entry e = backend.get(Key.of(key));
    return Operations.getIndexFromValue(key, e == null ? null : e.value(), index);
  }

  /** All keys, as a set (a point-in-time copy). */
  public SetData keys() {
    TreeSet<Data> all = new TreeSet<>();
    backend.forEachEntry((k, v, d) -> all.add(k.data()));
    return Data.set(all);
  }

  /**
   * Up to {@code limit} keys after {@code after} ({@code null}: from the start) in canonical key
   * order.
   *
   * @throws BrokerException {@code INVALID_DATA} if {@code limit} is not positive
   */
  public KeyPage keys(Data after, int limit) {
    if (limit <= 0) {
      throw new BrokerException(ErrorCode.INVALID_DATA, "a key page needs a positive limit, got " + limit);
    }
    List<Data> keys = new ArrayList<>(Math.min(limit, 1024));
    int[] seen = {0};
    Data[] extra = {null};
    backend.scan(after == null ? null : Key.of(after), limit == Integer.MAX_VALUE ? limit : limit + 1, (k, v, d) -> {
      if (seen[0]++ < limit) {
        keys.add(k.data());
      } else {
        extra[0] = k.data();
      }
    });
    return new KeyPage(keys, extra[0] == null ? null : keys.get(keys.size() - 1));
  }

  /** Number of entries. */
  public long size() {
    return backend.size();
  }

  /**
   * Visits every entry (a replica snapshot), in the backend's cheapest order: key order for the
   * persistent backends, entry order for the memory backend (see {@link Backend#forEachEntry}).
   */
  public void snapshot(Backend.EntryVisitor visitor) {
    backend.forEachEntry(visitor);
  }

  // ---- durability ----------------------------------------------------------------------------

  /** Whether writes happened since the last {@link #commit()}. */
  public boolean hasUncommittedWrites() {
    return dirty;
  }

  /**
   * Records that the owner wrote to the backend beside the core ({@link Backend#putMeta}), so that
   * the next {@link #commit()} makes that durable too even if no entry changed.
   */
  public void wroteMetadata() {
    dirty = true;
  }

  /** Makes every write so far durable (one backend sync: the group commit). */
  public void commit() {
    if (dirty) {
      backend.sync();
      dirty = false;
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private void write(Key key, Data value, long deadline) {
    write(key, value, deadline, false);
  }

  /**
   * Writes the entry; returns the entry it replaced if {@code wantOld} (one backend call, see
   * {@link Backend#getAndPut}), else {@code null} without looking it up.
   */
  private Backend.Entry write(Key key, Data value, long deadline, boolean wantOld) {
    Backend.Entry old = null;
    if (wantOld) {
      old = backend.getAndPut(key, value, deadline);
    } else {
      backend.put(key, value, deadline);
    }
    expiries.set(key, deadline);
    dirty = true;
    return old;
  }

  private boolean remove(Key key) {
    if (!backend.erase(key)) {
      return false;
    }
    expiries.remove(key);
    dirty = true;
    return true;
  }

  private void clearAll(EntityId publisher) {
    List<Data> keys = null;
    if (eventSink != null) {
      List<Data> all = new ArrayList<>(); // erase events in key order, whatever the backend
      backend.scan(null, Integer.MAX_VALUE, (k, v, d) -> all.add(k.data()));
      keys = all;
    }
    backend.clear();
    expiries.clear();
    dirty = true;
    if (keys != null) {
      for (Data k : keys) {
        eventSink.accept(new StoreEvent.Erase(name, k, publisher));
      }
    }
  }
}
