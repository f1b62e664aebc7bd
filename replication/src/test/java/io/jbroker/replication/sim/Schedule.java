package io.jbroker.replication.sim;

import io.jbroker.data.Data;
import io.jbroker.replication.protocol.CloneState;
import io.jbroker.replication.protocol.ReplicationSettings;
import io.jbroker.store.Mutation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Everything a run does that does not depend on how the system reacts, drawn up front from the
 * seed: the timing settings, the client operations (time, member, mutation) and the fault
 * actions. The seed's one {@link Random} hands a sub-seed to each stream (settings, operations,
 * faults, network, ids), so that a run with fewer operations replays a prefix of the same
 * operations and a run without some fault class keeps the other faults at the same times.
 */
final class Schedule {
  static final long MS = 1_000_000L;
  /** The store tick of every member. */
  static final Duration TICK = Duration.ofMillis(10);
  /** Members: 0 is the master, 1..CLONES the clones. */
  static final int CLONES = 3;
  static final int MASTER = 0;

  enum Kind { PUSH, INCREMENT, PUT, PUT_UNIQUE, ERASE, CLEAR, APPEND, INSERT_INTO, INSERT_AT, REMOVE_FROM, POP, DECREMENT, READ }

  /**
   * A client request: {@code id} is also the object id of the request's publisher, so the master's
   * events tell which request caused them.
   */
  record Op(long id, long time, int member, Kind kind, Mutation mutation, Data readKey) {
    @Override
    public String toString() {
      String who = member == MASTER ? "master" : "clone" + member;
      return String.format("%9.3fms #%d %s %s", time / 1e6, id, who, kind == Kind.READ ? "read " + readKey : mutation);
    }
  }

  /**
   * A fault that starts at {@code time} and is reverted after {@code duration} (for crashes: the
   * down time). {@code direction}: 0 master→clone, 1 clone→master, 2 both.
   */
  record FaultAction(int index, long time, Fault fault, int target, int direction, double rate, long amount, long duration) {
    @Override
    public String toString() {
      String dir = direction == 0 ? "m->c" + target : direction == 1 ? "c" + target + "->m" : "m<->c" + target;
      String what = switch (fault) {
        case DROP -> String.format("drop %.0f%% %s", rate * 100, dir);
        case DUPLICATE -> String.format("duplicate %.0f%% %s", rate * 100, dir);
        case REORDER -> String.format("jitter %.1fms %s", amount / 1e6, dir);
        case DELAY -> String.format("latency %.1fms %s", amount / 1e6, dir);
        case PARTITION -> "partition " + dir;
        case MASTER_CRASH -> "master crash";
        case CLONE_CRASH -> "clone" + target + " crash";
        case CLOCK_JUMP -> String.format("clock jump %.1fms", amount / 1e6);
      };
      return String.format("%9.3fms f%d %s for %.1fms", time / 1e6, index, what, duration / 1e6);
    }
  }

  final List<Op> ops;
  final List<FaultAction> faults;
  /** When the faults stop (everything heals) and no more operations are issued. */
  final long chaosEnd;
  final ReplicationSettings settings;
  final CloneState.Intervals intervals;
  final long networkSeed;
  final long idSeed;

  private Schedule(List<Op> ops, List<FaultAction> faults, long chaosEnd, ReplicationSettings settings,
      CloneState.Intervals intervals, long networkSeed, long idSeed) {
    this.ops = ops;
    this.faults = faults;
    this.chaosEnd = chaosEnd;
    this.settings = settings;
    this.intervals = intervals;
    this.networkSeed = networkSeed;
    this.idSeed = idSeed;
  }

  static Schedule generate(SimConfig cfg) {
    Random root = new Random(cfg.seed());
    Random settingsRnd = new Random(root.nextLong());
    Random opsRnd = new Random(root.nextLong());
    Random faultRnd = new Random(root.nextLong());
    long networkSeed = root.nextLong();
    long idSeed = root.nextLong();

    // Timings scaled down so that a few virtual seconds see timeouts, drops and resyncs.
    int[] buffers = {4, 16, 64, 1_000_000};
    int[] chunks = {1, 2, 5, 8192};
    ReplicationSettings settings = new ReplicationSettings(TICK, 5, 1 + settingsRnd.nextInt(5), 1 + settingsRnd.nextInt(3),
        ms(500 + settingsRnd.nextInt(2500)), ms(100 + settingsRnd.nextInt(300)), buffers[settingsRnd.nextInt(buffers.length)],
        chunks[settingsRnd.nextInt(chunks.length)], 3 + settingsRnd.nextInt(13), ms(1000 + settingsRnd.nextInt(3000)),
        ReplicationSettings.DEFAULT_WRITER_RETENTION);
    CloneState.Intervals intervals = new CloneState.Intervals(ms(50 + settingsRnd.nextInt(450)),
        ms(200 + settingsRnd.nextInt(2800)), ms(200 + settingsRnd.nextInt(4800)));
    // drawn last, so that the draws above (and the schedules of known seeds) stay as they were:
    // short enough that silent writers' journal entries are deleted within a run
    Duration longest = settings.cloneTimeout().compareTo(settings.requestTimeout()) >= 0
        ? settings.cloneTimeout() : settings.requestTimeout();
    settings = settings.withWriterRetention(longest.plus(ms(settingsRnd.nextInt(3000))));

    List<Op> ops = new ArrayList<>();
    long t = 0;
    long last = 0;
    for (int i = 0; i < cfg.operations(); i++) {
      t += (long) (-Math.log(1 - opsRnd.nextDouble()) * 10 * MS);
      Op op = op(opsRnd, i + 1, t);
      if (!cfg.skippedOps().contains(op.id())) {
        ops.add(op);
        last = t;
      }
    }
    long chaosEnd = last + 10 * MS;

    List<FaultAction> faults = new ArrayList<>();
    Fault[] classes = Fault.values();
    double[] weights = {3, 2, 3, 2, 3, 1.2, 0.6, 0.5};
    long ft = 0;
    for (int index = 0;; index++) {
      ft += 30 * MS + (long) (faultRnd.nextDouble() * 270 * MS);
      Fault f = classes[pick(faultRnd, weights)];
      int clone = 1 + faultRnd.nextInt(CLONES);
      int direction = faultRnd.nextInt(3);
      double rate = 0.05 + 0.55 * faultRnd.nextDouble();
      double a = faultRnd.nextDouble();
      double d = faultRnd.nextDouble();
      if (ft >= chaosEnd) {
        break;
      }
      long amount = switch (f) {
        case REORDER -> MS + (long) (a * 60 * MS);
        case DELAY -> 5 * MS + (long) (a * 200 * MS);
        case CLOCK_JUMP -> 50 * MS + (long) (a * 3000 * MS);
        default -> 0;
      };
      long duration = switch (f) {
        case PARTITION -> 50 * MS + (long) (d * 4000 * MS);
        case MASTER_CRASH, CLONE_CRASH -> (long) (d * 1000 * MS);
        case CLOCK_JUMP -> 0;
        default -> 50 * MS + (long) (d * 2000 * MS);
      };
      if (cfg.faults().contains(f) && !cfg.skippedFaults().contains(index)) {
        faults.add(new FaultAction(index, ft, f, clone, direction, rate, amount, duration));
      }
    }
    return new Schedule(List.copyOf(ops), List.copyOf(faults), chaosEnd, settings, intervals, networkSeed, idSeed);
  }

  private static final Kind[] KINDS = Kind.values();
  private static final double[] KIND_WEIGHTS = {20, 12, 12, 12, 4, 0.3, 4, 3, 3, 3, 2, 3, 20};

  private static Op op(Random r, long id, long time) {
    int member = r.nextDouble() < 0.25 ? MASTER : 1 + r.nextInt(CLONES);
    Kind kind = KINDS[pick(r, KIND_WEIGHTS)];
    if (kind == Kind.READ && member == MASTER) {
      kind = Kind.PUT; // reads on the master are trivially consistent
    }
    Duration expiry = null;
    double e = r.nextDouble();
    Duration someExpiry = Duration.ofMillis(20 + r.nextInt(1500));
    int k = r.nextInt(1 << 16);
    double choice = r.nextDouble();
    Mutation m = switch (kind) {
      case PUSH -> new Mutation.Push(vec(member), Data.of("r" + id), null);
      case INCREMENT -> new Mutation.Increment(choice < 0.8 ? ctr(k) : misc(k), Data.count(id), e < 0.1 ? someExpiry : null);
      case PUT -> new Mutation.Put(misc(k), value(id, k), e < 0.3 ? someExpiry : null);
      case PUT_UNIQUE -> new Mutation.PutUnique(choice < 0.8 ? uniq(k) : misc(k), Data.of("u" + id), e < 0.1 ? someExpiry : null);
      case ERASE -> new Mutation.Erase(choice < 0.7 ? misc(k) : choice < 0.9 ? uniq(k) : ctr(k));
      case CLEAR -> new Mutation.Clear();
      case APPEND -> new Mutation.Append(misc(k), Data.of("a" + id), e < 0.1 ? someExpiry : null);
      case INSERT_INTO -> new Mutation.InsertInto(misc(k), Data.of("s" + id), e < 0.1 ? someExpiry : null);
      case INSERT_AT -> new Mutation.InsertAt(misc(k), choice < 0.5 ? Data.count(k % 3) : Data.of("i" + (k % 3)),
          Data.of("v" + id), null);
      case REMOVE_FROM -> new Mutation.RemoveFrom(misc(k), choice < 0.5 ? Data.count(k % 3) : Data.of("i" + (k % 3)), null);
      case POP -> new Mutation.Pop(misc(k), null);
      case DECREMENT -> new Mutation.Decrement(choice < 0.8 ? misc(k) : ctr(k), Data.count(1), null);
      case READ -> null;
    };
    Data readKey = null;
    if (kind == Kind.READ) {
      readKey = choice < 0.3 ? vec(k % (CLONES + 1)) : choice < 0.5 ? ctr(k) : choice < 0.8 ? misc(k) : uniq(k);
    }
    return new Op(id, time, member, kind, m, readKey);
  }

  static Data vec(int member) {
    return Data.of("vec/" + member);
  }

  static Data ctr(int k) {
    return Data.of("ctr/" + (k % 3));
  }

  static Data misc(int k) {
    return Data.of("misc/" + (k % 6));
  }

  static Data uniq(int k) {
    return Data.of("uniq/" + (k % 4));
  }

  private static Data value(long id, int k) {
    return switch ((k >> 4) % 5) {
      case 0 -> Data.of("p" + id);
      case 1 -> Data.count(id);
      case 2 -> Data.vector(Data.count(id));
      case 3 -> Data.set(Data.of("p" + id));
      default -> Data.table(Map.of(Data.of("p"), Data.count(id)));
    };
  }

  private static Duration ms(int millis) {
    return Duration.ofMillis(millis);
  }

  private static int pick(Random r, double[] weights) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double x = r.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }

  /** The fault classes and the operations of this schedule, for a failure report. */
  String describe(Set<Fault> enabled) {
    StringBuilder b = new StringBuilder();
    b.append("settings: ").append(settings).append('\n').append("intervals: ").append(intervals).append('\n');
    b.append("fault classes: ").append(enabled).append('\n');
    b.append("operations (").append(ops.size()).append("):\n");
    ops.forEach(o -> b.append("  ").append(o).append('\n'));
    b.append("faults (").append(faults.size()).append("):\n");
    faults.forEach(f -> b.append("  ").append(f).append('\n'));
    b.append(String.format("heal at %.3fms%n", chaosEnd / 1e6));
    return b.toString();
  }
}
