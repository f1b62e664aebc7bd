package io.jbroker.replication.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread that owns a replicated store's state: runs submitted tasks in order, in
 * batches, calls {@link Hooks#endBatch()} after each batch (commit, send, complete) and {@link
 * Hooks#tick()} at the tick interval. Tasks are queued lock-free; the thread parks when idle.
 */
public final class StoreLoop {
  private static final Logger log = LoggerFactory.getLogger(StoreLoop.class);
  private static final int MAX_BATCH = 4096;
  /**
   * Tasks taken from the queue at a time: the {@link Prefetching} ones among them prefetch first,
   * then all run. Few enough that what they prefetch is still in the cache when they run.
   */
  private static final int RUN = 64;

  /**
   * A task that can say, before it runs, what memory it will touch (a key's slot in the backend's
   * hash table), so that the misses of a run of tasks overlap instead of coming one per task.
   * {@link #prefetch()} runs on the loop thread; it must change nothing.
   */
  public interface Prefetching extends Runnable {
    void prefetch();
  }

  /** What the owner does between tasks. */
  public interface Hooks {
    void endBatch();

    void tick();

    /** The loop stops: release everything (runs on the loop thread). */
    void stopped();
  }

  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean sleeping = new AtomicBoolean();
  private final Hooks hooks;
  private final long tickNanos;
  private final Thread thread;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final Runnable[] taken = new Runnable[RUN];
  private volatile boolean running = true;

  public StoreLoop(String name, Duration tick, Hooks hooks) {
    this.hooks = hooks;
    this.tickNanos = tick.toNanos();
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** Queues a task; false if the loop has stopped. */
  public boolean submit(Runnable task) {
    if (!running) {
      return false;
    }
    queue.offer(task);
    if (sleeping.get()) {
      LockSupport.unpark(thread);
    }
    return true;
  }

  public boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Stops after the current batch; waits at most {@code timeout}. */
  public void stop(Duration timeout) {
    running = false;
    LockSupport.unpark(thread);
    if (!inLoop()) {
      try {
        terminated.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        log.warn("{} did not stop within {}", thread.getName(), timeout);
      }
    }
  }

  /** Tasks queued but not run (after a stop). */
  public List<Runnable> drainQueued() {
    List<Runnable> out = new ArrayList<>();
    Runnable r;
    while ((r = queue.poll()) != null) {
      out.add(r);
    }
    return out;
  }

  private void run() {
    long nextTick = System.nanoTime() + tickNanos;
    try {
      while (running) {
        int n = 0;
        int count;
        while (n < MAX_BATCH && (count = take()) > 0) {
          n += count;
          for (int i = 0; i < count; i++) {
            runTask(taken[i]);
            taken[i] = null;
          }
        }
        if (n > 0) {
          endBatch();
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          try {
            hooks.tick();
          } catch (RuntimeException e) {
            log.error("{}: tick failed", thread.getName(), e);
          }
          nextTick = now + tickNanos;
        }
        if (queue.isEmpty()) {
          sleeping.set(true);
          if (queue.isEmpty() && running) {
            LockSupport.parkNanos(this, Math.max(1, nextTick - System.nanoTime()));
          }
          sleeping.set(false);
        }
      }
    } finally {
      try {
        hooks.stopped();
      } catch (RuntimeException e) {
        log.error("{}: stopping failed", thread.getName(), e);
      }
      terminated.complete(null);
    }
  }

  /** Takes up to {@link #RUN} queued tasks into {@link #taken} and lets them prefetch; how many. */
  private int take() {
    int count = 0;
    Runnable r;
    while (count < RUN && (r = queue.poll()) != null) {
      taken[count++] = r;
    }
    for (int i = 0; i < count; i++) {
      if (taken[i] instanceof Prefetching p) {
        try {
          p.prefetch();
        } catch (RuntimeException e) {
          log.error("{}: prefetch failed", thread.getName(), e);
        }
      }
    }
    return count;
  }

  private void runTask(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.error("{}: task failed", thread.getName(), e);
    }
  }

  private void endBatch() {
    try {
      hooks.endBatch();
    } catch (RuntimeException e) {
      log.error("{}: end of batch failed", thread.getName(), e);
    }
  }
}
