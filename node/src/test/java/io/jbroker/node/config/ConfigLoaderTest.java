package io.jbroker.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.jbroker.data.Data;
import io.jbroker.endpoint.OverflowPolicy;
import io.jbroker.endpoint.tls.TlsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir
  Path dir;

  private static final Config NO_FLAGS = ConfigFactory.empty();

  private Path file(String content) throws IOException {
    Path f = dir.resolve("node.conf");
    Files.writeString(f, content);
    return f;
  }

  private static NodeConfig load(Path file, Map<String, String> env, Flags flags) {
    return ConfigLoader.load(file, env, flags.toConfig());
  }

  @Test
  void defaultsDescribeTheOutOfTheBoxNode() {
    NodeConfig c = ConfigLoader.load(null, Map.of(), NO_FLAGS);
    assertThat(c.listen()).containsExactly(new NodeConfig.HostPort("127.0.0.1", 9999));
    assertThat(c.admin().address()).isEqualTo("127.0.0.1");
    assertThat(c.admin().port()).isEqualTo(9990);
    assertThat(c.admin().token()).isNull();
    assertThat(c.admin().tls()).isNull();
    assertThat(c.metrics()).isEqualTo(new NodeConfig.Metrics(true, "127.0.0.1", 9991, true));
    assertThat(c.stores()).containsExactly(new NodeConfig.Master("default", "sqlite", io.jbroker.store.BackendOptions.empty()));
    assertThat(c.dataDir()).isEqualTo(Path.of("data"));
    assertThat(c.tls()).isEqualTo(TlsConfig.ephemeral());
    assertThat(c.connectRetry()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.listenRetry()).isEqualTo(Duration.ZERO);
    assertThat(c.maxThreads()).isEqualTo(2);
    assertThat(c.forwarding()).isTrue();
    assertThat(c.peerOverflowPolicy()).isEqualTo(OverflowPolicy.DISCONNECT);
    assertThat(c.peers()).isEmpty();
    assertThat(c.logLevel()).isEqualTo("info");
    assertThat(c.id()).isNull();
  }

  @Test
  void fileOverridesDefaultsEnvironmentOverridesFileFlagsOverrideEverything() throws IOException {
    Path f = file("admin.port = 1000\nmetrics.port = 1001\ndata-dir = from-file\nttl = 5\n");
    Map<String, String> env = Map.of("BROKER_ADMIN_PORT", "2000", "BROKER_DATA_DIR", "from-env");
    Flags flags = new Flags().set("admin.port", 3000, "--admin");

    NodeConfig fileOnly = load(f, Map.of(), new Flags());
    assertThat(fileOnly.admin().port()).isEqualTo(1000);
    assertThat(fileOnly.dataDir()).isEqualTo(Path.of("from-file"));

    NodeConfig withEnv = load(f, env, new Flags());
    assertThat(withEnv.admin().port()).isEqualTo(2000);
    assertThat(withEnv.dataDir()).isEqualTo(Path.of("from-env"));
    assertThat(withEnv.metrics().port()).isEqualTo(1001);
    assertThat(withEnv.ttl()).isEqualTo(5);

    NodeConfig all = load(f, env, flags);
    assertThat(all.admin().port()).isEqualTo(3000);
    assertThat(all.dataDir()).isEqualTo(Path.of("from-env"));
    assertThat(all.admin().address()).isEqualTo("127.0.0.1");
  }

  @Test
  void zeekVariablesSetTheRetriesAndThreadsAndBrokerVariablesWinOverThem() {
    NodeConfig zeek = load(null, Map.of("ZEEK_DEFAULT_CONNECT_RETRY", "2.5", "ZEEK_DEFAULT_LISTEN_RETRY", "30",
        "ZEEK_BROKER_MAX_THREADS", "4"), new Flags());
    assertThat(zeek.connectRetry()).isEqualTo(Duration.ofMillis(2500));
    assertThat(zeek.listenRetry()).isEqualTo(Duration.ofSeconds(30));
    assertThat(zeek.maxThreads()).isEqualTo(4);
    assertThat(zeek.endpointConfig().connectRetry()).isEqualTo(Duration.ofMillis(2500));
    assertThat(zeek.endpointConfig().ioThreads()).isEqualTo(4);

    NodeConfig both = load(null, Map.of("ZEEK_DEFAULT_CONNECT_RETRY", "2.5", "BROKER_CONNECT_RETRY", "7s"), new Flags());
    assertThat(both.connectRetry()).isEqualTo(Duration.ofSeconds(7));

    NodeConfig flag = load(null, Map.of("ZEEK_BROKER_MAX_THREADS", "4"), new Flags().assignment("max-threads=8"));
    assertThat(flag.maxThreads()).isEqualTo(8);
  }

  @Test
  void brokerVariablesFollowTheKeyNamingRule() {
    assertThat(Environment.variableName("admin.port")).isEqualTo("BROKER_ADMIN_PORT");
    assertThat(Environment.variableName("ssl.cafile")).isEqualTo("BROKER_SSL_CAFILE");
    assertThat(Environment.variableName("admin.tls.client-ca")).isEqualTo("BROKER_ADMIN_TLS_CLIENT_CA");
    NodeConfig c = load(null, Map.of(
        "BROKER_LISTEN", "127.0.0.1:1234, [::1]:0",
        "BROKER_PEERS", "10.1.1.1:9999",
        "BROKER_DISABLE_SSL", "true",
        "BROKER_ADMIN_TOKEN", "s3cret",
        "BROKER_METRICS_ENABLED", "false",
        "BROKER_CONSOLE_VERBOSITY", "debug",
        "BROKER_PEER_OVERFLOW_POLICY", "drop_oldest",
        "BROKER_SOMETHING_ELSE", "ignored"), new Flags());
    assertThat(c.listen()).containsExactly(new NodeConfig.HostPort("127.0.0.1", 1234), new NodeConfig.HostPort("::1", 0));
    assertThat(c.peers()).containsExactly(new NodeConfig.Peer("10.1.1.1", 9999, Duration.ofSeconds(10)));
    assertThat(c.tls()).isEqualTo(TlsConfig.disabled());
    assertThat(c.admin().token()).isEqualTo("s3cret");
    assertThat(c.metrics().enabled()).isFalse();
    assertThat(c.logLevel()).isEqualTo("debug");
    assertThat(c.peerOverflowPolicy()).isEqualTo(OverflowPolicy.DROP_OLDEST);

    NodeConfig hocon = load(null, Map.of("BROKER_PEERS", "[{host = a.example, port = 1, retry = 2s}]"), new Flags());
    assertThat(hocon.peers()).containsExactly(new NodeConfig.Peer("a.example", 1, Duration.ofSeconds(2)));
    assertThat(load(null, Map.of("BROKER_LISTEN", ""), new Flags()).listen()).isEmpty();
  }

  @Test
  void storesFromTheFile() throws IOException {
    Path f = file("""
        stores {
          kv { role = master, backend = memory }
          disk { role = master, backend = sqlite, options { path = "x/disk.db", synchronous = full, cache_entries = 10, integrity_check = true } }
          "a/b" { role = clone, resync-interval = 1s }
        }
        """);
    NodeConfig c = load(f, Map.of(), new Flags());
    assertThat(c.stores()).containsExactly(
        new NodeConfig.Clone("a/b", Duration.ofSeconds(1), Duration.ofSeconds(300), Duration.ofSeconds(120)),
        new NodeConfig.Master("disk", "sqlite", io.jbroker.store.BackendOptions.of(Map.of("path", Data.of("x/disk.db"),
            "synchronous", Data.of("full"), "cache_entries", Data.count(10), "integrity_check", Data.of(true)))),
        new NodeConfig.Master("kv", "memory", io.jbroker.store.BackendOptions.empty()));
    assertThat(load(file("stores {}"), Map.of(), new Flags()).stores()).isEmpty();
    assertThat(NodeConfig.resolvePath("disk", "sqlite", io.jbroker.store.BackendOptions.empty(), Path.of("/d")).get("path"))
        .contains(Data.of("/d/disk.sqlite"));
    assertThat(NodeConfig.resolvePath("d", "rocksdb", io.jbroker.store.BackendOptions.empty().with("path", "sub/r"),
        Path.of("/d")).get("path")).contains(Data.of("/d/sub/r"));
    assertThat(NodeConfig.resolvePath("d", "sqlite", io.jbroker.store.BackendOptions.empty().with("path", "/abs/x"),
        Path.of("/d")).get("path")).contains(Data.of("/abs/x"));
  }

  @Test
  void theWriterRetentionDefaultsToAnHourAndMustOutlastTheRequestTimeout() throws IOException {
    assertThat(load(null, Map.of(), new Flags()).writerRetention()).isEqualTo(Duration.ofHours(1));
    assertThat(load(null, Map.of("BROKER_WRITER_RETENTION", "10m"), new Flags()).writerRetention())
        .isEqualTo(Duration.ofMinutes(10));
    Path f = file("request-timeout = 2m\nwriter-retention = 1m\n");
    assertThatThrownBy(() -> load(f, Map.of(), new Flags())).isInstanceOfSatisfying(ConfigError.class, e -> {
      assertThat(e.key()).isEqualTo("writer-retention");
      assertThat(e.getMessage()).contains("request-timeout");
    });
  }

  @Test
  void aBadValueInTheFileNamesKeyValueOriginAndWhatIsAllowed() throws IOException {
    Path f = file("metrics.port = 70000\n");
    assertThatThrownBy(() -> load(f, Map.of(), new Flags())).isInstanceOfSatisfying(ConfigError.class, e -> {
      assertThat(e.key()).isEqualTo("metrics.port");
      assertThat(e.value()).isEqualTo("70000");
      assertThat(e.origin()).isEqualTo(f + ": 1");
      assertThat(e.getMessage()).isEqualTo("invalid configuration: metrics.port = 70000 (from " + f
          + ": 1): must be a port number from 0 to 65535 (0: any free port)");
    });
  }

  @Test
  void aBadEnvironmentVariableIsNamed() {
    assertThatThrownBy(() -> load(null, Map.of("BROKER_ADMIN_PORT", "ninety"), new Flags()))
        .hasMessage("invalid configuration: admin.port = \"ninety\" (from environment variable BROKER_ADMIN_PORT): "
            + "must be a port number from 0 to 65535 (0: any free port)");
    assertThatThrownBy(() -> load(null, Map.of("ZEEK_DEFAULT_CONNECT_RETRY", "-1"), new Flags()))
        .hasMessage("invalid configuration: connect-retry = \"-1\" (from environment variable "
            + "ZEEK_DEFAULT_CONNECT_RETRY): must be a non-negative number of seconds, e.g. 30 or 2.5");
    assertThatThrownBy(() -> load(null, Map.of("ZEEK_BROKER_MAX_THREADS", "0"), new Flags()))
        .hasMessageContaining("max-threads = \"0\"").hasMessageContaining("from 1 to 256");
    assertThatThrownBy(() -> load(null, Map.of("BROKER_LISTEN", "127.0.0.1"), new Flags()))
        .hasMessageContaining("listen = \"127.0.0.1\" (from environment variable BROKER_LISTEN)")
        .hasMessageContaining("host:port");
    assertThatThrownBy(() -> load(null, Map.of("BROKER_CONNECT_RETRY", "soon"), new Flags()))
        .hasMessage("invalid configuration: connect-retry = \"soon\" (from environment variable BROKER_CONNECT_RETRY): "
            + "must be a non-negative duration such as 10s, 500ms or 2m");
  }

  @Test
  void aBadFlagIsNamed() {
    assertThatThrownBy(() -> load(null, Map.of(), new Flags().set("admin.port", -1, "--admin")))
        .hasMessage("invalid configuration: admin.port = -1 (from command-line flag --admin): "
            + "must be a port number from 0 to 65535 (0: any free port)");
    assertThatThrownBy(() -> new Flags().assignment("admin.port"))
        .hasMessageContaining("must be key=value");
    assertThatThrownBy(() -> load(null, Map.of(), new Flags().assignment("log-level=loud")))
        .hasMessage("invalid configuration: log-level = \"loud\" (from command-line flag --set log-level: 1): "
            + "must be one of trace, debug, info, warning, error, quiet");
  }

  @Test
  void unknownKeysAreRefusedWithTheKnownOnes() throws IOException {
    Path f = file("admin { prot = 1 }\n");
    assertThatThrownBy(() -> load(f, Map.of(), new Flags())).isInstanceOfSatisfying(ConfigError.class, e -> {
      assertThat(e.key()).isEqualTo("admin.prot");
      assertThat(e.allowed()).startsWith("unknown key; known keys of admin: address, enabled, port,");
    });
    assertThatThrownBy(() -> load(file("lisen = []"), Map.of(), new Flags()))
        .hasMessageContaining("lisen = []").hasMessageContaining("unknown key; known keys: admin, connect-retry, data-dir,");
    assertThatThrownBy(() -> load(file("peers = [{host = a, port = 1, retyr = 1s}]"), Map.of(), new Flags()))
        .hasMessageContaining("peers[0].retyr = \"1s\"").hasMessageContaining("allowed: host, port, retry");
  }

  @Test
  void storeMistakesAreNamed() throws IOException {
    assertThatThrownBy(() -> load(file("stores.kv.role = slave"), Map.of(), new Flags()))
        .hasMessageContaining("stores.kv.role = \"slave\"").hasMessageContaining("must be master or clone");
    assertThatThrownBy(() -> load(file("stores.kv { backend = memory }"), Map.of(), new Flags()))
        .hasMessageContaining("stores.kv = {\"backend\":\"memory\"}").hasMessageContaining("needs role = master or role = clone");
    assertThatThrownBy(() -> load(file("stores.kv { role = clone, backend = memory }"), Map.of(), new Flags()))
        .hasMessageContaining("stores.kv.backend = \"memory\"").hasMessageContaining("unknown key here; allowed: "
            + "mutation-buffer-interval, resync-interval, role, stale-interval");
    assertThatThrownBy(() -> load(file("stores.kv { role = master, backend = leveldb }"), Map.of(), new Flags()))
        .hasMessageContaining("stores.kv.backend = \"leveldb\"").hasMessageContaining("must be one of memory, rocksdb, sqlite");
    assertThatThrownBy(() -> load(file("stores.kv { role = clone, stale-interval = 0s }"), Map.of(), new Flags()))
        .hasMessageContaining("stores.kv.stale-interval = \"0s\"").hasMessageContaining("positive duration");
    assertThatThrownBy(() -> load(file("stores.kv { role = master, options { path = [1] } }"), Map.of(), new Flags()))
        .hasMessageContaining("stores.kv.options.path = [1]").hasMessageContaining("string, number or boolean");
  }

  @Test
  void tlsMistakesAreNamed() throws IOException {
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    assertThatThrownBy(() -> load(null, Map.of("BROKER_SSL_CERTIFICATE", dir.resolve("missing.pem").toString()), new Flags()))
        .hasMessageContaining("ssl.certificate = ").hasMessageContaining("must name a readable file");
    assertThatThrownBy(() -> load(null, Map.of("BROKER_SSL_CERTIFICATE", cert.toString()), new Flags()))
        .hasMessageContaining("ssl.key").hasMessageContaining("is required when ssl.certificate is set");
    assertThatThrownBy(() -> load(null, Map.of("BROKER_SSL_CERTIFICATE", cert.toString(), "BROKER_SSL_KEY",
        cert.toString()), new Flags())).hasMessageContaining("ssl.cafile").hasMessageContaining("or ssl.capath is required");
    assertThatThrownBy(() -> load(null, Map.of("BROKER_ADMIN_TLS_CERTIFICATE", cert.toString()), new Flags()))
        .hasMessageContaining("admin.tls.key").hasMessageContaining("needs both");
    NodeConfig ok = load(null, Map.of("BROKER_SSL_CERTIFICATE", cert.toString(), "BROKER_SSL_KEY", cert.toString(),
        "BROKER_SSL_CAFILE", cert.toString()), new Flags());
    assertThat(ok.tls().mode()).isEqualTo(TlsConfig.Mode.AUTHENTICATED);
  }

  @Test
  void aMissingOrMalformedFileIsRefused() throws IOException {
    assertThatThrownBy(() -> load(dir.resolve("nope.conf"), Map.of(), new Flags()))
        .hasMessageContaining("--config = " + dir.resolve("nope.conf")).hasMessageContaining("no such readable file");
    assertThatThrownBy(() -> load(file("admin { port = "), Map.of(), new Flags()))
        .hasMessageContaining("not valid HOCON");
  }

  @Test
  void theTokenCanComeFromAFile() throws IOException {
    Path t = Files.writeString(dir.resolve("token"), "abc123\n");
    assertThat(load(null, Map.of(), new Flags().set("admin.token-file", t.toString(), "--admin-token-file")).admin().token())
        .isEqualTo("abc123");
    assertThat(load(null, Map.of("BROKER_ADMIN_TOKEN", "direct"), new Flags().set("admin.token-file", t.toString(), "x"))
        .admin().token()).isEqualTo("direct");
    assertThatThrownBy(() -> load(null, Map.of("BROKER_ADMIN_TOKEN", "has space"), new Flags()))
        .hasMessageContaining("admin.token = (hidden)").hasMessageNotContaining("has space");
  }

  @Test
  void theReadmeDocumentsEveryEnvironmentVariable() throws IOException {
    String readme = Files.readString(Path.of(System.getProperty("jbroker.repo.root", ".."), "README.md"));
    List<String> missing = Environment.variables(ConfigLoader.reference()).stream().map(Environment.Variable::name)
        .filter(n -> !readme.contains(n)).toList();
    assertThat(missing).as("variables missing from README.md").isEmpty();
  }
}
