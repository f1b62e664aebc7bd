package io.jbroker.bench;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.store.LocalStore;
import io.jbroker.store.Mutation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Acknowledged puts and random gets per second through a {@link LocalStore} over the SQLite,
 * RocksDB (and, for comparison, memory) backends, with 16 concurrent callers: the issue-3
 * targets.
 *
 * <p>Each of the {@value #CALLERS} benchmark threads keeps up to {@code window} requests in
 * flight (a sliding window: an invocation first waits for the request issued {@code window}
 * invocations earlier, then issues a new one), so in the steady state one invocation is one
 * acknowledged request and the score is acknowledged requests per second over all threads. An
 * acknowledged put has been applied and group-committed by the store thread, i.e. with {@code
 * durability=durable} it is on stable storage ({@code synchronous=FULL} in SQLite's WAL mode, a
 * synced WAL in RocksDB).
 *
 * <p>The store is prefilled with {@code keys} entries {@code "key-0"}… mapped to small counts;
 * each thread draws keys uniformly at random (a fixed per-thread seed), so puts overwrite and
 * gets hit. Keys and mutations are built in setup. Each trial starts from a fresh database in a
 * temporary directory that teardown removes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(PersistentStoreBenchmark.CALLERS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PersistentStoreBenchmark {
  /** Concurrent callers (benchmark threads). */
  public static final int CALLERS = 16;

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** {@code sqlite}, {@code rocksdb} or {@code memory}. */
  @Param({"sqlite", "rocksdb"})
  public String backend;

  /** The backend's {@code durability} option (ignored by memory). */
  @Param({"durable", "relaxed"})
  public String durability;

  /** Prefilled entries. */
  @Param({"100000"})
  public int keys;

  /** Requests in flight per caller. */
  @Param({"64"})
  public int window;

  LocalStore store;
  Data[] keyData;
  Mutation.Put[] puts;
  private Path dir;
  private final AtomicInteger threadIds = new AtomicInteger();

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("jbroker-bench-");
    Backend b = switch (backend) {
      case "memory" -> Backends.open("memory", BackendOptions.empty());
      case "sqlite" -> Backends.open("sqlite", BackendOptions.empty()
          .with("path", dir.resolve("store.db").toString()).with("durability", durability));
      case "rocksdb" -> Backends.open("rocksdb", BackendOptions.empty()
          .with("path", dir.resolve("store.rocksdb").toString()).with("durability", durability));
      default -> throw new IllegalArgumentException("unknown backend " + backend);
    };
    store = LocalStore.builder("bench", b).requestTimeout(TIMEOUT).build();
    Prefill prefill = Prefill.of(store, keys, TIMEOUT);
    keyData = prefill.keys();
    puts = prefill.puts();
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    deleteTree(dir);
  }

  /** One caller's window of outstanding requests and its key sequence. */
  @State(Scope.Thread)
  public static class Caller {
    private CompletableFuture<?>[] inFlight;
    private int slot;
    private SplittableRandom random;
    private PersistentStoreBenchmark shared;

    @Setup(Level.Trial)
    public void setUp(PersistentStoreBenchmark bench) {
      shared = bench;
      inFlight = new CompletableFuture<?>[bench.window];
      random = new SplittableRandom(0x6A62L + bench.threadIds.getAndIncrement());
    }

    /** Waits for the request issued {@code window} invocations ago, if any, and frees its slot. */
    int acquire() {
      int s = slot;
      CompletableFuture<?> oldest = inFlight[s];
      if (oldest != null) {
        await(oldest);
      }
      slot = s + 1 == inFlight.length ? 0 : s + 1;
      return s;
    }

    int nextKey() {
      return random.nextInt(shared.keys);
    }

    // No drain at the end of an iteration: requests still in flight are awaited by the next
    // iteration's first invocations, and at the end of the trial the store's close fails them
    // (JMH may tear the shared state down while another thread is still in an iteration
    // teardown, so a drain there could meet a closed store).
  }

  /** An acknowledged put of a random prefilled key (an overwrite). */
  @Benchmark
  public void put(Caller c) {
    int s = c.acquire();
    c.inFlight[s] = store.apply(puts[c.nextKey()]);
  }

  /** A get of a random prefilled key (a hit). */
  @Benchmark
  public void get(Caller c) {
    int s = c.acquire();
    c.inFlight[s] = store.get(keyData[c.nextKey()]);
  }

  static <T> T await(CompletableFuture<T> f) {
    return Prefill.await(f, TIMEOUT);
  }

  private static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw new UncheckedIOException(e);
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
