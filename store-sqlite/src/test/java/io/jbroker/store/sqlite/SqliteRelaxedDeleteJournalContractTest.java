package io.jbroker.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.BackendContractTest;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.store.Durability;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The backend contract, run against the SQLite backend in relaxed mode with a rollback journal
 * and without the read cache (the default contract run has it on).
 */
class SqliteRelaxedDeleteJournalContractTest extends BackendContractTest {
  @Override
  protected Backend openBackend(Path dir) {
    return Backends.open("sqlite", BackendOptions.empty()
        .with("path", dir.resolve("relaxed.db").toString())
        .with("durability", "relaxed")
        .with("journal_mode", Data.enumValue("Broker::SQLITE_JOURNAL_MODE_DELETE"))
        .with("cache_entries", Data.count(0)));
  }

  @Override
  protected boolean persistent() {
    return true;
  }

  @Test
  void relaxedRunsWithSynchronousOffAndTheRollbackJournal() {
    SqliteBackend sqlite = (SqliteBackend) backend;
    assertThat(sqlite.durability()).isEqualTo(Durability.RELAXED);
    assertThat(sqlite.pragma("journal_mode")).isEqualTo("delete");
    assertThat(sqlite.pragma("synchronous")).isEqualTo("0");
  }
}
