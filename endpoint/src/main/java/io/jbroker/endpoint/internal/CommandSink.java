package io.jbroker.endpoint.internal;

import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;

/** A local receiver of command envelopes (a data store), as the router sees it. */
public interface CommandSink {
  /** The store topics it wants. */
  Filter filter();

  /** Delivers a command envelope's payload; must not block. */
  void command(EndpointId sender, EndpointId receiver, String topic, byte[] payload);
}
