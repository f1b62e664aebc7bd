package io.jbroker.node.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.jbroker.node.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real node processes from the example configs (examples/master.conf, clone-1.conf, clone-2.conf)
 * with their ports rewritten to 0 (the nodes print the bound ports), the clones' peer port
 * rewritten to the master's, and data directories under a temporary directory. The admin CLI runs
 * in-process ({@link Main#run}).
 */
class ClusterEndToEndTest {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Path EXAMPLES = Path.of(System.getProperty("jbroker.repo.root", ".."), "examples");
  private static final String RUNNING = "running: peers on \\[127\\.0\\.0\\.1:(\\d+)\\], admin API on 127\\.0\\.0\\.1:(\\d+)"
      + "(?: \\(token required\\))?, metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics";

  @TempDir
  Path dir;

  private final List<NodeProcess> processes = new ArrayList<>();

  /** A running node's ports. */
  record Ports(int peer, int admin, int metrics) {}

  /** What a CLI run printed and returned. */
  record Run(int code, String out, String err) {}

  @AfterEach
  void killProcesses() {
    processes.forEach(NodeProcess::close);
  }

  /** The example file with ports 0, data under the temp dir, and the clones pointed at {@code masterPort}. */
  private Path rewrite(String example, int masterPort) throws IOException {
    Config c = ConfigFactory.parseFile(EXAMPLES.resolve(example).toFile());
    String name = example.replace(".conf", "");
    c = c.withValue("listen", ConfigValueFactory.fromIterable(List.of(Map.of("address", "127.0.0.1", "port", 0))))
        .withValue("admin.port", ConfigValueFactory.fromAnyRef(0))
        .withValue("metrics.port", ConfigValueFactory.fromAnyRef(0))
        .withValue("data-dir", ConfigValueFactory.fromAnyRef(dir.resolve(name).toString()));
    if (!c.getList("peers").isEmpty()) {
      c = c.withValue("peers", ConfigValueFactory.fromIterable(List.of(
          Map.of("host", "127.0.0.1", "port", masterPort, "retry", "500ms"))));
    }
    Path out = dir.resolve(example);
    Files.writeString(out, c.root().render(ConfigRenderOptions.defaults().setOriginComments(false)));
    return out;
  }

  private NodeProcess start(String name, Path config, Map<String, String> env) throws IOException {
    NodeProcess p = NodeProcess.start(name, dir, env, "--config", config.toString());
    processes.add(p);
    return p;
  }

  private static Ports ports(NodeProcess p) {
    Matcher m = p.awaitLine(RUNNING, START);
    return new Ports(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
  }

  private static Run cli(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Run admin(Ports node, String token, String... args) {
    List<String> all = new ArrayList<>(List.of("admin", "--target", "127.0.0.1:" + node.admin(), "--timeout", "20s"));
    if (token != null) {
      all.add("--token");
      all.add(token);
    }
    all.addAll(List.of(args));
    return cli(Map.of(), all.toArray(String[]::new));
  }

  @Test
  void aMasterAndTwoClonesFromTheExamples() throws Exception {
    NodeProcess master = start("master", rewrite("master.conf", 0), Map.of());
    Ports m = ports(master);
    NodeProcess clone1 = start("clone-1", rewrite("clone-1.conf", m.peer()), Map.of());
    // clone-2 takes its admin token from the environment (precedence: env over file)
    NodeProcess clone2 = start("clone-2", rewrite("clone-2.conf", m.peer()), Map.of("BROKER_ADMIN_TOKEN", "e2e-token"));
    Ports c1 = ports(clone1);
    Ports c2 = ports(clone2);
    assertThat(clone2.output()).contains("(token required)");
    clone1.awaitLine("store default \\(clone\\): synchronised with its master", START);
    clone2.awaitLine("store default \\(clone\\): synchronised with its master", START);
    master.awaitLine("store default \\(master\\): 2 clones attached", START);
    master.awaitLine("peer added: ", START);

    // a watch on clone-2, running (its snapshot is complete) before the writes
    ByteArrayOutputStream watchOut = new ByteArrayOutputStream();
    CompletableFuture<Integer> watch = CompletableFuture.supplyAsync(() -> Main.run(new String[] {"admin", "--target",
        "127.0.0.1:" + c2.admin(), "--token", "e2e-token", "watch", "--snapshot", "--count", "2", "--for", "60s"},
        Map.of(), new PrintStream(watchOut, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())));
    await().atMost(Duration.ofSeconds(30)).until(() -> watchOut.toString(StandardCharsets.UTF_8).contains("snapshot complete"));

    // writes through the CLI on clone-1 ...
    assertThat(admin(c1, null, "put", "host", "10.0.0.1")).isEqualTo(new Run(0, "", ""));
    assertThat(admin(c1, null, "increment", "hits", "5").code()).isZero();
    // ... are read on clone-2
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(admin(c2, "e2e-token", "get", "host")).isEqualTo(new Run(0, "10.0.0.1\n", "")));
    assertThat(admin(c2, "e2e-token", "get", "hits").out()).isEqualTo("5\n");
    assertThat(admin(m, null, "get", "hits").out()).isEqualTo("5\n");
    // and seen by the watch
    assertThat(watch.get(60, TimeUnit.SECONDS)).isZero();
    assertThat(watchOut.toString(StandardCharsets.UTF_8)).isEqualTo("snapshot complete\ninsert host 10.0.0.1\ninsert hits 5\n");

    // the token is enforced on clone-2 only
    Run refused = admin(c2, null, "get", "host");
    assertThat(refused.code()).isEqualTo(5);
    assertThat(refused.err()).startsWith("error: UNAUTHENTICATED");
    assertThat(admin(c2, "wrong", "get", "host").code()).isEqualTo(5);

    // a Broker error through the whole chain
    Run missing = admin(c1, null, "get", "nope");
    assertThat(missing.code()).isEqualTo(3);
    assertThat(missing.err()).startsWith("error: no_such_key (9)");

    // every node is SERVING; health checks need no token, also on clone-2
    for (Ports p : List.of(m, c1, c2)) {
      ManagedChannel hc = NettyChannelBuilder.forAddress("127.0.0.1", p.admin()).usePlaintext().build();
      try {
        assertThat(HealthGrpc.newBlockingStub(hc).withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      } finally {
        hc.shutdownNow();
      }
    }

    // reflection and metrics of the master
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", m.admin()).usePlaintext().build();
    try {
      assertThat(listServices(ch)).contains("jbroker.admin.v1.KV", "jbroker.admin.v1.Watch", "jbroker.admin.v1.Stores",
          "jbroker.admin.v1.Peering", "jbroker.admin.v1.Node", "jbroker.admin.v1.PubSub", "grpc.health.v1.Health");
    } finally {
      ch.shutdownNow();
    }
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      String metrics = scrape(m.metrics());
      assertThat(metrics).contains("broker_connections{type=\"native\"} 2.0");
      assertThat(metrics).contains("broker_store_entries{name=\"default\"} 2.0");
      assertThat(metrics).contains("broker_store_clones{name=\"default\"} 2.0");
    });
    assertThat(admin(m, null, "stores").out()).containsPattern("default +master sqlite +2 +2 +no");

    // graceful shutdown: SIGTERM → exit 0, the master sees the peer leave
    assertThat(clone1.stop(Duration.ofSeconds(30))).isZero();
    assertThat(clone1.output()).contains("shutting down").contains("stopped");
    master.awaitLine("peer (removed|lost): ", START);
    assertThat(master.stop(Duration.ofSeconds(30))).isZero();
    assertThat(clone2.stop(Duration.ofSeconds(30))).isZero();
    assertThat(Files.exists(dir.resolve("master/default.sqlite"))).isTrue();
  }

  @Test
  void aBadConfigIsRejectedWithAClearMessage() throws Exception {
    Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, "admin {\n  port = ninety\n}\n");
    NodeProcess p = start("bad", bad, Map.of());
    assertThat(p.awaitExit(START)).isEqualTo(2);
    assertThat(p.output()).contains("jbroker node: invalid configuration: admin.port = \"ninety\" (from " + bad
        + ": 2): must be a port number from 0 to 65535 (0: any free port)");

    NodeProcess env = start("bad-env", rewrite("master.conf", 0), Map.of("ZEEK_DEFAULT_CONNECT_RETRY", "soon"));
    assertThat(env.awaitExit(START)).isEqualTo(2);
    assertThat(env.output()).contains("connect-retry = \"soon\" (from environment variable ZEEK_DEFAULT_CONNECT_RETRY)");
  }

  private static String scrape(int port) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static List<String> listServices(ManagedChannel ch) {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(ch).serverReflectionInfo(
        new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse r) {
            names.complete(r.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList());
          }

          @Override
          public void onError(Throwable t) {
            names.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    req.onCompleted();
    return names.orTimeout(10, TimeUnit.SECONDS).join();
  }
}
