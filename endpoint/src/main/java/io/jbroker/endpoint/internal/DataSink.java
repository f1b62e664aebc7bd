package io.jbroker.endpoint.internal;

import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.Filter;

/** A local receiver of data envelopes (a subscriber), as the router sees it. */
public interface DataSink {
  /** The topic prefixes it wants. */
  Filter filter();

  /** Delivers a message; must not block. Its reader may only be woken by {@link #endOfDeliveries}. */
  void deliver(String topic, Data data);

  /**
   * Delivers {@code n} messages on {@code topic}, in order: {@code encoded[i]} is one value in
   * Broker's binary format, already validated, and {@code decoded[i]} that value if it was decoded
   * on the way, else null. Must not block; must not keep the arrays (it may keep their elements).
   * Wakes a waiting reader.
   */
  void deliverEncoded(String topic, byte[][] encoded, Data[] decoded, int n);

  /** Ends a batch of {@link #deliver} calls made by this thread (one socket read): wakes the reader. */
  default void endOfDeliveries() {}
}
