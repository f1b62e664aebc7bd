package io.jbroker.replication.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.Change;
import io.jbroker.proto.replication.v1.ClearChange;
import io.jbroker.proto.replication.v1.Heartbeat;
import io.jbroker.proto.replication.v1.KeyChange;
import io.jbroker.proto.replication.v1.Publisher;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.proto.replication.v1.Updates;
import io.jbroker.proto.replication.v1.Upsert;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import io.jbroker.store.Key;
import io.jbroker.store.StoreChange;
import io.jbroker.testing.TestScale;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The hand-written reader of update messages against protobuf's parser: the same batch for every
 * message protobuf writes, and for any other input either the same batch or none (the caller then
 * parses with protobuf) — never a different meaning.
 */
class UpdatesDecoderTest {
  private static final long SEED = Long.getLong("jbroker.test.seed", System.nanoTime());

  @Test
  void readsEveryMessageProtobufWritesAsProtobufReadsIt() {
    Random random = new Random(SEED);
    for (int i = 0; i < TestScale.scaled(3_000); i++) {
      StoreMessage m = StoreMessage.newBuilder().setUpdates(randomUpdates(random)).build();
      byte[] bytes = m.toByteArray();
      UpdateBatch batch = UpdatesDecoder.tryDecode(bytes);
      assertThat(batch).as("seed %d, message %d: %s", SEED, i, m).isNotNull();
      assertSame(batch, UpdateBatch.of(m.getUpdates()), "seed " + SEED + ", message " + i);
    }
  }

  @Test
  void anyOtherInputReadsAsProtobufReadsItOrNotAtAll() throws Exception {
    Random random = new Random(SEED);
    int fastPath = 0;
    for (int i = 0; i < TestScale.scaled(20_000); i++) {
      byte[] bytes = mutate(random, StoreMessage.newBuilder().setUpdates(randomUpdates(random)).build().toByteArray());
      UpdateBatch batch = UpdatesDecoder.tryDecode(bytes);
      StoreMessage parsed;
      try {
        parsed = StoreMessage.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        assertThat(batch).as("seed %d, input %d: %s; protobuf refuses it: %s", SEED, i, Arrays.toString(bytes), e)
            .isNull();
        continue;
      }
      if (batch == null) {
        continue;
      }
      fastPath++;
      assertThat(parsed.getBodyCase()).as("seed %d, input %d: %s", SEED, i, Arrays.toString(bytes))
          .isEqualTo(StoreMessage.BodyCase.UPDATES);
      assertSame(batch, UpdateBatch.of(parsed.getUpdates()), "seed " + SEED + ", input " + i + ": " + Arrays.toString(bytes));
    }
    // some mutations keep the canonical form (a changed byte inside a key or value)
    assertThat(fastPath).as("seed %d", SEED).isPositive();
  }

  @Test
  void otherMessagesAndNonCanonicalFormsAreLeftToProtobuf() {
    EntityId pub = new EntityId(new UUID(5, 6), 9);
    Upsert upsert = Upsert.newBuilder().setKey(key("k")).setValue(value(1)).setPublisher(Messages.publisher(pub)).build();
    StoreMessage good = updates(Change.newBuilder().setUpsert(upsert).build());
    assertThat(UpdatesDecoder.tryDecode(good.toByteArray())).isNotNull();
    // another body
    assertThat(UpdatesDecoder.tryDecode(StoreMessage.newBuilder()
        .setHeartbeat(Heartbeat.newBuilder().setEpoch(1).setLastSeq(2)).build().toByteArray())).isNull();
    assertThat(UpdatesDecoder.tryDecode(new byte[0])).isNull();
    // an unknown field in an upsert (field 9, varint 1)
    byte[] unknown = concat(upsert.toByteArray(), new byte[] {9 << 3, 1});
    assertThat(UpdatesDecoder.tryDecode(wrapUpsert(unknown))).isNull();
    // a second publisher in an upsert: protobuf merges the two
    byte[] twoPublishers = concat(upsert.toByteArray(), Upsert.newBuilder()
        .setPublisher(Publisher.newBuilder().setObject(77)).build().toByteArray());
    assertThat(UpdatesDecoder.tryDecode(wrapUpsert(twoPublishers))).isNull();
    // two kinds in one change: protobuf keeps the last
    byte[] twoKinds = concat(Change.newBuilder().setUpsert(upsert).build().toByteArray(),
        Change.newBuilder().setErase(KeyChange.newBuilder().setKey(key("k"))).build().toByteArray());
    assertThat(UpdatesDecoder.tryDecode(wrapChange(twoKinds))).isNull();
    // an updates body followed by a heartbeat body: protobuf keeps the heartbeat
    byte[] twoBodies = concat(good.toByteArray(), StoreMessage.newBuilder()
        .setHeartbeat(Heartbeat.newBuilder().setEpoch(1)).build().toByteArray());
    assertThat(UpdatesDecoder.tryDecode(twoBodies)).isNull();
  }

  @Test
  void aChangeWithoutKindFailsWhenAppliedAndAShortEndpointHasNoPublisher() throws Exception {
    StoreMessage m = updates(Change.getDefaultInstance(),
        Change.newBuilder().setErase(KeyChange.newBuilder().setKey(key("k"))
            .setPublisher(Publisher.newBuilder().setEndpoint(ByteString.copyFrom(new byte[15])).setObject(3))).build());
    UpdateBatch batch = UpdatesDecoder.tryDecode(m.toByteArray());
    assertThat(batch).isNotNull();
    assertSame(batch, UpdateBatch.of(m.getUpdates()), "");
    assertThat(batch.changes().get(0).kind()).isEqualTo(WireChange.NONE);
    assertThatThrownBy(() -> batch.changes().get(0).toStoreChange()).isInstanceOfSatisfying(BrokerException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA));
    assertThat(batch.changes().get(1).publisher()).isNull();
    assertThat(batch.changes().get(1).toStoreChange()).isEqualTo(new StoreChange.Erase(Key.of(Data.of("k")), null));
  }

  @Test
  void publishersComeOutRightWhateverTheOrderTheyComeIn() {
    EntityId a = new EntityId(new UUID(1, 2), 7);
    EntityId b = new EntityId(new UUID(1, 2), 8);
    EntityId c = new EntityId(new UUID(-3, Long.MIN_VALUE), 7);
    for (EntityId id : new EntityId[] {a, a, b, a, c, c, b, a}) {
      StoreMessage m = updates(Change.newBuilder().setClear(ClearChange.newBuilder().setPublisher(Messages.publisher(id))).build());
      assertThat(UpdatesDecoder.tryDecode(m.toByteArray()).changes().get(0).publisher()).isEqualTo(id);
    }
  }

  // ---- helpers -------------------------------------------------------------------------------------

  private static void assertSame(UpdateBatch actual, UpdateBatch expected, String what) {
    assertThat(actual.epoch()).as(what).isEqualTo(expected.epoch());
    assertThat(actual.firstSeq()).as(what).isEqualTo(expected.firstSeq());
    assertThat(actual.target()).as(what).isEqualTo(expected.target());
    assertThat(actual.changes()).as(what).hasSameSizeAs(expected.changes());
    for (int i = 0; i < actual.changes().size(); i++) {
      WireChange x = actual.changes().get(i);
      WireChange y = expected.changes().get(i);
      assertThat(sameChange(x, y)).as("%s: change %d is %s, protobuf reads %s", what, i, x, y).isTrue();
      if (x.kind() != WireChange.CLEAR && x.kind() != WireChange.NONE) {
        assertThat(x.keyHash()).as(what).isEqualTo(Arrays.hashCode(y.key()));
      }
    }
  }

  /** Whether {@code a} and {@code b} describe the same change (the arrays compared by content). */
  private static boolean sameChange(WireChange a, WireChange b) {
    return a.kind() == b.kind() && Arrays.equals(a.key(), b.key())
        && Arrays.equals(a.valueBytes(), a.valueOffset(), a.valueOffset() + a.valueLength(), b.valueBytes(),
            b.valueOffset(), b.valueOffset() + b.valueLength())
        && a.deadline() == b.deadline() && a.hasEventExpiry() == b.hasEventExpiry()
        && (!a.hasEventExpiry() || a.eventExpiryNanos() == b.eventExpiryNanos())
        && Objects.equals(a.publisher(), b.publisher()) && a.keyHash() == b.keyHash();
  }

  private static Updates randomUpdates(Random r) {
    Updates.Builder u = Updates.newBuilder();
    if (r.nextInt(4) > 0) {
      u.setEpoch(r.nextLong());
    }
    if (r.nextInt(4) > 0) {
      u.setFirstSeq(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(1_000_000));
    }
    if (r.nextInt(3) == 0) {
      u.setTarget(r.nextLong());
    }
    int n = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(r.nextInt(8) == 0 ? 300 : 20);
    for (int i = 0; i < n; i++) {
      u.addChanges(randomChange(r));
    }
    return u.build();
  }

  private static Change randomChange(Random r) {
    switch (r.nextInt(10)) {
      case 0:
        return Change.getDefaultInstance();
      case 1:
        return Change.newBuilder().setClear(r.nextBoolean() ? ClearChange.getDefaultInstance()
            : ClearChange.newBuilder().setPublisher(randomPublisher(r)).build()).build();
      case 2:
      case 3: {
        KeyChange.Builder k = KeyChange.newBuilder().setKey(randomBytes(r));
        if (r.nextBoolean()) {
          k.setPublisher(randomPublisher(r));
        }
        return r.nextBoolean() ? Change.newBuilder().setErase(k).build() : Change.newBuilder().setExpire(k).build();
      }
      default: {
        Upsert.Builder u = Upsert.newBuilder();
        if (r.nextInt(10) > 0) {
          u.setKey(r.nextBoolean() ? key("k" + r.nextInt(1_000_000)) : randomBytes(r));
        }
        if (r.nextInt(10) > 0) {
          u.setValue(r.nextBoolean() ? value(r.nextLong()) : randomBytes(r));
        }
        if (r.nextBoolean()) {
          u.setDeadline(r.nextBoolean() ? r.nextLong() : r.nextInt(1000));
        }
        if (r.nextInt(3) == 0) {
          u.setEventExpiry(r.nextBoolean() ? r.nextLong() : 0);
        }
        if (r.nextInt(5) > 0) {
          u.setPublisher(randomPublisher(r));
        }
        return Change.newBuilder().setUpsert(u).build();
      }
    }
  }

  private static Publisher randomPublisher(Random r) {
    Publisher.Builder p = Publisher.newBuilder();
    if (r.nextInt(8) > 0) {
      byte[] e = new byte[r.nextInt(8) == 0 ? r.nextInt(20) : 16];
      r.nextBytes(e);
      p.setEndpoint(ByteString.copyFrom(e));
    }
    if (r.nextBoolean()) {
      p.setObject(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(100));
    }
    return p.build();
  }

  private static ByteString randomBytes(Random r) {
    byte[] b = new byte[r.nextInt(8) == 0 ? 200 + r.nextInt(300) : r.nextInt(12)];
    r.nextBytes(b);
    return ByteString.copyFrom(b);
  }

  /** One or a few random edits: flipped bytes, a cut, inserted bytes, a copy of a stretch appended. */
  private static byte[] mutate(Random r, byte[] b) {
    byte[] out = b;
    for (int k = 0, edits = 1 + r.nextInt(3); k < edits; k++) {
      switch (r.nextInt(4)) {
        case 0 -> {
          if (out.length > 0) {
            out = out.clone();
            out[r.nextInt(out.length)] = (byte) r.nextInt(256);
          }
        }
        case 1 -> out = Arrays.copyOf(out, out.length == 0 ? 0 : r.nextInt(out.length));
        case 2 -> {
          int at = r.nextInt(out.length + 1);
          byte[] ins = new byte[1 + r.nextInt(3)];
          r.nextBytes(ins);
          out = concat(concat(Arrays.copyOf(out, at), ins), Arrays.copyOfRange(out, at, out.length));
        }
        default -> {
          if (out.length > 0) {
            int from = r.nextInt(out.length);
            out = concat(out, Arrays.copyOfRange(out, from, Math.min(out.length, from + 1 + r.nextInt(40))));
          }
        }
      }
    }
    return out;
  }

  private static StoreMessage updates(Change... changes) {
    Updates.Builder u = Updates.newBuilder().setEpoch(11).setFirstSeq(5);
    for (Change c : changes) {
      u.addChanges(c);
    }
    return StoreMessage.newBuilder().setUpdates(u).build();
  }

  /** A message whose only change is an upsert with these bytes. */
  private static byte[] wrapUpsert(byte[] upsert) {
    return wrapChange(concat(new byte[] {1 << 3 | 2}, lengthPrefixed(upsert)));
  }

  private static byte[] wrapChange(byte[] change) {
    byte[] updates = concat(new byte[] {3 << 3 | 2}, lengthPrefixed(change));
    return concat(new byte[] {1 << 3 | 2}, lengthPrefixed(updates));
  }

  private static byte[] lengthPrefixed(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = b.length;
    while (n >= 0x80) {
      out.write(n & 0x7F | 0x80);
      n >>>= 7;
    }
    out.write(n);
    out.writeBytes(b);
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static ByteString key(String k) {
    return ByteString.copyFrom(Key.of(Data.of(k)).encoded());
  }

  private static ByteString value(long v) {
    return ByteString.copyFrom(io.jbroker.data.BinaryCodec.encode(Data.of(v)));
  }
}
