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

  /** A blocking read of the queue. */
  private interface Read<T> {
    T read() throws InterruptedException;
  }

  /** A reader blocked in poll (up to a minute), started only once it is waiting. */
  private static CompletableFuture<Message> waitingReader(MessageQueue q) {
    return waitingReader(q, () -> q.poll(TimeUnit.MINUTES.toNanos(1)));
  }

  /** A reader blocked in {@code read}, returned once it is waiting. */
  private static <T> CompletableFuture<T> waitingReader(MessageQueue q, Read<T> read) {
    CompletableFuture<T> got = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        got.complete(read.read());
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

  @Test
  void offerAllTakesWhatFitsInOrderUnderOneCall() {
    MessageQueue q = new MessageQueue(4);
    q.offer(m(0));
    Message[] batch = {m(1), m(2), m(3), m(4), m(5)};
    assertThat(q.offerAll(batch, 1, 4)).as("room for 3 of 4").isEqualTo(3);
    List<Message> out = new ArrayList<>();
    q.drainTo(out, 10);
    assertThat(out).containsExactly(m(0), m(2), m(3), m(4));
    assertThat(q.offerAll(batch, 0, 0)).isZero();
  }

  @Test
  void offerAllDroppingOldestKeepsTheNewestAsOneByOneWould() {
    MessageQueue q = new MessageQueue(4);
    q.offer(m(0));
    q.offer(m(1));
    q.offer(m(2));
    assertThat(q.offerAllDroppingOldest(new Message[] {m(3), m(4)}, 0, 2)).as("one old one goes").isEqualTo(1);
    List<Message> out = new ArrayList<>();
    q.drainTo(out, 10);
    assertThat(out).containsExactly(m(1), m(2), m(3), m(4));
    q.offer(m(5));
    Message[] many = {m(6), m(7), m(8), m(9), m(10), m(11)};
    assertThat(q.offerAllDroppingOldest(many, 0, 6)).as("the old one and the first two new ones").isEqualTo(3);
    out.clear();
    q.drainTo(out, 10);
    assertThat(out).containsExactly(m(8), m(9), m(10), m(11));
  }

  @Test
  void aBatchPollWaitsForTheFirstAndTakesWhatIsThere() throws Exception {
    MessageQueue q = new MessageQueue(16);
    CompletableFuture<List<Message>> got = waitingReader(q, () -> {
      List<Message> out = new ArrayList<>();
      q.poll(out, 3, TimeUnit.MINUTES.toNanos(1));
      return out;
    });
    assertThat(q.offerAll(new Message[] {m(1), m(2), m(3), m(4)}, 0, 4)).isEqualTo(4); // wakes it: no wake() needed
    assertThat(got.get(30, TimeUnit.SECONDS)).containsExactly(m(1), m(2), m(3));
    List<Message> rest = new ArrayList<>();
    assertThat(q.poll(rest, 10, 0)).isEqualTo(1);
    assertThat(rest).containsExactly(m(4));
    assertThat(q.poll(rest, 10, TimeUnit.MILLISECONDS.toNanos(1))).isZero();
  }

  @Test
  void aMessageFromThePeerDecodesItsValueWhenAsked() {
    Data v = Data.vector(Data.count(7), Data.of("seven"), Data.set(Data.of(true), Data.of(false)));
    Message lazy = new Message("/t", io.jbroker.data.BinaryCodec.encode(v), null);
    Message eager = new Message("/t", v);
    assertThat(lazy.data()).isEqualTo(v);
    assertThat(lazy.data()).isSameAs(lazy.data());
    assertThat(lazy).isEqualTo(eager).hasSameHashCodeAs(eager).hasToString(eager.toString());
    assertThat(new Message("/t", new byte[] {0}, Data.count(1)).data()).as("decoded already").isEqualTo(Data.count(1));
    assertThat(lazy).isNotEqualTo(new Message("/u", v));
  }
}
