package io.jbroker.store.memory;

import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.BackendProvider;

/**
 * Provides the {@code memory} backend. Like Broker's, it accepts any options and ignores them
 * (spec/broker-stores.md §11.2).
 */
public final class MemoryBackendProvider implements BackendProvider {
  public static final String TYPE = "memory";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Backend open(BackendOptions options) {
    return new MemoryBackend();
  }
}
