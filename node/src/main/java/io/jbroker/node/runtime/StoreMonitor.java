package io.jbroker.node.runtime;

import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.PeerInfo;
import io.jbroker.endpoint.PeerStatus;
import io.jbroker.replication.CloneStore;
import io.jbroker.replication.StoreInfo;
import io.jbroker.store.Store;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at every store (and the peer count) once per period: keeps the latest statistics for
 * the metrics, and logs one line whenever a store's state changes — a clone synchronising with
 * its master or losing it, becoming stale or fresh again, a master gaining or losing clones.
 */
public final class StoreMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("io.jbroker.node.stores");

  /** What is known about a store at one look. */
  public record Snapshot(StoreInfo info, boolean synced) {}

  private final NodeStores stores;
  private final Endpoint endpoint;
  private final ScheduledExecutorService timer;
  private final Map<String, Snapshot> latest = new ConcurrentHashMap<>();
  private volatile int peered;

  public StoreMonitor(NodeStores stores, Endpoint endpoint, Duration period) {
    this.stores = stores;
    this.endpoint = endpoint;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "jbroker-monitor");
      t.setDaemon(true);
      return t;
    });
    stores.addListener(new NodeStores.Listener() {
      @Override
      public void attached(String name, Store store) {}

      @Override
      public void detached(String name) {
        latest.remove(name);
      }
    });
    timer.scheduleWithFixedDelay(this::look, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The latest statistics of {@code name}, if it has been looked at. */
  public Optional<Snapshot> latest(String name) {
    return Optional.ofNullable(latest.get(name));
  }

  /** Peers with an established peering at the latest look. */
  public int peered() {
    return peered;
  }

  private void look() {
    try {
      List<PeerInfo> peers = endpoint.core().peers().get(2, TimeUnit.SECONDS);
      peered = (int) peers.stream().filter(p -> p.status() == PeerStatus.PEERED).count();
    } catch (Exception e) {
      log.debug("no peer list: {}", e.toString());
    }
    for (String name : stores.names()) {
      try {
        StoreInfo info = stores.info(name).orElseThrow().get(2, TimeUnit.SECONDS);
        Optional<Store> s = stores.store(name);
        boolean synced = true;
        if (s.isPresent() && s.get() instanceof CloneStore c) {
          synced = c.synced().get(2, TimeUnit.SECONDS);
        }
        Snapshot now = new Snapshot(info, synced);
        Snapshot before = latest.put(name, now);
        logChanges(name, before, now);
      } catch (Exception e) {
        log.debug("no statistics of store {}: {}", name, e.toString());
      }
    }
  }

  static void logChanges(String name, Snapshot before, Snapshot now) {
    StoreInfo n = now.info();
    if (n.role() == StoreInfo.Role.MASTER) {
      int was = before == null ? 0 : before.info().clones();
      if (n.clones() != was) {
        log.info("store {} (master): {} clone{} attached (was {})", name, n.clones(), n.clones() == 1 ? "" : "s", was);
      }
      return;
    }
    boolean wasSynced = before != null && before.synced();
    if (now.synced() && !wasSynced) {
      log.info("store {} (clone): synchronised with its master (epoch {}, {} entries)", name,
          Long.toHexString(n.epoch()), n.entries());
    } else if (!now.synced() && wasSynced) {
      log.warn("store {} (clone): lost its master; reads are answered until the stale interval passes", name);
    } else if (now.synced() && before != null && before.info().epoch() != 0 && before.info().epoch() != n.epoch()) {
      log.info("store {} (clone): resynchronised with a new master epoch {}", name, Long.toHexString(n.epoch()));
    }
    boolean wasStale = before != null && before.info().stale();
    if (n.stale() != wasStale) {
      if (n.stale()) {
        log.warn("store {} (clone): stale: cut off from its master longer than the stale interval", name);
      } else {
        log.info("store {} (clone): no longer stale", name);
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
