package io.jbroker.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.jbroker.endpoint.EndpointConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The environment layer of the configuration: which variables set which keys. The one place for
 * this mapping (README.md documents it).
 *
 * <ul>
 *   <li><b>{@code BROKER_<KEY>}</b> for every setting of {@code reference.conf}: the key in upper
 *       case with {@code .} and {@code -} turned into {@code _}. {@code BROKER_ADMIN_PORT=9990}
 *       sets {@code admin.port}, {@code BROKER_SSL_CAFILE} sets {@code ssl.cafile}, {@code
 *       BROKER_DATA_DIR} sets {@code data-dir}. Values are read like the file's: {@code true},
 *       {@code 10s}, {@code 9990}.
 *   <li>{@code BROKER_LISTEN} and {@code BROKER_PEERS} take a comma-separated list of {@code
 *       host:port} (IPv6 in brackets: {@code [::1]:9999}), or a HOCON list as in the file.
 *       Peers from the environment use the connect retry.
 *   <li>Broker's and Zeek's own variables: {@code BROKER_CONSOLE_VERBOSITY} sets {@code
 *       log-level}, {@code BROKER_METRICS_PORT} is {@code metrics.port} by the rule above, and
 *       {@code ZEEK_DEFAULT_CONNECT_RETRY}, {@code ZEEK_DEFAULT_LISTEN_RETRY} (seconds, e.g.
 *       {@code 30} or {@code 2.5}) and {@code ZEEK_BROKER_MAX_THREADS} set {@code connect-retry},
 *       {@code listen-retry} and {@code max-threads}. When both a Broker/Zeek variable and the
 *       {@code BROKER_<KEY>} variable of the same key are set, {@code BROKER_<KEY>} wins.
 *   <li>Stores cannot be set through the environment. Other {@code BROKER_*} variables are
 *       ignored (Broker has some of its own) and listed in the log at debug level.
 * </ul>
 */
public final class Environment {
  /** How a variable's text becomes a configuration value. */
  public enum Kind {
    /** Read like a value in the file (string, number, boolean, duration). */
    VALUE,
    /** A list of {@code host:port} → [{address, port}]. */
    LISTEN_LIST,
    /** A list of {@code host:port} → [{host, port}]. */
    PEER_LIST,
    /** Seconds as Zeek reads them → a duration. */
    SECONDS,
    /** A positive integer as Zeek reads it. */
    THREADS
  }

  /** One variable and the key it sets. */
  public record Variable(String name, String key, Kind kind) {}

  /** Broker's and Zeek's variables, applied before the {@code BROKER_<KEY>} ones. */
  private static final List<Variable> ALIASES = List.of(
      new Variable("BROKER_CONSOLE_VERBOSITY", "log-level", Kind.VALUE),
      new Variable(EndpointConfig.ENV_CONNECT_RETRY, "connect-retry", Kind.SECONDS),
      new Variable(EndpointConfig.ENV_LISTEN_RETRY, "listen-retry", Kind.SECONDS),
      new Variable(EndpointConfig.ENV_MAX_THREADS, "max-threads", Kind.THREADS));

  private Environment() {}

  /** The variable name of {@code key}: {@code BROKER_} + key in upper case, {@code .-} → {@code _}. */
  public static String variableName(String key) {
    return "BROKER_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** Every variable the node reads, aliases first, in the order they are applied. */
  public static List<Variable> variables(Config reference) {
    List<Variable> out = new ArrayList<>(ALIASES);
    TreeMap<String, ConfigValue> leaves = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      leaves.put(e.getKey(), e.getValue());
    }
    for (String key : leaves.keySet()) {
      Kind kind = switch (key) {
        case "listen" -> Kind.LISTEN_LIST;
        case "peers" -> Kind.PEER_LIST;
        default -> Kind.VALUE;
      };
      out.add(new Variable(variableName(key), key, kind));
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The configuration layer that {@code env} defines.
   *
   * @throws ConfigError naming the variable and its key if a value cannot be read
   */
  public static Config layer(Map<String, String> env, Config reference) {
    Map<String, Object> unused = new LinkedHashMap<>();
    Config layer = ConfigFactory.empty();
    for (Variable v : variables(reference)) {
      String text = env.get(v.name());
      if (text == null) {
        continue;
      }
      String origin = "environment variable " + v.name();
      ConfigValue value = switch (v.kind()) {
        case VALUE -> ConfigValueFactory.fromAnyRef(text, origin);
        case LISTEN_LIST -> hostPorts(text, v, origin, "address");
        case PEER_LIST -> hostPorts(text, v, origin, "host");
        case SECONDS -> seconds(text, v, origin);
        case THREADS -> threads(text, v, origin);
      };
      // later variables of the same key win: BROKER_<KEY> after the aliases
      layer = value.atPath(v.key()).withFallback(layer);
    }
    for (String name : env.keySet()) {
      if (name.startsWith("BROKER_") && variables(reference).stream().noneMatch(v -> v.name().equals(name))) {
        unused.put(name, env.get(name));
      }
    }
    if (!unused.isEmpty()) {
      org.slf4j.LoggerFactory.getLogger(Environment.class).debug("ignoring environment variables {}", unused.keySet());
    }
    return layer;
  }

  private static ConfigValue seconds(String text, Variable v, String origin) {
    try {
      EndpointConfig.Builder b = EndpointConfig.builder().environment(Map.of(v.name(), text));
      EndpointConfig c = b.build();
      Duration d = v.key().equals("connect-retry") ? c.connectRetry() : c.listenRetry();
      return ConfigValueFactory.fromAnyRef(d.toNanos() + "ns", origin);
    } catch (IllegalArgumentException e) {
      throw new ConfigError(v.key(), quote(text), origin, "must be a non-negative number of seconds, e.g. 30 or 2.5");
    }
  }

  private static ConfigValue threads(String text, Variable v, String origin) {
    try {
      EndpointConfig c = EndpointConfig.builder().environment(Map.of(v.name(), text)).build();
      return ConfigValueFactory.fromAnyRef(c.ioThreads(), origin);
    } catch (IllegalArgumentException e) {
      throw new ConfigError(v.key(), quote(text), origin, "must be a thread count from 1 to 256");
    }
  }

  private static ConfigValue hostPorts(String text, Variable v, String origin, String hostField) {
    String t = text.trim();
    if (t.startsWith("[") && (t.indexOf('{') >= 0 || t.replace(" ", "").equals("[]"))) {
      try {
        Config c = ConfigFactory.parseString("v = " + t, ConfigParseOptions.defaults().setOriginDescription(origin));
        ConfigList list = c.getList("v");
        return list;
      } catch (ConfigException e) {
        throw new ConfigError(v.key(), quote(text), origin,
            "must be host:port[,host:port…] or a HOCON list such as [{" + hostField + " = \"127.0.0.1\", port = 9999}]");
      }
    }
    List<Map<String, Object>> out = new ArrayList<>();
    if (!t.isEmpty()) {
      for (String part : t.split(",")) {
        NodeConfig.HostPort hp = parseHostPort(part.trim());
        if (hp == null) {
          throw new ConfigError(v.key(), quote(text), origin,
              "must be a comma-separated list of host:port with a port from 0 to 65535 (IPv6 as [::1]:9999); \""
                  + part.trim() + "\" is not");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(hostField, hp.host());
        m.put("port", hp.port());
        out.add(m);
      }
    }
    return ConfigValueFactory.fromIterable(out, origin);
  }

  /** {@code host:port} or {@code [v6]:port} with a port 0–65535; {@code null} if malformed. */
  public static NodeConfig.HostPort parseHostPort(String s) {
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
        return null;
      }
      host = s.substring(1, close);
      port = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon <= 0 || s.indexOf(':') != colon) {
        return null;
      }
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
    }
    if (host.isEmpty() || port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
      return null;
    }
    int p = Integer.parseInt(port);
    return p > 65535 ? null : new NodeConfig.HostPort(host, p);
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}
