package io.jbroker.replication.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link StoreNodeProcess} child: commands in, answer lines out, SIGKILL on demand. */
final class Child implements AutoCloseable {
  private final Process process;
  private final Writer stdin;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> all = new ArrayList<>();
  private final AtomicLong ids = new AtomicLong();
  final int port;

  Child(Path log, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), StoreNodeProcess.class.getName()));
    cmd.addAll(List.of(args));
    process = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String l;
        while ((l = r.readLine()) != null) {
          lines.add(l);
        }
      } catch (IOException e) {
        // the child died
      }
    });
    reader.setDaemon(true);
    reader.start();
    String ready = next(Duration.ofSeconds(60));
    if (ready == null || !ready.startsWith("READY ")) {
      throw new IllegalStateException("child did not start: " + ready + " (see " + log + ")");
    }
    port = Integer.parseInt(ready.substring(6));
  }

  /** The first line of a child that exits at once (e.g. ATTACH-FAILED …). */
  static String firstLine(Path log, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), StoreNodeProcess.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      return r.readLine();
    } finally {
      p.destroyForcibly();
    }
  }

  /** Sends a command and waits for its answer: "OK value" or "ERR name". */
  String call(String command, Duration timeout) throws Exception {
    long id = ids.incrementAndGet();
    stdin.write(id + " " + command + "\n");
    stdin.flush();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (l == null) {
        break;
      }
      all.add(l);
      String[] w = l.split(" ", 3);
      if (w.length >= 2 && w[1].equals(Long.toString(id))) {
        return w[0] + (w.length > 2 ? " " + w[2] : "");
      }
    }
    return "TIMEOUT";
  }

  private String next(Duration timeout) throws InterruptedException {
    return lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Sends the child a signal ({@code STOP}, {@code CONT}, …) with {@code kill}. */
  void signal(String signal) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
