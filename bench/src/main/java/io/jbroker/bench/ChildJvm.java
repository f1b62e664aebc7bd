package io.jbroker.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of a macro benchmark: the same java binary and class path, the parent's JVM flags
 * (minus agents and debuggers) unless {@code jvmOpts} is given, {@code mainClass child args…}.
 * Lines on its stdout are the protocol (read with {@link #expect}); its stderr goes to ours. The
 * child ends when its stdin closes, so it cannot outlive the parent; {@link #close} also
 * destroys it.
 */
final class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Writer stdin;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

  ChildJvm(String name, Class<?> mainClass, String jvmOpts, List<String> args) throws IOException {
    this.name = name;
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    if (jvmOpts != null && !jvmOpts.isBlank()) {
      cmd.addAll(List.of(jvmOpts.trim().split("\\s+")));
    } else {
      for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp")
            && !a.startsWith("-agentpath")) {
          cmd.add(a);
        }
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName(), "child"));
    cmd.addAll(args);
    process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String l;
        while ((l = r.readLine()) != null) {
          lines.add(l);
        }
      } catch (IOException e) {
        // the child is gone
      }
      lines.add("EOF");
    }, "bench-child-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  String name() {
    return name;
  }

  /** Sends one line to the child. */
  synchronized void send(String line) throws IOException {
    stdin.write(line);
    stdin.write('\n');
    stdin.flush();
  }

  /**
   * The next line starting with {@code prefix} (other lines are echoed to stderr); fails if the
   * child exits or nothing comes within {@code timeout}.
   */
  String expect(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String l = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
      if (l == null) {
        throw new IllegalStateException(name + ": no \"" + prefix + "\" line within " + timeout);
      }
      if (l.startsWith(prefix)) {
        return l;
      }
      if (l.equals("EOF")) {
        throw new IllegalStateException(name + ": exited (code " + exitCode() + ") before \"" + prefix + "\"");
      }
      System.err.println("[" + name + "] " + l);
    }
  }

  private String exitCode() {
    try {
      return process.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  /** Sends {@code command} (e.g. an orderly exit) and waits up to {@code timeout} for the child to end; then closes it. */
  void finish(String command, Duration timeout) {
    try {
      send(command);
      process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException e) {
      // already gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    close();
  }

  @Override
  public void close() {
    try {
      stdin.close();
    } catch (IOException e) {
      // already gone
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Closes every child, ignoring failures (for finally blocks). */
  static void closeAll(List<ChildJvm> children) {
    for (ChildJvm c : children) {
      try {
        c.close();
      } catch (RuntimeException e) {
        System.err.println("closing " + c.name() + ": " + e);
      }
    }
  }
}
