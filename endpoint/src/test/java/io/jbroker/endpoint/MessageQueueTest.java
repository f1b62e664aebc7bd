package io.jbroker.endpoint;

import static io.jbroker.endpoint.Nodes.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The subscriber queue: bounded FIFO, and a waiting reader woken once per batch of deliveries. */
class MessageQueueTest {
  private static Message m(long i) {
    return new Message("/t", Data.count(i));
  }

  /** A reader blocked in poll (up to a minute), started only once it is waiting. */
  private static CompletableFuture<Message> waitingReader(MessageQueue q) {
    CompletableFuture<Message> got = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        got.complete(q.poll(TimeUnit.MINUTES.toNanos(1)));
      } catch (InterruptedException e) {
        got.completeExceptionally(e);
      }
    }, "reader");
    t.setDaemon(true);
    t.start();
    eventually().until(q::hasWaitingReader);
    return got;
  }

  @Test
  void isABoundedFifo() {
    MessageQueue q = new MessageQueue(3);
    assertThat(q.offer(m(1))).isTrue();
    assertThat(q.offer(m(2))).isTrue();
    assertThat(q.offer(m(3))).isTrue();
    assertThat(q.offer(m(4))).as("full").isFalse();
    assertThat(q.poll()).isEqualTo(m(1));
    assertThat(q.offer(m(5))).isTrue(); // wraps around
    List<Message> out = new ArrayList<>();
    assertThat(q.drainTo(out, 10)).isEqualTo(3);
    assertThat(out).containsExactly(m(2), m(3), m(5));
    assertThat(q.poll()).isNull();
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void aWaitingReaderIsWokenAtTheEndOfTheBatch() throws Exception {
    MessageQueue q = new MessageQueue(16);
    CompletableFuture<Message> got = waitingReader(q);
    q.offer(m(1));
    q.offer(m(2));
    q.wake();
    assertThat(got.get(30, TimeUnit.SECONDS)).isEqualTo(m(1));
    assertThat(q.poll()).isEqualTo(m(2));
  }

  @Test
  void aLongBatchWakesTheReaderBeforeItEnds() throws Exception {
    MessageQueue q = new MessageQueue(10_000);
    assertThat(q.wakeEvery()).isEqualTo(MessageQueue.WAKE_EVERY);
    CompletableFuture<Message> got = waitingReader(q);
    for (int i = 0; i < MessageQueue.WAKE_EVERY; i++) {
      q.offer(m(i));
    }
    // no wake(): the 64th offer has woken the reader
    assertThat(got.get(30, TimeUnit.SECONDS)).isEqualTo(m(0));
  }

  @Test
  void aSmallQueueWakesItsReaderSoonerAndAFullOneAlways() throws Exception {
    assertThat(new MessageQueue(64).wakeEvery()).isEqualTo(8);
    assertThat(new MessageQueue(4).wakeEvery()).isEqualTo(1);
    MessageQueue q = new MessageQueue(16);
    CompletableFuture<Message> got = waitingReader(q);
    q.offer(m(1)); // below wakeEvery (2): no wake yet, but
    q.offer(m(2)); // this reaches it
    assertThat(got.get(30, TimeUnit.SECONDS)).isEqualTo(m(1));
  }

  @Test
  void aTimedPollWithNothingOfferedReturnsNull() throws Exception {
    MessageQueue q = new MessageQueue(4);
    assertThat(q.poll(TimeUnit.MILLISECONDS.toNanos(1))).isNull();
    assertThat(q.poll(0)).isNull();
  }
}
