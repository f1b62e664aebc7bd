package io.jbroker.store;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds {@link BackendProvider}s on the class path and opens backends by type name. */
public final class Backends {
  private Backends() {}

  /** The providers on the class path, by type name. */
  public static Map<String, BackendProvider> providers() {
    Map<String, BackendProvider> byType = new TreeMap<>();
    for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
      byType.putIfAbsent(p.type(), p);
    }
    return byType;
  }

  /** The provider of backend type {@code type}. */
  public static BackendProvider provider(String type) {
    Map<String, BackendProvider> all = providers();
    BackendProvider p = all.get(type);
    if (p == null) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE,
          "unknown backend type \"" + type + "\"; available: " + String.join(", ", all.keySet()));
    }
    return p;
  }

  /** Opens a backend of type {@code type} (e.g. {@code memory}) with {@code options}. */
  public static Backend open(String type, BackendOptions options) {
    return provider(type).open(options);
  }
}
