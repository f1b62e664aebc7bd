package io.jbroker.endpoint;

import io.jbroker.endpoint.wire.Filter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Receives the data messages published by peers on the topics it subscribes to (plain prefix
 * matching: {@code /foo} matches {@code /foo/bar} and {@code /foobar}). Messages wait in a
 * bounded queue; when it is full the endpoint's subscriber overflow policy applies (counted in
 * {@link #dropped()}, never blocking the network). As in Broker, data published on this same
 * endpoint is not delivered to its subscribers.
 *
 * <p>Thread-safe. Close it to unsubscribe.
 */
public final class Subscriber implements AutoCloseable {
  private final Endpoint endpoint;
  private final MessageQueue queue;
  private final OverflowPolicy policy;
  private final Set<String> topics = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private volatile Filter filter = Filter.EMPTY;
  private volatile boolean closed;
  private Thread callbackThread;

  Subscriber(Endpoint endpoint, Collection<String> topics, int queueSize, OverflowPolicy policy) {
    this.endpoint = endpoint;
    this.queue = new MessageQueue(queueSize);
    this.policy = policy;
    this.topics.addAll(topics);
    recomputeFilter();
  }

  /** The topic prefixes this subscriber receives. */
  public Set<String> topics() {
    return Set.copyOf(topics);
  }

  /** Starts receiving {@code topic} too (and advertises it to peers). */
  public void addTopic(String topic) {
    if (topics.add(topic)) {
      recomputeFilter();
      endpoint.subscriptionsChanged();
    }
  }

  /** Stops receiving {@code topic} (peers are told if no one else here needs it). */
  public void removeTopic(String topic) {
    if (topics.remove(topic)) {
      recomputeFilter();
      endpoint.subscriptionsChanged();
    }
  }

  /** The next message, waiting at most {@code timeout}; {@code null} if none arrived. */
  public Message poll(Duration timeout) {
    try {
      return queue.poll(timeout.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The next message if one is waiting, else {@code null}. */
  public Message poll() {
    return queue.poll();
  }

  /**
   * Up to {@code max} messages: waits at most {@code timeout} for the first, then takes what is
   * already waiting. Empty if nothing arrived in time.
   */
  public List<Message> poll(int max, Duration timeout) {
    List<Message> out = new ArrayList<>(Math.min(max, 1024));
    if (max <= 0) {
      return out;
    }
    try {
      queue.poll(out, max, timeout.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out;
  }

  /** Number of messages waiting. */
  public int available() {
    return queue.size();
  }

  /** Messages dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Messages accepted into the queue so far. */
  public long received() {
    return received.get();
  }

  public boolean isClosed() {
    return closed;
  }

  /** Unsubscribes; waiting messages stay pollable. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      endpoint.removeSubscriber(this);
      Thread t = callbackThread;
      if (t != null && t != Thread.currentThread()) {
        t.interrupt();
      }
    }
  }

  // ---- used by the endpoint ------------------------------------------------------------------

  Filter filter() {
    return filter;
  }

  /**
   * Offers a message from an I/O thread: never blocks; applies the overflow policy. A waiting
   * reader may only see it after {@link #endOfDeliveries()}.
   */
  void deliver(Message m) {
    if (closed) {
      return;
    }
    if (queue.offer(m)) {
      received.incrementAndGet();
      return;
    }
    switch (policy) {
      case DROP_NEWEST:
        dropped.incrementAndGet();
        break;
      case DROP_OLDEST:
        while (!queue.offer(m)) {
          if (queue.poll() != null) {
            dropped.incrementAndGet();
          }
        }
        received.incrementAndGet();
        break;
      case DISCONNECT:
      default:
        dropped.incrementAndGet();
        endpoint.subscriberOverflowed(this);
        close();
        break;
    }
  }

  /**
   * Offers {@code ms[off, off + n)} (in order, all on one topic or not) from an I/O thread under
   * one lock of the queue, with the same outcome as offering them one by one while the reader
   * does not run: never blocks, applies the overflow policy to what does not fit, and wakes a
   * waiting reader.
   */
  void deliverAll(Message[] ms, int off, int n) {
    if (closed || n <= 0) {
      return;
    }
    switch (policy) {
      case DROP_OLDEST: {
        int lost = queue.offerAllDroppingOldest(ms, off, n);
        received.addAndGet(n);
        if (lost > 0) {
          dropped.addAndGet(lost);
        }
        break;
      }
      case DROP_NEWEST: {
        int k = queue.offerAll(ms, off, n);
        received.addAndGet(k);
        if (k < n) {
          dropped.addAndGet(n - k);
        }
        break;
      }
      case DISCONNECT:
      default: {
        int k = queue.offerAll(ms, off, n);
        received.addAndGet(k);
        if (k < n) {
          // one by one, the first message that did not fit would have closed the subscriber
          // and the rest been ignored
          dropped.incrementAndGet();
          endpoint.subscriberOverflowed(this);
          close();
        }
        break;
      }
    }
  }

  /** Whether a reader is blocked in a poll (for tests). */
  boolean hasWaitingReader() {
    return queue.hasWaitingReader();
  }

  /** Called by a delivering thread after a batch of {@link #deliver} calls: wakes a waiting reader. */
  void endOfDeliveries() {
    queue.wake();
  }

  /** Runs {@code callback} for every message on a dedicated thread until closed. */
  void startCallback(Consumer<Message> callback, String name) {
    Thread t = new Thread(() -> {
      while (!closed || !queue.isEmpty()) {
        Message m;
        try {
          m = queue.poll(TimeUnit.MILLISECONDS.toNanos(100));
        } catch (InterruptedException e) {
          if (closed) {
            return;
          }
          continue;
        }
        if (m != null) {
          try {
            callback.accept(m);
          } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Subscriber.class).warn("subscriber callback failed on {}: {}", m.topic(), e.toString());
          }
        }
      }
    }, name);
    t.setDaemon(true);
    callbackThread = t;
    t.start();
  }

  private void recomputeFilter() {
    Filter f = Filter.EMPTY;
    for (String t : topics) {
      f = f.add(t);
    }
    filter = f;
  }
}
