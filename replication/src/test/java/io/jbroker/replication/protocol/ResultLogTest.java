package io.jbroker.replication.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link ResultLog} against the ordered map it replaces, over seeded random sequences. */
class ResultLogTest {
  @Test
  void behavesLikeAnOrderedMapOfConsecutiveResults() {
    for (long seed = 1; seed <= 100; seed++) {
      Random rnd = new Random(seed);
      ResultLog<String> log = new ResultLog<>();
      TreeMap<Long, String> model = new TreeMap<>();
      long next = 1 + rnd.nextInt(1000);
      long forgotten = next - 1;
      for (int step = 0; step < 2_000; step++) {
        int op = rnd.nextInt(10);
        if (op < 6) {
          log.add(next, "r" + next);
          model.put(next, "r" + next);
          next++;
        } else if (op < 8) {
          forgotten = Math.min(next - 1, forgotten + rnd.nextInt(200));
          log.forgetThrough(forgotten);
          model.headMap(forgotten, true).clear();
        }
        long probe = next - 1 - rnd.nextInt(300);
        if (!java.util.Objects.equals(log.get(probe), model.get(probe)) || log.size() != model.size()) {
          throw new AssertionError("seed " + seed + " step " + step + ": get(" + probe + ") " + log.get(probe)
              + " / " + model.get(probe) + ", size " + log.size() + " / " + model.size());
        }
      }
    }
  }

  @Test
  void aResultOutOfSequenceRestartsTheLog() {
    ResultLog<String> log = new ResultLog<>();
    log.add(5, "a");
    log.add(6, "b");
    log.add(10, "c");
    assertThat(log.get(5)).isNull();
    assertThat(log.get(10)).isEqualTo("c");
    assertThat(log.size()).isEqualTo(1);
  }
}
