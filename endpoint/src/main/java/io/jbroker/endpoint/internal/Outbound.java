package io.jbroker.endpoint.internal;

import io.jbroker.endpoint.NetworkInfo;
import io.jbroker.endpoint.PeerInfo;
import io.jbroker.endpoint.wire.EndpointId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * A peering this endpoint dials ({@code peer(host, port, retry)}), owned by the core thread: it
 * is re-dialled every {@code retry} after a failure and at once after losing an established
 * peering, until {@code unpeer} removes it; with retry 0 a failed attempt fails the request.
 */
final class Outbound {
  final String host;
  final int port;
  final Duration retry;
  final List<CompletableFuture<PeerInfo>> waiting = new ArrayList<>();
  Connection connection;
  EndpointId peer;
  boolean removed;
  ScheduledFuture<?> timer;
  int failures;

  Outbound(String host, int port, Duration retry) {
    this.host = host;
    this.port = port;
    this.retry = retry;
  }

  NetworkInfo network() {
    return new NetworkInfo(host, port, retry);
  }

  boolean matches(String h, int p) {
    return host.equals(h) && port == p;
  }

  void succeed(PeerInfo info) {
    for (CompletableFuture<PeerInfo> f : waiting) {
      f.complete(info);
    }
    waiting.clear();
  }

  void fail(Throwable t) {
    for (CompletableFuture<PeerInfo> f : waiting) {
      f.completeExceptionally(t);
    }
    waiting.clear();
  }

  void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
