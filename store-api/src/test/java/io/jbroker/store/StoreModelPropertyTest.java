package io.jbroker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jbroker.data.BooleanData;
import io.jbroker.data.CountData;
import io.jbroker.data.Data;
import io.jbroker.data.DataKind;
import io.jbroker.data.EnumData;
import io.jbroker.data.IntegerData;
import io.jbroker.data.NoneData;
import io.jbroker.data.PortData;
import io.jbroker.data.RealData;
import io.jbroker.data.SetData;
import io.jbroker.data.StringData;
import io.jbroker.data.TableData;
import io.jbroker.data.TimespanData;
import io.jbroker.data.TimestampData;
import io.jbroker.data.VectorData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.memory.MemoryBackend;
import io.jbroker.testing.TestScale;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Model-based property test of {@link StoreCore} over the memory backend.
 *
 * <p>A small reference model ({@link Model}: a hash map from key to value and deadline, with the
 * rules of SEMANTICS.md written out plainly and independently of {@link Operations}) runs next
 * to a real core. Random operation sequences (seeded {@link Random}; {@value #SEQUENCES}
 * sequences of {@value #STEPS} steps, times {@link TestScale#factor()} under {@code -Pstress})
 * cover every mutation, every read ({@code get}, {@code exists}, {@code getIndexFromValue},
 * {@code keys}, key pages and full page walks), values of all 15 kinds including nested
 * containers, near-overflow numbers, valid, invalid, absent and too large expiries, clock
 * advances (also exactly onto deadlines), {@code expireDue()} and reopening the core over the
 * same backend. After every step the test compares the result or error code, the exact events in
 * order, the full state (every key's value and deadline) and the next deadline; a replica core
 * fed with the core's {@link StoreChange}s must hold the same state and emit the same events.
 * {@link Coverage} fails the run if the generator stops reaching a rule's outcomes.
 *
 * <p>On a disagreement the failure message names the seed and step, the history and a shrunk
 * history (a smaller step sequence that still disagrees the same way) written as Java
 * statements. Replay a seed with {@code -Djbroker.model.seed=<seed>} (test {@link
 * #replaysSeedFromSystemProperty()}) or by calling {@link #replay(long)}.
 *
 * <p>Where SEMANTICS.md is silent the model follows the decisions documented in the class
 * comments of {@link Operations} and {@link StoreCore}, and these choices of the core:
 *
 * <ul>
 *   <li>An expiry is valid if it is positive and its deadline ({@code now + expiry}) lies before
 *       {@link Backend#NO_DEADLINE}; otherwise {@code INVALID_DATA}.
 *   <li>{@code put}/{@code putUnique} refuse an invalid expiry first (also a putUnique on a
 *       present key); the modifying operations report their rule's error ({@code NO_SUCH_KEY},
 *       {@code TYPE_CLASH}, overflow) first and refuse an invalid expiry after that, even when
 *       the operation would have been a no-op.
 *   <li>A modifying operation is a no-op (no write, no event) when neither the value (by
 *       equality) nor the deadline changes; a removal of something absent is a no-op whatever the
 *       expiry.
 *   <li>Reals follow IEEE arithmetic: no overflow error (the sum may be infinite), and {@code
 *       increment} of a missing key computes {@code 0.0 + amount}.
 *   <li>{@code clear} emits its erase events and {@code expireDue} its expire events in
 *       canonical key order ({@link Key}), expire events by deadline first; entries past their
 *       deadline stay readable until {@code expireDue()} runs.
 * </ul>
 */
class StoreModelPropertyTest {
  private static final int SEQUENCES = 300;
  private static final int STEPS = 200;
  private static final long MASTER_SEED = 0x6A62726F6B6572L; // "jbroker"
  private static final String STORE = "model";
  private static final long START = 1_700_000_000_000_000_000L;
  private static final EntityId SELF = new EntityId(new UUID(0x5E1FL, 0x5E1FL), 1);
  private static final EntityId ALICE = new EntityId(new UUID(0xA11CEL, 1), 7);
  private static final EntityId BOB = new EntityId(new UUID(0xB0BL, 2), 42);

  /** The key space: small, so that operations collide; keys of several kinds. */
  private static final List<Data> KEYS = List.of(
      Data.of("a"),
      Data.of("b"),
      Data.of("hits"),
      Data.count(1),
      Data.of(1L),
      Data.enumValue("a"),
      Data.none(),
      Data.vector(Data.of("a"), Data.count(2)));

  // ---- the property ------------------------------------------------------------------------

  @Test
  void storeCoreAgreesWithReferenceModel() {
    int sequences = TestScale.scaled(SEQUENCES);
    Random seeds = new Random(MASTER_SEED);
    Coverage coverage = new Coverage();
    for (int i = 0; i < sequences; i++) {
      runSequence(seeds.nextLong(), STEPS, coverage);
    }
    coverage.assertComplete();
  }

  @Test
  void replaysSeedFromSystemProperty() {
    String seed = System.getProperty("jbroker.model.seed");
    Assumptions.assumeTrue(seed != null, "set -Djbroker.model.seed=<seed> to replay a sequence");
    replay(Long.parseLong(seed.trim()));
  }

  /** Replays the sequence of {@code seed} (as printed by a failure) and fails the same way. */
  static void replay(long seed) {
    runSequence(seed, STEPS, new Coverage());
  }

  private static void runSequence(long seed, int steps, Coverage coverage) {
    Random random = new Random(seed);
    Run run = new Run();
    Generator generator = new Generator(random);
    List<Step> history = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      Step step = generator.next(run.model);
      history.add(step);
      Failure failure = run.step(step, i, coverage);
      if (failure != null) {
        List<Step> shrunk = shrink(history, failure);
        Failure again = replaySteps(shrunk);
        fail("StoreCore disagrees with the model: seed " + seed + " (replay with -Djbroker.model.seed="
            + seed + "), step " + i + ": " + failure.what()
            + "\n\nhistory (" + history.size() + " steps):\n" + render(history)
            + "\nshrunk to " + shrunk.size() + " steps, failing at step " + again.index() + ": "
            + again.what() + "\n" + render(shrunk));
      }
    }
  }

  // ---- regression and edge tests -----------------------------------------------------------

  @Test
  void boundaryDeadlineExpiresExactlyAtNow() {
    assertAgrees(List.of(
        new Apply(new Mutation.Put(Data.of("a"), Data.count(1), Duration.ofNanos(1)), ALICE),
        new ExpireDue(),
        new Advance(1),
        new ExpireDue(),
        new Get(Data.of("a"))));
  }

  @Test
  void modifyingOperationWithExpiryOnUnchangedValueMovesTheDeadline() {
    assertAgrees(List.of(
        new Apply(new Mutation.Put(Data.of("s"), Data.set(Data.count(1)), Duration.ofSeconds(5)), ALICE),
        new Apply(new Mutation.InsertInto(Data.of("s"), Data.count(1), null), ALICE),
        new Apply(new Mutation.InsertInto(Data.of("s"), Data.count(1), Duration.ofSeconds(60)), BOB),
        new Advance(Duration.ofSeconds(10).toNanos()),
        new ExpireDue(),
        new Get(Data.of("s"))));
  }

  @Test
  void absentRemovalIsAFullNoOpEvenWithAnExpiry() {
    assertAgrees(List.of(
        new Apply(new Mutation.Put(Data.of("v"), Data.vector(), Duration.ofSeconds(5)), ALICE),
        new Apply(new Mutation.Pop(Data.of("v"), Duration.ofSeconds(60)), ALICE),
        new Apply(new Mutation.RemoveFrom(Data.of("v"), Data.count(0), Duration.ofSeconds(60)), ALICE),
        new Advance(Duration.ofSeconds(5).toNanos()),
        new ExpireDue()));
  }

  @Test
  void numericEdgesFailWithInvalidDataAndKeepTheValue() {
    assertAgrees(List.of(
        new Apply(new Mutation.Put(Data.of("c"), Data.count(-1L), null), ALICE),
        new Apply(new Mutation.Increment(Data.of("c"), Data.count(1), null), ALICE),
        new Apply(new Mutation.Put(Data.of("z"), Data.count(0), null), ALICE),
        new Apply(new Mutation.Decrement(Data.of("z"), Data.count(1), null), ALICE),
        new Apply(new Mutation.Put(Data.of("i"), Data.of(Long.MIN_VALUE), null), ALICE),
        new Apply(new Mutation.Decrement(Data.of("i"), Data.of(1L), null), ALICE),
        new Apply(new Mutation.Put(Data.of("t"), Data.timestampNanos(Long.MAX_VALUE), null), ALICE),
        new Apply(new Mutation.Increment(Data.of("t"), Data.timespanNanos(1), null), ALICE),
        new Apply(new Mutation.Increment(Data.of("t"), Data.timespanNanos(-1), null), ALICE)));
  }

  @Test
  void vectorIndicesMustBeCounts() {
    assertAgrees(List.of(
        new Apply(new Mutation.Push(Data.of("v"), Data.of("x"), null), ALICE),
        new Apply(new Mutation.InsertAt(Data.of("v"), Data.of(0L), Data.of("y"), null), ALICE),
        new Apply(new Mutation.InsertAt(Data.of("v"), Data.count(2), Data.of("y"), null), ALICE),
        new Apply(new Mutation.InsertAt(Data.of("v"), Data.count(1), Data.of("y"), null), ALICE),
        new Apply(new Mutation.RemoveFrom(Data.of("v"), Data.of(0L), null), ALICE),
        new Apply(new Mutation.RemoveFrom(Data.of("v"), Data.count(-1L), null), ALICE),
        new IndexOf(Data.of("v"), Data.of(-1L)),
        new IndexOf(Data.of("v"), Data.of(1L)),
        new IndexOf(Data.of("v"), Data.count(2))));
  }

  @Test
  void keyPagesEndWithoutACursor() {
    assertAgrees(List.of(
        new Apply(new Mutation.Put(Data.of("a"), Data.none(), null), ALICE),
        new Apply(new Mutation.Put(Data.of("b"), Data.none(), null), ALICE),
        new KeysPage(null, 2),
        new KeysPage(null, 1),
        new KeysPage(Data.of("a"), 1),
        new KeysPage(null, 0),
        new KeysWalk(1)));
  }

  /**
   * Regression: arithmetic whose result equals the stored value (x + 0, x - 0, NaN + x) used to
   * emit an update event because StoreCore compared old and new value by identity; it is a
   * no-op (no event, deadline kept), like a set insert of a present element.
   */
  @Test
  void arithmeticThatLeavesTheValueUnchangedIsANoOp() {
    Data k = Data.of("k");
    Data[][] cases = {
        {Data.count(5), Data.count(0)},
        {Data.of(5L), Data.of(0L)},
        {Data.of(5.0), Data.of(0.0)},
        {Data.of(Double.NaN), Data.of(1.0)},
        {Data.timespanNanos(5), Data.timespanNanos(0)},
        {Data.timestampNanos(5), Data.timespanNanos(0)},
    };
    for (Data[] c : cases) {
      for (boolean increment : new boolean[] {true, false}) {
        Mutation m = increment ? new Mutation.Increment(k, c[1], null) : new Mutation.Decrement(k, c[1], null);
        Run run = new Run();
        run.core.apply(new Mutation.Put(k, c[0], Duration.ofSeconds(5)), ALICE);
        run.coreEvents.clear();
        assertEquals(Data.none(), run.core.apply(m, BOB), java(m));
        assertEquals(List.of(), run.coreEvents, java(m));
        assertEquals(new Backend.Entry(c[0], START + Duration.ofSeconds(5).toNanos()), run.core.entry(k), java(m));
        assertAgrees(List.of(new Apply(new Mutation.Put(k, c[0], Duration.ofSeconds(5)), ALICE), new Apply(m, BOB)));
      }
    }
  }

  /** The same expiry at the same instant on an unchanged value changes nothing: no event. */
  @Test
  void unchangedValueAndUnchangedDeadlineIsANoOp() {
    Data k = Data.of("k");
    Run run = new Run();
    run.core.apply(new Mutation.InsertInto(k, Data.count(1), Duration.ofSeconds(5)), ALICE);
    run.coreEvents.clear();
    run.core.apply(new Mutation.InsertInto(k, Data.count(1), Duration.ofSeconds(5)), ALICE);
    assertEquals(List.of(), run.coreEvents);
    assertAgrees(List.of(
        new Apply(new Mutation.InsertInto(k, Data.count(1), Duration.ofSeconds(5)), ALICE),
        new Apply(new Mutation.InsertInto(k, Data.count(1), Duration.ofSeconds(5)), ALICE),
        new Advance(1),
        new Apply(new Mutation.InsertInto(k, Data.count(1), Duration.ofSeconds(5)), ALICE)));
  }

  /**
   * SEMANTICS.md does not rank an invalid expiry against a rule's error. StoreCore refuses an
   * invalid expiry of put/putUnique first, but reports a modifying operation's rule error
   * (missing key, kind clash, overflow) before its expiry; a no-op with an invalid expiry fails.
   */
  @Test
  void ruleErrorsOfModifyingOperationsTakePrecedenceOverAnInvalidExpiry() {
    Data k = Data.of("k");
    Run run = new Run();
    assertEquals(ErrorCode.NO_SUCH_KEY, codeOf(run, new Mutation.Decrement(k, Data.count(1), Duration.ZERO)));
    assertEquals(ErrorCode.TYPE_CLASH, codeOf(run, new Mutation.Increment(k, Data.of("x"), Duration.ZERO)));
    run.core.apply(new Mutation.Put(k, Data.vector(), null), ALICE);
    assertEquals(ErrorCode.INVALID_DATA, codeOf(run, new Mutation.PutUnique(k, Data.none(), Duration.ZERO)));
    assertEquals(ErrorCode.TYPE_CLASH, codeOf(run, new Mutation.Append(k, Data.of("x"), Duration.ofMillis(-1))));
    assertEquals(ErrorCode.INVALID_DATA, codeOf(run, new Mutation.Pop(k, Duration.ZERO)));
    assertEquals(new Backend.Entry(Data.vector(), Backend.NO_DEADLINE), run.core.entry(k));
    assertAgrees(List.of(
        new Apply(new Mutation.Decrement(k, Data.count(1), Duration.ZERO), ALICE),
        new Apply(new Mutation.Increment(k, Data.of("x"), Duration.ZERO), ALICE),
        new Apply(new Mutation.Put(k, Data.vector(), null), ALICE),
        new Apply(new Mutation.PutUnique(k, Data.none(), Duration.ZERO), ALICE),
        new Apply(new Mutation.Append(k, Data.of("x"), Duration.ofMillis(-1)), ALICE),
        new Apply(new Mutation.Pop(k, Duration.ZERO), ALICE),
        new Apply(new Mutation.RemoveFrom(k, Data.count(0), Duration.ZERO), ALICE)));
  }

  /** A deadline must stay below NO_DEADLINE, or the entry would silently never expire. */
  @Test
  void expiryWhoseDeadlineReachesNoDeadlineIsInvalid() {
    Data k = Data.of("k");
    Run run = new Run();
    long room = Backend.NO_DEADLINE - START;
    assertEquals(ErrorCode.INVALID_DATA, codeOf(run, new Mutation.Put(k, Data.count(1), Duration.ofNanos(room))));
    assertEquals(ErrorCode.INVALID_DATA, codeOf(run, new Mutation.Push(k, Data.count(1), Duration.ofSeconds(Long.MAX_VALUE))));
    run.core.apply(new Mutation.Put(k, Data.count(1), Duration.ofNanos(room - 1)), ALICE);
    assertEquals(new Backend.Entry(Data.count(1), Backend.NO_DEADLINE - 1), run.core.entry(k));
    assertAgrees(List.of(
        new Apply(new Mutation.Put(k, Data.count(1), Duration.ofNanos(room)), ALICE),
        new Apply(new Mutation.Push(k, Data.count(1), Duration.ofSeconds(Long.MAX_VALUE)), ALICE),
        new Apply(new Mutation.Put(k, Data.count(1), Duration.ofNanos(room - 1)), ALICE),
        new Apply(new Mutation.Increment(k, Data.count(1), Duration.ofNanos(Long.MAX_VALUE)), ALICE)));
  }

  /** Reals follow IEEE: no overflow error (MAX + MAX = +inf) and 0.0 + -0.0 creates 0.0. */
  @Test
  void realArithmeticIsIeee() {
    assertAgrees(List.of(
        new Apply(new Mutation.Increment(Data.of("r"), Data.of(-0.0), null), ALICE),
        new Get(Data.of("r")),
        new Apply(new Mutation.Put(Data.of("m"), Data.of(Double.MAX_VALUE), null), ALICE),
        new Apply(new Mutation.Increment(Data.of("m"), Data.of(Double.MAX_VALUE), null), ALICE),
        new Get(Data.of("m"))));
  }

  private static ErrorCode codeOf(Run run, Mutation m) {
    try {
      run.core.apply(m, ALICE);
      return null;
    } catch (BrokerException e) {
      return e.code();
    }
  }

  private static void assertAgrees(List<Step> steps) {
    Failure failure = replaySteps(steps);
    if (failure != null) {
      fail("step " + failure.index() + ": " + failure.what() + "\n" + render(steps));
    }
  }

  // ---- steps -------------------------------------------------------------------------------

  /** One step of a sequence: a mutation, a read, a clock advance or an expiry tick. */
  sealed interface Step
      permits Apply, Get, Exists, IndexOf, AllKeys, KeysPage, KeysWalk, Advance, ExpireDue, Reopen {}

  record Apply(Mutation mutation, EntityId publisher) implements Step {}

  record Get(Data key) implements Step {}

  record Exists(Data key) implements Step {}

  record IndexOf(Data key, Data index) implements Step {}

  record AllKeys() implements Step {}

  record KeysPage(Data after, int limit) implements Step {}

  /** Pages through all keys with pages of {@code limit}, collecting them. */
  record KeysWalk(int limit) implements Step {}

  record Advance(long nanos) implements Step {}

  record ExpireDue() implements Step {}

  /** A new core over the same backend (rebuilds the expiry index from the stored deadlines). */
  record Reopen() implements Step {}

  /** What a step produced: a value or an error code, or an exception that is not a BrokerException. */
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
        return "crash " + crash;
      }
      return error != null ? "error " + error : "ok " + describeResult(value);
    }
  }

  record Failure(int index, String category, String what) {}

  // ---- running a step on both sides --------------------------------------------------------

  /**
   * A real core and the model, side by side, and a replica core that applies the core's changes
   * ({@link StoreCore#applyChange}, as a clone does): it must hold the same state, deadlines
   * included, and emit the same events.
   */
  static final class Run {
    final ManualClock clock = new ManualClock(START);
    final MemoryBackend backend = new MemoryBackend();
    final List<StoreEvent> coreEvents = new ArrayList<>();
    final StoreCore replica = new StoreCore(STORE, new MemoryBackend(), clock, SELF);
    final List<StoreEvent> replicaEvents = new ArrayList<>();
    final Model model = new Model(START);
    StoreCore core;

    Run() {
      replica.onEvent(replicaEvents::add);
      open();
    }

    private void open() {
      core = new StoreCore(STORE, backend, clock, SELF);
      core.onEvent(coreEvents::add);
      core.onChange(replica::applyChange);
    }

    /** Runs {@code step} on both sides and compares; returns the first difference or null. */
    Failure step(Step step, int index, Coverage coverage) {
      coreEvents.clear();
      replicaEvents.clear();
      model.events.clear();
      String name = stepName(step);
      Outcome expected;
      try {
        expected = model.run(step);
      } catch (RuntimeException e) {
        return new Failure(index, name + "/model", "the model itself failed on " + name + ": " + e);
      }
      Outcome actual = onCore(step);
      if (!expected.equals(actual)) {
        return new Failure(index, name + "/result",
            "result of " + name + ": model " + expected + ", core " + actual);
      }
      if (!model.events.equals(coreEvents)) {
        return new Failure(index, name + "/events",
            "events of " + name + ": model " + model.events + ", core " + coreEvents);
      }
      String stateDiff = compareState(core);
      if (stateDiff != null) {
        return new Failure(index, name + "/state", "state after " + name + ": " + stateDiff);
      }
      if (core.nextDeadline() != model.earliestDeadline()) {
        return new Failure(index, name + "/next-deadline", "next deadline after " + name + ": model "
            + model.earliestDeadline() + ", core " + core.nextDeadline());
      }
      if (!model.events.equals(replicaEvents)) {
        return new Failure(index, name + "/replica-events",
            "replica events of " + name + ": model " + model.events + ", replica " + replicaEvents);
      }
      String replicaDiff = compareState(replica);
      if (replicaDiff != null) {
        return new Failure(index, name + "/replica-state", "replica state after " + name + ": " + replicaDiff);
      }
      coverage.record(step, expected, model);
      return null;
    }

    private Outcome onCore(Step step) {
      try {
        if (step instanceof Apply a) {
          return Outcome.ok(core.apply(a.mutation(), a.publisher()));
        } else if (step instanceof Get g) {
          return Outcome.ok(core.get(g.key()));
        } else if (step instanceof Exists e) {
          return Outcome.ok(core.exists(e.key()));
        } else if (step instanceof IndexOf x) {
          return Outcome.ok(core.getIndexFromValue(x.key(), x.index()));
        } else if (step instanceof AllKeys) {
          return Outcome.ok(core.keys());
        } else if (step instanceof KeysPage p) {
          return Outcome.ok(core.keys(p.after(), p.limit()));
        } else if (step instanceof KeysWalk w) {
          List<Data> all = new ArrayList<>();
          Data after = null;
          for (int pages = 0; ; pages++) {
            if (pages > KEYS.size() + 2) {
              return Outcome.crashed(new IllegalStateException("paging does not end: " + all));
            }
            KeyPage page = core.keys(after, w.limit());
            all.addAll(page.keys());
            if (!page.hasMore()) {
              return Outcome.ok(all);
            }
            after = page.next();
          }
        } else if (step instanceof Advance a) {
          clock.advanceNanos(a.nanos());
          return Outcome.ok(null);
        } else if (step instanceof Reopen) {
          open();
          return Outcome.ok(null);
        } else {
          return Outcome.ok(core.expireDue());
        }
      } catch (BrokerException e) {
        return Outcome.failed(e.code());
      } catch (RuntimeException e) {
        return Outcome.crashed(e);
      }
    }

    private String compareState(StoreCore core) {
      if (clock.nowNanos() != model.now) {
        return "clock " + clock.nowNanos() + " vs model " + model.now;
      }
      SetData coreKeys = core.keys();
      SetData modelKeys = Data.set(model.entries.keySet());
      if (!coreKeys.equals(modelKeys)) {
        return "keys: model " + modelKeys + ", core " + coreKeys;
      }
      if (core.size() != model.entries.size()) {
        return "size: model " + model.entries.size() + ", core " + core.size();
      }
      Set<Data> probe = new LinkedHashSet<>(KEYS);
      probe.addAll(model.entries.keySet());
      for (Data key : probe) {
        Model.Entry m = model.entries.get(key);
        Backend.Entry c = core.entry(key);
        if (m == null && c == null) {
          continue;
        }
        if (m == null || c == null || !m.value().equals(c.value()) || m.deadline() != c.deadline()) {
          return "entry of " + java(key) + ": model " + describeEntry(m == null ? null : m.value(),
              m == null ? 0 : m.deadline()) + ", core " + describeEntry(c == null ? null : c.value(),
              c == null ? 0 : c.deadline());
        }
      }
      return null;
    }

    private static String describeEntry(Data value, long deadline) {
      if (value == null) {
        return "absent";
      }
      return java(value) + " deadline " + (deadline == Backend.NO_DEADLINE ? "none" : "start+" + (deadline - START));
    }
  }

  static Failure replaySteps(List<Step> steps) {
    Run run = new Run();
    for (int i = 0; i < steps.size(); i++) {
      Failure f = run.step(steps.get(i), i, new Coverage());
      if (f != null) {
        return f;
      }
    }
    return null;
  }

  // ---- shrinking ---------------------------------------------------------------------------

  /**
   * A shorter sequence that still fails in the same category (same step kind, same aspect):
   * first the failing prefix, then delta debugging that drops ever smaller chunks of steps.
   */
  static List<Step> shrink(List<Step> history, Failure failure) {
    List<Step> current = new ArrayList<>(history.subList(0, failure.index() + 1));
    String category = failure.category();
    int budget = 5_000;
    for (int chunk = Math.max(1, current.size() / 2); chunk >= 1 && budget > 0; ) {
      boolean removed = false;
      for (int start = 0; start < current.size() && budget > 0; ) {
        List<Step> candidate = new ArrayList<>(current.subList(0, start));
        candidate.addAll(current.subList(Math.min(current.size(), start + chunk), current.size()));
        budget--;
        Failure f = candidate.isEmpty() ? null : replaySteps(candidate);
        if (f != null && f.category().equals(category)) {
          current = new ArrayList<>(candidate.subList(0, f.index() + 1));
          removed = true;
        } else {
          start += chunk;
        }
      }
      if (!removed || chunk > 1) {
        chunk = chunk / 2;
      }
      if (chunk == 0 && removed) {
        chunk = 1;
      }
    }
    return current;
  }

  // ---- the reference model -----------------------------------------------------------------

  /** A refusal of the model: the error code SEMANTICS.md prescribes. */
  static final class Refusal extends RuntimeException {
    final ErrorCode code;

    Refusal(ErrorCode code) {
      super(code.toString(), null, false, false);
      this.code = code;
    }
  }

  /** The operation result meaning "nothing to do at all" (removal of something absent). */
  private static final Data NOTHING = null;

  /**
   * The store as SEMANTICS.md describes it, written plainly: a map from key to value and
   * absolute deadline, and the events each step should emit.
   */
  static final class Model {
    record Entry(Data value, long deadline) {}

    final Map<Data, Entry> entries = new HashMap<>();
    final List<StoreEvent> events = new ArrayList<>();
    long now;

    Model(long now) {
      this.now = now;
    }

    Outcome run(Step step) {
      try {
        if (step instanceof Apply a) {
          return Outcome.ok(apply(a.mutation(), a.publisher()));
        } else if (step instanceof Get g) {
          return Outcome.ok(get(g.key()));
        } else if (step instanceof Exists e) {
          return Outcome.ok(entries.containsKey(e.key()));
        } else if (step instanceof IndexOf x) {
          return Outcome.ok(indexOf(x.key(), x.index()));
        } else if (step instanceof AllKeys) {
          return Outcome.ok(Data.set(entries.keySet()));
        } else if (step instanceof KeysPage p) {
          return Outcome.ok(page(p.after(), p.limit()));
        } else if (step instanceof KeysWalk w) {
          if (w.limit() <= 0) {
            throw new Refusal(ErrorCode.INVALID_DATA);
          }
          return Outcome.ok(sortedKeys());
        } else if (step instanceof Advance a) {
          now += a.nanos();
          return Outcome.ok(null);
        } else if (step instanceof Reopen) {
          return Outcome.ok(null);
        } else {
          return Outcome.ok(expireDue());
        }
      } catch (Refusal r) {
        events.clear();
        return Outcome.failed(r.code);
      }
    }

    Data get(Data key) {
      Entry e = entries.get(key);
      if (e == null) {
        throw new Refusal(ErrorCode.NO_SUCH_KEY);
      }
      return e.value();
    }

    Data valueOrNull(Data key) {
      Entry e = entries.get(key);
      return e == null ? null : e.value();
    }

    List<Data> sortedKeys() {
      List<Data> keys = new ArrayList<>(entries.keySet());
      keys.sort(Comparator.comparing(Key::of));
      return keys;
    }

    KeyPage page(Data after, int limit) {
      if (limit <= 0) {
        throw new Refusal(ErrorCode.INVALID_DATA);
      }
      List<Data> rest = new ArrayList<>();
      for (Data k : sortedKeys()) {
        if (after == null || Key.of(k).compareTo(Key.of(after)) > 0) {
          rest.add(k);
        }
      }
      if (rest.size() <= limit) {
        return new KeyPage(rest, null);
      }
      List<Data> page = rest.subList(0, limit);
      return new KeyPage(page, page.get(limit - 1));
    }

    int expireDue() {
      List<Data> due = new ArrayList<>();
      for (Map.Entry<Data, Entry> e : entries.entrySet()) {
        if (e.getValue().deadline() <= now) {
          due.add(e.getKey());
        }
      }
      due.sort(Comparator.<Data>comparingLong(k -> entries.get(k).deadline()).thenComparing(Key::of));
      for (Data k : due) {
        entries.remove(k);
        events.add(new StoreEvent.Expire(STORE, k, SELF));
      }
      return due.size();
    }

    /**
     * The absolute deadline of {@code expiry} (none: {@link Backend#NO_DEADLINE}); an expiry must
     * be positive and its deadline must be representable, i.e. before {@code NO_DEADLINE}.
     */
    long deadlineOf(Duration expiry) {
      if (expiry == null) {
        return Backend.NO_DEADLINE;
      }
      BigInteger nanos = BigInteger.valueOf(expiry.getSeconds()).multiply(BigInteger.valueOf(1_000_000_000L))
          .add(BigInteger.valueOf(expiry.getNano()));
      BigInteger deadline = nanos.add(BigInteger.valueOf(now));
      if (nanos.signum() <= 0 || deadline.compareTo(BigInteger.valueOf(Backend.NO_DEADLINE)) >= 0) {
        throw new Refusal(ErrorCode.INVALID_DATA);
      }
      return deadline.longValue();
    }

    Data apply(Mutation m, EntityId who) {
      Duration expiry = m.expiry();
      Data key = m.key();
      Data old = key == null ? null : valueOrNull(key);
      if (m instanceof Mutation.Put p) {
        long deadline = deadlineOf(expiry);
        entries.put(key, new Entry(p.value(), deadline));
        if (old == null) {
          events.add(new StoreEvent.Insert(STORE, key, p.value(), expiry, who));
        } else {
          events.add(new StoreEvent.Update(STORE, key, old, p.value(), expiry, who));
        }
        return Data.none();
      }
      if (m instanceof Mutation.PutUnique p) {
        long deadline = deadlineOf(expiry);
        if (old != null) {
          return BooleanData.FALSE;
        }
        entries.put(key, new Entry(p.value(), deadline));
        events.add(new StoreEvent.Insert(STORE, key, p.value(), expiry, who));
        return BooleanData.TRUE;
      }
      if (m instanceof Mutation.Erase) {
        if (old != null) {
          entries.remove(key);
          events.add(new StoreEvent.Erase(STORE, key, who));
        }
        return Data.none();
      }
      if (m instanceof Mutation.Clear) {
        for (Data k : sortedKeys()) {
          events.add(new StoreEvent.Erase(STORE, k, who));
        }
        entries.clear();
        return Data.none();
      }
      Data updated;
      if (m instanceof Mutation.Increment inc) {
        updated = increment(old, inc.amount());
      } else if (m instanceof Mutation.Decrement dec) {
        updated = decrement(old, dec.amount());
      } else if (m instanceof Mutation.Append app) {
        updated = append(old, app.value());
      } else if (m instanceof Mutation.InsertInto ins) {
        updated = insertInto(old, ins.element());
      } else if (m instanceof Mutation.InsertAt ins) {
        updated = insertAt(old, ins.index(), ins.value());
      } else if (m instanceof Mutation.RemoveFrom rem) {
        updated = removeFrom(old, rem.index());
      } else if (m instanceof Mutation.Push push) {
        updated = push(old, push.value());
      } else if (m instanceof Mutation.Pop) {
        updated = pop(old);
      } else {
        throw new AssertionError("unknown mutation " + m);
      }
      // The rule's errors take precedence over an invalid expiry (production's order; SEMANTICS.md
      // does not rank them). A no-op with an invalid expiry still fails.
      long deadline = deadlineOf(expiry);
      if (updated == NOTHING) {
        return Data.none(); // removal of something absent: no change at all, not even the deadline
      }
      if (expiry == null) {
        deadline = old != null ? entries.get(key).deadline() : Backend.NO_DEADLINE;
      }
      if (old != null && old.equals(updated) && entries.get(key).deadline() == deadline) {
        return Data.none(); // neither value nor deadline changes: a no-op
      }
      entries.put(key, new Entry(updated, deadline));
      if (old == null) {
        events.add(new StoreEvent.Insert(STORE, key, updated, null, who));
      } else {
        events.add(new StoreEvent.Update(STORE, key, old, updated, null, who));
      }
      return Data.none();
    }

    // The rules, one per operation. `old` is null when the key is missing.

    static Data increment(Data old, Data amount) {
      if (old == null) {
        DataKind k = amount.kind();
        if (k != DataKind.COUNT && k != DataKind.INTEGER && k != DataKind.REAL && k != DataKind.TIMESPAN) {
          throw new Refusal(ErrorCode.TYPE_CLASH);
        }
        return arithmetic(zeroOf(k), amount, +1);
      }
      return arithmetic(old, amount, +1);
    }

    static Data decrement(Data old, Data amount) {
      if (old == null) {
        throw new Refusal(ErrorCode.NO_SUCH_KEY);
      }
      return arithmetic(old, amount, -1);
    }

    static Data zeroOf(DataKind kind) {
      switch (kind) {
        case COUNT:
          return Data.count(0);
        case INTEGER:
          return Data.of(0L);
        case REAL:
          return Data.of(0.0);
        default:
          return Data.timespanNanos(0);
      }
    }

    /** stored ± amount over the allowed kind pairs, exact arithmetic with range checks. */
    static Data arithmetic(Data stored, Data amount, int sign) {
      if (stored instanceof CountData a && amount instanceof CountData b) {
        BigInteger r = a.toBigInteger().add(b.toBigInteger().multiply(BigInteger.valueOf(sign)));
        if (r.signum() < 0 || r.bitLength() > 64) {
          throw new Refusal(ErrorCode.INVALID_DATA);
        }
        return Data.count(r.longValue());
      }
      if (stored instanceof IntegerData a && amount instanceof IntegerData b) {
        return Data.of(exact(a.value(), b.value(), sign));
      }
      if (stored instanceof RealData a && amount instanceof RealData b) {
        return Data.of(sign > 0 ? a.value() + b.value() : a.value() - b.value());
      }
      if (stored instanceof TimespanData a && amount instanceof TimespanData b) {
        return Data.timespanNanos(exact(a.nanos(), b.nanos(), sign));
      }
      if (stored instanceof TimestampData a && amount instanceof TimespanData b) {
        return Data.timestampNanos(exact(a.nanos(), b.nanos(), sign));
      }
      throw new Refusal(ErrorCode.TYPE_CLASH);
    }

    static long exact(long a, long b, int sign) {
      BigInteger r = BigInteger.valueOf(a).add(BigInteger.valueOf(b).multiply(BigInteger.valueOf(sign)));
      if (r.bitLength() > 63) {
        throw new Refusal(ErrorCode.INVALID_DATA);
      }
      return r.longValue();
    }

    static Data append(Data old, Data suffix) {
      if (!(suffix instanceof StringData s)) {
        throw new Refusal(ErrorCode.TYPE_CLASH);
      }
      if (old == null) {
        return s;
      }
      if (!(old instanceof StringData o)) {
        throw new Refusal(ErrorCode.TYPE_CLASH);
      }
      byte[] a = o.bytes();
      byte[] b = s.bytes();
      byte[] r = new byte[a.length + b.length];
      System.arraycopy(a, 0, r, 0, a.length);
      System.arraycopy(b, 0, r, a.length, b.length);
      return StringData.ofBytes(r);
    }

    static Data insertInto(Data old, Data element) {
      if (old == null) {
        return Data.set(element);
      }
      if (!(old instanceof SetData set)) {
        throw new Refusal(ErrorCode.TYPE_CLASH);
      }
      TreeSet<Data> copy = new TreeSet<>(set.elements());
      copy.add(element);
      return Data.set(copy);
    }

    static Data insertAt(Data old, Data index, Data value) {
      if (old == null) {
        return Data.table(index, value);
      }
      if (old instanceof TableData table) {
        TreeMap<Data, Data> copy = new TreeMap<>(table.entries());
        copy.put(index, value);
        return Data.table(copy);
      }
      if (old instanceof VectorData vector) {
        if (!(index instanceof CountData c)) {
          throw new Refusal(ErrorCode.INVALID_DATA);
        }
        List<Data> copy = new ArrayList<>(vector.elements());
        int cmp = Long.compareUnsigned(c.value(), copy.size());
        if (cmp > 0) {
          throw new Refusal(ErrorCode.INVALID_DATA);
        } else if (cmp == 0) {
          copy.add(value);
        } else {
          copy.set((int) c.value(), value);
        }
        return Data.vector(copy);
      }
      throw new Refusal(ErrorCode.TYPE_CLASH);
    }

    static Data removeFrom(Data old, Data index) {
      if (old == null) {
        throw new Refusal(ErrorCode.NO_SUCH_KEY);
      }
      if (old instanceof SetData set) {
        if (!set.contains(index)) {
          return NOTHING;
        }
        TreeSet<Data> copy = new TreeSet<>(set.elements());
        copy.remove(index);
        return Data.set(copy);
      }
      if (old instanceof TableData table) {
        if (!table.containsKey(index)) {
          return NOTHING;
        }
        TreeMap<Data, Data> copy = new TreeMap<>(table.entries());
        copy.remove(index);
        return Data.table(copy);
      }
      if (old instanceof VectorData vector) {
        if (!(index instanceof CountData c)) {
          throw new Refusal(ErrorCode.INVALID_DATA);
        }
        if (Long.compareUnsigned(c.value(), vector.size()) >= 0) {
          return NOTHING;
        }
        List<Data> copy = new ArrayList<>(vector.elements());
        copy.remove((int) c.value());
        return Data.vector(copy);
      }
      throw new Refusal(ErrorCode.TYPE_CLASH);
    }

    static Data push(Data old, Data value) {
      if (old == null) {
        return Data.vector(value);
      }
      if (!(old instanceof VectorData vector)) {
        throw new Refusal(ErrorCode.TYPE_CLASH);
      }
      List<Data> copy = new ArrayList<>(vector.elements());
      copy.add(value);
      return Data.vector(copy);
    }

    static Data pop(Data old) {
      if (old == null) {
        throw new Refusal(ErrorCode.NO_SUCH_KEY);
      }
      if (!(old instanceof VectorData vector)) {
        throw new Refusal(ErrorCode.TYPE_CLASH);
      }
      if (vector.isEmpty()) {
        return NOTHING;
      }
      List<Data> copy = new ArrayList<>(vector.elements());
      copy.remove(copy.size() - 1);
      return Data.vector(copy);
    }

    Data indexOf(Data key, Data index) {
      Data value = get(key);
      if (value instanceof VectorData vector) {
        long n;
        if (index instanceof CountData c) {
          n = c.value();
        } else if (index instanceof IntegerData i && i.value() >= 0) {
          n = i.value();
        } else {
          throw new Refusal(ErrorCode.TYPE_CLASH);
        }
        if (Long.compareUnsigned(n, vector.size()) >= 0) {
          throw new Refusal(ErrorCode.NO_SUCH_KEY);
        }
        return vector.get((int) n);
      }
      if (value instanceof SetData set) {
        return Data.of(set.contains(index));
      }
      if (value instanceof TableData table) {
        Data v = table.get(index);
        if (v == null) {
          throw new Refusal(ErrorCode.NO_SUCH_KEY);
        }
        return v;
      }
      throw new Refusal(ErrorCode.TYPE_CLASH);
    }

    long earliestDeadline() {
      long min = Backend.NO_DEADLINE;
      for (Entry e : entries.values()) {
        min = Math.min(min, e.deadline());
      }
      return min;
    }
  }

  // ---- generation --------------------------------------------------------------------------

  /** Random steps, biased by the model's state so that container operations hit their elements. */
  static final class Generator {
    private static final long[] COUNTS = {0, 1, 2, 5, 1000, Long.MAX_VALUE, Long.MIN_VALUE, -2L, -1L};
    private static final long[] INTEGERS = {0, 1, -1, 5, -5, Long.MAX_VALUE, Long.MIN_VALUE,
        Long.MAX_VALUE - 1, Long.MIN_VALUE + 1};
    private static final double[] REALS = {0.0, -0.0, 1.5, -2.5, 1e300, Double.MAX_VALUE,
        -Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};
    private static final long[] SPANS = {0, 1, -1, 1_000_000_000L, -1_000_000_000L, Long.MAX_VALUE,
        Long.MIN_VALUE, Long.MAX_VALUE - 1};
    private static final long[] STAMPS = {0, -1, START, Long.MAX_VALUE, Long.MIN_VALUE,
        Long.MAX_VALUE - 1_000_000_000L};
    private static final String[] STRINGS = {"", "a", "b", "bc", "\u00fc"};

    private final Random r;
    private long now;

    Generator(Random r) {
      this.r = r;
    }

    Step next(Model model) {
      now = model.now;
      Data key = KEYS.get(r.nextInt(KEYS.size()));
      Data stored = model.valueOrNull(key);
      EntityId who = r.nextBoolean() ? ALICE : BOB;
      int p = r.nextInt(100);
      if (p < 10) {
        return new Apply(new Mutation.Put(key, value(2), expiry()), who);
      } else if (p < 14) {
        return new Apply(new Mutation.PutUnique(key, value(2), expiry()), who);
      } else if (p < 18) {
        return new Apply(new Mutation.Erase(key), who);
      } else if (p < 19) {
        return new Apply(new Mutation.Clear(), who);
      } else if (p < 28) {
        return new Apply(new Mutation.Increment(key, amount(), expiry()), who);
      } else if (p < 34) {
        return new Apply(new Mutation.Decrement(key, amount(), expiry()), who);
      } else if (p < 39) {
        Data s = r.nextInt(5) == 0 ? value(1) : Data.of(pick(STRINGS));
        return new Apply(new Mutation.Append(key, s, expiry()), who);
      } else if (p < 45) {
        return new Apply(new Mutation.InsertInto(key, index(stored), expiry()), who);
      } else if (p < 52) {
        return new Apply(new Mutation.InsertAt(key, index(stored), element(), expiry()), who);
      } else if (p < 58) {
        return new Apply(new Mutation.RemoveFrom(key, index(stored), expiry()), who);
      } else if (p < 63) {
        return new Apply(new Mutation.Push(key, element(), expiry()), who);
      } else if (p < 68) {
        return new Apply(new Mutation.Pop(key, expiry()), who);
      } else if (p < 72) {
        return new Get(key);
      } else if (p < 74) {
        return new Exists(key);
      } else if (p < 80) {
        return new IndexOf(key, index(stored));
      } else if (p < 82) {
        return new AllKeys();
      } else if (p < 85) {
        return new KeysPage(r.nextInt(4) == 0 ? null : key, r.nextInt(6) - 1);
      } else if (p < 86) {
        return new KeysWalk(1 + r.nextInt(4));
      } else if (p < 87) {
        return new Reopen();
      } else if (p < 93) {
        return new Advance(advance(model));
      } else {
        return new ExpireDue();
      }
    }

    private long advance(Model model) {
      long earliest = model.earliestDeadline();
      int p = r.nextInt(10);
      // (never onto the far deadlines of huge expiries: the clock must stay far from overflow)
      if (earliest - model.now < Duration.ofHours(1).toNanos() && p < 4) {
        // land exactly on the earliest deadline, or one nanosecond before it
        long delta = earliest - model.now - (r.nextBoolean() ? 0 : 1);
        return Math.max(0, delta);
      }
      if (p < 5) {
        return 0;
      }
      return (long) r.nextInt(3_000) * 1_000_000L + r.nextInt(3);
    }

    private Duration expiry() {
      int p = r.nextInt(100);
      if (p < 50) {
        return null;
      } else if (p < 80) {
        return Duration.ofMillis(1 + r.nextInt(5_000));
      } else if (p < 85) {
        return Duration.ofNanos(1);
      } else if (p < 90) {
        return Duration.ZERO;
      } else if (p < 94) {
        return Duration.ofMillis(-1 - r.nextInt(1_000));
      } else if (p < 95) {
        // deadlines at and just before NO_DEADLINE, and expiries beyond 64-bit nanoseconds
        switch (r.nextInt(4)) {
          case 0:
            return Duration.ofNanos(Long.MAX_VALUE - now);
          case 1:
            return Duration.ofNanos(Long.MAX_VALUE - now - 1);
          case 2:
            return Duration.ofNanos(Long.MAX_VALUE);
          default:
            return Duration.ofSeconds(Long.MAX_VALUE);
        }
      } else {
        return Duration.ofSeconds(30 + r.nextInt(300));
      }
    }

    /** An increment/decrement operand: mostly numeric with edge values, sometimes anything. */
    private Data amount() {
      int p = r.nextInt(100);
      if (p < 25) {
        return Data.count(r.nextInt(3) == 0 ? pick(COUNTS) : r.nextInt(4));
      } else if (p < 45) {
        return Data.of(r.nextInt(3) == 0 ? pick(INTEGERS) : r.nextInt(7) - 3);
      } else if (p < 60) {
        return Data.of(pick(REALS));
      } else if (p < 80) {
        return Data.timespanNanos(r.nextInt(3) == 0 ? pick(SPANS) : r.nextInt(5) - 2);
      } else if (p < 85) {
        return Data.timestampNanos(pick(STAMPS));
      }
      return value(1);
    }

    /** An index or element: for the stored container often one of its own, or a small value. */
    private Data index(Data stored) {
      int p = r.nextInt(100);
      if (stored instanceof VectorData v && p < 60) {
        return Data.count(r.nextInt(v.size() + 2));
      }
      if (stored instanceof SetData s && !s.isEmpty() && p < 50) {
        return pickFrom(new ArrayList<>(s.elements()));
      }
      if (stored instanceof TableData t && !t.isEmpty() && p < 50) {
        return pickFrom(new ArrayList<>(t.entries().keySet()));
      }
      p = r.nextInt(100);
      if (p < 35) {
        return Data.count(r.nextInt(4));
      } else if (p < 50) {
        return Data.of((long) r.nextInt(5) - 1);
      } else if (p < 55) {
        return Data.count(pick(COUNTS));
      }
      return element();
    }

    /** A container element: mostly from a small pool so that elements collide. */
    private Data element() {
      if (r.nextInt(4) == 0) {
        return value(1);
      }
      switch (r.nextInt(10)) {
        case 0:
          return Data.count(r.nextInt(3));
        case 1:
          return Data.of((long) r.nextInt(3));
        case 2:
          return Data.of(pick(STRINGS));
        case 3:
          return Data.none();
        case 4:
          return Data.of(r.nextBoolean());
        case 5:
          return Data.of(1.5);
        case 6:
          return Data.enumValue("a");
        case 7:
          return Data.vector(Data.count(r.nextInt(2)));
        case 8:
          return Data.set(Data.of("a"));
        default:
          return Data.timespanNanos(r.nextInt(3));
      }
    }

    /** Any value of any of the 15 kinds, containers nested up to {@code depth}. */
    Data value(int depth) {
      DataKind[] kinds = DataKind.values();
      DataKind kind;
      int p = r.nextInt(100);
      if (p < 40) {
        kind = pick(new DataKind[] {DataKind.COUNT, DataKind.INTEGER, DataKind.REAL, DataKind.TIMESPAN,
            DataKind.TIMESTAMP, DataKind.STRING});
      } else if (p < 70 && depth > 0) {
        kind = pick(new DataKind[] {DataKind.SET, DataKind.TABLE, DataKind.VECTOR});
      } else {
        kind = kinds[r.nextInt(depth > 0 ? kinds.length : DataKind.SET.ordinal())];
      }
      switch (kind) {
        case NONE:
          return Data.none();
        case BOOLEAN:
          return Data.of(r.nextBoolean());
        case COUNT:
          return Data.count(r.nextBoolean() ? pick(COUNTS) : r.nextInt(10));
        case INTEGER:
          return Data.of(r.nextBoolean() ? pick(INTEGERS) : r.nextInt(10) - 5);
        case REAL:
          return Data.of(pick(REALS));
        case STRING:
          return Data.of(pick(STRINGS));
        case ADDRESS:
          return Data.address(pick(new String[] {"10.0.0.1", "::1", "2001:db8::1"}));
        case SUBNET:
          return Data.subnet(pick(new String[] {"10.0.0.0/8", "2001:db8::/32", "0.0.0.0/0"}));
        case PORT:
          return Data.port(pick(new int[] {0, 53, 80}), PortData.Protocol.values()[r.nextInt(4)]);
        case TIMESTAMP:
          return Data.timestampNanos(pick(STAMPS));
        case TIMESPAN:
          return Data.timespanNanos(r.nextBoolean() ? pick(SPANS) : r.nextInt(5));
        case ENUM_VALUE:
          return Data.enumValue(pick(new String[] {"a", "Broker::X"}));
        case SET: {
          List<Data> elems = new ArrayList<>();
          for (int i = r.nextInt(4); i > 0; i--) {
            elems.add(r.nextBoolean() ? element() : value(depth - 1));
          }
          return Data.set(elems);
        }
        case TABLE: {
          List<Data> pairs = new ArrayList<>();
          for (int i = r.nextInt(4); i > 0; i--) {
            pairs.add(element());
            pairs.add(value(depth - 1));
          }
          return Data.table(pairs.toArray(new Data[0]));
        }
        default: {
          List<Data> elems = new ArrayList<>();
          for (int i = r.nextInt(4); i > 0; i--) {
            elems.add(r.nextBoolean() ? element() : value(depth - 1));
          }
          return Data.vector(elems);
        }
      }
    }

    private long pick(long[] a) {
      return a[r.nextInt(a.length)];
    }

    private int pick(int[] a) {
      return a[r.nextInt(a.length)];
    }

    private double pick(double[] a) {
      return a[r.nextInt(a.length)];
    }

    private <T> T pick(T[] a) {
      return a[r.nextInt(a.length)];
    }

    private Data pickFrom(List<Data> list) {
      return list.get(r.nextInt(list.size()));
    }
  }

  // ---- coverage ----------------------------------------------------------------------------

  /** What the run exercised, so that a weakened generator fails loudly instead of passing. */
  static final class Coverage {
    final Map<String, Set<String>> outcomes = new TreeMap<>();
    final Set<DataKind> storedKinds = EnumSet.noneOf(DataKind.class);
    final Set<String> eventTypes = new TreeSet<>();
    boolean nestedStored;
    int expiredAtOnce;

    void record(Step step, Outcome outcome, Model model) {
      String label;
      if (outcome.error() != null) {
        label = outcome.error().toString();
        if (step instanceof Apply a && outcome.error() == ErrorCode.INVALID_DATA && a.mutation().expiry() != null
            && (a.mutation().expiry().isZero() || a.mutation().expiry().isNegative())) {
          label = "INVALID_DATA(expiry)";
        } else if (step instanceof Apply a && outcome.error() == ErrorCode.INVALID_DATA && a.mutation().expiry() != null
            && a.mutation().expiry().compareTo(Duration.ofNanos(Long.MAX_VALUE - model.now)) >= 0) {
          label = "INVALID_DATA(expiry too large)";
        }
      } else if (step instanceof Apply && model.events.isEmpty()) {
        label = "ok-no-event";
      } else {
        label = "ok";
      }
      if (step instanceof Apply a && a.mutation() instanceof Mutation.PutUnique && outcome.error() == null) {
        label = "ok-" + outcome.value();
      }
      if (step instanceof ExpireDue && outcome.value() instanceof Integer n) {
        expiredAtOnce = Math.max(expiredAtOnce, n);
      }
      outcomes.computeIfAbsent(stepName(step), k -> new TreeSet<>()).add(label);
      for (StoreEvent e : model.events) {
        eventTypes.add(e.getClass().getSimpleName());
      }
      for (Model.Entry e : model.entries.values()) {
        storedKinds.add(e.value().kind());
        if (e.value() instanceof VectorData v && v.stream().anyMatch(Coverage::isContainer)
            || e.value() instanceof SetData s && s.stream().anyMatch(Coverage::isContainer)
            || e.value() instanceof TableData t && t.entries().values().stream().anyMatch(Coverage::isContainer)) {
          nestedStored = true;
        }
      }
    }

    private static boolean isContainer(Data d) {
      return d instanceof VectorData || d instanceof SetData || d instanceof TableData;
    }

    void assertComplete() {
      expect("Put", "ok", "INVALID_DATA(expiry)", "INVALID_DATA(expiry too large)");
      expect("PutUnique", "ok-T", "ok-F", "INVALID_DATA(expiry)");
      expect("Erase", "ok", "ok-no-event");
      expect("Clear", "ok", "ok-no-event");
      expect("Increment", "ok", "ok-no-event", "TYPE_CLASH", "INVALID_DATA", "INVALID_DATA(expiry)");
      expect("Decrement", "ok", "ok-no-event", "NO_SUCH_KEY", "TYPE_CLASH", "INVALID_DATA",
          "INVALID_DATA(expiry)");
      expect("Append", "ok", "ok-no-event", "TYPE_CLASH", "INVALID_DATA(expiry)");
      expect("InsertInto", "ok", "ok-no-event", "TYPE_CLASH", "INVALID_DATA(expiry)");
      expect("InsertAt", "ok", "ok-no-event", "TYPE_CLASH", "INVALID_DATA", "INVALID_DATA(expiry)");
      expect("RemoveFrom", "ok", "ok-no-event", "NO_SUCH_KEY", "TYPE_CLASH", "INVALID_DATA",
          "INVALID_DATA(expiry)");
      expect("Push", "ok", "TYPE_CLASH", "INVALID_DATA(expiry)");
      expect("Pop", "ok", "ok-no-event", "NO_SUCH_KEY", "TYPE_CLASH", "INVALID_DATA(expiry)");
      expect("Get", "ok", "NO_SUCH_KEY");
      expect("Exists", "ok");
      expect("IndexOf", "ok", "NO_SUCH_KEY", "TYPE_CLASH");
      expect("AllKeys", "ok");
      expect("KeysPage", "ok", "INVALID_DATA");
      expect("KeysWalk", "ok");
      expect("ExpireDue", "ok");
      expect("Reopen", "ok");
      assertEquals(EnumSet.allOf(DataKind.class), storedKinds, "kinds of stored values");
      assertEquals(Set.of("Insert", "Update", "Erase", "Expire"), eventTypes, "event types");
      assertTrue(nestedStored, "nested containers were stored");
      assertTrue(expiredAtOnce >= 2, "an expireDue removed several entries at once");
    }

    private void expect(String step, String... labels) {
      Set<String> seen = outcomes.getOrDefault(step, Set.of());
      for (String label : labels) {
        assertTrue(seen.contains(label), step + " never had outcome " + label + " (seen " + seen + ")");
      }
    }
  }

  // ---- rendering (histories as Java statements, for replay) ----------------------------------

  static String stepName(Step step) {
    if (step instanceof Apply a) {
      return a.mutation().getClass().getSimpleName();
    }
    return step.getClass().getSimpleName();
  }

  static String render(List<Step> steps) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < steps.size(); i++) {
      sb.append(String.format("  /* %3d */ %s%n", i, java(steps.get(i))));
    }
    return sb.toString();
  }

  static String java(Step step) {
    if (step instanceof Apply a) {
      return "new Apply(" + java(a.mutation()) + ", " + (a.publisher().equals(ALICE) ? "ALICE" : "BOB") + "),";
    } else if (step instanceof Get g) {
      return "new Get(" + java(g.key()) + "),";
    } else if (step instanceof Exists e) {
      return "new Exists(" + java(e.key()) + "),";
    } else if (step instanceof IndexOf x) {
      return "new IndexOf(" + java(x.key()) + ", " + java(x.index()) + "),";
    } else if (step instanceof AllKeys) {
      return "new AllKeys(),";
    } else if (step instanceof KeysPage p) {
      return "new KeysPage(" + (p.after() == null ? "null" : java(p.after())) + ", " + p.limit() + "),";
    } else if (step instanceof KeysWalk w) {
      return "new KeysWalk(" + w.limit() + "),";
    } else if (step instanceof Advance a) {
      return "new Advance(" + a.nanos() + "L),";
    } else if (step instanceof Reopen) {
      return "new Reopen(),";
    }
    return "new ExpireDue(),";
  }

  static String java(Mutation m) {
    String name = "new Mutation." + m.getClass().getSimpleName() + "(";
    String exp = m.expiry() == null ? "null"
        : "Duration.ofSeconds(" + m.expiry().getSeconds() + "L, " + m.expiry().getNano() + ")";
    if (m instanceof Mutation.Put p) {
      return name + java(p.key()) + ", " + java(p.value()) + ", " + exp + ")";
    } else if (m instanceof Mutation.PutUnique p) {
      return name + java(p.key()) + ", " + java(p.value()) + ", " + exp + ")";
    } else if (m instanceof Mutation.Erase e) {
      return name + java(e.key()) + ")";
    } else if (m instanceof Mutation.Clear) {
      return name + ")";
    } else if (m instanceof Mutation.Increment i) {
      return name + java(i.key()) + ", " + java(i.amount()) + ", " + exp + ")";
    } else if (m instanceof Mutation.Decrement d) {
      return name + java(d.key()) + ", " + java(d.amount()) + ", " + exp + ")";
    } else if (m instanceof Mutation.Append a) {
      return name + java(a.key()) + ", " + java(a.value()) + ", " + exp + ")";
    } else if (m instanceof Mutation.InsertInto i) {
      return name + java(i.key()) + ", " + java(i.element()) + ", " + exp + ")";
    } else if (m instanceof Mutation.InsertAt i) {
      return name + java(i.key()) + ", " + java(i.index()) + ", " + java(i.value()) + ", " + exp + ")";
    } else if (m instanceof Mutation.RemoveFrom rm) {
      return name + java(rm.key()) + ", " + java(rm.index()) + ", " + exp + ")";
    } else if (m instanceof Mutation.Push p) {
      return name + java(p.key()) + ", " + java(p.value()) + ", " + exp + ")";
    } else if (m instanceof Mutation.Pop p) {
      return name + java(p.key()) + ", " + exp + ")";
    }
    return m.toString();
  }

  /** A Java expression building {@code d}: unambiguous where Broker's text form is not. */
  static String java(Data d) {
    if (d instanceof NoneData) {
      return "Data.none()";
    } else if (d instanceof BooleanData b) {
      return "Data.of(" + b.value() + ")";
    } else if (d instanceof CountData c) {
      return "Data.count(" + c.value() + "L)";
    } else if (d instanceof IntegerData i) {
      return "Data.of(" + i.value() + "L)";
    } else if (d instanceof RealData x) {
      double v = x.value();
      if (Double.isNaN(v)) {
        return "Data.of(Double.NaN)";
      } else if (Double.isInfinite(v)) {
        return v > 0 ? "Data.of(Double.POSITIVE_INFINITY)" : "Data.of(Double.NEGATIVE_INFINITY)";
      }
      return "Data.of(" + v + ")";
    } else if (d instanceof StringData s) {
      return "Data.of(" + quote(s.value()) + ")";
    } else if (d instanceof TimestampData t) {
      return "Data.timestampNanos(" + t.nanos() + "L)";
    } else if (d instanceof TimespanData t) {
      return "Data.timespanNanos(" + t.nanos() + "L)";
    } else if (d instanceof EnumData e) {
      return "Data.enumValue(" + quote(e.name()) + ")";
    } else if (d instanceof PortData p) {
      return "Data.port(" + p.number() + ", PortData.Protocol." + p.protocol() + ")";
    } else if (d instanceof SetData s) {
      return "Data.set(" + join(new ArrayList<>(s.elements())) + ")";
    } else if (d instanceof TableData t) {
      List<Data> pairs = new ArrayList<>();
      t.entries().forEach((k, v) -> {
        pairs.add(k);
        pairs.add(v);
      });
      return "Data.table(" + join(pairs) + ")";
    } else if (d instanceof VectorData v) {
      return "Data.vector(" + join(v.elements()) + ")";
    } else if (d.kind() == DataKind.ADDRESS) {
      return "Data.address(" + quote(d.toString()) + ")";
    }
    return "Data.subnet(" + quote(d.toString()) + ")";
  }

  private static String join(List<Data> list) {
    StringBuilder sb = new StringBuilder();
    for (Data d : list) {
      sb.append(sb.length() == 0 ? "" : ", ").append(java(d));
    }
    return sb.toString();
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  static String describeResult(Object value) {
    if (value instanceof Data d) {
      return java(d);
    }
    if (value instanceof KeyPage p) {
      List<String> keys = new ArrayList<>();
      p.keys().forEach(k -> keys.add(java(k)));
      return "KeyPage" + keys + " next " + (p.next() == null ? "null" : java(p.next()));
    }
    if (value instanceof List<?> list) {
      List<String> keys = new ArrayList<>();
      list.forEach(k -> keys.add(k instanceof Data d ? java(d) : Objects.toString(k)));
      return keys.toString();
    }
    return Objects.toString(value);
  }
}
