package io.jbroker.node.e2e;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * A real {@code jbroker node} process ({@code java -cp <test class path> io.jbroker.node.Main
 * node --config FILE}), its merged output collected line by line so tests can wait on lines.
 */
final class NodeProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Thread reader;

  private NodeProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add("(output closed: " + e + ")");
      }
    }, "output-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code jbroker node} with {@code args} and extra environment variables. */
  static NodeProcess start(String name, Path workDir, Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", classPath(), "io.jbroker.node.Main", "node"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("BROKER_") || k.startsWith("ZEEK_"));
    pb.environment().putAll(env);
    return new NodeProcess(name, pb.start());
  }

  /** Waits for a line matching {@code regex} (anywhere in the line) and returns its match. */
  Matcher awaitLine(String regex, Duration timeout) {
    Pattern p = Pattern.compile(regex);
    Matcher[] found = new Matcher[1];
    try {
      Awaitility.await(name + " printing /" + regex + "/").atMost(timeout).pollInterval(Duration.ofMillis(50))
          .failFast(name + " exited", () -> !process.isAlive() && find(p) == null)
          .until(() -> (found[0] = find(p)) != null);
    } catch (RuntimeException e) {
      throw new AssertionError(e.getMessage() + "; its output:\n" + tail(), e);
    }
    return found[0];
  }

  private Matcher find(Pattern p) {
    for (String l : lines) {
      Matcher m = p.matcher(l);
      if (m.find()) {
        return m;
      }
    }
    return null;
  }

  /**
   * Sends SIGTERM (with kill(1): {@link Process#destroy} would also close our end of its output)
   * and returns the exit code once the process ended and its output was read.
   */
  int stop(Duration timeout) throws InterruptedException, IOException {
    new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).inheritIO().start().waitFor();
    return awaitExit(timeout);
  }

  /** Waits for the process to exit by itself and returns the exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not exit within " + timeout + ": " + tail());
    }
    reader.join(timeout.toMillis());
    return process.exitValue();
  }

  List<String> lines() {
    return List.copyOf(lines);
  }

  String output() {
    return String.join("\n", lines);
  }

  private String tail() {
    List<String> l = lines();
    return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The class path of this test run (the console launcher's loader, or java.class.path under surefire). */
  static String classPath() {
    ClassLoader cl = NodeProcess.class.getClassLoader();
    if (cl instanceof URLClassLoader u) {
      List<String> parts = new ArrayList<>();
      for (URL url : u.getURLs()) {
        try {
          parts.add(Path.of(url.toURI()).toString());
        } catch (URISyntaxException e) {
          throw new IllegalStateException(e);
        }
      }
      return String.join(File.pathSeparator, parts);
    }
    return System.getProperty("java.class.path");
  }
}
