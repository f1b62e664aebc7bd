package io.jbroker.store;

import io.jbroker.data.BooleanData;
import io.jbroker.data.CountData;
import io.jbroker.data.Data;
import io.jbroker.data.EnumData;
import io.jbroker.data.IntegerData;
import io.jbroker.data.StringData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Options for opening a backend: Broker's {@code backend_options}, a map from option name to
 * {@link Data}, with typed accessors that refuse wrong values with {@code BACKEND_FAILURE} and a
 * message naming the option, the value and what is allowed.
 *
 * <p>One option is common to all persistent backends: {@value #DURABILITY} ({@code durable},
 * the default, or {@code relaxed}; see {@link Durability}).
 */
public final class BackendOptions {
  /** Name of the common durability option. */
  public static final String DURABILITY = "durability";

  private static final BackendOptions EMPTY = new BackendOptions(new TreeMap<>());

  private final Map<String, Data> options;

  private BackendOptions(TreeMap<String, Data> options) {
    this.options = Collections.unmodifiableMap(options);
  }

  public static BackendOptions empty() {
    return EMPTY;
  }

  public static BackendOptions of(Map<String, ? extends Data> options) {
    TreeMap<String, Data> copy = new TreeMap<>();
    options.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "option name"), Objects.requireNonNull(v, "option " + k)));
    return new BackendOptions(copy);
  }

  /** These options plus {@code name = value}. */
  public BackendOptions with(String name, Data value) {
    TreeMap<String, Data> copy = new TreeMap<>(options);
    copy.put(Objects.requireNonNull(name, "option name"), Objects.requireNonNull(value, "option " + name));
    return new BackendOptions(copy);
  }

  /** These options plus {@code name = value} as a string. */
  public BackendOptions with(String name, String value) {
    return with(name, Data.of(value));
  }

  /** All options, by name. */
  public Map<String, Data> asMap() {
    return options;
  }

  public Optional<Data> get(String name) {
    return Optional.ofNullable(options.get(name));
  }

  /**
   * Refuses any option not in {@code known}.
   *
   * @throws BrokerException with {@code BACKEND_FAILURE} naming the first unknown option
   */
  public void requireOnly(String backendType, Set<String> known) {
    for (String name : options.keySet()) {
      if (!known.contains(name)) {
        throw invalid(backendType, name, "is not an option of this backend; known options: "
            + String.join(", ", sorted(known)));
      }
    }
  }

  /** A required string option (string or enum value). */
  public String requireString(String backendType, String name) {
    Data d = options.get(name);
    if (d == null) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE,
          backendType + " backend: option \"" + name + "\" is required");
    }
    return text(backendType, name, d);
  }

  /** An optional string option. */
  public String string(String backendType, String name, String defaultValue) {
    Data d = options.get(name);
    return d == null ? defaultValue : text(backendType, name, d);
  }

  /** An optional boolean option: a boolean, or the string {@code true}/{@code false}. */
  public boolean bool(String backendType, String name, boolean defaultValue) {
    Data d = options.get(name);
    if (d == null) {
      return defaultValue;
    }
    if (d instanceof BooleanData b) {
      return b.value();
    }
    if (d instanceof StringData s) {
      String v = s.value().trim().toLowerCase(Locale.ROOT);
      if (v.equals("true") || v.equals("t")) {
        return true;
      }
      if (v.equals("false") || v.equals("f")) {
        return false;
      }
    }
    throw invalid(backendType, name, "must be a boolean, got " + d);
  }

  /** An optional non-negative number option: a count, a non-negative integer, or decimal text. */
  public long number(String backendType, String name, long defaultValue) {
    Data d = options.get(name);
    if (d == null) {
      return defaultValue;
    }
    if (d instanceof CountData c && c.value() >= 0) {
      return c.value();
    }
    if (d instanceof IntegerData i && i.value() >= 0) {
      return i.value();
    }
    if (d instanceof StringData s) {
      try {
        long v = Long.parseLong(s.value().trim());
        if (v >= 0) {
          return v;
        }
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw invalid(backendType, name, "must be a non-negative number, got " + d);
  }

  /**
   * An option choosing one of several values, given either as Broker's enum value ({@code
   * brokerPrefix} followed by the upper-case choice, e.g. {@code Broker::SQLITE_SYNCHRONOUS_FULL})
   * or by the plain choice name in any case ({@code full}), as a string or enum value.
   *
   * @param choices the allowed plain names (lower case) and what they mean
   */
  public <T> T choice(String backendType, String name, String brokerPrefix, Map<String, T> choices, T defaultValue) {
    Data d = options.get(name);
    if (d == null) {
      return defaultValue;
    }
    if (d instanceof EnumData || d instanceof StringData) {
      String v = d.toString();
      if (brokerPrefix != null && v.startsWith(brokerPrefix)) {
        v = v.substring(brokerPrefix.length());
      }
      T t = choices.get(v.toLowerCase(Locale.ROOT));
      if (t != null) {
        return t;
      }
    }
    StringBuilder allowed = new StringBuilder();
    for (String c : sorted(choices.keySet())) {
      if (allowed.length() > 0) {
        allowed.append(", ");
      }
      if (brokerPrefix == null) {
        allowed.append(c);
      } else {
        allowed.append(brokerPrefix).append(c.toUpperCase(Locale.ROOT)).append(" (or ").append(c).append(')');
      }
    }
    throw invalid(backendType, name, "has value " + d + "; allowed: " + allowed);
  }

  /** The common {@value #DURABILITY} option; {@link Durability#DURABLE} when absent. */
  public Durability durability(String backendType) {
    return choice(backendType, DURABILITY, null,
        Map.of("durable", Durability.DURABLE, "relaxed", Durability.RELAXED), Durability.DURABLE);
  }

  private static String text(String backendType, String name, Data d) {
    if (d instanceof StringData || d instanceof EnumData) {
      return d.toString();
    }
    throw invalid(backendType, name, "must be a string, got " + d);
  }

  private static java.util.List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }

  private static BrokerException invalid(String backendType, String name, String what) {
    return new BrokerException(ErrorCode.BACKEND_FAILURE,
        backendType + " backend: option \"" + name + "\" " + what);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BackendOptions b && options.equals(b.options);
  }

  @Override
  public int hashCode() {
    return options.hashCode();
  }

  @Override
  public String toString() {
    return options.toString();
  }
}
