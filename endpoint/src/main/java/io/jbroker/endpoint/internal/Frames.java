package io.jbroker.endpoint.internal;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.EnvelopeType;
import io.jbroker.endpoint.wire.Topics;
import java.util.List;

/**
 * Builds complete phase-3 frames (4-byte big-endian length, then the envelope of
 * spec/broker-endpoint.md §4.1) straight into one array, so a publication is encoded exactly
 * once however many peers receive it. Several frames may be concatenated into one array (a
 * batch); peers' output buffers hold such arrays.
 */
public final class Frames {
  /** Envelope header: sender 16, receiver 16, type 1, TTL 2, topic length 2. */
  public static final int HEADER = 37;

  private Frames() {}

  /** The frame of a data envelope. */
  public static byte[] data(EndpointId sender, EndpointId receiver, int ttl, byte[] topic, Data value) {
    int size = BinaryCodec.encodedSize(value);
    byte[] out = new byte[4 + HEADER + topic.length + size];
    int p = header(out, 0, HEADER + topic.length + size, sender, receiver, EnvelopeType.DATA, ttl, topic);
    BinaryCodec.encode(value, out, p);
    return out;
  }

  /** The frames of data envelopes for every value, concatenated. */
  public static byte[] dataBatch(EndpointId sender, EndpointId receiver, int ttl, byte[] topic, List<? extends Data> values) {
    int n = values.size();
    int[] sizes = new int[n];
    long total = 0;
    for (int i = 0; i < n; i++) {
      sizes[i] = BinaryCodec.encodedSize(values.get(i));
      total += 4 + HEADER + topic.length + sizes[i];
    }
    if (total > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("batch of " + n + " values is too large (" + total + " bytes)");
    }
    // The header (with the topic) is the same for every frame but for the length: made once,
    // copied per frame.
    int head = 4 + HEADER + topic.length;
    byte[] template = new byte[head];
    header(template, 0, 0, sender, receiver, EnvelopeType.DATA, ttl, topic);
    byte[] out = new byte[(int) total];
    int p = 0;
    for (int i = 0; i < n; i++) {
      System.arraycopy(template, 0, out, p, head);
      int length = HEADER + topic.length + sizes[i];
      out[p] = (byte) (length >>> 24);
      out[p + 1] = (byte) (length >>> 16);
      out[p + 2] = (byte) (length >>> 8);
      out[p + 3] = (byte) length;
      p = BinaryCodec.encode(values.get(i), out, p + head);
    }
    return out;
  }

  /** The frame of an envelope with an already encoded payload. */
  public static byte[] envelope(EndpointId sender, EndpointId receiver, EnvelopeType type, int ttl, byte[] topic,
      byte[] payload, int payloadOffset, int payloadLength) {
    byte[] out = new byte[4 + HEADER + topic.length + payloadLength];
    int p = header(out, 0, HEADER + topic.length + payloadLength, sender, receiver, type, ttl, topic);
    System.arraycopy(payload, payloadOffset, out, p, payloadLength);
    return out;
  }

  /** The frame of an envelope with an already encoded payload. */
  public static byte[] envelope(EndpointId sender, EndpointId receiver, EnvelopeType type, int ttl, String topic, byte[] payload) {
    return envelope(sender, receiver, type, ttl, Topics.utf8(topic), payload, 0, payload.length);
  }

  private static int header(byte[] out, int p, int length, EndpointId sender, EndpointId receiver,
      EnvelopeType type, int ttl, byte[] topic) {
    out[p] = (byte) (length >>> 24);
    out[p + 1] = (byte) (length >>> 16);
    out[p + 2] = (byte) (length >>> 8);
    out[p + 3] = (byte) length;
    sender.writeTo(out, p + 4);
    receiver.writeTo(out, p + 20);
    out[p + 36] = (byte) type.code();
    out[p + 37] = (byte) (ttl >>> 8);
    out[p + 38] = (byte) ttl;
    out[p + 39] = (byte) (topic.length >>> 8);
    out[p + 40] = (byte) topic.length;
    System.arraycopy(topic, 0, out, p + 41, topic.length);
    return p + 41 + topic.length;
  }
}
