package io.jbroker.endpoint.internal;

import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.Filter;

/** A local receiver of data envelopes (a subscriber), as the router sees it. */
public interface DataSink {
  /** The topic prefixes it wants. */
  Filter filter();

  /** Delivers a message; must not block. Its reader may only be woken by {@link #endOfDeliveries}. */
  void deliver(String topic, Data data);

  /** Ends a batch of {@link #deliver} calls made by this thread (one socket read): wakes the reader. */
  default void endOfDeliveries() {}
}
