package io.jbroker.store;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The deadlines of a store's entries, ordered by deadline: exact (one deadline per key, updated
 * on every write), so refreshing a key's expiry never leaves stale entries behind.
 */
final class ExpiryIndex {
  /** A key due at a deadline; ordered by deadline, then key. */
  record Due(long deadline, Key key) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = Long.compare(deadline, o.deadline);
      return c != 0 ? c : key.compareTo(o.key);
    }
  }

  private final Map<Key, Long> byKey = new HashMap<>();
  private final TreeSet<Due> byDeadline = new TreeSet<>();

  /** Records that {@code key} now has {@code deadline} ({@link Backend#NO_DEADLINE}: none). */
  void set(Key key, long deadline) {
    if (deadline == Backend.NO_DEADLINE) {
      remove(key);
      return;
    }
    Long old = byKey.put(key, deadline);
    if (old != null) {
      if (old == deadline) {
        return;
      }
      byDeadline.remove(new Due(old, key));
    }
    byDeadline.add(new Due(deadline, key));
  }

  void remove(Key key) {
    if (byKey.isEmpty()) {
      return;
    }
    Long old = byKey.remove(key);
    if (old != null) {
      byDeadline.remove(new Due(old, key));
    }
  }

  void clear() {
    byKey.clear();
    byDeadline.clear();
  }

  /** Removes and returns the earliest entry if it is due at {@code now}, else {@code null}. */
  Due pollDue(long now) {
    if (byDeadline.isEmpty() || byDeadline.first().deadline() > now) {
      return null;
    }
    Due due = byDeadline.pollFirst();
    byKey.remove(due.key());
    return due;
  }

  /** The earliest deadline, or {@link Backend#NO_DEADLINE}. */
  long next() {
    return byDeadline.isEmpty() ? Backend.NO_DEADLINE : byDeadline.first().deadline();
  }

  int size() {
    return byKey.size();
  }
}
