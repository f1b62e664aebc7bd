package io.jbroker.replication.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.proto.replication.v1.WriteResults;
import io.jbroker.proto.replication.v1.WriterState;
import io.jbroker.store.Backend;
import io.jbroker.store.ManualClock;
import io.jbroker.store.Mutation;
import io.jbroker.store.memory.MemoryBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A master forgets, in memory, the writers (clone attachments) silent past the clone timeout,
 * and only when its journal gives their state back: a late resend is still answered, never
 * applied twice, and a master whose clones come and go does not keep them all.
 */
class WriterRetirementTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<WriteResults> answers = new ArrayList<>();
  private final ReplicationSettings settings = ReplicationSettings.defaults();

  private MasterState master(Backend backend, WriterJournal journal) {
    return MasterHarness.master(backend, 1, clock, settings, journal, answers);
  }

  /** Clone {@code clone} (its endpoint derived from the number) writing from {@code first} on. */
  private static StoreMessage writes(long clone, long first, Mutation... mutations) {
    byte[] endpoint = new byte[16];
    endpoint[0] = (byte) clone;
    endpoint[15] = 1;
    return MasterHarness.writes(clone, EndpointId.of(endpoint), first, mutations);
  }

  private static Mutation increment() {
    return new Mutation.Increment(Data.of("n"), Data.count(1), null);
  }

  /** Ticks past the clone timeout (and past the once-per-timeout retirement pass). */
  private void passTheCloneTimeout(MasterState m) {
    for (int i = 0; i <= 2 * settings.ticks(settings.cloneTimeout()) + 1; i++) {
      m.tick();
    }
  }

  @Test
  void silentWritersAreForgottenInMemoryAndALateResendIsStillAnsweredFromTheJournal() {
    Backend backend = new MemoryBackend();
    MasterState m = master(backend, new BackendJournal(backend));
    m.apply(new Mutation.Put(Data.of("n"), Data.count(10), null), MasterHarness.MASTER);
    StoreMessage first = writes(1, 1, increment(), new Mutation.PutUnique(Data.of("u"), Data.of("x"), null));
    m.onMessage(first);
    m.endBatch();
    for (long clone = 2; clone <= 200; clone++) { // clones that wrote once and went away
      m.onMessage(writes(clone, 1, increment()));
    }
    m.endBatch();
    assertThat(m.core().get(Data.of("n"))).isEqualTo(Data.count(210));
    assertThat(m.writersInMemory()).isEqualTo(200);

    passTheCloneTimeout(m);
    assertThat(m.writersInMemory()).isZero();
    assertThat(m.idle()).isTrue();

    answers.clear();
    m.onMessage(first); // clone 1 never heard back and resends
    m.endBatch();
    assertThat(m.core().get(Data.of("n"))).as("not applied twice").isEqualTo(Data.count(210));
    assertThat(answers).hasSize(1);
    assertThat(answers.get(0).getAckedThrough()).isEqualTo(2);
    assertThat(BinaryCodec.decode(answers.get(0).getResults(1).getValue().toByteArray()))
        .as("put_unique's original answer").isEqualTo(Data.of(true));

    m.onMessage(writes(1, 3, increment())); // and goes on writing
    m.endBatch();
    assertThat(m.core().get(Data.of("n"))).isEqualTo(Data.count(211));
    assertThat(m.writersInMemory()).isEqualTo(1);
  }

  @Test
  void writersAreKeptWhenTheJournalForgetsThem() {
    MasterState m = master(new MemoryBackend(), WriterJournal.none());
    m.apply(new Mutation.Put(Data.of("n"), Data.count(10), null), MasterHarness.MASTER);
    StoreMessage first = writes(1, 1, increment());
    m.onMessage(first);
    m.endBatch();

    passTheCloneTimeout(m);
    assertThat(m.writersInMemory()).isEqualTo(1);

    m.onMessage(first);
    m.endBatch();
    assertThat(m.core().get(Data.of("n"))).as("not applied twice").isEqualTo(Data.count(11));
  }

  @Test
  void aReloadedWriterKeepsItsUnconfirmedResultsInTheJournalWhenItWritesAgain() {
    Backend backend = new MemoryBackend();
    MasterState m = master(backend, new BackendJournal(backend));
    StoreMessage first = writes(1, 1, new Mutation.PutUnique(Data.of("u"), Data.of("x"), null));
    m.onMessage(first);
    m.endBatch();
    passTheCloneTimeout(m);
    assertThat(m.writersInMemory()).isZero();

    // the clone writes again without having confirmed the first result (results_through 0):
    // the writer is reloaded from the journal and saved anew with its second write
    m.onMessage(writes(1, 2, increment()));
    m.endBatch();
    passTheCloneTimeout(m);
    assertThat(m.writersInMemory()).isZero();

    answers.clear();
    m.onMessage(first); // the first answer was lost after all
    m.endBatch();
    assertThat(answers).hasSize(1);
    assertThat(BinaryCodec.decode(answers.get(0).getResults(0).getValue().toByteArray()))
        .as("put_unique's original answer, from the journal saved after the reload").isEqualTo(Data.of(true));
  }

  // ---- forgetting for good: the writer retention ------------------------------------------------

  private final ReplicationSettings shortRetention = settings.withWriterRetention(Duration.ofMinutes(2));
  private final List<StoreMessage> sent = new ArrayList<>();

  private MasterState retaining(Backend backend, long epoch, WriterJournal journal) {
    return MasterHarness.master(backend, epoch, clock, shortRetention, journal, sent::add);
  }

  private static StoreMessage resent(StoreMessage m) {
    return StoreMessage.newBuilder().setWrites(m.getWrites().toBuilder().setResent(true)).build();
  }

  private void tick(MasterState m, Duration d) {
    for (int i = 0; i < shortRetention.ticks(d); i++) {
      m.tick();
    }
  }

  private List<Long> writerUnknownAnswers() {
    List<Long> writers = new ArrayList<>();
    sent.stream().filter(StoreMessage::hasWriterUnknown).forEach(m -> writers.add(m.getWriterUnknown().getWriter()));
    return writers;
  }

  private static WriterState entry(Backend backend, long writer) throws Exception {
    byte[] b = backend.getMeta(BackendJournal.name(writer));
    return b == null ? null : WriterState.parseFrom(b);
  }

  @Test
  void writersSilentPastTheRetentionLeaveTheJournalAndTheirResendsAreRefused() throws Exception {
    Backend backend = new MemoryBackend();
    MasterState m = retaining(backend, 1, new BackendJournal(backend));
    StoreMessage first = writes(1, 1, increment());
    m.onMessage(first);
    for (long clone = 2; clone <= 50; clone++) {
      m.onMessage(writes(clone, 1, increment()));
    }
    m.endBatch();
    assertThat(entry(backend, 1)).isNotNull();

    tick(m, shortRetention.writerRetention().plus(shortRetention.cloneTimeout().multipliedBy(3)));
    assertThat(m.writersInMemory()).isZero();
    assertThat(m.writersInJournalOnly()).isZero();
    for (long clone = 1; clone <= 50; clone++) {
      assertThat(entry(backend, clone)).as("journal entry of writer %d", clone).isNull();
    }

    m.onMessage(resent(first)); // clone 1 comes back and resends its first write
    m.endBatch();
    assertThat(m.core().get(Data.of("n"))).as("not applied twice").isEqualTo(Data.count(50));
    assertThat(writerUnknownAnswers()).containsExactly(1L);
    assertThat(entry(backend, 1).getAbandoned()).as("a tombstone").isTrue();

    m.onMessage(first); // a late copy of the original: refused too
    m.endBatch();
    assertThat(m.core().get(Data.of("n"))).isEqualTo(Data.count(50));
    assertThat(writerUnknownAnswers()).containsExactly(1L, 1L);

    m.onMessage(writes(2, 2, increment())); // clone 2 writes on after its first write was confirmed
    m.endBatch();
    assertThat(m.core().get(Data.of("n"))).isEqualTo(Data.count(50));
    assertThat(writerUnknownAnswers()).containsExactly(1L, 1L, 2L);

    tick(m, shortRetention.writerRetention().plus(shortRetention.cloneTimeout().multipliedBy(3)));
    assertThat(entry(backend, 1)).as("tombstones go after the retention too").isNull();
  }

  @Test
  void aNewWritersFirstWritesAreTakenAndEarlyOnesRefused() {
    Backend backend = new MemoryBackend();
    MasterState m = retaining(backend, 1, new BackendJournal(backend));
    m.onMessage(writes(7, 2, increment())); // seq 2 before seq 1: cannot tell from a forgotten writer's
    m.endBatch();
    assertThat(writerUnknownAnswers()).containsExactly(7L);
    assertThat(m.core().backend().size()).as("nothing applied").isZero();

    m.onMessage(writes(8, 1, increment(), increment()));
    m.endBatch();
    assertThat(writerUnknownAnswers()).containsExactly(7L);
    assertThat(m.core().get(Data.of("n"))).isEqualTo(Data.count(2));
  }

  @Test
  void writersTheJournalCannotKeepAreDroppedFromMemoryAfterTheRetention() {
    MasterState m = retaining(new MemoryBackend(), 1, WriterJournal.none());
    StoreMessage first = writes(1, 1, increment());
    m.onMessage(first);
    m.endBatch();
    tick(m, shortRetention.cloneTimeout().multipliedBy(3));
    assertThat(m.writersInMemory()).as("kept past the clone timeout").isEqualTo(1);

    tick(m, shortRetention.writerRetention());
    assertThat(m.writersInMemory()).isZero();
    m.onMessage(resent(first));
    m.endBatch();
    assertThat(m.core().get(Data.of("n"))).as("not applied twice").isEqualTo(Data.count(1));
    assertThat(writerUnknownAnswers()).containsExactly(1L);
  }

  @Test
  void journalEntriesFoundAtStartAreDeletedAfterTheRetentionUnlessTheirWriterWritesAgain() throws Exception {
    Backend backend = new MemoryBackend();
    MasterState m1 = retaining(backend, 1, new BackendJournal(backend));
    m1.onMessage(writes(1, 1, increment()));
    m1.onMessage(writes(2, 1, increment()));
    m1.endBatch();

    MasterState m2 = retaining(backend, 2, new BackendJournal(backend)); // a restart over the same backend
    assertThat(m2.writersInJournalOnly()).isEqualTo(2);
    tick(m2, shortRetention.writerRetention().dividedBy(2));
    m2.onMessage(writes(2, 2, increment())); // writer 2 writes on: loaded from the journal
    m2.endBatch();
    assertThat(m2.core().get(Data.of("n"))).isEqualTo(Data.count(3));
    // 160 s from the start, more than the retention (120 s) and a retirement pass (30 s) past it;
    // 100 s since writer 2 wrote, less than the retention
    tick(m2, Duration.ofSeconds(100));

    assertThat(entry(backend, 1)).as("silent since the start").isNull();
    assertThat(entry(backend, 2)).as("heard from since").isNotNull();
    assertThat(entry(backend, 2).getApplied()).isEqualTo(2);
  }
}
