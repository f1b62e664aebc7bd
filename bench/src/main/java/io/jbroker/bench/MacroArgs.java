package io.jbroker.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line arguments of the macro benchmarks: positional words and options written as
 * {@code --name value}, {@code --name=value} or {@code name=value} (a {@code --name} followed by
 * another option or nothing is {@code true}).
 */
final class MacroArgs {
  private final List<String> positional = new ArrayList<>();
  private final Map<String, String> options = new HashMap<>();

  MacroArgs(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("--")) {
        String body = a.substring(2);
        int eq = body.indexOf('=');
        if (eq >= 0) {
          options.put(body.substring(0, eq), body.substring(eq + 1));
        } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
          options.put(body, args[++i]);
        } else {
          options.put(body, "true");
        }
      } else if (a.indexOf('=') > 0) {
        int eq = a.indexOf('=');
        options.put(a.substring(0, eq), a.substring(eq + 1));
      } else {
        positional.add(a);
      }
    }
  }

  String positional(int index, String def) {
    return index < positional.size() ? positional.get(index) : def;
  }

  String string(String name, String def) {
    return options.getOrDefault(name, def);
  }

  int integer(String name, int def) {
    String v = options.get(name);
    return v == null ? def : (int) parseLong(name, v);
  }

  long longValue(String name, long def) {
    String v = options.get(name);
    return v == null ? def : parseLong(name, v);
  }

  double real(String name, double def) {
    String v = options.get(name);
    return v == null ? def : Double.parseDouble(v);
  }

  boolean flag(String name, boolean def) {
    String v = options.get(name);
    return v == null ? def : (v.equals("true") || v.equals("on") || v.equals("yes") || v.equals("1"));
  }

  /** Accepts 1000000, 1_000_000, 1e6, 1k, 1m. */
  private static long parseLong(String name, String v) {
    String s = v.replace("_", "").trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (s.endsWith("k")) {
        return Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1e3);
      }
      if (s.endsWith("m")) {
        return Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1e6);
      }
      if (s.contains("e") || s.contains(".")) {
        return Math.round(Double.parseDouble(s));
      }
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + ": not a number: " + v);
    }
  }
}
