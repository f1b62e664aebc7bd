package io.jbroker.node;

import io.jbroker.node.config.ConfigError;
import io.jbroker.node.config.ConfigLoader;
import io.jbroker.node.config.Environment;
import io.jbroker.node.config.Flags;
import io.jbroker.node.config.NodeConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jbroker node}: runs a node until SIGTERM/SIGINT, then shuts down gracefully and exits 0. */
@Command(name = "node", sortOptions = false,
    description = {
        "Runs a jbroker node: an endpoint that peers with other Broker endpoints, the configured data stores, "
            + "the gRPC admin API and a Prometheus /metrics endpoint.",
        "",
        "Without options: peers on 127.0.0.1:9999 (TLS), admin API on 127.0.0.1:9990, metrics on 127.0.0.1:9991, "
            + "a master store 'default' on SQLite under ./data/.",
        "Settings: defaults < --config file < environment (BROKER_*, ZEEK_*) < these flags. SIGTERM/SIGINT shut "
            + "down gracefully (exit 0)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped by SIGTERM/SIGINT after a graceful shutdown", "1:could not start",
        "2:bad command line or configuration value"})
final class NodeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "HOCON config file (see examples/)")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "set any config key (HOCON value), e.g. --set admin.port=9000; repeatable")
  List<String> sets = new ArrayList<>();

  @Option(names = "--id", paramLabel = "UUID", description = "endpoint id (default: random)")
  String id;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "directory of persistent stores")
  String dataDir;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "accept peers here (replaces the list; repeatable)")
  List<String> listen;

  @Option(names = "--peer", paramLabel = "HOST:PORT", description = "peer with this endpoint (replaces the list; repeatable)")
  List<String> peers;

  @Option(names = "--admin", paramLabel = "HOST:PORT", description = "admin API address")
  String admin;

  @Option(names = "--no-admin", description = "no admin API")
  boolean noAdmin;

  @Option(names = "--admin-token-file", paramLabel = "FILE", description = "require the bearer token in FILE")
  String adminTokenFile;

  @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "metrics address")
  String metrics;

  @Option(names = "--no-metrics", description = "no metrics endpoint")
  boolean noMetrics;

  @Option(names = "--disable-ssl", description = "plain TCP between peers (Broker's disable_ssl)")
  boolean disableSsl;

  @Option(names = "--log-level", paramLabel = "LEVEL", description = "trace, debug, info, warning, error, quiet")
  String logLevel;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
  boolean help;

  private final Map<String, String> env;
  private final PrintStream err;

  NodeCommand(Map<String, String> env, PrintStream err) {
    this.env = env;
    this.err = err;
  }

  /** The command-line layer of the configuration. */
  Flags flags() {
    Flags f = new Flags();
    for (String s : sets) {
      f.assignment(s);
    }
    if (id != null) {
      f.set("id", id, "--id");
    }
    if (dataDir != null) {
      f.set("data-dir", dataDir, "--data-dir");
    }
    if (listen != null) {
      f.set("listen", hostPorts(listen, "address", "--listen"), "--listen");
    }
    if (peers != null) {
      f.set("peers", hostPorts(peers, "host", "--peer"), "--peer");
    }
    if (admin != null) {
      NodeConfig.HostPort hp = hostPort(admin, "--admin");
      f.set("admin.address", hp.host(), "--admin").set("admin.port", hp.port(), "--admin");
    }
    if (noAdmin) {
      f.set("admin.enabled", false, "--no-admin");
    }
    if (adminTokenFile != null) {
      f.set("admin.token-file", adminTokenFile, "--admin-token-file");
    }
    if (metrics != null) {
      NodeConfig.HostPort hp = hostPort(metrics, "--metrics");
      f.set("metrics.address", hp.host(), "--metrics").set("metrics.port", hp.port(), "--metrics");
    }
    if (noMetrics) {
      f.set("metrics.enabled", false, "--no-metrics");
    }
    if (disableSsl) {
      f.set("disable-ssl", true, "--disable-ssl");
    }
    if (logLevel != null) {
      f.set("log-level", logLevel, "--log-level");
    }
    return f;
  }

  private List<Map<String, Object>> hostPorts(List<String> values, String hostField, String flag) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String v : values) {
      NodeConfig.HostPort hp = hostPort(v, flag);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(hostField, hp.host());
      m.put("port", hp.port());
      out.add(m);
    }
    return out;
  }

  private NodeConfig.HostPort hostPort(String v, String flag) {
    NodeConfig.HostPort hp = Environment.parseHostPort(v);
    if (hp == null) {
      throw new ParameterException(spec.commandLine(), flag + " " + v
          + ": expected HOST:PORT with a port from 0 to 65535 (IPv6 as [::1]:9999)");
    }
    return hp;
  }

  @Override
  public Integer call() {
    NodeConfig cfg;
    try {
      cfg = ConfigLoader.load(config, env, flags().toConfig());
    } catch (ConfigError e) {
      err.println("jbroker node: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    Logging.level(cfg.logLevel());
    CountDownLatch stop = new CountDownLatch(1);
    boolean signals = installSignalHandlers(stop);
    Node node;
    try {
      node = Node.start(cfg);
    } catch (ConfigError e) {
      err.println("jbroker node: " + e.getMessage());
      return ExitCodes.USAGE;
    } catch (RuntimeException e) {
      err.println("jbroker node: cannot start: " + e.getMessage());
      return ExitCodes.FAILURE;
    }
    // Also on System.exit or a signal we do not handle: close what we can.
    Thread hook = new Thread(node::close, "jbroker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    if (!signals) {
      org.slf4j.LoggerFactory.getLogger("io.jbroker.node.node")
          .warn("cannot handle SIGTERM/SIGINT here: the shutdown hook closes the node (exit status 143)");
    }
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(cfg.shutdownTimeout().toMillis());
        err.println("jbroker node: graceful shutdown did not finish within " + cfg.shutdownTimeout() + "; exiting");
        Runtime.getRuntime().halt(ExitCodes.FAILURE);
      } catch (InterruptedException e) {
        // finished in time
      }
    }, "jbroker-shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    node.close();
    watchdog.interrupt();
    return ExitCodes.OK;
  }

  /**
   * SIGTERM and SIGINT release {@code stop}; false if the JVM does not let us handle them. Uses
   * {@code sun.misc.Signal} (module jdk.unsupported) reflectively, so the build needs no access to
   * internal API.
   */
  private static boolean installSignalHandlers(CountDownLatch stop) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object h = java.lang.reflect.Proxy.newProxyInstance(NodeCommand.class.getClassLoader(), new Class<?>[] {handler},
          (proxy, method, args) -> switch (method.getName()) {
            case "handle" -> {
              stop.countDown();
              yield null;
            }
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> "jbroker signal handler";
          });
      for (String name : List.of("TERM", "INT")) {
        Object sig = signal.getConstructor(String.class).newInstance(name);
        signal.getMethod("handle", signal, handler).invoke(null, sig, h);
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }

}
