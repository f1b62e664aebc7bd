package io.jbroker.replication.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.Change;
import io.jbroker.proto.replication.v1.ClearChange;
import io.jbroker.proto.replication.v1.Failure;
import io.jbroker.proto.replication.v1.InsertAt;
import io.jbroker.proto.replication.v1.KeyChange;
import io.jbroker.proto.replication.v1.KeyOnly;
import io.jbroker.proto.replication.v1.Operand;
import io.jbroker.proto.replication.v1.Publisher;
import io.jbroker.proto.replication.v1.Put;
import io.jbroker.proto.replication.v1.Upsert;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import io.jbroker.store.Key;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreChange;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;

/**
 * Conversions between the store's domain types and the replication protobuf messages. Keys and
 * values travel as Broker's canonical binary encoding; anything that does not decode is refused
 * with {@code INVALID_DATA}.
 */
public final class Messages {
  private Messages() {}

  /** The last publisher converted, and its message: changes come in runs from one publisher. */
  private record LastPublisher(EntityId id, Publisher message) {}

  private static volatile LastPublisher lastPublisher;

  /** The encoding of {@code d}, wrapped without a copy (the array is new and never written again). */
  public static ByteString bytes(Data d) {
    return UnsafeByteOperations.unsafeWrap(BinaryCodec.encode(d));
  }

  /** A key's canonical encoding, wrapped without a copy ({@link Key#encoded} is never written). */
  private static ByteString bytes(Key k) {
    return UnsafeByteOperations.unsafeWrap(k.encoded());
  }

  public static Data data(ByteString b) {
    return BinaryCodec.decode(b.toByteArray());
  }

  public static Publisher publisher(EntityId id) {
    if (id == null) {
      return Publisher.getDefaultInstance();
    }
    LastPublisher last = lastPublisher;
    if (last != null && last.id().equals(id)) {
      return last.message(); // messages are immutable: one serves every change of this publisher
    }
    ByteBuffer bb = ByteBuffer.allocate(16);
    bb.putLong(id.endpoint().getMostSignificantBits()).putLong(id.endpoint().getLeastSignificantBits());
    Publisher p = Publisher.newBuilder().setEndpoint(ByteString.copyFrom(bb.array())).setObject(id.object()).build();
    lastPublisher = new LastPublisher(id, p);
    return p;
  }

  public static EntityId entity(Publisher p) {
    if (p == null || p.getEndpoint().size() != 16) {
      return null;
    }
    ByteBuffer bb = p.getEndpoint().asReadOnlyByteBuffer();
    return new EntityId(new UUID(bb.getLong(), bb.getLong()), p.getObject());
  }

  // ---- changes ------------------------------------------------------------------------------------

  /**
   * The {@code Change} message for {@code c}: the reference mapping. The master writes the same
   * bytes without building the message ({@link UpdatesEncoder#change}, tested against this), and
   * clones read them back with {@link UpdatesDecoder} or {@link WireChange#of}.
   */
  public static Change change(StoreChange c) {
    if (c instanceof StoreChange.Upsert u) {
      Upsert.Builder b = Upsert.newBuilder()
          .setKey(bytes(u.key()))
          .setValue(bytes(u.value()))
          .setPublisher(publisher(u.publisher()));
      if (u.deadline() != Backend.NO_DEADLINE) {
        b.setDeadline(u.deadline());
      }
      if (u.eventExpiry() != null) {
        b.setEventExpiry(u.eventExpiry().toNanos());
      }
      return Change.newBuilder().setUpsert(b).build();
    }
    if (c instanceof StoreChange.Erase e) {
      return Change.newBuilder().setErase(keyChange(e.key(), e.publisher())).build();
    }
    if (c instanceof StoreChange.Expire e) {
      return Change.newBuilder().setExpire(keyChange(e.key(), e.publisher())).build();
    }
    StoreChange.Clear cl = (StoreChange.Clear) c;
    return Change.newBuilder().setClear(ClearChange.newBuilder().setPublisher(publisher(cl.publisher()))).build();
  }

  private static KeyChange keyChange(Key k, EntityId publisher) {
    return KeyChange.newBuilder().setKey(bytes(k)).setPublisher(publisher(publisher)).build();
  }

  // ---- mutations ------------------------------------------------------------------------------------

  public static io.jbroker.proto.replication.v1.Mutation mutation(Mutation m, EntityId publisher) {
    io.jbroker.proto.replication.v1.Mutation.Builder b = io.jbroker.proto.replication.v1.Mutation.newBuilder();
    if (m instanceof Mutation.Put p) {
      b.setPut(Put.newBuilder().setKey(bytes(p.key())).setValue(bytes(p.value())));
    } else if (m instanceof Mutation.PutUnique p) {
      b.setPutUnique(Put.newBuilder().setKey(bytes(p.key())).setValue(bytes(p.value())));
    } else if (m instanceof Mutation.Erase e) {
      b.setErase(KeyOnly.newBuilder().setKey(bytes(e.key())));
    } else if (m instanceof Mutation.Clear) {
      b.setClear(io.jbroker.proto.replication.v1.Clear.getDefaultInstance());
    } else if (m instanceof Mutation.Increment i) {
      b.setIncrement(operand(i.key(), i.amount()));
    } else if (m instanceof Mutation.Decrement d) {
      b.setDecrement(operand(d.key(), d.amount()));
    } else if (m instanceof Mutation.Append a) {
      b.setAppend(operand(a.key(), a.value()));
    } else if (m instanceof Mutation.InsertInto i) {
      b.setInsertInto(operand(i.key(), i.element()));
    } else if (m instanceof Mutation.InsertAt i) {
      b.setInsertAt(InsertAt.newBuilder().setKey(bytes(i.key())).setIndex(bytes(i.index())).setValue(bytes(i.value())));
    } else if (m instanceof Mutation.RemoveFrom r) {
      b.setRemoveFrom(operand(r.key(), r.index()));
    } else if (m instanceof Mutation.Push p) {
      b.setPush(operand(p.key(), p.value()));
    } else if (m instanceof Mutation.Pop p) {
      b.setPop(KeyOnly.newBuilder().setKey(bytes(p.key())));
    } else {
      throw new IllegalArgumentException("unknown mutation " + m);
    }
    if (m.expiry() != null) {
      b.setExpiry(m.expiry().toNanos());
    }
    b.setPublisher(publisher(publisher));
    return b.build();
  }

  private static Operand operand(Data key, Data operand) {
    return Operand.newBuilder().setKey(bytes(key)).setOperand(bytes(operand)).build();
  }

  public static Mutation mutation(io.jbroker.proto.replication.v1.Mutation m) {
    Duration expiry = m.hasExpiry() ? Duration.ofNanos(m.getExpiry()) : null;
    switch (m.getOpCase()) {
      case PUT:
        return new Mutation.Put(data(m.getPut().getKey()), data(m.getPut().getValue()), expiry);
      case PUT_UNIQUE:
        return new Mutation.PutUnique(data(m.getPutUnique().getKey()), data(m.getPutUnique().getValue()), expiry);
      case ERASE:
        return new Mutation.Erase(data(m.getErase().getKey()));
      case CLEAR:
        return new Mutation.Clear();
      case INCREMENT:
        return new Mutation.Increment(data(m.getIncrement().getKey()), data(m.getIncrement().getOperand()), expiry);
      case DECREMENT:
        return new Mutation.Decrement(data(m.getDecrement().getKey()), data(m.getDecrement().getOperand()), expiry);
      case APPEND:
        return new Mutation.Append(data(m.getAppend().getKey()), data(m.getAppend().getOperand()), expiry);
      case INSERT_INTO:
        return new Mutation.InsertInto(data(m.getInsertInto().getKey()), data(m.getInsertInto().getOperand()), expiry);
      case INSERT_AT:
        return new Mutation.InsertAt(data(m.getInsertAt().getKey()), data(m.getInsertAt().getIndex()),
            data(m.getInsertAt().getValue()), expiry);
      case REMOVE_FROM:
        return new Mutation.RemoveFrom(data(m.getRemoveFrom().getKey()), data(m.getRemoveFrom().getOperand()), expiry);
      case PUSH:
        return new Mutation.Push(data(m.getPush().getKey()), data(m.getPush().getOperand()), expiry);
      case POP:
        return new Mutation.Pop(data(m.getPop().getKey()), expiry);
      default:
        throw new BrokerException(ErrorCode.INVALID_DATA, "replicated mutation without an operation");
    }
  }

  // ---- outcomes -------------------------------------------------------------------------------------

  public static Failure failure(BrokerException e) {
    return Failure.newBuilder().setCode(e.code().code()).setMessage(e.getMessage() == null ? "" : e.getMessage()).build();
  }

  public static BrokerException failure(Failure f) {
    ErrorCode code;
    try {
      code = ErrorCode.ofCode(f.getCode());
    } catch (IllegalArgumentException e) {
      code = ErrorCode.UNSPECIFIED;
    }
    return new BrokerException(code, f.getMessage());
  }
}
