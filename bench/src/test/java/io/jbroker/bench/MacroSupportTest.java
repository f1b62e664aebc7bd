package io.jbroker.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the lag benchmark reports beside its percentiles. */
class MacroSupportTest {
  private static final long MS = 1_000_000;

  @Test
  void theLagTimelineKeepsTheLargestLagPerWindowAndNamesTheWorst() throws Exception {
    MacroSupport.LagTimeline t = new MacroSupport.LagTimeline(1_000 * MS, 10 * MS, 1);
    t.add(1_000 * MS, 1 * MS);        // window 0
    t.add(1_009 * MS, 3 * MS);        // window 0, larger
    t.add(1_010 * MS, 500_000);       // window 1
    t.add(1_055 * MS, 40 * MS);       // window 5
    t.add(1_056 * MS, 2 * MS);        // window 5, smaller: kept 40
    t.add(999 * MS, 90 * MS);         // before the start: ignored
    t.add(5_000 * MS, 90 * MS);       // past the end: ignored
    assertThat(t.summary(2 * MS, 2, 0)).isEqualTo("windows-over-2ms=2/3 worst=[+50:40.0ms,+0:3.0ms]");
    // the first two samples were the warm-up: window 0 is left out, offsets count from window 1
    assertThat(t.summary(2 * MS, 2, 2)).isEqualTo("windows-over-2ms=1/2 worst=[+40:40.0ms,+0:0.5ms]");
    // a window the warm-up shares with the measured part stays in
    assertThat(t.summary(2 * MS, 1, 1)).isEqualTo("windows-over-2ms=2/3 worst=[+50:40.0ms]");
  }

  @Test
  void theTimelineFileHasOneLinePerWindowWithAMeasuredSample(@TempDir Path dir) throws Exception {
    MacroSupport.LagTimeline t = new MacroSupport.LagTimeline(0, 10 * MS, 1);
    t.add(2 * MS, 9_000_000);   // the warm-up
    t.add(15 * MS, 1_500_000);
    t.add(35 * MS, 7_000);
    Path f = dir.resolve("timeline.txt");
    t.write(f, 1);
    List<String> lines = Files.readAllLines(f);
    assertThat(lines.get(0)).startsWith("# offset-ms max-lag-us; offset 0 is ");
    assertThat(lines.subList(1, lines.size())).containsExactly("0 1500", "20 7");
  }

  @Test
  void percentilesLeaveOutTheWarmUp() {
    MacroSupport.Samples s = new MacroSupport.Samples(4);
    for (long v : new long[] {900_000, 1_000, 2_000, 3_000}) {
      s.add(v);
    }
    assertThat(s.percentilesMicros(1)).isEqualTo("p50=2.0us p99=3.0us p999=3.0us max=3.0us");
    assertThat(s.percentilesMicros(0)).endsWith("max=900.0us");
    assertThat(s.percentilesMicros(4)).isEqualTo("p50=n/a p99=n/a p999=n/a max=n/a");
  }

  @Test
  void machineSharesAreTheirPartOfAllTicks() {
    assertThat(MacroSupport.machineShare(new long[] {100, 50, 1_000, 0}, new long[] {150, 70, 1_020, 10}))
        .isEqualTo("machine-cpu(user=50% system=20% idle=20% steal=10%)");
    assertThat(MacroSupport.machineShare(null, new long[] {1, 1, 1, 1})).isEqualTo("machine-cpu(n/a)");
  }

  @Test
  void jvmWorkCountsCompilationAndCollections() {
    assertThat(MacroSupport.jvmWorkDelta(new long[] {100, 2, 30}, new long[] {350, 5, 42})).isEqualTo("jit=250ms gc=3/12ms");
    assertThat(MacroSupport.jvmWorkDelta(new long[] {-1, 0, 0}, new long[] {-1, 1, 2})).isEqualTo("jit=n/a gc=1/2ms");
  }
}
