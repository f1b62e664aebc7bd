package io.jbroker.store;

import java.util.Objects;
import java.util.UUID;

/**
 * Identifies who issued a store command: an endpoint and an object on it (Broker's {@code
 * entity_id}, the publisher of store events).
 *
 * @param endpoint the endpoint's id
 * @param object the object's number on that endpoint (unsigned)
 */
public record EntityId(UUID endpoint, long object) {
  public EntityId {
    Objects.requireNonNull(endpoint, "endpoint");
  }

  /** A fresh id on a random endpoint id, for stores that are not attached to an endpoint. */
  public static EntityId random() {
    return new EntityId(UUID.randomUUID(), 1);
  }

  @Override
  public String toString() {
    return endpoint + "#" + Long.toUnsignedString(object);
  }
}
