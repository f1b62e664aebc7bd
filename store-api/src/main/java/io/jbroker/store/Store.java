package io.jbroker.store;

import io.jbroker.data.BooleanData;
import io.jbroker.data.Data;
import io.jbroker.data.SetData;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A data store handle: the operations of SEMANTICS.md, asynchronous first. A store is a master
 * (local or replicated) or a clone; the semantics are the same.
 *
 * <ul>
 *   <li>Every mutation's future completes when the master has applied it — and, on a durable
 *       backend, made it durable — with its result, or fails with a {@link
 *       io.jbroker.error.BrokerException} carrying the {@link io.jbroker.error.ErrorCode}
 *       ({@code TYPE_CLASH}, {@code NO_SUCH_KEY}, {@code INVALID_DATA}, …). A failed mutation
 *       changed nothing.
 *   <li>A request not started within the store's {@linkplain #requestTimeout() request timeout}
 *       fails with {@code REQUEST_TIMEOUT} and is not applied; after {@link #close()} requests
 *       fail with {@code SHUTTING_DOWN}.
 *   <li>Expiries are relative timespans and must be positive. {@code put}/{@code putUnique}
 *       replace the entry's deadline (no expiry: none); the modifying operations ({@code
 *       increment} … {@code pop}) set a new one when an expiry is given and keep the existing one
 *       otherwise.
 *   <li>Futures may complete on the store's own thread: keep dependent actions short, or use
 *       the {@code *Async} variants of {@link CompletableFuture}.
 * </ul>
 *
 * {@link #blocking()} gives the same operations as blocking calls with a timeout.
 */
public interface Store extends AutoCloseable {
  /** The store's name. */
  String name();

  /** How long a request may wait before it fails with {@code REQUEST_TIMEOUT} (default 10 s). */
  Duration requestTimeout();

  /**
   * Applies a mutation; the other mutators are shorthands for this.
   *
   * @return a future of the result: a boolean for {@link Mutation.PutUnique}, nil otherwise
   */
  CompletableFuture<Data> apply(Mutation mutation);

  // ---- reads ---------------------------------------------------------------------------------

  /** The value of {@code key}; fails with {@code NO_SUCH_KEY} if absent. */
  CompletableFuture<Data> get(Data key);

  /** Whether {@code key} exists. */
  CompletableFuture<Boolean> exists(Data key);

  /**
   * An element of the container stored at {@code key}: a vector's element at a count index, a
   * set's membership of {@code index} (boolean), a table's value at {@code index}. Fails with
   * {@code NO_SUCH_KEY} if the key or index is absent, {@code TYPE_CLASH} for a scalar value.
   */
  CompletableFuture<Data> getIndexFromValue(Data key, Data index);

  /** All keys (a point-in-time copy; prefer {@link #keys(Data, int)} for large stores). */
  CompletableFuture<SetData> keys();

  /**
   * A page of at most {@code limit} keys after {@code after} ({@code null}: from the start) in
   * canonical key order; pass {@link KeyPage#next()} to get the following page.
   */
  CompletableFuture<KeyPage> keys(Data after, int limit);

  // ---- mutations -----------------------------------------------------------------------------

  /** Inserts or overwrites {@code key}, without expiry. */
  default CompletableFuture<Void> put(Data key, Data value) {
    return put(key, value, null);
  }

  /** Inserts or overwrites {@code key}; the entry expires {@code expiry} after the master applies it. */
  default CompletableFuture<Void> put(Data key, Data value, Duration expiry) {
    return apply(new Mutation.Put(key, value, expiry)).thenApply(Store::ignore);
  }

  /** Inserts {@code key} only if absent; {@code true} if this call inserted it. */
  default CompletableFuture<Boolean> putUnique(Data key, Data value) {
    return putUnique(key, value, null);
  }

  /** Inserts {@code key} only if absent, with an expiry; {@code true} if this call inserted it. */
  default CompletableFuture<Boolean> putUnique(Data key, Data value, Duration expiry) {
    return apply(new Mutation.PutUnique(key, value, expiry)).thenApply(d -> ((BooleanData) d).value());
  }

  /** Removes {@code key} (a no-op if absent). */
  default CompletableFuture<Void> erase(Data key) {
    return apply(new Mutation.Erase(key)).thenApply(Store::ignore);
  }

  /** Removes every key. */
  default CompletableFuture<Void> clear() {
    return apply(new Mutation.Clear()).thenApply(Store::ignore);
  }

  /** Adds a count, integer, real or timespan to a number (or timespan to a timestamp); creates it from zero. */
  default CompletableFuture<Void> increment(Data key, Data amount) {
    return increment(key, amount, null);
  }

  default CompletableFuture<Void> increment(Data key, Data amount, Duration expiry) {
    return apply(new Mutation.Increment(key, amount, expiry)).thenApply(Store::ignore);
  }

  /** Subtracts from a number (or a timespan from a timestamp); the key must exist. */
  default CompletableFuture<Void> decrement(Data key, Data amount) {
    return decrement(key, amount, null);
  }

  default CompletableFuture<Void> decrement(Data key, Data amount, Duration expiry) {
    return apply(new Mutation.Decrement(key, amount, expiry)).thenApply(Store::ignore);
  }

  /** Appends a string to a string; creates it. */
  default CompletableFuture<Void> append(Data key, Data string) {
    return append(key, string, null);
  }

  default CompletableFuture<Void> append(Data key, Data string, Duration expiry) {
    return apply(new Mutation.Append(key, string, expiry)).thenApply(Store::ignore);
  }

  /** Adds {@code element} to a set; creates {@code {element}}. */
  default CompletableFuture<Void> insertInto(Data key, Data element) {
    return insertInto(key, element, (Duration) null);
  }

  default CompletableFuture<Void> insertInto(Data key, Data element, Duration expiry) {
    return apply(new Mutation.InsertInto(key, element, expiry)).thenApply(Store::ignore);
  }

  /**
   * Sets {@code table[index] = value}, or on a vector replaces the element at count {@code index}
   * (appends if it equals the size); creates the table {@code {index -> value}}.
   */
  default CompletableFuture<Void> insertInto(Data key, Data index, Data value) {
    return insertInto(key, index, value, null);
  }

  default CompletableFuture<Void> insertInto(Data key, Data index, Data value, Duration expiry) {
    return apply(new Mutation.InsertAt(key, index, value, expiry)).thenApply(Store::ignore);
  }

  /** Removes a set element, a table key, or the vector element at a count index; absent: no-op. */
  default CompletableFuture<Void> removeFrom(Data key, Data index) {
    return removeFrom(key, index, null);
  }

  default CompletableFuture<Void> removeFrom(Data key, Data index, Duration expiry) {
    return apply(new Mutation.RemoveFrom(key, index, expiry)).thenApply(Store::ignore);
  }

  /** Appends to a vector; creates {@code [value]}. */
  default CompletableFuture<Void> push(Data key, Data value) {
    return push(key, value, null);
  }

  default CompletableFuture<Void> push(Data key, Data value, Duration expiry) {
    return apply(new Mutation.Push(key, value, expiry)).thenApply(Store::ignore);
  }

  /** Removes the last element of a vector. */
  default CompletableFuture<Void> pop(Data key) {
    return pop(key, null);
  }

  default CompletableFuture<Void> pop(Data key, Duration expiry) {
    return apply(new Mutation.Pop(key, expiry)).thenApply(Store::ignore);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /**
   * Completes when the store is idle — everything issued before has been applied and
   * acknowledged (Broker's {@code await_idle}, see SEMANTICS.md) — or fails with {@code
   * REQUEST_TIMEOUT} after {@code timeout}.
   */
  CompletableFuture<Void> awaitIdle(Duration timeout);

  /**
   * Calls {@code listener} with every event of this store from now on, in order, on the store's
   * thread (keep it short and non-blocking). Close the returned watcher to stop.
   */
  Watcher watch(Consumer<StoreEvent> listener);

  /** A registration of {@link #watch}; closing it stops the events. */
  interface Watcher extends AutoCloseable {
    @Override
    void close();
  }

  /** The same operations as blocking calls that fail with {@code REQUEST_TIMEOUT} after the request timeout. */
  default BlockingStore blocking() {
    return new BlockingStore(this, requestTimeout());
  }

  /** The same operations as blocking calls that fail with {@code REQUEST_TIMEOUT} after {@code timeout}. */
  default BlockingStore blocking(Duration timeout) {
    return new BlockingStore(this, timeout);
  }

  /** Stops the store: pending requests fail with {@code SHUTTING_DOWN}; applied writes are committed. */
  @Override
  void close();

  private static Void ignore(Data d) {
    return null;
  }
}
