package io.jbroker.bench;

import io.jbroker.data.Data;
import io.jbroker.data.VectorData;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.replication.CloneStore;
import io.jbroker.replication.MasterStore;
import io.jbroker.replication.StoreInfo;
import io.jbroker.replication.StoreManager;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Clock;
import io.jbroker.store.Store;
import io.jbroker.store.StoreEvent;
import io.jbroker.store.internal.Futures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Replicated store throughput, latency and convergence (issue #5's macro benchmark): a {@link
 * StoreManager} on an {@link Endpoint} in this JVM, clones or the master in child JVMs (same class
 * path), peered over 127.0.0.1 with TLS (ephemeral certificates, the endpoint's default). This JVM
 * listens on port 0 and the children peer with it.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.jbroker.bench.ReplicationBench MODE [options]
 *   local               puts on a master, no clones
 *   replicated          puts on the master (here), --clones N clones (each its own JVM); until every clone has all
 *   clone-puts          puts on a clone (here), master in a child JVM; until the master acknowledged all
 *                       (--op put-unique: pipelined putUnique calls instead of puts)
 *   put-unique-latency  sequential putUnique calls on a clone (here), master in a child JVM
 *   sync                master (here) with --count entries, then a clone (child JVM) attaches; until it has all
 *   lag                 puts paced at --rate on the master (here); clone (child JVM) lag per update
 * options:
 *   --count K (default 1000000; put-unique-latency 50000)  --warmup-puts W (excluded from timing)
 *   --keys N       local, replicated: put keys k0 … k(N-1) over and over (overwrites) instead of distinct keys
 *   --window W     puts in flight at most (default 16384)   --threads N   putting threads (default 1)
 *   --clones N     replicated / lag (default 1)               --backend memory|sqlite|rocksdb (master; default memory)
 *   --durability durable|relaxed (persistent backends)      --value int|conn (value: an integer or the conn record)
 *   --rate R --seconds S --warmup S   lag: puts/s (default 50000), measured seconds (10), warm-up seconds (15)
 *   --tick MS      store tick (default: ReplicationSettings.defaults(), 100 ms)   --tls on|off (default on)
 *   --child-jvm-opts "..."  flags of the child JVMs (default: this JVM's flags); lag: with
 *                  -Djbroker.bench.lag-timeline=FILE a clone writes its largest lag per 10 ms window there
 * </pre>
 *
 * Keys are {@code "k<i>"} strings (distinct, so every put inserts). Each mode prints one {@code
 * RESULT} line. Times measured in a child JVM are its {@code System.nanoTime()}, compared with
 * this JVM's: both are CLOCK_MONOTONIC on Linux (same machine).
 */
public final class ReplicationBench {
  private static final String STORE = "bench";
  private static final Duration LONG = Duration.ofMinutes(10);

  private ReplicationBench() {}

  public static void main(String[] args) throws Exception {
    MacroSupport.quietLogging();
    MacroArgs a = new MacroArgs(args);
    if (a.positional(0, "").equals("child")) {
      child(a);
      return;
    }
    String mode = a.string("mode", a.positional(0, "local"));
    Bench b = new Bench(mode, a);
    List<Path> tempDirs = new ArrayList<>();
    try {
      switch (mode) {
        case "local" -> b.local(tempDirs);
        case "replicated" -> b.replicated(tempDirs);
        case "clone-puts", "put-unique-latency" -> b.onClone(tempDirs);
        case "sync" -> b.sync(tempDirs);
        case "lag" -> b.lag(tempDirs);
        default -> throw new IllegalArgumentException(
            "mode must be local, replicated, clone-puts, put-unique-latency, sync or lag, got " + mode);
      }
    } finally {
      for (Path d : tempDirs) {
        deleteTree(d);
      }
    }
    // Netty and store threads may linger briefly; the result is printed
    System.exit(0);
  }

  /** The parent's side: parameters and the modes. */
  private static final class Bench {
    final String mode;
    final MacroArgs a;
    final boolean tls;
    final long count;
    final long warmupPuts;
    final int window;
    final int threads;
    final String backend;
    final String valueKind;
    final String jvmOpts;

    Bench(String mode, MacroArgs a) {
      this.mode = mode;
      this.a = a;
      tls = a.flag("tls", true);
      count = a.longValue("count", mode.equals("put-unique-latency") ? 50_000 : 1_000_000);
      warmupPuts = a.longValue("warmup-puts", mode.equals("sync") || mode.equals("lag") ? 0
          : mode.equals("put-unique-latency") ? Math.min(count / 5, 5_000) : Math.min(count / 4, 200_000));
      window = a.integer("window", 16_384);
      threads = a.integer("threads", 1);
      backend = a.string("backend", "memory");
      valueKind = a.string("value", "int");
      jvmOpts = a.string("child-jvm-opts", null);
      if (!valueKind.equals("int") && !valueKind.equals("conn")) {
        throw new IllegalArgumentException("--value must be int or conn, got " + valueKind);
      }
    }

    String params() {
      return "backend=" + backend + " value=" + valueKind + " tls=" + (tls ? "on" : "off") + " threads=" + threads
          + " window=" + window;
    }

    List<String> common() {
      List<String> l = new ArrayList<>(List.of("tls=" + tls, "value=" + valueKind));
      if (a.string("tick", null) != null) {
        l.add("tick=" + a.string("tick", null));
      }
      return l;
    }

    // ---- local ------------------------------------------------------------------------------

    void local(List<Path> tempDirs) throws Exception {
      try (Endpoint ep = MacroSupport.endpoint(tls);
          StoreManager mgr = new StoreManager(ep, settings(a), Clock.system())) {
        MasterStore master = attachMaster(mgr, backend, backendOptions(a, backend, tempDirs));
        long keys = a.longValue("keys", 0);
        // with --keys, the warm-up puts insert the key set and the measured ones overwrite it
        putAll(master, keys > 0 ? "k" : "w", warmupPuts, threads, window, valueKind, false, keys);
        PutRun r = putAll(master, "k", count, threads, window, valueKind, false, keys);
        StoreInfo info = master.info().get(60, TimeUnit.SECONDS);
        System.out.println(String.format(Locale.ROOT,
            "RESULT ReplicationBench mode=local %s keys=%s count=%d warmup-puts=%d elapsed=%s rate=%s failures=%d%s entries=%d",
            params(), keys > 0 ? Long.toString(keys) : "distinct", count, warmupPuts, MacroSupport.secs(r.nanos()), MacroSupport.rate(count, r.nanos()),
            r.failures(), r.firstFailure(), info.entries()));
      }
    }

    // ---- replicated ---------------------------------------------------------------------------

    /**
     * Starts {@code clones} clone JVMs that peer with this endpoint's {@code port} (added to
     * {@code children} as they start, so the caller stops them whatever happens), and waits until
     * each has synchronised and the master counts them all.
     */
    private void startClones(int port, int clones, List<ChildJvm> children, MasterStore master) throws Exception {
      for (int i = 0; i < clones; i++) {
        List<String> args = new ArrayList<>(List.of("role=clone", "peer=127.0.0.1:" + port));
        args.addAll(common());
        children.add(new ChildJvm("clone-" + (i + 1), ReplicationBench.class, jvmOpts, args));
      }
      for (ChildJvm c : children) {
        c.expect("SYNCED", Duration.ofSeconds(120));
      }
      awaitClones(master, clones);
    }

    void replicated(List<Path> tempDirs) throws Exception {
      int clones = a.integer("clones", 1);
      List<ChildJvm> children = new ArrayList<>();
      try (Endpoint ep = MacroSupport.endpoint(tls);
          StoreManager mgr = new StoreManager(ep, settings(a), Clock.system())) {
        int port = ep.listen("127.0.0.1", 0);
        MasterStore master = attachMaster(mgr, backend, backendOptions(a, backend, tempDirs));
        startClones(port, clones, children, master);
        // --keys K: the warm-up inserts k0 … k(K-1), the measured puts overwrite them, and a last
        // put of a new key marks the end (a clone applies updates in order: once it holds the
        // marker it holds every put before it)
        long keys = a.longValue("keys", 0);
        if (keys > 0 && (threads != 1 || warmupPuts < keys)) {
          throw new IllegalArgumentException("--keys needs --threads 1 and --warmup-puts >= --keys");
        }
        if (warmupPuts > 0) {
          putAll(master, keys > 0 ? "k" : "w", warmupPuts, threads, window, valueKind, false, keys);
          for (ChildJvm c : children) {
            c.send("EXPECT " + (keys > 0 ? keys : warmupPuts));
          }
          for (ChildJvm c : children) {
            c.expect("REACHED", LONG);
          }
        }
        long total = keys > 0 ? keys + 1 : warmupPuts + count;
        for (ChildJvm c : children) {
          c.send("EXPECT " + total); // the clones poll their size from now on
        }
        PutRun r = putAll(master, "k", count, threads, window, valueKind, false, keys);
        if (keys > 0) {
          Futures.await(master.put(Data.of("the-end"), Data.integer(0)), LONG, () -> "the end marker");
        }
        long last = 0;
        StringBuilder per = new StringBuilder();
        for (ChildJvm c : children) {
          // REACHED <n> <nanoTime> <entries>
          String[] w = c.expect("REACHED", LONG).split(" ");
          long at = Long.parseLong(w[2]) - r.start();
          last = Math.max(last, at);
          per.append(per.length() == 0 ? "" : ",").append(MacroSupport.secs(at));
        }
        long idle0 = System.nanoTime();
        master.awaitIdle(Duration.ofSeconds(60)).get(70, TimeUnit.SECONDS);
        long idleWait = System.nanoTime() - idle0;
        System.out.println(String.format(Locale.ROOT,
            "RESULT ReplicationBench mode=replicated clones=%d %s keys=%s count=%d warmup-puts=%d elapsed=%s rate=%s"
                + " (first put -> last clone holds all) master-acked=%s master-ack-rate=%s clones-converged-at=[%s]"
                + " then-master-idle-after=%s failures=%d%s",
            clones, params(), keys > 0 ? Long.toString(keys) : "distinct", count, warmupPuts, MacroSupport.secs(last), MacroSupport.rate(count, last),
            MacroSupport.secs(r.nanos()), MacroSupport.rate(count, r.nanos()), per, MacroSupport.secs(idleWait),
            r.failures(), r.firstFailure()));
      } finally {
        ChildJvm.closeAll(children);
      }
    }

    // ---- clone-puts / put-unique-latency: the clone here, the master in a child ----------------

    void onClone(List<Path> tempDirs) throws Exception {
      List<ChildJvm> children = new ArrayList<>();
      try (Endpoint ep = MacroSupport.endpoint(tls);
          StoreManager mgr = new StoreManager(ep, settings(a), Clock.system())) {
        int port = ep.listen("127.0.0.1", 0);
        CloneStore clone = mgr.attachClone(STORE);
        List<String> args = new ArrayList<>(List.of("role=master", "peer=127.0.0.1:" + port, "backend=" + backend));
        args.addAll(common());
        if (!backend.equals("memory")) {
          Path dir = Files.createTempDirectory("jbroker-bench-master");
          tempDirs.add(dir);
          args.add("path=" + dir.resolve(backend.equals("sqlite") ? "store.sqlite" : "rocksdb"));
        }
        if (a.string("durability", null) != null) {
          args.add("durability=" + a.string("durability", null));
        }
        ChildJvm master = new ChildJvm("master", ReplicationBench.class, jvmOpts, args);
        children.add(master);
        master.expect("READY", Duration.ofSeconds(120));
        if (!MacroSupport.await(() -> Futures.await(clone.synced(), Duration.ofSeconds(10), () -> "synced"),
            Duration.ofSeconds(120))) {
          throw new IllegalStateException("the clone did not synchronise with its master");
        }
        if (mode.equals("clone-puts")) {
          boolean unique = a.string("op", "put").equals("put-unique");
          putAll(clone, "w", warmupPuts, threads, window, valueKind, unique, 0);
          PutRun r = putAll(clone, "k", count, threads, window, valueKind, unique, 0);
          master.send("INFO");
          String info = master.expect("INFO", Duration.ofSeconds(60)).substring(5);
          System.out.println(String.format(Locale.ROOT,
              "RESULT ReplicationBench mode=clone-puts op=" + a.string("op", "put") + " %s count=%d warmup-puts=%d elapsed=%s rate=%s"
                  + " (first put -> last acknowledged by the master) failures=%d%s master: %s",
              params(), count, warmupPuts, MacroSupport.secs(r.nanos()), MacroSupport.rate(count, r.nanos()),
              r.failures(), r.firstFailure(), info));
        } else {
          VectorData template = template(valueKind);
          long inserted = 0;
          long failures = 0;
          String firstFailure = "";
          MacroSupport.Samples samples = new MacroSupport.Samples(count);
          long t0 = 0;
          for (long i = -warmupPuts; i < count; i++) {
            if (i == 0) {
              t0 = System.nanoTime();
            }
            Data key = Data.of("u" + i);
            Data value = value(template, i);
            long s = System.nanoTime();
            try {
              boolean ok = clone.putUnique(key, value).get(60, TimeUnit.SECONDS);
              long lat = System.nanoTime() - s;
              if (i >= 0) {
                samples.add(lat);
                inserted += ok ? 1 : 0;
              }
            } catch (java.util.concurrent.ExecutionException e) {
              failures++;
              if (firstFailure.isEmpty()) {
                firstFailure = " first-failure=" + Futures.unwrap(e);
              }
            }
          }
          long elapsed = System.nanoTime() - t0;
          System.out.println(String.format(Locale.ROOT,
              "RESULT ReplicationBench mode=put-unique-latency %s count=%d warmup=%d elapsed=%s rate=%s inserted=%d"
                  + " failures=%d%s latency(putUnique call -> result, sequential) %s",
              params().replaceAll(" threads=\\S+ window=\\S+", ""), count, warmupPuts, MacroSupport.secs(elapsed),
              MacroSupport.rate(count, elapsed), inserted, failures, firstFailure, samples.percentilesMicros()));
        }
      } finally {
        ChildJvm.closeAll(children);
      }
    }

    // ---- sync ---------------------------------------------------------------------------------

    void sync(List<Path> tempDirs) throws Exception {
      List<ChildJvm> children = new ArrayList<>();
      try (Endpoint ep = MacroSupport.endpoint(tls);
          StoreManager mgr = new StoreManager(ep, settings(a), Clock.system())) {
        int port = ep.listen("127.0.0.1", 0);
        MasterStore master = attachMaster(mgr, backend, backendOptions(a, backend, tempDirs));
        PutRun fill = putAll(master, "k", count, threads, window, valueKind);
        List<String> args = new ArrayList<>(List.of("role=clone", "peer=127.0.0.1:" + port, "attach-after-peer=true"));
        args.addAll(common());
        long spawned = System.nanoTime();
        ChildJvm c = new ChildJvm("clone", ReplicationBench.class, jvmOpts, args);
        children.add(c);
        c.expect("PEERED", Duration.ofSeconds(120));
        c.send("EXPECT " + count);
        // REACHED <n> <nanoTime> <entries> <attachedAt>
        String[] w = c.expect("REACHED", LONG).split(" ");
        long done = Long.parseLong(w[2]);
        long attached = Long.parseLong(w[4]);
        System.out.println(String.format(Locale.ROOT,
            "RESULT ReplicationBench mode=sync %s entries=%d elapsed=%s rate=%s (attachClone -> clone holds all)"
                + " from-spawn=%s (JVM start + peering included) fill=%s fill-failures=%d",
            params(), count, MacroSupport.secs(done - attached), MacroSupport.rate(count, done - attached),
            MacroSupport.secs(done - spawned), MacroSupport.rate(count, fill.nanos()), fill.failures()));
      } finally {
        ChildJvm.closeAll(children);
      }
    }

    // ---- lag ----------------------------------------------------------------------------------

    void lag(List<Path> tempDirs) throws Exception {
      int clones = a.integer("clones", 1);
      double rate = a.real("rate", 50_000);
      double seconds = a.real("seconds", 10);
      // C2 is still compiling the pipeline 10 s into a run at 380,000/s, with most of both cores
      // busy: a shorter warm-up measures the JIT rather than the steady state
      double warmup = a.real("warmup", 15);
      long total = Math.round(rate * (warmup + seconds));
      long warmCount = Math.round(rate * warmup);
      List<ChildJvm> children = new ArrayList<>();
      try (Endpoint ep = MacroSupport.endpoint(tls);
          StoreManager mgr = new StoreManager(ep, settings(a), Clock.system())) {
        int port = ep.listen("127.0.0.1", 0);
        MasterStore master = attachMaster(mgr, backend, backendOptions(a, backend, tempDirs));
        startClones(port, clones, children, master);
        for (ChildJvm c : children) {
          c.send("LAG " + total + " " + warmCount + " " + (warmup + seconds));
          c.expect("WATCHING", Duration.ofSeconds(60));
        }
        Pacer pacer = new Pacer(master, template(valueKind), rate, window);
        // both read once here: their first call loads classes, which must not stall the pacer later
        long[][] atMeasured = {MacroSupport.machineTicks(), MacroSupport.jvmWork()};
        long t0 = System.nanoTime();
        // The pacer runs one loop over warm-up and measured part alike: a loop that checked which
        // part it is in, or one that ended with the warm-up, would meet a branch C2 had compiled
        // as never taken and be deoptimised right at the start of the measured part, stalling the
        // pacer for as long as its recompilation takes. The start of the measured part is marked
        // from another thread, on time (the pacer keeps to the schedule within a few puts).
        Thread marker = new Thread(() -> {
          long wait;
          while ((wait = t0 + (long) (warmup * 1e9) - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
          }
          atMeasured[0] = MacroSupport.machineTicks();
          atMeasured[1] = MacroSupport.jvmWork();
          for (ChildJvm c : children) {
            try {
              c.send("MEASURING");
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e); // the child is gone: its LAG never comes either
            }
          }
        }, "bench-measured-part-marker");
        marker.start();
        long[] behind = pacer.pace(t0, total, warmCount);
        marker.join();
        long maxBehind = Math.max(behind[0], behind[1]);
        long maxBehindMeasured = behind[1];
        long[] machineAtMeasured = atMeasured[0];
        long[] jvmAtMeasured = atMeasured[1];
        long issued = System.nanoTime() - t0;
        String measuredWork = MacroSupport.machineShare(machineAtMeasured, MacroSupport.machineTicks())
            + " master(" + MacroSupport.jvmWorkDelta(jvmAtMeasured, MacroSupport.jvmWork()) + ")";
        pacer.drain();
        StringBuilder per = new StringBuilder();
        for (ChildJvm c : children) {
          // LAG samples=N p50=… p99=… p999=… max=…
          per.append(" ").append(c.name()).append("[").append(c.expect("LAG", LONG).substring(4)).append("]");
        }
        System.out.println(String.format(Locale.ROOT,
            "RESULT ReplicationBench mode=lag clones=%d %s target-rate=%.0f/s seconds=%.1f warmup=%.1f puts=%d"
                + " achieved-rate=%s max-puts-behind-schedule=%d (measured part: %d) failures=%d%s"
                + " measured-part: %s lag(master put call -> clone watch event)%s",
            clones, params().replaceAll(" threads=\\S+", ""), rate, seconds, warmup, total,
            MacroSupport.rate(total, issued), maxBehind, maxBehindMeasured, pacer.failures.get(),
            pacer.first.get() == null ? "" : " first-failure=" + pacer.first.get(), measuredWork, per));
      } finally {
        ChildJvm.closeAll(children);
      }
    }
  }

  /** Issues puts on a master at a fixed rate from one thread, at most {@code window} in flight. */
  private static final class Pacer {
    private final MasterStore master;
    private final VectorData template;
    private final double rate;
    private final Semaphore inFlight;
    private final int window;
    final AtomicLong failures = new AtomicLong();
    final AtomicReference<Throwable> first = new AtomicReference<>();

    Pacer(MasterStore master, VectorData template, double rate, int window) {
      this.master = master;
      this.template = template;
      this.rate = rate;
      this.window = window;
      this.inFlight = new Semaphore(window);
    }

    /**
     * Puts 0 … {@code total - 1}, put i due at {@code t0 + i / rate}; returns how many puts it was
     * behind schedule at most before put {@code measuredFrom} and from it on.
     */
    long[] pace(long t0, long total, long measuredFrom) {
      long[] maxBehind = new long[2];
      long n = 0;
      while (n < total) {
        long due = Math.min(total, (long) ((System.nanoTime() - t0) * (rate / 1e9)) + 1);
        // 0 in the warm-up, 1 after it, without a branch (see the caller)
        int part = (int) ((measuredFrom - 1 - n) >>> 63);
        maxBehind[part] = Math.max(maxBehind[part], due - n);
        while (n < due) {
          inFlight.acquireUninterruptibly();
          master.put(Data.of("l" + n), MacroSupport.stamped(template, System.nanoTime())).whenComplete((v, e) -> {
            if (e != null) {
              failures.incrementAndGet();
              first.compareAndSet(null, Futures.unwrap(e));
            }
            inFlight.release();
          });
          n++;
        }
        LockSupport.parkNanos(50_000);
      }
      return maxBehind;
    }

    /** Waits until every put issued has completed. */
    void drain() {
      inFlight.acquireUninterruptibly(window);
      inFlight.release(window);
    }
  }

  // ---- shared ---------------------------------------------------------------------------------

  private record PutRun(long start, long end, long failures, Throwable failure) {
    long nanos() {
      return end - start;
    }

    String firstFailure() {
      return failure == null ? "" : " first-failure=" + failure;
    }
  }

  /**
   * Puts {@code "<prefix><i>"} for i in [0, count) from {@code threads} threads (thread t takes
   * i = t, t + threads, …), asynchronously with at most {@code window} puts in flight in all;
   * from the first put to the last acknowledgement.
   */
  private static PutRun putAll(Store store, String prefix, long count, int threads, int window, String valueKind)
      throws InterruptedException {
    return putAll(store, prefix, count, threads, window, valueKind, false, 0);
  }

  /**
   * Like {@link #putAll(Store, String, long, int, int, String)}; {@code putUnique} issues putUnique
   * instead of put; {@code keys > 0} puts key {@code prefix + (i mod keys)} (overwrites after the
   * first {@code keys}) instead of distinct keys.
   */
  private static PutRun putAll(Store store, String prefix, long count, int threads, int window, String valueKind,
      boolean putUnique, long keys) throws InterruptedException {
    if (count <= 0) {
      return new PutRun(0, 0, 0, null);
    }
    Semaphore inFlight = new Semaphore(window);
    AtomicLong failures = new AtomicLong();
    AtomicReference<Throwable> first = new AtomicReference<>();
    VectorData template = template(valueKind);
    List<Thread> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int offset = t;
      Thread w = new Thread(() -> {
        for (long i = offset; i < count; i += threads) {
          inFlight.acquireUninterruptibly();
          Data key = Data.of(prefix + (keys > 0 ? i % keys : i));
          java.util.concurrent.CompletableFuture<?> f = putUnique ? store.putUnique(key, value(template, i))
              : store.put(key, value(template, i));
          f.whenComplete((v, e) -> {
            if (e != null) {
              failures.incrementAndGet();
              first.compareAndSet(null, Futures.unwrap(e));
            }
            inFlight.release();
          });
        }
      }, "bench-put-" + t);
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    inFlight.acquireUninterruptibly(window);
    long end = System.nanoTime();
    inFlight.release(window);
    return new PutRun(start, end, failures.get(), first.get());
  }

  /** The value template: {@code (i)} as a one-element vector, or the conn record. */
  private static VectorData template(String valueKind) {
    return valueKind.equals("conn") ? Payloads.connLogEvent() : Data.vector(Data.integer(0));
  }

  private static Data value(VectorData template, long i) {
    return template.size() == 1 ? Data.integer(i) : template;
  }

  private static ReplicationSettings settings(MacroArgs a) {
    ReplicationSettings s = ReplicationSettings.defaults();
    String tick = a.string("tick", null);
    return tick == null ? s : s.withTick(Duration.ofMillis(Long.parseLong(tick)));
  }

  private static MasterStore attachMaster(StoreManager mgr, String backend, BackendOptions options) {
    return mgr.attachMaster(STORE, backend, options);
  }

  /** Options of the master's backend; persistent ones get a fresh temporary directory. */
  private static BackendOptions backendOptions(MacroArgs a, String backend, List<Path> tempDirs) throws IOException {
    BackendOptions o = BackendOptions.empty();
    if (!backend.equals("memory")) {
      String path = a.string("path", null);
      if (path == null) {
        Path dir = Files.createTempDirectory("jbroker-bench-" + backend);
        tempDirs.add(dir);
        path = dir.resolve(backend.equals("sqlite") ? "store.sqlite" : "rocksdb").toString();
      }
      o = o.with("path", path);
    }
    if (a.string("durability", null) != null) {
      o = o.with(BackendOptions.DURABILITY, a.string("durability", null));
    }
    return o;
  }

  private static void awaitClones(MasterStore master, int clones) {
    if (!MacroSupport.await(() -> Futures.await(master.info(), Duration.ofSeconds(10), () -> "info").clones() >= clones,
        Duration.ofSeconds(60))) {
      throw new IllegalStateException("the master does not count " + clones + " clones");
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }

  // ---- child JVMs -----------------------------------------------------------------------------

  /**
   * {@code child role=clone peer=H:P [attach-after-peer=true]}: prints {@code SYNCED} (or {@code
   * PEERED} before attaching), then answers {@code EXPECT n} with {@code REACHED n <nanoTime>
   * <entries> <attachedAt>} once its replica holds n entries (polled every 0.5 ms), and {@code LAG
   * total warm seconds} with {@code WATCHING}, then {@code LAG …} once it saw {@code total} inserts
   * (of which the first {@code warm} are left out; {@code MEASURING} marks when the parent's
   * measured part began, for the JIT and GC figures).
   * {@code child role=master peer=H:P backend=… [path=…]}: prints {@code READY}, answers {@code
   * INFO}. Ends when stdin closes.
   */
  private static void child(MacroArgs a) throws Exception {
    LinkedBlockingQueue<String> commands = MacroSupport.parentCommands();
    String[] hp = a.string("peer", "").split(":");
    Endpoint ep = MacroSupport.endpoint(a.flag("tls", true));
    StoreManager mgr = new StoreManager(ep, settings(a), Clock.system());
    if (a.string("role", "clone").equals("master")) {
      BackendOptions o = BackendOptions.empty();
      if (a.string("path", null) != null) {
        o = o.with("path", a.string("path", null));
      }
      if (a.string("durability", null) != null) {
        o = o.with(BackendOptions.DURABILITY, a.string("durability", null));
      }
      MasterStore master = attachMaster(mgr, a.string("backend", "memory"), o);
      ep.peer(hp[0], Integer.parseInt(hp[1]), Duration.ofSeconds(60));
      MacroSupport.say("READY");
      while (true) {
        MacroSupport.nextCommand(commands, "INFO");
        StoreInfo i = master.info().get(60, TimeUnit.SECONDS);
        MacroSupport.say("INFO entries=" + i.entries() + " clones=" + i.clones() + " seq=" + i.seq());
      }
    }
    CloneStore clone;
    long attachedAt;
    if (a.flag("attach-after-peer", false)) {
      ep.peer(hp[0], Integer.parseInt(hp[1]), Duration.ofSeconds(60));
      String masterTopic = io.jbroker.endpoint.wire.Topics.join(STORE, "<$>/data/master");
      if (!MacroSupport.await(() -> ep.peerAdvertises(masterTopic), Duration.ofSeconds(60))) {
        throw new IllegalStateException("the master's topic was never advertised");
      }
      MacroSupport.say("PEERED");
      String cmd = MacroSupport.nextCommand(commands, "EXPECT");
      commands.add(cmd); // handled below
      attachedAt = System.nanoTime();
      clone = mgr.attachClone(STORE);
    } else {
      attachedAt = System.nanoTime();
      clone = mgr.attachClone(STORE);
      ep.peer(hp[0], Integer.parseInt(hp[1]), Duration.ofSeconds(60));
      if (!MacroSupport.await(() -> Futures.await(clone.synced(), Duration.ofSeconds(10), () -> "synced"),
          Duration.ofSeconds(120))) {
        throw new IllegalStateException("the clone did not synchronise");
      }
      MacroSupport.say("SYNCED");
    }
    long[][] jvmAtMeasured = {null}; // JIT and GC figures when the measured part of a lag run began
    while (true) {
      String cmd = commands.take();
      String[] w = cmd.split(" ");
      switch (w[0]) {
        case "EXPECT" -> {
          long n = Long.parseLong(w[1]);
          while (true) {
            StoreInfo i = clone.info().get(60, TimeUnit.SECONDS);
            if (i.entries() >= n) {
              MacroSupport.say("REACHED " + n + " " + System.nanoTime() + " " + i.entries() + " " + attachedAt);
              break;
            }
            LockSupport.parkNanos(500_000);
          }
        }
        case "LAG" -> {
          long total = Long.parseLong(w[1]);
          long warm = Long.parseLong(w[2]);
          double seconds = Double.parseDouble(w[3]);
          // every update is recorded the same way, warm-up or not: a callback that checked which
          // part it is in would be deoptimised by C2 when the answer first changed, stalling the
          // store thread right at the start of the measured part; the warm-up is cut off after
          MacroSupport.Samples samples = new MacroSupport.Samples(total);
          long[] seen = {0};
          // read once here: the first call loads classes, which must not stall anything later
          jvmAtMeasured[0] = MacroSupport.jvmWork();
          // windows by arrival from now; room for a late tail
          MacroSupport.LagTimeline timeline = new MacroSupport.LagTimeline(System.nanoTime(), 10_000_000, seconds * 2 + 5);
          clone.watch(e -> {
            Data v = e instanceof StoreEvent.Insert ins ? ins.value()
                : e instanceof StoreEvent.Update up ? up.newValue() : null;
            if (v == null) {
              return;
            }
            long now = System.nanoTime();
            long lag = now - MacroSupport.stamp(v);
            samples.add(lag);
            timeline.add(now, lag);
            if (++seen[0] == total) {
              String file = System.getProperty("jbroker.bench.lag-timeline");
              if (file != null) {
                try {
                  timeline.write(Path.of(file), warm);
                } catch (java.io.IOException x) {
                  MacroSupport.say("ERR lag timeline not written: " + x);
                }
              }
              MacroSupport.say("LAG samples=" + (samples.size() - warm) + " " + samples.percentilesMicros(warm)
                  + " clone(" + MacroSupport.jvmWorkDelta(jvmAtMeasured[0], MacroSupport.jvmWork()) + ") per-10ms "
                  + timeline.summary(2_000_000, 5, warm));
            }
          });
          // watch registers on the store thread; a round trip there makes sure it is in place
          clone.info().get(60, TimeUnit.SECONDS);
          MacroSupport.say("WATCHING");
        }
        case "MEASURING" -> jvmAtMeasured[0] = MacroSupport.jvmWork(); // the parent's warm-up ended
        default -> MacroSupport.say("ERR unknown command " + cmd);
      }
    }
  }
}
