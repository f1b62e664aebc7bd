package io.jbroker.store.rocksdb;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The thread that hands a backend's sealed write batches to RocksDB, one after the other in the
 * order they were submitted, while the backend's owner thread goes on applying requests (the
 * RocksDB write — mostly memtable inserts — then overlaps with the owner's work instead of
 * following it).
 *
 * <p>The owner {@linkplain #submit submits} serialized batches (never blocking), bounds how far
 * the writer may fall behind with {@link #awaitRoom}, and waits for everything submitted with
 * {@link #awaitAll} (at a sync, a scan, a clear). A batch whose write fails stays at the head of
 * the queue and the writer pauses: the failure is thrown once to the owner by the next {@code
 * awaitAll} (or {@code awaitRoom}), and the {@code awaitAll} after that retries the batch, so a
 * failed batch is retried at the next sync as it was before batches were written on their own
 * thread. The thread starts with the first batch; {@link #stop} ends it.
 *
 * <p>Only the owner thread calls the methods; the writer thread runs {@link Sink#write}.
 */
final class BatchWriter {
  /** Writes one serialized batch to the database, or throws the failure. */
  @FunctionalInterface
  interface Sink {
    void write(byte[] rep, int changes);
  }

  private record Batch(long seq, byte[] rep, int changes) {}

  private final String name;
  private final Sink sink;
  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when a batch is queued, a paused writer may resume, or the writer must stop. */
  private final Condition work = lock.newCondition();
  /** Signalled when a batch was written or failed. */
  private final Condition progress = lock.newCondition();
  /** Submitted batches not yet written, oldest first; guarded by {@link #lock}. */
  private final ArrayDeque<Batch> queue = new ArrayDeque<>();
  /** The failure of the head batch, while paused; guarded by {@link #lock}. */
  private BrokerException failure;
  /** The writer stopped after {@link #failure}; guarded by {@link #lock}. */
  private boolean paused;
  /** {@link #failure} was thrown to the owner once; guarded by {@link #lock}. */
  private boolean reported;
  private boolean stopping;
  /** Sequence number of the last batch written. */
  private volatile long written;
  /** Sequence number of the last batch submitted (owner thread only). */
  private long submitted;
  private Thread thread;

  BatchWriter(String name, Sink sink) {
    this.name = name;
    this.sink = sink;
  }

  /** Queues a serialized batch of {@code changes} changes; returns its sequence number (from 1). */
  long submit(byte[] rep, int changes) {
    if (thread == null) {
      thread = new Thread(this::run, "jbroker-rocksdb-writer");
      thread.setDaemon(true);
      thread.start();
    }
    long seq = ++submitted;
    lock.lock();
    try {
      queue.addLast(new Batch(seq, rep, changes));
      work.signal();
    } finally {
      lock.unlock();
    }
    return seq;
  }

  /** Sequence number of the last batch written: every batch up to it is in the database. */
  long written() {
    return written;
  }

  /** Whether everything submitted is written. */
  boolean idle() {
    return written == submitted;
  }

  /**
   * Waits until every submitted batch is written. If a batch failed: throws its failure the first
   * time, and retries it (and the batches after it) the next time.
   */
  void awaitAll() {
    if (written == submitted) {
      return;
    }
    lock.lock();
    try {
      if (paused && reported) {
        paused = false;
        failure = null;
        work.signal();
      }
      while (!paused && written != submitted) {
        progress.awaitUninterruptibly();
      }
      if (paused) {
        reported = true;
        throw failure;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until fewer than {@code max} batches are waiting to be written.
   *
   * @throws BrokerException the failure of the batch the writer stopped at, if it did
   */
  void awaitRoom(int max) {
    if (submitted - written < max) {
      return;
    }
    lock.lock();
    try {
      while (!paused && submitted - written >= max) {
        progress.awaitUninterruptibly();
      }
      if (paused) {
        reported = true;
        throw new BrokerException(failure.code(), failure.getMessage(), failure);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the writer thread once it has written what it can (a paused writer stops at once).
   * Returns false if the thread is still running after a bounded wait (a write that RocksDB keeps
   * stalling), in which case the database must not be closed under it.
   */
  boolean stop() {
    if (thread == null) {
      return true;
    }
    lock.lock();
    try {
      stopping = true;
      work.signal();
    } finally {
      lock.unlock();
    }
    boolean interrupted = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2L * RocksDbBackend.MAX_STALL_SECONDS);
    while (thread.isAlive() && System.nanoTime() - deadline < 0) {
      try {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
  }

  private void run() {
    lock.lock();
    try {
      while (true) {
        while (!stopping && (paused || queue.isEmpty())) {
          work.awaitUninterruptibly();
        }
        if (paused || queue.isEmpty()) {
          return; // stopping
        }
        Batch b = queue.peekFirst();
        lock.unlock();
        BrokerException f = null;
        try {
          sink.write(b.rep, b.changes);
        } catch (BrokerException e) {
          f = e;
        } catch (RuntimeException | Error e) {
          f = new BrokerException(ErrorCode.BACKEND_FAILURE, name + ": write of " + b.changes
              + " buffered change(s) failed: " + e, e);
        } finally {
          lock.lock();
        }
        if (f == null) {
          queue.pollFirst();
          written = b.seq;
        } else {
          failure = f;
          paused = true;
          reported = false;
        }
        progress.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }
}
