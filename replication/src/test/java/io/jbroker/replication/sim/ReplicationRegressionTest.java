package io.jbroker.replication.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.BooleanData;
import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.replication.protocol.CloneState;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.Mutation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scripted scenarios for the protocol bugs the simulation found (one per bug, the schedule cut
 * down to the messages that matter), and the seeds that first showed them.
 */
class ReplicationRegressionTest {
  private static final Duration LONG_ENOUGH = Duration.ofSeconds(3);

  private static Mutation put(String k, String v) {
    return new Mutation.Put(Data.of(k), Data.of(v), null);
  }

  private static Wire synced(Wire w) {
    w.startMaster(1);
    w.startClone();
    assertThat(w.runUntil(LONG_ENOUGH, () -> w.clone.isSynced())).isTrue();
    return w;
  }

  /**
   * Bug (seed 2358, found while adding writer retirement): a master that had forgotten a silent
   * writer in memory reloaded it from the journal in the same epoch and answered the writer's
   * resend with applied_seq 0 ("reflected by any state"), although the clone, cut off meanwhile,
   * had not received the update: it completed the write, and a read of its replica missed it.
   */
  @Test
  void aWriteAnsweredByAWriterReloadedFromTheJournalWaitsUntilTheReplicaShowsIt() {
    Wire w = synced(Wire.standard());
    Wire.Outcome o = w.cloneWrite(put("k", "v"));
    w.toMaster(w.take(w.toMaster, StoreMessage::hasWrites)); // applied; result and update are lost
    w.toClone.clear();
    for (int i = 0; i < 300; i++) { // the clone is cut off for 3 clone timeouts: the master
      w.tick(true); // evicts it and retires its writer
      w.toClone.clear();
      w.toMaster.removeIf(b -> !Wire.parse(b).hasWrites());
    }
    assertThat(o.done).isFalse();
    w.toMaster(w.take(w.toMaster, StoreMessage::hasWrites)); // the resend reaches the master,
    w.toClone(w.take(w.toClone, StoreMessage::hasWriteResults)); // and its answer the clone
    w.toClone.clear();

    assertThat(o.done).as("completed before the replica shows the write").isFalse();
    assertThat(w.runUntil(LONG_ENOUGH, () -> o.done)).isTrue();
    assertThat(o.failure).isNull();
    assertThat(o.replicaAtCompletion).containsEntry(Data.of("k"), Data.of("v"));
  }

  /**
   * Bug: a restarted master answered a resent write from its journal with the applied_seq of the
   * epoch that applied it; the clone, synchronised with the new epoch, waited for that sequence
   * number, and the write never completed while the new epoch stayed below it.
   */
  @Test
  void aWriteAnsweredFromTheJournalCompletesAsSoonAsTheCloneFollowsTheRestartedMaster() {
    Wire w = synced(Wire.standard());
    for (int i = 0; i < 50; i++) {
      w.masterApply(put("k" + i, "v"));
    }
    w.flush();
    Wire.Outcome o = w.cloneWrite(new Mutation.PutUnique(Data.of("u"), Data.of("x"), null));
    w.toMaster(w.take(w.toMaster, m -> true)); // applied at update 51, result journaled ...
    w.restartMaster(2); // ... and the master crashes before the result reaches the clone

    assertThat(w.runUntil(LONG_ENOUGH, () -> o.done)).isTrue();
    assertThat(o.failure).isNull();
    assertThat(o.value).isEqualTo(BooleanData.TRUE);
    assertThat(o.replicaAtCompletion).containsEntry(Data.of("u"), Data.of("x"));
  }

  /**
   * Bug: a clone completed a write as soon as its result arrived from an epoch other than the
   * one its replica follows, taking "another epoch" for "already reflected" — although the
   * replica (still the old master's) did not contain the write: read-your-writes broken.
   */
  @Test
  void aWriteAnsweredInAnEpochTheReplicaDoesNotFollowWaitsUntilTheReplicaShowsIt() {
    Wire w = synced(Wire.standard());
    w.restartMaster(2); // the clone has not noticed yet
    Wire.Outcome o = w.cloneWrite(put("k", "v"));
    w.toMaster(w.take(w.toMaster, StoreMessage::hasWrites)); // the new master applies it
    w.toClone(w.take(w.toClone, StoreMessage::hasWriteResults)); // its result gets through,
    w.toClone.clear(); // the update does not

    assertThat(o.done).as("completed before the replica shows the write").isFalse();
    assertThat(w.runUntil(LONG_ENOUGH, () -> o.done)).isTrue();
    assertThat(o.failure).isNull();
    assertThat(o.replicaAtCompletion).containsEntry(Data.of("k"), Data.of("v"));
  }

  /**
   * Bug: a write that arrived out of order from a clone that then died waited forever for the
   * gap before it; the master was never idle again (awaitIdle on the master always timed out).
   */
  @Test
  void outOfOrderWritesOfADeadCloneDoNotKeepTheMasterBusy() {
    Wire w = synced(Wire.standard());
    Wire.Outcome first = w.cloneWrite(put("z", "0")); // the master knows the writer: later writes may wait
    assertThat(w.runUntil(LONG_ENOUGH, () -> first.done)).isTrue();
    w.cloneWrite(put("a", "1"));
    w.take(w.toMaster, StoreMessage::hasWrites); // lost
    w.cloneWrite(put("b", "2"));
    w.toMaster(w.take(w.toMaster, StoreMessage::hasWrites)); // arrives, and waits for the first
    w.clone = null; // the clone dies
    for (int i = 0; i < 200; i++) {
      w.tick(false);
      w.toClone.clear();
    }
    assertThat(w.master.clones()).isZero();
    assertThat(w.master.idle()).isTrue();
  }

  /**
   * Bug: a memory master that restarted (its data and writer journal gone, as promised for that
   * backend) took the clone's next writes, numbered after the ones the old master had applied, for
   * early writes of a new writer and waited forever for the ones before them: every write issued
   * on that clone from then on timed out.
   */
  @Test
  void aCloneGoesOnWritingAfterAMemoryMasterRestartsWithoutItsJournal() {
    Wire w = synced(Wire.standard());
    for (int i = 0; i < 3; i++) {
      Wire.Outcome o = w.cloneWrite(put("k" + i, "v"));
      assertThat(w.runUntil(LONG_ENOUGH, () -> o.done)).isTrue();
    }
    long writer = w.clone.writerId();
    w.journal.clear();
    w.backend.clear();
    w.restartMaster(2);

    Wire.Outcome after = w.cloneWrite(put("after", "v"));
    assertThat(w.runUntil(LONG_ENOUGH, () -> after.done)).isTrue();
    assertThat(after.failure).isNull();
    assertThat(after.replicaAtCompletion).containsOnlyKeys(Data.of("after"));
    assertThat(w.clone.writerId()).as("a new writer").isNotEqualTo(writer);
    assertThat(w.master.core().get(Data.of("after"))).isEqualTo(Data.of("v"));
  }

  /**
   * A write the master applied, whose result never reached the clone, is not applied a second
   * time when the clone comes back after the master deleted its writer (silent past the writer
   * retention): the clone resends it, and the master cannot take the resend for a new writer's
   * first write. The write had timed out; it is dropped, and the clone writes on as a new writer.
   */
  @Test
  void aWriteAppliedBeforeItsWriterWasForgottenIsNotAppliedAgain() {
    Wire w = synced(new Wire(ReplicationSettings.defaults().withTick(Duration.ofMillis(10))
        .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(200)).withRequestTimeout(Duration.ofSeconds(2))
        .withWriterRetention(Duration.ofSeconds(3)),
        new CloneState.Intervals(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5))));
    Mutation increment = new Mutation.Increment(Data.of("n"), Data.count(1), null);
    Wire.Outcome o = w.cloneWrite(increment);
    w.toMaster(w.take(w.toMaster, StoreMessage::hasWrites)); // applied; the result is lost
    w.toClone.clear();
    for (int i = 0; i < 600; i++) { // cut off for 6 s: the write times out, the writer is forgotten
      w.tick(true);
      w.toClone.clear();
      w.toMaster.clear();
    }
    assertThat(o.failure.code()).isEqualTo(ErrorCode.REQUEST_TIMEOUT);
    assertThat(w.journal).as("the writer's journal entry is deleted").doesNotContainKey(Wire.CLONE_ID);

    Wire.Outcome next = w.cloneWrite(increment);
    assertThat(w.runUntil(LONG_ENOUGH, () -> next.done)).isTrue();
    assertThat(next.failure).isNull();
    assertThat(w.master.core().get(Data.of("n"))).as("each increment applied once").isEqualTo(Data.count(2));
    assertThat(next.replicaAtCompletion).containsEntry(Data.of("n"), Data.count(2));
  }

  /**
   * Bug: a snapshot held up in the network (an answer to an earlier attach) was applied while the
   * clone was looking for its master again, taking the replica back to before the clone's own
   * confirmed write.
   */
  @Test
  void aLateSnapshotOfTheSameMasterDoesNotTakeTheReplicaBackInTime() {
    Wire w = Wire.standard();
    w.startMaster(1);
    w.masterApply(put("k", "old"));
    w.startClone();
    w.toMaster(w.take(w.toMaster, m -> true)); // attach #1; the snapshot answering it ...
    List<StoreMessage> late = w.take(w.toClone, StoreMessage::hasSnapshot); // ... is held up
    assertThat(w.runUntil(LONG_ENOUGH, () -> w.clone.isSynced())).isTrue(); // attach #2 is answered
    lateSnapshotKeepsTheClonesWrite(w, late);
  }

  /** The same with a late snapshot from a master that has restarted since (another epoch). */
  @Test
  void aLateSnapshotOfAMasterThatHasRestartedSinceDoesNotTakeTheReplicaBackInTime() {
    Wire w = Wire.standard();
    w.startMaster(1);
    w.masterApply(put("k", "old"));
    w.startClone();
    w.toMaster(w.take(w.toMaster, m -> true));
    List<StoreMessage> late = w.take(w.toClone, StoreMessage::hasSnapshot);
    w.restartMaster(2);
    assertThat(w.runUntil(LONG_ENOUGH, () -> w.clone.isSynced())).isTrue();
    lateSnapshotKeepsTheClonesWrite(w, late);
  }

  private static void lateSnapshotKeepsTheClonesWrite(Wire w, List<StoreMessage> late) {
    Wire.Outcome o = w.cloneWrite(put("k", "new"));
    assertThat(w.runUntil(LONG_ENOUGH, () -> o.done)).isTrue();
    assertThat(o.failure).isNull();
    for (int i = 0; i < 30; i++) { // cut off: the clone looks for its master again
      w.tick(true);
      w.toClone.clear();
      w.toMaster.clear();
    }
    assertThat(w.clone.isSynced()).isFalse();
    assertThat(late).isNotEmpty();
    w.toClone(late);
    assertThat(w.clone.replica().get(Data.of("k"))).isEqualTo(Data.of("new"));
  }

  /**
   * Bug: every retransmit_failed made the clone resynchronise, including the late answers to
   * nacks it sent before the first answer arrived: one full snapshot per nack in flight.
   */
  @Test
  void lateRetransmitFailuresDoNotRestartTheResynchronisation() {
    Wire w = synced(new Wire(Wire.standard().settings.withBufferLimit(2), Wire.standard().intervals));
    for (int i = 0; i < 5; i++) {
      w.masterApply(put("k" + i, "v"));
    }
    w.toClone.clear(); // the clone misses them, learns of them from a heartbeat, and nacks again and again
    List<StoreMessage> answers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      w.tick(true);
      w.toMaster(w.take(w.toMaster, m -> true));
      answers.addAll(w.take(w.toClone, StoreMessage::hasRetransmitFailed));
      w.toClone(w.take(w.toClone, m -> true));
    }
    assertThat(answers).hasSizeGreaterThan(3);
    long snapshots = w.master.snapshotsSent();
    w.toClone(answers.subList(0, 1)); // the first answer: resynchronise
    w.flush();
    assertThat(w.clone.isSynced()).isTrue();
    assertThat(w.master.snapshotsSent()).isEqualTo(snapshots + 1);
    w.toClone(answers.subList(1, answers.size())); // the late ones change nothing
    w.flush();
    assertThat(w.master.snapshotsSent()).isEqualTo(snapshots + 1);
    assertThat(w.clone.isSynced()).isTrue();
    assertThat(w.clone.replica().get(Data.of("k4"))).isEqualTo(Data.of("v"));
  }

  /**
   * Guards the fix above: the master's refusal of a clone it dropped is recognised even though the
   * clone, still receiving broadcasts, has consumed updates past the ack that was refused.
   */
  @Test
  void aCloneTheMasterDroppedResynchronisesWhileUpdatesKeepArriving() {
    Wire w = synced(Wire.standard());
    for (int i = 0; i < 120; i++) { // the clone's messages stop reaching the master for 1.2 s
      w.masterApply(put("k", "v" + i));
      w.tick(true);
      w.toMaster.clear();
      w.toClone(w.take(w.toClone, m -> true));
    }
    assertThat(w.master.clones()).isZero();
    boolean back = false;
    for (int i = 0; i < 100 && !back; i++) { // heal, with updates still flowing
      w.masterApply(put("k", "w" + i));
      w.tick(true);
      w.flush();
      back = w.master.clones() == 1;
    }
    assertThat(back).isTrue();
    assertThat(w.runUntil(LONG_ENOUGH, () -> w.master.idle() && w.clone.idle())).isTrue();
  }

  /**
   * Bug: staleness was only noticed by the tick's cut-off detection, so after a stall a read
   * served before the next tick returned data older than the stale interval.
   */
  @Test
  void aReadAfterAStallIsStaleEvenBeforeTheNextTick() {
    Wire w = synced(Wire.standard());
    w.clock.advance(Duration.ofSeconds(2)); // stale interval 1 s; no tick has run since
    BrokerException[] failure = {null};
    w.clone.read(core -> core.entry(Data.of("x")), new CloneState.Completion<Object>() {
      @Override
      public void complete(Object value) {}

      @Override
      public void fail(BrokerException e) {
        failure[0] = e;
      }
    });
    assertThat(failure[0]).isNotNull();
    assertThat(failure[0].code()).isEqualTo(ErrorCode.STALE_DATA);
  }

  /**
   * The seeds on which the simulation first found these bugs (31, 485, 219, 17981, 12221, 20568,
   * 77), and 7288 and 17746: a write answered by a master that then crashed, still waiting for the
   * replica when its writer was forgotten, was resent as a new writer's and applied twice.
   */
  @ParameterizedTest
  @ValueSource(longs = {31, 485, 219, 17981, 12221, 20568, 77, 7288, 17746})
  void seedsThatOnceFailed(long seed) {
    Simulation.Result r = Simulation.run(SimConfig.of(seed, ReplicationSimulationTest.OPERATIONS));
    assertThat(r.violations()).as("seed %d: %s", seed, r.stats()).isEmpty();
  }
}
