package io.jbroker.replication;

import io.jbroker.data.Data;
import io.jbroker.data.SetData;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.error.BrokerException;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.replication.internal.UpdateBatch;
import io.jbroker.replication.protocol.CloneState;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.Clock;
import io.jbroker.store.EntityId;
import io.jbroker.store.KeyPage;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreCore;
import io.jbroker.store.StoreEvent;
import io.jbroker.store.memory.MemoryBackend;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A clone of a store on this endpoint: a full replica answering reads locally, forwarding
 * writes to the master and completing them with the master's result (see {@link CloneState}).
 */
public final class CloneStore extends ReplicatedStore {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Endpoint endpoint;
  private final String masterTopic;
  private final CloneState state;
  private boolean masterAdvertised;

  CloneStore(String name, EntityId id, Endpoint endpoint, Clock clock, ReplicationSettings settings,
      CloneState.Intervals intervals, Runnable onClose) {
    super(name, id, settings, "jbroker-clone-" + name, onClose);
    this.endpoint = endpoint;
    this.masterTopic = Topics.master(name);
    long cloneId;
    do {
      cloneId = RANDOM.nextLong();
    } while (cloneId == 0);
    StoreCore replica = new StoreCore(name, new MemoryBackend(), clock, id);
    this.state = new CloneState(name, cloneId, endpoint.nodeId(), replica, clock, settings, intervals,
        m -> endpoint.sendCommand(masterTopic, EndpointId.NIL, m.toByteArray()));
    loop.submit(state::start);
    loop.start();
  }

  /** The clone's id in the replication protocol. */
  public long cloneId() {
    return state.id();
  }

  /** A snapshot of the clone's statistics. */
  public CompletableFuture<StoreInfo> info() {
    return call(false, () -> new StoreInfo(name, StoreInfo.Role.CLONE, "memory", state.replica().size(), 0,
        state.masterEpoch(), state.appliedSeq(), state.pendingWrites(), state.stale(), state.lag()));
  }

  /** Whether the clone is synchronised with its master now. */
  public CompletableFuture<Boolean> synced() {
    return call(false, state::isSynced);
  }

  @Override
  public CompletableFuture<Data> apply(Mutation mutation) {
    return callAsync(f -> state.write(mutation, id, completion(f)));
  }

  @Override
  public CompletableFuture<Data> get(Data key) {
    return read(c -> c.get(key));
  }

  @Override
  public CompletableFuture<Boolean> exists(Data key) {
    return read(c -> c.exists(key));
  }

  @Override
  public CompletableFuture<Data> getIndexFromValue(Data key, Data index) {
    return read(c -> c.getIndexFromValue(key, index));
  }

  @Override
  public CompletableFuture<SetData> keys() {
    return read(StoreCore::keys);
  }

  @Override
  public CompletableFuture<KeyPage> keys(Data after, int limit) {
    return read(c -> c.keys(after, limit));
  }

  private <T> CompletableFuture<T> read(Function<StoreCore, T> body) {
    return callAsync(f -> state.read(body, completion(f)));
  }

  private static <T> CloneState.Completion<T> completion(CompletableFuture<T> f) {
    return new CloneState.Completion<>() {
      @Override
      public void complete(T value) {
        f.complete(value);
      }

      @Override
      public void fail(BrokerException e) {
        f.completeExceptionally(e);
      }
    };
  }

  @Override
  protected void onMessage(StoreMessage m) {
    state.onMessage(m);
  }

  @Override
  protected void onUpdates(UpdateBatch b) {
    state.onUpdates(b);
  }

  @Override
  protected void endOfBatch() {
    state.flushWrites();
  }

  @Override
  protected void onTick() {
    boolean advertised = endpoint.peerAdvertises(masterTopic);
    if (advertised && !masterAdvertised) {
      state.masterMaybeReachable();
    }
    masterAdvertised = advertised;
    state.tick();
  }

  @Override
  protected boolean idle() {
    return state.idle();
  }

  @Override
  protected void setEventSink(Consumer<StoreEvent> sink) {
    state.replica().onEvent(sink);
  }

  @Override
  protected void release() {
    state.shutdown(shuttingDown());
    state.replica().backend().close();
  }
}
