package io.jbroker.endpoint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Receives this endpoint's status events (peer added, removed, lost, endpoint discovered,
 * unreachable) if asked to, and its error events (peer unavailable, invalid peer, …) always,
 * like Broker's {@code status_subscriber}. A bounded queue; when full the oldest event is
 * dropped.
 */
public final class StatusSubscriber implements AutoCloseable {
  private final Endpoint endpoint;
  private final boolean statuses;
  private final ArrayBlockingQueue<StatusEvent> queue;
  private volatile boolean closed;

  StatusSubscriber(Endpoint endpoint, boolean statuses, int capacity) {
    this.endpoint = endpoint;
    this.statuses = statuses;
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /** The next event, waiting at most {@code timeout}; {@code null} if none. */
  public StatusEvent poll(Duration timeout) {
    try {
      return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Everything waiting now. */
  public List<StatusEvent> drain() {
    List<StatusEvent> out = new ArrayList<>();
    queue.drainTo(out);
    return out;
  }

  @Override
  public void close() {
    closed = true;
    endpoint.removeStatusSubscriber(this);
  }

  void deliver(StatusEvent e) {
    if (closed || (!statuses && e instanceof StatusEvent.Status)) {
      return;
    }
    while (!queue.offer(e)) {
      queue.poll();
    }
  }
}
