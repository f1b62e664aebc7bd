package io.jbroker.replication.internal;

import io.jbroker.data.BinaryCodec;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.Change;
import io.jbroker.proto.replication.v1.KeyChange;
import io.jbroker.proto.replication.v1.Upsert;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import io.jbroker.store.Key;
import io.jbroker.store.StoreChange;
import java.time.Duration;
import java.util.Arrays;

/**
 * One replicated change as a clone receives it: the fields of a {@code Change} message with the key
 * and value still in Broker's binary encoding, decoded only when the change is applied ({@link
 * #toStoreChange}). What {@link UpdatesDecoder} makes from the bytes of an update message without
 * protobuf objects, and {@link #of} from a parsed {@link Change}; both give equal results.
 *
 * @param kind one of {@link #NONE}, {@link #UPSERT}, {@link #ERASE}, {@link #EXPIRE}, {@link #CLEAR}
 * @param key the key's encoding (empty for a clear or none)
 * @param valueBytes the array holding the value's encoding (an upsert's; may be a whole message)
 * @param valueOffset where the value's encoding starts in {@code valueBytes}
 * @param valueLength its length
 * @param deadline the absolute deadline, {@link Backend#NO_DEADLINE} if the message has none
 * @param hasEventExpiry whether the message has an event expiry
 * @param eventExpiryNanos the event expiry (if it has one)
 * @param publisher who caused the change; {@code null} unless the message names a 16-byte endpoint
 * @param keyHash {@link Key#hashCode()} of the key, from its bytes
 */
public record WireChange(
    int kind,
    byte[] key,
    byte[] valueBytes,
    int valueOffset,
    int valueLength,
    long deadline,
    boolean hasEventExpiry,
    long eventExpiryNanos,
    EntityId publisher,
    int keyHash) {

  /** A change message without a kind (applying it fails). */
  public static final int NONE = 0;
  public static final int UPSERT = 1;
  public static final int ERASE = 2;
  public static final int EXPIRE = 3;
  public static final int CLEAR = 4;

  static final byte[] EMPTY = new byte[0];

  static WireChange upsert(byte[] key, byte[] valueBytes, int valueOffset, int valueLength, long deadline,
      boolean hasEventExpiry, long eventExpiryNanos, EntityId publisher) {
    return new WireChange(UPSERT, key, valueBytes, valueOffset, valueLength, deadline, hasEventExpiry,
        eventExpiryNanos, publisher, Arrays.hashCode(key));
  }

  static WireChange keyed(int kind, byte[] key, EntityId publisher) {
    return new WireChange(kind, key, EMPTY, 0, 0, Backend.NO_DEADLINE, false, 0, publisher, Arrays.hashCode(key));
  }

  static WireChange clear(EntityId publisher) {
    return new WireChange(CLEAR, EMPTY, EMPTY, 0, 0, Backend.NO_DEADLINE, false, 0, publisher, 0);
  }

  static WireChange none() {
    return new WireChange(NONE, EMPTY, EMPTY, 0, 0, Backend.NO_DEADLINE, false, 0, null, 0);
  }

  /** The change a parsed message describes. */
  public static WireChange of(Change c) {
    switch (c.getKindCase()) {
      case UPSERT: {
        Upsert u = c.getUpsert();
        byte[] value = u.getValue().toByteArray();
        return upsert(u.getKey().toByteArray(), value, 0, value.length,
            u.hasDeadline() ? u.getDeadline() : Backend.NO_DEADLINE, u.hasEventExpiry(), u.getEventExpiry(),
            Messages.entity(u.getPublisher()));
      }
      case ERASE:
        return keyed(ERASE, c.getErase().getKey().toByteArray(), Messages.entity(c.getErase().getPublisher()));
      case EXPIRE:
        return keyed(EXPIRE, c.getExpire().getKey().toByteArray(), Messages.entity(c.getExpire().getPublisher()));
      case CLEAR:
        return clear(Messages.entity(c.getClear().getPublisher()));
      default:
        return none();
    }
  }

  /**
   * The store change, with key and value decoded.
   *
   * @throws BrokerException with {@code INVALID_DATA} if they do not decode, or the change has no kind
   */
  public StoreChange toStoreChange() {
    switch (kind) {
      case UPSERT:
        return new StoreChange.Upsert(Key.decode(key), BinaryCodec.decode(valueBytes, valueOffset, valueLength),
            deadline, hasEventExpiry ? Duration.ofNanos(eventExpiryNanos) : null, publisher);
      case ERASE:
        return new StoreChange.Erase(Key.decode(key), publisher);
      case EXPIRE:
        return new StoreChange.Expire(Key.decode(key), publisher);
      case CLEAR:
        return new StoreChange.Clear(publisher);
      default:
        throw new BrokerException(ErrorCode.INVALID_DATA, "replication change without a kind");
    }
  }

  @Override
  public String toString() {
    return "WireChange[kind=" + kind + " key=" + Arrays.toString(key) + " value="
        + Arrays.toString(Arrays.copyOfRange(valueBytes, valueOffset, valueOffset + valueLength)) + " deadline="
        + deadline + (hasEventExpiry ? " eventExpiry=" + eventExpiryNanos : "") + " publisher=" + publisher + "]";
  }
}
