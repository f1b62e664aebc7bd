package io.jbroker.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.store.Key;
import io.jbroker.testing.TestScale;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 against the durable SQLite backend with real processes: a child JVM ({@link
 * SqliteCrashChild}) writes through a {@link io.jbroker.store.LocalStore} from several threads
 * and prints every acknowledged put; this test kills it with SIGKILL at a random moment (a random
 * number of acknowledgements into its run, or right after it opened the database), reopens the
 * database with an integrity check, checks that every put acknowledged by any child so far is
 * there with its value and deadline, and starts the next child on the same file.
 *
 * <p>Replay a run with {@code -Djbroker.crash.seed=<seed>}; the seed is printed at the start and
 * in every failure. {@code -Pstress} multiplies the number of kills.
 */
class SqliteCrashTest {
  private static final int THREADS = 4;
  private static final int WINDOW = 64;
  /** Most acknowledgements a child gets before it is killed. */
  private static final int MAX_ACKS_BEFORE_KILL = 3_000;

  @TempDir Path dir;

  @Test
  void everyAcknowledgedDurablePutSurvivesKillMinus9AndTheDatabaseOpensCleanly() throws Exception {
    long seed = Long.getLong("jbroker.crash.seed", System.nanoTime());
    int kills = TestScale.scaled(20);
    System.out.println("SqliteCrashTest: seed " + seed + ", " + kills + " kills");
    try {
      run(seed, kills);
    } catch (AssertionError | Exception e) {
      throw new AssertionError("SqliteCrashTest failed with seed " + seed + " (replay: -Djbroker.crash.seed="
          + seed + "): " + e.getMessage(), e);
    }
  }

  private void run(long seed, int kills) throws Exception {
    Random random = new Random(seed);
    Path db = dir.resolve("crash.db");
    List<int[]> acked = new ArrayList<>(); // per generation: acknowledged puts per thread (0..count-1)
    long totalAcks = 0;
    long presentWithoutAck = 0;
    long started = System.nanoTime();
    for (int generation = 0; generation < kills; generation++) {
      int moment = random.nextInt(10);
      // 0: at once (while the JVM starts or the database opens), 1: right after the open, else: mid-writes
      int threshold = moment == 0 ? -1 : moment == 1 ? 0 : 1 + random.nextInt(MAX_ACKS_BEFORE_KILL);
      String journal = random.nextInt(5) == 0 ? "delete" : "wal";
      int[] counts = new int[THREADS];
      acked.add(counts);
      Child child = Child.start(db, generation, journal, counts, threshold, dir.resolve("child-" + generation + ".err"));
      try {
        if (threshold >= 0) {
          child.reachedThreshold.get(60, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        child.process.destroyForcibly();
        throw new AssertionError("child " + generation + " did not reach " + threshold + " acknowledgements: " + e
            + "\nstderr:\n" + child.stderr(), e);
      }
      // SIGKILL. Through the handle: Process.destroyForcibly() would also close our end of the
      // child's stdout and lose acknowledgements still in the pipe.
      assertThat(child.process.toHandle().destroyForcibly()).isTrue();
      assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      child.reader.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(child.problems).as("unexpected child output").isEmpty();
      int generationAcks = java.util.Arrays.stream(counts).sum();
      totalAcks += generationAcks;
      presentWithoutAck = verify(db, acked, totalAcks);
      System.out.printf("  kill %2d: %-6s journal, killed after %5d acks (%s)%n", generation + 1, journal,
          generationAcks, threshold < 0 ? "at once" : threshold == 0 ? "right after open" : "threshold " + threshold);
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    System.out.printf("SqliteCrashTest: seed %d: %d kills, %d acknowledged puts, 0 lost; %d more puts were committed "
        + "but not yet acknowledged when their child was killed (allowed); %d s%n", seed, kills, totalAcks,
        presentWithoutAck, seconds);
  }

  /**
   * Opens the database with an integrity check (failure_mode FAIL: it must open cleanly), checks
   * every acknowledged put, and returns how many puts are present without an acknowledgement.
   */
  private static long verify(Path db, List<int[]> acked, long totalAcks) {
    Map<Key, Backend.Entry> all = new HashMap<>();
    try (Backend b = Backends.open("sqlite", BackendOptions.empty().with("path", db.toString())
        .with("integrity_check", Data.of(true)).with("failure_mode", "fail"))) {
      b.scan(null, Integer.MAX_VALUE, (k, v, d) -> all.put(k, new Backend.Entry(v, d)));
    }
    long checked = 0;
    for (int generation = 0; generation < acked.size(); generation++) {
      int[] counts = acked.get(generation);
      for (int thread = 0; thread < counts.length; thread++) {
        for (long n = 0; n < counts[thread]; n++) {
          Data key = SqliteCrashChild.key(generation, thread, n);
          Backend.Entry e = all.get(Key.of(key));
          if (e == null) {
            throw new AssertionError("acknowledged put of " + key + " was lost");
          }
          assertThat(e.value()).as("value of %s", key).isEqualTo(SqliteCrashChild.value(generation, thread, n));
          assertThat(e.hasDeadline()).as("deadline of %s", key).isEqualTo(SqliteCrashChild.hasExpiry(n));
          checked++;
        }
      }
    }
    assertThat(checked).isEqualTo(totalAcks);
    return all.size() - checked;
  }

  /** A running child and the thread that reads its acknowledgements. */
  private static final class Child {
    final Process process;
    final Path stderrFile;
    final CompletableFuture<Void> reachedThreshold = new CompletableFuture<>();
    final List<String> problems = new ArrayList<>();
    final Thread reader;

    private Child(Process process, Path stderrFile, int generation, int[] counts, int threshold) {
      this.process = process;
      this.stderrFile = stderrFile;
      AtomicInteger seen = new AtomicInteger();
      this.reader = new Thread(() -> read(generation, counts, threshold, seen), "crash-child-reader-" + generation);
      reader.start();
    }

    static Child start(Path db, int generation, String journal, int[] counts, int threshold, Path stderr)
        throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process p = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-cp", System.getProperty("java.class.path"), SqliteCrashChild.class.getName(),
          db.toString(), Integer.toString(generation), Integer.toString(THREADS), Integer.toString(WINDOW), journal)
          .redirectError(stderr.toFile())
          .start();
      return new Child(p, stderr, generation, counts, threshold);
    }

    /** Reads complete lines only: a line cut off by the kill has no newline and is dropped. */
    private void read(int generation, int[] counts, int threshold, AtomicInteger seen) {
      try (InputStream in = process.getInputStream()) {
        byte[] buf = new byte[1 << 16];
        StringBuilder line = new StringBuilder();
        int r;
        while ((r = in.read(buf)) > 0) {
          for (int i = 0; i < r; i++) {
            char c = (char) buf[i];
            if (c != '\n') {
              line.append(c);
              continue;
            }
            accept(line.toString(), generation, counts, threshold, seen);
            line.setLength(0);
          }
        }
      } catch (IOException | RuntimeException e) {
        problems.add("reading the child's output failed: " + e);
      }
      reachedThreshold.completeExceptionally(new IllegalStateException("the child's output ended (exit "
          + (process.isAlive() ? "?" : process.exitValue()) + ")"));
    }

    private void accept(String line, int generation, int[] counts, int threshold, AtomicInteger seen) {
      if (line.equals("OPEN")) {
        if (threshold == 0) {
          reachedThreshold.complete(null);
        }
        return;
      }
      String[] f = line.split(" ");
      if (f.length != 5 || !f[0].equals("A") || !f[4].equals("$") || Integer.parseInt(f[1]) != generation) {
        problems.add("unexpected line: " + line);
        return;
      }
      int thread = Integer.parseInt(f[2]);
      long n = Long.parseLong(f[3]);
      if (n != counts[thread]) {
        problems.add("acknowledgement out of order: " + line + ", expected n = " + counts[thread]);
        return;
      }
      counts[thread]++;
      if (seen.incrementAndGet() >= threshold && threshold > 0) {
        reachedThreshold.complete(null);
      }
    }

    String stderr() {
      try {
        String all = Files.readString(stderrFile, StandardCharsets.UTF_8);
        return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
      } catch (IOException e) {
        return "(unreadable: " + e + ")";
      }
    }
  }
}
