package io.jbroker.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.data.Data;
import io.jbroker.store.Key;
import io.jbroker.testing.TestScale;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 with real processes: a child JVM ({@link CrashTestWriter}) writes durably to a RocksDB
 * store from several threads and reports every acknowledged put; the test kills it with SIGKILL
 * at a random moment (after a random number of acknowledgements, seeded), reopens the database,
 * checks that it opens cleanly and that every acknowledged put is there with its value and
 * deadline, and starts the next child on the same directory. 20 kills by default, times {@link
 * TestScale#factor()} under {@code -Pstress}; {@code -Djbroker.test.seed=N} replays a run.
 */
class RocksDbCrashTest {
  private static final int WRITERS = 8;
  private static final int IN_FLIGHT = 64;
  private static final long TIMEOUT_SECONDS = 60;
  private static final String EOF = "\u0000EOF";

  @TempDir Path dir;

  private int torn;

  @Test
  void everyAcknowledgedPutSurvivesSigkillOfTheWriterProcess() throws Exception {
    long seed = Long.getLong("jbroker.test.seed", System.nanoTime());
    Random random = new Random(seed);
    int kills = TestScale.scaled(20);
    Path db = dir.resolve("db");
    Path tmp = Files.createDirectories(dir.resolve("tmp")); // the children's copies of the native library
    List<String> acknowledged = new ArrayList<>();
    List<String> lost = new ArrayList<>();
    long started = System.nanoTime();
    int maxRound = 0;
    for (int round = 0; round < kills; round++) {
      // a random moment: right after start-up, or after a random number of acknowledgements
      int killAfter = random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(6_000);
      List<String> acks = runAndKill(db, tmp, round, killAfter, seed);
      maxRound = Math.max(maxRound, acks.size());
      acknowledged.addAll(acks);
      List<String> check = new ArrayList<>(acks);
      for (int n = 0; n < 500 && acknowledged.size() > acks.size(); n++) {
        check.add(acknowledged.get(random.nextInt(acknowledged.size() - acks.size())));
      }
      lost.addAll(verify(db, check, acknowledged.size(), seed, round));
    }
    lost.addAll(verify(db, acknowledged, acknowledged.size(), seed, kills));
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    System.out.printf("RocksDbCrashTest: seed=%d kills=%d acknowledged=%d (most in one run: %d) lost=%d"
        + " torn-lines=%d in %d s%n", seed, kills, acknowledged.size(), maxRound, lost.size(), torn, seconds);
    assertThat(lost).as("acknowledged puts missing after SIGKILL (seed %d)", seed).isEmpty();
    assertThat(acknowledged.size()).as("acknowledged puts (seed %d)", seed).isGreaterThan(kills);
  }

  /** Starts a writer, kills it after {@code killAfter} acknowledgements, returns every key it acknowledged. */
  private List<String> runAndKill(Path db, Path tmp, int round, int killAfter, long seed) throws Exception {
    Path stderr = dir.resolve("writer-" + round + ".err");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + tmp,
        "-cp", System.getProperty("java.class.path"), CrashTestWriter.class.getName(),
        db.toString(), Integer.toString(round), Integer.toString(WRITERS), Integer.toString(IN_FLIGHT))
        .redirectError(stderr.toFile())
        .start();
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the pipe broke with the process: end of output
      } finally {
        lines.add(EOF);
      }
    }, "crash-writer-output-" + round);
    reader.setDaemon(true);
    reader.start();
    List<String> acks = new ArrayList<>();
    try {
      String first = next(lines, p, stderr, seed, round);
      assertThat(first).as("first line of writer %d (seed %d): %s", round, seed, describe(p, stderr)).isEqualTo("READY");
      while (acks.size() < killAfter) {
        String line = next(lines, p, stderr, seed, round);
        assertThat(line).as("writer %d ended before it was killed (seed %d): %s", round, seed, describe(p, stderr))
            .isNotEqualTo(EOF);
        acks.add(ack(line));
      }
    } finally {
      p.destroyForcibly(); // SIGKILL
    }
    assertThat(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("writer %d died (seed %d)", round, seed).isTrue();
    // acknowledgements the writer printed before it died are acknowledged too
    for (String line = next(lines, p, stderr, seed, round); !line.equals(EOF); line = next(lines, p, stderr, seed, round)) {
      if (line.endsWith(" ;")) {
        acks.add(ack(line));
      } else {
        torn++; // the last line, cut off by the kill: not an acknowledgement
      }
    }
    assertThat(p.exitValue()).as("writer %d was killed by SIGKILL (seed %d): %s", round, seed, describe(p, stderr))
        .isEqualTo(128 + 9);
    return acks;
  }

  private static String next(LinkedBlockingQueue<String> lines, Process p, Path stderr, long seed, int round)
      throws InterruptedException {
    String line = lines.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(line).as("writer %d said nothing for %d s (seed %d): %s", round, TIMEOUT_SECONDS, seed,
        describe(p, stderr)).isNotNull();
    return line;
  }

  private static String ack(String line) {
    assertThat(line).startsWith("ACK ").endsWith(" ;");
    return line.substring(4, line.length() - 2);
  }

  private static String describe(Process p, Path stderr) {
    String err;
    try {
      err = Files.exists(stderr) ? Files.readString(stderr) : "";
    } catch (IOException e) {
      err = e.toString();
    }
    return (p.isAlive() ? "alive" : "exit " + p.exitValue()) + ", stderr: " + err;
  }

  /** Reopens the database and returns the keys of {@code keys} that are missing or wrong. */
  private static List<String> verify(Path db, List<String> keys, long atLeast, long seed, int round) {
    List<String> missing = new ArrayList<>();
    Backend b = Backends.open(RocksDbConfig.TYPE, BackendOptions.empty().with(RocksDbConfig.PATH, db.toString()));
    try {
      assertThat(b.size()).as("entries after kill %d (seed %d)", round, seed).isGreaterThanOrEqualTo(atLeast);
      for (String k : keys) {
        Backend.Entry e = b.get(Key.of(Data.of(k)));
        if (e == null || !e.value().equals(CrashTestWriter.value(k)) || e.hasDeadline() != CrashTestWriter.hasExpiry(k)) {
          missing.add(k + " -> " + e);
        }
      }
    } finally {
      b.close();
    }
    return missing;
  }
}
