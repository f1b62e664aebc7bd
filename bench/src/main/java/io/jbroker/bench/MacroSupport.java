package io.jbroker.bench;

import io.jbroker.data.Data;
import io.jbroker.data.IntegerData;
import io.jbroker.data.TimestampData;
import io.jbroker.data.VectorData;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.EndpointConfig;
import io.jbroker.endpoint.tls.TlsConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** What the macro benchmarks share: logging, endpoints, the child side of the stdin protocol, percentiles. */
final class MacroSupport {
  private MacroSupport() {}

  /** slf4j-simple at warn unless the user chose a level; call first thing in main. */
  static void quietLogging() {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
  }

  /** An endpoint with the defaults (TLS with an ephemeral certificate) or without TLS. */
  static Endpoint endpoint(boolean tls) {
    return Endpoint.create(EndpointConfig.builder().tls(tls ? TlsConfig.ephemeral() : TlsConfig.disabled()).build());
  }

  /** Waits (polling every 0.2 ms, without spinning) until {@code condition}; false after {@code timeout}. */
  static boolean await(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(200_000);
    }
    return true;
  }

  /** Prints one protocol line to the parent. */
  static void say(String line) {
    synchronized (System.out) {
      System.out.println(line);
      System.out.flush();
    }
  }

  /**
   * The child's stdin: lines from the parent, in a queue; when stdin closes (the parent ended or
   * died) the child exits at once.
   */
  static LinkedBlockingQueue<String> parentCommands() {
    LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        String l;
        while ((l = r.readLine()) != null) {
          q.add(l);
        }
      } catch (IOException e) {
        // treat as closed
      }
      Runtime.getRuntime().halt(0);
    }, "bench-parent-watch");
    t.setDaemon(true);
    t.start();
    return q;
  }

  /** The next parent command starting with {@code prefix} (waits as long as it takes). */
  static String nextCommand(LinkedBlockingQueue<String> q, String prefix) throws InterruptedException {
    while (true) {
      String l = q.poll(1, TimeUnit.DAYS);
      if (l != null && l.startsWith(prefix)) {
        return l;
      }
    }
  }

  /** A growable array of longs (latency samples). */
  static final class Samples {
    private long[] values;
    private int size;

    Samples() {
      this(1 << 16);
    }

    /**
     * Room for {@code expected} samples up front: growing the array while recording copies tens
     * of megabytes on the recording thread (a clone's store thread, a subscriber's consumer),
     * a stall that would show up in the very latencies being recorded.
     */
    Samples(long expected) {
      values = new long[(int) Math.max(1 << 16, Math.min(expected + (expected >> 4), Integer.MAX_VALUE - 16))];
    }

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    /** {@code p50=… p99=… p999=… max=…} in microseconds (sorts a copy). */
    String percentilesMicros() {
      return percentilesMicros(0);
    }

    /** {@link #percentilesMicros()} of the samples after the first {@code skip}. */
    String percentilesMicros(long skip) {
      int from = (int) Math.min(size, Math.max(0, skip));
      if (size == from) {
        return "p50=n/a p99=n/a p999=n/a max=n/a";
      }
      long[] s = Arrays.copyOfRange(values, from, size);
      Arrays.sort(s);
      return String.format(Locale.ROOT, "p50=%.1fus p99=%.1fus p999=%.1fus max=%.1fus",
          at(s, 0.50) / 1e3, at(s, 0.99) / 1e3, at(s, 0.999) / 1e3, s[s.length - 1] / 1e3);
    }

    private static long at(long[] sorted, double q) {
      return sorted[(int) Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))];
    }
  }

  /** {@code event} with its first field replaced by {@code nanos} (an integer, or a conn record's timestamp). */
  static Data stamped(VectorData event, long nanos) {
    return event.replace(0, event.get(0) instanceof TimestampData ? Data.timestampNanos(nanos) : Data.integer(nanos));
  }

  /** The nanos {@link #stamped} put in. */
  static long stamp(Data d) {
    Data first = ((VectorData) d).get(0);
    return first instanceof TimestampData t ? t.nanos() : ((IntegerData) first).value();
  }

  static String rate(long count, long nanos) {
    return String.format(Locale.ROOT, "%.0f/s", count / Math.max(nanos / 1e9, 1e-9));
  }

  static String secs(long nanos) {
    return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
  }

  /**
   * The machine's CPU time so far from the first line of {@code /proc/stat}, in ticks: user (with
   * nice), system (with irq and softirq), idle (with iowait), steal; null where there is none.
   */
  static long[] machineTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long user = Long.parseLong(f[1]) + Long.parseLong(f[2]);
      long system = Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7]);
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
      return new long[] {user, system, idle, steal};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * {@code machine-cpu(user=…% system=…% idle=…% steal=…%)} between two {@link #machineTicks}; the
   * steal share is the time the hypervisor ran something else while this machine had work.
   */
  static String machineShare(long[] from, long[] to) {
    if (from == null || to == null) {
      return "machine-cpu(n/a)";
    }
    long total = 0;
    for (int i = 0; i < from.length; i++) {
      total += to[i] - from[i];
    }
    double t = Math.max(total, 1) / 100.0;
    return String.format(Locale.ROOT, "machine-cpu(user=%.0f%% system=%.0f%% idle=%.0f%% steal=%.0f%%)",
        (to[0] - from[0]) / t, (to[1] - from[1]) / t, (to[2] - from[2]) / t, (to[3] - from[3]) / t);
  }

  /** This JVM's JIT compilation time and collections so far: {compile ms, collections, collection ms}. */
  static long[] jvmWork() {
    long count = 0;
    long millis = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, gc.getCollectionCount());
      millis += Math.max(0, gc.getCollectionTime());
    }
    var jit = ManagementFactory.getCompilationMXBean();
    long compile = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    return new long[] {compile, count, millis};
  }

  /**
   * {@code jit=…ms gc=N/…ms} between two {@link #jvmWork}: the JIT's compilation time (which on a
   * loaded machine counts waiting for a core too) and the collections with their summed duration.
   */
  static String jvmWorkDelta(long[] from, long[] to) {
    String jit = from[0] < 0 ? "n/a" : (to[0] - from[0]) + "ms";
    return "jit=" + jit + " gc=" + (to[1] - from[1]) + "/" + (to[2] - from[2]) + "ms";
  }

  /**
   * The largest lag per window of {@code windowNanos} by arrival time from {@code start}: where in
   * a run the tail comes from (a few long stalls, or lag spread over the whole run).
   */
  static final class LagTimeline {
    private final long start;
    private final long windowNanos;
    private final long[] max;
    private final int[] count;

    LagTimeline(long start, long windowNanos, double seconds) {
      this.start = start;
      this.windowNanos = windowNanos;
      int windows = (int) Math.min(Integer.MAX_VALUE - 16, Math.ceil(seconds * 1e9 / windowNanos) + 1);
      this.max = new long[windows];
      this.count = new int[windows];
    }

    /** A sample that arrived at {@code arrival} (ignored outside the timeline). */
    void add(long arrival, long lag) {
      long since = arrival - start;
      long w = since / windowNanos;
      if (since >= 0 && w < max.length) {
        count[(int) w]++;
        if (lag > max[(int) w]) {
          max[(int) w] = lag;
        }
      }
    }

    /**
     * The first window holding one of the samples after the first {@code skip}, in arrival order
     * (a warm-up's last samples may share it).
     */
    private int firstWindowAfter(long skip) {
      long seen = 0;
      for (int i = 0; i < count.length; i++) {
        seen += count[i];
        if (seen > skip) {
          return i;
        }
      }
      return count.length;
    }

    /**
     * One line per window from the one after the first {@code skip} samples that saw a sample:
     * its offset in ms from that window and its largest lag in µs.
     */
    void write(Path file, long skip) throws IOException {
      int from = firstWindowAfter(skip);
      long firstWindow = start + from * windowNanos;
      long epochMillis = System.currentTimeMillis() - (System.nanoTime() - firstWindow) / 1_000_000;
      StringBuilder b = new StringBuilder("# offset-ms max-lag-us; offset 0 is ")
          .append(java.time.Instant.ofEpochMilli(epochMillis)).append('\n');
      for (int i = from; i < max.length; i++) {
        if (count[i] > 0) {
          b.append((i - from) * windowNanos / 1_000_000).append(' ').append(max[i] / 1_000).append('\n');
        }
      }
      Files.writeString(file, b);
    }

    /**
     * {@code windows-over-<limit>=K/N worst=[+at:lag, …]}: of the N windows that saw a sample
     * after the first {@code skip} samples, K had one over {@code limitNanos}; the {@code worst}
     * largest, with their offset in ms from the first of those windows.
     */
    String summary(long limitNanos, int worst, long skip) {
      int from = firstWindowAfter(skip);
      int seen = 0;
      int over = 0;
      List<int[]> order = new ArrayList<>();
      for (int i = from; i < max.length; i++) {
        if (count[i] > 0) {
          seen++;
          order.add(new int[] {i});
          if (max[i] > limitNanos) {
            over++;
          }
        }
      }
      order.sort((x, y) -> Long.compare(max[y[0]], max[x[0]]));
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < Math.min(worst, order.size()); k++) {
        int i = order.get(k)[0];
        b.append(k == 0 ? "" : ",").append(String.format(Locale.ROOT, "+%d:%.1fms", (i - from) * windowNanos / 1_000_000,
            max[i] / 1e6));
      }
      return String.format(Locale.ROOT, "windows-over-%.0fms=%d/%d worst=[%s]", limitNanos / 1e6, over, seen, b);
    }
  }
}
