package io.jbroker.endpoint;

import io.jbroker.data.Data;
import java.util.Objects;

/** A published value and its topic, as a subscriber receives it. */
public record Message(String topic, Data data) {
  public Message {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(data, "data");
  }
}
