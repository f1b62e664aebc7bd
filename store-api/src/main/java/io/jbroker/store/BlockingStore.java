package io.jbroker.store;

import io.jbroker.data.Data;
import io.jbroker.data.SetData;
import io.jbroker.store.internal.Futures;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Blocking view of a {@link Store}: every call waits at most the timeout and then fails with
 * {@code REQUEST_TIMEOUT}; it never hangs. Failures are {@link io.jbroker.error.BrokerException}s
 * with the store's error code.
 */
public final class BlockingStore {
  private final Store store;
  private final Duration timeout;

  public BlockingStore(Store store, Duration timeout) {
    this.store = Objects.requireNonNull(store, "store");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.timeout = timeout;
  }

  /** The asynchronous store behind this view. */
  public Store async() {
    return store;
  }

  public Duration timeout() {
    return timeout;
  }

  public Data get(Data key) {
    return await(store.get(key), "get", key);
  }

  public boolean exists(Data key) {
    return await(store.exists(key), "exists", key);
  }

  public Data getIndexFromValue(Data key, Data index) {
    return await(store.getIndexFromValue(key, index), "get_index_from_value", key);
  }

  public SetData keys() {
    return await(store.keys(), "keys", null);
  }

  public KeyPage keys(Data after, int limit) {
    return await(store.keys(after, limit), "keys", null);
  }

  public Data apply(Mutation m) {
    return await(store.apply(m), "mutation", m.key());
  }

  public void put(Data key, Data value) {
    await(store.put(key, value), "put", key);
  }

  public void put(Data key, Data value, Duration expiry) {
    await(store.put(key, value, expiry), "put", key);
  }

  public boolean putUnique(Data key, Data value) {
    return await(store.putUnique(key, value), "put_unique", key);
  }

  public boolean putUnique(Data key, Data value, Duration expiry) {
    return await(store.putUnique(key, value, expiry), "put_unique", key);
  }

  public void erase(Data key) {
    await(store.erase(key), "erase", key);
  }

  public void clear() {
    await(store.clear(), "clear", null);
  }

  public void increment(Data key, Data amount) {
    await(store.increment(key, amount), "increment", key);
  }

  public void increment(Data key, Data amount, Duration expiry) {
    await(store.increment(key, amount, expiry), "increment", key);
  }

  public void decrement(Data key, Data amount) {
    await(store.decrement(key, amount), "decrement", key);
  }

  public void decrement(Data key, Data amount, Duration expiry) {
    await(store.decrement(key, amount, expiry), "decrement", key);
  }

  public void append(Data key, Data string) {
    await(store.append(key, string), "append", key);
  }

  public void append(Data key, Data string, Duration expiry) {
    await(store.append(key, string, expiry), "append", key);
  }

  public void insertInto(Data key, Data element) {
    await(store.insertInto(key, element), "insert_into", key);
  }

  public void insertInto(Data key, Data element, Duration expiry) {
    await(store.insertInto(key, element, expiry), "insert_into", key);
  }

  public void insertInto(Data key, Data index, Data value) {
    await(store.insertInto(key, index, value), "insert_into", key);
  }

  public void insertInto(Data key, Data index, Data value, Duration expiry) {
    await(store.insertInto(key, index, value, expiry), "insert_into", key);
  }

  public void removeFrom(Data key, Data index) {
    await(store.removeFrom(key, index), "remove_from", key);
  }

  public void removeFrom(Data key, Data index, Duration expiry) {
    await(store.removeFrom(key, index, expiry), "remove_from", key);
  }

  public void push(Data key, Data value) {
    await(store.push(key, value), "push", key);
  }

  public void push(Data key, Data value, Duration expiry) {
    await(store.push(key, value, expiry), "push", key);
  }

  public void pop(Data key) {
    await(store.pop(key), "pop", key);
  }

  public void pop(Data key, Duration expiry) {
    await(store.pop(key, expiry), "pop", key);
  }

  /** Waits until the store is idle; fails with {@code REQUEST_TIMEOUT} after the timeout. */
  public void awaitIdle() {
    await(store.awaitIdle(timeout), "await_idle", null);
  }

  private <T> T await(CompletableFuture<T> future, String op, Data key) {
    return Futures.await(future, timeout,
        () -> op + " on store \"" + store.name() + "\"" + (key == null ? "" : " for key " + Key.describe(key)));
  }
}
