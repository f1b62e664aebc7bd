package io.jbroker.node.runtime;

import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.StatusCode;
import io.jbroker.endpoint.StatusEvent;
import io.jbroker.endpoint.StatusSubscriber;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives the endpoint's status and error events on one thread, logs each as one line, and
 * passes it to listeners (admin {@code WatchPeers} streams). Listeners must not block.
 */
public final class StatusHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("io.jbroker.node.peers");

  private final StatusSubscriber subscriber;
  private final List<Consumer<StatusEvent>> listeners = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean closed;

  public StatusHub(Endpoint endpoint) {
    this.subscriber = endpoint.statusSubscriber(true);
    this.thread = new Thread(this::run, "jbroker-status");
    thread.setDaemon(true);
    thread.start();
  }

  /** Adds a listener; returns the action that removes it. */
  public Runnable addListener(Consumer<StatusEvent> l) {
    listeners.add(l);
    return () -> listeners.remove(l);
  }

  private void run() {
    while (!closed) {
      StatusEvent e = subscriber.poll(Duration.ofMillis(200));
      if (e == null) {
        continue;
      }
      logEvent(e);
      for (Consumer<StatusEvent> l : listeners) {
        try {
          l.accept(e);
        } catch (RuntimeException ex) {
          log.debug("status listener failed: {}", ex.toString());
        }
      }
    }
  }

  /** One line per peering change. */
  static void logEvent(StatusEvent e) {
    if (e instanceof StatusEvent.Status s) {
      String who = s.context() == null ? "?" : s.context().toString();
      String line = s.code().brokerName().replace('_', ' ') + ": " + who + (s.message() == null ? "" : " (" + s.message() + ")");
      if (s.code() == StatusCode.PEER_LOST || s.code() == StatusCode.ENDPOINT_UNREACHABLE) {
        log.warn(line);
      } else {
        log.info(line);
      }
    } else if (e instanceof StatusEvent.Error err) {
      log.warn("{}: {}{}", err.code().brokerName(), err.context() == null ? "" : err.context() + ": ",
          err.message() == null ? "" : err.message());
    }
  }

  @Override
  public void close() {
    closed = true;
    subscriber.close();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
