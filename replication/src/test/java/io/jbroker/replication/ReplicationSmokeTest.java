package io.jbroker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.EndpointConfig;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.BlockingStore;
import io.jbroker.store.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReplicationSmokeTest {
  @Test
  void cloneWritesAreAppliedByTheMasterAndVisibleOnBothSides() {
    ReplicationSettings s = ReplicationSettings.defaults().withTick(Duration.ofMillis(10));
    try (Endpoint a = Endpoint.create(EndpointConfig.builder().build());
        Endpoint b = Endpoint.create(EndpointConfig.builder().build());
        StoreManager ma = new StoreManager(a, s, Clock.system());
        StoreManager mb = new StoreManager(b, s, Clock.system())) {
      MasterStore master = ma.attachMaster("kv", "memory", BackendOptions.empty());
      master.blocking().put(Data.of("a"), Data.of(1L));
      int port = a.listen("127.0.0.1", 0);
      b.peer("127.0.0.1", port, Duration.ofSeconds(10));
      CloneStore clone = mb.attachClone("kv", Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(30));
      BlockingStore c = clone.blocking();
      assertThat(c.get(Data.of("a"))).isEqualTo(Data.of(1L));
      c.increment(Data.of("n"), Data.count(5));
      assertThat(c.get(Data.of("n"))).isEqualTo(Data.count(5));
      assertThat(master.blocking().get(Data.of("n"))).isEqualTo(Data.count(5));
      assertThat(c.putUnique(Data.of("u"), Data.of(1L))).isTrue();
      assertThat(c.putUnique(Data.of("u"), Data.of(2L))).isFalse();
      master.blocking().put(Data.of("b"), Data.of(2L));
      c.awaitIdle();
      master.blocking().awaitIdle();
      assertThat(c.get(Data.of("b"))).isEqualTo(Data.of(2L));
      StoreInfo mi = master.info().join();
      StoreInfo ci = clone.info().join();
      assertThat(ci.role()).isEqualTo(StoreInfo.Role.CLONE);
      assertThat(ci.epoch()).isEqualTo(mi.epoch());
      assertThat(ci.seq()).as("the clone applied every update of the master").isEqualTo(mi.seq()).isPositive();
      assertThat(ci.lag()).isZero();
      assertThat(ci.entries()).isEqualTo(mi.entries()).isEqualTo(4);
    }
  }
}
