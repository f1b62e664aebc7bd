package io.jbroker.bench;

import io.jbroker.data.Data;
import io.jbroker.store.LocalStore;
import io.jbroker.store.Mutation;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The store benchmarks' key set: the string keys {@code "key-0"} … mapped to counts, written
 * through the store before measuring, with the put mutations kept for reuse (so the benchmarks
 * measure the library's allocations, not their own).
 */
record Prefill(Data[] keys, Mutation.Put[] puts) {
  static Prefill of(LocalStore store, int n, Duration timeout) {
    Data[] keys = new Data[n];
    Mutation.Put[] puts = new Mutation.Put[n];
    CompletableFuture<Data> last = null;
    for (int i = 0; i < n; i++) {
      keys[i] = Data.string("key-" + i);
      puts[i] = new Mutation.Put(keys[i], Data.count(i), null);
      last = store.apply(puts[i]);
    }
    await(last, timeout);
    return new Prefill(keys, puts);
  }

  /** The future's value, waiting at most {@code timeout}; a failure or timeout ends the benchmark. */
  static <T> T await(CompletableFuture<T> f, Duration timeout) {
    try {
      return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("store request failed or timed out", e);
    }
  }
}
