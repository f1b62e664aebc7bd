package io.jbroker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jbroker.data.Data;
import io.jbroker.node.config.ConfigError;
import io.jbroker.store.Store;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeTest {
  @TempDir
  Path dir;

  private static String scrape(int port) throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
    return r.body();
  }

  @Test
  void aMasterAndACloneNodeReplicateAndReportBrokerMetrics() throws Exception {
    try (Node master = Node.start(TestNodes.config(dir.resolve("m")))) {
      int port = master.listening().get(0).port();
      try (Node clone = Node.start(TestNodes.withStores(dir.resolve("c"), "{kv={role=clone,resync-interval=200ms}}",
          "peers=[{host=127.0.0.1,port=" + port + ",retry=200ms}]"))) {
        assertThat(master.state()).isEqualTo(Node.State.RUNNING);
        Store c = clone.stores().store("kv").orElseThrow();
        c.blocking().put(Data.of("a"), Data.count(1));
        assertThat(master.stores().store("kv").orElseThrow().blocking().get(Data.of("a"))).isEqualTo(Data.count(1));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          String m = scrape(master.metricsPort());
          assertThat(m).contains("broker_connections{type=\"native\"} 1.0");
          // the clone's write and its acknowledgements travelled as command envelopes
          assertThat(counter(m, "broker_processed_messages_total{type=\"command\"}")).isPositive();
          assertThat(counter(m, "broker_processed_messages_total{type=\"data\"}")).isZero();
          assertThat(m).contains("broker_store_entries{name=\"kv\"} 1.0");
          assertThat(m).contains("broker_store_processed_updates_total{name=\"kv\"} 1.0");
          assertThat(m).contains("broker_store_clones{name=\"kv\"} 1.0");
          assertThat(m).contains("broker_store_unacknowledged_updates{name=\"kv\"} 0.0");
          assertThat(m).contains("jvm_memory_used_bytes");
          String cm = scrape(clone.metricsPort());
          assertThat(cm).contains("broker_store_entries{name=\"kv\"} 1.0");
          assertThat(cm).contains("broker_store_stale{name=\"kv\"} 0.0");
        });
      }
    }
  }

  /** The value of one sample line of a Prometheus scrape, or -1 if it is missing. */
  private static double counter(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return -1;
  }

  @Test
  void aPersistentMasterKeepsItsDataAcrossRestarts() {
    String sqlite = "{default={role=master,backend=sqlite}}";
    try (Node n = Node.start(TestNodes.withStores(dir, sqlite))) {
      n.stores().store("default").orElseThrow().blocking().put(Data.of("k"), Data.of("v"));
    }
    assertThat(Files.exists(dir.resolve("default.sqlite"))).isTrue();
    try (Node n = Node.start(TestNodes.withStores(dir, sqlite))) {
      assertThat(n.stores().store("default").orElseThrow().blocking().get(Data.of("k"))).isEqualTo(Data.of("v"));
    }
  }

  @Test
  void closeIsGracefulAndIdempotent() {
    Node n = Node.start(TestNodes.config(dir));
    n.close();
    assertThat(n.state()).isEqualTo(Node.State.CLOSED);
    n.close();
    assertThat(n.state()).isEqualTo(Node.State.CLOSED);
  }

  @Test
  void unusableBackendOptionsStopStartUpNamingTheStore() {
    assertThatThrownBy(() -> Node.start(TestNodes.withStores(dir,
        "{disk={role=master,backend=sqlite,options={synchronous=sometimes}}}")))
        .isInstanceOfSatisfying(ConfigError.class, e -> {
          assertThat(e.key()).isEqualTo("stores.disk");
          assertThat(e.getMessage()).contains("synchronous").contains("sometimes");
        });
  }

  @Test
  void aTakenAdminPortStopsStartUp() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> Node.start(TestNodes.config(dir, "admin.port=" + taken.getLocalPort())))
          .isInstanceOf(Node.StartupException.class)
          .hasMessageContaining("cannot start the admin API on 127.0.0.1:" + taken.getLocalPort());
    }
  }
}
