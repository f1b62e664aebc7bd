package io.jbroker.node.config;

/**
 * A configuration value that cannot be used: names the key, the value as given, where it came
 * from (file and line, environment variable, flag) and what is allowed. Start-up stops with
 * this message.
 */
public final class ConfigError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String value;
  private final String origin;
  private final String allowed;

  public ConfigError(String key, String value, String origin, String allowed) {
    super(render(key, value, origin, allowed));
    this.key = key;
    this.value = value;
    this.origin = origin;
    this.allowed = allowed;
  }

  /** The key, e.g. {@code admin.port}. */
  public String key() {
    return key;
  }

  /** The offending value as given, or {@code null} for a problem without a value (a missing key). */
  public String value() {
    return value;
  }

  /** Where the value came from, e.g. {@code examples/master.conf: 12} or {@code environment variable BROKER_ADMIN_PORT}. */
  public String origin() {
    return origin;
  }

  /** What would have been accepted. */
  public String allowed() {
    return allowed;
  }

  private static String render(String key, String value, String origin, String allowed) {
    StringBuilder sb = new StringBuilder("invalid configuration: ").append(key);
    if (value != null) {
      sb.append(" = ").append(value);
    }
    if (origin != null && !origin.isEmpty()) {
      sb.append(" (from ").append(origin).append(')');
    }
    return sb.append(": ").append(allowed).toString();
  }
}
