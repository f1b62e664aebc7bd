package io.jbroker.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;

/**
 * The command-line layer of the configuration: values set by flags, each remembering the flag
 * that set it (so errors can name it). Later settings win.
 */
public final class Flags {
  private Config layer = ConfigFactory.empty();

  /** Sets {@code key} to {@code value} (a string, number, boolean, list or map) on behalf of {@code flag}. */
  public Flags set(String key, Object value, String flag) {
    layer = ConfigValueFactory.fromAnyRef(value, "command-line flag " + flag).atPath(key).withFallback(layer);
    return this;
  }

  /**
   * Applies {@code key=value} where the value is HOCON ({@code --set admin.port=9000}, {@code
   * --set 'stores.kv={role=master,backend=memory}'}).
   *
   * @throws ConfigError if it is not {@code key=value} or does not parse
   */
  public Flags assignment(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError("--set", "\"" + text + "\"", "command line", "must be key=value, e.g. --set admin.port=9000");
    }
    String key = text.substring(0, eq).trim();
    try {
      Config c = ConfigFactory.parseString(key + " = " + text.substring(eq + 1),
          ConfigParseOptions.defaults().setOriginDescription("command-line flag --set " + key));
      layer = c.withFallback(layer);
    } catch (ConfigException e) {
      throw new ConfigError(key, "\"" + text.substring(eq + 1) + "\"", "command-line flag --set",
          "is not a HOCON value: " + e.getMessage());
    }
    return this;
  }

  public Config toConfig() {
    return layer;
  }
}
