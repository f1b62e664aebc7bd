package io.jbroker.replication.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.proto.replication.v1.WriterState;
import io.jbroker.store.Backend;
import io.jbroker.store.memory.MemoryBackend;
import org.junit.jupiter.api.Test;

/** The writer journal in a backend's metadata: saved, listed by writer id (all 64 bits), deleted. */
class BackendJournalTest {
  @Test
  void writersAreListedByTheirIdsAndDeletedOneByOne() {
    Backend backend = new MemoryBackend();
    BackendJournal journal = new BackendJournal(backend);
    long high = 0xF123_4567_89AB_CDEFL; // negative as a long: the id is unsigned hex in the name
    journal.save(high, WriterState.newBuilder().setApplied(3).build());
    journal.save(7, WriterState.newBuilder().setApplied(1).build());
    backend.putMeta("replication.writer.not-hex", new byte[] {1}); // not a writer's: skipped
    backend.putMeta("replication.other", new byte[] {1});

    assertThat(journal.writers()).containsExactlyInAnyOrder(high, 7L);
    assertThat(journal.load(high).getApplied()).isEqualTo(3);

    journal.delete(high);
    assertThat(journal.load(high)).isNull();
    assertThat(journal.writers()).containsExactly(7L);
    assertThat(backend.getMeta("replication.other")).isNotNull();
  }
}
