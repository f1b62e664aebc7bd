package io.jbroker.replication.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.proto.replication.v1.Updates;
import io.jbroker.replication.internal.Messages;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import io.jbroker.store.Key;
import io.jbroker.store.ManualClock;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreChange;
import io.jbroker.store.StoreCore;
import io.jbroker.store.memory.MemoryBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A clone applies the changes of a large update message in runs, each run's keys prefetched from
 * the backend first: the runs must add up to the message exactly (in order, duplicates and
 * overlaps ignored as before), and a message of another epoch must still start exactly one resync
 * and apply nothing. Master and clone are driven by hand, message by message.
 */
class CloneUpdateRunsTest {
  private static final long CLONE = 0x52;
  private static final EndpointId CLONE_ENDPOINT = EndpointId.of(new byte[] {2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
      13, 14, 15, 16});
  private static final EntityId CLONE_ENTITY = new EntityId(UUID.fromString("00000000-0000-4000-8000-0000000000ab"), 2);
  /** More than a few runs of the clone's (64 changes each), and not a multiple of them. */
  private static final int CHANGES = 300;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ReplicationSettings settings = ReplicationSettings.defaults();
  private final CloneState.Intervals intervals =
      new CloneState.Intervals(Duration.ofSeconds(1), Duration.ofSeconds(300), Duration.ofSeconds(120));
  private final List<StoreMessage> toClone = new ArrayList<>();
  private final List<StoreMessage> toMaster = new ArrayList<>();
  private final MasterState master =
      MasterHarness.master(new MemoryBackend(), 1, clock, settings, WriterJournal.none(), toClone::add);
  private final StoreCore replica = new StoreCore("kv", new MemoryBackend(), clock, CLONE_ENTITY);
  private final CloneState clone = new CloneState("kv", CLONE, CLONE_ENDPOINT, replica, clock, settings, intervals,
      toMaster::add);

  private void deliverToMaster() {
    List<StoreMessage> batch = new ArrayList<>(toMaster);
    toMaster.clear();
    batch.forEach(master::onMessage);
    master.endBatch();
  }

  /** What the master sent since the last call, handed to the clone in order. */
  private List<StoreMessage> deliverToClone() {
    List<StoreMessage> batch = new ArrayList<>(toClone);
    toClone.clear();
    batch.forEach(clone::onMessage);
    return batch;
  }

  private void synced() {
    clone.start();
    deliverToMaster();
    deliverToClone();
    assertThat(clone.isSynced()).isTrue();
  }

  private static TreeMap<Data, Data> contents(StoreCore core) {
    TreeMap<Data, Data> all = new TreeMap<>();
    core.snapshot((k, v, d) -> all.put(k.data(), v));
    return all;
  }

  @Test
  void aLargeUpdateMessageIsAppliedWholeInOrderAndItsRepeatsChangeNothing() {
    synced();
    for (int i = 0; i < CHANGES; i++) {
      master.apply(new Mutation.Put(Data.of("k" + (i % 250)), Data.count(i), null), MasterHarness.MASTER);
      if (i % 7 == 0) {
        master.apply(new Mutation.Erase(Data.of("k" + (i / 2))), MasterHarness.MASTER);
      }
    }
    master.endBatch();
    List<StoreMessage> sent = deliverToClone();
    List<Updates> updates = sent.stream().filter(StoreMessage::hasUpdates).map(StoreMessage::getUpdates).toList();
    assertThat(updates).as("the batch goes out as one message longer than a run")
        .anySatisfy(u -> assertThat(u.getChangesCount()).isGreaterThan(2 * 64));
    long last = updates.get(updates.size() - 1).getFirstSeq() + updates.get(updates.size() - 1).getChangesCount() - 1;
    assertThat(clone.appliedSeq()).isEqualTo(last);
    assertThat(contents(replica)).isEqualTo(contents(master.core()));

    // the same message again, and one that overlaps what is applied: nothing changes
    Updates big = updates.stream().filter(u -> u.getChangesCount() > 2 * 64).findFirst().orElseThrow();
    clone.onMessage(StoreMessage.newBuilder().setUpdates(big).build());
    Updates overlap = big.toBuilder().clearChanges().addAllChanges(big.getChangesList().subList(100, big.getChangesCount()))
        .setFirstSeq(big.getFirstSeq() + 100).build();
    clone.onMessage(StoreMessage.newBuilder().setUpdates(overlap).build());
    assertThat(clone.appliedSeq()).isEqualTo(last);
    assertThat(contents(replica)).isEqualTo(contents(master.core()));
  }

  @Test
  void aLargeMessageOfAnotherEpochStartsOneResync() {
    synced();
    toMaster.clear();
    Updates.Builder other = Updates.newBuilder().setEpoch(master.epoch() + 1).setFirstSeq(1);
    for (int i = 0; i < CHANGES; i++) {
      other.addChanges(Messages.change(new StoreChange.Upsert(Key.of(Data.of("x" + i)), Data.count(i),
          Backend.NO_DEADLINE, null, null)));
    }
    clone.onMessage(StoreMessage.newBuilder().setUpdates(other).build());
    assertThat(toMaster.stream().filter(StoreMessage::hasAttach).count()).as("attach requests sent").isEqualTo(1);
    assertThat(replica.exists(Data.of("x0"))).as("nothing of another epoch is applied").isFalse();
  }
}
