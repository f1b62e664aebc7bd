package io.jbroker.replication.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.proto.replication.v1.WriteResult;
import io.jbroker.proto.replication.v1.WriteResults;
import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.EntityId;
import io.jbroker.store.ManualClock;
import io.jbroker.store.Mutation;
import io.jbroker.store.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clone write resent to a master restarted on the same SQLite file is answered, not applied
 * again: the writer journal travels in the backend's metadata, committed with the data.
 */
class MasterRestartJournalTest {
  private static final long CLONE = 0x42L;
  private static final EndpointId CLONE_ENDPOINT = EndpointId.of(new byte[] {
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  private static final EntityId MASTER = MasterHarness.MASTER;

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<WriteResults> answers = new ArrayList<>();

  private Backend open() {
    return SqliteBackend.open(BackendOptions.empty().with("path", dir.resolve("kv.sqlite").toString()));
  }

  private MasterState master(Backend backend, long epoch, WriterJournal journal) {
    return MasterHarness.master(backend, epoch, clock, ReplicationSettings.defaults(), journal, answers);
  }

  private static StoreMessage writes(long first, Mutation... mutations) {
    return MasterHarness.writes(CLONE, CLONE_ENDPOINT, first, mutations);
  }

  private static Data result(WriteResult r) {
    return BinaryCodec.decode(r.getValue().toByteArray());
  }

  /** Applies two clone writes on a first master, "restarts" it on the same file, and resends them. */
  private MasterState resendAfterRestart(boolean journalled) {
    Backend first = open();
    MasterState m1 = master(first, 1, journalled ? new BackendJournal(first) : WriterJournal.none());
    m1.apply(new Mutation.Put(Data.of("n"), Data.count(10), null), MASTER);
    StoreMessage sent = writes(1, new Mutation.Increment(Data.of("n"), Data.count(1), null),
        new Mutation.PutUnique(Data.of("u"), Data.of("first"), null));
    m1.onMessage(sent);
    m1.endBatch(); // committed: the clone's answer is lost in the crash below
    assertThat(answers).hasSize(1);
    assertThat(result(answers.get(0).getResults(1))).isEqualTo(Data.of(true));
    first.close();
    answers.clear();

    Backend second = open();
    MasterState m2 = master(second, 2, journalled ? new BackendJournal(second) : WriterJournal.none());
    m2.onMessage(sent); // the clone never heard back, so it resends
    m2.endBatch();
    return m2;
  }

  /**
   * Bug: the journal was committed only with a batch that changed an entry. A write that failed
   * (no entry changed) was answered while its journal state sat in the open transaction, and so
   * did a writer_unknown tombstone; a crash then lost them although the clone had its answer.
   */
  @Test
  void journalChangesAreCommittedWithTheirBatchEvenWhenNoEntryChanged() throws Exception {
    Backend backend = open(); // never closed: what a crash leaves is what was committed
    MasterState m = master(backend, 1, new BackendJournal(backend));
    m.onMessage(writes(1, new Mutation.Decrement(Data.of("missing"), Data.count(1), null)));
    m.endBatch();
    assertThat(answers.get(0).getResults(0).getFailure().getCode()).isEqualTo(ErrorCode.NO_SUCH_KEY.code());
    assertThat(CommittedJournal.names(dir.resolve("kv.sqlite"))).containsExactly(BackendJournal.name(CLONE));

    m.onMessage(MasterHarness.writes(7, CLONE_ENDPOINT, 3, new Mutation.Put(Data.of("k"), Data.of("v"), null)));
    m.endBatch(); // writer 7 is unknown and this is not its first write: a tombstone, and writer_unknown
    assertThat(CommittedJournal.names(dir.resolve("kv.sqlite")))
        .containsExactlyInAnyOrder(BackendJournal.name(CLONE), BackendJournal.name(7));
  }

  @Test
  void aResentWriteIsAnsweredFromTheJournalAndNotAppliedTwice() {
    MasterState m2 = resendAfterRestart(true);
    assertThat(m2.core().get(Data.of("n"))).isEqualTo(Data.count(11));
    assertThat(answers).hasSize(1);
    WriteResults again = answers.get(0);
    assertThat(again.getAckedThrough()).isEqualTo(2);
    assertThat(again.getResultsList()).extracting(WriteResult::getWriteSeq).containsExactly(1L, 2L);
    assertThat(result(again.getResults(1))).as("put_unique's original answer").isEqualTo(Data.of(true));
    assertThat(again.getResults(1).getAppliedSeq()).isZero();

    // The next write is applied normally.
    answers.clear();
    m2.onMessage(writes(3, new Mutation.Increment(Data.of("n"), Data.count(1), null)));
    m2.endBatch();
    assertThat(m2.core().get(Data.of("n"))).isEqualTo(Data.count(12));
    assertThat(answers.get(0).getAckedThrough()).isEqualTo(3);
    m2.core().backend().close();
  }

  @Test
  void withoutTheJournalTheSameResendIsAppliedTwice() {
    // The control: proves the test above would catch a master that forgets its writers.
    MasterState m2 = resendAfterRestart(false);
    assertThat(m2.core().get(Data.of("n"))).isEqualTo(Data.count(12));
    assertThat(result(answers.get(0).getResults(1))).isEqualTo(Data.of(false));
    m2.core().backend().close();
  }
}
