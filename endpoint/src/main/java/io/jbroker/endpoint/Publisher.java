package io.jbroker.endpoint;

import io.jbroker.data.Data;
import io.jbroker.endpoint.internal.Frames;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.EnvelopeType;
import io.jbroker.endpoint.wire.Topics;
import java.util.List;
import java.util.Objects;

/**
 * Publishes data on one topic. Each value is encoded once, whatever the number of peers. When a
 * peer's output buffer is full the publisher waits for room up to the endpoint's publish
 * timeout (back-pressure), then the peer overflow policy applies. Thread-safe.
 */
public final class Publisher {
  private final Endpoint endpoint;
  private final String topic;
  private final byte[] topicBytes;
  private final boolean internal;

  Publisher(Endpoint endpoint, String topic) {
    this.endpoint = endpoint;
    this.topic = Objects.requireNonNull(topic, "topic");
    this.topicBytes = Topics.utf8(topic);
    this.internal = Topics.isInternal(topic);
  }

  public String topic() {
    return topic;
  }

  /** Publishes one value; returns the number of peers it was sent to. */
  public int publish(Data value) {
    Objects.requireNonNull(value, "value");
    if (internal) {
      return 0; // <$>/local/ topics never leave the endpoint
    }
    endpoint.core().countLocal(EnvelopeType.DATA, 1);
    return endpoint.core().publish(topic, Frames.data(endpoint.nodeId(), EndpointId.NIL, endpoint.config().ttl(), topicBytes, value));
  }

  /**
   * Publishes several values as one batch: each is its own data envelope on the wire, encoded
   * once in one array; a peer takes all or none of them (waiting for room for all of them in its
   * buffer, then the overflow policy). Returns the number of peers.
   */
  public int publish(List<? extends Data> values) {
    if (internal || values.isEmpty()) {
      return 0;
    }
    endpoint.core().countLocal(EnvelopeType.DATA, values.size());
    return endpoint.core().publish(topic, Frames.dataBatch(endpoint.nodeId(), EndpointId.NIL, endpoint.config().ttl(), topicBytes, values),
        values.size());
  }
}
