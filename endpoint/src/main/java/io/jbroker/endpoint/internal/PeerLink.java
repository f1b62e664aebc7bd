package io.jbroker.endpoint.internal;

import io.jbroker.endpoint.NetworkInfo;
import io.jbroker.endpoint.OverflowPolicy;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A peering in phase 3: the peer's id, filter and connection, and its bounded output buffer.
 *
 * <p>Producers on any thread offer complete frames (one publication, or the frames of a batch in
 * one array); the buffer holds at most {@code bufferSize} <i>envelopes</i>, a batch counting as
 * the envelopes it holds (a batch larger than the whole buffer is taken when the buffer is
 * empty). The connection's event loop drains the buffer into writes of at most {@link
 * #WRITE_SIZE} bytes while the channel is writable and flushes once per drain. When the buffer is
 * full, frames forwarded from the network get the overflow policy at once, frames published
 * locally first wait for room up to the publish timeout (back-pressure), then get the policy.
 * Control frames that must not overtake buffered data (pongs, the BYE ping) wait in a separate
 * queue and are written as soon as the buffer is empty; once the BYE is on its way the link
 * accepts no more envelopes.
 */
public final class PeerLink {
  /** Largest buffer handed to the channel in one write (pooled, so no fresh memory per write). */
  static final int WRITE_SIZE = 64 * 1024;

  private final EndpointId id;
  private final NetworkInfo network;
  private final Channel channel;
  private final boolean outbound;
  private final OverflowPolicy policy;
  private final long publishTimeoutNanos;
  private final Overflow onOverflow;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong framesOut = new AtomicLong();
  private final AtomicLong framesIn = new AtomicLong();
  private final Runnable drainTask = this::drain;
  private final ConcurrentLinkedQueue<byte[]> trailing = new ConcurrentLinkedQueue<>();
  private volatile Filter filter;
  private volatile boolean closed;
  private volatile boolean ending;

  // ---- the buffer: a ring of entries (frames, envelope count), guarded by lock ----
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final int capacity;
  private final byte[][] entries;
  private final int[] counts;
  private int head;
  private int size;
  /** Envelopes in the buffer. */
  private int units;
  private int waiters;
  // drain scratch (event loop only)
  private final byte[][] batch;

  /** Called (once) when a full buffer under the disconnect policy closes the peering. */
  public interface Overflow {
    void overflowed(PeerLink link);
  }

  public PeerLink(EndpointId id, NetworkInfo network, Channel channel, boolean outbound, Filter filter,
      int bufferSize, OverflowPolicy policy, long publishTimeoutNanos, Overflow onOverflow) {
    if (bufferSize <= 0) {
      throw new IllegalArgumentException("peer buffer size must be positive, got " + bufferSize);
    }
    this.id = id;
    this.network = network;
    this.channel = channel;
    this.outbound = outbound;
    this.filter = filter;
    this.capacity = bufferSize;
    this.entries = new byte[bufferSize][];
    this.counts = new int[bufferSize];
    this.batch = new byte[Math.min(bufferSize, 256)][];
    this.policy = policy;
    this.publishTimeoutNanos = publishTimeoutNanos;
    this.onOverflow = onOverflow;
  }

  public EndpointId id() {
    return id;
  }

  public NetworkInfo network() {
    return network;
  }

  public Channel channel() {
    return channel;
  }

  /** Whether we dialled this peer. */
  public boolean outbound() {
    return outbound;
  }

  public Filter filter() {
    return filter;
  }

  public void filter(Filter f) {
    filter = f;
  }

  public long dropped() {
    return dropped.get();
  }

  public long framesOut() {
    return framesOut.get();
  }

  public long framesIn() {
    return framesIn.get();
  }

  void countIn() {
    framesIn.incrementAndGet();
  }

  void countIn(int n) {
    framesIn.addAndGet(n);
  }

  /** Envelopes waiting in the buffer. */
  public int buffered() {
    lock.lock();
    try {
      return units;
    } finally {
      lock.unlock();
    }
  }

  public boolean isClosed() {
    return closed;
  }

  /** Marks the link closed: later offers are discarded, publishers waiting for room give up. */
  public void markClosed() {
    closed = true;
    clearAndWake();
  }

  /** Drops everything queued and wakes the publishers waiting for room. */
  private void clearAndWake() {
    lock.lock();
    try {
      clear();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Offers one frame published locally: waits for room up to the publish timeout unless called
   * on the link's own event loop, then applies the overflow policy.
   *
   * @return whether the frame was buffered
   */
  public boolean offerLocal(byte[] frame) {
    return offerLocal(frame, 1);
  }

  /**
   * Offers {@code envelopes} frames published locally, concatenated in {@code frames}: waits for
   * room for all of them up to the publish timeout unless called on the link's own event loop,
   * then applies the overflow policy to the whole batch.
   *
   * @return whether the frames were buffered
   */
  public boolean offerLocal(byte[] frames, int envelopes) {
    if (closed || ending) {
      return false;
    }
    boolean ok;
    lock.lock();
    try {
      ok = add(frames, envelopes);
      if (!ok && publishTimeoutNanos > 0 && !channel.eventLoop().inEventLoop()) {
        long nanos = publishTimeoutNanos;
        waiters++;
        try {
          while (!ok && nanos > 0 && !closed && !ending) {
            nanos = notFull.awaitNanos(nanos);
            ok = add(frames, envelopes);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          waiters--;
        }
      }
    } finally {
      lock.unlock();
    }
    if (!ok && (closed || ending)) {
      return false; // closed while waiting
    }
    return ok ? scheduled() : overflow(frames, envelopes);
  }

  /** Offers one frame forwarded from the network: never blocks; applies the policy when full. */
  public boolean offerForwarded(byte[] frame) {
    if (closed || ending) {
      return false;
    }
    boolean ok;
    lock.lock();
    try {
      ok = add(frame, 1);
    } finally {
      lock.unlock();
    }
    return ok ? scheduled() : overflow(frame, 1);
  }

  /** Buffers the entry if its envelopes fit, or the buffer is empty (lock held). */
  private boolean add(byte[] frames, int envelopes) {
    if (closed || (units > 0 && units + envelopes > capacity) || size == capacity) {
      return false;
    }
    int at = head + size;
    if (at >= capacity) {
      at -= capacity;
    }
    entries[at] = frames;
    counts[at] = envelopes;
    size++;
    units += envelopes;
    return true;
  }

  /** Removes the oldest entry; its envelope count (lock held). */
  private int removeOldest() {
    int n = counts[head];
    entries[head] = null;
    head = head + 1 == capacity ? 0 : head + 1;
    size--;
    units -= n;
    return n;
  }

  private void clear() {
    while (size > 0) {
      removeOldest();
    }
  }

  /** Writes a control frame (a routing update) right away, bypassing the buffer. */
  public void sendControl(byte[] frame) {
    if (!closed) {
      channel.writeAndFlush(channel.alloc().buffer(frame.length).writeBytes(frame));
    }
  }

  /**
   * Writes a control frame once the envelopes buffered so far are written: a pong, or the BYE
   * ping, must not overtake the data published before it, or the close that follows its answer
   * would discard that data.
   */
  public void sendAfterBuffered(byte[] frame) {
    if (!closed) {
      trailing.add(frame);
      schedule();
    }
  }

  /** The peering is ending (BYE sent): refuse new envelopes, so that the BYE is not starved. */
  public void stopAccepting() {
    ending = true;
  }

  /** Resumes draining; called when the channel becomes writable again. */
  public void writable() {
    schedule();
  }

  private boolean scheduled() {
    schedule();
    return true;
  }

  private boolean overflow(byte[] frames, int envelopes) {
    switch (policy) {
      case DROP_NEWEST:
        dropped.addAndGet(envelopes);
        return false;
      case DROP_OLDEST: {
        int lost = 0;
        lock.lock();
        try {
          while (!add(frames, envelopes)) {
            if (closed) {
              return false;
            }
            lost += removeOldest(); // the buffer is not empty, or add would have succeeded
          }
        } finally {
          lock.unlock();
        }
        if (lost > 0) {
          dropped.addAndGet(lost);
        }
        schedule();
        return true;
      }
      case DISCONNECT:
      default:
        dropped.addAndGet(envelopes);
        if (!closed) {
          onOverflow.overflowed(this);
        }
        return false;
    }
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      channel.eventLoop().execute(drainTask);
    }
  }

  private void drain() {
    scheduled.set(false);
    if (closed || !channel.isActive()) {
      clearAndWake();
      trailing.clear();
      return;
    }
    boolean wrote = false;
    while (channel.isWritable()) {
      int n = 0;
      int envelopes = 0;
      lock.lock();
      try {
        while (n < batch.length && size > 0) {
          batch[n] = entries[head];
          envelopes += removeOldest();
          n++;
        }
        if (n > 0 && waiters > 0) {
          notFull.signalAll();
        }
      } finally {
        lock.unlock();
      }
      if (n == 0) {
        break;
      }
      write(n);
      framesOut.addAndGet(envelopes);
      wrote = true;
    }
    boolean empty;
    lock.lock();
    try {
      empty = size == 0;
    } finally {
      lock.unlock();
    }
    if (empty) {
      for (byte[] c = trailing.poll(); c != null; c = trailing.poll()) {
        channel.write(channel.alloc().buffer(c.length).writeBytes(c), channel.voidPromise());
        wrote = true;
      }
    }
    if (wrote) {
      channel.flush();
    }
  }

  /** Copies the first {@code n} entries of the drain batch into pooled buffers of at most {@link #WRITE_SIZE} bytes and writes them. */
  private void write(int n) {
    long total = 0;
    for (int i = 0; i < n; i++) {
      total += batch[i].length;
    }
    ByteBuf out = null;
    for (int i = 0; i < n; i++) {
      byte[] b = batch[i];
      batch[i] = null;
      int off = 0;
      while (off < b.length) {
        if (out == null) {
          out = channel.alloc().buffer((int) Math.min(total, WRITE_SIZE));
        }
        int k = Math.min(b.length - off, out.writableBytes());
        out.writeBytes(b, off, k);
        off += k;
        total -= k;
        if (!out.isWritable()) {
          channel.write(out, channel.voidPromise());
          out = null;
        }
      }
    }
    if (out != null) {
      channel.write(out, channel.voidPromise());
    }
  }
}
