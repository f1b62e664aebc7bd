package io.jbroker.replication.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The consumer's acknowledgement cadence: by tick, and by volume between ticks. */
class ChannelConsumerTest {
  private final List<Long> consumed = new ArrayList<>();
  private final List<Long> acks = new ArrayList<>();
  private final ChannelConsumer<Long> consumer = new ChannelConsumer<>(5, 2, new ChannelConsumer.Handler<>() {
    @Override
    public void consume(long seq, Long event) {
      consumed.add(seq);
    }

    @Override
    public void ack(long epoch, long seq) {
      acks.add(seq);
    }

    @Override
    public void nack(long epoch, List<Long> seqs) {}

    @Override
    public void epochChanged(long newEpoch) {}

    @Override
    public void broken(long epoch, long seq) {}
  });

  @Test
  void aBurstIsAcknowledgedAsItArrivesNotOnlyAtTheNextTick() {
    consumer.handshake(7, 100);
    assertThat(acks).containsExactly(100L);
    long first = 101;
    // three and a half acknowledgement volumes in batches of 512, with no tick in between
    int total = ChannelConsumer.ACK_EVERY * 7 / 2;
    for (long s = first; s < first + total; s += 512) {
      consumer.events(7, s, LongStream.range(s, s + 512).boxed().toList());
    }
    assertThat(consumed).hasSize(total);
    assertThat(acks).containsExactly(100L, 100L + ChannelConsumer.ACK_EVERY, 100L + 2L * ChannelConsumer.ACK_EVERY,
        100L + 3L * ChannelConsumer.ACK_EVERY);
    consumer.tick(); // progress since the last ack: acknowledged on the next tick
    assertThat(acks).last().isEqualTo(100L + total);
  }

  @Test
  void fewEventsWaitForTheTick() {
    consumer.handshake(7, 0);
    consumer.events(7, 1, List.of(1L, 2L, 3L));
    assertThat(acks).containsExactly(0L);
    consumer.tick();
    assertThat(acks).containsExactly(0L, 3L);
  }

  @Test
  void eventsBeyondAGapAreNotAcknowledgedUntilTheGapIsFilled() {
    consumer.handshake(7, 0);
    long gapEnd = ChannelConsumer.ACK_EVERY + 10L;
    consumer.events(7, 2, LongStream.rangeClosed(2, gapEnd).boxed().toList()); // 1 is missing
    assertThat(consumed).isEmpty();
    assertThat(acks).containsExactly(0L);
    consumer.events(7, 1, List.of(1L));
    assertThat(consumed).hasSize((int) gapEnd);
    assertThat(acks).containsExactly(0L, gapEnd);
  }
}
