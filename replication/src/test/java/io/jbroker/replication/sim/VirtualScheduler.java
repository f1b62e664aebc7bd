package io.jbroker.replication.sim;

import io.jbroker.store.ManualClock;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * Virtual time: a priority queue of actions ordered by (time, insertion order) over a {@link
 * ManualClock}. Running an action first moves the clock to its time; an action due in the past
 * (after a clock jump) runs at the current time. Nothing here is concurrent.
 */
final class VirtualScheduler {
  private record Action(long time, long order, Runnable body) {}

  private final PriorityQueue<Action> queue =
      new PriorityQueue<>(Comparator.comparingLong(Action::time).thenComparingLong(Action::order));
  private final ManualClock clock;
  private final long start;
  private long order;

  VirtualScheduler(ManualClock clock) {
    this.clock = clock;
    this.start = clock.nowNanos();
  }

  ManualClock clock() {
    return clock;
  }

  /** Virtual nanoseconds since the start of the run. */
  long now() {
    return clock.nowNanos() - start;
  }

  /** Runs {@code body} at {@code time} (virtual ns since the start), or now if that has passed. */
  void at(long time, Runnable body) {
    queue.add(new Action(Math.max(time, now()), order++, body));
  }

  void after(long delay, Runnable body) {
    at(now() + delay, body);
  }

  /** Runs the next action due at or before {@code until}; false if there is none. */
  boolean step(long until) {
    Action a = queue.peek();
    if (a == null || a.time > until) {
      return false;
    }
    queue.poll();
    if (a.time > now()) {
      clock.set(start + a.time);
    }
    a.body.run();
    return true;
  }
}
