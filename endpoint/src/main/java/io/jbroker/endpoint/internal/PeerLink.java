package io.jbroker.endpoint.internal;

import io.jbroker.endpoint.NetworkInfo;
import io.jbroker.endpoint.OverflowPolicy;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A peering in phase 3: the peer's id, filter and connection, and its bounded output buffer.
 *
 * <p>Producers on any thread offer complete frames (one publication or a pre-framed batch per
 * entry); the connection's event loop drains the buffer into large writes while the channel is
 * writable and flushes once per drain. When the buffer is full, frames forwarded from the
 * network get the overflow policy at once, frames published locally first wait for room up to
 * the publish timeout (back-pressure), then get the policy. Control frames that must not
 * overtake buffered data (pongs, the BYE ping) wait in a separate queue and are written as soon
 * as the buffer is empty; once the BYE is on its way the link accepts no more envelopes.
 */
public final class PeerLink {
  private static final int DRAIN_BATCH = 256;

  private final EndpointId id;
  private final NetworkInfo network;
  private final Channel channel;
  private final boolean outbound;
  private final ArrayBlockingQueue<byte[]> buffer;
  private final OverflowPolicy policy;
  private final long publishTimeoutNanos;
  private final Overflow onOverflow;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong framesOut = new AtomicLong();
  private final AtomicLong framesIn = new AtomicLong();
  private final List<byte[]> batch = new ArrayList<>(DRAIN_BATCH);
  private final Runnable drainTask = this::drain;
  private final ConcurrentLinkedQueue<byte[]> trailing = new ConcurrentLinkedQueue<>();
  private volatile Filter filter;
  private volatile boolean closed;
  private volatile boolean ending;

  /** Called (once) when a full buffer under the disconnect policy closes the peering. */
  public interface Overflow {
    void overflowed(PeerLink link);
  }

  public PeerLink(EndpointId id, NetworkInfo network, Channel channel, boolean outbound, Filter filter,
      int bufferSize, OverflowPolicy policy, long publishTimeoutNanos, Overflow onOverflow) {
    this.id = id;
    this.network = network;
    this.channel = channel;
    this.outbound = outbound;
    this.filter = filter;
    this.buffer = new ArrayBlockingQueue<>(bufferSize);
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

  public int buffered() {
    return buffer.size();
  }

  public boolean isClosed() {
    return closed;
  }

  /** Marks the link closed: later offers are discarded. */
  public void markClosed() {
    closed = true;
    buffer.clear();
  }

  /**
   * Offers frames published locally: waits for room up to the publish timeout unless called on
   * the link's own event loop, then applies the overflow policy.
   *
   * @return whether the frames were buffered
   */
  public boolean offerLocal(byte[] frames) {
    if (closed || ending) {
      return false;
    }
    boolean ok = buffer.offer(frames);
    if (!ok && publishTimeoutNanos > 0 && !channel.eventLoop().inEventLoop()) {
      try {
        ok = buffer.offer(frames, publishTimeoutNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return ok ? scheduled() : overflow(frames);
  }

  /** Offers frames forwarded from the network: never blocks; applies the policy when full. */
  public boolean offerForwarded(byte[] frames) {
    if (closed || ending) {
      return false;
    }
    return buffer.offer(frames) ? scheduled() : overflow(frames);
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

  private boolean overflow(byte[] frames) {
    switch (policy) {
      case DROP_NEWEST:
        dropped.incrementAndGet();
        return false;
      case DROP_OLDEST:
        while (!buffer.offer(frames)) {
          if (buffer.poll() != null) {
            dropped.incrementAndGet();
          }
        }
        schedule();
        return true;
      case DISCONNECT:
      default:
        dropped.incrementAndGet();
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
      buffer.clear();
      trailing.clear();
      return;
    }
    boolean wrote = false;
    while (channel.isWritable()) {
      buffer.drainTo(batch, DRAIN_BATCH);
      if (batch.isEmpty()) {
        break;
      }
      int size = 0;
      for (byte[] b : batch) {
        size += b.length;
      }
      ByteBuf out = channel.alloc().buffer(size);
      for (byte[] b : batch) {
        out.writeBytes(b);
      }
      framesOut.addAndGet(batch.size());
      batch.clear();
      channel.write(out, channel.voidPromise());
      wrote = true;
    }
    if (buffer.isEmpty()) {
      for (byte[] c = trailing.poll(); c != null; c = trailing.poll()) {
        channel.write(channel.alloc().buffer(c.length).writeBytes(c), channel.voidPromise());
        wrote = true;
      }
    }
    if (wrote) {
      channel.flush();
    }
  }
}
