package io.jbroker.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.node.Main;
import io.jbroker.node.Node;
import io.jbroker.node.config.ConfigLoader;
import io.jbroker.node.config.Flags;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin command line, run in-process against a node started in-process. */
class AdminCommandTest {
  @TempDir
  static Path dir;

  private static Node node;
  private static String target;

  /** What one run printed and returned. */
  record Run(int code, String out, String err) {}

  @BeforeAll
  static void startNode() {
    node = Node.start(ConfigLoader.load(null, Map.of(), new Flags()
        .set("data-dir", dir.toString(), "test")
        .assignment("listen=[]")
        .assignment("admin.port=0")
        .assignment("metrics.enabled=false")
        .assignment("admin.token=tok")
        .assignment("stores={default={role=master,backend=memory},other={role=master,backend=memory}}")
        .toConfig()));
    target = "127.0.0.1:" + node.adminPort();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Run admin(String... args) {
    List<String> all = new ArrayList<>(List.of("admin", "--target", target, "--token", "tok"));
    all.addAll(List.of(args));
    return run(Map.of(), all.toArray(String[]::new));
  }

  @Test
  void keyOperationsPrintTextAndJson() {
    assertThat(admin("put", "host", "web").code()).isZero();
    assertThat(admin("get", "host")).isEqualTo(new Run(0, "web\n", ""));
    assertThat(admin("-o", "json", "get", "host").out()).isEqualTo("{\"@data-type\":\"string\",\"data\":\"web\"}\n");
    assertThat(admin("put", "v", "[a, \"b c\", 10.0.0.1, 80/tcp, {1, 2}, {x -> +1}]").code()).isZero();
    assertThat(admin("get", "v").out()).isEqualTo("[a, \"b c\", 10.0.0.1, 80/tcp, {1, 2}, {x -> +1}]\n");
    assertThat(admin("--input", "json", "put", "{\"@data-type\":\"string\",\"data\":\"j\"}",
        "{\"@data-type\":\"count\",\"data\":5}").code()).isZero();
    assertThat(admin("put", "j2", "{\"@data-type\":\"count\",\"data\":6}").code()).isZero();
    assertThat(admin("get", "j2").out()).isEqualTo("6\n");
    assertThat(admin("increment", "j").code()).isZero();
    assertThat(admin("increment", "j", "4").code()).isZero();
    assertThat(admin("decrement", "j", "2").code()).isZero();
    assertThat(admin("get", "j").out()).isEqualTo("8\n");
    assertThat(admin("exists", "j").out()).isEqualTo("true\n");
    assertThat(admin("-o", "json", "exists", "nope").out()).isEqualTo("{\"exists\":false}\n");
    assertThat(admin("put-unique", "j", "1").out()).isEqualTo("false\n");
    assertThat(admin("append", "host", "\"-1\"").code()).isZero();
    assertThat(admin("get", "host").out()).isEqualTo("web-1\n");
    assertThat(admin("insert-into", "set", "1").code()).isZero();
    assertThat(admin("insert-into", "tbl", "k", "v").code()).isZero();
    assertThat(admin("get-index", "tbl", "k").out()).isEqualTo("v\n");
    assertThat(admin("remove-from", "set", "1").code()).isZero();
    assertThat(admin("get", "set").out()).isEqualTo("{}\n");
    assertThat(admin("push", "vec", "x").code()).isZero();
    assertThat(admin("push", "vec", "y").code()).isZero();
    assertThat(admin("pop", "vec").code()).isZero();
    assertThat(admin("get", "vec").out()).isEqualTo("[x]\n");
    assertThat(admin("put", "--expiry", "1h", "tmp", "1").code()).isZero();
    assertThat(admin("erase", "tmp").code()).isZero();
    assertThat(admin("-s", "other", "put", "o", "1").code()).isZero();
    assertThat(admin("--store", "other", "keys").out()).isEqualTo("o\n");
    assertThat(admin("-s", "other", "clear").code()).isZero();
    assertThat(admin("-s", "other", "-o", "json", "keys").out()).isEqualTo("{\"keys\":[],\"next\":null}\n");
  }

  @Test
  void keysArePaged() {
    for (int i = 0; i < 5; i++) {
      assertThat(admin("-s", "other", "put", "p" + i, String.valueOf(i)).code()).isZero();
    }
    Run page = admin("-s", "other", "keys", "--limit", "2");
    assertThat(page.out()).isEqualTo("p0\np1\n");
    assertThat(page.err()).contains("--after 'p1'");
    assertThat(admin("-s", "other", "keys", "--limit", "2", "--after", "p1").out()).isEqualTo("p2\np3\n");
    assertThat(admin("-s", "other", "keys", "--limit", "2", "--all").out()).isEqualTo("p0\np1\np2\np3\np4\n");
    admin("-s", "other", "clear");
  }

  @Test
  void nodeStoresAndPeersCommands() {
    assertThat(admin("info").out()).contains("id:         " + node.endpoint().nodeId()).contains("version:");
    assertThat(admin("-o", "json", "info").out()).startsWith("{\"id\":\"" + node.endpoint().nodeId() + "\"");
    assertThat(admin("stores").out()).contains("default").contains("other").startsWith("NAME");
    assertThat(admin("attach-master", "extra", "--backend", "memory").out()).isEqualTo("attached master extra\n");
    assertThat(admin("attach-clone", "remote", "--resync", "1s").out()).isEqualTo("attached clone remote\n");
    assertThat(admin("-o", "json", "stores").out()).contains("\"name\":\"extra\",\"role\":\"master\",\"backend\":\"memory\"");
    assertThat(admin("detach", "extra").code()).isZero();
    assertThat(admin("detach", "remote").code()).isZero();
    assertThat(admin("peers").out()).isEmpty();
  }

  @Test
  void brokerErrorsExitWith3AndTheirName() {
    Run r = admin("get", "missing-key");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).isEqualTo("error: no_such_key (9): get on key \"missing-key\": no such key\n");
    admin("put", "str", "\"text\"");
    Run clash = admin("increment", "str");
    assertThat(clash.code()).isEqualTo(3);
    assertThat(clash.err()).startsWith("error: type_clash (11): ");
    Run json = admin("-o", "json", "get", "missing-key");
    assertThat(json.err()).startsWith("{\"error\":{\"code\":\"no_such_key (9)\",\"broker_code\":9,\"broker_name\":\"no_such_key\"");
    Run noStore = admin("-s", "nope", "get", "k");
    assertThat(noStore.code()).isEqualTo(3);
    assertThat(noStore.err()).startsWith("error: NOT_FOUND: no store named \"nope\"");
    assertThat(admin("attach-master", "default", "--backend", "memory").err()).startsWith("error: master_exists (7)");
  }

  @Test
  void usageErrorsExitWith2() {
    assertThat(run(Map.of(), "admin", "--target", target, "get").code()).isEqualTo(2);
    assertThat(run(Map.of(), "admin", "--target", target, "frobnicate").code()).isEqualTo(2);
    Run bad = admin("put", "k", "[1, 2");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).isEqualTo("error: usage: VALUE: cannot read \"[1, 2\" as data at offset 5: missing ']'\n");
    assertThat(admin("put", "--expiry", "soon", "k", "1").err()).contains("--expiry soon: not a duration");
    assertThat(run(Map.of(), "admin", "--target", "nohostport", "info").code()).isEqualTo(2);
    assertThat(run(Map.of(), "bogus").code()).isEqualTo(2);
    assertThat(run(Map.of()).code()).isEqualTo(2);
  }

  @Test
  void connectionFailuresExitWith4() throws Exception {
    int free;
    try (var s = new java.net.ServerSocket(0)) {
      free = s.getLocalPort();
    }
    Run r = run(Map.of(), "admin", "--target", "127.0.0.1:" + free, "--timeout", "2s", "info");
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err()).startsWith("error: UNAVAILABLE: cannot reach the node at 127.0.0.1:" + free);
  }

  @Test
  void authenticationFailuresExitWith5AndTheTokenCanComeFromEnvOrFile() throws Exception {
    Run none = run(Map.of(), "admin", "--target", target, "info");
    assertThat(none.code()).isEqualTo(5);
    assertThat(none.err()).startsWith("error: UNAUTHENTICATED: this node requires a bearer token");
    assertThat(run(Map.of(), "admin", "--target", target, "--token", "wrong", "info").code()).isEqualTo(5);
    assertThat(run(Map.of("BROKER_ADMIN_TOKEN", "tok", "BROKER_ADMIN_TARGET", target), "admin", "info").code()).isZero();
    Path t = Files.writeString(dir.resolve("token"), "tok\n");
    assertThat(run(Map.of(), "admin", "--target", target, "--token-file", t.toString(), "info").code()).isZero();
  }

  @Test
  void watchPrintsEventsAndStopsAfterCount() throws Exception {
    admin("-s", "other", "put", "w0", "0");
    CompletableFuture<Run> watch = CompletableFuture.supplyAsync(() -> admin("-s", "other", "watch", "--snapshot",
        "--count", "2", "--for", "20s"));
    // the snapshot line shows the watch is running; then two writes
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).until(() -> {
      admin("-s", "other", "put", "w1", "1");
      return watch.isDone();
    });
    Run r = watch.get(1, TimeUnit.SECONDS);
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("snapshot w0 0\n");
    assertThat(r.out()).contains("snapshot complete\n");
    assertThat(r.out()).containsPattern("(insert w1 1|update w1 1 -> 1)\n");
    admin("-s", "other", "clear");
  }
}
