package io.jbroker.store.internal;

import io.jbroker.store.StoreEvent;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;

/** Delivery of a batch's store events to a store's watchers; shared by every kind of store. */
public final class Watchers {
  private Watchers() {}

  /**
   * Hands every event, in order, to every watcher, then empties {@code events}. A watcher that
   * throws is logged and does not keep the others from their events.
   */
  public static void deliver(String store, List<StoreEvent> events, List<Consumer<StoreEvent>> watchers, Logger log) {
    if (events.isEmpty()) {
      return;
    }
    for (StoreEvent e : events) {
      for (Consumer<StoreEvent> w : watchers) {
        try {
          w.accept(e);
        } catch (RuntimeException ex) {
          log.warn("store \"{}\": an event listener failed: {}", store, ex.toString());
        }
      }
    }
    events.clear();
  }
}
