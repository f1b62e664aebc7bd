package io.jbroker.endpoint.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An {@link EndpointProcess} running in a child JVM: its stdout lines are collected by a reader
 * thread and can be awaited with a timeout; commands go to its stdin; stderr goes to a file whose
 * tail is quoted when an await fails.
 */
final class ChildEndpoint implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path stderr;
  private final Writer stdin;
  private final List<String> lines = new ArrayList<>();
  private boolean eof;

  private ChildEndpoint(String name, Process process, Path stderr) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(this::readStdout, "child-" + name + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@link EndpointProcess} with {@code args} on this JVM's class path. */
  static ChildEndpoint start(String name, Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(EndpointProcess.class.getName());
    cmd.addAll(List.of(args));
    Path err = dir.resolve(name + ".stderr");
    Process p = new ProcessBuilder(cmd)
        .redirectError(err.toFile())
        .start();
    return new ChildEndpoint(name, p, err);
  }

  String name() {
    return name;
  }

  Process process() {
    return process;
  }

  private void readStdout() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (this) {
          lines.add(line);
          notifyAll();
        }
      }
    } catch (IOException e) {
      // the process is gone
    } finally {
      synchronized (this) {
        eof = true;
        notifyAll();
      }
    }
  }

  /** Number of lines printed so far (a mark for {@link #await(int, Predicate, Duration)}). */
  synchronized int mark() {
    return lines.size();
  }

  /** A copy of every line printed so far. */
  synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  /** The first line starting with {@code prefix}, waiting at most {@code timeout}. */
  String await(String prefix, Duration timeout) {
    return await(0, l -> l.startsWith(prefix), timeout, "a line starting with \"" + prefix + "\"");
  }

  /** The first line at or after {@code from} starting with {@code prefix}. */
  String await(int from, String prefix, Duration timeout) {
    return await(from, l -> l.startsWith(prefix), timeout, "a line starting with \"" + prefix + "\" after line " + from);
  }

  /** The first line at or after index {@code from} that matches, waiting at most {@code timeout}. */
  synchronized String await(int from, Predicate<String> match, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int i = from;
    while (true) {
      for (; i < lines.size(); i++) {
        if (match.test(lines.get(i))) {
          return lines.get(i);
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || eof) {
        throw new AssertionError(name + ": no " + what + " within " + timeout + (eof ? " (stdout closed)" : "") + "\n" + diagnostics());
      }
      waitNanos(left);
    }
  }

  /** Waits until {@code n} lines match (counting from the start), returning them. */
  synchronized List<String> awaitCount(Predicate<String> match, int n, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> found = new ArrayList<>();
    int i = 0;
    while (true) {
      for (; i < lines.size(); i++) {
        if (match.test(lines.get(i))) {
          found.add(lines.get(i));
        }
      }
      if (found.size() >= n) {
        return found;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || eof) {
        throw new AssertionError(name + ": only " + found.size() + " of " + n + " " + what + " within " + timeout + "\n" + diagnostics());
      }
      waitNanos(left);
    }
  }

  private void waitNanos(long nanos) {
    try {
      TimeUnit.NANOSECONDS.timedWait(this, nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(name + ": interrupted", e);
    }
  }

  /** Sends one command line to the child's stdin. */
  void command(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  /** SIGKILL, and waits for the process to be gone. */
  void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + ": still alive 30 s after SIGKILL");
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.toHandle().destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private String diagnostics() {
    StringBuilder sb = new StringBuilder();
    List<String> all = lines;
    int from = Math.max(0, all.size() - 40);
    sb.append("--- last stdout lines of ").append(name).append(" (").append(all.size()).append(" total) ---\n");
    for (int k = from; k < all.size(); k++) {
      sb.append(all.get(k)).append('\n');
    }
    try {
      List<String> err = Files.readAllLines(stderr, StandardCharsets.UTF_8);
      sb.append("--- last stderr lines ---\n");
      for (String l : err.subList(Math.max(0, err.size() - 40), err.size())) {
        sb.append(l).append('\n');
      }
    } catch (IOException e) {
      sb.append("(no stderr: ").append(e).append(")\n");
    }
    return sb.toString();
  }
}
