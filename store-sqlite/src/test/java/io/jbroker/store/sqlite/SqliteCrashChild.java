package io.jbroker.store.sqlite;

import io.jbroker.data.Data;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.store.LocalStore;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The process {@link SqliteCrashTest} kills: opens a durable SQLite backend under a {@link
 * LocalStore} and writes puts as fast as it can from several threads, each keeping a window of
 * puts in flight, and prints a line for every put whose future has completed — never before.
 *
 * <p>Arguments: database path, generation, threads, window, journal mode. Output lines: {@code
 * OPEN}, then {@code A <generation> <thread> <n> $} per acknowledged put, in order per thread.
 * The key is {@link #key}, the value {@link #value}; every 7th put has an expiry of one day.
 */
public final class SqliteCrashChild {
  private static final Object OUT_LOCK = new Object();
  private static final OutputStream OUT = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);

  private SqliteCrashChild() {}

  static Data key(int generation, int thread, long n) {
    return Data.of("g" + generation + "-t" + thread + "-" + n);
  }

  static Data value(int generation, int thread, long n) {
    return Data.vector(Data.count(generation), Data.count(thread), Data.count(n), Data.of("payload-" + n + "-" + thread));
  }

  static boolean hasExpiry(long n) {
    return n % 7 == 0;
  }

  public static void main(String[] args) throws Exception {
    String path = args[0];
    int generation = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int window = Integer.parseInt(args[3]);
    String journal = args[4];
    LocalStore store = LocalStore.builder("crash", Backends.open("sqlite", BackendOptions.empty()
        .with("path", path).with("durability", "durable").with("journal_mode", journal))).build();
    emit("OPEN\n");
    Thread[] writers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int thread = t;
      writers[t] = new Thread(() -> write(store, generation, thread, window), "writer-" + t);
      writers[t].start();
    }
    for (Thread w : writers) {
      w.join(); // until killed
    }
  }

  private static void write(LocalStore store, int generation, int thread, int window) {
    ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    long submitted = 0;
    long acknowledged = 0;
    StringBuilder lines = new StringBuilder();
    try {
      while (true) {
        while (inFlight.size() < window) {
          long n = submitted++;
          Duration expiry = hasExpiry(n) ? Duration.ofDays(1) : null;
          inFlight.add(store.put(key(generation, thread, n), value(generation, thread, n), expiry));
        }
        // the oldest first (a store completes in order), then whatever else is already done
        inFlight.poll().get(60, TimeUnit.SECONDS);
        lines.append("A ").append(generation).append(' ').append(thread).append(' ').append(acknowledged++).append(" $\n");
        while (!inFlight.isEmpty() && inFlight.peek().isDone()) {
          inFlight.poll().get();
          lines.append("A ").append(generation).append(' ').append(thread).append(' ').append(acknowledged++).append(" $\n");
        }
        emit(lines);
        lines.setLength(0);
      }
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(3);
    }
  }

  private static void emit(CharSequence text) {
    byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
    synchronized (OUT_LOCK) {
      try {
        OUT.write(bytes);
        OUT.flush();
      } catch (IOException e) {
        System.exit(4); // the parent is gone
      }
    }
  }
}
