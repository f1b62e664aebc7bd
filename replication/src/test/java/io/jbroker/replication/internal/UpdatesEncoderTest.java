package io.jbroker.replication.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.proto.replication.v1.Updates;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import io.jbroker.store.Key;
import io.jbroker.store.StoreChange;
import io.jbroker.testing.TestScale;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The master's hand-written update messages against protobuf's encoding of the same messages: the
 * same bytes, which the clone's decoder reads back to the changes that went in.
 */
class UpdatesEncoderTest {
  private static final long SEED = Long.getLong("jbroker.test.seed", System.nanoTime());

  @Test
  void aChangeIsWrittenAsProtobufWritesIt() {
    Random r = new Random(SEED);
    for (int i = 0; i < TestScale.scaled(20_000); i++) {
      StoreChange c = randomChange(r);
      assertThat(UpdatesEncoder.change(c)).as("seed %d, change %d: %s", SEED, i, c)
          .isEqualTo(Messages.change(c).toByteArray());
    }
  }

  @Test
  void aBatchIsWrittenAsProtobufWritesItAndReadsBackToItsChanges() {
    Random r = new Random(SEED);
    for (int i = 0; i < TestScale.scaled(2_000); i++) {
      long epoch = r.nextInt(4) == 0 ? 0 : r.nextLong();
      long firstSeq = r.nextInt(4) == 0 ? 0 : r.nextBoolean() ? r.nextLong() : r.nextInt(1 << 20);
      long target = r.nextBoolean() ? 0 : r.nextLong();
      List<StoreChange> changes = new ArrayList<>();
      for (int n = r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(r.nextInt(10) == 0 ? 400 : 30), k = 0; k < n; k++) {
        changes.add(randomChange(r));
      }
      List<byte[]> encoded = new ArrayList<>();
      Updates.Builder u = Updates.newBuilder().setEpoch(epoch).setFirstSeq(firstSeq).setTarget(target);
      for (StoreChange c : changes) {
        encoded.add(UpdatesEncoder.change(c));
        u.addChanges(Messages.change(c));
      }
      byte[] bytes = UpdatesEncoder.updates(epoch, firstSeq, target, encoded);
      String what = "seed " + SEED + ", batch " + i;
      assertThat(bytes).as(what).isEqualTo(StoreMessage.newBuilder().setUpdates(u).build().toByteArray());
      UpdateBatch batch = UpdatesDecoder.tryDecode(bytes);
      assertThat(batch).as(what).isNotNull();
      assertThat(List.of(batch.epoch(), batch.firstSeq(), batch.target())).as(what).containsExactly(epoch, firstSeq, target);
      assertThat(batch.changes()).as(what).hasSameSizeAs(changes);
      for (int k = 0; k < changes.size(); k++) {
        assertThat(batch.changes().get(k).toStoreChange()).as("%s, change %d", what, k).isEqualTo(changes.get(k));
      }
    }
  }

  @Test
  void publishersAlternatingAreEachWrittenRight() {
    EntityId a = new EntityId(new UUID(1, 2), 0);
    EntityId b = new EntityId(new UUID(1, 2), 300);
    EntityId c = new EntityId(new UUID(-1, -2), -5);
    for (EntityId id : new EntityId[] {a, b, b, a, c, null, a, c}) {
      StoreChange change = new StoreChange.Clear(id);
      assertThat(UpdatesEncoder.change(change)).as("%s", id).isEqualTo(Messages.change(change).toByteArray());
    }
  }

  private static StoreChange randomChange(Random r) {
    EntityId publisher = r.nextInt(6) == 0 ? null
        : new EntityId(r.nextInt(3) == 0 ? new UUID(r.nextLong(), r.nextLong()) : new UUID(1, 2),
            r.nextInt(4) == 0 ? 0 : r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(1000));
    Key key = Key.of(randomData(r, 0));
    switch (r.nextInt(8)) {
      case 0:
        return new StoreChange.Clear(publisher);
      case 1:
        return new StoreChange.Erase(key, publisher);
      case 2:
        return new StoreChange.Expire(key, publisher);
      default: {
        long deadline = switch (r.nextInt(4)) {
          case 0 -> Backend.NO_DEADLINE;
          case 1 -> r.nextLong();
          case 2 -> 0;
          default -> r.nextInt(1 << 30);
        };
        Duration expiry = switch (r.nextInt(4)) {
          case 0 -> Duration.ZERO;
          case 1 -> Duration.ofNanos(r.nextLong());
          case 2 -> Duration.ofSeconds(r.nextInt(100));
          default -> null;
        };
        return new StoreChange.Upsert(key, randomData(r, 0), deadline, expiry, publisher);
      }
    }
  }

  private static Data randomData(Random r, int depth) {
    switch (r.nextInt(depth > 2 ? 4 : 6)) {
      case 0:
        return Data.of(r.nextLong());
      case 1:
        return Data.of("k" + r.nextInt(1_000_000));
      case 2: {
        char[] s = new char[r.nextInt(8) == 0 ? 200 + r.nextInt(200) : r.nextInt(20)];
        Arrays.fill(s, (char) ('a' + r.nextInt(26)));
        return Data.of(new String(s));
      }
      case 3:
        return Data.of(r.nextBoolean());
      default: {
        Data[] items = new Data[r.nextInt(5)];
        for (int i = 0; i < items.length; i++) {
          items[i] = randomData(r, depth + 1);
        }
        return Data.vector(items);
      }
    }
  }

}
