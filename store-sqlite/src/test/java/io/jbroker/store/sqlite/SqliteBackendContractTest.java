package io.jbroker.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.store.Backend;
import io.jbroker.store.BackendContractTest;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.store.Durability;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The backend contract, run against the SQLite backend with its defaults (durable, WAL, synchronous FULL). */
class SqliteBackendContractTest extends BackendContractTest {
  @Override
  protected Backend openBackend(Path dir) {
    return Backends.open("sqlite", BackendOptions.empty().with("path", dir.resolve("store.db").toString()));
  }

  @Override
  protected boolean persistent() {
    return true;
  }

  @Test
  void defaultsAreDurableWithWalAndSynchronousFull() {
    SqliteBackend sqlite = (SqliteBackend) backend;
    assertThat(sqlite.durability()).isEqualTo(Durability.DURABLE);
    assertThat(sqlite.pragma("journal_mode")).isEqualTo("wal");
    assertThat(sqlite.pragma("synchronous")).isEqualTo("2");
  }
}
