package io.jbroker.store;

import io.jbroker.data.Data;
import io.jbroker.data.SetData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.internal.Futures;
import io.jbroker.store.internal.Watchers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store that is its own master, with no network: a {@link StoreCore} over a backend, run by one
 * dedicated thread. Use it to embed a store in a process; the replication layer builds masters
 * and clones on the same core.
 *
 * <h2>How requests run</h2>
 *
 * Callers enqueue requests from any thread. The store thread takes everything queued at once,
 * applies it in order (up to {@value #MAX_BATCH} requests per batch), makes the batch durable
 * with one backend {@link Backend#sync() sync} (group commit), then delivers the batch's events
 * to watchers and completes the futures — so an acknowledged write is durable on a durable
 * backend and its event has been delivered. A request that waited longer than the request
 * timeout before the thread reached it fails with {@code REQUEST_TIMEOUT} without being applied.
 * Every tick (default 100 ms) the thread expires due entries. {@link #close()} fails what is
 * still queued with {@code SHUTTING_DOWN}, commits, and closes the backend.
 *
 * <h2>Costs</h2>
 *
 * The per-request work on the hot path is kept small, because with many callers the store
 * thread is the bottleneck: a request is its own future and its own queue node (one allocation),
 * the queue is a lock-free stack that the store thread empties with one atomic swap (and
 * reverses into arrival order), and only the caller that finds the queue empty checks whether
 * the store thread sleeps and wakes it. Before parking, the store thread yields a few times to
 * let callers woken by the previous batch submit the next one.
 */
public final class LocalStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(LocalStore.class);

  /** Most requests applied between two commits. */
  public static final int MAX_BATCH = 4096;

  /** How often the store thread yields, finding nothing queued, before it parks. */
  private static final int YIELDS_BEFORE_PARK = 8;

  private static final int RUNNING = 0;
  private static final int CLOSING = 1;
  private static final int CLOSED = 2;

  private final String name;
  private final StoreCore core;
  private final Duration requestTimeout;
  private final long tickNanos;
  /** Submitted requests not yet taken by the store thread, newest first (linked by {@code Request.next}). */
  private final AtomicReference<Request<?>> pending = new AtomicReference<>();
  /** The store thread is about to park or parked; submitters that find the queue empty wake it. */
  private volatile boolean sleeping;
  private final CopyOnWriteArrayList<Consumer<StoreEvent>> watchers = new CopyOnWriteArrayList<>();
  private final List<StoreEvent> batchEvents = new ArrayList<>();
  private final Thread thread;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private volatile int state = RUNNING;

  private LocalStore(Builder b) {
    this.name = b.name;
    this.requestTimeout = b.requestTimeout;
    this.tickNanos = b.tickInterval.toNanos();
    this.core = new StoreCore(b.name, b.backend, b.clock, b.id);
    this.thread = new Thread(this::run, "jbroker-store-" + b.name);
    thread.setDaemon(true);
    thread.start();
  }

  /** A builder for a store named {@code name} over {@code backend}, which the store takes over and closes. */
  public static Builder builder(String name, Backend backend) {
    return new Builder(name, backend);
  }

  /** Options of a {@link LocalStore}. */
  public static final class Builder {
    private final String name;
    private final Backend backend;
    private Clock clock = Clock.system();
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration tickInterval = Duration.ofMillis(100);
    private EntityId id = EntityId.random();

    private Builder(String name, Backend backend) {
      this.name = Objects.requireNonNull(name, "name");
      this.backend = Objects.requireNonNull(backend, "backend");
    }

    /** The clock deadlines are computed with (default: {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How long a request may wait to start (default 10 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "request timeout");
      return this;
    }

    /** How often due entries are expired (default 100 ms). */
    public Builder tickInterval(Duration interval) {
      this.tickInterval = positive(interval, "tick interval");
      return this;
    }

    /** The store's id: the publisher of its own events (default: random). */
    public Builder id(EntityId id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    /** Opens the store and starts its thread. */
    public LocalStore build() {
      return new LocalStore(this);
    }

    private static Duration positive(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** The store's id (publisher of its events). */
  public EntityId id() {
    return core.self();
  }

  @Override
  public CompletableFuture<Data> apply(Mutation mutation) {
    Objects.requireNonNull(mutation, "mutation");
    return submit(new Request<>(Request.APPLY, mutation, null, null));
  }

  @Override
  public CompletableFuture<Data> get(Data key) {
    Objects.requireNonNull(key, "key");
    return submit(new Request<>(Request.GET, null, key, null));
  }

  @Override
  public CompletableFuture<Boolean> exists(Data key) {
    Objects.requireNonNull(key, "key");
    return submit(false, c -> c.exists(key));
  }

  @Override
  public CompletableFuture<Data> getIndexFromValue(Data key, Data index) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(index, "index");
    return submit(false, c -> c.getIndexFromValue(key, index));
  }

  @Override
  public CompletableFuture<SetData> keys() {
    return submit(false, StoreCore::keys);
  }

  @Override
  public CompletableFuture<KeyPage> keys(Data after, int limit) {
    return submit(false, c -> c.keys(after, limit));
  }

  /** Number of entries. */
  public CompletableFuture<Long> size() {
    return submit(false, StoreCore::size);
  }

  /** Expires due entries now instead of at the next tick; the number expired. */
  public CompletableFuture<Integer> expireDue() {
    return submit(true, StoreCore::expireDue);
  }

  @Override
  public CompletableFuture<Void> awaitIdle(Duration timeout) {
    return Futures.withTimeout(submit(false, c -> null), timeout, () -> "await_idle on store \"" + name + "\"");
  }

  @Override
  public Watcher watch(Consumer<StoreEvent> listener) {
    Objects.requireNonNull(listener, "listener");
    watchers.add(listener);
    submit(false, this::updateEventSink);
    return () -> {
      if (watchers.remove(listener)) {
        submit(false, this::updateEventSink);
      }
    };
  }

  @Override
  public void close() {
    if (state == RUNNING) {
      state = CLOSING;
      LockSupport.unpark(thread);
    }
    if (Thread.currentThread() != thread) {
      try {
        terminated.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.warn("store \"{}\" did not stop within {}", name, requestTimeout);
      }
    }
  }

  // ---- the store thread ----------------------------------------------------------------------

  private <T> CompletableFuture<T> submit(boolean mutation, Function<StoreCore, T> body) {
    return submit(new Request<>(mutation ? Request.MUTATION : Request.READ, null, null, body));
  }

  private <T> CompletableFuture<T> submit(Request<T> r) {
    if (state != RUNNING) {
      r.completeExceptionally(shuttingDown());
      return r;
    }
    Request<?> head;
    do {
      head = pending.get();
      r.next = head;
    } while (!pending.compareAndSet(head, r));
    if (state == CLOSED) {
      failQueued(); // the thread is gone: nobody else will
    } else if (head == null && sleeping) {
      // Only the submitter that found the queue empty can find the thread asleep: with a
      // non-empty queue the thread has not yet taken what is queued, and it does not park
      // before it has.
      LockSupport.unpark(thread);
    }
    return r;
  }

  private Void updateEventSink(StoreCore c) {
    c.onEvent(watchers.isEmpty() ? null : batchEvents::add);
    return null;
  }

  private void run() {
    List<Request<?>> batch = new ArrayList<>();
    long nextTick = System.nanoTime() + tickNanos;
    int idle = 0;
    try {
      while (state == RUNNING) {
        Request<?> taken = pending.getAndSet(null);
        if (taken != null) {
          idle = 0;
          takeInArrivalOrder(taken, batch);
          for (int from = 0; from < batch.size(); from += MAX_BATCH) {
            process(batch.subList(from, Math.min(batch.size(), from + MAX_BATCH)));
          }
          batch.clear();
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          tick();
          nextTick = now + tickNanos;
        }
        if (pending.get() == null) {
          if (idle++ < YIELDS_BEFORE_PARK) {
            // Callers woken by the batch just completed are about to submit the next one; a
            // yield lets them run (on few cores) and saves a park and an unpark.
            Thread.yield();
            continue;
          }
          sleeping = true;
          if (pending.get() == null && state == RUNNING) {
            LockSupport.parkNanos(this, Math.max(1, nextTick - System.nanoTime()));
          }
          sleeping = false;
        }
      }
    } catch (Throwable t) {
      log.error("store \"{}\" stopped after an unexpected error", name, t);
    } finally {
      state = CLOSED;
      failQueued();
      try {
        core.commit();
      } catch (RuntimeException e) {
        log.error("store \"{}\": final commit failed: {}", name, e.getMessage());
      }
      try {
        core.backend().close();
      } catch (RuntimeException e) {
        log.error("store \"{}\": closing the backend failed: {}", name, e.getMessage());
      }
      failQueued();
      terminated.complete(null);
    }
  }

  /** Appends the stack {@code newestFirst} to {@code batch} oldest first. */
  private static void takeInArrivalOrder(Request<?> newestFirst, List<Request<?>> batch) {
    int start = batch.size();
    for (Request<?> r = newestFirst; r != null; ) {
      Request<?> next = r.next;
      r.next = null;
      batch.add(r);
      r = next;
    }
    java.util.Collections.reverse(batch.subList(start, batch.size()));
  }

  private void process(List<Request<?>> batch) {
    long now = System.nanoTime();
    long timeoutNanos = requestTimeout.toNanos();
    for (Request<?> r : batch) {
      if (now - r.enqueuedNanos > timeoutNanos) {
        r.failure = new BrokerException(ErrorCode.REQUEST_TIMEOUT, "request on store \"" + name
            + "\" waited longer than " + requestTimeout + " and was not applied");
        continue;
      }
      r.run(core, name);
    }
    try {
      core.commit();
      deliverEvents();
    } catch (BrokerException e) {
      log.error("store \"{}\": commit failed, failing {} request(s): {}", name, batch.size(), e.getMessage());
      batchEvents.clear(); // the writes were not acknowledged: their events did not happen
      for (Request<?> r : batch) {
        if (r.isMutation() && r.failure == null) {
          r.failure = e;
        }
      }
    }
    for (Request<?> r : batch) {
      r.finish();
    }
  }

  private void tick() {
    try {
      core.expireDue();
      core.commit();
    } catch (RuntimeException e) {
      log.error("store \"{}\": expiring due entries failed: {}", name, e.getMessage());
    }
    deliverEvents();
  }

  private void deliverEvents() {
    Watchers.deliver(name, batchEvents, watchers, log);
  }

  private void failQueued() {
    for (Request<?> r = pending.getAndSet(null); r != null; ) {
      Request<?> next = r.next;
      r.next = null;
      r.completeExceptionally(shuttingDown());
      r = next;
    }
  }

  private BrokerException shuttingDown() {
    return new BrokerException(ErrorCode.SHUTTING_DOWN, "store \"" + name + "\" is closed");
  }

  /**
   * A queued request, which is also the future returned to its caller and the node of the
   * queue: one allocation per request.
   */
  private static final class Request<T> extends CompletableFuture<T> {
    static final int APPLY = 0;
    static final int GET = 1;
    static final int MUTATION = 2;
    static final int READ = 3;

    final int kind;
    final Mutation mutation;
    final Data key;
    final Function<StoreCore, T> body;
    final long enqueuedNanos = System.nanoTime();
    Request<?> next;
    T value;
    BrokerException failure;

    Request(int kind, Mutation mutation, Data key, Function<StoreCore, T> body) {
      this.kind = kind;
      this.mutation = mutation;
      this.key = key;
      this.body = body;
    }

    boolean isMutation() {
      return kind == APPLY || kind == MUTATION;
    }

    @SuppressWarnings("unchecked")
    void run(StoreCore core, String store) {
      try {
        switch (kind) {
          case APPLY -> value = (T) core.apply(mutation, core.self());
          case GET -> value = (T) core.get(key);
          default -> value = body.apply(core);
        }
      } catch (BrokerException e) {
        failure = e;
      } catch (RuntimeException e) {
        log.error("store \"{}\": request failed unexpectedly", store, e);
        failure = new BrokerException(ErrorCode.UNSPECIFIED, "store \"" + store + "\": internal error: " + e, e);
      }
    }

    void finish() {
      if (failure != null) {
        completeExceptionally(failure);
      } else {
        complete(value);
      }
    }
  }
}
