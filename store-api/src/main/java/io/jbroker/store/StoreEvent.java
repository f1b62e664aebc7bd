package io.jbroker.store;

import io.jbroker.data.CountData;
import io.jbroker.data.Data;
import io.jbroker.data.NoneData;
import io.jbroker.data.StringData;
import io.jbroker.data.TimespanData;
import io.jbroker.data.VectorData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A change notification of a store: {@code insert}, {@code update}, {@code erase} or {@code
 * expire}, emitted only for changes that happened (spec/broker-stores.md §4, SEMANTICS.md).
 *
 * <p>{@link #toData()} gives Broker's layout, the vector published on {@link #topic(String)}:
 *
 * <pre>
 * insert: ["insert", store, key, value, expiry|nil, publisher-endpoint|nil, publisher-object|nil]
 * update: ["update", store, key, old, new, expiry|nil, publisher-endpoint|nil, publisher-object|nil]
 * erase:  ["erase",  store, key, publisher-endpoint|nil, publisher-object|nil]
 * expire: ["expire", store, key, publisher-endpoint|nil, publisher-object|nil]
 * </pre>
 *
 * The publisher endpoint is the UUID as a string, the object a count; an unknown publisher is
 * two {@code nil}s. The expiry is the relative expiry the command gave ({@code put}) or nil.
 */
public sealed interface StoreEvent {
  /** Prefix of the local topics on which Broker publishes store events. */
  String TOPIC_PREFIX = "<$>/local/data/store-events/";

  /** The local topic of the events of store {@code storeName}. */
  static String topic(String storeName) {
    return TOPIC_PREFIX + storeName;
  }

  String store();

  Data key();

  /** Who issued the command that caused the event, or {@code null} if unknown. */
  EntityId publisher();

  /** Broker's vector layout of this event. */
  VectorData toData();

  /** A key was added. */
  record Insert(String store, Data key, Data value, Duration expiry, EntityId publisher)
      implements StoreEvent {
    public Insert {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public VectorData toData() {
      return Data.vector(Data.of("insert"), Data.of(store), key, value, expiryData(expiry),
          endpointData(publisher), objectData(publisher));
    }
  }

  /** The value of an existing key was written. */
  record Update(String store, Data key, Data oldValue, Data newValue, Duration expiry, EntityId publisher)
      implements StoreEvent {
    public Update {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(oldValue, "oldValue");
      Objects.requireNonNull(newValue, "newValue");
    }

    @Override
    public VectorData toData() {
      return Data.vector(Data.of("update"), Data.of(store), key, oldValue, newValue,
          expiryData(expiry), endpointData(publisher), objectData(publisher));
    }
  }

  /** A key was erased (by {@code erase} or {@code clear}). */
  record Erase(String store, Data key, EntityId publisher) implements StoreEvent {
    public Erase {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(key, "key");
    }

    @Override
    public VectorData toData() {
      return Data.vector(Data.of("erase"), Data.of(store), key, endpointData(publisher), objectData(publisher));
    }
  }

  /** A key reached its deadline and was removed by the master. */
  record Expire(String store, Data key, EntityId publisher) implements StoreEvent {
    public Expire {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(key, "key");
    }

    @Override
    public VectorData toData() {
      return Data.vector(Data.of("expire"), Data.of(store), key, endpointData(publisher), objectData(publisher));
    }
  }

  /**
   * Parses Broker's layout: the vector must have the right length for its type string, a string
   * store name, an expiry slot that is nil or a timespan, and publisher slots that are both nil
   * or a UUID string and a count.
   *
   * @throws BrokerException with {@code INVALID_DATA} naming what is wrong
   */
  static StoreEvent fromData(Data data) {
    if (!(data instanceof VectorData v) || v.isEmpty() || !(v.get(0) instanceof StringData type)) {
      throw invalid("not a store event vector: " + data);
    }
    String t = type.value();
    int expected;
    switch (t) {
      case "insert":
        expected = 7;
        break;
      case "update":
        expected = 8;
        break;
      case "erase":
      case "expire":
        expected = 5;
        break;
      default:
        throw invalid("unknown store event type \"" + t + "\"");
    }
    if (v.size() != expected) {
      throw invalid(t + " event needs " + expected + " elements, got " + v.size());
    }
    if (!(v.get(1) instanceof StringData store)) {
      throw invalid(t + " event: store name is not a string: " + v.get(1));
    }
    List<Data> e = v.elements();
    EntityId publisher = publisher(t, e.get(expected - 2), e.get(expected - 1));
    switch (t) {
      case "insert":
        return new Insert(store.value(), e.get(2), e.get(3), expiry(e.get(4)), publisher);
      case "update":
        return new Update(store.value(), e.get(2), e.get(3), e.get(4), expiry(e.get(5)), publisher);
      case "erase":
        return new Erase(store.value(), e.get(2), publisher);
      default:
        return new Expire(store.value(), e.get(2), publisher);
    }
  }

  private static Duration expiry(Data d) {
    if (d instanceof NoneData) {
      return null;
    }
    if (d instanceof TimespanData ts) {
      return ts.toDuration();
    }
    throw invalid("event expiry is neither nil nor a timespan: " + d);
  }

  private static EntityId publisher(String type, Data endpoint, Data object) {
    if (endpoint instanceof NoneData && object instanceof NoneData) {
      return null;
    }
    if (endpoint instanceof StringData s && object instanceof CountData c) {
      try {
        return new EntityId(UUID.fromString(s.value()), c.value());
      } catch (IllegalArgumentException e) {
        throw invalid(type + " event: publisher endpoint is not an id: " + s);
      }
    }
    throw invalid(type + " event: publisher must be (id string, count) or (nil, nil), got ("
        + endpoint + ", " + object + ")");
  }

  private static BrokerException invalid(String message) {
    return new BrokerException(ErrorCode.INVALID_DATA, message);
  }

  private static Data expiryData(Duration expiry) {
    return expiry == null ? Data.none() : Data.timespan(expiry);
  }

  private static Data endpointData(EntityId publisher) {
    return publisher == null ? Data.none() : Data.of(publisher.endpoint().toString());
  }

  private static Data objectData(EntityId publisher) {
    return publisher == null ? Data.none() : Data.count(publisher.object());
  }
}
