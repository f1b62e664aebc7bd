package io.jbroker.replication.protocol;

import com.google.protobuf.ByteString;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.proto.replication.v1.WriteResults;
import io.jbroker.proto.replication.v1.Writes;
import io.jbroker.replication.internal.Messages;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import io.jbroker.store.ManualClock;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreCore;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/** A {@link MasterState} driven by hand: the write results it sends are collected, clone writes built. */
final class MasterHarness {
  static final EntityId MASTER = new EntityId(UUID.fromString("5746d8ee-3644-5bd2-9f54-d5a44c26c2a1"), 1);
  static final EntityId WRITER = new EntityId(UUID.fromString("00000000-0000-4000-8000-000000000001"), 7);

  private MasterHarness() {}

  /** A master of store "kv" on {@code backend} whose write results go to {@code answers}. */
  static MasterState master(Backend backend, long epoch, ManualClock clock, ReplicationSettings settings,
      WriterJournal journal, List<WriteResults> answers) {
    return master(backend, epoch, clock, settings, journal, m -> {
      if (m.hasWriteResults()) {
        answers.add(m.getWriteResults());
      }
    });
  }

  /** A master of store "kv" on {@code backend} whose every message, broadcast or sent, goes to {@code sent}. */
  static MasterState master(Backend backend, long epoch, ManualClock clock, ReplicationSettings settings,
      WriterJournal journal, Consumer<StoreMessage> sent) {
    return new MasterState(new StoreCore("kv", backend, clock, MASTER), epoch, settings, new MasterState.Transport() {
      @Override
      public void broadcast(StoreMessage message) {
        sent.accept(message);
      }

      @Override
      public void send(long clone, EndpointId endpoint, StoreMessage message) {
        sent.accept(message);
      }
    }, journal);
  }

  /** Clone {@code clone}'s writes from sequence number {@code first} on, issued by {@link #WRITER}. */
  static StoreMessage writes(long clone, EndpointId endpoint, long first, Mutation... mutations) {
    Writes.Builder b = Writes.newBuilder().setClone(clone).setCloneEndpoint(ByteString.copyFrom(endpoint.bytes()))
        .setFirstSeq(first);
    for (Mutation m : mutations) {
      b.addMutations(Messages.mutation(m, WRITER));
    }
    return StoreMessage.newBuilder().setWrites(b).build();
  }
}
