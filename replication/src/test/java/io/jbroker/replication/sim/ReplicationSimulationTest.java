package io.jbroker.replication.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.testing.TestScale;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation of a master and three clones (see {@link Simulation}) over many
 * seeds, {@value #OPERATIONS} operations each: {@value #SEEDS} seeds by default, {@code 40×} that
 * under {@code -Pstress}. A failing seed is shrunk (fault classes dropped, operation count
 * bisected, then single operations and fault actions dropped) and reported with the schedule and
 * the event trace of the shortest run found that fails the same way, and the arguments that
 * replay it.
 *
 * <p>Replay one run and print its full trace: {@code -Djbroker.sim.seed=N}, optionally with
 * {@code -Djbroker.sim.ops=M -Djbroker.sim.faults=DROP,PARTITION|none -Djbroker.sim.skipOps=1-5,9
 * -Djbroker.sim.skipFaults=2} as a failure report prints them. Explore other seeds with {@code
 * -Djbroker.sim.firstSeed=S -Djbroker.sim.seeds=K} (and {@code -Djbroker.sim.ops=M}).
 */
class ReplicationSimulationTest {
  static final int SEEDS = 500;
  static final int OPERATIONS = 300;
  static final int TRACE_TAIL = 400;
  /** Most simulation runs spent shrinking one failure. */
  static final int SHRINK_RUNS = 1500;

  @Test
  void masterAndClonesKeepTheirPromisesUnderRandomFaults() throws IOException {
    String replay = System.getProperty("jbroker.sim.seed");
    if (replay != null) {
      replay(Long.parseLong(replay.trim()));
      return;
    }
    int seeds = Integer.getInteger("jbroker.sim.seeds", TestScale.scaled(SEEDS));
    long first = Long.getLong("jbroker.sim.firstSeed", 1L);
    int ops = Integer.getInteger("jbroker.sim.ops", OPERATIONS);
    List<Simulation.Result> failed = LongStream.range(first, first + seeds).parallel()
        .mapToObj(seed -> Simulation.run(SimConfig.of(seed, ops)))
        .filter(Simulation.Result::failed)
        .sorted((a, b) -> Long.compare(a.config().seed(), b.config().seed()))
        .collect(Collectors.toList());
    if (failed.isEmpty()) {
      return;
    }
    StringBuilder report = new StringBuilder();
    report.append(failed.size()).append(" of ").append(seeds).append(" seeds failed:\n");
    failed.stream().limit(20).forEach(r -> report.append("  seed ").append(r.config().seed()).append(": ")
        .append(firstLine(r.violations().get(0).toString())).append('\n'));
    report.append('\n').append(shrinkAndDescribe(failed.get(0)));
    throw new AssertionError(report.toString());
  }

  /**
   * The faults reach the paths that forget writers: silent writers' journal entries are deleted
   * after the retention, and masters answer writer_unknown (a new writer's first writes lost and
   * resent, or writes arriving before the first ones), so the seeds above check them too.
   */
  @Test
  void theSeedsExerciseForgottenWriters() {
    Map<String, Long> total = new TreeMap<>();
    LongStream.rangeClosed(1, 100).parallel().mapToObj(seed -> Simulation.run(SimConfig.of(seed, OPERATIONS)).coverage())
        .sequential().forEach(c -> c.forEach((k, v) -> total.merge(k, v, Long::sum)));
    System.out.println("coverage of seeds 1-100: " + total);
    assertThat(total.getOrDefault("message WRITER_UNKNOWN", 0L)).isPositive();
    assertThat(total.getOrDefault("writer journal deletions", 0L)).isPositive();
  }

  /** Determinism: what makes a printed seed worth anything. */
  @Test
  void aSeedReplaysIdentically() {
    SimConfig c = SimConfig.of(7, 120).withTrace(true);
    Simulation.Result a = Simulation.run(c);
    Simulation.Result b = Simulation.run(c);
    assertThat(a.trace()).isNotEmpty();
    assertThat(b.trace()).isEqualTo(a.trace());
    assertThat(b.stats()).isEqualTo(a.stats());
  }

  private static void replay(long seed) throws IOException {
    Simulation.Result r = Simulation.run(SimConfig.fromProperties(seed, OPERATIONS));
    Path file = writeTrace(r);
    // An explicitly requested replay prints its whole trace.
    System.out.println(r.schedule().describe(r.config().faults()));
    r.trace().forEach(System.out::println);
    System.out.println(r.stats());
    System.out.println("trace: " + file.toAbsolutePath());
    if (r.failed()) {
      throw new AssertionError("seed " + seed + " fails:\n" + r.violations().stream().map(Object::toString)
          .collect(Collectors.joining("\n")) + "\ntrace: " + file.toAbsolutePath());
    }
  }

  /** Shrinks a failing run to the shortest schedule that still fails the same way and describes it. */
  static String shrinkAndDescribe(Simulation.Result failing) throws IOException {
    Simulation.Result shortest = shrink(failing);
    Path file = writeTrace(shortest);
    StringBuilder b = new StringBuilder();
    SimConfig c = shortest.config();
    b.append("seed ").append(c.seed()).append(" fails (").append(failing.config().operations()).append(" operations, all faults); ")
        .append("shortest reproducing schedule found: ").append(shortest.schedule().ops.size()).append(" operations and ")
        .append(shortest.schedule().faults.size()).append(" fault actions of ").append(c.faults()).append("\nreplay: ./mvnw -B -pl replication -am verify -Dtest=ReplicationSimulationTest ")
        .append("-Dsurefire.failIfNoSpecifiedTests=false ").append(c.replayArguments()).append("\n\nviolations:\n");
    shortest.violations().forEach(v -> b.append("  ").append(v).append('\n'));
    b.append("\n").append(shortest.stats()).append("\n\n").append(shortest.schedule().describe(c.faults()));
    List<String> window = shortest.traceWindow(TRACE_TAIL);
    b.append("\ntrace up to the first violation (").append(window.size()).append(" of ").append(shortest.trace().size())
        .append(" lines; all in ").append(file.toAbsolutePath()).append("):\n");
    b.append(String.join("\n", window));
    return b.toString();
  }

  /**
   * The shortest schedule found that still fails with the same kind of violation: drops fault
   * classes, bisects the operation count, then drops chunks of single operations and fault
   * actions (halving the chunk size down to one), within a budget of runs.
   */
  static Simulation.Result shrink(Simulation.Result failing) {
    String kind = failing.kind();
    int[] budget = {SHRINK_RUNS};
    Predicate<SimConfig> fails = c -> budget[0]-- > 0 && kind.equals(Simulation.run(c).kind());
    SimConfig cfg = dropFaultClasses(failing.config(), fails);
    int lo = 0;
    int hi = cfg.operations();
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (fails.test(cfg.withOperations(mid))) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    cfg = dropFaultClasses(cfg.withOperations(hi), fails);
    List<Long> ops = Schedule.generate(cfg).ops.stream().map(Schedule.Op::id).collect(Collectors.toList());
    cfg = dropChunks(cfg, ops, SimConfig::skippingOps, fails);
    List<Integer> faults = Schedule.generate(cfg).faults.stream().map(Schedule.FaultAction::index).collect(Collectors.toList());
    cfg = dropChunks(cfg, faults, SimConfig::skippingFaults, fails);
    Simulation.Result r = Simulation.run(cfg.withTrace(true));
    return r.failed() ? r : Simulation.run(failing.config().withTrace(true));
  }

  private static SimConfig dropFaultClasses(SimConfig cfg, Predicate<SimConfig> fails) {
    for (Fault f : Fault.values()) {
      if (cfg.faults().contains(f) && fails.test(cfg.without(f))) {
        cfg = cfg.without(f);
      }
    }
    return cfg;
  }

  private static <T> SimConfig dropChunks(SimConfig cfg, List<T> items,
      BiFunction<SimConfig, List<T>, SimConfig> skip, Predicate<SimConfig> fails) {
    List<T> left = new ArrayList<>(items);
    for (int size = Math.max(1, left.size() / 2); size >= 1; size /= 2) {
      for (int i = 0; i < left.size();) {
        List<T> chunk = new ArrayList<>(left.subList(i, Math.min(left.size(), i + size)));
        SimConfig smaller = skip.apply(cfg, chunk);
        if (fails.test(smaller)) {
          cfg = smaller;
          left.removeAll(chunk);
        } else {
          i += size;
        }
      }
    }
    return cfg;
  }

  private static Path writeTrace(Simulation.Result r) throws IOException {
    Path dir = Path.of("target", "sim-traces");
    Files.createDirectories(dir);
    Path file = dir.resolve("seed-" + r.config().seed() + "-ops-" + r.config().operations() + ".trace");
    List<String> lines = new ArrayList<>();
    lines.add(r.schedule().describe(r.config().faults()));
    lines.addAll(r.trace());
    lines.add(r.stats());
    r.violations().forEach(v -> lines.add(v.toString()));
    Files.write(file, lines);
    return file;
  }

  private static String firstLine(String s) {
    return Arrays.stream(s.split("\n")).findFirst().orElse("");
  }
}
