package io.jbroker.store.rocksdb;

import io.jbroker.data.Data;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.store.LocalStore;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * The child process of {@link RocksDbCrashTest}: opens a durable RocksDB store under a {@link
 * LocalStore} and writes as fast as it can from several threads, printing {@code ACK <key> ;} for
 * each put only after its future completed (that is, after the group commit covering it), until
 * it is killed. The {@code ;} ends a complete line: a line torn by the kill lacks it and does
 * not count. It exits by itself when its standard input closes, so it never outlives the test.
 *
 * <p>Arguments: database directory, round (a key prefix), writer threads, puts in flight per
 * writer.
 */
public final class CrashTestWriter {
  private CrashTestWriter() {}

  /** The key of a writer's {@code seq}-th put in {@code round}. */
  static String key(int round, int writer, long seq) {
    return "r" + round + "/w" + writer + "/" + seq;
  }

  /** The value written under {@code key}. */
  static Data value(String key) {
    return Data.vector(Data.of(key), Data.count(seq(key)));
  }

  /** Whether the put of {@code key} carries an expiry (every 7th). */
  static boolean hasExpiry(String key) {
    return seq(key) % 7 == 0;
  }

  static long seq(String key) {
    return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
  }

  public static void main(String[] args) throws Exception {
    String path = args[0];
    int round = Integer.parseInt(args[1]);
    int writers = Integer.parseInt(args[2]);
    int inFlight = Integer.parseInt(args[3]);

    Thread stdinWatch = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // nothing is sent; wait for the parent to go away
        }
      } catch (IOException e) {
        // fall through: the parent is gone
      }
      Runtime.getRuntime().halt(2);
    }, "stdin-watch");
    stdinWatch.setDaemon(true);
    stdinWatch.start();

    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    LocalStore store = LocalStore.builder("crash", Backends.open(RocksDbConfig.TYPE,
        BackendOptions.empty().with(RocksDbConfig.PATH, path).with("durability", "durable"))).build();
    LinkedBlockingQueue<String> acks = new LinkedBlockingQueue<>();
    Thread printer = new Thread(() -> {
      List<String> batch = new ArrayList<>();
      try {
        while (true) {
          batch.add(acks.take());
          acks.drainTo(batch);
          for (String k : batch) {
            out.append("ACK ").append(k).append(" ;\n");
          }
          out.flush();
          batch.clear();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "ack-printer");
    printer.setDaemon(true);
    printer.start();
    out.println("READY");
    out.flush();

    for (int w = 0; w < writers; w++) {
      int writer = w;
      Thread t = new Thread(() -> {
        Semaphore window = new Semaphore(inFlight);
        for (long seq = 0; ; seq++) {
          window.acquireUninterruptibly();
          String key = key(round, writer, seq);
          CompletableFuture<Void> f = hasExpiry(key)
              ? store.put(Data.of(key), value(key), Duration.ofDays(1))
              : store.put(Data.of(key), value(key));
          f.whenComplete((v, e) -> {
            window.release();
            if (e == null) {
              acks.add(key);
            } else {
              System.err.println("put of " + key + " failed: " + e);
              Runtime.getRuntime().halt(3);
            }
          });
        }
      }, "writer-" + w);
      t.start();
    }
  }
}
