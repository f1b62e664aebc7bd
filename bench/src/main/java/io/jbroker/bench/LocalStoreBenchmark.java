package io.jbroker.bench;

import io.jbroker.data.Data;
import io.jbroker.store.BlockingStore;
import io.jbroker.store.LocalStore;
import io.jbroker.store.Mutation;
import io.jbroker.store.memory.MemoryBackend;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link LocalStore} over the {@link MemoryBackend}: one caller thread and the store's own
 * thread, so this wants two free cores.
 *
 * <p>{@code pipelinedPut}/{@code pipelinedGet} issue {@value #PIPELINE} requests without
 * waiting, then wait for the last future (the store completes futures in order, so all are
 * done); the score is requests per second and shows the store thread's throughput with batching
 * and group commit. {@code blockingPut}/{@code blockingGet} wait for each request through
 * {@link BlockingStore}: one round trip to the store thread (a wake-up of a parked thread) per
 * operation, so they measure latency, not capacity. The store is prefilled with {@code keys}
 * entries; puts overwrite, gets hit.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class LocalStoreBenchmark {
  /** Requests in flight per invocation of the pipelined benchmarks. */
  public static final int PIPELINE = 1000;

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Param({"100000"})
  public int keys;

  private LocalStore store;
  private BlockingStore blocking;
  private Data[] keyData;
  private Mutation.Put[] puts;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    store = LocalStore.builder("bench", new MemoryBackend()).requestTimeout(TIMEOUT).build();
    blocking = store.blocking(TIMEOUT);
    Prefill prefill = Prefill.of(store, keys, TIMEOUT);
    keyData = prefill.keys();
    puts = prefill.puts();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
  }

  private int nextIndex() {
    int i = next;
    next = i + 1 == keys ? 0 : i + 1;
    return i;
  }

  /** {@value #PIPELINE} async puts, then a wait for the last one. */
  @Benchmark
  @OperationsPerInvocation(PIPELINE)
  public Data pipelinedPut() {
    CompletableFuture<Data> last = null;
    for (int n = 0; n < PIPELINE; n++) {
      last = store.apply(puts[nextIndex()]);
    }
    return await(last);
  }

  /** {@value #PIPELINE} async gets, then a wait for the last one. */
  @Benchmark
  @OperationsPerInvocation(PIPELINE)
  public Data pipelinedGet() {
    CompletableFuture<Data> last = null;
    for (int n = 0; n < PIPELINE; n++) {
      last = store.get(keyData[nextIndex()]);
    }
    return await(last);
  }

  /** One put through the blocking facade. */
  @Benchmark
  public void blockingPut() {
    Mutation.Put p = puts[nextIndex()];
    blocking.put(p.key(), p.value());
  }

  /** One get through the blocking facade. */
  @Benchmark
  public Data blockingGet() {
    return blocking.get(keyData[nextIndex()]);
  }

  static <T> T await(CompletableFuture<T> f) {
    return Prefill.await(f, TIMEOUT);
  }
}
