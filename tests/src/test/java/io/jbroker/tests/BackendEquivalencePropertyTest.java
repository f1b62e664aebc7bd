package io.jbroker.tests;

import static org.quicktheories.QuickTheory.qt;

import io.jbroker.data.Data;
import io.jbroker.data.DataGenerators;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.store.EntityId;
import io.jbroker.store.Key;
import io.jbroker.store.ManualClock;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreChange;
import io.jbroker.store.StoreCore;
import io.jbroker.store.StoreEvent;
import io.jbroker.store.memory.MemoryBackend;
import io.jbroker.testing.TestScale;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.impl.Constraint;

/**
 * Backend equivalence (issue 3): one random operation sequence, applied to a {@link StoreCore}
 * over the memory backend (the reference), over SQLite and over RocksDB, gives on all three the
 * same result or error code for every step, the same events and changes in the same order, and
 * the same state (every key, value and deadline, the size and the next deadline) after every
 * step and at the end.
 *
 * <h2>Sequences</h2>
 *
 * A {@link Sequence} (QuickTheories generator, {@value #SEQUENCES} sequences of 1–{@value
 * #MAX_STEPS} steps, about {@value #MAX_STEPS}/2 on average, times {@link TestScale#factor()}
 * under {@code -Pstress}) draws pools of keys and values of all 15 kinds, nested up to three
 * containers deep ({@link DataGenerators#anyData(int)}), plus numbers with their edges (for
 * overflow), and steps over them: every {@link Mutation} with valid, absent, zero, negative,
 * too large and far-future expiries and three publishers (one unknown); {@link
 * StoreCore#applyChange} of replica changes; every read of {@link StoreCore} ({@code get},
 * {@code exists}, {@code entry}, {@code getIndexFromValue}, {@code keys}, key pages with valid
 * and invalid limits, {@code size}, {@code snapshot}, {@code nextDeadline}); {@link ManualClock}
 * advances (also onto a deadline, one nanosecond before and after it); {@code expireDue};
 * {@code commit}; and reopening: the persistent backends are committed, closed and opened again
 * from their files (the memory side gets a new core over the same backend), always once in the
 * middle of a sequence and sometimes elsewhere. A sequence runs with {@code durability=durable}
 * or {@code relaxed} (drawn), so both commit paths are covered.
 *
 * <h2>Failures</h2>
 *
 * A difference fails the step with a message naming the step, the aspect that differs and both
 * sides, followed by the sequence up to that step, its pooled values written out with their
 * Broker encoding. QuickTheories then shrinks: every step draws the same number of values and
 * the pools are drawn last, so shrinking one draw never changes the meaning of the others; a
 * shorter length and steps turned into no-ops (neither run nor printed) remove steps, and the
 * pooled values shrink towards simpler ones. QuickTheories reports the smallest failing sequence
 * it found (its failure message is the "Cause") and {@code Seed was <n>}; because its random
 * shrinking rarely removes steps from the middle of a long sequence, the test then reduces that
 * sequence further by dropping chunks of steps while it still fails the same way (same backend,
 * same aspect, same kind of step) and appends the result. Replay with {@code -DQT_SEED=<n>}
 * ({@code ./mvnw -B -pl tests -am verify -Dtest=BackendEquivalencePropertyTest
 * -Dsurefire.failIfNoSpecifiedTests=false -DQT_SEED=<n>}).
 *
 * <p>The test also counts the outcomes per kind of step on the reference side and fails if the
 * generator stops reaching one of {@link #REQUIRED} (say, no increment ever overflows), so that
 * a change to the generator cannot quietly make the property trivial.
 */
class BackendEquivalencePropertyTest {
  private static final int SEQUENCES = 100;
  private static final int MAX_STEPS = 200;
  private static final int SHRINK_CYCLES = 300;
  private static final int REDUCTION_RUNS = 400;

  private static final long START = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z
  private static final long MAX_JUMP = Duration.ofHours(1).toNanos();
  private static final String STORE = "equivalence";
  private static final EntityId SELF = new EntityId(UUID.fromString("5746d8ee-3644-5bd2-9f54-d5a44c26c2a1"), 1);
  private static final EntityId ALICE = new EntityId(UUID.fromString("00000000-0000-4000-8000-00000000a11c"), 7);
  private static final EntityId BOB = new EntityId(UUID.fromString("00000000-0000-4000-8000-000000000b0b"), 42);

  private static final int KEY_POOL = 6;
  private static final int VALUE_POOL = 8;
  private static final int NUMBER_POOL = 4;
  private static final int STRING_POOL = 2;

  /** Small operands, so that arithmetic and container operations mostly succeed. */
  private static final List<Data> SMALL_NUMBERS = List.of(Data.count(1), Data.count(0), Data.of(1L), Data.of(-2L),
      Data.of(0.5), Data.of(-0.0), Data.timespanNanos(1_000), Data.timespanNanos(-1));
  private static final List<Data> SHAPES = List.of(Data.set(), Data.vector(), Data.table(), Data.count(3), Data.of(-3L),
      Data.of(1.5), Data.timespanNanos(10), Data.timestampNanos(START), Data.of(""), Data.of("s"),
      Data.set(Data.count(1), Data.of("a")), Data.vector(Data.count(1), Data.of("a")),
      Data.table(Data.of("a"), Data.count(1), Data.count(0), Data.none()), Data.none());
  private static final List<Data> STRINGS = List.of(Data.of(""), Data.of("x"), Data.of("yz"));
  private static final List<Data> INDICES = List.of(Data.count(0), Data.count(1), Data.count(2), Data.count(9),
      Data.of(0L), Data.of("a"));
  private static final List<Duration> POSITIVE_EXPIRIES = List.of(Duration.ofNanos(1), Duration.ofMillis(1),
      Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
      Duration.ofSeconds(30), Duration.ofHours(1));
  private static final List<Long> ADVANCES = List.of(0L, 1L, 1_000_000L, 250_000_000L, 1_000_000_000L,
      2_000_000_000L, 5_000_000_000L, 60_000_000_000L);

  @TempDir Path dir;

  private final AtomicInteger runs = new AtomicInteger();

  /** The last failing run; once QuickTheories has shrunk, the smallest failing sequence it found. */
  private Divergence lastFailure;

  /** How often each step kind had each outcome on the reference side ("Increment:TYPE_CLASH", "Pop:ok+event"). */
  private final Map<String, Integer> coverage = new java.util.TreeMap<>();

  /** Outcomes the generator must reach in every full run, or the property proves little. */
  private static final List<String> REQUIRED = List.of("Put:ok+event", "Put:INVALID_DATA", "PutUnique:ok+event",
      "PutUnique:ok", "Erase:ok+event", "Clear:ok+event", "Increment:ok+event", "Increment:TYPE_CLASH",
      "Increment:INVALID_DATA", "Decrement:ok+event", "Decrement:NO_SUCH_KEY", "Append:ok+event",
      "Append:TYPE_CLASH", "InsertInto:ok+event", "InsertAt:ok+event", "InsertAt:INVALID_DATA",
      "RemoveFrom:ok+event", "RemoveFrom:ok", "Push:ok+event", "Pop:ok+event", "Pop:NO_SUCH_KEY",
      "ApplyChange:ok+event", "Get:ok", "Get:NO_SUCH_KEY", "IndexOf:ok", "IndexOf:TYPE_CLASH", "KeysPage:ok",
      "KeysPage:INVALID_DATA", "ExpireDue:ok+event", "Reopen:ok", "Commit:ok", "AdvanceToDeadline:ok");

  @Test
  void memorySqliteAndRocksDbGiveIdenticalResultsEventsChangesAndState() {
    try {
      qt().withExamples(TestScale.scaled(SEQUENCES))
          .withShrinkCycles(SHRINK_CYCLES)
          .forAll(sequences())
          .checkAssert(sequence -> {
            Divergence d = run(sequence);
            if (d != null) {
              lastFailure = d;
              throw new AssertionError(d.message());
            }
          });
      org.assertj.core.api.Assertions.assertThat(coverage.keySet())
          .as("outcomes reached by the generated sequences (step kind:outcome): %s", coverage)
          .containsAll(REQUIRED);
    } catch (AssertionError e) {
      if (lastFailure == null) {
        throw e;
      }
      Divergence reduced = reduce(lastFailure);
      throw new AssertionError(e.getMessage() + "\n\nThe smallest sequence reduced further by dropping steps ("
          + reduced.sequence().steps().size() + " steps, the same failure):\n" + reduced.message(), e);
    }
  }

  // ---- running a sequence --------------------------------------------------------------------

  /**
   * How a run failed: {@code category} (which side, which aspect, which kind of step) decides
   * whether a reduced sequence still fails the same way.
   */
  record Divergence(String category, int index, String message, Sequence sequence) {}

  /** Runs {@code sequence} on the three backends; the first difference, or null. */
  private Divergence run(Sequence sequence) {
    Path where = dir.resolve("run-" + runs.incrementAndGet());
    ManualClock clock = new ManualClock(START);
    String durability = sequence.durable() ? "durable" : "relaxed";
    List<Side> sides = new ArrayList<>();
    int i = 0;
    try {
      sides.add(new Side("memory", clock, new MemoryBackend(), null));
      sides.add(new Side("sqlite", clock, null, () -> Backends.open("sqlite", BackendOptions.empty()
          .with("path", where.resolve("store.db").toString()).with("durability", durability))));
      sides.add(new Side("rocksdb", clock, null, () -> Backends.open("rocksdb", BackendOptions.empty()
          .with("path", where.resolve("rocksdb").toString()).with("durability", durability))));
      Side reference = sides.get(0);
      List<Step> steps = sequence.steps();
      for (; i < steps.size(); i++) {
        Step step = steps.get(i);
        if (step instanceof Skip) {
          continue;
        }
        Object clockOutcome = null;
        if (step instanceof Advance a) {
          clock.advanceNanos(a.nanos());
          clockOutcome = clock.nowNanos();
        } else if (step instanceof AdvanceToDeadline a) {
          // Only to deadlines within the hour: far-future ones would let later advances overflow.
          long now = clock.nowNanos();
          long next = reference.core.nextDeadline();
          if (next != Backend.NO_DEADLINE && next - now <= MAX_JUMP) {
            clock.set(Math.max(now, next + a.offset()));
          }
          clockOutcome = clock.nowNanos();
        }
        List<Observation> seen = new ArrayList<>();
        for (Side side : sides) {
          seen.add(clockOutcome != null ? side.observe(Outcome.ok(clockOutcome)) : side.run(step));
        }
        tally(step, seen.get(0));
        for (int s = 1; s < sides.size(); s++) {
          String aspect = seen.get(0).difference(seen.get(s));
          if (aspect != null) {
            String name = sides.get(s).name;
            return new Divergence(name + "/" + aspect + "/" + step.getClass().getSimpleName(), i, name
                + " differs from memory at step " + i + " (" + sequence.render(step) + "): " + aspect
                + "\n  memory:  " + seen.get(0).describe(aspect) + "\n  " + name + ": " + seen.get(s).describe(aspect)
                + "\n\nsequence up to the failing step (" + durability + "):\n" + sequence.render(i + 1), sequence);
          }
        }
      }
      return null;
    } catch (RuntimeException e) {
      java.io.StringWriter trace = new java.io.StringWriter();
      e.printStackTrace(new java.io.PrintWriter(trace));
      return new Divergence("harness/" + e.getClass().getName(), i, "the test itself failed at step " + i + ": "
          + trace + "\nsequence up to that step (" + durability + "):\n" + sequence.render(i + 1), sequence);
    } finally {
      for (Side side : sides) {
        side.close();
      }
      deleteTree(where);
    }
  }

  private void tally(Step step, Observation reference) {
    String kind = step instanceof Apply a ? a.mutation().getClass().getSimpleName() : step.getClass().getSimpleName();
    Outcome o = reference.outcome();
    String outcome = o.error() != null ? o.error().name() : o.crash() != null ? "crash"
        : reference.events().isEmpty() ? "ok" : "ok+event";
    coverage.merge(kind + ":" + outcome, 1, Integer::sum);
  }

  /**
   * Drops ever smaller chunks of steps from a failing sequence as long as it keeps failing in the
   * same category (delta debugging; QuickTheories' own shrinking rarely removes steps from the
   * middle of a long sequence). Bounded to {@value #REDUCTION_RUNS} runs.
   */
  private Divergence reduce(Divergence failure) {
    Sequence s = failure.sequence();
    List<Step> current = new ArrayList<>();
    for (Step step : s.steps().subList(0, failure.index() + 1)) {
      if (!(step instanceof Skip)) {
        current.add(step);
      }
    }
    Divergence best = failure;
    int budget = REDUCTION_RUNS;
    for (int chunk = Math.max(1, current.size() / 2); chunk >= 1 && budget > 0; ) {
      boolean removed = false;
      for (int start = 0; start < current.size() && budget > 0; ) {
        List<Step> candidate = new ArrayList<>(current.subList(0, start));
        candidate.addAll(current.subList(Math.min(current.size(), start + chunk), current.size()));
        if (candidate.isEmpty()) {
          start += chunk;
          continue;
        }
        budget--;
        Divergence d = run(new Sequence(s.keys(), s.values(), s.numbers(), s.strings(), s.durable(),
            List.copyOf(candidate)));
        if (d != null && d.category().equals(failure.category())) {
          current = new ArrayList<>(candidate.subList(0, d.index() + 1));
          best = d;
          removed = true;
        } else {
          start += chunk;
        }
      }
      if (chunk > 1 || !removed) {
        chunk /= 2; // at single steps, repeat while steps can still be dropped
      }
    }
    return best;
  }

  /** One backend under a store core, with the events and changes of the current step. */
  private static final class Side {
    final String name;
    final ManualClock clock;
    final Supplier<Backend> opener;
    final List<StoreEvent> events = new ArrayList<>();
    final List<StoreChange> changes = new ArrayList<>();
    Backend backend;
    StoreCore core;

    /** Over {@code fixed} (kept across reopens), or over what {@code opener} opens (reopened). */
    Side(String name, ManualClock clock, Backend fixed, Supplier<Backend> opener) {
      this.name = name;
      this.clock = clock;
      this.opener = opener;
      this.backend = fixed != null ? fixed : opener.get();
      newCore();
    }

    private void newCore() {
      core = new StoreCore(STORE, backend, clock, SELF);
      core.onEvent(events::add);
      core.onChange(changes::add);
    }

    void reopen() {
      if (opener != null) {
        core.commit();
        Backend b = backend;
        backend = null;
        b.close();
        backend = opener.get();
      }
      newCore();
    }

    Observation run(Step step) {
      return observe(outcome(step));
    }

    private Outcome outcome(Step step) {
      try {
        if (step instanceof Apply a) {
          return Outcome.ok(core.apply(a.mutation(), a.publisher()));
        } else if (step instanceof ApplyChange c) {
          core.applyChange(c.change());
          return Outcome.ok(null);
        } else if (step instanceof Get g) {
          return Outcome.ok(core.get(g.key()));
        } else if (step instanceof Exists e) {
          return Outcome.ok(core.exists(e.key()));
        } else if (step instanceof EntryOf e) {
          return Outcome.ok(core.entry(e.key()));
        } else if (step instanceof IndexOf x) {
          return Outcome.ok(core.getIndexFromValue(x.key(), x.index()));
        } else if (step instanceof AllKeys) {
          return Outcome.ok(core.keys());
        } else if (step instanceof KeysPage p) {
          return Outcome.ok(core.keys(p.after(), p.limit()));
        } else if (step instanceof Size) {
          return Outcome.ok(core.size());
        } else if (step instanceof Snapshot) {
          return Outcome.ok(snapshot());
        } else if (step instanceof ExpireDue) {
          return Outcome.ok(core.expireDue());
        } else if (step instanceof Commit) {
          boolean before = core.hasUncommittedWrites();
          core.commit();
          return Outcome.ok(List.of(before, core.hasUncommittedWrites()));
        } else if (step instanceof Reopen) {
          reopen();
          return Outcome.ok(null);
        }
        throw new AssertionError("unhandled step " + step);
      } catch (BrokerException e) {
        return Outcome.failed(e.code());
      } catch (RuntimeException e) {
        return Outcome.crashed(e);
      }
    }

    /** The step's outcome with everything observable after it; clears the step's events and changes. */
    Observation observe(Outcome outcome) {
      // The size first: a full scan may refresh a backend's cached count and hide a wrong one.
      Object size = sizeOrCrash();
      Observation o = new Observation(outcome, List.copyOf(events), List.copyOf(changes), snapshotOrCrash(),
          core.nextDeadline(), size, core.hasUncommittedWrites());
      events.clear();
      changes.clear();
      return o;
    }

    /**
     * Every entry, in canonical key order (lower-case hex orders as the unsigned bytes do). A
     * snapshot visits in the backend's own order (Backend.forEachEntry); key order is what paged
     * {@code keys} steps check.
     */
    private List<Stored> snapshot() {
      List<Stored> all = new ArrayList<>();
      core.snapshot((k, v, d) -> all.add(new Stored(HexFormat.of().formatHex(k.encoded()), k.data(), v, d)));
      all.sort(java.util.Comparator.comparing(Stored::keyHex));
      return all;
    }

    private Object snapshotOrCrash() {
      try {
        return snapshot();
      } catch (RuntimeException e) {
        return Outcome.crashed(e);
      }
    }

    private Object sizeOrCrash() {
      try {
        return core.size();
      } catch (RuntimeException e) {
        return Outcome.crashed(e);
      }
    }

    void close() {
      if (backend != null) {
        try {
          backend.close();
        } catch (RuntimeException e) {
          // closing after a failure: the failure is what gets reported
        }
        backend = null;
      }
    }
  }

  /** What a step returned: a value or an error code, or an exception that is not a BrokerException. */
  record Outcome(Object value, ErrorCode error, String crash) {
    static Outcome ok(Object value) {
      return new Outcome(value, null, null);
    }

    static Outcome failed(ErrorCode code) {
      return new Outcome(null, code, null);
    }

    static Outcome crashed(Throwable t) {
      return new Outcome(null, null, t.toString());
    }

    @Override
    public String toString() {
      if (crash != null) {
        return "crashed: " + crash;
      }
      return error != null ? "error " + error : "ok " + value;
    }
  }

  /** One entry of a snapshot, with its canonical key bytes. */
  record Stored(String keyHex, Data key, Data value, long deadline) {
    @Override
    public String toString() {
      return describe(key) + " = " + describe(value) + (deadline == Backend.NO_DEADLINE ? ""
          : " until start+" + (deadline - START) + "ns");
    }
  }

  /** Everything a step shows on one side. */
  record Observation(Outcome outcome, List<StoreEvent> events, List<StoreChange> changes, Object state,
      long nextDeadline, Object size, boolean uncommitted) {

    /** The first aspect in which {@code other} differs, or null. */
    String difference(Observation other) {
      if (!outcome.equals(other.outcome)) {
        return "result";
      }
      if (!events.equals(other.events)) {
        return "events";
      }
      if (!changes.equals(other.changes)) {
        return "changes";
      }
      if (!state.equals(other.state)) {
        return "state (keys, values, deadlines)";
      }
      if (nextDeadline != other.nextDeadline) {
        return "next deadline";
      }
      if (!size.equals(other.size)) {
        return "size";
      }
      if (uncommitted != other.uncommitted) {
        return "uncommitted writes";
      }
      return null;
    }

    String describe(String aspect) {
      return switch (aspect) {
        case "result" -> outcome.toString();
        case "events" -> events.toString();
        case "changes" -> changes.toString();
        case "state (keys, values, deadlines)" -> state.toString();
        case "next deadline" -> Long.toString(nextDeadline);
        case "size" -> size.toString();
        default -> Boolean.toString(uncommitted);
      };
    }
  }

  // ---- steps -------------------------------------------------------------------------------

  /** One step of a sequence. */
  sealed interface Step permits Skip, Apply, ApplyChange, Get, Exists, EntryOf, IndexOf, AllKeys, KeysPage, Size,
      Snapshot, Advance, AdvanceToDeadline, ExpireDue, Commit, Reopen {}

  /** A step that shrinking switched off: neither run nor printed. */
  record Skip() implements Step {}

  record Apply(Mutation mutation, EntityId publisher) implements Step {}

  record ApplyChange(StoreChange change) implements Step {}

  record Get(Data key) implements Step {}

  record Exists(Data key) implements Step {}

  record EntryOf(Data key) implements Step {}

  record IndexOf(Data key, Data index) implements Step {}

  record AllKeys() implements Step {}

  record KeysPage(Data after, int limit) implements Step {}

  record Size() implements Step {}

  record Snapshot() implements Step {}

  record Advance(long nanos) implements Step {}

  /** Moves the clock to the earliest deadline plus {@code offset} nanoseconds (never backwards). */
  record AdvanceToDeadline(long offset) implements Step {}

  record ExpireDue() implements Step {}

  record Commit() implements Step {}

  record Reopen() implements Step {}

  // ---- generation ----------------------------------------------------------------------------

  /**
   * A generated sequence: its pools and steps. {@code steps} holds {@code length} steps, with a
   * {@link Reopen} in the middle.
   */
  record Sequence(List<Data> keys, List<Data> values, List<Data> numbers, List<Data> strings, boolean durable,
      List<Step> steps) {

    /** The first {@code n} steps (no-op steps left out), one per line, after the pooled values they use. */
    String render(int n) {
      Renderer renderer = renderer();
      StringBuilder lines = new StringBuilder();
      for (int i = 0; i < Math.min(n, steps.size()); i++) {
        if (!(steps.get(i) instanceof Skip)) {
          lines.append(String.format("  %3d: %s%n", i, renderer.step(steps.get(i))));
        }
      }
      StringBuilder sb = new StringBuilder();
      for (Map.Entry<Data, String> used : renderer.used().entrySet()) {
        sb.append("  ").append(used.getValue()).append(" = ").append(describe(used.getKey())).append(" [")
            .append(HexFormat.of().formatHex(io.jbroker.data.BinaryCodec.encode(used.getKey()))).append("]\n");
      }
      return sb.append(lines).toString();
    }

    String render(Step step) {
      return renderer().step(step);
    }

    private Renderer renderer() {
      Map<Data, String> names = new IdentityHashMap<>();
      name(names, "k", keys);
      name(names, "v", values);
      name(names, "n", numbers);
      name(names, "s", strings);
      return new Renderer(names, new java.util.LinkedHashMap<>());
    }

    private static void name(Map<Data, String> names, String prefix, List<Data> pool) {
      for (int i = 0; i < pool.size(); i++) {
        names.putIfAbsent(pool.get(i), prefix + i);
      }
    }

    /** Short: the steps of a failing sequence are in its failure message. */
    @Override
    public String toString() {
      return "a sequence of " + steps.stream().filter(s -> !(s instanceof Skip)).count() + " steps ("
          + (durable ? "durable" : "relaxed") + "; the steps up to the failure follow under \"Cause\")";
    }
  }

  /** Sequences; see the class comment. Every step draws the same number of values (see {@link #step}). */
  static Gen<Sequence> sequences() {
    Gen<Data> keyGen = DataGenerators.anyData(2);
    Gen<Data> valueGen = DataGenerators.anyData(3);
    Gen<Data> numberGen = org.quicktheories.generators.Generate.oneOf(DataGenerators.counts(),
        DataGenerators.integers(), DataGenerators.reals(), DataGenerators.timespans(), DataGenerators.timestamps());
    Gen<Data> stringGen = DataGenerators.strings();
    Gen<Sequence> gen = in -> {
      // Fixed-shape draws first (the length, then MAX_STEPS steps of six draws each), the pools
      // last: shrinking one draw then never shifts the meaning of the draws after it.
      int length = (int) in.next(Constraint.between(1, MAX_STEPS).withShrinkPoint(1));
      // One sequence in eight runs durable: its commits and reopens wait for fsyncs.
      boolean durable = in.next(Constraint.between(0, 7).withShrinkPoint(0)) == 7;
      long[][] draws = new long[MAX_STEPS][];
      for (int i = 0; i < MAX_STEPS; i++) {
        draws[i] = new long[] {
            in.next(Constraint.between(0, 99).withShrinkPoint(0)), // kind; 0 = skip
            in.next(Constraint.between(0, KEY_POOL - 1).withShrinkPoint(0)), // key
            in.next(Constraint.between(0, 63).withShrinkPoint(0)), // operand
            in.next(Constraint.between(0, 63).withShrinkPoint(0)), // second operand
            in.next(Constraint.between(0, 31).withShrinkPoint(0)), // expiry; 0 = none
            in.next(Constraint.between(0, 3).withShrinkPoint(0)), // publisher
        };
      }
      List<Data> keys = pool(in, keyGen, KEY_POOL);
      List<Data> values = pool(in, valueGen, VALUE_POOL);
      List<Data> numbers = pool(in, numberGen, NUMBER_POOL);
      List<Data> strings = pool(in, stringGen, STRING_POOL);
      Pools pools = new Pools(keys, values, numbers, strings);
      List<Step> steps = new ArrayList<>(length);
      for (int i = 0; i < length; i++) {
        steps.add(i == length / 2 && length > 1 ? new Reopen() : step(draws[i], pools));
      }
      return new Sequence(keys, values, numbers, strings, durable, List.copyOf(steps));
    };
    return gen.describedAs(Sequence::toString);
  }

  private static List<Data> pool(RandomnessSource in, Gen<Data> gen, int n) {
    List<Data> pool = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      pool.add(gen.generate(in));
    }
    return pool;
  }

  record Pools(List<Data> keys, List<Data> values, List<Data> numbers, List<Data> strings) {
    /** A value to store: mostly from the random pool, else one of a few shapes the operations work on. */
    Data value(long a) {
      return a < 36 ? values.get((int) (a % values.size())) : SHAPES.get((int) (a % SHAPES.size()));
    }

    /** An amount: small numbers, the pool of numbers with their edges (overflow), or any value (type clash). */
    Data amount(long a) {
      if (a < 32) {
        return SMALL_NUMBERS.get((int) (a % SMALL_NUMBERS.size()));
      }
      return a < 56 ? numbers.get((int) (a % numbers.size())) : values.get((int) (a % values.size()));
    }

    Data string(long a) {
      if (a < 40) {
        return STRINGS.get((int) (a % STRINGS.size()));
      }
      return a < 56 ? strings.get((int) (a % strings.size())) : values.get((int) (a % values.size()));
    }

    Data index(long b) {
      return b < 48 ? INDICES.get((int) (b % INDICES.size())) : value(b);
    }

    Data element(long a) {
      return a < 24 ? SMALL_NUMBERS.get((int) (a % SMALL_NUMBERS.size())) : value(a);
    }
  }

  private static Duration expiry(long e) {
    if (e < 18) {
      return null;
    }
    if (e < 26) {
      return POSITIVE_EXPIRIES.get((int) (e - 18));
    }
    return switch ((int) e) {
      case 26 -> Duration.ZERO;
      case 27 -> Duration.ofSeconds(-1);
      case 28 -> Duration.ofSeconds(Long.MAX_VALUE); // does not fit in nanoseconds
      case 29 -> Duration.ofNanos(Long.MAX_VALUE); // deadline overflows
      case 30 -> Duration.ofNanos(Long.MAX_VALUE - START - 1); // the last valid deadline at the start
      default -> Duration.ofNanos(Backend.NO_DEADLINE - START); // deadline would be NO_DEADLINE
    };
  }

  private static EntityId publisher(long p) {
    return switch ((int) p) {
      case 0, 1 -> ALICE;
      case 2 -> BOB;
      default -> null;
    };
  }

  /** The step of one fixed-shape draw {@code [kind, key, a, b, expiry, publisher]}. */
  static Step step(long[] d, Pools pools) {
    int kind = (int) d[0];
    Data k = pools.keys().get((int) d[1]);
    long a = d[2];
    long b = d[3];
    Duration x = expiry(d[4]);
    EntityId p = publisher(d[5]);
    if (kind == 0) {
      return new Skip();
    } else if (kind <= 6) {
      return new Get(k);
    } else if (kind <= 9) {
      return new Exists(k);
    } else if (kind <= 11) {
      return new EntryOf(k);
    } else if (kind <= 14) {
      return new IndexOf(k, pools.index(b));
    } else if (kind <= 16) {
      return new AllKeys();
    } else if (kind <= 19) {
      return new KeysPage(a % 3 == 0 ? null : pools.keys().get((int) (a % pools.keys().size())), (int) (b % 4));
    } else if (kind == 20) {
      return new Size();
    } else if (kind == 21) {
      return new Snapshot();
    } else if (kind <= 35) {
      return new Apply(new Mutation.Put(k, pools.value(a), x), p);
    } else if (kind <= 39) {
      return new Apply(new Mutation.PutUnique(k, pools.value(a), x), p);
    } else if (kind <= 43) {
      return new Apply(new Mutation.Erase(k), p);
    } else if (kind == 44) {
      return new Apply(new Mutation.Clear(), p);
    } else if (kind <= 51) {
      return new Apply(new Mutation.Increment(k, pools.amount(a), x), p);
    } else if (kind <= 55) {
      return new Apply(new Mutation.Decrement(k, pools.amount(a), x), p);
    } else if (kind <= 59) {
      return new Apply(new Mutation.Append(k, pools.string(a), x), p);
    } else if (kind <= 64) {
      return new Apply(new Mutation.InsertInto(k, pools.element(a), x), p);
    } else if (kind <= 69) {
      return new Apply(new Mutation.InsertAt(k, pools.index(b), pools.element(a), x), p);
    } else if (kind <= 73) {
      return new Apply(new Mutation.RemoveFrom(k, b % 2 == 0 ? pools.index(b) : pools.element(a), x), p);
    } else if (kind <= 78) {
      return new Apply(new Mutation.Push(k, pools.element(a), x), p);
    } else if (kind <= 81) {
      return new Apply(new Mutation.Pop(k, x), p);
    } else if (kind <= 84) {
      return new ApplyChange(change(Key.of(k), pools.value(a), b, x, p));
    } else if (kind <= 90) {
      return new Advance(ADVANCES.get((int) (a % ADVANCES.size())));
    } else if (kind <= 92) {
      return new AdvanceToDeadline(b % 3 - 1);
    } else if (kind <= 96) {
      return new ExpireDue();
    } else if (kind <= 98) {
      return new Commit();
    }
    return new Reopen();
  }

  /** A replica change as a master would send it; deadlines around the start, some already past later. */
  private static StoreChange change(Key key, Data value, long b, Duration eventExpiry, EntityId p) {
    return switch ((int) (b % 8)) {
      case 0, 1, 2 -> new StoreChange.Upsert(key, value, Backend.NO_DEADLINE, eventExpiry, p);
      case 3, 4 -> new StoreChange.Upsert(key, value, START + ADVANCES.get((int) (b % ADVANCES.size())), eventExpiry, p);
      case 5 -> new StoreChange.Erase(key, p);
      case 6 -> new StoreChange.Expire(key, p);
      default -> new StoreChange.Clear(p);
    };
  }

  // ---- rendering ---------------------------------------------------------------------------

  /** Steps as short text; pooled values by their pool name (k0, v3 …), others in full. */
  private record Renderer(Map<Data, String> names, Map<Data, String> used) {
    String data(Data d) {
      if (d == null) {
        return "null";
      }
      String n = names.get(d);
      if (n == null) {
        return describe(d);
      }
      used.put(d, n);
      return n;
    }

    String step(Step s) {
      if (s instanceof Apply a) {
        return mutation(a.mutation()) + " by " + publisher(a.publisher());
      } else if (s instanceof ApplyChange c) {
        return "applyChange " + change(c.change());
      } else if (s instanceof Get g) {
        return "get(" + data(g.key()) + ")";
      } else if (s instanceof Exists e) {
        return "exists(" + data(e.key()) + ")";
      } else if (s instanceof EntryOf e) {
        return "entry(" + data(e.key()) + ")";
      } else if (s instanceof IndexOf x) {
        return "getIndexFromValue(" + data(x.key()) + ", " + data(x.index()) + ")";
      } else if (s instanceof KeysPage p) {
        return "keys(after " + data(p.after()) + ", limit " + p.limit() + ")";
      } else if (s instanceof Advance a) {
        return "clock += " + a.nanos() + " ns";
      } else if (s instanceof AdvanceToDeadline a) {
        return "clock = next deadline " + (a.offset() < 0 ? "- 1 ns" : a.offset() > 0 ? "+ 1 ns" : "");
      }
      String name = s.getClass().getSimpleName();
      return Character.toLowerCase(name.charAt(0)) + name.substring(1) + "()";
    }

    String mutation(Mutation m) {
      String expiry = m.expiry() == null ? "" : ", expiry " + m.expiry();
      if (m instanceof Mutation.Put p) {
        return "put(" + data(p.key()) + ", " + data(p.value()) + expiry + ")";
      } else if (m instanceof Mutation.PutUnique p) {
        return "putUnique(" + data(p.key()) + ", " + data(p.value()) + expiry + ")";
      } else if (m instanceof Mutation.Erase e) {
        return "erase(" + data(e.key()) + ")";
      } else if (m instanceof Mutation.Clear) {
        return "clear()";
      } else if (m instanceof Mutation.Increment i) {
        return "increment(" + data(i.key()) + ", " + data(i.amount()) + expiry + ")";
      } else if (m instanceof Mutation.Decrement d) {
        return "decrement(" + data(d.key()) + ", " + data(d.amount()) + expiry + ")";
      } else if (m instanceof Mutation.Append a) {
        return "append(" + data(a.key()) + ", " + data(a.value()) + expiry + ")";
      } else if (m instanceof Mutation.InsertInto i) {
        return "insertInto(" + data(i.key()) + ", " + data(i.element()) + expiry + ")";
      } else if (m instanceof Mutation.InsertAt i) {
        return "insertInto(" + data(i.key()) + ", " + data(i.index()) + ", " + data(i.value()) + expiry + ")";
      } else if (m instanceof Mutation.RemoveFrom r) {
        return "removeFrom(" + data(r.key()) + ", " + data(r.index()) + expiry + ")";
      } else if (m instanceof Mutation.Push p) {
        return "push(" + data(p.key()) + ", " + data(p.value()) + expiry + ")";
      } else if (m instanceof Mutation.Pop p) {
        return "pop(" + data(p.key()) + expiry + ")";
      }
      return m.toString();
    }

    String change(StoreChange c) {
      if (c instanceof StoreChange.Upsert u) {
        return "upsert(" + data(u.key().data()) + ", " + data(u.value()) + ", deadline "
            + (u.deadline() == Backend.NO_DEADLINE ? "none" : "start+" + (u.deadline() - START) + "ns")
            + ", event expiry " + u.eventExpiry() + ") by " + publisher(u.publisher());
      } else if (c instanceof StoreChange.Erase e) {
        return "erase(" + data(e.key().data()) + ") by " + publisher(e.publisher());
      } else if (c instanceof StoreChange.Expire e) {
        return "expire(" + data(e.key().data()) + ") by " + publisher(e.publisher());
      }
      return "clear() by " + publisher(c.publisher());
    }

    static String publisher(EntityId p) {
      return p == null ? "unknown" : p.equals(ALICE) ? "alice" : p.equals(BOB) ? "bob" : p.toString();
    }
  }

  /** Kind and text of a value, control and non-ASCII characters escaped; long values are cut. */
  static String describe(Data d) {
    if (d == null) {
      return "null";
    }
    StringBuilder text = new StringBuilder();
    d.toString().codePoints().limit(200).forEach(c -> {
      if (c >= 0x20 && c < 0x7f) {
        text.appendCodePoint(c);
      } else {
        text.append(String.format(c <= 0xff ? "\\x%02x" : "\\u{%x}", c));
      }
    });
    return d.kind() + " " + text + (d.toString().length() > 200 ? "…" : "");
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
