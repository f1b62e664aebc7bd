package io.jbroker.node.metrics;

import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.wire.EnvelopeType;
import io.jbroker.node.runtime.NodeStores;
import io.jbroker.node.runtime.StoreMonitor;
import io.jbroker.replication.StoreInfo;
import io.jbroker.store.Store;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The node's metrics with Broker's names (Prometheus form):
 *
 * <table>
 *   <caption>metrics</caption>
 *   <tr><th>name</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>{@code broker_connections{type="native"}}</td><td>gauge</td><td>peers with an established peering</td></tr>
 *   <tr><td>{@code broker_processed_messages_total{type}}</td><td>counter</td><td>messages the endpoint
 *       processed, by type ({@code data}, {@code command}, {@code routing_update}, {@code ping}, {@code pong}):
 *       every envelope its peers sent it, and the data and command messages it published itself</td></tr>
 *   <tr><td>{@code jbroker_admin_data_messages_total}</td><td>counter</td><td>data messages published or
 *       delivered through the admin API ({@code Publish}, {@code Subscribe})</td></tr>
 *   <tr><td>{@code broker_store_entries{name}}</td><td>gauge</td><td>entries of a store (a clone: its replica)</td></tr>
 *   <tr><td>{@code broker_store_processed_updates_total{name}}</td><td>counter</td><td>changes applied to the store
 *       (insert, update, erase, expire events)</td></tr>
 *   <tr><td>{@code broker_store_unacknowledged_updates{name}}</td><td>gauge</td><td>a master: updates not yet
 *       acknowledged by every clone; a clone: its writes not yet acknowledged by the master</td></tr>
 *   <tr><td>{@code broker_store_clones{name}}</td><td>gauge</td><td>clones attached to a master</td></tr>
 *   <tr><td>{@code broker_store_stale{name}}</td><td>gauge</td><td>1 while a clone's reads fail with stale_data</td></tr>
 *   <tr><td>{@code jbroker_endpoint_malformed_inputs_total}, {@code jbroker_endpoint_dropped_by_ttl_total}</td>
 *       <td>counter</td><td>the endpoint's own counters</td></tr>
 * </table>
 *
 * plus the JVM's (memory, GC, threads, classes, CPU, uptime) when enabled. Store gauges read the
 * {@link StoreMonitor}'s latest look (at most one period old), so a scrape never waits on a
 * store.
 */
public final class NodeMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final StoreMonitor monitor;
  private final Counter dataMessages;
  private final Map<String, List<Meter>> storeMeters = new ConcurrentHashMap<>();
  private final Map<String, Store.Watcher> watchers = new ConcurrentHashMap<>();
  private final List<AutoCloseable> binders = new ArrayList<>();

  public NodeMetrics(Endpoint endpoint, NodeStores stores, StoreMonitor monitor, boolean jvm) {
    this.monitor = monitor;
    Gauge.builder("broker.connections", monitor, StoreMonitor::peered)
        .description("Number of established peerings").tag("type", "native").register(registry);
    for (EnvelopeType type : EnvelopeType.values()) {
      FunctionCounter.builder("broker.processed.messages", endpoint, e -> e.core().processedMessages(type))
          .tag("type", type.name().toLowerCase(java.util.Locale.ROOT))
          .description("Messages processed by the endpoint: received from peers, or published here")
          .register(registry);
    }
    dataMessages = Counter.builder("jbroker.admin.data.messages")
        .description("Data messages published or delivered through this node's admin API").register(registry);
    FunctionCounter.builder("jbroker.endpoint.malformed.inputs", endpoint, e -> e.core().malformedInputs())
        .description("Malformed frames or handshakes received (each closed its connection)").register(registry);
    FunctionCounter.builder("jbroker.endpoint.dropped.by.ttl", endpoint, e -> e.core().droppedByTtl())
        .description("Envelopes dropped because their TTL ran out").register(registry);
    if (jvm) {
      new ClassLoaderMetrics().bindTo(registry);
      new JvmMemoryMetrics().bindTo(registry);
      JvmGcMetrics gc = new JvmGcMetrics();
      gc.bindTo(registry);
      binders.add(gc);
      new JvmThreadMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
    }
    stores.addListener(new NodeStores.Listener() {
      @Override
      public void attached(String name, Store store) {
        addStore(name, store);
      }

      @Override
      public void detached(String name) {
        removeStore(name);
      }
    });
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Counts a data message published or delivered through the admin API. */
  public void dataMessage(int n) {
    dataMessages.increment(n);
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  private void addStore(String name, Store store) {
    Tags tags = Tags.of("name", name);
    List<Meter> meters = new ArrayList<>();
    meters.add(gauge("broker.store.entries", tags, "Entries of the store", name, i -> i.entries()));
    meters.add(gauge("broker.store.unacknowledged.updates", tags,
        "Updates not yet acknowledged (master: by every clone; clone: its own writes by the master)", name,
        i -> i.buffered()));
    meters.add(gauge("broker.store.clones", tags, "Clones attached to the master", name, i -> i.clones()));
    meters.add(gauge("broker.store.stale", tags, "1 while the clone's reads fail with stale_data", name,
        i -> i.stale() ? 1 : 0));
    Counter updates = Counter.builder("broker.store.processed.updates").tags(tags)
        .description("Changes applied to the store (insert, update, erase, expire)").register(registry);
    meters.add(updates);
    storeMeters.put(name, meters);
    watchers.put(name, store.watch(e -> updates.increment()));
  }

  private Meter gauge(String metric, Tags tags, String description, String store, ToDoubleFunction<StoreInfo> f) {
    return Gauge.builder(metric, monitor, m -> m.latest(store).map(s -> f.applyAsDouble(s.info())).orElse(Double.NaN))
        .tags(tags).description(description).register(registry);
  }

  private void removeStore(String name) {
    Store.Watcher w = watchers.remove(name);
    if (w != null) {
      w.close();
    }
    List<Meter> meters = storeMeters.remove(name);
    if (meters != null) {
      meters.forEach(registry::remove);
    }
  }

  @Override
  public void close() {
    watchers.values().forEach(Store.Watcher::close);
    for (AutoCloseable b : binders) {
      try {
        b.close();
      } catch (Exception e) {
        // best effort
      }
    }
    registry.close();
  }
}
