package io.jbroker.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A run of messages handed to a subscriber at once has the outcome of handing them one by one. */
class SubscriberBatchTest {
  private final Nodes nodes = new Nodes();

  @AfterEach
  void closeNodes() {
    nodes.close();
  }

  private static Message[] messages(int from, int n) {
    Message[] ms = new Message[n];
    for (int i = 0; i < n; i++) {
      ms[i] = new Message("/t", Data.count(from + i));
    }
    return ms;
  }

  private static List<Long> counts(List<Message> ms) {
    return ms.stream().map(m -> ((io.jbroker.data.CountData) m.data()).value()).toList();
  }

  @Test
  void dropNewestKeepsTheFirstThatFitAndCountsTheRest() {
    Subscriber s = nodes.create().subscribe(List.of("/t"), 4, OverflowPolicy.DROP_NEWEST);
    s.deliverAll(messages(0, 3), 0, 3);
    s.deliverAll(messages(3, 3), 0, 3);
    assertThat(s.received()).isEqualTo(4);
    assertThat(s.dropped()).isEqualTo(2);
    assertThat(counts(s.poll(10, Duration.ZERO))).containsExactly(0L, 1L, 2L, 3L);
    assertThat(s.isClosed()).isFalse();
  }

  @Test
  void dropOldestKeepsTheLastAndCountsWhatItPushedOut() {
    Subscriber s = nodes.create().subscribe(List.of("/t"), 4, OverflowPolicy.DROP_OLDEST);
    s.deliverAll(messages(0, 3), 0, 3);
    s.deliverAll(messages(3, 7), 1, 6); // 4 .. 9
    assertThat(s.received()).isEqualTo(9);
    assertThat(s.dropped()).isEqualTo(5);
    assertThat(counts(s.poll(10, Duration.ZERO))).containsExactly(6L, 7L, 8L, 9L);
  }

  @Test
  void disconnectClosesTheSubscriberOnceAndKeepsWhatFit() {
    Endpoint e = nodes.create();
    StatusSubscriber errors = e.statusSubscriber(false);
    Subscriber s = e.subscribe(List.of("/t"), 4, OverflowPolicy.DISCONNECT);
    s.deliverAll(messages(0, 6), 0, 6);
    assertThat(s.isClosed()).isTrue();
    assertThat(s.received()).isEqualTo(4);
    assertThat(s.dropped()).isEqualTo(1);
    s.deliverAll(messages(6, 2), 0, 2); // closed: ignored
    assertThat(s.dropped()).isEqualTo(1);
    assertThat(counts(s.poll(10, Duration.ZERO))).containsExactly(0L, 1L, 2L, 3L);
    assertThat(((StatusEvent.Error) Nodes.next(errors)).message()).contains("queue full");
  }
}
