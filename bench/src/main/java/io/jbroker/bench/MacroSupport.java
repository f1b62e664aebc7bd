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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
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
      if (size == 0) {
        return "p50=n/a p99=n/a p999=n/a max=n/a";
      }
      long[] s = Arrays.copyOf(values, size);
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
}
