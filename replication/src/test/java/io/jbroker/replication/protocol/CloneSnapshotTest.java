package io.jbroker.replication.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.error.BrokerException;
import io.jbroker.proto.replication.v1.SnapshotChunk;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.store.EntityId;
import io.jbroker.store.ManualClock;
import io.jbroker.store.Mutation;
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
 * How a clone assembles a snapshot sent in chunks: a master streams the chunks as it reads its
 * backend (the count comes with the last one); a clone that never synchronised applies them as
 * they arrive while holding its reads; any other replica is replaced only when the snapshot is
 * complete. Master and clone are driven by hand, message by message.
 */
class CloneSnapshotTest {
  private static final long CLONE = 0x51;
  private static final EndpointId CLONE_ENDPOINT = EndpointId.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
      13, 14, 15, 16});
  private static final EntityId CLONE_ENTITY = new EntityId(UUID.fromString("00000000-0000-4000-8000-0000000000aa"), 2);

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ReplicationSettings settings = ReplicationSettings.defaults().withSnapshotChunk(3);
  private final CloneState.Intervals intervals =
      new CloneState.Intervals(Duration.ofSeconds(1), Duration.ofSeconds(300), Duration.ofSeconds(120));
  private final List<StoreMessage> toClone = new ArrayList<>();
  private final List<StoreMessage> toMaster = new ArrayList<>();
  private final MasterState master = master(1);
  private final StoreCore replica = new StoreCore("kv", new MemoryBackend(), clock, CLONE_ENTITY);
  private final CloneState clone = new CloneState("kv", CLONE, CLONE_ENDPOINT, replica, clock, settings, intervals,
      toMaster::add);

  /** A master in epoch {@code epoch} on an empty memory backend, sending to {@link #toClone}. */
  private MasterState master(long epoch) {
    return MasterHarness.master(new MemoryBackend(), epoch, clock, settings, WriterJournal.none(), toClone::add);
  }

  private void put(String key, long value) {
    master.apply(new Mutation.Put(Data.of(key), Data.count(value), null), MasterHarness.MASTER);
  }

  /** Hands the clone's messages to the master and lets it answer (after its batch's commit). */
  private void deliverToMaster() {
    List<StoreMessage> batch = new ArrayList<>(toMaster);
    toMaster.clear();
    batch.forEach(master::onMessage);
    master.endBatch();
  }

  /** The snapshot chunks the master sent since the last call (other messages are dropped). */
  private List<SnapshotChunk> sentChunks() {
    List<SnapshotChunk> chunks = new ArrayList<>();
    for (StoreMessage m : toClone) {
      if (m.hasSnapshot()) {
        chunks.add(m.getSnapshot());
      }
    }
    toClone.clear();
    return chunks;
  }

  private void deliverToClone(SnapshotChunk c) {
    clone.onMessage(StoreMessage.newBuilder().setSnapshot(c).build());
  }

  private static TreeMap<Data, Data> contents(StoreCore core) {
    TreeMap<Data, Data> all = new TreeMap<>();
    core.snapshot((k, v, d) -> all.put(k.data(), v));
    return all;
  }

  /** A read of key {@code key} whose outcome lands in {@code out} (a value, or the error). */
  private void read(String key, List<Object> out) {
    clone.read(core -> core.get(Data.of(key)), new CloneState.Completion<>() {
      @Override
      public void complete(Data value) {
        out.add(value);
      }

      @Override
      public void fail(BrokerException e) {
        out.add(e);
      }
    });
  }

  @Test
  void theMasterStreamsChunksInKeyOrderAndOnlyTheLastCarriesTheCount() {
    for (int i = 0; i < 7; i++) {
      put("k" + i, i);
    }
    clone.start();
    deliverToMaster();
    List<SnapshotChunk> chunks = sentChunks();
    assertThat(chunks).extracting(SnapshotChunk::getIndex).containsExactly(0, 1, 2);
    assertThat(chunks).extracting(SnapshotChunk::getCount).containsExactly(0, 0, 3);
    assertThat(chunks).extracting(SnapshotChunk::getEntriesCount).containsExactly(3, 3, 1);
    assertThat(chunks.get(0).getExpectedEntries()).isEqualTo(7);

    // an empty store: one empty chunk that says it is the only one
    MasterState empty = master(1);
    clone.start();
    toMaster.forEach(empty::onMessage);
    empty.endBatch();
    List<SnapshotChunk> none = sentChunks();
    assertThat(none).hasSize(1);
    assertThat(none.get(0).getCount()).isEqualTo(1);
    assertThat(none.get(0).getEntriesCount()).isZero();
  }

  @Test
  void aNeverSynchronisedCloneAppliesChunksAsTheyArriveAndHoldsReadsUntilTheLast() {
    for (int i = 0; i < 8; i++) {
      put("k" + i, i);
    }
    clone.start();
    deliverToMaster();
    List<SnapshotChunk> chunks = sentChunks();
    assertThat(chunks).hasSize(3);

    List<Object> reads = new ArrayList<>();
    read("k0", reads);
    deliverToClone(chunks.get(1)); // out of order: held until chunk 0 is there
    assertThat(replica.size()).isZero();
    deliverToClone(chunks.get(0));
    assertThat(replica.size()).as("chunks 0 and 1 applied before the last arrived").isEqualTo(6);
    assertThat(clone.isSynced()).isFalse();
    assertThat(reads).as("reads wait for the whole snapshot").isEmpty();

    deliverToClone(chunks.get(1)); // a duplicate changes nothing
    deliverToClone(chunks.get(2));
    assertThat(clone.isSynced()).isTrue();
    assertThat(reads).containsExactly(Data.count(0));
    assertThat(contents(replica)).isEqualTo(contents(master.core()));
  }

  @Test
  void aSnapshotAbandonedHalfWayLeavesNothingOfItsOwnBehind() {
    for (int i = 0; i < 8; i++) {
      put("k" + i, i);
    }
    clone.start();
    deliverToMaster();
    List<SnapshotChunk> first = sentChunks();
    deliverToClone(first.get(0)); // k0, k1, k2 applied; the rest is lost
    assertThat(replica.size()).isEqualTo(3);

    master.apply(new Mutation.Erase(Data.of("k1")), MasterHarness.MASTER);
    put("k2", 22);
    put("z", 99);
    master.endBatch();
    toClone.clear();
    clock.advance(Duration.ofSeconds(2)); // past the resync interval: the clone asks again
    clone.tick();
    deliverToMaster();
    List<SnapshotChunk> second = sentChunks();
    assertThat(second.get(0).getSnapshotId()).isNotEqualTo(first.get(0).getSnapshotId());

    for (SnapshotChunk c : second) {
      deliverToClone(c);
    }
    first.forEach(this::deliverToClone); // the rest of the first one, late: ignored
    assertThat(clone.isSynced()).isTrue();
    assertThat(contents(replica)).isEqualTo(contents(master.core()));
    assertThat(contents(replica)).doesNotContainKey(Data.of("k1"));
    assertThat(replica.get(Data.of("k2"))).isEqualTo(Data.count(22));
  }

  @Test
  void aSyncedCloneKeepsItsReplicaUntilTheNewSnapshotIsComplete() {
    for (int i = 0; i < 8; i++) {
      put("k" + i, i);
    }
    clone.start();
    deliverToMaster();
    sentChunks().forEach(this::deliverToClone);
    assertThat(clone.isSynced()).isTrue();

    // the master restarts with other contents (a new epoch); the clone finds out and resyncs
    MasterState restarted = master(2);
    restarted.apply(new Mutation.Put(Data.of("k0"), Data.count(100), null), MasterHarness.MASTER);
    restarted.apply(new Mutation.Put(Data.of("new"), Data.count(1), null), MasterHarness.MASTER);
    restarted.endBatch();
    toClone.clear();
    toMaster.clear();
    clock.advance(Duration.ofSeconds(10));
    clone.tick(); // cut off: looks for the master again
    for (int i = 0; i < 3 && toMaster.isEmpty(); i++) {
      clock.advance(Duration.ofSeconds(2));
      clone.tick();
    }
    toMaster.forEach(restarted::onMessage);
    toMaster.clear();
    restarted.endBatch();
    List<SnapshotChunk> chunks = sentChunks();
    assertThat(chunks).hasSize(1);
    assertThat(contents(replica)).as("old replica kept while the snapshot is incomplete").hasSize(8);
    deliverToClone(chunks.get(0));
    assertThat(contents(replica)).isEqualTo(contents(restarted.core()));
  }

  @Test
  void chunksThatContradictTheCountAreRefusedAndTheNextSnapshotStillCompletes() {
    for (int i = 0; i < 8; i++) {
      put("k" + i, i);
    }
    clone.start();
    deliverToMaster();
    List<SnapshotChunk> chunks = sentChunks();
    deliverToClone(chunks.get(1));
    // a last chunk claiming a total of 1 while index 1 was seen: the snapshot is dropped
    deliverToClone(chunks.get(0).toBuilder().setCount(1).build());
    // an absurd index is ignored without allocating for it
    deliverToClone(chunks.get(2).toBuilder().setIndex(Integer.MAX_VALUE).build());
    deliverToClone(chunks.get(2).toBuilder().setIndex(-1).build()); // 2^32 - 1 on the wire
    assertThat(clone.isSynced()).isFalse();

    clock.advance(Duration.ofSeconds(2));
    clone.tick();
    deliverToMaster();
    sentChunks().forEach(this::deliverToClone);
    assertThat(clone.isSynced()).isTrue();
    assertThat(contents(replica)).isEqualTo(contents(master.core()));
  }
}
