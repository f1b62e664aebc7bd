package io.jbroker.replication;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.replication.internal.StoreLoop;
import io.jbroker.replication.internal.UpdateBatch;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.EntityId;
import io.jbroker.store.Store;
import io.jbroker.store.StoreEvent;
import io.jbroker.store.internal.Futures;
import io.jbroker.store.internal.Watchers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What masters and clones share: the store's own thread ({@link StoreLoop}), requests whose
 * futures complete at the end of the batch that handled them, events delivered to watchers
 * after each batch, {@code awaitIdle} waiters checked after every batch and tick, and closing.
 */
abstract class ReplicatedStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(ReplicatedStore.class);

  /** A request answered at the end of its batch. */
  protected final class Pending<T> {
    final CompletableFuture<T> future;
    final boolean mutation;
    T value;
    BrokerException failure;

    Pending(CompletableFuture<T> future, boolean mutation) {
      this.future = future;
      this.mutation = mutation;
    }

    void finish() {
      if (failure != null) {
        future.completeExceptionally(failure);
      } else {
        future.complete(value);
      }
    }
  }

  private record IdleWaiter(CompletableFuture<Void> future, long deadline) {}

  protected final String name;
  protected final EntityId id;
  protected final ReplicationSettings settings;
  protected final StoreLoop loop;
  protected final List<StoreEvent> batchEvents = new ArrayList<>();
  private final CopyOnWriteArrayList<Consumer<StoreEvent>> watchers = new CopyOnWriteArrayList<>();
  private final List<Pending<?>> batch = new ArrayList<>();
  private final List<IdleWaiter> idleWaiters = new ArrayList<>();
  private final Runnable onClose;
  protected volatile boolean closed;

  ReplicatedStore(String name, EntityId id, ReplicationSettings settings, String threadName, Runnable onClose) {
    this.name = name;
    this.id = id;
    this.settings = settings;
    this.onClose = onClose;
    this.loop = new StoreLoop(threadName, settings.tick(), new StoreLoop.Hooks() {
      @Override
      public void endBatch() {
        finishBatch();
      }

      @Override
      public void tick() {
        onTick();
        deliverEvents();
        checkIdle();
      }

      @Override
      public void stopped() {
        shutdown();
      }
    });
  }

  @Override
  public String name() {
    return name;
  }

  /** The store's id: the publisher of its commands and events. */
  public EntityId id() {
    return id;
  }

  @Override
  public Duration requestTimeout() {
    return settings.requestTimeout();
  }

  /** Handles a replication message from the network (any thread). */
  void receive(StoreMessage m) {
    loop.submit(() -> {
      if (!closed) {
        onMessage(m);
      }
    });
  }

  /** Handles an update message read straight from the bytes (any thread); only clones take them. */
  void receive(UpdateBatch b) {
    loop.submit(() -> {
      if (!closed) {
        onUpdates(b);
      }
    });
  }

  /**
   * Runs {@code body} on the store thread; its result (or failure) completes the returned future
   * at the end of the batch.
   */
  protected <T> CompletableFuture<T> call(boolean mutation, java.util.function.Supplier<T> body) {
    return call(mutation, body, null);
  }

  /**
   * {@link #call(boolean, java.util.function.Supplier)} with a {@code prefetch} that the store
   * thread runs shortly before {@code body}, together with those of the tasks queued with it
   * (see {@link StoreLoop.Prefetching}); {@code null} for none.
   */
  protected <T> CompletableFuture<T> call(boolean mutation, java.util.function.Supplier<T> body, Runnable prefetch) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Pending<T> p = new Pending<>(f, mutation);
    Runnable task = () -> {
      if (closed) {
        p.failure = shuttingDown();
        batch.add(p);
        return;
      }
      try {
        p.value = body.get();
      } catch (BrokerException e) {
        p.failure = e;
      } catch (RuntimeException e) {
        log.error("store {}: request failed unexpectedly", name, e);
        p.failure = new BrokerException(ErrorCode.UNSPECIFIED, "store \"" + name + "\": internal error: " + e, e);
      }
      batch.add(p);
    };
    boolean queued = !closed && loop.submit(prefetch == null ? task : new StoreLoop.Prefetching() {
      @Override
      public void prefetch() {
        if (!closed) {
          prefetch.run();
        }
      }

      @Override
      public void run() {
        task.run();
      }
    });
    if (!queued) {
      f.completeExceptionally(shuttingDown());
    }
    return f;
  }

  /** Runs {@code body} on the store thread; it completes the future itself (possibly later). */
  protected <T> CompletableFuture<T> callAsync(Consumer<CompletableFuture<T>> body) {
    CompletableFuture<T> f = new CompletableFuture<>();
    boolean queued = !closed && loop.submit(() -> {
      if (closed) {
        f.completeExceptionally(shuttingDown());
        return;
      }
      try {
        body.accept(f);
      } catch (BrokerException e) {
        f.completeExceptionally(e);
      }
    });
    if (!queued) {
      f.completeExceptionally(shuttingDown());
    }
    return f;
  }

  @Override
  public CompletableFuture<Void> awaitIdle(Duration timeout) {
    CompletableFuture<Void> f = callAsync(done -> {
      if (idle()) {
        done.complete(null);
      } else {
        idleWaiters.add(new IdleWaiter(done, System.nanoTime() + timeout.toNanos()));
      }
    });
    return Futures.withTimeout(f, timeout, () -> "await_idle on store \"" + name + "\"");
  }

  @Override
  public Watcher watch(Consumer<StoreEvent> listener) {
    watchers.add(listener);
    loop.submit(this::updateEventSink);
    return () -> {
      if (watchers.remove(listener)) {
        loop.submit(this::updateEventSink);
      }
    };
  }

  private void updateEventSink() {
    setEventSink(watchers.isEmpty() ? null : batchEvents::add);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      loop.stop(Duration.ofSeconds(10));
    }
  }

  // ---- for subclasses ----------------------------------------------------------------------------

  protected abstract void onMessage(StoreMessage m);

  /** An update message from the master, on the store thread (masters ignore them, as {@link #onMessage} does). */
  protected void onUpdates(UpdateBatch b) {}

  /** Commit and send what the batch produced; throws if the commit failed. */
  protected abstract void endOfBatch();

  protected abstract void onTick();

  protected abstract boolean idle();

  protected abstract void setEventSink(Consumer<StoreEvent> sink);

  /** Releases the store's resources on its thread. */
  protected abstract void release();

  protected BrokerException shuttingDown() {
    return new BrokerException(ErrorCode.SHUTTING_DOWN, "store \"" + name + "\" is closed");
  }

  // ---- internals ---------------------------------------------------------------------------------

  private void finishBatch() {
    try {
      endOfBatch();
      deliverEvents();
    } catch (BrokerException e) {
      log.error("store {}: commit failed, failing the batch's writes: {}", name, e.getMessage());
      batchEvents.clear();
      for (Pending<?> p : batch) {
        if (p.mutation && p.failure == null) {
          p.failure = e;
        }
      }
    }
    for (Pending<?> p : batch) {
      p.finish();
    }
    batch.clear();
    checkIdle();
  }

  private void deliverEvents() {
    Watchers.deliver(name, batchEvents, watchers, log);
  }

  private void checkIdle() {
    if (idleWaiters.isEmpty()) {
      return;
    }
    boolean idle = idle();
    long now = System.nanoTime();
    for (Iterator<IdleWaiter> it = idleWaiters.iterator(); it.hasNext();) {
      IdleWaiter w = it.next();
      if (idle) {
        w.future.complete(null);
        it.remove();
      } else if (now - w.deadline > 0 || w.future.isDone()) {
        it.remove();
      }
    }
  }

  private void shutdown() {
    for (Runnable r : loop.drainQueued()) {
      try {
        r.run(); // requests see closed and fail
      } catch (RuntimeException e) {
        log.debug("store {}: task after close failed: {}", name, e.toString());
      }
    }
    for (Pending<?> p : batch) {
      p.failure = shuttingDown();
      p.finish();
    }
    batch.clear();
    for (IdleWaiter w : idleWaiters) {
      w.future.completeExceptionally(shuttingDown());
    }
    idleWaiters.clear();
    try {
      release();
    } catch (RuntimeException e) {
      log.error("store {}: release failed: {}", name, e.toString());
    }
    onClose.run();
  }
}
