package io.jbroker.endpoint;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import java.util.Objects;

/**
 * A published value and its topic, as a subscriber receives it.
 *
 * <p>A message received from a peer keeps the value in Broker's binary encoding, checked when it
 * arrived, and decodes it on the first call of {@link #data()}, on the reader's thread rather than
 * on the network thread that received it. Equality and hash code are those of the topic and the
 * value (as for a record of both).
 */
public final class Message {
  private final String topic;
  private final byte[] encoded;
  private volatile Data data;

  public Message(String topic, Data data) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.data = Objects.requireNonNull(data, "data");
    this.encoded = null;
  }

  /**
   * A message whose value is {@code encoded}, one value in Broker's binary format that the caller
   * has already validated; {@code decoded} is that value if it was decoded already, else null.
   */
  Message(String topic, byte[] encoded, Data decoded) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.encoded = Objects.requireNonNull(encoded, "encoded");
    this.data = decoded;
  }

  public String topic() {
    return topic;
  }

  /** The value (decoded on the first call if it came from a peer). */
  public Data data() {
    Data d = data;
    if (d == null) {
      d = BinaryCodec.decode(encoded);
      data = d;
    }
    return d;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof Message m && topic.equals(m.topic) && data().equals(m.data()));
  }

  @Override
  public int hashCode() {
    return 31 * topic.hashCode() + data().hashCode();
  }

  @Override
  public String toString() {
    return "Message[topic=" + topic + ", data=" + data() + "]";
  }
}
