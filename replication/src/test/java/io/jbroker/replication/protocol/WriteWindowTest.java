package io.jbroker.replication.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link WriteWindow} against the pair of ordered collections it replaces (writes in flight by
 * sequence number, answered sequence numbers), over seeded random operation sequences.
 */
class WriteWindowTest {
  @Test
  void behavesLikeAnOrderedMapOfWritesInFlightPlusAnOrderedSetOfAnsweredOnes() {
    for (long seed = 1; seed <= 100; seed++) {
      Random rnd = new Random(seed);
      WriteWindow<Long> window = new WriteWindow<>(1);
      TreeMap<Long, Long> inFlight = new TreeMap<>();
      TreeSet<Long> answered = new TreeSet<>();
      long next = 1;
      for (int step = 0; step < 2_000; step++) {
        int op = rnd.nextInt(10);
        if (op < 4) {
          window.addInFlight(next, next);
          inFlight.put(next, next);
          next++;
        } else if (op < 7) { // a result for some recent sequence number (possibly unknown or repeated)
          long seq = Math.max(1, next - 1 - rnd.nextInt(80));
          Long expected = inFlight.remove(seq);
          if (expected != null) {
            answered.add(seq);
          }
          Long got = window.answer(seq);
          if (!java.util.Objects.equals(got, expected)) {
            throw new AssertionError("seed " + seed + " step " + step + ": answer(" + seq + ") gave " + got
                + ", expected " + expected);
          }
        } else if (op < 9) { // the oldest answered write finishes, or a random one
          if (!answered.isEmpty()) {
            Long later = answered.ceiling(answered.first() + rnd.nextInt(40));
            long seq = rnd.nextBoolean() || later == null ? answered.first() : later;
            answered.remove(seq);
            window.finish(seq);
          }
        } else if (!answered.isEmpty()) { // requeued after an epoch change
          long seq = answered.last();
          answered.remove(seq);
          inFlight.put(seq, seq);
          window.requeue(seq);
        }
        long first = next;
        if (!inFlight.isEmpty()) {
          first = inFlight.firstKey();
        }
        if (!answered.isEmpty()) {
          first = Math.min(first, answered.first());
        }
        if (window.firstUnfinished() != first || window.inFlight() != inFlight.size()
            || window.answered() != answered.size()) {
          throw new AssertionError("seed " + seed + " step " + step + ": first " + window.firstUnfinished() + "/"
              + first + ", in flight " + window.inFlight() + "/" + inFlight.size() + ", answered "
              + window.answered() + "/" + answered.size());
        }
        if (step % 64 == 0) {
          List<Long> visited = new ArrayList<>();
          window.forEachInFlight(visited::add);
          assertThat(visited).as("seed %d step %d", seed, step).containsExactlyElementsOf(inFlight.values());
        }
      }
    }
  }

  @Test
  void writesMustBeAddedInSequenceAndClearingEmptiesIt() {
    WriteWindow<String> window = new WriteWindow<>(5);
    window.addInFlight(5, "a");
    assertThatThrownBy(() -> window.addInFlight(7, "c")).isInstanceOf(IllegalArgumentException.class);
    window.addInFlight(6, "b");
    window.clear();
    assertThat(window.inFlight()).isZero();
    assertThat(window.firstUnfinished()).isEqualTo(7);
    assertThat(window.answer(5)).isNull();
  }
}
