package io.jbroker.replication.process;

import io.jbroker.data.Data;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.EndpointConfig;
import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.error.BrokerException;
import io.jbroker.replication.StoreManager;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Clock;
import io.jbroker.store.Store;
import io.jbroker.store.internal.Futures;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A child JVM hosting one endpoint and one store, driven line by line on stdin; used by {@link
 * ReplicationProcessTest}. Arguments (key=value): {@code listen=PORT}, {@code peer=HOST:PORT},
 * {@code store=NAME}, {@code role=master|clone}, {@code path=SQLITE_FILE} (master; without it a memory master),
 * {@code stale=MS}, {@code timeout=MS}, {@code clone-timeout=MS}, {@code retention=MS} (writer retention). Prints {@code READY <port>}, then one line per command:
 * {@code OK <id> <value>} or {@code ERR <id> <error name>}. Commands: {@code <id> put K V},
 * {@code <id> get K}, {@code <id> inc K N}, {@code <id> putu K V}, {@code <id> keys},
 * {@code <id> idle}; stdin closing ends the process.
 */
public final class StoreNodeProcess {
  private StoreNodeProcess() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    Duration timeout = Duration.ofMillis(Long.parseLong(a.getOrDefault("timeout", "10000")));
    ReplicationSettings settings = ReplicationSettings.defaults().withTick(Duration.ofMillis(20))
        .withTimeouts(Duration.ofMillis(Long.parseLong(a.getOrDefault("clone-timeout", "30000"))), Duration.ofMillis(600))
        .withRequestTimeout(timeout);
    if (a.containsKey("retention")) {
      settings = settings.withWriterRetention(Duration.ofMillis(Long.parseLong(a.get("retention"))));
    }
    Endpoint endpoint = Endpoint.create(EndpointConfig.builder().tls(TlsConfig.ephemeral()).build());
    StoreManager stores = new StoreManager(endpoint, settings, Clock.system());
    int port = endpoint.listen("127.0.0.1", Integer.parseInt(a.getOrDefault("listen", "0")));
    String name = a.get("store");
    boolean peerFirst = Boolean.parseBoolean(a.getOrDefault("attach-after-peer", "false"));
    if (peerFirst) {
      String[] hp = a.get("peer").split(":");
      endpoint.peer(hp[0], Integer.parseInt(hp[1]), Duration.ofSeconds(30));
      String masterTopic = io.jbroker.endpoint.wire.Topics.join(name, "<$>/data/master");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!endpoint.peerAdvertises(masterTopic) && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
    }
    Store store;
    try {
      if ("master".equals(a.get("role"))) {
        store = a.containsKey("path")
            ? stores.attachMaster(name, "sqlite", BackendOptions.empty().with("path", a.get("path")))
            : stores.attachMaster(name, "memory", BackendOptions.empty());
      } else {
        Duration stale = Duration.ofMillis(Long.parseLong(a.getOrDefault("stale", "300000")));
        store = stores.attachClone(name, Duration.ofMillis(200), stale, Duration.ofSeconds(120));
      }
    } catch (BrokerException e) {
      System.out.println("ATTACH-FAILED " + e.code().brokerName());
      System.out.flush();
      endpoint.close();
      return;
    }
    if (a.containsKey("peer") && !peerFirst) {
      String[] hp = a.get("peer").split(":");
      endpoint.peerAsync(hp[0], Integer.parseInt(hp[1]), Duration.ofMillis(200));
    }
    System.out.println("READY " + port);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.trim().split(" ");
      if (w.length < 2) {
        continue;
      }
      String id = w[0];
      CompletableFuture<?> f;
      switch (w[1]) {
        case "put":
          f = store.put(Data.of(w[2]), Data.of(Long.parseLong(w[3])));
          break;
        case "get":
          f = store.get(Data.of(w[2]));
          break;
        case "inc":
          f = store.increment(Data.of(w[2]), Data.of(Long.parseLong(w[3])));
          break;
        case "putu":
          f = store.putUnique(Data.of(w[2]), Data.of(Long.parseLong(w[3])));
          break;
        case "keys":
          f = store.keys().thenApply(s -> s.size());
          break;
        case "idle":
          f = store.awaitIdle(Duration.ofSeconds(30));
          break;
        default:
          System.out.println("ERR " + id + " unknown_command");
          System.out.flush();
          continue;
      }
      f.whenComplete((v, e) -> {
        synchronized (System.out) {
          if (e == null) {
            System.out.println("OK " + id + " " + v);
          } else {
            Throwable t = Futures.unwrap(e);
            System.out.println("ERR " + id + " " + (t instanceof BrokerException be ? be.code().brokerName() : t.toString()));
          }
          System.out.flush();
        }
      });
    }
    stores.close();
    endpoint.close();
  }
}
