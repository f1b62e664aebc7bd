package io.jbroker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.memory.MemoryBackend;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackendOptionsTest {
  private static final Map<String, Integer> SYNC = Map.of("off", 0, "normal", 1, "full", 2, "extra", 3);

  private static ErrorCode codeOf(Runnable r) {
    try {
      r.run();
    } catch (BrokerException e) {
      return e.code();
    }
    throw new AssertionError("no failure");
  }

  @Test
  void choicesAcceptBrokersEnumNamesAndPlainNames() {
    BackendOptions o = BackendOptions.empty()
        .with("synchronous", Data.enumValue("Broker::SQLITE_SYNCHRONOUS_NORMAL"))
        .with("other", "FULL");
    assertThat(o.choice("sqlite", "synchronous", "Broker::SQLITE_SYNCHRONOUS_", SYNC, -1)).isEqualTo(1);
    assertThat(o.choice("sqlite", "other", "Broker::SQLITE_SYNCHRONOUS_", SYNC, -1)).isEqualTo(2);
    assertThat(o.choice("sqlite", "absent", "Broker::SQLITE_SYNCHRONOUS_", SYNC, -1)).isEqualTo(-1);
  }

  @Test
  void aWrongValueIsRefusedNamingTheOptionTheValueAndWhatIsAllowed() {
    BackendOptions o = BackendOptions.empty().with("synchronous", Data.enumValue("Broker::SQLITE_SYNCHRONOUS_SOMETIMES"));
    assertThatThrownBy(() -> o.choice("sqlite", "synchronous", "Broker::SQLITE_SYNCHRONOUS_", SYNC, -1))
        .isInstanceOf(BrokerException.class)
        .hasMessageContaining("\"synchronous\"")
        .hasMessageContaining("SOMETIMES")
        .hasMessageContaining("Broker::SQLITE_SYNCHRONOUS_FULL");
    BackendOptions num = BackendOptions.empty().with("synchronous", Data.of(2L));
    assertThat(codeOf(() -> num.choice("sqlite", "synchronous", "Broker::SQLITE_SYNCHRONOUS_", SYNC, -1)))
        .isEqualTo(ErrorCode.BACKEND_FAILURE);
  }

  @Test
  void typedAccessorsCheckTheirValues() {
    BackendOptions o = BackendOptions.of(Map.of("path", Data.of("/tmp/x.db"), "check", Data.of(true),
        "size", Data.count(64), "neg", Data.of(-1L), "text", Data.of("false")));
    assertThat(o.requireString("sqlite", "path")).isEqualTo("/tmp/x.db");
    assertThat(o.bool("sqlite", "check", false)).isTrue();
    assertThat(o.bool("sqlite", "text", true)).isFalse();
    assertThat(o.number("rocksdb", "size", 1)).isEqualTo(64);
    assertThat(o.number("rocksdb", "absent", 7)).isEqualTo(7);
    assertThatThrownBy(() -> o.number("rocksdb", "neg", 1)).hasMessageContaining("\"neg\"");
    assertThatThrownBy(() -> o.bool("sqlite", "size", false)).hasMessageContaining("\"size\"");
    assertThatThrownBy(() -> BackendOptions.empty().requireString("sqlite", "path"))
        .hasMessageContaining("\"path\" is required");
    assertThatThrownBy(() -> o.requireString("sqlite", "check")).hasMessageContaining("must be a string");
  }

  @Test
  void unknownOptionsAreRefusedByName() {
    BackendOptions o = BackendOptions.empty().with("path", "x").with("syncronous", "full");
    assertThatThrownBy(() -> o.requireOnly("sqlite", Set.of("path", "synchronous")))
        .isInstanceOf(BrokerException.class)
        .hasMessageContaining("\"syncronous\"")
        .hasMessageContaining("path, synchronous");
  }

  @Test
  void durabilityDefaultsToDurable() {
    assertThat(BackendOptions.empty().durability("sqlite")).isEqualTo(Durability.DURABLE);
    assertThat(BackendOptions.empty().with("durability", "relaxed").durability("sqlite")).isEqualTo(Durability.RELAXED);
    assertThat(BackendOptions.empty().with("durability", Data.enumValue("DURABLE")).durability("sqlite")).isEqualTo(Durability.DURABLE);
    assertThat(codeOf(() -> BackendOptions.empty().with("durability", "sometimes").durability("sqlite")))
        .isEqualTo(ErrorCode.BACKEND_FAILURE);
  }

  @Test
  void theMemoryBackendIsFoundThroughTheServiceLoaderAndIgnoresOptions() { // §15.1#2
    assertThat(Backends.providers()).containsKey("memory");
    Backend b = Backends.open("memory", BackendOptions.of(Map.of("foo", Data.of(4.2))));
    assertThat(b).isInstanceOf(MemoryBackend.class);
    b.close();
    assertThatThrownBy(() -> Backends.open("leveldb", BackendOptions.empty()))
        .isInstanceOf(BrokerException.class)
        .hasMessageContaining("\"leveldb\"")
        .hasMessageContaining("memory");
  }
}
