package io.jbroker.bench;

import io.jbroker.data.Data;
import io.jbroker.store.Clock;
import io.jbroker.store.EntityId;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreCore;
import io.jbroker.store.StoreEvent;
import io.jbroker.store.memory.MemoryBackend;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link StoreCore} over the {@link MemoryBackend}, called directly on the benchmark thread (no
 * store thread, no futures): the cost of the operation rules, the canonical key encoding and
 * the backend.
 *
 * <p>Each core is prefilled with {@code keys} entries {@code "key-0"}…; each call touches the
 * next key in turn, so every put overwrites an existing entry and every get hits. Keys, values
 * and {@link Mutation.Put}s are built in setup, so the measured allocations are the library's.
 * {@code put} and {@code get} run on a core without an event sink (no events are built); {@code
 * putWithEventSink} on a second core with one attached, which makes each put read the old entry
 * and build an {@code update} event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class StoreCoreBenchmark {
  @Param({"100000"})
  public int keys;

  private StoreCore core;
  private StoreCore coreWithSink;
  private EntityId publisher;
  private Data[] keyData;
  private Mutation.Put[] puts;
  private int next;
  private StoreEvent lastEvent;
  private long eventCount;

  @Setup(Level.Trial)
  public void setUp() {
    publisher = EntityId.random();
    core = new StoreCore("bench", new MemoryBackend(), Clock.system(), EntityId.random());
    coreWithSink = new StoreCore("bench", new MemoryBackend(), Clock.system(), EntityId.random());
    keyData = new Data[keys];
    puts = new Mutation.Put[keys];
    for (int i = 0; i < keys; i++) {
      keyData[i] = Data.string("key-" + i);
      puts[i] = new Mutation.Put(keyData[i], Data.count(i), null);
      core.apply(puts[i], publisher);
      coreWithSink.apply(puts[i], publisher);
    }
    // The sink keeps the last event and a count, so building the event cannot be optimised away.
    coreWithSink.onEvent(e -> {
      lastEvent = e;
      eventCount++;
    });
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    core.backend().close();
    coreWithSink.backend().close();
  }

  private int nextIndex() {
    int i = next;
    next = i + 1 == keys ? 0 : i + 1;
    return i;
  }

  /** {@code put} of an existing key (overwrite), without expiry, no event sink. */
  @Benchmark
  public Data put() {
    return core.apply(puts[nextIndex()], publisher);
  }

  /** {@code put} of an existing key with an event sink attached: one {@code update} event each. */
  @Benchmark
  public Data putWithEventSink() {
    return coreWithSink.apply(puts[nextIndex()], publisher);
  }

  /** {@code get} of an existing key. */
  @Benchmark
  public Data get() {
    return core.get(keyData[nextIndex()]);
  }
}
