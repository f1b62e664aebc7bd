package io.jbroker.replication.sim;

import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.error.BrokerException;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.proto.replication.v1.WriterState;
import io.jbroker.replication.internal.UpdateBatch;
import io.jbroker.replication.internal.UpdatesDecoder;
import io.jbroker.replication.protocol.CloneState;
import io.jbroker.replication.protocol.MasterState;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.EntityId;
import io.jbroker.store.ManualClock;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreCore;
import io.jbroker.store.memory.MemoryBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A master and one clone wired by hand for scripted scenarios: messages wait in two queues
 * (serialised, as on the wire) until the test delivers, drops or holds them. The master's backend
 * and writer journal survive {@link #restartMaster}, as in {@link Simulation}.
 */
final class Wire {
  static final long CLONE_ID = 0x7e57L;

  final ManualClock clock = new ManualClock(Simulation.START);
  final ReplicationSettings settings;
  final CloneState.Intervals intervals;
  final MemoryBackend backend = new MemoryBackend();
  final Map<Long, WriterState> journal = new HashMap<>();
  final EndpointId cloneEndpoint = EndpointId.of(new UUID(0x656e64706f696e74L, 1));
  final List<byte[]> toClone = new ArrayList<>();
  final List<byte[]> toMaster = new ArrayList<>();
  MasterState master;
  CloneState clone;
  private long requests;

  Wire(ReplicationSettings settings, CloneState.Intervals intervals) {
    this.settings = settings;
    this.intervals = intervals;
  }

  /** Tick 10 ms; clone timeout 1 s, master timeout 200 ms; resync 100 ms, stale 1 s, mutation buffer 5 s. */
  static Wire standard() {
    return new Wire(ReplicationSettings.defaults().withTick(Duration.ofMillis(10))
        .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(200)),
        new CloneState.Intervals(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5)));
  }

  MasterState startMaster(long epoch) {
    StoreCore core = new StoreCore(Simulation.STORE, backend, clock, new EntityId(new UUID(1, 0), 0));
    master = new MasterState(core, epoch, settings, new MasterState.Transport() {
      @Override
      public void broadcast(StoreMessage m) {
        toClone.add(m.toByteArray());
      }

      @Override
      public void send(long clone, EndpointId endpoint, StoreMessage m) {
        toClone.add(m.toByteArray());
      }

      @Override
      public void broadcast(byte[] m) {
        toClone.add(m);
      }

      @Override
      public void send(long clone, EndpointId endpoint, byte[] m) {
        toClone.add(m);
      }
    }, new MapJournal(journal));
    return master;
  }

  /** The master crashes between batches (everything it sent is lost) and restarts with {@code epoch}. */
  MasterState restartMaster(long epoch) {
    toClone.clear();
    toMaster.clear();
    return startMaster(epoch);
  }

  CloneState startClone() {
    StoreCore replica = new StoreCore(Simulation.STORE, new MemoryBackend(), clock, new EntityId(new UUID(2, 0), 0));
    clone = new CloneState(Simulation.STORE, CLONE_ID, cloneEndpoint, replica, clock, settings, intervals,
        m -> toMaster.add(m.toByteArray()));
    clone.start();
    return clone;
  }

  /** Applies a mutation on the master as one batch. */
  Data masterApply(Mutation m) {
    Data result = master.apply(m, new EntityId(new UUID(1, 0), ++requests));
    master.endBatch();
    return result;
  }

  /** Issues a write on the clone (sent at once if it can be). */
  Outcome cloneWrite(Mutation m) {
    Outcome o = new Outcome();
    clone.write(m, new EntityId(new UUID(2, 0), ++requests), o);
    clone.flushWrites();
    return o;
  }

  /** Takes the messages waiting for the clone that match {@code which} out of the queue. */
  List<StoreMessage> take(List<byte[]> queue, Predicate<StoreMessage> which) {
    List<StoreMessage> taken = new ArrayList<>();
    for (int i = 0; i < queue.size();) {
      StoreMessage m = parse(queue.get(i));
      if (which.test(m)) {
        taken.add(m);
        queue.remove(i);
      } else {
        i++;
      }
    }
    return taken;
  }

  /** Delivers to the clone as {@code StoreManager} does: update messages read straight from the bytes. */
  void toClone(List<StoreMessage> messages) {
    for (StoreMessage m : messages) {
      byte[] bytes = m.toByteArray();
      UpdateBatch updates = UpdatesDecoder.tryDecode(bytes);
      if (updates != null) {
        clone.onUpdates(updates);
      } else {
        clone.onMessage(parse(bytes));
      }
      clone.flushWrites();
    }
  }

  void toMaster(List<StoreMessage> messages) {
    for (StoreMessage m : messages) {
      master.onMessage(parse(m.toByteArray()));
    }
    master.endBatch();
  }

  /** Delivers everything, both ways, until nothing is left. */
  void flush() {
    for (int round = 0; round < 1000 && (!toClone.isEmpty() || !toMaster.isEmpty()); round++) {
      List<StoreMessage> up = take(toMaster, m -> true);
      if (master != null && !up.isEmpty()) {
        toMaster(up);
      }
      List<StoreMessage> down = take(toClone, m -> true);
      if (clone != null) {
        toClone(down);
      }
    }
  }

  /** One tick of both (the clone's only if {@code cloneAlive}), without delivering anything. */
  void tick(boolean cloneAlive) {
    clock.advance(settings.tick());
    if (master != null) {
      master.tick();
    }
    if (cloneAlive && clone != null) {
      clone.tick();
    }
  }

  /** Ticks for {@code d} with everything delivered after each tick. */
  void run(Duration d) {
    for (long t = 0; t < d.toNanos(); t += settings.tick().toNanos()) {
      tick(true);
      flush();
    }
  }

  /** Ticks until {@code done} holds (everything delivered), at most {@code d}; returns whether it held. */
  boolean runUntil(Duration d, java.util.function.BooleanSupplier done) {
    for (long t = 0; t < d.toNanos(); t += settings.tick().toNanos()) {
      if (done.getAsBoolean()) {
        return true;
      }
      tick(true);
      flush();
    }
    return done.getAsBoolean();
  }

  static StoreMessage parse(byte[] b) {
    try {
      return StoreMessage.parseFrom(b);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** The outcome of a clone write, and what the clone's replica showed for its key at that moment. */
  final class Outcome implements CloneState.Completion<Data> {
    Data value;
    BrokerException failure;
    boolean done;
    Map<Data, Data> replicaAtCompletion = new HashMap<>();

    @Override
    public void complete(Data v) {
      done = true;
      value = v;
      clone.replica().snapshot((k, val, d) -> replicaAtCompletion.put(k.data(), val));
    }

    @Override
    public void fail(BrokerException e) {
      done = true;
      failure = e;
    }
  }
}
