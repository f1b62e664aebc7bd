package io.jbroker.node.runtime;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.node.config.NodeConfig;
import io.jbroker.replication.CloneStore;
import io.jbroker.replication.MasterStore;
import io.jbroker.replication.StoreInfo;
import io.jbroker.replication.StoreManager;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The stores of a node: attaches masters (resolving backend paths against the data directory)
 * and clones through the {@link StoreManager}, remembers them by name, and tells listeners
 * (metrics, the store monitor) when one is attached or detached. Thread-safe.
 */
public final class NodeStores implements AutoCloseable {
  /** Told about stores being attached and detached. */
  public interface Listener {
    void attached(String name, Store store);

    void detached(String name);
  }

  private final StoreManager manager;
  private final Path dataDir;
  private final ConcurrentSkipListMap<String, Store> stores = new ConcurrentSkipListMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  public NodeStores(StoreManager manager, Path dataDir) {
    this.manager = manager;
    this.dataDir = dataDir;
  }

  public StoreManager manager() {
    return manager;
  }

  public Path dataDir() {
    return dataDir;
  }

  public void addListener(Listener l) {
    listeners.add(l);
    stores.forEach(l::attached);
  }

  /**
   * Attaches a master on {@code backend}; a relative {@code path} option is resolved against the
   * data directory, a missing one becomes {@code <data-dir>/<name>.<backend>}.
   */
  public synchronized MasterStore attachMaster(String name, String backend, BackendOptions options) {
    BackendOptions resolved = NodeConfig.resolvePath(name, backend, options, dataDir);
    resolved.get("path").ifPresent(p -> {
      Path parent = Path.of(p.toString()).getParent();
      if (parent != null) {
        try {
          Files.createDirectories(parent);
        } catch (IOException e) {
          throw new BrokerException(ErrorCode.CANNOT_OPEN_FILE, "store \"" + name + "\": cannot create directory "
              + parent + ": " + e.getMessage());
        }
      }
    });
    MasterStore m = manager.attachMaster(name, backend, resolved);
    added(name, m);
    return m;
  }

  /** Attaches a clone (or returns the one attached under {@code name}). */
  public synchronized CloneStore attachClone(String name, Duration resync, Duration stale, Duration mutationBuffer) {
    CloneStore c = manager.attachClone(name, resync, stale, mutationBuffer);
    if (stores.get(name) != c) {
      added(name, c);
    }
    return c;
  }

  /** Detaches and closes {@code name} (a master commits first); false if there is none. */
  public synchronized boolean detach(String name) {
    Store s = stores.remove(name);
    if (s == null) {
      return false;
    }
    manager.detach(name);
    for (Listener l : listeners) {
      l.detached(name);
    }
    return true;
  }

  public Optional<Store> store(String name) {
    return Optional.ofNullable(stores.get(name));
  }

  /** The attached store names, sorted. */
  public List<String> names() {
    return new ArrayList<>(stores.keySet());
  }

  /** Statistics of {@code name}; empty if not attached. */
  public Optional<CompletableFuture<StoreInfo>> info(String name) {
    Store s = stores.get(name);
    if (s instanceof MasterStore m) {
      return Optional.of(m.info());
    }
    if (s instanceof CloneStore c) {
      return Optional.of(c.info());
    }
    return Optional.empty();
  }

  /** Statistics of every store, in name order (stores that fail to answer are left out). */
  public CompletableFuture<List<StoreInfo>> infos() {
    List<CompletableFuture<StoreInfo>> all = new ArrayList<>();
    for (String n : stores.keySet()) {
      info(n).ifPresent(f -> all.add(f.exceptionally(e -> null)));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(v -> all.stream().map(CompletableFuture::join).filter(java.util.Objects::nonNull).toList());
  }

  /** Closes every store: masters commit their backends. */
  @Override
  public synchronized void close() {
    for (String name : new ArrayList<>(stores.keySet())) {
      detach(name);
    }
    manager.close();
  }

  private void added(String name, Store s) {
    stores.put(name, s);
    for (Listener l : listeners) {
      l.attached(name, s);
    }
  }
}
