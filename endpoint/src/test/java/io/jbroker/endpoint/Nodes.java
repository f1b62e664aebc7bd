package io.jbroker.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.error.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * Endpoints of one test: created with test-friendly settings (plain TCP unless told, short
 * timeouts), listening on 127.0.0.1 port 0, and all closed by {@link #close()}.
 */
final class Nodes implements AutoCloseable {
  static final String HOST = "127.0.0.1";
  static final Duration WAIT = Duration.ofSeconds(10);

  private final List<AutoCloseable> owned = new ArrayList<>();

  /** An endpoint with plain TCP, a 1 s connect retry and the given changes. */
  Endpoint create(Consumer<EndpointConfig.Builder> settings) {
    EndpointConfig.Builder b = EndpointConfig.builder()
        .tls(TlsConfig.disabled())
        .connectRetry(Duration.ofSeconds(1))
        .handshakeTimeout(Duration.ofSeconds(5));
    settings.accept(b);
    Endpoint e = Endpoint.create(b.build());
    owned.add(e);
    return e;
  }

  Endpoint create() {
    return create(b -> {});
  }

  /** Registers something else to close with the endpoints (closed first, in reverse order). */
  <T extends AutoCloseable> T own(T resource) {
    owned.add(resource);
    return resource;
  }

  /** Listens on 127.0.0.1, port 0; the bound port. */
  static int listen(Endpoint e) {
    return e.listen(HOST, 0);
  }

  /** {@code dialler} peers with {@code listener} (which listens first) and both see the peering. */
  static void peer(Endpoint dialler, Endpoint listener) {
    int port = listen(listener);
    dialler.peer(HOST, port, WAIT);
    awaitPeered(dialler, listener);
  }

  /** Waits until both sides report the other as peered. */
  static void awaitPeered(Endpoint a, Endpoint b) {
    a.awaitPeer(b.nodeId(), WAIT).join();
    b.awaitPeer(a.nodeId(), WAIT).join();
  }

  /** Awaitility, polling every 10 ms from the start, for at most {@link #WAIT}. */
  static ConditionFactory eventually() {
    return Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).atMost(WAIT);
  }

  /** Waits until {@code publisher} knows that {@code subscriber} wants {@code topic}. */
  static void awaitInterest(Endpoint publisher, Endpoint subscriber, String topic) {
    eventually().until(() -> {
      var f = publisher.peerFilters().get(subscriber.nodeId());
      return f != null && f.matches(topic);
    });
  }

  /** Polls {@code sub} for the next event matching {@code which}, skipping others; fails after {@link #WAIT}. */
  static StatusEvent next(StatusSubscriber sub, Predicate<StatusEvent> which) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      StatusEvent e = sub.poll(Duration.ofMillis(100));
      if (e != null && which.test(e)) {
        return e;
      }
    }
    throw new AssertionError("no matching status event within " + WAIT);
  }

  /** Polls {@code sub} for the next event at most {@link #WAIT}; fails if none. */
  static StatusEvent next(StatusSubscriber sub) {
    StatusEvent e = sub.poll(WAIT);
    assertThat(e).as("next status event").isNotNull();
    return e;
  }

  static Predicate<StatusEvent> status(StatusCode code) {
    return e -> e instanceof StatusEvent.Status s && s.code() == code;
  }

  static Predicate<StatusEvent> error(ErrorCode code) {
    return e -> e instanceof StatusEvent.Error x && x.code() == code;
  }

  @Override
  public void close() {
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
    owned.clear();
  }
}
