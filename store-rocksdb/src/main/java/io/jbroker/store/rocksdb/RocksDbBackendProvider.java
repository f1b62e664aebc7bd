package io.jbroker.store.rocksdb;

import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.BackendProvider;

/**
 * Provides the {@code rocksdb} backend: {@link RocksDbBackend} with the options of {@link
 * RocksDbConfig} ({@code path} required).
 */
public final class RocksDbBackendProvider implements BackendProvider {
  @Override
  public String type() {
    return RocksDbConfig.TYPE;
  }

  @Override
  public Backend open(BackendOptions options) {
    return RocksDbBackend.open(RocksDbConfig.from(options));
  }
}
