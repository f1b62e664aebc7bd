package io.jbroker.store.rocksdb;

import io.jbroker.store.Backend;
import io.jbroker.store.BackendContractTest;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import java.nio.file.Path;

/**
 * The backend contract, run against a durable RocksDB backend opened through the provider, with
 * the read cache on (it is off by default) so that the contract covers it.
 */
class RocksDbBackendContractTest extends BackendContractTest {
  @Override
  protected Backend openBackend(Path dir) {
    return Backends.open("rocksdb", BackendOptions.empty().with("path", dir.resolve("db").toString())
        .with("cache_entries", "1000"));
  }

  @Override
  protected boolean persistent() {
    return true;
  }
}
