package io.jbroker.store.rocksdb;

import io.jbroker.store.Backend;
import io.jbroker.store.BackendContractTest;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import java.nio.file.Path;

/**
 * The backend contract, run against a relaxed RocksDB backend without compression, block cache
 * or read cache.
 */
class RelaxedRocksDbBackendContractTest extends BackendContractTest {
  @Override
  protected Backend openBackend(Path dir) {
    return Backends.open("rocksdb", BackendOptions.empty()
        .with("path", dir.resolve("db").toString())
        .with("durability", "relaxed")
        .with("compression", "none")
        .with("block_cache_size", "0")
        .with("cache_entries", "0"));
  }

  @Override
  protected boolean persistent() {
    return true;
  }
}
