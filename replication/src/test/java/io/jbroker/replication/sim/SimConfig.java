package io.jbroker.replication.sim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One simulation run: everything random in it follows from {@code seed}. The other fields cut the
 * seed's schedule down — the first {@code operations} operations minus {@code skippedOps}, the
 * fault actions of the classes in {@code faults} minus {@code skippedFaults} (indices in the
 * seed's fault sequence) — which is how a failure is shrunk to a short reproducing schedule.
 */
record SimConfig(long seed, int operations, Set<Fault> faults, Set<Long> skippedOps, Set<Integer> skippedFaults,
    boolean trace) {
  SimConfig {
    faults = Collections.unmodifiableSet(faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(faults));
    skippedOps = Collections.unmodifiableSet(new TreeSet<>(skippedOps));
    skippedFaults = Collections.unmodifiableSet(new TreeSet<>(skippedFaults));
  }

  static SimConfig of(long seed, int operations) {
    return new SimConfig(seed, operations, EnumSet.allOf(Fault.class), Set.of(), Set.of(), false);
  }

  SimConfig withOperations(int n) {
    return new SimConfig(seed, n, faults, skippedOps, skippedFaults, trace);
  }

  SimConfig withFaults(Set<Fault> f) {
    return new SimConfig(seed, operations, f, skippedOps, skippedFaults, trace);
  }

  SimConfig without(Fault f) {
    EnumSet<Fault> less = faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(faults);
    less.remove(f);
    return withFaults(less);
  }

  SimConfig skippingOps(Collection<Long> ids) {
    TreeSet<Long> s = new TreeSet<>(skippedOps);
    s.addAll(ids);
    return new SimConfig(seed, operations, faults, s, skippedFaults, trace);
  }

  SimConfig skippingFaults(Collection<Integer> indices) {
    TreeSet<Integer> s = new TreeSet<>(skippedFaults);
    s.addAll(indices);
    return new SimConfig(seed, operations, faults, skippedOps, s, trace);
  }

  SimConfig withTrace(boolean t) {
    return new SimConfig(seed, operations, faults, skippedOps, skippedFaults, t);
  }

  /** The system properties that replay this run. */
  String replayArguments() {
    StringBuilder b = new StringBuilder("-Djbroker.sim.seed=").append(seed).append(" -Djbroker.sim.ops=").append(operations);
    b.append(" -Djbroker.sim.faults=").append(faults.isEmpty() ? "none" : String.join(",", faults.stream().map(Enum::name).toList()));
    if (!skippedOps.isEmpty()) {
      b.append(" -Djbroker.sim.skipOps=").append(ranges(skippedOps));
    }
    if (!skippedFaults.isEmpty()) {
      b.append(" -Djbroker.sim.skipFaults=").append(ranges(skippedFaults));
    }
    return b.toString();
  }

  /** Parses the system properties written by {@link #replayArguments()} (seed given). */
  static SimConfig fromProperties(long seed, int defaultOps) {
    int ops = Integer.getInteger("jbroker.sim.ops", defaultOps);
    EnumSet<Fault> faults = EnumSet.allOf(Fault.class);
    String f = System.getProperty("jbroker.sim.faults");
    if (f != null) {
      faults = EnumSet.noneOf(Fault.class);
      for (String name : f.split(",")) {
        if (!name.isBlank() && !name.trim().equalsIgnoreCase("none")) {
          faults.add(Fault.valueOf(name.trim().toUpperCase()));
        }
      }
    }
    List<Long> skipOps = new ArrayList<>();
    parseRanges(System.getProperty("jbroker.sim.skipOps", ""), skipOps::add);
    List<Integer> skipFaults = new ArrayList<>();
    parseRanges(System.getProperty("jbroker.sim.skipFaults", ""), v -> skipFaults.add((int) v));
    return new SimConfig(seed, ops, faults, new TreeSet<>(skipOps), new TreeSet<>(skipFaults), true);
  }

  private static String ranges(Set<? extends Number> values) {
    List<String> parts = new ArrayList<>();
    long start = Long.MIN_VALUE;
    long prev = Long.MIN_VALUE;
    for (Number n : values) {
      long v = n.longValue();
      if (start != Long.MIN_VALUE && v == prev + 1) {
        prev = v;
        continue;
      }
      if (start != Long.MIN_VALUE) {
        parts.add(start == prev ? "" + start : start + "-" + prev);
      }
      start = v;
      prev = v;
    }
    if (start != Long.MIN_VALUE) {
      parts.add(start == prev ? "" + start : start + "-" + prev);
    }
    return String.join(",", parts);
  }

  private static void parseRanges(String text, java.util.function.LongConsumer out) {
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int dash = p.indexOf('-');
      long from = Long.parseLong(dash < 0 ? p : p.substring(0, dash));
      long to = dash < 0 ? from : Long.parseLong(p.substring(dash + 1));
      for (long v = from; v <= to; v++) {
        out.accept(v);
      }
    }
  }
}
