package io.jbroker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbroker.data.AddressData;
import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.data.PortData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link Backend} passes, run through the {@link StoreCore} so that each
 * backend is shown to give the semantics of SEMANTICS.md: every operation, every error code a
 * store produces on its own, expiry under a {@link ManualClock}, events, changes, keys and
 * paging, and the scenarios of spec/broker-stores.md §15.1–15.3 that SEMANTICS.md keeps
 * (numbered like the spec, e.g. {@code §15.1#3}).
 *
 * <p>Subclasses open their backend in a per-test temporary directory; persistent backends
 * return {@code true} from {@link #persistent()} and get the reopen tests too.
 */
public abstract class BackendContractTest {
  protected static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  protected static final EntityId MASTER = new EntityId(UUID.fromString("5746d8ee-3644-5bd2-9f54-d5a44c26c2a1"), 1);
  protected static final EntityId WRITER = new EntityId(UUID.fromString("00000000-0000-4000-8000-000000000001"), 7);

  @TempDir protected Path dir;

  protected ManualClock clock;
  protected Backend backend;
  protected StoreCore core;
  protected final List<StoreEvent> events = new ArrayList<>();
  protected final List<StoreChange> changes = new ArrayList<>();

  /** Opens the backend under test in {@code dir}; reopening the same directory must find the same data if persistent. */
  protected abstract Backend openBackend(Path dir);

  /** Whether the backend keeps its data across close and reopen. */
  protected boolean persistent() {
    return false;
  }

  @BeforeEach
  void openCore() {
    clock = new ManualClock(START);
    backend = openBackend(dir);
    core = newCore(backend);
  }

  @AfterEach
  void closeBackend() {
    if (backend != null) {
      backend.close();
    }
  }

  private StoreCore newCore(Backend b) {
    StoreCore c = new StoreCore("test", b, clock, MASTER);
    c.onEvent(events::add);
    c.onChange(changes::add);
    return c;
  }

  // ---- helpers ------------------------------------------------------------------------------

  protected static Data s(String v) {
    return Data.of(v);
  }

  protected static Data i(long v) {
    return Data.of(v);
  }

  protected static Data c(long v) {
    return Data.count(v);
  }

  protected Data apply(Mutation m) {
    return core.apply(m, WRITER);
  }

  protected void put(Data k, Data v) {
    apply(new Mutation.Put(k, v, null));
  }

  protected void put(Data k, Data v, Duration expiry) {
    apply(new Mutation.Put(k, v, expiry));
  }

  protected long deadlineOf(Data k) {
    Backend.Entry e = core.entry(k);
    assertThat(e).as("entry of %s", k).isNotNull();
    return e.deadline();
  }

  protected long now() {
    return clock.nowNanos();
  }

  protected static void fails(ErrorCode code, ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOf(BrokerException.class)
        .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(code))
        .satisfies(e -> assertThat(e.getMessage()).isNotBlank());
  }

  /** Asserts that {@code call} fails with {@code code} and leaves state, events and changes untouched. */
  protected void failsWithoutEffect(ErrorCode code, ThrowingCallable call) {
    Map<Data, Backend.Entry> before = state();
    int eventCount = events.size();
    int changeCount = changes.size();
    fails(code, call);
    assertThat(state()).isEqualTo(before);
    assertThat(events).hasSize(eventCount);
    assertThat(changes).hasSize(changeCount);
  }

  /** Asserts that {@code call} succeeds and changes nothing: no write, no event, no change. */
  protected void noOp(Runnable call) {
    Map<Data, Backend.Entry> before = state();
    int eventCount = events.size();
    int changeCount = changes.size();
    call.run();
    assertThat(state()).isEqualTo(before);
    assertThat(events).hasSize(eventCount);
    assertThat(changes).hasSize(changeCount);
  }

  /** Every entry, by key. */
  protected Map<Data, Backend.Entry> state() {
    Map<Data, Backend.Entry> all = new HashMap<>();
    backend.scan(null, Integer.MAX_VALUE, (k, v, d) -> all.put(k.data(), new Backend.Entry(v, d)));
    return all;
  }

  protected StoreEvent lastEvent() {
    assertThat(events).isNotEmpty();
    return events.get(events.size() - 1);
  }

  /** One value of every kind, including nested containers and the real quirks. */
  protected static List<Data> samplesOfEveryKind() {
    return List.of(
        Data.none(), Data.of(true), Data.of(false), c(0), c(-1), i(-42), i(Long.MIN_VALUE),
        Data.of(1.5), Data.of(-0.0), Data.of(0.0), Data.of(Double.NaN), Data.of(Double.POSITIVE_INFINITY),
        s(""), s("foo"), Data.string("ünïcödé"), Data.address("192.168.9.8"), Data.address("2001:db8::1"),
        Data.subnet("10.0.0.0/8"), Data.subnet("2001:db8::/32"), Data.port(8080, PortData.Protocol.TCP),
        Data.port(0, PortData.Protocol.UNKNOWN), Data.timestampNanos(1_404_901_004_000_000_000L),
        Data.timespanNanos(-1), Data.enumValue("Broker::SQLITE_SYNCHRONOUS_FULL"), Data.set(),
        Data.set(i(3), c(1), s("a"), i(-1)), Data.table(c(1), s("hello"), c(2), Data.vector(s("world"))),
        Data.vector(), Data.vector(Data.none(), Data.set(Data.vector(Data.table(s("k"), Data.of(true))))));
  }

  // ---- backend SPI ----------------------------------------------------------------------------

  @Test
  void backendPutOverwritesAndGetReturnsTheLatestValue() { // §15.2#18
    Key foo = Key.of(s("foo"));
    backend.put(foo, i(7), Backend.NO_DEADLINE);
    assertThat(backend.get(foo)).isEqualTo(new Backend.Entry(i(7), Backend.NO_DEADLINE));
    backend.put(foo, i(42), 123L);
    assertThat(backend.get(foo)).isEqualTo(new Backend.Entry(i(42), 123L));
    assertThat(backend.get(Key.of(s("bar")))).isNull();
    assertThat(backend.size()).isEqualTo(1);
  }

  @Test
  void backendEraseReportsWhetherTheKeyExisted() { // §15.2#21
    Key foo = Key.of(s("foo"));
    assertThat(backend.exists(foo)).isFalse();
    assertThat(backend.erase(foo)).isFalse();
    backend.put(foo, s("bar"), now() + 42_000_000_000L);
    backend.put(Key.of(s("bar")), Data.vector(i(1), i(2), i(3)), Backend.NO_DEADLINE);
    assertThat(backend.exists(foo)).isTrue();
    assertThat(backend.exists(Key.of(s("bar")))).isTrue();
    assertThat(backend.erase(foo)).isTrue();
    assertThat(backend.erase(Key.of(s("bar")))).isTrue();
    assertThat(backend.exists(foo)).isFalse();
    assertThat(backend.size()).isZero();
  }

  @Test
  void backendClearRemovesEveryEntry() { // §15.2#22
    backend.put(Key.of(s("foo")), s("1"), Backend.NO_DEADLINE);
    backend.put(Key.of(s("bar")), s("2"), 5L);
    assertThat(backend.size()).isEqualTo(2);
    backend.clear();
    assertThat(backend.size()).isZero();
    assertThat(backend.get(Key.of(s("foo")))).isNull();
    List<Key> seen = new ArrayList<>();
    backend.forEachDeadline((k, v, d) -> seen.add(k));
    assertThat(seen).isEmpty();
  }

  @Test
  void backendForEachDeadlineListsOnlyEntriesWithADeadline() { // §15.2#25
    backend.put(Key.of(s("foo")), s("x"), Backend.NO_DEADLINE);
    backend.put(Key.of(s("bar")), s("y"), 1_000L);
    backend.put(Key.of(s("baz")), Data.table(s("a"), i(1)), Backend.NO_DEADLINE);
    Map<Data, Long> deadlines = new HashMap<>();
    backend.forEachDeadline((k, v, d) -> deadlines.put(k.data(), d));
    assertThat(deadlines).containsExactly(Map.entry(s("bar"), 1_000L));
    assertThat(state()).hasSize(3).containsKey(s("foo"));
  }

  @Test
  void backendScanVisitsKeysInCanonicalOrderAfterTheCursorUpToTheLimit() {
    List<Data> keys = new ArrayList<>(samplesOfEveryKind());
    for (int n = 0; n < 50; n++) {
      keys.add(s("key-" + n));
      keys.add(i(n * 1_000_003L - 7));
    }
    for (Data k : keys) {
      backend.put(Key.of(k), k, Backend.NO_DEADLINE);
    }
    List<Key> expected = keys.stream().distinct().map(Key::of).sorted().toList();
    List<Key> all = new ArrayList<>();
    assertThat(backend.scan(null, Integer.MAX_VALUE, (k, v, d) -> {
      assertThat(v).isEqualTo(k.data());
      all.add(k);
    })).isEqualTo(expected.size());
    assertThat(all).isEqualTo(expected);
    for (int p = 1; p < all.size(); p++) {
      assertThat(Arrays.compareUnsigned(all.get(p - 1).encoded(), all.get(p).encoded())).isNegative();
    }
    List<Key> page = new ArrayList<>();
    assertThat(backend.scan(expected.get(9), 5, (k, v, d) -> page.add(k))).isEqualTo(5);
    assertThat(page).isEqualTo(expected.subList(10, 15));
    List<Key> tail = new ArrayList<>();
    backend.scan(expected.get(expected.size() - 2), 5, (k, v, d) -> tail.add(k));
    assertThat(tail).containsExactly(expected.get(expected.size() - 1));
    List<Key> none = new ArrayList<>();
    // a cursor that is not itself a key still positions the scan
    Key between = Key.ofEncoded(Arrays.copyOf(expected.get(3).encoded(), expected.get(3).encoded().length + 1));
    backend.scan(between, 1, (k, v, d) -> none.add(k));
    assertThat(none).containsExactly(expected.get(4));
  }

  @Test
  void backendStoresEveryKindAsKeyAndAsValue() {
    List<Data> samples = samplesOfEveryKind();
    for (int n = 0; n < samples.size(); n++) {
      backend.put(Key.of(samples.get(n)), samples.get(samples.size() - 1 - n), n);
    }
    assertThat(backend.size()).isEqualTo(samples.stream().distinct().count());
    for (int n = 0; n < samples.size(); n++) {
      Backend.Entry e = backend.get(Key.of(samples.get(n)));
      assertThat(e).as("entry of %s", samples.get(n)).isNotNull();
      assertThat(e.value()).isEqualTo(samples.get(samples.size() - 1 - n));
      assertThat(BinaryCodec.encode(e.value())).isEqualTo(BinaryCodec.encode(samples.get(samples.size() - 1 - n)));
      assertThat(e.deadline()).isEqualTo(n);
    }
    // key identity is the canonical encoding: the two zeros are two keys, NaN is one findable key
    assertThat(backend.get(Key.of(Data.of(-0.0)))).isNotEqualTo(backend.get(Key.of(Data.of(0.0))));
    assertThat(backend.exists(Key.of(Data.of(Double.longBitsToDouble(0x7ff8_0000_0000_0001L))))).isTrue();
  }

  @Test
  void backendRefusesUseAfterCloseWithBackendFailure() {
    backend.put(Key.of(s("k")), s("v"), Backend.NO_DEADLINE);
    backend.close();
    fails(ErrorCode.BACKEND_FAILURE, () -> backend.get(Key.of(s("k"))));
    fails(ErrorCode.BACKEND_FAILURE, () -> backend.put(Key.of(s("k")), s("w"), Backend.NO_DEADLINE));
    backend.close(); // closing twice is harmless
    backend = null;
  }

  @Test
  void backendSyncMakesWritesDurableWithoutChangingThem() {
    backend.put(Key.of(s("k")), s("v"), 9L);
    backend.sync();
    backend.sync();
    assertThat(backend.get(Key.of(s("k")))).isEqualTo(new Backend.Entry(s("v"), 9L));
    assertThat(backend.durability()).isNotNull();
  }

  // ---- persistence ------------------------------------------------------------------------------

  @Test
  void reopeningKeepsEveryEntryAndDeadline() {
    assumeTrue(persistent(), "backend is not persistent");
    List<Data> samples = samplesOfEveryKind();
    for (Data d : samples) {
      put(d, Data.vector(d, d), Duration.ofHours(1));
    }
    put(s("forever"), i(1));
    core.commit();
    Map<Data, Backend.Entry> before = state();
    backend.close();
    backend = openBackend(dir);
    core = newCore(backend);
    assertThat(state()).isEqualTo(before);
    assertThat(core.nextDeadline()).isEqualTo(now() + Duration.ofHours(1).toNanos());
  }

  @Test
  void metaValuesAreKeptApartFromEntriesAndReplaced() {
    assertThat(backend.getMeta("writer.1")).isNull();
    put(s("k"), i(1));
    backend.putMeta("writer.1", new byte[] {1, 2, 3});
    backend.putMeta("writer.2", new byte[0]);
    byte[] given = {9, 9};
    backend.putMeta("writer.3", given);
    given[0] = 0; // the backend keeps its own copy
    assertThat(backend.getMeta("writer.1")).containsExactly(1, 2, 3);
    assertThat(backend.getMeta("writer.2")).isEmpty();
    assertThat(backend.getMeta("writer.3")).containsExactly(9, 9);
    backend.putMeta("writer.1", new byte[] {4});
    assertThat(backend.getMeta("writer.1")).containsExactly(4);
    backend.putMeta("writer.3", null);
    assertThat(backend.getMeta("writer.3")).isNull();
    assertThat(backend.size()).isEqualTo(1);
    assertThat(core.keys().size()).isEqualTo(1);
    backend.clear();
    assertThat(backend.size()).isZero();
    assertThat(backend.getMeta("writer.1")).containsExactly(4);
  }

  @Test
  void metaNamesListTheNamesBeginningWithAPrefixInAscendingOrder() {
    List<String> names = List.of("replication.writer.2", "replication.writer.10", "replication.writer.1",
        "replication.writer", "replication.writers", "replication.write", "replication.other",
        "other.replication.writer.1", "replication_writer.1", "replication%writer.1", "Replication.writer.1");
    byte n = 0;
    for (String name : names) {
      backend.putMeta(name, new byte[] {n++});
    }
    for (boolean synced : new boolean[] {false, true}) {
      if (synced) {
        backend.sync();
      }
      assertThat(backend.metaNames("replication.writer."))
          .containsExactly("replication.writer.1", "replication.writer.10", "replication.writer.2");
      assertThat(backend.metaNames("replication.writer")).containsExactly("replication.writer",
          "replication.writer.1", "replication.writer.10", "replication.writer.2", "replication.writers");
      assertThat(backend.metaNames("replication.")).containsExactly("replication.other", "replication.write",
          "replication.writer", "replication.writer.1", "replication.writer.10", "replication.writer.2",
          "replication.writers");
      assertThat(backend.metaNames("replication.writer.1")).containsExactly("replication.writer.1",
          "replication.writer.10");
      assertThat(backend.metaNames("replication.writer.10")).containsExactly("replication.writer.10");
      // the empty prefix lists every name (and nothing a file format keeps for itself)
      assertThat(backend.metaNames("")).isEqualTo(names.stream().sorted().toList());
      assertThat(backend.metaNames("")).first().isEqualTo("Replication.writer.1");
      // LIKE's wildcards are ordinary characters, and case counts
      assertThat(backend.metaNames("replication_")).containsExactly("replication_writer.1");
      assertThat(backend.metaNames("replication%")).containsExactly("replication%writer.1");
      assertThat(backend.metaNames("Replication")).containsExactly("Replication.writer.1");
      assertThat(backend.metaNames("replication.writer.3")).isEmpty();
      assertThat(backend.metaNames("replication.writer.10.")).isEmpty();
      assertThat(backend.metaNames("zzz")).isEmpty();
      assertThat(backend.metaNames("broker_")).isEmpty();
    }
  }

  @Test
  void metaNamesAreOrderedByUtf16CodeUnitsAndMatchPrefixesAtAnyCharacter() {
    String emoji = "\uD83D\uDE00"; // U+1F600: after U+FFFF in UTF-8, before U+E000 in UTF-16
    String last = "\uDBFF\uDFFF"; // U+10FFFF, the greatest code point
    List<String> names = List.of("u.\uFF21", "u." + emoji, "u.z", "u.\u00e9", "u." + last, "u." + last + "x",
        "u.\uD7FF", "u.\uD7FFa", "u.\uE000", "u/", "v");
    for (String name : names) {
      backend.putMeta(name, new byte[] {1});
    }
    List<String> expected = List.of("u.z", "u.\u00e9", "u.\uD7FF", "u.\uD7FFa", "u." + emoji, "u." + last,
        "u." + last + "x", "u.\uE000", "u.\uFF21");
    for (boolean synced : new boolean[] {false, true}) {
      if (synced) {
        backend.sync();
      }
      assertThat(backend.metaNames("u.")).isEqualTo(expected);
      assertThat(backend.metaNames("")).isEqualTo(names.stream().sorted().toList());
      assertThat(backend.metaNames("u." + last)).containsExactly("u." + last, "u." + last + "x");
      assertThat(backend.metaNames("u.\uD7FF")).containsExactly("u.\uD7FF", "u.\uD7FFa");
      assertThat(backend.metaNames("u.\uD83D")).containsExactly("u." + emoji); // half a surrogate pair
      assertThat(backend.metaNames("u.\u00e9")).containsExactly("u.\u00e9");
      assertThat(backend.metaNames("u/")).containsExactly("u/");
    }
  }

  @Test
  void metaNamesFollowPutsAndRemovalsBeforeAndAfterSync() {
    backend.putMeta("w.a", new byte[] {1});
    backend.putMeta("w.b", new byte[] {2});
    backend.putMeta("w.c", new byte[] {3});
    backend.sync();
    assertThat(backend.metaNames("w.")).containsExactly("w.a", "w.b", "w.c");
    backend.putMeta("w.b", null); // a synced name removed
    backend.putMeta("w.d", new byte[] {4}); // a name not synced yet
    backend.putMeta("w.e", new byte[] {5});
    backend.putMeta("w.e", null); // put and removed between two syncs
    backend.putMeta("w.never", null); // removing a name that is not there changes nothing
    assertThat(backend.metaNames("w.")).containsExactly("w.a", "w.c", "w.d");
    backend.sync();
    assertThat(backend.metaNames("w.")).containsExactly("w.a", "w.c", "w.d");
    backend.putMeta("w.b", new byte[] {2}); // back again
    backend.putMeta("w.a", new byte[] {9}); // replaced: still listed once
    assertThat(backend.metaNames("w.")).containsExactly("w.a", "w.b", "w.c", "w.d");
    backend.sync();
    List<String> listed = backend.metaNames("w.");
    assertThat(listed).containsExactly("w.a", "w.b", "w.c", "w.d");
    for (String name : listed) {
      assertThat(backend.getMeta(name)).as("meta value %s", name).isNotNull();
    }
    assertThat(backend.getMeta("w.e")).isNull();
    for (String name : listed) {
      backend.putMeta(name, null);
    }
    assertThat(backend.metaNames("")).isEmpty();
    backend.sync();
    assertThat(backend.metaNames("")).isEmpty();
  }

  @Test
  void metaNamesAndEntriesAreKeptApart() {
    put(s("replication.writer.1"), i(1)); // entry keys that look like meta names
    backend.put(Key.of(s("replication.writer.9")), i(9), Backend.NO_DEADLINE);
    backend.putMeta("replication.writer.1", new byte[] {1});
    backend.putMeta("replication.writer.2", new byte[] {2});
    for (boolean synced : new boolean[] {false, true}) {
      if (synced) {
        core.commit();
      }
      assertThat(backend.metaNames("replication.")).containsExactly("replication.writer.1", "replication.writer.2");
      assertThat(backend.metaNames("")).containsExactly("replication.writer.1", "replication.writer.2");
      assertThat(backend.size()).isEqualTo(2);
      assertThat(state().keySet()).containsExactlyInAnyOrder(s("replication.writer.1"), s("replication.writer.9"));
      assertThat(core.keys()).isEqualTo(Data.set(s("replication.writer.1"), s("replication.writer.9")));
    }
    backend.clear();
    assertThat(backend.size()).isZero();
    assertThat(state()).isEmpty();
    assertThat(backend.metaNames("replication.")).containsExactly("replication.writer.1", "replication.writer.2");
  }

  @Test
  void metaNamesSurviveReopening() {
    assumeTrue(persistent(), "backend is not persistent");
    put(s("k"), i(1));
    backend.putMeta("replication.writer.1", new byte[] {1});
    backend.putMeta("replication.writer.2", new byte[] {2});
    backend.putMeta("replication.writer.3", new byte[] {3});
    backend.putMeta("other", new byte[] {0});
    core.commit();
    backend.putMeta("replication.writer.2", null); // removed and put after the last sync: close syncs
    backend.putMeta("replication.writer.4", new byte[] {4});
    backend.close();
    backend = openBackend(dir);
    core = newCore(backend);
    assertThat(backend.metaNames("replication.writer."))
        .containsExactly("replication.writer.1", "replication.writer.3", "replication.writer.4");
    assertThat(backend.metaNames("")).containsExactly("other", "replication.writer.1", "replication.writer.3",
        "replication.writer.4");
    assertThat(backend.size()).isEqualTo(1);
    // writes after reopening are laid over what was read back
    backend.putMeta("replication.writer.1", null);
    backend.putMeta("replication.writer.0", new byte[] {0});
    assertThat(backend.metaNames("replication.writer."))
        .containsExactly("replication.writer.0", "replication.writer.3", "replication.writer.4");
  }

  @Test
  void metaNamesRefuseANullPrefixAndAClosedBackend() {
    backend.putMeta("w.a", new byte[] {1});
    assertThatThrownBy(() -> backend.metaNames(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prefix");
    assertThat(backend.metaNames("w.")).containsExactly("w.a"); // the refusal changed nothing
    backend.close();
    fails(ErrorCode.BACKEND_FAILURE, () -> backend.metaNames("w."));
    backend = null;
  }

  @Test
  void metaValuesSurviveReopening() {
    assumeTrue(persistent(), "backend is not persistent");
    put(s("k"), i(1));
    backend.putMeta("writer.7", new byte[] {7, 0, -1});
    backend.putMeta("writer.8", new byte[] {8});
    backend.putMeta("writer.8", null);
    core.commit();
    backend.close();
    backend = openBackend(dir);
    core = newCore(backend);
    assertThat(backend.getMeta("writer.7")).containsExactly(7, 0, -1);
    assertThat(backend.getMeta("writer.8")).isNull();
    assertThat(core.get(s("k"))).isEqualTo(i(1));
  }

  @Test
  void entriesWhoseDeadlinePassedWhileClosedExpireOnTheFirstSweep() {
    assumeTrue(persistent(), "backend is not persistent");
    put(s("short"), i(1), Duration.ofSeconds(5));
    put(s("long"), i(2), Duration.ofHours(5));
    put(s("none"), i(3));
    core.commit();
    backend.close();
    clock.advance(Duration.ofSeconds(10));
    backend = openBackend(dir);
    events.clear();
    core = newCore(backend);
    assertThat(core.exists(s("short"))).isTrue();
    assertThat(core.expireDue()).isEqualTo(1);
    assertThat(events).containsExactly(new StoreEvent.Expire("test", s("short"), MASTER));
    assertThat(state().keySet()).containsExactlyInAnyOrder(s("long"), s("none"));
  }

  // ---- put / putUnique / erase / clear ------------------------------------------------------------

  @Test
  void putInsertsThenOverwritesWithInsertAndUpdateEvents() { // §15.1#3, §15.3#41
    assertThat(apply(new Mutation.Put(s("foo"), i(42), null))).isEqualTo(Data.none());
    assertThat(core.get(s("foo"))).isEqualTo(i(42));
    put(s("foo"), i(43));
    put(s("foo"), i(43)); // equal value: still a write, as in Broker
    assertThat(events).containsExactly(
        new StoreEvent.Insert("test", s("foo"), i(42), null, WRITER),
        new StoreEvent.Update("test", s("foo"), i(42), i(43), null, WRITER),
        new StoreEvent.Update("test", s("foo"), i(43), i(43), null, WRITER));
    assertThat(events.get(0).toData()).isEqualTo(Data.vector(s("insert"), s("test"), s("foo"), i(42),
        Data.none(), s(WRITER.endpoint().toString()), c(WRITER.object())));
    assertThat(events.get(1).toData()).isEqualTo(Data.vector(s("update"), s("test"), s("foo"), i(42), i(43),
        Data.none(), s(WRITER.endpoint().toString()), c(WRITER.object())));
  }

  @Test
  void putReplacesTheDeadlineAndWithoutExpiryRemovesIt() { // §15.3#37, #42
    put(s("e"), i(1), Duration.ofSeconds(10));
    assertThat(deadlineOf(s("e"))).isEqualTo(now() + 10_000_000_000L);
    assertThat(lastEvent()).isEqualTo(new StoreEvent.Insert("test", s("e"), i(1), Duration.ofSeconds(10), WRITER));
    assertThat(((io.jbroker.data.VectorData) lastEvent().toData()).get(4)).isEqualTo(Data.timespan(Duration.ofSeconds(30).minusSeconds(20)));
    clock.advance(Duration.ofSeconds(2));
    put(s("e"), i(2), Duration.ofSeconds(3));
    assertThat(deadlineOf(s("e"))).isEqualTo(now() + 3_000_000_000L);
    put(s("e"), i(2));
    assertThat(deadlineOf(s("e"))).isEqualTo(Backend.NO_DEADLINE);
    clock.advance(Duration.ofDays(1));
    assertThat(core.expireDue()).isZero();
    assertThat(core.get(s("e"))).isEqualTo(i(2));
  }

  @Test
  void putUniqueInsertsOnceAndThenReportsFalseWithoutChangingAnything() {
    assertThat(apply(new Mutation.PutUnique(s("k"), i(1), Duration.ofSeconds(5)))).isEqualTo(Data.of(true));
    assertThat(lastEvent()).isEqualTo(new StoreEvent.Insert("test", s("k"), i(1), Duration.ofSeconds(5), WRITER));
    long deadline = deadlineOf(s("k"));
    noOp(() -> assertThat(apply(new Mutation.PutUnique(s("k"), i(2), null))).isEqualTo(Data.of(false)));
    noOp(() -> assertThat(apply(new Mutation.PutUnique(s("k"), i(2), Duration.ofHours(1)))).isEqualTo(Data.of(false)));
    assertThat(core.get(s("k"))).isEqualTo(i(1));
    assertThat(deadlineOf(s("k"))).isEqualTo(deadline);
  }

  @Test
  void eraseRemovesAnExistingKeyAndIgnoresAMissingOne() { // §15.1#6, §15.3#39
    put(s("a"), i(1));
    noOp(() -> apply(new Mutation.Erase(s("zzz"))));
    apply(new Mutation.Erase(s("a")));
    fails(ErrorCode.NO_SUCH_KEY, () -> core.get(s("a")));
    assertThat(lastEvent()).isEqualTo(new StoreEvent.Erase("test", s("a"), WRITER));
    assertThat(lastEvent().toData()).isEqualTo(Data.vector(s("erase"), s("test"), s("a"),
        s(WRITER.endpoint().toString()), c(WRITER.object())));
  }

  @Test
  void clearEmitsAnEraseEventPerKeyAndEmptiesTheStore() { // §15.2#22, §15.3#40
    put(s("a"), i(1));
    put(s("b"), i(2), Duration.ofSeconds(1));
    events.clear();
    apply(new Mutation.Clear());
    assertThat(core.size()).isZero();
    assertThat(events).containsExactlyInAnyOrder(
        new StoreEvent.Erase("test", s("a"), WRITER), new StoreEvent.Erase("test", s("b"), WRITER));
    assertThat(changes.get(changes.size() - 1)).isEqualTo(new StoreChange.Clear(WRITER));
    noOp(() -> apply(new Mutation.Clear())); // an empty store has nothing to clear
    clock.advance(Duration.ofSeconds(5));
    assertThat(core.expireDue()).isZero();
  }

  // ---- increment / decrement ----------------------------------------------------------------------

  @Test
  void incrementCreatesTheKeyFromZeroOfTheAmountsKind() { // §15.1#7, §15.3#26 (timespan stays a timespan)
    apply(new Mutation.Increment(s("c"), c(13), null));
    apply(new Mutation.Increment(s("i"), i(-5), null));
    apply(new Mutation.Increment(s("r"), Data.of(2.5), null));
    apply(new Mutation.Increment(s("t"), Data.timespanNanos(5_000_000_000L), null));
    assertThat(core.get(s("c"))).isEqualTo(c(13));
    assertThat(core.get(s("i"))).isEqualTo(i(-5));
    assertThat(core.get(s("r"))).isEqualTo(Data.of(2.5));
    assertThat(core.get(s("t"))).isEqualTo(Data.timespanNanos(5_000_000_000L));
    assertThat(events.get(0)).isEqualTo(new StoreEvent.Insert("test", s("c"), c(13), null, WRITER));
  }

  @Test
  void incrementAndDecrementWorkOnMatchingKinds() { // §15.1#8, §15.2#19-20
    put(s("foo"), c(13));
    apply(new Mutation.Increment(s("foo"), c(1), null));
    assertThat(core.get(s("foo"))).isEqualTo(c(14));
    apply(new Mutation.Decrement(s("foo"), c(1), null));
    assertThat(core.get(s("foo"))).isEqualTo(c(13));
    put(s("n"), i(42));
    apply(new Mutation.Increment(s("n"), i(2), null));
    assertThat(core.get(s("n"))).isEqualTo(i(44));
    apply(new Mutation.Decrement(s("n"), i(10), null));
    assertThat(core.get(s("n"))).isEqualTo(i(34));
    put(s("r"), Data.of(1.5));
    apply(new Mutation.Decrement(s("r"), Data.of(0.25), null));
    assertThat(core.get(s("r"))).isEqualTo(Data.of(1.25));
    put(s("span"), Data.timespanNanos(10));
    apply(new Mutation.Increment(s("span"), Data.timespanNanos(5), null));
    assertThat(core.get(s("span"))).isEqualTo(Data.timespanNanos(15));
    put(s("ts"), Data.timestampNanos(1_000));
    apply(new Mutation.Increment(s("ts"), Data.timespanNanos(500), null));
    assertThat(core.get(s("ts"))).isEqualTo(Data.timestampNanos(1_500));
    apply(new Mutation.Decrement(s("ts"), Data.timespanNanos(2_000), null));
    assertThat(core.get(s("ts"))).isEqualTo(Data.timestampNanos(-500));
    assertThat(lastEvent()).isEqualTo(new StoreEvent.Update("test", s("ts"), Data.timestampNanos(1_500),
        Data.timestampNanos(-500), null, WRITER));
  }

  @Test
  void incrementRefusesOtherKindsWithTypeClashAndCreatesNothing() { // §15.3#27, #29
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Increment(s("s"), s("abc"), null)));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Increment(s("s"), Data.timestampNanos(1), null)));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Increment(s("s"), Data.of(true), null)));
    put(s("c"), c(5));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Increment(s("c"), i(1), null)));
    put(s("str"), s("x"));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Increment(s("str"), c(1), null)));
    put(s("span"), Data.timespanNanos(1));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Decrement(s("span"), c(1), null)));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Decrement(s("str"), s("x"), null)));
    assertThat(core.get(s("c"))).isEqualTo(c(5));
  }

  @Test
  void arithmeticOverflowIsInvalidDataAndKeepsTheValue() { // §15.3#28 (no wrap-around)
    put(s("c"), c(-1)); // 2^64-1
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.Increment(s("c"), c(1), null)));
    put(s("z"), c(0));
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.Decrement(s("z"), c(1), null)));
    put(s("i"), i(Long.MAX_VALUE));
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.Increment(s("i"), i(1), null)));
    put(s("j"), i(Long.MIN_VALUE));
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.Decrement(s("j"), i(1), null)));
    put(s("t"), Data.timespanNanos(Long.MAX_VALUE));
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.Increment(s("t"), Data.timespanNanos(1), null)));
    put(s("ts"), Data.timestampNanos(Long.MIN_VALUE));
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.Decrement(s("ts"), Data.timespanNanos(1), null)));
    apply(new Mutation.Decrement(s("c"), c(-1), null)); // 2^64-1 - (2^64-1) = 0 is fine
    assertThat(core.get(s("c"))).isEqualTo(c(0));
  }

  @Test
  void decrementOfAMissingKeyIsNoSuchKey() { // §15.2#19, §15.3#30
    failsWithoutEffect(ErrorCode.NO_SUCH_KEY, () -> apply(new Mutation.Decrement(s("k"), i(1), null)));
    put(s("foo"), i(0));
    apply(new Mutation.Increment(s("foo"), i(42), null));
    assertThat(core.get(s("foo"))).isEqualTo(i(42));
    apply(new Mutation.Erase(s("foo")));
    failsWithoutEffect(ErrorCode.NO_SUCH_KEY, () -> apply(new Mutation.Decrement(s("foo"), i(42), null)));
  }

  // ---- append / insert / remove / push / pop -----------------------------------------------------

  @Test
  void appendConcatenatesStringsAndCreatesTheKey() { // §15.1#9
    put(s("foo"), s("b"));
    apply(new Mutation.Append(s("foo"), s("a"), null));
    apply(new Mutation.Append(s("foo"), s("r"), null));
    assertThat(core.get(s("foo"))).isEqualTo(s("bar"));
    apply(new Mutation.Append(s("new"), s("x"), null));
    assertThat(core.get(s("new"))).isEqualTo(s("x"));
  }

  @Test
  void appendRefusesNonStringsOnEitherSideAndStoresNothing() {
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Append(s("k"), i(1), null)));
    assertThat(core.exists(s("k"))).isFalse();
    put(s("n"), i(1));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Append(s("n"), s("x"), null)));
  }

  @Test
  void insertIntoAddsToASetAndCreatesIt() { // §15.1#10
    put(s("foo"), Data.set(i(1), i(3)));
    apply(new Mutation.InsertInto(s("foo"), i(2), null));
    assertThat(core.get(s("foo"))).isEqualTo(Data.set(i(1), i(2), i(3)));
    noOp(() -> apply(new Mutation.InsertInto(s("foo"), i(2), null)));
    apply(new Mutation.InsertInto(s("new"), s("x"), null));
    assertThat(core.get(s("new"))).isEqualTo(Data.set(s("x")));
    put(s("v"), Data.vector(i(1)));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.InsertInto(s("v"), i(2), null)));
    put(s("t"), Data.table(i(1), s("A")));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.InsertInto(s("t"), i(5), null))); // §15.3#33
  }

  @Test
  void insertAtWritesTableEntriesAndVectorIndexes() { // §15.3#31, #33
    apply(new Mutation.InsertAt(s("t"), i(1), s("A"), null));
    assertThat(core.get(s("t"))).isEqualTo(Data.table(i(1), s("A")));
    apply(new Mutation.InsertAt(s("t"), i(7), s("Z"), null));
    apply(new Mutation.InsertAt(s("t"), i(1), s("B"), null));
    assertThat(core.get(s("t"))).isEqualTo(Data.table(i(1), s("B"), i(7), s("Z")));
    put(s("v"), Data.vector(i(1), i(2)));
    apply(new Mutation.InsertAt(s("v"), c(0), s("x"), null));
    assertThat(core.get(s("v"))).isEqualTo(Data.vector(s("x"), i(2)));
    apply(new Mutation.InsertAt(s("v"), c(2), s("y"), null));
    assertThat(core.get(s("v"))).isEqualTo(Data.vector(s("x"), i(2), s("y")));
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.InsertAt(s("v"), c(4), s("z"), null)));
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.InsertAt(s("v"), i(0), s("z"), null)));
    put(s("set"), Data.set(i(1)));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.InsertAt(s("set"), i(0), s("z"), null)));
    put(s("str"), s("x"));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.InsertAt(s("str"), c(0), s("z"), null)));
  }

  @Test
  void removeFromRemovesSetElementsTableKeysAndVectorIndexes() { // §15.1#10, §15.3#32
    put(s("foo"), Data.set(i(1), i(2), i(3)));
    apply(new Mutation.RemoveFrom(s("foo"), i(2), null));
    assertThat(core.get(s("foo"))).isEqualTo(Data.set(i(1), i(3)));
    put(s("t"), Data.table(i(1), s("A"), i(2), s("B")));
    apply(new Mutation.RemoveFrom(s("t"), i(1), null));
    assertThat(core.get(s("t"))).isEqualTo(Data.table(i(2), s("B")));
    put(s("v"), Data.vector(i(1), i(2), i(3)));
    apply(new Mutation.RemoveFrom(s("v"), c(0), null));
    assertThat(core.get(s("v"))).isEqualTo(Data.vector(i(2), i(3)));
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.RemoveFrom(s("v"), i(0), null)));
    failsWithoutEffect(ErrorCode.NO_SUCH_KEY, () -> apply(new Mutation.RemoveFrom(s("missing"), i(1), null)));
    put(s("str"), s("x"));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.RemoveFrom(s("str"), i(1), null)));
  }

  @Test
  void removingSomethingAbsentIsANoOpEvenWithAnExpiry() {
    put(s("set"), Data.set(i(1)), Duration.ofSeconds(5));
    put(s("t"), Data.table(i(1), s("A")));
    put(s("v"), Data.vector(i(1)));
    put(s("empty"), Data.vector());
    noOp(() -> apply(new Mutation.RemoveFrom(s("set"), i(9), Duration.ofHours(1))));
    noOp(() -> apply(new Mutation.RemoveFrom(s("t"), i(9), null)));
    noOp(() -> apply(new Mutation.RemoveFrom(s("v"), c(1), Duration.ofHours(1))));
    noOp(() -> apply(new Mutation.Pop(s("empty"), Duration.ofHours(1))));
  }

  @Test
  void pushAppendsToAVectorAndCreatesIt() { // §15.1#11
    put(s("foo"), Data.vector(i(1), i(2)));
    apply(new Mutation.Push(s("foo"), i(3), null));
    assertThat(core.get(s("foo"))).isEqualTo(Data.vector(i(1), i(2), i(3)));
    apply(new Mutation.Push(s("new"), s("x"), null));
    assertThat(core.get(s("new"))).isEqualTo(Data.vector(s("x")));
    put(s("set"), Data.set());
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Push(s("set"), i(1), null)));
  }

  @Test
  void popRemovesTheLastElementOfAVectorOnly() { // §15.1#11, §15.3#30, #34
    put(s("foo"), Data.vector(i(1), i(2), i(3)));
    apply(new Mutation.Pop(s("foo"), null));
    assertThat(core.get(s("foo"))).isEqualTo(Data.vector(i(1), i(2)));
    failsWithoutEffect(ErrorCode.NO_SUCH_KEY, () -> apply(new Mutation.Pop(s("missing"), null)));
    put(s("s"), Data.set(s("s"), i(1)));
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Pop(s("s"), null)));
  }

  // ---- reads ----------------------------------------------------------------------------------------

  @Test
  void getAndExistsReportPresence() { // §15.1#3-5, §15.1#17
    put(s("foo"), i(42));
    assertThat(core.get(s("foo"))).isEqualTo(i(42));
    fails(ErrorCode.NO_SUCH_KEY, () -> core.get(s("bar")));
    assertThat(core.exists(s("foo"))).isTrue();
    assertThat(core.exists(s("bar"))).isFalse();
    put(s("key"), s("value"));
    assertThat(core.get(s("key"))).isEqualTo(s("value"));
    assertThat(core.name()).isEqualTo("test");
  }

  @Test
  void getIndexFromValueLooksIntoContainers() { // §15.1#12, §15.3#35-36
    put(s("foo"), Data.set(i(2), i(3)));
    assertThat(core.getIndexFromValue(s("foo"), i(1))).isEqualTo(Data.of(false));
    assertThat(core.getIndexFromValue(s("foo"), i(2))).isEqualTo(Data.of(true));
    put(s("v"), Data.vector(s("a")));
    assertThat(core.getIndexFromValue(s("v"), i(0))).isEqualTo(s("a"));
    assertThat(core.getIndexFromValue(s("v"), c(0))).isEqualTo(s("a"));
    fails(ErrorCode.TYPE_CLASH, () -> core.getIndexFromValue(s("v"), i(-1)));
    fails(ErrorCode.NO_SUCH_KEY, () -> core.getIndexFromValue(s("v"), c(5)));
    put(s("t"), Data.table(s("k"), i(9)));
    assertThat(core.getIndexFromValue(s("t"), s("k"))).isEqualTo(i(9));
    fails(ErrorCode.NO_SUCH_KEY, () -> core.getIndexFromValue(s("t"), s("other")));
    put(s("x"), s("hello"));
    fails(ErrorCode.TYPE_CLASH, () -> core.getIndexFromValue(s("x"), i(99)));
    fails(ErrorCode.NO_SUCH_KEY, () -> core.getIndexFromValue(s("missing"), i(0)));
  }

  @Test
  void keysReturnsEveryKeyAsASet() { // §15.1#13, §15.2#22
    assertThat(core.keys()).isEqualTo(Data.set());
    put(s("foo"), s("1"));
    assertThat(core.keys()).isEqualTo(Data.set(s("foo")));
    put(s("bar"), s("2"));
    put(i(5), s("3"));
    assertThat(core.keys()).isEqualTo(Data.set(s("bar"), s("foo"), i(5)));
    assertThat(core.size()).isEqualTo(3);
  }

  @Test
  void keyPagesCoverEveryKeyOnceInCanonicalOrder() {
    List<Data> keys = new ArrayList<>();
    for (int n = 0; n < 103; n++) {
      keys.add(n % 2 == 0 ? s("k" + n) : i(n - 50));
    }
    keys.forEach(k -> put(k, i(1)));
    List<Data> seen = new ArrayList<>();
    Data after = null;
    int pages = 0;
    do {
      KeyPage page = core.keys(after, 10);
      assertThat(page.keys()).hasSizeLessThanOrEqualTo(10);
      seen.addAll(page.keys());
      after = page.next();
      pages++;
      if (page.hasMore()) {
        assertThat(page.keys()).hasSize(10);
        assertThat(page.next()).isEqualTo(page.keys().get(9));
      }
    } while (after != null);
    assertThat(pages).isEqualTo(11);
    assertThat(seen).isEqualTo(keys.stream().map(Key::of).sorted().map(Key::data).toList());
    assertThat(core.keys(null, 1000).keys()).hasSize(103);
    assertThat(core.keys(null, 103).hasMore()).isFalse();
    fails(ErrorCode.INVALID_DATA, () -> core.keys(null, 0));
  }

  // ---- expiry -----------------------------------------------------------------------------------------

  @Test
  void anEntryExpiresAtItsDeadlineWithAnExpireEventFromTheMaster() { // §15.1#15, §15.3#43
    put(s("foo"), i(42), Duration.ofMillis(600));
    clock.advance(Duration.ofMillis(50));
    assertThat(core.expireDue()).isZero();
    assertThat(core.get(s("foo"))).isEqualTo(i(42));
    clock.advance(Duration.ofMillis(549));
    assertThat(core.expireDue()).isZero();
    clock.advanceNanos(1_000_000);
    assertThat(core.nextDeadline()).isEqualTo(now());
    assertThat(core.expireDue()).isEqualTo(1);
    fails(ErrorCode.NO_SUCH_KEY, () -> core.get(s("foo")));
    assertThat(lastEvent()).isEqualTo(new StoreEvent.Expire("test", s("foo"), MASTER));
    assertThat(lastEvent().toData()).isEqualTo(Data.vector(s("expire"), s("test"), s("foo"),
        s(MASTER.endpoint().toString()), c(1)));
    assertThat(changes.get(changes.size() - 1)).isEqualTo(new StoreChange.Expire(Key.of(s("foo")), MASTER));
    assertThat(core.nextDeadline()).isEqualTo(Backend.NO_DEADLINE);
  }

  @Test
  void anExpiryMustBePositive() {
    for (Duration bad : List.of(Duration.ZERO, Duration.ofNanos(-1), Duration.ofSeconds(-5))) {
      failsWithoutEffect(ErrorCode.INVALID_DATA, () -> put(s("k"), i(1), bad));
      failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.PutUnique(s("k"), i(1), bad)));
      failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.Increment(s("k"), i(1), bad)));
      failsWithoutEffect(ErrorCode.INVALID_DATA, () -> apply(new Mutation.Push(s("k"), i(1), bad)));
    }
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> put(s("k"), i(1), Duration.ofDays(365L * 400)));
  }

  @Test
  void modifyingOperationsKeepTheDeadlineWithoutExpiryAndSetANewOneWithIt() { // §15.3#38 (SEMANTICS: keep)
    put(s("e"), c(1), Duration.ofSeconds(10));
    long first = deadlineOf(s("e"));
    clock.advance(Duration.ofSeconds(1));
    apply(new Mutation.Increment(s("e"), c(1), null));
    assertThat(core.get(s("e"))).isEqualTo(c(2));
    assertThat(deadlineOf(s("e"))).isEqualTo(first);
    apply(new Mutation.Increment(s("e"), c(1), Duration.ofSeconds(1)));
    assertThat(deadlineOf(s("e"))).isEqualTo(now() + 1_000_000_000L);
    assertThat(lastEvent()).isEqualTo(new StoreEvent.Update("test", s("e"), c(2), c(3), null, WRITER)); // §15.3#42
    clock.advance(Duration.ofSeconds(1));
    assertThat(core.expireDue()).isEqualTo(1);
    apply(new Mutation.Increment(s("n"), c(1), Duration.ofSeconds(30)));
    assertThat(lastEvent()).isEqualTo(new StoreEvent.Insert("test", s("n"), c(1), null, WRITER));
    assertThat(deadlineOf(s("n"))).isEqualTo(now() + 30_000_000_000L);
  }

  @Test
  void insertingAnExistingElementWithAnExpiryRefreshesTheDeadline() {
    put(s("hosts"), Data.set(s("10.0.0.1")), Duration.ofSeconds(10));
    clock.advance(Duration.ofSeconds(8));
    events.clear();
    apply(new Mutation.InsertInto(s("hosts"), s("10.0.0.1"), Duration.ofSeconds(10)));
    assertThat(deadlineOf(s("hosts"))).isEqualTo(now() + 10_000_000_000L);
    assertThat(events).hasSize(1);
    clock.advance(Duration.ofSeconds(5));
    assertThat(core.expireDue()).isZero();
  }

  @Test
  void aRefreshedOrErasedEntryDoesNotExpireAtItsOldDeadline() {
    put(s("a"), i(1), Duration.ofSeconds(1));
    put(s("a"), i(2), Duration.ofSeconds(10));
    put(s("b"), i(1), Duration.ofSeconds(1));
    apply(new Mutation.Erase(s("b")));
    put(s("b"), i(2));
    clock.advance(Duration.ofSeconds(2));
    events.clear();
    assertThat(core.expireDue()).isZero();
    assertThat(events).isEmpty();
    assertThat(core.get(s("a"))).isEqualTo(i(2));
    assertThat(core.get(s("b"))).isEqualTo(i(2));
    clock.advance(Duration.ofSeconds(8));
    assertThat(core.expireDue()).isEqualTo(1);
  }

  @Test
  void clearForgetsDeadlines() {
    put(s("a"), i(1), Duration.ofSeconds(1));
    apply(new Mutation.Clear());
    put(s("a"), i(2));
    clock.advance(Duration.ofSeconds(2));
    assertThat(core.expireDue()).isZero();
    assertThat(core.get(s("a"))).isEqualTo(i(2));
  }

  // ---- changes and replicas --------------------------------------------------------------------------

  @Test
  void changesReproduceTheMastersStateAndEventsOnAReplica() {
    StoreCore replica = new StoreCore("test", new io.jbroker.store.memory.MemoryBackend(), clock, WRITER);
    List<StoreEvent> replicaEvents = new ArrayList<>();
    replica.onEvent(replicaEvents::add);
    put(s("a"), i(1), Duration.ofSeconds(5));
    put(s("a"), i(2));
    apply(new Mutation.Increment(s("n"), c(1), Duration.ofSeconds(3)));
    apply(new Mutation.Push(s("v"), s("x"), null));
    apply(new Mutation.PutUnique(s("u"), s("first"), null));
    apply(new Mutation.PutUnique(s("u"), s("second"), null));
    apply(new Mutation.Erase(s("v")));
    clock.advance(Duration.ofSeconds(3));
    core.expireDue();
    put(s("b"), Data.table(s("k"), i(1)));
    changes.forEach(replica::applyChange);
    Map<Data, Backend.Entry> replicaState = new HashMap<>();
    replica.snapshot((k, v, d) -> replicaState.put(k.data(), new Backend.Entry(v, d)));
    assertThat(replicaState).isEqualTo(state());
    assertThat(replicaEvents).isEqualTo(events);
    apply(new Mutation.Clear());
    replica.applyChange(changes.get(changes.size() - 1));
    assertThat(replica.size()).isZero();
    assertThat(replicaEvents).isEqualTo(events);
  }

  @Test
  void failedMutationsEmitNoEventAndNoChange() {
    put(s("s"), s("x"));
    events.clear();
    changes.clear();
    failsWithoutEffect(ErrorCode.TYPE_CLASH, () -> apply(new Mutation.Increment(s("s"), c(1), null)));
    failsWithoutEffect(ErrorCode.NO_SUCH_KEY, () -> apply(new Mutation.Pop(s("none"), null)));
    failsWithoutEffect(ErrorCode.INVALID_DATA, () -> put(s("s"), s("y"), Duration.ZERO));
    assertThat(events).isEmpty();
    assertThat(changes).isEmpty();
  }

  @Test
  void everyKindRoundTripsThroughTheCoreAsKeyAndValue() {
    List<Data> samples = samplesOfEveryKind();
    for (Data d : samples) {
      put(d, Data.vector(d));
    }
    for (Data d : samples) {
      assertThat(core.get(d)).isEqualTo(Data.vector(d));
    }
    assertThat(core.keys().size()).isEqualTo(samples.stream().distinct().count());
    assertThat(core.get(Data.address(AddressData.parse("192.168.9.8").toString()))).isEqualTo(Data.vector(Data.address("192.168.9.8")));
  }
}
