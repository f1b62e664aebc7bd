package io.jbroker.node.bench;

import io.grpc.ManagedChannel;
import io.jbroker.node.runtime.EventLoops;
import io.netty.channel.EventLoopGroup;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.jbroker.data.Data;
import io.jbroker.node.ExitCodes;
import io.jbroker.node.Node;
import io.jbroker.node.admin.DataProtos;
import io.jbroker.node.config.ConfigLoader;
import io.jbroker.node.config.Environment;
import io.jbroker.node.config.Flags;
import io.jbroker.node.config.NodeConfig;
import io.jbroker.proto.admin.v1.GetRequest;
import io.jbroker.proto.admin.v1.GetResponse;
import io.grpc.stub.StreamObserver;
import io.jbroker.proto.admin.v1.KVGrpc;
import io.jbroker.proto.admin.v1.PutRequest;
import io.jbroker.proto.admin.v1.WatchGrpc;
import io.jbroker.proto.admin.v1.WatchRequest;
import io.jbroker.proto.admin.v1.WatchResponse;
import io.jbroker.store.Store;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jbroker bench}: load against the admin API. By default it starts an embedded node (a
 * memory master {@code bench}, the admin API on a free loopback port, no peers, no metrics) and
 * talks to it over real gRPC on loopback, so one command measures the whole admin path (client
 * stubs, HTTP/2, server, store). {@code get} can also target a running node ({@code --target}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measures the admin API: unary get throughput and watch event delivery.",
    subcommands = {BenchCommand.GetBench.class, BenchCommand.WatchBench.class})
public final class BenchCommand {
  public BenchCommand() {}

  /** A loopback node for benchmarks. */
  static Node embeddedNode(Path dir) {
    Flags f = new Flags()
        .set("data-dir", dir.toString(), "bench")
        .assignment("listen=[]")
        .assignment("admin.port=0")
        .assignment("admin.stream-buffer=4000000")
        .assignment("metrics.enabled=false")
        .assignment("log-level=warning")
        .assignment("stores={bench={role=master,backend=memory}}");
    return Node.start(ConfigLoader.load(null, Map.of(), f.toConfig()));
  }

  /**
   * The clients' own network threads. The load generator runs in the same process as the
   * embedded node, so its threads compete with the node's for the same cores; gRPC's default
   * client group (2 per core) would give each connection a thread of its own that wakes for each
   * answer, where one thread reading every connection in one pass costs fewer wake-ups.
   */
  static EventLoopGroup clientGroup(int threads) {
    return EventLoops.group("jbroker-bench-client", threads);
  }

  static ManagedChannel channel(String host, int port, EventLoopGroup group) {
    return NettyChannelBuilder.forAddress(host, port).usePlaintext().directExecutor().flowControlWindow(4 << 20)
        .eventLoopGroup(group).channelType(EventLoops.clientChannel())
        .build();
  }

  /** {@code jbroker bench get}. */
  @Command(name = "get", mixinStandardHelpOptions = true,
      description = "Closed-loop unary Get calls from concurrent clients; prints requests/s and latency percentiles.")
  static final class GetBench implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--clients", defaultValue = "16", description = "concurrent clients, each with one call in flight (default ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--channels", defaultValue = "4", description = "HTTP/2 connections the clients share (default ${DEFAULT-VALUE})")
    int channels;

    @Option(names = "--duration", defaultValue = "10", description = "seconds measured (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--warmup", defaultValue = "5", description = "seconds of warm-up (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--keys", defaultValue = "1000", description = "distinct keys read (default ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--target", paramLabel = "HOST:PORT", description = "a running node (default: an embedded one)")
    String target;

    @Option(names = "--store", defaultValue = "bench", description = "store on --target (default ${DEFAULT-VALUE})")
    String store;

    @Option(names = "--token", description = "bearer token for --target")
    String token;

    @Option(names = "--deadline", defaultValue = "10", description = "deadline of each call in seconds, 0: none "
        + "(default ${DEFAULT-VALUE})")
    int deadline;

    @Option(names = "--client-threads", defaultValue = "1", description = "network threads of the clients "
        + "(default ${DEFAULT-VALUE})")
    int clientThreads;

    @Override
    public Integer call() throws Exception {
      PrintStream out = System.out;
      Path dir = null;
      Node node = null;
      String host = "127.0.0.1";
      int port;
      if (target == null) {
        dir = Files.createTempDirectory("jbroker-bench");
        node = embeddedNode(dir);
        port = node.adminPort();
        store = "bench";
      } else {
        NodeConfig.HostPort hp = Environment.parseHostPort(target);
        if (hp == null) {
          throw new IllegalArgumentException("--target " + target + ": expected HOST:PORT");
        }
        host = hp.host();
        port = hp.port();
      }
      List<ManagedChannel> chans = new ArrayList<>();
      EventLoopGroup group = clientGroup(clientThreads);
      try {
        for (int i = 0; i < channels; i++) {
          ManagedChannel ch = channel(host, port, group);
          chans.add(ch);
        }
        List<KVGrpc.KVStub> stubs = new ArrayList<>();
        for (ManagedChannel ch : chans) {
          KVGrpc.KVStub s = KVGrpc.newStub(ch);
          if (token != null) {
            s = s.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(bearer(token)));
          }
          stubs.add(s);
        }
        io.jbroker.proto.admin.v1.Data[] keyProtos = new io.jbroker.proto.admin.v1.Data[keys];
        KVGrpc.KVBlockingStub loader = KVGrpc.newBlockingStub(chans.get(0));
        if (token != null) {
          loader = loader.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(bearer(token)));
        }
        for (int i = 0; i < keys; i++) {
          keyProtos[i] = DataProtos.toProto(Data.of("key-" + i));
          loader.put(PutRequest.newBuilder().setStore(store).setKey(keyProtos[i])
              .setValue(DataProtos.toProto(Data.of("value-" + i))).build());
        }
        out.printf(Locale.ROOT, "bench get: %d clients on %d connections (%d client thread%s), %d keys, deadline %s, "
            + "%ds warm-up, %ds measured, target %s%n", clients, channels, clientThreads, clientThreads == 1 ? "" : "s",
            keys, deadline == 0 ? "none" : deadline + "s", warmup, seconds,
            target == null ? "embedded node 127.0.0.1:" + port : target);
        Client[] cs = new Client[clients];
        for (int i = 0; i < clients; i++) {
          cs[i] = new Client(stubs.get(i % stubs.size()), store, keyProtos, i, deadline);
          cs[i].next();
        }
        Thread.sleep(warmup * 1000L);
        for (Client c : cs) {
          c.reset();
        }
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        Thread.sleep(seconds * 1000L);
        long elapsed = System.nanoTime() - start;
        long cpu = processCpuNanos() - cpuStart;
        long total = 0;
        long errors = 0;
        List<long[]> samples = new ArrayList<>();
        for (Client c : cs) {
          c.stop = true;
          total += c.done.get();
          errors += c.errors.get();
          samples.add(c.samples());
        }
        long[] all = samples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double rate = total / (elapsed / 1e9);
        out.printf(Locale.ROOT, "get: %,d requests in %.1fs = %,.0f requests/s, %d errors; latency p50 %.2f ms, p99 %.2f ms, "
            + "p99.9 %.2f ms%n", total, elapsed / 1e9, rate, errors, pct(all, 0.50), pct(all, 0.99), pct(all, 0.999));
        out.printf(Locale.ROOT, "cpu: this process used %.2f of %d cores (%.0f µs per request, client and server); "
            + "load average %s%n", cpu / (double) elapsed, Runtime.getRuntime().availableProcessors(),
            cpu / 1e3 / Math.max(1, total), loadAverage());
        return errors == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
      } finally {
        for (ManagedChannel ch : chans) {
          ch.shutdownNow();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        if (node != null) {
          node.close();
        }
      }
    }
  }

  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() : 0;
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException | RuntimeException e) {
      return String.format(Locale.ROOT, "%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
          .getSystemLoadAverage());
    }
  }

  private static io.grpc.Metadata bearer(String token) {
    io.grpc.Metadata m = new io.grpc.Metadata();
    m.put(io.jbroker.node.admin.BearerTokenInterceptor.AUTHORIZATION, "Bearer " + token);
    return m;
  }

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
  }

  /** One closed-loop client: the next call starts when the previous one completes. */
  private static final class Client implements StreamObserver<GetResponse> {
    private static final int SAMPLES = 1 << 16;
    final KVGrpc.KVStub stub;
    final String store;
    final io.jbroker.proto.admin.v1.Data[] keys;
    final AtomicLong done = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final long[] ring = new long[SAMPLES];
    final int deadlineSeconds;
    volatile boolean stop;
    int next;
    long started;

    Client(KVGrpc.KVStub stub, String store, io.jbroker.proto.admin.v1.Data[] keys, int seed, int deadlineSeconds) {
      this.stub = stub;
      this.store = store;
      this.keys = keys;
      this.next = seed;
      this.deadlineSeconds = deadlineSeconds;
    }

    void next() {
      if (stop) {
        return;
      }
      next = (next + 7919) % keys.length;
      started = System.nanoTime();
      KVGrpc.KVStub s = deadlineSeconds == 0 ? stub : stub.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS);
      s.get(GetRequest.newBuilder().setStore(store).setKey(keys[next]).build(), this);
    }

    @Override
    public void onNext(GetResponse r) {
      long n = done.getAndIncrement();
      ring[(int) (n & (SAMPLES - 1))] = System.nanoTime() - started;
    }

    @Override
    public void onCompleted() {
      next();
    }

    @Override
    public void onError(Throwable t) {
      errors.incrementAndGet();
      next();
    }

    void reset() {
      done.set(0);
      errors.set(0);
    }

    long[] samples() {
      int n = (int) Math.min(done.get(), SAMPLES);
      return Arrays.copyOf(ring, n);
    }
  }

  /** {@code jbroker bench watch}. */
  @Command(name = "watch", mixinStandardHelpOptions = true,
      description = "Writes to an embedded master as fast as it applies them while Watch streams deliver the events "
          + "over gRPC; prints the events/s each watcher received.")
  static final class WatchBench implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--events", defaultValue = "2000000", description = "mutations written (default ${DEFAULT-VALUE})")
    int events;

    @Option(names = "--warmup-events", defaultValue = "500000", description = "mutations before measuring (default ${DEFAULT-VALUE})")
    int warmupEvents;

    @Option(names = "--watchers", defaultValue = "1", description = "concurrent Watch streams (default ${DEFAULT-VALUE})")
    int watchers;

    @Option(names = "--keys", defaultValue = "100000", description = "distinct keys written (default ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--in-flight", defaultValue = "8192", description = "writes in flight (default ${DEFAULT-VALUE})")
    int inFlight;

    @Option(names = "--client-threads", defaultValue = "1", description = "network threads of the watchers "
        + "(default ${DEFAULT-VALUE})")
    int clientThreads;

    @Override
    public Integer call() throws Exception {
      PrintStream out = System.out;
      Path dir = Files.createTempDirectory("jbroker-bench");
      EventLoopGroup group = clientGroup(clientThreads);
      try (Node node = embeddedNode(dir)) {
        Store store = node.stores().store("bench").orElseThrow();
        int total = warmupEvents + events;
        List<ManagedChannel> chans = new ArrayList<>();
        List<Watcher> ws = new ArrayList<>();
        for (int i = 0; i < watchers; i++) {
          ManagedChannel ch = channel("127.0.0.1", node.adminPort(), group);
          chans.add(ch);
          Watcher w = new Watcher(warmupEvents, total);
          WatchGrpc.newStub(ch).watch(WatchRequest.newBuilder().setStore("bench").setSnapshot(true).build(), w);
          ws.add(w);
        }
        for (Watcher w : ws) {
          if (!w.ready.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("a watch did not start within 30 s");
          }
        }
        out.printf(Locale.ROOT, "bench watch: %d watcher(s), %,d warm-up + %,d measured mutations (put) over %,d keys, "
            + "%d writes in flight, embedded memory master%n", watchers, warmupEvents, events, keys, inFlight);
        Data[] keyData = new Data[keys];
        for (int i = 0; i < keys; i++) {
          keyData[i] = Data.of("k" + i);
        }
        Semaphore window = new Semaphore(inFlight);
        AtomicLong failed = new AtomicLong();
        long writeStart = 0;
        long cpuStart = 0;
        for (int i = 0; i < total; i++) {
          if (i == warmupEvents) {
            writeStart = System.nanoTime();
            cpuStart = processCpuNanos();
          }
          window.acquire();
          store.put(keyData[i % keys], Data.count(i)).whenComplete((v, e) -> {
            if (e != null) {
              failed.incrementAndGet();
            }
            window.release();
          });
        }
        window.acquire(inFlight);
        long writeNanos = System.nanoTime() - writeStart;
        for (Watcher w : ws) {
          if (!w.finished.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("a watcher received only " + w.received.get() + " of " + total + " events");
          }
        }
        long cpu = processCpuNanos() - cpuStart;
        long wall = System.nanoTime() - writeStart;
        out.printf(Locale.ROOT, "writer: %,.0f mutations/s applied by the master (%d failed)%n",
            events / (writeNanos / 1e9), failed.get());
        out.printf(Locale.ROOT, "cpu: this process used %.2f of %d cores (%.2f µs per event: writer, store, "
            + "server and watch clients); load average %s%n", cpu / (double) wall, Runtime.getRuntime().availableProcessors(),
            cpu / 1e3 / ((double) events * watchers), loadAverage());
        int i = 0;
        int code = ExitCodes.OK;
        for (Watcher w : ws) {
          double secs = (w.lastNanos - w.firstNanos) / 1e9;
          out.printf(Locale.ROOT, "watcher %d: %,d events in %.2fs = %,.0f events/s (%,d messages)%n", i++,
              w.measured(), secs, w.measured() / secs, w.messages.get());
          if (w.error != null) {
            out.println("watcher failed: " + w.error);
            code = ExitCodes.FAILURE;
          }
        }
        for (ManagedChannel ch : chans) {
          ch.shutdownNow();
        }
        return code;
      } finally {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
      }
    }
  }

  /** Counts events; measures from the first event after the warm-up to the last. */
  private static final class Watcher implements ClientResponseObserver<WatchRequest, WatchResponse> {
    final CountDownLatch ready = new CountDownLatch(1);
    final CountDownLatch finished = new CountDownLatch(1);
    final AtomicLong received = new AtomicLong();
    final AtomicLong messages = new AtomicLong();
    final long warmup;
    final long total;
    volatile long firstNanos;
    volatile long lastNanos;
    volatile long atFirst;
    volatile Throwable error;
    ClientCallStreamObserver<WatchRequest> call;

    Watcher(long warmup, long total) {
      this.warmup = warmup;
      this.total = total;
    }

    long measured() {
      return received.get() - atFirst;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(WatchResponse r) {
      if (r.getSnapshotComplete()) {
        ready.countDown();
      }
      int n = r.getEventsCount();
      if (n == 0) {
        return;
      }
      messages.incrementAndGet();
      long before = received.getAndAdd(n);
      if (before < warmup && before + n >= warmup) {
        firstNanos = System.nanoTime();
        atFirst = before + n;
      }
      if (before + n >= total) {
        lastNanos = System.nanoTime();
        finished.countDown();
        call.cancel("done", null);
      }
    }

    @Override
    public void onError(Throwable t) {
      if (finished.getCount() > 0) {
        error = t;
        ready.countDown();
        finished.countDown();
      }
    }

    @Override
    public void onCompleted() {
      finished.countDown();
    }
  }
}
