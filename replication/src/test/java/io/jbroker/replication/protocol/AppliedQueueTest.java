package io.jbroker.replication.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The clone's queue of answered writes hands them out by applied_seq, whatever the arrival order. */
class AppliedQueueTest {
  @Test
  void pollsInAppliedSeqOrderWithMostlyOrderedAndSomeLateArrivals() {
    long seed = Long.getLong("jbroker.test.seed", System.nanoTime());
    Random random = new Random(seed);
    for (int round = 0; round < 200; round++) {
      CloneState.AppliedQueue q = new CloneState.AppliedQueue();
      List<CloneState.Applied> model = new ArrayList<>();
      long seq = 0;
      for (int step = 0; step < 500; step++) {
        int op = random.nextInt(10);
        if (op < 6) {
          // mostly increasing, sometimes an older one arrives late
          long s = random.nextInt(8) == 0 ? Math.max(0, seq - random.nextInt(50)) : (seq += random.nextInt(3));
          CloneState.Applied a = new CloneState.Applied(1 + random.nextInt(2), s, null, null);
          q.add(a);
          model.add(a);
        } else if (op < 9) {
          CloneState.Applied expected = model.stream().min(Comparator.comparingLong(CloneState.Applied::appliedSeq)).orElse(null);
          CloneState.Applied got = q.poll();
          if (expected == null) {
            assertThat(got).isNull();
          } else {
            assertThat(got.appliedSeq()).as("seed %d round %d step %d", seed, round, step).isEqualTo(expected.appliedSeq());
            assertThat(model.remove(got)).isTrue();
          }
        } else {
          long epoch = 1 + random.nextInt(2);
          q.removeIf(a -> a.epoch() == epoch);
          model.removeIf(a -> a.epoch() == epoch);
        }
        assertThat(q.size()).isEqualTo(model.size());
        assertThat(q.isEmpty()).isEqualTo(model.isEmpty());
      }
    }
  }
}
