package io.jbroker.replication;

import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.internal.CommandSink;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.replication.internal.UpdateBatch;
import io.jbroker.replication.internal.UpdatesDecoder;
import io.jbroker.replication.protocol.CloneState;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.store.Clock;
import io.jbroker.store.EntityId;
import io.jbroker.store.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attaches data stores to an {@link Endpoint}: a store name has one master (any backend) and any
 * number of clones, at most one store of a name per endpoint. Store traffic travels as command
 * envelopes on {@code <name>/<$>/data/master} and {@code <name>/<$>/data/clone}.
 */
public final class StoreManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreManager.class);

  private final Endpoint endpoint;
  private final ReplicationSettings settings;
  private final Clock clock;
  private final Map<String, ReplicatedStore> stores = new ConcurrentHashMap<>();
  private final Map<String, CommandSink> sinks = new ConcurrentHashMap<>();
  private final AtomicLong objects = new AtomicLong(1);

  public StoreManager(Endpoint endpoint) {
    this(endpoint, ReplicationSettings.defaults(), Clock.system());
  }

  public StoreManager(Endpoint endpoint, ReplicationSettings settings, Clock clock) {
    this.endpoint = endpoint;
    this.settings = settings;
    this.clock = clock;
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  /** Attaches a master of {@code name} on a backend of type {@code backendType}. */
  public MasterStore attachMaster(String name, String backendType, BackendOptions options) {
    checkName(name);
    checkNoMaster(name);
    Backend backend = Backends.open(backendType, options);
    try {
      return attachMaster(name, backend, backendType);
    } catch (RuntimeException e) {
      backend.close();
      throw e;
    }
  }

  /**
   * Attaches a master of {@code name} over {@code backend} (taken over: closed with the store).
   *
   * @throws BrokerException {@code MASTER_EXISTS} if a store of that name is attached here or a
   *     direct peer announces a master of that name
   */
  public synchronized MasterStore attachMaster(String name, Backend backend, String backendType) {
    checkName(name);
    checkNoMaster(name);
    MasterStore m = new MasterStore(name, newId(), endpoint, backend, backendType, clock, settings,
        () -> detached(name));
    register(name, m, Topics.master(name));
    log.info("attached master \"{}\" on {} backend", name, backendType);
    return m;
  }

  /**
   * Attaches a clone of {@code name} (or returns the one already attached here).
   *
   * @throws BrokerException {@code NO_SUCH_MASTER} if the master of that name is on this endpoint
   */
  public synchronized CloneStore attachClone(String name, Duration resyncInterval, Duration staleInterval,
      Duration mutationBufferInterval) {
    checkName(name);
    ReplicatedStore existing = stores.get(name);
    if (existing instanceof CloneStore c) {
      return c;
    }
    if (existing != null) {
      throw new BrokerException(ErrorCode.NO_SUCH_MASTER, "store \"" + name
          + "\": its master is attached on this endpoint, a clone cannot be attached here");
    }
    CloneStore c = new CloneStore(name, newId(), endpoint, clock, settings,
        new CloneState.Intervals(positive(resyncInterval, "resync interval"), positive(staleInterval, "stale interval"),
            positive(mutationBufferInterval, "mutation buffer interval")),
        () -> detached(name));
    register(name, c, Topics.clone(name));
    log.info("attached clone \"{}\"", name);
    return c;
  }

  /** Attaches a clone with the default intervals (10 s, 300 s, 120 s). */
  public CloneStore attachClone(String name) {
    CloneState.Intervals d = CloneState.Intervals.defaults();
    return attachClone(name, d.resync(), d.stale(), d.mutationBuffer());
  }

  /** The store attached under {@code name}. */
  public Optional<Store> store(String name) {
    return Optional.ofNullable(stores.get(name));
  }

  /** Statistics of every attached store. */
  public List<StoreInfo> stores() {
    List<StoreInfo> out = new ArrayList<>();
    for (ReplicatedStore s : stores.values()) {
      try {
        out.add((s instanceof MasterStore m ? m.info() : ((CloneStore) s).info()).get(10, java.util.concurrent.TimeUnit.SECONDS));
      } catch (Exception e) {
        log.debug("no statistics of store {}: {}", s.name(), e.toString());
      }
    }
    return out;
  }

  /** Detaches and closes the store {@code name}; false if none. */
  public boolean detach(String name) {
    ReplicatedStore s = stores.get(name);
    if (s == null) {
      return false;
    }
    s.close();
    return true;
  }

  /** Closes every store (their endpoint stays open). */
  @Override
  public void close() {
    for (ReplicatedStore s : new ArrayList<>(stores.values())) {
      s.close();
    }
  }

  // ---- internals ---------------------------------------------------------------------------------

  private void register(String name, ReplicatedStore store, String topic) {
    Filter filter = Filter.EMPTY.add(topic);
    CommandSink sink = new CommandSink() {
      @Override
      public Filter filter() {
        return filter;
      }

      @Override
      public void command(EndpointId sender, EndpointId receiver, String t, byte[] payload) {
        if (!t.equals(topic)) {
          return;
        }
        // nearly everything a clone receives is an update message: read it without protobuf objects
        UpdateBatch updates = store instanceof CloneStore ? UpdatesDecoder.tryDecode(payload) : null;
        if (updates != null) {
          store.receive(updates);
          return;
        }
        StoreMessage m;
        try {
          m = StoreMessage.parseFrom(payload);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          log.warn("store {}: dropped a malformed replication message from {}: {}", name, sender, e.getMessage());
          return;
        }
        store.receive(m);
      }
    };
    stores.put(name, store);
    sinks.put(name, sink);
    endpoint.addCommandSink(sink);
  }

  private void detached(String name) {
    stores.remove(name);
    CommandSink sink = sinks.remove(name);
    if (sink != null) {
      endpoint.removeCommandSink(sink);
    }
  }

  private void checkNoMaster(String name) {
    ReplicatedStore existing = stores.get(name);
    if (existing instanceof MasterStore) {
      throw new BrokerException(ErrorCode.MASTER_EXISTS, "store \"" + name + "\": a master is already attached on this endpoint");
    }
    if (existing != null) {
      throw new BrokerException(ErrorCode.MASTER_EXISTS, "store \"" + name
          + "\": a clone is attached on this endpoint, so the master is elsewhere");
    }
    if (endpoint.peerAdvertises(Topics.master(name))) {
      throw new BrokerException(ErrorCode.MASTER_EXISTS, "store \"" + name + "\": a peer already announces its master");
    }
  }

  private EntityId newId() {
    return new EntityId(endpoint.nodeId().toUuid(), objects.getAndIncrement());
  }

  private static void checkName(String name) {
    if (name == null || name.isEmpty() || name.contains("<$>")) {
      throw new BrokerException(ErrorCode.INVALID_DATA, "invalid store name \"" + name + "\"");
    }
  }

  private static Duration positive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new BrokerException(ErrorCode.INVALID_DATA, what + " must be positive, got " + d);
    }
    return d;
  }
}
