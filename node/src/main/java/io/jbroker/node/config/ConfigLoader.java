package io.jbroker.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.jbroker.data.Data;
import io.jbroker.endpoint.OverflowPolicy;
import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.error.BrokerException;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds a {@link NodeConfig} from four layers, each overriding the one before: the defaults
 * ({@code reference.conf}), the config file (HOCON), the environment ({@link Environment}) and
 * the command-line flags. Every value is checked; the first bad one stops loading with a {@link
 * ConfigError} that names the key, the value, where it came from and what is allowed. Unknown
 * keys are errors too.
 */
public final class ConfigLoader {
  /** The log levels of {@code log-level} (Broker's names; {@code warn} is accepted for warning). */
  public static final List<String> LOG_LEVELS = List.of("trace", "debug", "info", "warning", "error", "quiet");

  private static final Set<String> MASTER_KEYS = Set.of("role", "backend", "options");
  private static final Set<String> CLONE_KEYS = Set.of("role", "resync-interval", "stale-interval",
      "mutation-buffer-interval");
  private static final Set<String> LISTEN_KEYS = Set.of("address", "port");
  private static final Set<String> PEER_KEYS = Set.of("host", "port", "retry");

  private ConfigLoader() {}

  /** The defaults. */
  public static Config reference() {
    return ConfigFactory.parseURL(ConfigLoader.class.getResource("/reference.conf"),
        ConfigParseOptions.defaults().setOriginDescription("defaults (reference.conf)").setAllowMissing(false));
  }

  /**
   * Loads and checks the configuration.
   *
   * @param file the config file, or {@code null} for none
   * @param env the environment (normally {@link System#getenv()})
   * @param flags the command-line layer (see {@link Flags})
   * @throws ConfigError for the first bad value, unknown key or unreadable file
   */
  public static NodeConfig load(Path file, Map<String, String> env, Config flags) {
    return read(merge(file, env, flags));
  }

  /** The merged, resolved layers, unchecked. */
  public static Config merge(Path file, Map<String, String> env, Config flags) {
    Config reference = reference();
    Config fileLayer = ConfigFactory.empty();
    if (file != null) {
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new ConfigError("--config", file.toString(), "command line", "no such readable file");
      }
      try {
        fileLayer = ConfigFactory.parseFile(file.toFile(),
            ConfigParseOptions.defaults().setAllowMissing(false).setOriginDescription(file.toString()));
      } catch (ConfigException e) {
        throw new ConfigError("--config", file.toString(), "command line", "not valid HOCON: " + e.getMessage());
      }
    }
    Config envLayer = Environment.layer(env, reference);
    try {
      return flags.withFallback(envLayer).withFallback(fileLayer).withFallback(reference)
          .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
    } catch (ConfigException.UnresolvedSubstitution e) {
      throw new ConfigError("substitution", null, e.origin() == null ? null : e.origin().description(),
          "cannot be resolved: " + e.getMessage());
    }
  }

  /** Checks and converts a merged configuration. */
  public static NodeConfig read(Config c) {
    checkKnownKeys(c.root(), reference().root(), "");
    Reader r = new Reader(c);
    EndpointId id = null;
    String idText = r.string("id");
    if (!idText.isEmpty()) {
      try {
        id = EndpointId.parse(idText);
        if (id.isNil()) {
          throw new IllegalArgumentException("nil");
        }
      } catch (RuntimeException e) {
        throw r.error("id", "must be empty (a random id) or a UUID other than the nil UUID, "
            + "e.g. 8f2f1b5e-4b0e-4c55-9d1a-6c1c5d2f7a10");
      }
    }
    Path dataDir = r.path("data-dir", false);
    List<NodeConfig.HostPort> listen = new ArrayList<>();
    List<? extends ConfigObject> listenList = r.objectList("listen", LISTEN_KEYS);
    for (int i = 0; i < listenList.size(); i++) {
      Reader e = new Reader(listenList.get(i).toConfig());
      String prefix = "listen[" + i + "].";
      listen.add(new NodeConfig.HostPort(e.string("address", prefix), e.port("port", prefix)));
    }
    Duration connectRetry = r.duration("connect-retry", true);
    List<NodeConfig.Peer> peers = new ArrayList<>();
    List<? extends ConfigObject> peerList = r.objectList("peers", PEER_KEYS);
    for (int i = 0; i < peerList.size(); i++) {
      Config pc = peerList.get(i).toConfig();
      Reader e = new Reader(pc);
      String prefix = "peers[" + i + "].";
      String host = e.string("host", prefix);
      if (host.isEmpty()) {
        throw e.error("host", prefix, "must be a host name or address");
      }
      int port = e.port("port", prefix);
      if (port == 0) {
        throw e.error("port", prefix, "must be a port number from 1 to 65535");
      }
      Duration retry = pc.hasPath("retry") ? e.duration("retry", prefix, true) : connectRetry;
      peers.add(new NodeConfig.Peer(host, port, retry));
    }
    int ttl = r.integer("ttl", 1, 65535);
    int peerBufferSize = r.integer("peer-buffer-size", 1, 1 << 24);
    OverflowPolicy policy;
    String policyText = r.string("peer-overflow-policy");
    try {
      policy = OverflowPolicy.parse(policyText);
    } catch (IllegalArgumentException e) {
      throw r.error("peer-overflow-policy", "must be one of disconnect, drop_oldest, drop_newest");
    }
    TlsConfig tls = tls(r);
    List<NodeConfig.StoreConfig> stores = stores(c, r, dataDir);
    Duration requestTimeout = r.duration("request-timeout", false);
    Duration writerRetention = r.duration("writer-retention", false);
    try {
      NodeConfig.replicationSettings(requestTimeout, writerRetention); // the settings' own rule
    } catch (IllegalArgumentException e) {
      throw r.error("writer-retention", "at least request-timeout and the clone timeout (" + e.getMessage() + ")");
    }
    NodeConfig.Admin admin = admin(r);
    NodeConfig.Metrics metrics = new NodeConfig.Metrics(r.bool("metrics.enabled"), r.string("metrics.address"),
        r.port("metrics.port"), r.bool("metrics.jvm"));
    String level = r.string("log-level").toLowerCase(java.util.Locale.ROOT);
    if (level.equals("warn")) {
      level = "warning";
    }
    if (!LOG_LEVELS.contains(level)) {
      throw r.error("log-level", "must be one of " + String.join(", ", LOG_LEVELS));
    }
    return new NodeConfig(id, dataDir, listen, r.duration("listen-retry", true), peers, connectRetry,
        r.integer("max-threads", 1, 256), !r.bool("disable-forwarding"), ttl, peerBufferSize, policy, tls, stores,
        requestTimeout, writerRetention, admin, metrics, level, r.duration("shutdown-timeout", false));
  }

  private static TlsConfig tls(Reader r) {
    boolean disable = r.bool("disable-ssl");
    String cert = r.file("ssl.certificate");
    String key = r.file("ssl.key");
    String passphrase = r.string("ssl.passphrase");
    String cafile = r.file("ssl.cafile");
    String capath = r.string("ssl.capath");
    if (!capath.isEmpty() && !Files.isDirectory(Path.of(capath))) {
      throw r.error("ssl.capath", "must be a readable directory of CA certificates (PEM)");
    }
    if (disable) {
      return TlsConfig.disabled();
    }
    boolean any = !cert.isEmpty() || !key.isEmpty() || !passphrase.isEmpty() || !cafile.isEmpty() || !capath.isEmpty();
    if (any) {
      if (cert.isEmpty()) {
        throw r.error("ssl.certificate", "is required when any ssl option is set (mutual TLS needs "
            + "ssl.certificate, ssl.key and ssl.cafile or ssl.capath)");
      }
      if (key.isEmpty()) {
        throw r.error("ssl.key", "is required when ssl.certificate is set");
      }
      if (cafile.isEmpty() && capath.isEmpty()) {
        throw r.error("ssl.cafile", "or ssl.capath is required with ssl.certificate: without a CA no peer "
            + "certificate can be verified");
      }
    }
    try {
      return TlsConfig.fromBrokerOptions(false, cert, key, passphrase, cafile, capath);
    } catch (BrokerException e) {
      throw r.error("ssl", e.getMessage());
    }
  }

  private static NodeConfig.Admin admin(Reader r) {
    String token = r.string("admin.token");
    String tokenFile = r.file("admin.token-file");
    if (token.isEmpty() && !tokenFile.isEmpty()) {
      try {
        List<String> lines = Files.readAllLines(Path.of(tokenFile), StandardCharsets.UTF_8);
        token = lines.isEmpty() ? "" : lines.get(0).trim();
      } catch (IOException e) {
        throw r.error("admin.token-file", "cannot be read: " + e.getMessage());
      }
      if (token.isEmpty()) {
        throw r.error("admin.token-file", "must hold the token on its first line, but that line is empty");
      }
    }
    if (!token.isEmpty() && token.chars().anyMatch(ch -> ch <= 0x20 || ch >= 0x7F)) {
      throw new ConfigError("admin.token", "(hidden)", r.origin("admin.token"),
          "must be printable ASCII without spaces (it travels in an HTTP/2 header)");
    }
    String cert = r.file("admin.tls.certificate");
    String key = r.file("admin.tls.key");
    String pass = r.string("admin.tls.passphrase");
    String clientCa = r.file("admin.tls.client-ca");
    NodeConfig.AdminTls tls = null;
    if (!cert.isEmpty() || !key.isEmpty() || !clientCa.isEmpty()) {
      if (cert.isEmpty() || key.isEmpty()) {
        throw r.error(cert.isEmpty() ? "admin.tls.certificate" : "admin.tls.key",
            "is required: admin TLS needs both admin.tls.certificate and admin.tls.key");
      }
      tls = new NodeConfig.AdminTls(Path.of(cert), Path.of(key), pass.isEmpty() ? null : pass,
          clientCa.isEmpty() ? null : Path.of(clientCa));
    }
    return new NodeConfig.Admin(r.bool("admin.enabled"), r.string("admin.address"), r.port("admin.port"),
        token.isEmpty() ? null : token, tls, r.integer("admin.stream-buffer", 16, 1 << 24));
  }

  private static List<NodeConfig.StoreConfig> stores(Config c, Reader r, Path dataDir) {
    if (!c.hasPath("stores")) {
      return List.of(NodeConfig.defaultStore());
    }
    ConfigValue v = c.getValue("stores");
    if (v.valueType() != ConfigValueType.OBJECT) {
      throw r.error("stores", "must be an object of stores by name, e.g. stores { default { role = master, backend = sqlite } }");
    }
    Set<String> backends = Backends.providers().keySet();
    List<NodeConfig.StoreConfig> out = new ArrayList<>();
    ConfigObject stores = (ConfigObject) v;
    for (String name : new TreeSet<>(stores.keySet())) {
      String key = "stores." + quoteKey(name);
      ConfigValue sv = stores.get(name);
      if (sv.valueType() != ConfigValueType.OBJECT) {
        throw new ConfigError(key, render(sv), origin(sv), "must be an object with role = master or role = clone");
      }
      if (name.isEmpty() || name.contains("<$>")) {
        throw new ConfigError(key, render(sv), origin(sv), "a store name must be non-empty and must not contain <$>");
      }
      ConfigObject so = (ConfigObject) sv;
      Reader s = new Reader(so.toConfig());
      String prefix = key + ".";
      if (!so.containsKey("role")) {
        throw new ConfigError(key, render(sv), origin(sv), "needs role = master or role = clone");
      }
      String role = s.string("role", prefix);
      switch (role) {
        case "master" -> {
          checkKeys(so, MASTER_KEYS, prefix);
          String backend = so.containsKey("backend") ? s.string("backend", prefix) : "sqlite";
          if (!backends.contains(backend)) {
            throw s.error("backend", prefix, "must be one of " + String.join(", ", backends));
          }
          BackendOptions options = BackendOptions.empty();
          if (so.containsKey("options")) {
            ConfigValue ov = so.get("options");
            if (ov.valueType() != ConfigValueType.OBJECT) {
              throw new ConfigError(prefix + "options", render(ov), origin(ov), "must be an object of backend options");
            }
            for (Map.Entry<String, ConfigValue> e : ((ConfigObject) ov).entrySet()) {
              options = options.with(e.getKey(), optionValue(prefix + "options." + quoteKey(e.getKey()), e.getValue()));
            }
          }
          out.add(new NodeConfig.Master(name, backend, options));
        }
        case "clone" -> {
          checkKeys(so, CLONE_KEYS, prefix);
          out.add(new NodeConfig.Clone(name,
              so.containsKey("resync-interval") ? s.duration("resync-interval", prefix, false) : Duration.ofSeconds(10),
              so.containsKey("stale-interval") ? s.duration("stale-interval", prefix, false) : Duration.ofSeconds(300),
              so.containsKey("mutation-buffer-interval")
                  ? s.duration("mutation-buffer-interval", prefix, false) : Duration.ofSeconds(120)));
        }
        default -> throw s.error("role", prefix, "must be master or clone");
      }
    }
    return out;
  }

  private static Data optionValue(String key, ConfigValue v) {
    Object o = v.unwrapped();
    if (o instanceof String s) {
      return Data.of(s);
    }
    if (o instanceof Boolean b) {
      return Data.of(b);
    }
    if (o instanceof Integer || o instanceof Long) {
      long n = ((Number) o).longValue();
      return n >= 0 ? Data.count(n) : Data.integer(n);
    }
    if (o instanceof Number n) {
      return Data.real(n.doubleValue());
    }
    throw new ConfigError(key, render(v), origin(v), "a backend option must be a string, number or boolean");
  }

  // ---- unknown keys ---------------------------------------------------------------------------

  private static void checkKnownKeys(ConfigObject actual, ConfigObject reference, String prefix) {
    for (Map.Entry<String, ConfigValue> e : actual.entrySet()) {
      String k = e.getKey();
      String path = prefix + quoteKey(k);
      if (prefix.isEmpty() && k.equals("stores")) {
        continue; // free-form, checked by stores()
      }
      ConfigValue ref = reference.get(k);
      if (ref == null) {
        throw new ConfigError(path, render(e.getValue()), origin(e.getValue()),
            "unknown key; known keys" + (prefix.isEmpty() ? "" : " of " + prefix.substring(0, prefix.length() - 1))
                + ": " + String.join(", ", new TreeSet<>(known(reference))));
      }
      if (ref.valueType() == ConfigValueType.OBJECT) {
        if (e.getValue().valueType() != ConfigValueType.OBJECT) {
          throw new ConfigError(path, render(e.getValue()), origin(e.getValue()),
              "must be an object with keys " + String.join(", ", new TreeSet<>(((ConfigObject) ref).keySet())));
        }
        checkKnownKeys((ConfigObject) e.getValue(), (ConfigObject) ref, path + ".");
      }
    }
  }

  private static Set<String> known(ConfigObject reference) {
    Set<String> s = new TreeSet<>(reference.keySet());
    if (reference.containsKey("listen")) {
      s.add("stores");
    }
    return s;
  }

  private static void checkKeys(ConfigObject o, Set<String> allowed, String prefix) {
    for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw new ConfigError(prefix + quoteKey(e.getKey()), render(e.getValue()), origin(e.getValue()),
            "unknown key here; allowed: " + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  static String quoteKey(String k) {
    return k.matches("[A-Za-z0-9_-]+") ? k : "\"" + k.replace("\"", "\\\"") + "\"";
  }

  static String render(ConfigValue v) {
    String s = v.render(ConfigRenderOptions.concise());
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  static String origin(ConfigValue v) {
    return v.origin() == null ? null : v.origin().description();
  }

  /** Typed access to one config object with errors that name the key. */
  static final class Reader {
    private final Config c;

    Reader(Config c) {
      this.c = c;
    }

    String origin(String key) {
      return c.hasPath(key) ? ConfigLoader.origin(c.getValue(key)) : null;
    }

    ConfigError error(String key, String allowed) {
      return error(key, "", allowed);
    }

    ConfigError error(String key, String prefix, String allowed) {
      String value = c.hasPathOrNull(key) ? (c.getIsNull(key) ? "null" : render(c.getValue(key))) : null;
      return new ConfigError(prefix + key, value, origin(key), allowed);
    }

    private void require(String key, String prefix, String what) {
      if (!c.hasPathOrNull(key)) {
        throw new ConfigError(prefix + key, null, null, "is required: " + what);
      }
      if (c.getIsNull(key)) {
        throw error(key, prefix, what);
      }
    }

    String string(String key) {
      return string(key, "");
    }

    String string(String key, String prefix) {
      require(key, prefix, "a string");
      ConfigValue v = c.getValue(key);
      return switch (v.valueType()) {
        case STRING, NUMBER, BOOLEAN -> String.valueOf(v.unwrapped());
        default -> throw error(key, prefix, "must be a string");
      };
    }

    boolean bool(String key) {
      require(key, "", "true or false");
      try {
        return c.getBoolean(key);
      } catch (ConfigException e) {
        throw error(key, "must be true or false (also yes/no, on/off)");
      }
    }

    int integer(String key, int min, int max) {
      return integer(key, "", min, max, "must be a whole number from " + min + " to " + max);
    }

    int integer(String key, String prefix, int min, int max, String allowed) {
      require(key, prefix, allowed);
      long v;
      try {
        v = c.getLong(key);
      } catch (ConfigException e) {
        throw error(key, prefix, allowed);
      }
      if (c.getValue(key).unwrapped() instanceof Double || v < min || v > max) {
        throw error(key, prefix, allowed);
      }
      return (int) v;
    }

    int port(String key) {
      return port(key, "");
    }

    int port(String key, String prefix) {
      return integer(key, prefix, 0, 65535, "must be a port number from 0 to 65535 (0: any free port)");
    }

    Duration duration(String key, boolean allowZero) {
      return duration(key, "", allowZero);
    }

    Duration duration(String key, String prefix, boolean allowZero) {
      String allowed = "must be a " + (allowZero ? "non-negative" : "positive")
          + " duration such as 10s, 500ms or 2m";
      require(key, prefix, allowed);
      Duration d;
      try {
        d = c.getDuration(key);
      } catch (ConfigException e) {
        throw error(key, prefix, allowed);
      }
      if (d.isNegative() || (!allowZero && d.isZero())) {
        throw error(key, prefix, allowed);
      }
      return d;
    }

    Path path(String key, boolean mustExist) {
      String s = string(key);
      if (s.isEmpty()) {
        throw error(key, "must be a path");
      }
      try {
        Path p = Path.of(s);
        if (mustExist && !Files.isReadable(p)) {
          throw error(key, "must name a readable file");
        }
        return p;
      } catch (InvalidPathException e) {
        throw error(key, "must be a valid path: " + e.getMessage());
      }
    }

    /** A file option: empty, or a readable regular file. */
    String file(String key) {
      String s = string(key);
      if (s.isEmpty()) {
        return s;
      }
      try {
        if (!Files.isRegularFile(Path.of(s)) || !Files.isReadable(Path.of(s))) {
          throw error(key, "must name a readable file (or be empty)");
        }
      } catch (InvalidPathException e) {
        throw error(key, "must be a valid path: " + e.getMessage());
      }
      return s;
    }

    List<? extends ConfigObject> objectList(String key, Set<String> allowedKeys) {
      String example = key.equals("listen") ? "[{address = \"127.0.0.1\", port = 9999}]"
          : "[{host = \"127.0.0.1\", port = 9999, retry = 10s}]";
      require(key, "", "a list such as " + example);
      ConfigValue v = c.getValue(key);
      if (v.valueType() != ConfigValueType.LIST) {
        throw error(key, "must be a list such as " + example);
      }
      List<ConfigObject> out = new ArrayList<>();
      ConfigList list = (ConfigList) v;
      for (int i = 0; i < list.size(); i++) {
        ConfigValue e = list.get(i);
        if (e.valueType() != ConfigValueType.OBJECT) {
          throw new ConfigError(key + "[" + i + "]", render(e), ConfigLoader.origin(e),
              "must be an object such as " + example.substring(1, example.length() - 1));
        }
        ConfigObject o = (ConfigObject) e;
        for (Map.Entry<String, ConfigValue> f : o.entrySet()) {
          if (!allowedKeys.contains(f.getKey())) {
            throw new ConfigError(key + "[" + i + "]." + quoteKey(f.getKey()), render(f.getValue()),
                ConfigLoader.origin(f.getValue()), "unknown key; allowed: " + String.join(", ", new TreeSet<>(allowedKeys)));
          }
        }
        out.add(o);
      }
      return out;
    }
  }
}
