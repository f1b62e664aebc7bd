package io.jbroker.replication.sim;

import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.proto.replication.v1.WriterState;
import io.jbroker.replication.internal.UpdateBatch;
import io.jbroker.replication.internal.UpdatesDecoder;
import io.jbroker.replication.protocol.CloneState;
import io.jbroker.replication.protocol.MasterState;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.replication.sim.History.Request;
import io.jbroker.replication.sim.History.Status;
import io.jbroker.replication.sim.Schedule.FaultAction;
import io.jbroker.replication.sim.Schedule.Kind;
import io.jbroker.replication.sim.Schedule.Op;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import io.jbroker.store.ManualClock;
import io.jbroker.store.StoreCore;
import io.jbroker.store.Mutation;
import io.jbroker.store.memory.MemoryBackend;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A deterministic simulation of one master and {@value Schedule#CLONES} clones: the real {@link
 * MasterState} and {@link CloneState} state machines, driven by a virtual-time scheduler, talking
 * through a faulty in-memory {@link Network}, issuing the {@link Schedule}'s operations while its
 * faults come and go. At the schedule's end every fault heals; the run continues until every
 * member is idle and every request has completed, then the invariants are checked (see {@link
 * History} and {@link #checkConvergence}).
 *
 * <p>The master's {@link MemoryBackend} and its writer journal outlive a master crash: they model
 * a durable backend, and crashes happen between batches, so exactly what {@code endBatch}
 * committed survives.
 */
final class Simulation {
  static final String STORE = "sim";
  static final long START = 1_893_456_000_000_000_000L; // 2030-01-01T00:00:00Z
  /** Ids of the afterlife writes (above every scheduled operation's). */
  static final long AFTERLIFE_OPS = 1L << 40;
  /** How long after the heal the run may take to become quiescent. */
  static final long QUIESCENCE_BOUND = 30_000 * Schedule.MS;

  /** The outcome of a run. */
  record Result(SimConfig config, Schedule schedule, List<History.Violation> violations, List<String> trace,
      List<Long> traceTimes, String stats, Map<String, Long> coverage) {
    boolean failed() {
      return !violations.isEmpty();
    }

    /** The kind of the first violation (what shrinking keeps reproducing). */
    String kind() {
      return violations.isEmpty() ? null : violations.get(0).kind();
    }

    /**
     * The part of the trace that shows the first violation: the {@code n} lines up to it, or for a
     * liveness failure (detected only at the end) up to a second after the heal.
     */
    List<String> traceWindow(int n) {
      long until = "liveness".equals(kind()) ? schedule.chaosEnd + 1_000 * Schedule.MS : violations.get(0).time();
      int end = 0;
      while (end < trace.size() && traceTimes.get(end) <= until) {
        end++;
      }
      return trace.subList(Math.max(0, end - n), end);
    }
  }

  private final SimConfig config;
  private final Schedule schedule;
  private final ReplicationSettings settings;
  private final VirtualScheduler scheduler;
  private final Trace trace;
  private final Network network;
  private final History history = new History();
  private final Random ids;
  private final Master master = new Master();
  private final Clone[] clones = new Clone[Schedule.CLONES + 1];
  private final Map<EndpointId, Integer> endpoints = new HashMap<>();
  private final long tick = Schedule.TICK.toNanos();
  private boolean healed;
  private boolean quiescent;
  private long messagesAtHeal;

  Simulation(SimConfig config) {
    this.config = config;
    this.schedule = Schedule.generate(config);
    this.settings = schedule.settings;
    this.scheduler = new VirtualScheduler(new ManualClock(START));
    this.trace = new Trace(config.trace(), scheduler::now);
    this.network = new Network(scheduler, schedule.networkSeed, Schedule.CLONES, trace, this::deliver);
    this.ids = new Random(schedule.idSeed);
    for (int i = 1; i <= Schedule.CLONES; i++) {
      clones[i] = new Clone(i);
      endpoints.put(clones[i].endpoint, i);
    }
  }

  static Result run(SimConfig config) {
    return new Simulation(config).run();
  }

  Result run() {
    try {
      master.start();
      scheduler.at(ids.nextInt((int) tick), master::tick);
      for (int i = 1; i <= Schedule.CLONES; i++) {
        Clone c = clones[i];
        scheduler.at(ids.nextInt(20) * Schedule.MS, c::start);
        scheduler.at(ids.nextInt((int) tick), c::tick);
      }
      for (Op op : schedule.ops) {
        scheduler.at(op.time(), () -> issue(op));
      }
      for (FaultAction f : schedule.faults) {
        scheduler.at(f.time(), () -> fault(f));
      }
      scheduler.at(schedule.chaosEnd, this::heal);
      if (!runUntilQuiescent(schedule.chaosEnd + QUIESCENCE_BOUND)) {
        history.violation("liveness", scheduler.now(), "not quiescent " + QUIESCENCE_BOUND / 1_000_000_000L
            + " s (virtual) after the faults healed: " + diagnostics());
      } else {
        checkConvergence();
        history.checkOutcomes(masterState(), scheduler.now());
        if (history.violations.isEmpty()) {
          afterlife();
        }
      }
    } catch (RuntimeException | AssertionError e) {
      StringWriter w = new StringWriter();
      e.printStackTrace(new PrintWriter(w));
      history.violation("exception", scheduler.now(), w.toString());
    }
    String stats = String.format("ops=%d faults=%d masterCrashes=%d events=%d messages=%d (dropped %d, after heal %d) "
            + "staleReads=%d checkedReads=%d virtual=%.0fms quiescentAfterHeal=%.0fms",
        schedule.ops.size(), schedule.faults.size(), history.masterCrashes, history.log.size(), network.sent, network.dropped,
        network.sent - messagesAtHeal, history.staleReads, history.checkedReads, scheduler.now() / 1e6,
        (scheduler.now() - schedule.chaosEnd) / 1e6);
    return new Result(config, schedule, List.copyOf(history.violations), trace.lines(), trace.times(), stats, coverage());
  }

  /** What the run exercised: messages per kind, request outcomes, crashes. */
  private Map<String, Long> coverage() {
    Map<String, Long> c = new TreeMap<>();
    network.kinds.forEach((k, n) -> c.put("message " + k, (long) n));
    for (Request r : history.requests.values()) {
      String outcome = r.status == Status.FAILED ? "FAILED " + r.error : r.status.toString();
      c.merge((r.op.kind() == Kind.READ ? "read " : "write ") + outcome, 1L, Long::sum);
    }
    c.put("master crashes", (long) history.masterCrashes);
    c.put("writer journal deletions", master.journalView.deletions());
    c.put("stale reads", history.staleReads);
    c.put("checked reads", history.checkedReads);
    c.put("runs", 1L);
    return c;
  }

  // ---- the master ------------------------------------------------------------------------------

  /** The master process: its state machine (null while down) over a backend and journal that survive crashes. */
  private final class Master {
    final MemoryBackend backend = new MemoryBackend();
    final Map<Long, WriterState> journal = new HashMap<>();
    final UUID uuid = new UUID(0x6d61737465720000L, 0);
    MasterState state;
    boolean batchPending;
    int downGeneration;

    final MapJournal journalView = new MapJournal(journal);

    final MasterState.Transport transport = new MasterState.Transport() {
      @Override
      public void broadcast(StoreMessage message) {
        for (int i = 1; i <= Schedule.CLONES; i++) {
          network.send(Schedule.MASTER, i, message);
        }
      }

      @Override
      public void send(long clone, EndpointId endpoint, StoreMessage message) {
        Integer i = endpoints.get(endpoint);
        if (i != null) {
          network.send(Schedule.MASTER, i, message);
        }
      }

      @Override
      public void broadcast(byte[] message) {
        for (int i = 1; i <= Schedule.CLONES; i++) {
          network.send(Schedule.MASTER, i, StoreMessage.BodyCase.UPDATES, message);
        }
      }

      @Override
      public void send(long clone, EndpointId endpoint, byte[] message) {
        Integer i = endpoints.get(endpoint);
        if (i != null) {
          network.send(Schedule.MASTER, i, StoreMessage.BodyCase.UPDATES, message);
        }
      }
    };

    void start() {
      long epoch;
      do {
        epoch = ids.nextLong();
      } while (epoch == 0);
      StoreCore core = new StoreCore(STORE, backend, scheduler.clock(), new EntityId(uuid, 0));
      core.onEvent(e -> history.masterEvent(e, scheduler.now()));
      state = new MasterState(core, epoch, settings, transport, journalView);
      trace.add("master starts, epoch e" + Trace.id(epoch) + ", " + backend.size() + " entries");
    }

    /** A crash between batches: the batch in progress completes first, then the process is gone. */
    void crash() {
      if (state == null) {
        return;
      }
      if (batchPending) {
        endBatch();
      }
      trace.add("master CRASH (epoch e" + Trace.id(state.epoch()) + ", seq " + state.seq() + ")");
      state = null;
      history.masterCrashes++;
    }

    void deliver(StoreMessage m) {
      if (state == null) {
        return;
      }
      state.onMessage(m);
      if (!batchPending) {
        batchPending = true;
        scheduler.after(0, this::endBatch);
      }
    }

    void endBatch() {
      batchPending = false;
      if (state != null) {
        state.endBatch();
      }
    }

    void tick() {
      if (state != null) {
        batchPending = false;
        state.tick();
      }
      scheduler.after(tick, this::tick);
      if (healed && !quiescent) {
        checkQuiescence();
      }
    }
  }

  // ---- the clones ------------------------------------------------------------------------------

  /** A clone process: its state machine (null while down), restarted with a new id and an empty replica. */
  private final class Clone {
    final int index;
    final EndpointId endpoint;
    final UUID uuid;
    CloneState state;
    int downGeneration;
    int incarnation;
    /** When it last received anything from the master (virtual ns). */
    long lastFromMaster;
    /** Per key, the master event this incarnation's reads must reflect (its completed writes). */
    Map<Data, Integer> mustSee = new HashMap<>();

    Clone(int index) {
      this.index = index;
      this.uuid = new UUID(0x636c6f6e65000000L + index, 0);
      this.endpoint = EndpointId.of(new UUID(0x656e64706f696e74L, index));
    }

    void start() {
      long id;
      do {
        id = ids.nextLong();
      } while (id == 0);
      mustSee = new HashMap<>();
      incarnation++;
      lastFromMaster = scheduler.now();
      StoreCore replica = new StoreCore(STORE, new MemoryBackend(), scheduler.clock(), new EntityId(uuid, 0));
      state = new CloneState(STORE, id, endpoint, replica, scheduler.clock(), settings, schedule.intervals,
          m -> network.send(index, Schedule.MASTER, m));
      trace.add("clone" + index + " starts as " + Trace.id(id));
      state.start();
    }

    void crash() {
      if (state == null) {
        return;
      }
      trace.add("clone" + index + " CRASH (" + Trace.id(state.id()) + ")");
      state = null;
      for (Request r : history.requests.values()) {
        if (r.status == Status.PENDING && r.op.member() == index) {
          r.status = Status.LOST;
        }
      }
    }

    void deliver(StoreMessage m) {
      if (state != null) {
        lastFromMaster = scheduler.now();
        state.onMessage(m);
        state.flushWrites();
      }
    }

    void deliver(UpdateBatch updates) {
      if (state != null) {
        lastFromMaster = scheduler.now();
        state.onUpdates(updates);
        state.flushWrites();
      }
    }

    void tick() {
      if (state != null) {
        state.tick();
      }
      scheduler.after(tick, this::tick);
    }
  }

  /** Delivers a message as serialised; a clone reads update messages as {@code StoreManager} does. */
  private void deliver(int from, int to, byte[] bytes) {
    if (trace.on()) {
      trace.add(Network.route(from, to) + " " + Trace.describe(Wire.parse(bytes)));
    }
    if (to == Schedule.MASTER) {
      master.deliver(Wire.parse(bytes));
      return;
    }
    UpdateBatch updates = UpdatesDecoder.tryDecode(bytes);
    if (updates != null) {
      clones[to].deliver(updates);
    } else {
      clones[to].deliver(Wire.parse(bytes));
    }
  }

  // ---- operations --------------------------------------------------------------------------------

  private void issue(Op op) {
    Request r = history.add(op);
    if (op.member() == Schedule.MASTER) {
      issueOnMaster(op, r);
      return;
    }
    Clone c = clones[op.member()];
    CloneState s = c.state;
    if (s == null) {
      r.status = Status.SKIPPED;
      return;
    }
    r.incarnation = c.incarnation;
    trace.add("clone" + c.index + " issues " + op);
    if (op.kind() == Kind.READ) {
      int from = c.mustSee.getOrDefault(op.readKey(), -1);
      s.read(core -> core.entry(op.readKey()), new CloneState.Completion<Backend.Entry>() {
        @Override
        public void complete(Backend.Entry e) {
          done(r, Status.OK, e == null ? null : e.value(), null);
          checkRead(c, op.readKey(), from, e, "read #" + op.id());
          long silent = scheduler.now() - c.lastFromMaster;
          long allowed = settings.masterTimeout().toNanos() + schedule.intervals.stale().toNanos() + 2 * tick;
          if (s.everSynced() && silent > allowed) {
            history.violation("stale-data", scheduler.now(), "read #" + op.id() + " on clone" + c.index + " succeeded after "
                + silent / 1_000_000 + " ms without a word from the master (stale interval " + schedule.intervals.stale() + ")");
          }
        }

        @Override
        public void fail(BrokerException e) {
          done(r, Status.FAILED, null, e);
          if (!History.READ_ERRORS.contains(e.code())) {
            history.violation("error", scheduler.now(), "read failed with an unexpected error: " + r);
          } else {
            history.staleReads++;
          }
        }
      });
      return;
    }
    s.write(op.mutation(), new EntityId(c.uuid, op.id()), new CloneState.Completion<Data>() {
      @Override
      public void complete(Data value) {
        done(r, Status.OK, value, null);
        readYourWrite(c, s, r);
      }

      @Override
      public void fail(BrokerException e) {
        done(r, Status.FAILED, null, e);
        if (!History.WRITE_ERRORS.contains(e.code())) {
          history.violation("error", scheduler.now(), "write failed with an unexpected error: " + r);
        }
      }
    });
    s.flushWrites();
  }

  private void issueOnMaster(Op op, Request r) {
    MasterState s = master.state;
    if (s == null) {
      r.status = Status.SKIPPED;
      return;
    }
    trace.add("master issues " + op);
    try {
      Data v = s.apply(op.mutation(), new EntityId(master.uuid, op.id()));
      s.endBatch();
      done(r, Status.OK, v, null);
    } catch (BrokerException e) {
      s.endBatch();
      done(r, Status.FAILED, null, e);
      if (!History.WRITE_ERRORS.contains(e.code())) {
        history.violation("error", scheduler.now(), "write failed with an unexpected error: " + r);
      }
    }
  }

  private void done(Request r, Status status, Data value, BrokerException e) {
    if (r.status != Status.PENDING) {
      history.violation("completion", scheduler.now(), "request completed twice: " + r + " then " + status
          + (e != null ? " " + e.code() : " " + value));
      return;
    }
    r.status = status;
    r.value = value;
    r.error = e == null ? null : e.code();
    r.message = e == null ? null : e.getMessage();
    r.doneAt = scheduler.now();
    r.crashesAtAck = history.masterCrashes;
    if (trace.on()) {
      trace.add("  completed " + r);
    }
  }

  /** Right after a clone write completes, the clone's replica shows it (or a later state of its keys). */
  private void readYourWrite(Clone c, CloneState s, Request r) {
    for (int index : history.eventsOf(r.op.id())) {
      Data key = history.log.get(index).key();
      c.mustSee.merge(key, index, Math::max);
    }
    for (int index : history.eventsOf(r.op.id())) {
      Data key = history.log.get(index).key();
      int from = c.mustSee.get(key);
      s.read(core -> core.entry(key), new CloneState.Completion<Backend.Entry>() {
        @Override
        public void complete(Backend.Entry e) {
          checkRead(c, key, from, e, "read-your-write of #" + r.op.id());
        }

        @Override
        public void fail(BrokerException e) {
          history.staleReads++;
          if (e.code() != ErrorCode.STALE_DATA) {
            history.violation("error", scheduler.now(), "read-your-write of " + r + " failed: " + e);
          }
        }
      });
    }
  }

  private void checkRead(Clone c, Data key, int from, Backend.Entry e, String what) {
    history.checkedReads++;
    Data seen = e == null ? null : e.value();
    if (!history.isStateSince(key, from, seen)) {
      history.violation("read-your-writes", scheduler.now(), what + " on clone" + c.index + ": " + key + " = " + seen
          + " is not a state the master had " + (from < 0 ? "ever" : "since event " + from + " " + history.log.get(from)));
    }
  }

  // ---- faults -----------------------------------------------------------------------------------

  private void fault(FaultAction f) {
    trace.add("FAULT " + f);
    switch (f.fault()) {
      case DROP, DUPLICATE, REORDER, DELAY, PARTITION -> {
        List<Network.Link> links = new ArrayList<>();
        if (f.direction() != 1) {
          links.add(network.link(Schedule.MASTER, f.target()));
        }
        if (f.direction() != 0) {
          links.add(network.link(f.target(), Schedule.MASTER));
        }
        int slot = f.fault().ordinal();
        for (Network.Link l : links) {
          set(l, f, true);
          int gen = ++l.generation[slot];
          scheduler.after(f.duration(), () -> {
            if (l.generation[slot] == gen) {
              set(l, f, false);
              trace.add("fault over: " + f);
            }
          });
        }
      }
      case MASTER_CRASH -> {
        master.crash();
        int gen = ++master.downGeneration;
        scheduler.after(f.duration(), () -> {
          if (!healed && master.downGeneration == gen && master.state == null) {
            master.start();
          }
        });
      }
      case CLONE_CRASH -> {
        Clone c = clones[f.target()];
        c.crash();
        int gen = ++c.downGeneration;
        scheduler.after(f.duration(), () -> {
          if (!healed && c.downGeneration == gen && c.state == null) {
            c.start();
          }
        });
      }
      case CLOCK_JUMP -> scheduler.clock().advanceNanos(f.amount());
    }
  }

  private static void set(Network.Link l, FaultAction f, boolean on) {
    switch (f.fault()) {
      case DROP -> l.drop = on ? f.rate() : 0;
      case DUPLICATE -> l.duplicate = on ? f.rate() : 0;
      case REORDER -> l.jitter = on ? f.amount() : 0;
      case DELAY -> l.latency = on ? f.amount() : Network.BASE_LATENCY;
      case PARTITION -> l.cut = on;
      default -> throw new IllegalArgumentException(f.toString());
    }
  }

  private void heal() {
    trace.add("HEAL: faults stop");
    healed = true;
    messagesAtHeal = network.sent;
    network.healAll();
    if (master.state == null) {
      master.start();
    }
    for (int i = 1; i <= Schedule.CLONES; i++) {
      if (clones[i].state == null) {
        clones[i].start();
      }
    }
  }

  /**
   * After the checks: everyone stays silent past the writer retention (the master forgets every
   * writer, live clones' included), then each live clone writes once more. Those writes must
   * succeed, exactly once (a clone whose writer was forgotten is answered writer_unknown and goes
   * on under a new one), and everything must converge again.
   */
  private void afterlife() {
    long quietUntil = scheduler.now() + settings.writerRetention().toNanos() + 2 * settings.cloneTimeout().toNanos()
        + 4 * tick;
    while (scheduler.step(quietUntil)) {
      // run
    }
    trace.add("AFTERLIFE: every writer silent past the retention");
    List<Request> last = new ArrayList<>();
    for (int i = 1; i <= Schedule.CLONES; i++) {
      Op op = new Op(AFTERLIFE_OPS + i, scheduler.now(), i, Kind.PUT,
          new Mutation.Put(Data.of("afterlife" + i), Data.of((long) i), null), null);
      issue(op);
      last.add(history.requests.get(op.id()));
    }
    quiescent = false;
    if (!runUntilQuiescent(scheduler.now() + QUIESCENCE_BOUND)) {
      history.violation("liveness", scheduler.now(), "not quiescent after the afterlife writes: " + diagnostics());
      return;
    }
    for (Request r : last) {
      if (r.status != Status.OK) {
        history.violation("forgotten-writer", scheduler.now(), "a write after every writer was forgotten did not"
            + " succeed: " + r);
      }
    }
    checkConvergence();
    history.checkOutcomes(masterState(), scheduler.now());
  }

  // ---- quiescence and convergence --------------------------------------------------------------------

  /** Runs the scheduled actions until the run is quiescent or virtual time reaches {@code bound}; whether it is. */
  private boolean runUntilQuiescent(long bound) {
    while (!quiescent && scheduler.step(bound)) {
      // run
    }
    return quiescent;
  }

  private void checkQuiescence() {
    MasterState m = master.state;
    if (m == null || master.batchPending || !m.idle() || m.clones() != Schedule.CLONES) {
      return;
    }
    for (int i = 1; i <= Schedule.CLONES; i++) {
      if (clones[i].state == null || !clones[i].state.idle()) {
        return;
      }
    }
    for (Request r : history.requests.values()) {
      if (r.status == Status.PENDING) {
        return;
      }
    }
    quiescent = true;
    trace.add("QUIESCENT");
  }

  private String diagnostics() {
    StringBuilder b = new StringBuilder();
    MasterState m = master.state;
    b.append("master ").append(m == null ? "down" : "idle=" + m.idle() + " clones=" + m.clones() + " seq=" + m.seq()
        + " buffered=" + m.buffered());
    for (int i = 1; i <= Schedule.CLONES; i++) {
      CloneState c = clones[i].state;
      b.append("; clone").append(i).append(c == null ? " down" : " " + Trace.id(c.id()) + " synced=" + c.isSynced() + " idle="
          + c.idle() + " pendingWrites=" + c.pendingWrites() + " epoch=e" + Trace.id(c.masterEpoch()));
    }
    int shown = 0;
    for (Request r : history.requests.values()) {
      if (r.status == Status.PENDING && shown++ < 5) {
        b.append("\n  pending: ").append(r);
      }
    }
    return b.toString();
  }

  private Map<Data, Backend.Entry> masterState() {
    return entries(master.state.core());
  }

  private static Map<Data, Backend.Entry> entries(StoreCore core) {
    Map<Data, Backend.Entry> all = new TreeMap<>();
    core.snapshot((k, v, d) -> all.put(k.data(), new Backend.Entry(v, d)));
    return all;
  }

  /** Every clone's replica is exactly the master's state: keys, values and deadlines. */
  private void checkConvergence() {
    long now = scheduler.now();
    Map<Data, Backend.Entry> expected = masterState();
    for (int i = 1; i <= Schedule.CLONES; i++) {
      Map<Data, Backend.Entry> actual = entries(clones[i].state.replica());
      if (!expected.equals(actual)) {
        List<String> diffs = new ArrayList<>();
        TreeMap<Data, Boolean> all = new TreeMap<>();
        expected.keySet().forEach(k -> all.put(k, true));
        actual.keySet().forEach(k -> all.put(k, true));
        for (Data k : all.keySet()) {
          if (!Objects.equals(expected.get(k), actual.get(k)) && diffs.size() < 6) {
            diffs.add(k + ": master " + expected.get(k) + ", clone " + actual.get(k));
          }
        }
        history.violation("convergence", now, "clone" + i + " differs from the master: " + diffs);
      }
    }
    long overdue = scheduler.clock().nowNanos() - 2 * tick;
    expected.forEach((k, e) -> {
      if (e.hasDeadline() && e.deadline() < overdue) {
        history.violation("expiry", now, k + " is still on the master " + (overdue - e.deadline()) / 1e6 + " ms after its deadline");
      }
    });
  }
}
