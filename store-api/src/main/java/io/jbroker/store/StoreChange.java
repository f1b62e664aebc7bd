package io.jbroker.store;

import io.jbroker.data.Data;
import java.time.Duration;
import java.util.Objects;

/**
 * The resulting state of an applied mutation or expiry, as a master replicates it: clones apply
 * changes with {@link StoreCore#applyChange} and never re-run the operation rules. Deadlines are
 * absolute, so a replica carries them (SEMANTICS.md).
 */
public sealed interface StoreChange {
  /** Who caused the change ({@code null} if unknown). */
  EntityId publisher();

  /**
   * The key now holds {@code value} with {@code deadline} ({@link Backend#NO_DEADLINE} if none).
   * {@code eventExpiry} is the relative expiry the insert/update event reports ({@code null}
   * for nil).
   */
  record Upsert(Key key, Data value, long deadline, Duration eventExpiry, EntityId publisher)
      implements StoreChange {
    public Upsert {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  /** The key was erased. */
  record Erase(Key key, EntityId publisher) implements StoreChange {
    public Erase {
      Objects.requireNonNull(key, "key");
    }
  }

  /** The key expired. */
  record Expire(Key key, EntityId publisher) implements StoreChange {
    public Expire {
      Objects.requireNonNull(key, "key");
    }
  }

  /** Every key was removed. */
  record Clear(EntityId publisher) implements StoreChange {}
}
