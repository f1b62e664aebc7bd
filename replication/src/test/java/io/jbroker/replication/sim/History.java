package io.jbroker.replication.sim;

import io.jbroker.data.BooleanData;
import io.jbroker.data.CountData;
import io.jbroker.data.Data;
import io.jbroker.data.VectorData;
import io.jbroker.error.ErrorCode;
import io.jbroker.replication.sim.Schedule.Kind;
import io.jbroker.replication.sim.Schedule.Op;
import io.jbroker.store.Backend;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The oracle: every request and its outcome, and every event of the master (across restarts, in
 * order). Each request has its own publisher id, so the master's events say exactly which
 * request changed what and how often — the basis of the exactly-once, putUnique, durability and
 * read-your-writes checks.
 */
final class History {
  enum Status { PENDING, OK, FAILED, LOST, SKIPPED }

  /** Error codes a write may end with (SEMANTICS.md); the first group means "not applied". */
  static final Set<ErrorCode> NOT_APPLIED = EnumSet.of(ErrorCode.TYPE_CLASH, ErrorCode.INVALID_DATA, ErrorCode.NO_SUCH_KEY,
      ErrorCode.STALE_DATA, ErrorCode.NO_SUCH_MASTER);
  static final Set<ErrorCode> WRITE_ERRORS = EnumSet.of(ErrorCode.TYPE_CLASH, ErrorCode.INVALID_DATA,
      ErrorCode.NO_SUCH_KEY, ErrorCode.STALE_DATA, ErrorCode.NO_SUCH_MASTER, ErrorCode.REQUEST_TIMEOUT);
  static final Set<ErrorCode> READ_ERRORS = EnumSet.of(ErrorCode.STALE_DATA);

  static final class Request {
    final Op op;
    /** The incarnation of the member that issued it (clones restart with a new id). */
    int incarnation;
    Status status = Status.PENDING;
    Data value;
    ErrorCode error;
    String message;
    long doneAt = -1;
    /** Master crashes before the acknowledgement. */
    int crashesAtAck;

    Request(Op op) {
      this.op = op;
    }

    @Override
    public String toString() {
      return op + " -> " + status + (value != null ? " " + value : "") + (error != null ? " " + error + " (" + message + ")" : "");
    }
  }

  record Violation(String kind, long time, String message) {
    @Override
    public String toString() {
      return String.format("[%s at %.3fms] %s", kind, time / 1e6, message);
    }
  }

  /** One event of the master; {@code value} null for erase/expire; {@code request} 0 for expiries. */
  record Event(int index, long time, Data key, char kind, Data value, long request) {}

  private static final class KeyHistory {
    final List<Integer> index = new ArrayList<>();
    final List<Data> value = new ArrayList<>();
  }

  final Map<Long, Request> requests = new LinkedHashMap<>();
  final List<Event> log = new ArrayList<>();
  private final Map<Long, List<Integer>> byRequest = new HashMap<>();
  private final Map<Data, KeyHistory> keys = new HashMap<>();
  final List<Violation> violations = new ArrayList<>();
  int masterCrashes;
  long staleReads;
  long checkedReads;

  Request add(Op op) {
    Request r = new Request(op);
    requests.put(op.id(), r);
    return r;
  }

  void violation(String kind, long time, String message) {
    violations.add(new Violation(kind, time, message));
  }

  void masterEvent(StoreEvent e, long time) {
    Data key;
    Data value;
    char kind;
    long request;
    if (e instanceof StoreEvent.Insert i) {
      key = i.key();
      value = i.value();
      kind = 'I';
      request = i.publisher() == null ? -1 : i.publisher().object();
    } else if (e instanceof StoreEvent.Update u) {
      key = u.key();
      value = u.newValue();
      kind = 'U';
      request = u.publisher() == null ? -1 : u.publisher().object();
    } else if (e instanceof StoreEvent.Erase x) {
      key = x.key();
      value = null;
      kind = 'E';
      request = x.publisher() == null ? -1 : x.publisher().object();
    } else {
      StoreEvent.Expire x = (StoreEvent.Expire) e;
      key = x.key();
      value = null;
      kind = 'X';
      request = 0;
    }
    int index = log.size();
    log.add(new Event(index, time, key, kind, value, request));
    byRequest.computeIfAbsent(request, r -> new ArrayList<>()).add(index);
    KeyHistory h = keys.computeIfAbsent(key, k -> new KeyHistory());
    h.index.add(index);
    h.value.add(value);
  }

  /** Indices of the master events caused by request {@code id}. */
  List<Integer> eventsOf(long id) {
    return byRequest.getOrDefault(id, Collections.emptyList());
  }

  /** How many times request {@code id} was applied: runs of consecutive events (a clear emits one run). */
  int applications(long id) {
    List<Integer> ev = eventsOf(id);
    int runs = 0;
    int prev = -2;
    for (int i : ev) {
      if (i != prev + 1) {
        runs++;
      }
      prev = i;
    }
    return runs;
  }

  /**
   * Whether {@code seen} (null: absent) is a state {@code key} had on the master at or after event
   * {@code from} ({@code -1}: any state, including the initial absence).
   */
  boolean isStateSince(Data key, int from, Data seen) {
    KeyHistory h = keys.get(key);
    if (h == null) {
      return seen == null;
    }
    if (from < 0 && seen == null) {
      return true;
    }
    int pos = Collections.binarySearch(h.index, from);
    if (pos < 0) {
      pos = -pos - 1;
    }
    for (int i = pos; i < h.index.size(); i++) {
      Data v = h.value.get(i);
      if (v == null ? seen == null : v.equals(seen)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code key} was removed (erase, expire, clear) by an event after {@code after}. */
  private boolean removedAfter(Data key, int after) {
    KeyHistory h = keys.get(key);
    if (h == null) {
      return false;
    }
    for (int i = h.index.size() - 1; i >= 0 && h.index.get(i) > after; i--) {
      if (h.value.get(i) == null) {
        return true;
      }
    }
    return false;
  }

  private static boolean alwaysChanges(Op op) {
    return switch (op.kind()) {
      case PUSH, PUT, INCREMENT, APPEND, INSERT_INTO, INSERT_AT, DECREMENT -> true;
      default -> false;
    };
  }

  /** The checks on outcomes once the run is quiescent; {@code state} is the master's final state. */
  void checkOutcomes(Map<Data, Backend.Entry> state, long now) {
    Map<Data, List<Request>> uniqueWins = new TreeMap<>();
    for (Request r : requests.values()) {
      Op op = r.op;
      if (op.kind() == Kind.READ || r.status == Status.SKIPPED) {
        continue;
      }
      int apps = applications(op.id());
      if (apps > 1) {
        violation(r.status == Status.OK ? "exactly-once" : "at-most-once", now,
            "request applied " + apps + " times: " + r + "; events " + eventsOf(op.id()));
        continue;
      }
      switch (r.status) {
        case OK -> {
          if (op.kind() == Kind.PUT_UNIQUE) {
            boolean won = BooleanData.TRUE.equals(r.value);
            if (won != (apps == 1)) {
              violation("result", now, "putUnique answered " + r.value + " but the master " + (apps == 1 ? "inserted" : "did not insert")
                  + " it: " + r);
            }
            if (won) {
              uniqueWins.computeIfAbsent(op.mutation().key(), k -> new ArrayList<>()).add(r);
            }
          } else if (alwaysChanges(op) && apps == 0) {
            violation(r.crashesAtAck < masterCrashes ? "durability" : "exactly-once", now,
                "acknowledged write was never applied" + (r.crashesAtAck < masterCrashes ? " (acknowledged before master crash #"
                    + (r.crashesAtAck + 1) + ")" : "") + ": " + r);
          }
        }
        case FAILED -> {
          if (NOT_APPLIED.contains(r.error) && apps != 0) {
            violation("result", now, "write failed with " + r.error + " but the master applied it: " + r);
          }
        }
        default -> {
          // PENDING (lost with a crashed clone) or LOST: at most once, checked above
        }
      }
    }
    // at most one putUnique winner per key while it exists
    uniqueWins.forEach((key, wins) -> {
      wins.sort((a, b) -> Integer.compare(eventsOf(a.op.id()).get(0), eventsOf(b.op.id()).get(0)));
      for (int i = 1; i < wins.size(); i++) {
        int prev = eventsOf(wins.get(i - 1).op.id()).get(0);
        int cur = eventsOf(wins.get(i).op.id()).get(0);
        if (!removedBetween(key, prev, cur)) {
          violation("putUnique", now, "two putUnique winners for " + key + " with no removal between: " + wins.get(i - 1) + " and " + wins.get(i));
        }
      }
    });
    checkVectors(state, now);
    checkCounters(state, now);
    checkWriteOrder(now);
  }

  /** A clone's writes are applied in the order it issued them (buffered ones included). */
  private void checkWriteOrder(long now) {
    Map<String, Request> last = new HashMap<>();
    for (Request r : requests.values()) {
      if (r.op.member() == Schedule.MASTER || r.op.kind() == Kind.READ || eventsOf(r.op.id()).isEmpty()) {
        continue;
      }
      String writer = r.op.member() + "/" + r.incarnation;
      Request prev = last.put(writer, r);
      if (prev != null && eventsOf(prev.op.id()).get(0) > eventsOf(r.op.id()).get(0)) {
        violation("write-order", now, "clone" + r.op.member() + "'s writes were applied out of order: " + r + " before " + prev);
      }
    }
  }

  private boolean removedBetween(Data key, int from, int to) {
    KeyHistory h = keys.get(key);
    for (int i = 0; i < h.index.size(); i++) {
      int idx = h.index.get(i);
      if (idx > from && idx < to && h.value.get(i) == null) {
        return true;
      }
    }
    return false;
  }

  /** Every acknowledged push token is in its vector exactly once (unless the vector was removed since); others at most once. */
  private void checkVectors(Map<Data, Backend.Entry> state, long now) {
    Map<Data, Map<Data, Integer>> counts = new HashMap<>();
    for (int m = 0; m <= Schedule.CLONES; m++) {
      Data key = Schedule.vec(m);
      Map<Data, Integer> c = new HashMap<>();
      Backend.Entry e = state.get(key);
      if (e != null && e.value() instanceof VectorData v) {
        for (Data t : v.elements()) {
          c.merge(t, 1, Integer::sum);
        }
      }
      c.forEach((t, n) -> {
        if (n > 1) {
          violation("exactly-once", now, "token " + t + " is " + n + " times in " + key);
        }
      });
      counts.put(key, c);
    }
    for (Request r : requests.values()) {
      if (r.op.kind() != Kind.PUSH || r.status != Status.OK) {
        continue;
      }
      Mutation.Push p = (Mutation.Push) r.op.mutation();
      List<Integer> ev = eventsOf(r.op.id());
      if (ev.isEmpty() || removedAfter(p.key(), ev.get(0))) {
        continue; // never applied is reported above; removed since is fine
      }
      if (counts.get(p.key()).getOrDefault(p.value(), 0) != 1) {
        boolean crashed = r.crashesAtAck < masterCrashes;
        violation(crashed ? "durability" : "exactly-once", now, "acknowledged token " + p.value() + " is not in " + p.key()
            + (crashed ? " (acknowledged before master crash #" + (r.crashesAtAck + 1) + ")" : "") + ": " + r);
      }
    }
  }

  /** A counter never removed holds the applied increments minus decrements, within the unknown outcomes. */
  private void checkCounters(Map<Data, Backend.Entry> state, long now) {
    for (int k = 0; k < 3; k++) {
      Data key = Schedule.ctr(k);
      if (removedAfter(key, -1)) {
        continue;
      }
      long applied = 0;
      long low = 0;
      long high = 0;
      for (Request r : requests.values()) {
        Mutation m = r.op.mutation();
        boolean inc = m instanceof Mutation.Increment;
        boolean dec = m instanceof Mutation.Decrement;
        if ((!inc && !dec) || !key.equals(m.key()) || r.status == Status.SKIPPED) {
          continue;
        }
        long amount = ((CountData) (inc ? ((Mutation.Increment) m).amount() : ((Mutation.Decrement) m).amount())).value();
        long signed = inc ? amount : -amount;
        boolean acked = r.status == Status.OK;
        boolean unknown = r.status == Status.PENDING || r.status == Status.LOST
            || (r.status == Status.FAILED && r.error == ErrorCode.REQUEST_TIMEOUT);
        if (applications(r.op.id()) == 1) {
          applied += signed;
        }
        if (acked) {
          low += signed;
          high += signed;
        } else if (unknown) {
          low += Math.min(0, signed);
          high += Math.max(0, signed);
        }
      }
      Backend.Entry e = state.get(key);
      long value = e == null ? 0 : e.value() instanceof CountData c ? c.value() : Long.MIN_VALUE;
      if (value != applied || value < low || value > high) {
        violation("counter", now, key + " is " + (e == null ? "absent" : e.value()) + ": applied increments give " + applied
            + ", acknowledged ones allow [" + low + ", " + high + "]");
      }
    }
  }
}
