package io.jbroker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StoreEventTest {
  private static final EntityId PUB = new EntityId(UUID.fromString("5746d8ee-3644-5bd2-9f54-d5a44c26c2a1"), 42);

  @Test
  void eventsUseBrokersLayoutAndParseBack() {
    List<StoreEvent> all = List.of(
        new StoreEvent.Insert("s", Data.of("k"), Data.of(1L), Duration.ofSeconds(30), PUB),
        new StoreEvent.Insert("s", Data.of("k"), Data.of(1L), null, null),
        new StoreEvent.Update("s", Data.of("k"), Data.of(1L), Data.of(2L), null, PUB),
        new StoreEvent.Erase("s", Data.count(3), PUB),
        new StoreEvent.Expire("s", Data.of("k"), null));
    for (StoreEvent e : all) {
      assertThat(StoreEvent.fromData(e.toData())).isEqualTo(e);
    }
    assertThat(all.get(0).toData()).isEqualTo(Data.vector(Data.of("insert"), Data.of("s"), Data.of("k"),
        Data.of(1L), Data.timespanNanos(30_000_000_000L), Data.of("5746d8ee-3644-5bd2-9f54-d5a44c26c2a1"),
        Data.count(42)));
    assertThat(all.get(1).toData().size()).isEqualTo(7);
    assertThat(all.get(2).toData().size()).isEqualTo(8);
    assertThat(all.get(4).toData()).isEqualTo(Data.vector(Data.of("expire"), Data.of("s"), Data.of("k"),
        Data.none(), Data.none()));
    assertThat(StoreEvent.topic("s")).isEqualTo("<$>/local/data/store-events/s");
  }

  @Test
  void malformedEventsAreRefused() {
    for (Data bad : List.of(
        Data.of("insert"),
        Data.vector(),
        Data.vector(Data.of("insert"), Data.of("s"), Data.of("k")),
        Data.vector(Data.of("delete"), Data.of("s"), Data.of("k"), Data.none(), Data.none()),
        Data.vector(Data.of("erase"), Data.of(1L), Data.of("k"), Data.none(), Data.none()),
        Data.vector(Data.of("erase"), Data.of("s"), Data.of("k"), Data.of("not-a-uuid"), Data.count(1)),
        Data.vector(Data.of("erase"), Data.of("s"), Data.of("k"), Data.none(), Data.count(1)),
        Data.vector(Data.of("insert"), Data.of("s"), Data.of("k"), Data.of(1L), Data.of(5L), Data.none(), Data.none()))) {
      assertThatThrownBy(() -> StoreEvent.fromData(bad)).as("%s", bad).isInstanceOf(BrokerException.class);
    }
  }
}
