package io.jbroker.replication;

import io.jbroker.data.Data;
import io.jbroker.data.SetData;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.replication.protocol.BackendJournal;
import io.jbroker.replication.protocol.MasterState;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.Backend;
import io.jbroker.store.Clock;
import io.jbroker.store.EntityId;
import io.jbroker.store.Key;
import io.jbroker.store.KeyPage;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreCore;
import io.jbroker.store.StoreEvent;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The master of a store attached to an endpoint: owns the backend, applies every mutation (its
 * own callers' and its clones'), group-commits durable backends before acknowledging, drives
 * expiry, and replicates the resulting state to its clones (see {@link MasterState}).
 */
public final class MasterStore extends ReplicatedStore {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Endpoint endpoint;
  private final String backendType;
  private final MasterState state;

  MasterStore(String name, EntityId id, Endpoint endpoint, Backend backend, String backendType, Clock clock,
      ReplicationSettings settings, Runnable onClose) {
    super(name, id, settings, "jbroker-master-" + name, onClose);
    this.endpoint = endpoint;
    this.backendType = backendType;
    long epoch;
    do {
      epoch = RANDOM.nextLong();
    } while (epoch == 0);
    String cloneTopic = Topics.clone(name);
    this.state = new MasterState(new StoreCore(name, backend, clock, id), epoch, settings, new MasterState.Transport() {
      @Override
      public void broadcast(StoreMessage message) {
        endpoint.sendCommand(cloneTopic, EndpointId.NIL, message.toByteArray());
      }

      @Override
      public void send(long clone, EndpointId cloneEndpoint, StoreMessage message) {
        endpoint.sendCommand(cloneTopic, cloneEndpoint, message.toByteArray());
      }

      @Override
      public void broadcast(byte[] message) {
        endpoint.sendCommand(cloneTopic, EndpointId.NIL, message);
      }

      @Override
      public void send(long clone, EndpointId cloneEndpoint, byte[] message) {
        endpoint.sendCommand(cloneTopic, cloneEndpoint, message);
      }
    }, new BackendJournal(backend));
    loop.start();
  }

  /** The backend type ({@code memory}, {@code sqlite}, {@code rocksdb}). */
  public String backendType() {
    return backendType;
  }

  /** The current epoch (new at each start). */
  public long epoch() {
    return state.epoch();
  }

  /** A snapshot of the master's statistics. */
  public CompletableFuture<StoreInfo> info() {
    return call(false, () -> new StoreInfo(name, StoreInfo.Role.MASTER, backendType, state.core().size(),
        state.clones(), state.epoch(), state.seq(), state.buffered(), false, 0));
  }

  @Override
  public CompletableFuture<Data> apply(Mutation mutation) {
    if (mutation.key() == null) {
      return call(true, () -> state.apply(mutation, id));
    }
    // the key is encoded here, on the caller's thread, and its slot prefetched by the store thread
    Key key = Key.of(mutation.key()); // encoding a Data cannot fail
    return call(true, () -> state.apply(mutation, key, id), () -> state.core().backend().prefetch(key.hashCode()));
  }

  @Override
  public CompletableFuture<Data> get(Data key) {
    return call(false, () -> state.core().get(key));
  }

  @Override
  public CompletableFuture<Boolean> exists(Data key) {
    return call(false, () -> state.core().exists(key));
  }

  @Override
  public CompletableFuture<Data> getIndexFromValue(Data key, Data index) {
    return call(false, () -> state.core().getIndexFromValue(key, index));
  }

  @Override
  public CompletableFuture<SetData> keys() {
    return call(false, () -> state.core().keys());
  }

  @Override
  public CompletableFuture<KeyPage> keys(Data after, int limit) {
    return call(false, () -> state.core().keys(after, limit));
  }

  @Override
  protected void onMessage(StoreMessage m) {
    state.onMessage(m);
  }

  @Override
  protected void endOfBatch() {
    state.endBatch();
  }

  @Override
  protected void onTick() {
    state.tick();
  }

  @Override
  protected boolean idle() {
    return state.idle();
  }

  @Override
  protected void setEventSink(Consumer<StoreEvent> sink) {
    state.core().onEvent(sink);
  }

  @Override
  protected void release() {
    try {
      state.core().commit();
    } finally {
      state.core().backend().close();
    }
  }
}
