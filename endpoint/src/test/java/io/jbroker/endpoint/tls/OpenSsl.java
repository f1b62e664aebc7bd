package io.jbroker.endpoint.tls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The {@code openssl} command line tool, standing in for a real Broker's OpenSSL in tests. */
final class OpenSsl {
  static final long TIMEOUT_SECONDS = 60;

  private OpenSsl() {}

  static boolean available() {
    try {
      return new ProcessBuilder("openssl", "version").redirectErrorStream(true).start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** Runs {@code openssl args...} to completion; returns its output; fails on a non-zero exit. */
  static String run(List<String> args) throws Exception {
    return run(args, true);
  }

  /**
   * Runs {@code openssl args...} with standard input closed and returns its output; {@code
   * s_client} exits non-zero when the server hangs up without {@code close_notify}, so its exit
   * status is left to the caller ({@code checkExit} false).
   */
  static String run(List<String> args, boolean checkExit) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroy();
      throw new AssertionError(command + " did not finish: " + output);
    }
    if (checkExit && process.exitValue() != 0) {
      throw new AssertionError(command + " exited with " + process.exitValue() + ": " + output);
    }
    return output;
  }

  /** A running {@code openssl s_server} for one connection on 127.0.0.1. */
  record Server(Process process, int port) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      process.destroy();
      process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }

  /** Starts {@code openssl s_server -accept 127.0.0.1:0 -naccept 1 options...}; waits for its port. */
  static Server server(List<String> options) throws Exception {
    List<String> command =
        new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1"));
    command.addAll(options);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader output =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                for (String line; (line = output.readLine()) != null; ) {
                  if (line.startsWith("ACCEPT ")) {
                    return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).trim());
                  }
                }
                throw new IllegalStateException("openssl s_server printed no ACCEPT line");
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    try {
      return new Server(process, port.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    } catch (Exception e) {
      process.destroy();
      throw e;
    }
  }
}
