package io.jbroker.replication.internal;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import io.jbroker.store.StoreChange;
import java.util.List;

/**
 * Writes the master's update messages without protobuf objects: each change once into the bytes of
 * its {@code Change} message ({@link #change}), and a batch of those into a whole {@code
 * StoreMessage{updates}} ({@link #updates}). The bytes are exactly what protobuf writes for the
 * same messages (field order, omitted defaults, a publisher always present, as {@link
 * Messages#change(StoreChange)} builds them) — the canonical form {@link UpdatesDecoder} reads —
 * which the tests check against protobuf's own encoding.
 */
public final class UpdatesEncoder {
  private UpdatesEncoder() {}

  /** The last publisher written, with its {@code Publisher} message: changes come in runs from one publisher. */
  private record LastPublisher(EntityId id, byte[] message) {}

  private static volatile LastPublisher lastPublisher;

  private static final byte[] NO_PUBLISHER = new byte[0];

  /** The bytes of the {@code Change} message for {@code c}. */
  public static byte[] change(StoreChange c) {
    if (c instanceof StoreChange.Upsert u) {
      return upsert(u);
    }
    if (c instanceof StoreChange.Erase e) {
      return keyChange(2, e.key().encoded(), e.publisher());
    }
    if (c instanceof StoreChange.Expire e) {
      return keyChange(3, e.key().encoded(), e.publisher());
    }
    byte[] p = publisher(((StoreChange.Clear) c).publisher());
    int clear = lengthDelimitedSize(p.length); // ClearChange{publisher = 1}
    byte[] out = new byte[lengthDelimitedSize(clear)];
    int at = writeTagAndLength(out, 0, 4, clear); // Change{clear = 4}
    writeBytesField(out, at, 1, p);
    return out;
  }

  private static byte[] upsert(StoreChange.Upsert u) {
    byte[] key = u.key().encoded();
    Data value = u.value();
    int valueSize = BinaryCodec.encodedSize(value);
    byte[] p = publisher(u.publisher());
    boolean hasDeadline = u.deadline() != Backend.NO_DEADLINE;
    long expiry = u.eventExpiry() == null ? 0 : u.eventExpiry().toNanos();
    int size = (key.length == 0 ? 0 : lengthDelimitedSize(key.length))
        + (valueSize == 0 ? 0 : lengthDelimitedSize(valueSize))
        + (hasDeadline ? 1 + varintSize(u.deadline()) : 0)
        + (u.eventExpiry() != null ? 1 + varintSize(expiry) : 0)
        + lengthDelimitedSize(p.length);
    byte[] out = new byte[lengthDelimitedSize(size)];
    int at = writeTagAndLength(out, 0, 1, size); // Change{upsert = 1}
    if (key.length > 0) {
      at = writeBytesField(out, at, 1, key);
    }
    if (valueSize > 0) {
      at = writeTagAndLength(out, at, 2, valueSize);
      at = BinaryCodec.encode(value, out, at);
    }
    if (hasDeadline) {
      out[at++] = 3 << 3;
      at = writeVarint(out, at, u.deadline());
    }
    if (u.eventExpiry() != null) {
      out[at++] = 4 << 3;
      at = writeVarint(out, at, expiry);
    }
    writeBytesField(out, at, 5, p);
    return out;
  }

  private static byte[] keyChange(int field, byte[] key, EntityId publisher) {
    byte[] p = publisher(publisher);
    int size = (key.length == 0 ? 0 : lengthDelimitedSize(key.length)) + lengthDelimitedSize(p.length);
    byte[] out = new byte[lengthDelimitedSize(size)];
    int at = writeTagAndLength(out, 0, field, size); // Change{erase = 2 | expire = 3}
    if (key.length > 0) {
      at = writeBytesField(out, at, 1, key); // KeyChange{key = 1}
    }
    writeBytesField(out, at, 2, p); // KeyChange{publisher = 2}
    return out;
  }

  /**
   * The bytes of {@code StoreMessage{updates = Updates{epoch, first_seq, changes, target}}} with
   * {@code changes} as {@link #change} wrote them; {@code target} 0 for every clone.
   */
  public static byte[] updates(long epoch, long firstSeq, long target, List<byte[]> changes) {
    int size = (epoch == 0 ? 0 : 9) + (firstSeq == 0 ? 0 : 1 + varintSize(firstSeq)) + (target == 0 ? 0 : 9);
    for (int i = 0, n = changes.size(); i < n; i++) {
      size += lengthDelimitedSize(changes.get(i).length);
    }
    byte[] out = new byte[lengthDelimitedSize(size)];
    int at = writeTagAndLength(out, 0, 1, size); // StoreMessage{updates = 1}
    if (epoch != 0) {
      out[at++] = 1 << 3 | 1;
      at = writeFixed64(out, at, epoch);
    }
    if (firstSeq != 0) {
      out[at++] = 2 << 3;
      at = writeVarint(out, at, firstSeq);
    }
    for (int i = 0, n = changes.size(); i < n; i++) {
      at = writeBytesField(out, at, 3, changes.get(i));
    }
    if (target != 0) {
      out[at++] = 4 << 3 | 1;
      writeFixed64(out, at, target);
    }
    return out;
  }

  /** The contents of the {@code Publisher} message for {@code id} (empty for none, as the default instance). */
  private static byte[] publisher(EntityId id) {
    if (id == null) {
      return NO_PUBLISHER;
    }
    LastPublisher last = lastPublisher;
    if (last != null && last.id().equals(id)) {
      return last.message();
    }
    long object = id.object();
    byte[] out = new byte[18 + (object == 0 ? 0 : 1 + varintSize(object))];
    out[0] = 1 << 3 | 2; // endpoint = 1, 16 bytes
    out[1] = 16;
    EndpointId.of(id.endpoint()).writeTo(out, 2);
    if (object != 0) {
      out[18] = 2 << 3; // object = 2
      writeVarint(out, 19, object);
    }
    lastPublisher = new LastPublisher(id, out);
    return out;
  }

  // ---- protobuf wire format ----------------------------------------------------------------------

  /** Size of a length-delimited field of {@code length} bytes with a one-byte tag (fields 1 – 15). */
  private static int lengthDelimitedSize(int length) {
    return 1 + varintSize(length) + length;
  }

  private static int varintSize(long v) {
    return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
  }

  private static int writeTagAndLength(byte[] out, int at, int field, int length) {
    out[at++] = (byte) (field << 3 | 2);
    return writeVarint(out, at, length);
  }

  private static int writeBytesField(byte[] out, int at, int field, byte[] bytes) {
    at = writeTagAndLength(out, at, field, bytes.length);
    System.arraycopy(bytes, 0, out, at, bytes.length);
    return at + bytes.length;
  }

  private static int writeVarint(byte[] out, int at, long v) {
    while ((v & ~0x7FL) != 0) {
      out[at++] = (byte) (v & 0x7F | 0x80);
      v >>>= 7;
    }
    out[at++] = (byte) v;
    return at;
  }

  private static int writeFixed64(byte[] out, int at, long v) {
    for (int i = 0; i < 8; i++) {
      out[at + i] = (byte) (v >>> (8 * i));
    }
    return at + 8;
  }
}
