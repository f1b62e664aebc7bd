package io.jbroker.replication.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import io.jbroker.store.Key;
import io.jbroker.store.StoreChange;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Conversions of changes and publishers, including the publisher message reused across a run. */
class MessagesTest {
  private final EntityId a = new EntityId(new UUID(1, 2), 7);
  private final EntityId b = new EntityId(new UUID(3, 4), 7);

  @Test
  void publishersConvertBackWhateverTheOrderTheyComeIn() {
    for (EntityId id : List.of(a, a, b, a, b, b, new EntityId(new UUID(1, 2), 8), a)) {
      assertThat(Messages.entity(Messages.publisher(id))).isEqualTo(id);
    }
    assertThat(Messages.entity(Messages.publisher(null))).isNull();
  }

  @Test
  void changesRoundTripWithTheirBytes() {
    List<StoreChange> changes = List.of(
        new StoreChange.Upsert(Key.of(Data.of("k")), Data.vector(Data.of(1L), Data.of("x")), 123L, Duration.ofSeconds(5), a),
        new StoreChange.Upsert(Key.of(Data.of(42L)), Data.of("v"), Backend.NO_DEADLINE, null, b),
        new StoreChange.Erase(Key.of(Data.of("k")), a),
        new StoreChange.Expire(Key.of(Data.of("e")), b),
        new StoreChange.Clear(a));
    for (StoreChange c : changes) {
      assertThat(WireChange.of(Messages.change(c)).toStoreChange()).isEqualTo(c);
    }
  }

  @Test
  void theKeyHashOfAChangeIsTheHashOfItsKey() {
    EntityId pub = new EntityId(UUID.fromString("00000000-0000-4000-8000-000000000001"), 1);
    for (Data d : List.of(Data.of("k1"), Data.of(42), Data.of(""), Data.of("a much longer key with ü and more"))) {
      Key k = Key.of(d);
      assertThat(WireChange.of(Messages.change(new StoreChange.Upsert(k, Data.of(1), Backend.NO_DEADLINE, null, pub))).keyHash())
          .as("upsert of %s", d).isEqualTo(k.hashCode());
      assertThat(WireChange.of(Messages.change(new StoreChange.Erase(k, pub))).keyHash()).as("erase of %s", d)
          .isEqualTo(k.hashCode());
      assertThat(WireChange.of(Messages.change(new StoreChange.Expire(k, pub))).keyHash()).as("expiry of %s", d)
          .isEqualTo(k.hashCode());
    }
    assertThat(WireChange.of(Messages.change(new StoreChange.Clear(pub))).keyHash()).isZero();
  }
}
