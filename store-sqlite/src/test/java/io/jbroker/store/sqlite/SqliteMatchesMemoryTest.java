package io.jbroker.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.data.PortData;
import io.jbroker.error.BrokerException;
import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.store.EntityId;
import io.jbroker.store.ManualClock;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreChange;
import io.jbroker.store.StoreCore;
import io.jbroker.store.StoreEvent;
import io.jbroker.store.memory.MemoryBackend;
import io.jbroker.testing.TestScale;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random operation sequences applied to a store core over the memory backend (the
 * reference) and over SQLite give the same results, errors, events, changes and state, also
 * across syncs, reopening the SQLite file, and expiry. A failure names its seed; replay with
 * {@code -Djbroker.equivalence.seed=<seed>}.
 */
class SqliteMatchesMemoryTest {
  private static final EntityId SELF = new EntityId(UUID.fromString("5746d8ee-3644-5bd2-9f54-d5a44c26c2a1"), 1);
  private static final EntityId WRITER = new EntityId(UUID.fromString("00000000-0000-4000-8000-000000000001"), 7);

  private static final List<Data> KEYS = List.of(Data.of("a"), Data.of("b"), Data.of(""), Data.of(1L), Data.count(1),
      Data.of(-0.0), Data.address("10.0.0.1"), Data.vector(Data.of("k")));
  private static final List<Data> VALUES = List.of(Data.of("x"), Data.of(""), Data.of(3L), Data.count(2), Data.of(1.5),
      Data.timespanNanos(5), Data.timestampNanos(7), Data.set(Data.of(1L)), Data.table(Data.of("k"), Data.of(1L)),
      Data.vector(Data.of(1L), Data.of(2L)), Data.vector(), Data.none(), Data.of(true),
      Data.port(80, PortData.Protocol.TCP));

  @TempDir Path dir;

  @Test
  void randomOperationSequencesGiveIdenticalResultsEventsAndStateOnSqliteAndMemory() throws Exception {
    Long fixed = Long.getLong("jbroker.equivalence.seed");
    int sequences = fixed != null ? 1 : TestScale.scaled(20);
    long base = fixed != null ? fixed : System.nanoTime();
    for (int s = 0; s < sequences; s++) {
      long seed = base + s;
      try {
        runSequence(seed, Files.createDirectory(dir.resolve("seq-" + s)).resolve("store.db"), 400);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("sequence with seed " + seed + " (replay: -Djbroker.equivalence.seed=" + seed
            + ") diverged: " + e.getMessage(), e);
      }
    }
  }

  private static final class Side {
    final Backend backend;
    final StoreCore core;
    final List<StoreEvent> events = new ArrayList<>();
    final List<StoreChange> changes = new ArrayList<>();

    Side(Backend backend, ManualClock clock) {
      this.backend = backend;
      this.core = new StoreCore("eq", backend, clock, SELF);
      core.onEvent(events::add);
      core.onChange(changes::add);
    }

    Map<Data, Backend.Entry> state() {
      Map<Data, Backend.Entry> all = new TreeMap<>();
      backend.scan(null, Integer.MAX_VALUE, (k, v, d) -> all.put(k.data(), new Backend.Entry(v, d)));
      return all;
    }
  }

  private static Side sqlite(Path path, ManualClock clock) {
    return new Side(Backends.open("sqlite", BackendOptions.empty().with("path", path.toString())), clock);
  }

  private void runSequence(long seed, Path path, int steps) {
    Random r = new Random(seed);
    ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    Side memory = new Side(new MemoryBackend(), clock);
    Side sql = sqlite(path, clock);
    try {
      for (int step = 0; step < steps; step++) {
        int dice = r.nextInt(100);
        if (dice < 3) {
          sql.core.commit();
          sql.backend.close();
          List<StoreEvent> events = sql.events;
          List<StoreChange> changes = sql.changes;
          sql = sqlite(path, clock);
          sql.events.addAll(events);
          sql.changes.addAll(changes);
          assertThat(sql.core.nextDeadline()).as("deadlines after reopening").isEqualTo(memory.core.nextDeadline());
        } else if (dice < 10) {
          clock.advance(Duration.ofMillis(r.nextInt(4_000)));
          assertThat(sql.core.expireDue()).as("expired at step %d", step).isEqualTo(memory.core.expireDue());
        } else if (dice < 15) {
          sql.core.commit();
          memory.core.commit();
        } else if (dice < 25) {
          Data k = pick(r, KEYS);
          Side current = sql;
          assertThat(outcome(() -> current.core.get(k))).as("get %s", k).isEqualTo(outcome(() -> memory.core.get(k)));
          assertThat(sql.core.exists(k)).isEqualTo(memory.core.exists(k));
          assertThat(sql.core.keys(null, 3)).isEqualTo(memory.core.keys(null, 3));
        } else {
          Mutation m = mutation(r);
          Object expected = outcome(() -> memory.core.apply(m, WRITER));
          Side current = sql;
          assertThat(outcome(() -> current.core.apply(m, WRITER))).as("%s at step %d", m, step).isEqualTo(expected);
        }
        assertThat(sql.events).as("events after step %d", step).isEqualTo(memory.events);
        assertThat(sql.changes).as("changes after step %d", step).isEqualTo(memory.changes);
      }
      assertThat(sql.state()).isEqualTo(memory.state());
      assertThat(sql.core.size()).isEqualTo(memory.core.size());
      assertThat(sql.core.keys()).isEqualTo(memory.core.keys());
    } finally {
      sql.backend.close();
    }
  }

  /** A result, or the error code of the failure. */
  private static Object outcome(java.util.function.Supplier<Data> call) {
    try {
      return call.get();
    } catch (BrokerException e) {
      return e.code();
    }
  }

  private static <T> T pick(Random r, List<T> from) {
    return from.get(r.nextInt(from.size()));
  }

  private static Duration expiry(Random r) {
    int d = r.nextInt(10);
    return d < 6 ? null : d == 9 ? Duration.ZERO : Duration.ofMillis(1 + r.nextInt(5_000));
  }

  private static Mutation mutation(Random r) {
    Data k = pick(r, KEYS);
    Data v = pick(r, VALUES);
    return switch (r.nextInt(13)) {
      case 0, 1 -> new Mutation.Put(k, v, expiry(r));
      case 2 -> new Mutation.PutUnique(k, v, expiry(r));
      case 3 -> new Mutation.Erase(k);
      case 4 -> r.nextInt(5) == 0 ? new Mutation.Clear() : new Mutation.Erase(k);
      case 5 -> new Mutation.Increment(k, pick(r, List.of(Data.count(1), Data.of(2L), Data.of(0.5), Data.timespanNanos(3))), expiry(r));
      case 6 -> new Mutation.Decrement(k, pick(r, List.of(Data.count(1), Data.of(2L), Data.timespanNanos(3))), expiry(r));
      case 7 -> new Mutation.Append(k, pick(r, List.of(Data.of("s"), Data.of(""), Data.of(1L))), expiry(r));
      case 8 -> new Mutation.InsertInto(k, v, expiry(r));
      case 9 -> new Mutation.InsertAt(k, pick(r, List.of(Data.count(0), Data.count(1), Data.count(5), Data.of("k"))), v, expiry(r));
      case 10 -> new Mutation.RemoveFrom(k, pick(r, List.of(Data.count(0), Data.of(1L), Data.of("k"))), expiry(r));
      case 11 -> new Mutation.Push(k, v, expiry(r));
      default -> new Mutation.Pop(k, expiry(r));
    };
  }
}
