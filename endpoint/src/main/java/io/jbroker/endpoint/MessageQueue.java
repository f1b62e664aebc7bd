package io.jbroker.endpoint;

import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A subscriber's bounded queue: filled by I/O threads, drained by the subscriber's reader. Like
 * an {@code ArrayBlockingQueue}, except that a reader waiting for messages is woken once per
 * batch of deliveries rather than once per message: an I/O thread offers every message of one
 * socket read and then calls {@link #wake()} (and wakes the reader early every {@link
 * #wakeEvery()} messages, or when the queue is full, so a long read does not hold messages back
 * or overflow a queue its reader would drain). A wake-up is a system call
 * on the I/O thread and a context switch for the reader; with a reader that keeps up, the queue
 * is empty most of the time and an {@code ArrayBlockingQueue} paid both for nearly every message.
 *
 * <p>The receive path hands over a run of messages at once ({@link #offerAll}, {@link
 * #offerAllDroppingOldest}: one lock and at most one wake-up per run), and a reader can take
 * many at once ({@link #poll(List, int, long)}).
 *
 * <p>Thread-safe. A message offered is seen by a waiting reader at the latest when the offering
 * thread calls {@link #wake()}: every delivery path of the endpoint does so at the end of its
 * batch.
 */
final class MessageQueue {
  /**
   * A waiting reader is woken after this many offers even before {@link #wake()} — fewer for a
   * small queue (see {@link #wakeEvery()}).
   */
  static final int WAKE_EVERY = 64;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Message[] items;
  private final int wakeEvery;
  private int head;
  private int count;
  /** Readers waiting in {@link #poll(long)} (guarded by {@link #lock}). */
  private int waiters;
  /** Offers since the last signal while a reader waited (guarded by {@link #lock}). */
  private int unsignalled;
  /** Set by an offer that did not signal a waiting reader; cleared by {@link #wake()}. */
  private volatile boolean wakePending;

  MessageQueue(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("queue size must be positive, got " + capacity);
    }
    items = new Message[capacity];
    wakeEvery = Math.max(1, Math.min(WAKE_EVERY, capacity / 8));
  }

  /**
   * After how many offers a waiting reader is woken without {@link #wake()}: {@value
   * #WAKE_EVERY}, or an eighth of the capacity if that is less, so that a reader that keeps up
   * is never left asleep while a small queue fills. A full queue wakes it in any case.
   */
  int wakeEvery() {
    return wakeEvery;
  }

  /** Adds {@code m} if there is room; never blocks. */
  boolean offer(Message m) {
    lock.lock();
    try {
      if (count == items.length) {
        return false;
      }
      int at = head + count;
      items[at >= items.length ? at - items.length : at] = m;
      count++;
      if (waiters > 0) {
        if (++unsignalled >= wakeEvery || count == items.length) {
          unsignalled = 0;
          notEmpty.signal();
        } else {
          wakePending = true;
        }
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Adds {@code ms[off, off + n)} in order while there is room, under one lock, and wakes a
   * waiting reader once; never blocks.
   *
   * @return how many were added (the first ones; the rest did not fit)
   */
  int offerAll(Message[] ms, int off, int n) {
    lock.lock();
    try {
      int k = Math.min(n, items.length - count);
      put(ms, off, k);
      return k;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Adds all of {@code ms[off, off + n)} in order under one lock, dropping the oldest waiting
   * messages to make room (when {@code n} exceeds the capacity, the first of these new ones go
   * too, as if each had been offered alone); wakes a waiting reader once.
   *
   * @return how many messages were dropped
   */
  int offerAllDroppingOldest(Message[] ms, int off, int n) {
    lock.lock();
    try {
      int dropped = 0;
      if (n > items.length) {
        dropped = n - items.length;
        off += dropped;
        n = items.length;
      }
      int evict = Math.max(0, count + n - items.length);
      for (int i = 0; i < evict; i++) {
        take();
      }
      put(ms, off, n);
      return dropped + evict;
    } finally {
      lock.unlock();
    }
  }

  /** Appends {@code k} messages that fit, then signals a waiting reader (lock held). */
  private void put(Message[] ms, int off, int k) {
    int cap = items.length;
    int tail = head + count;
    for (int i = 0; i < k; i++) {
      int at = tail + i;
      items[at >= cap ? at - cap : at] = ms[off + i];
    }
    count += k;
    if (k > 0 && waiters > 0) {
      unsignalled = 0;
      notEmpty.signal();
    }
  }

  /** Wakes a waiting reader if messages were offered without waking it. */
  void wake() {
    if (!wakePending) {
      return;
    }
    lock.lock();
    try {
      wakePending = false;
      unsignalled = 0;
      if (waiters > 0 && count > 0) {
        notEmpty.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The oldest message, or null. */
  Message poll() {
    lock.lock();
    try {
      return count == 0 ? null : take();
    } finally {
      lock.unlock();
    }
  }

  /** The oldest message, waiting at most {@code nanos} for one; null if none came. */
  Message poll(long nanos) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (count == 0) {
        if (nanos <= 0) {
          return null;
        }
        waiters++;
        try {
          nanos = notEmpty.awaitNanos(nanos);
        } finally {
          waiters--;
        }
      }
      Message m = take();
      if (count > 0 && waiters > 0) {
        notEmpty.signal(); // another reader may take the rest
      }
      return m;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves up to {@code max} messages to {@code out}, oldest first, waiting at most {@code nanos}
   * for the first one: one lock for the whole batch. Returns how many.
   */
  int poll(List<Message> out, int max, long nanos) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (count == 0) {
        if (nanos <= 0) {
          return 0;
        }
        waiters++;
        try {
          nanos = notEmpty.awaitNanos(nanos);
        } finally {
          waiters--;
        }
      }
      int n = Math.min(max, count);
      for (int i = 0; i < n; i++) {
        out.add(take());
      }
      if (count > 0 && waiters > 0) {
        notEmpty.signal(); // another reader may take the rest
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Moves up to {@code max} waiting messages to {@code out}, oldest first; how many. */
  int drainTo(List<Message> out, int max) {
    lock.lock();
    try {
      int n = Math.min(max, count);
      for (int i = 0; i < n; i++) {
        out.add(take());
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return count;
    } finally {
      lock.unlock();
    }
  }

  boolean isEmpty() {
    return size() == 0;
  }

  private Message take() {
    Message m = items[head];
    items[head] = null;
    head = head + 1 == items.length ? 0 : head + 1;
    count--;
    return m;
  }

  /** For tests: whether a reader is waiting. */
  boolean hasWaitingReader() {
    lock.lock();
    try {
      return waiters > 0;
    } finally {
      lock.unlock();
    }
  }
}
