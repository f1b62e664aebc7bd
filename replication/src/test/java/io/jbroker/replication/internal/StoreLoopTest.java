package io.jbroker.replication.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The store loop runs tasks in the order they were submitted, ends a batch after them, and lets
 * the {@link StoreLoop.Prefetching} tasks of a run prefetch before any task of that run runs; a
 * prefetch that fails loses no task.
 */
class StoreLoopTest {
  @Test
  void tasksRunInOrderAndTheTasksOfARunPrefetchBeforeAnyOfThemRuns() throws Exception {
    List<String> log = new ArrayList<>(); // written by the loop thread only
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    int[] batches = {0};
    StoreLoop loop = new StoreLoop("test-loop", Duration.ofSeconds(10), new StoreLoop.Hooks() {
      @Override
      public void endBatch() {
        batches[0]++;
      }

      @Override
      public void tick() {}

      @Override
      public void stopped() {}
    });
    loop.start();
    // hold the loop in a first task (taken alone) so that the next ones queue up and are taken together
    CountDownLatch holding = new CountDownLatch(1);
    loop.submit(() -> {
      holding.countDown();
      try {
        gate.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 100; i++) {
      int n = i;
      if (n % 3 == 0) {
        loop.submit(() -> log.add("run " + n));
      } else {
        loop.submit(new StoreLoop.Prefetching() {
          @Override
          public void prefetch() {
            log.add("prefetch " + n);
            if (n == 7) {
              throw new IllegalStateException("a failing prefetch");
            }
          }

          @Override
          public void run() {
            log.add("run " + n);
          }
        });
      }
    }
    loop.submit(done::countDown);
    gate.countDown();
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    loop.stop(Duration.ofSeconds(10));

    List<String> runs = log.stream().filter(s -> s.startsWith("run ")).toList();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      expected.add("run " + i);
    }
    assertThat(runs).as("every task ran once, in order (the one whose prefetch failed too)").isEqualTo(expected);
    for (int i = 0; i < 100; i++) {
      if (i % 3 != 0) {
        int prefetchAt = log.indexOf("prefetch " + i);
        int runAt = log.indexOf("run " + i);
        assertThat(prefetchAt).as("task %d prefetched", i).isNotNegative().isLessThan(runAt);
      }
    }
    // the 100 tasks were queued together: the first 64 of them were taken as one run, so all of
    // their prefetches came before the first of them ran
    int firstRun = log.indexOf("run 0");
    for (int i = 1; i < 64; i++) {
      if (i % 3 != 0) {
        assertThat(log.indexOf("prefetch " + i)).as("prefetch %d before run 0", i).isLessThan(firstRun);
      }
    }
    assertThat(batches[0]).isPositive();
  }
}
