package io.jbroker.node.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jbroker.data.Data;
import io.jbroker.proto.admin.v1.AmountRequest;
import io.jbroker.proto.admin.v1.ClearRequest;
import io.jbroker.proto.admin.v1.ExistsRequest;
import io.jbroker.proto.admin.v1.ExistsResponse;
import io.jbroker.proto.admin.v1.GetIndexFromValueRequest;
import io.jbroker.proto.admin.v1.GetRequest;
import io.jbroker.proto.admin.v1.GetResponse;
import io.jbroker.proto.admin.v1.IndexRequest;
import io.jbroker.proto.admin.v1.InsertIntoRequest;
import io.jbroker.proto.admin.v1.KVGrpc;
import io.jbroker.proto.admin.v1.KeyRequest;
import io.jbroker.proto.admin.v1.KeysRequest;
import io.jbroker.proto.admin.v1.KeysResponse;
import io.jbroker.proto.admin.v1.PutRequest;
import io.jbroker.proto.admin.v1.PutUniqueResponse;
import io.jbroker.proto.admin.v1.ValueRequest;
import io.jbroker.proto.admin.v1.WriteResponse;
import io.jbroker.store.KeyPage;
import io.jbroker.store.Mutation;
import io.jbroker.store.Store;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** The KV service: every store operation on a named store (see kv.proto). */
final class KvService extends KVGrpc.KVImplBase {
  /** Keys per page when the request asks for 0. */
  static final int DEFAULT_PAGE = 1000;
  /** Largest page. */
  static final int MAX_PAGE = 100_000;

  private static final WriteResponse WRITTEN = WriteResponse.getDefaultInstance();

  private final AdminContext ctx;

  KvService(AdminContext ctx) {
    this.ctx = ctx;
  }

  /** The store named {@code name}, or NOT_FOUND. */
  static Store store(AdminContext ctx, String name) {
    if (name.isEmpty()) {
      throw Status.INVALID_ARGUMENT.withDescription("store is required (the name of an attached store)")
          .asRuntimeException();
    }
    return ctx.stores().store(name).orElseThrow(() -> Status.NOT_FOUND.withDescription(
        "no store named \"" + name + "\" is attached on this node (attached: "
            + String.join(", ", ctx.stores().names()) + ")").asRuntimeException());
  }

  private static Duration expiry(boolean has, com.google.protobuf.Duration d) {
    return has ? DataProtos.duration(d) : null;
  }

  private <T, R> void call(StreamObserver<R> obs, String what, String storeName,
      java.util.function.Function<Store, CompletableFuture<T>> op, java.util.function.Function<T, R> map) {
    Calls.unary(obs, ctx.requestTimeout(), what, storeName, () -> op.apply(store(ctx, storeName)), map);
  }

  private void write(StreamObserver<WriteResponse> obs, String what, String storeName, Supplier<Mutation> m) {
    call(obs, what, storeName, s -> s.apply(m.get()), d -> WRITTEN);
  }

  @Override
  public void get(GetRequest r, StreamObserver<GetResponse> obs) {
    call(obs, "get", r.getStore(), s -> s.get(DataProtos.required(r.hasKey(), r.getKey(), "key")),
        v -> GetResponse.newBuilder().setValue(DataProtos.toProto(v)).build());
  }

  @Override
  public void exists(ExistsRequest r, StreamObserver<ExistsResponse> obs) {
    call(obs, "exists", r.getStore(), s -> s.exists(DataProtos.required(r.hasKey(), r.getKey(), "key")),
        v -> ExistsResponse.newBuilder().setExists(v).build());
  }

  @Override
  public void getIndexFromValue(GetIndexFromValueRequest r, StreamObserver<GetResponse> obs) {
    call(obs, "get_index_from_value", r.getStore(),
        s -> s.getIndexFromValue(DataProtos.required(r.hasKey(), r.getKey(), "key"),
            DataProtos.required(r.hasIndex(), r.getIndex(), "index")),
        v -> GetResponse.newBuilder().setValue(DataProtos.toProto(v)).build());
  }

  @Override
  public void keys(KeysRequest r, StreamObserver<KeysResponse> obs) {
    int limit = r.getLimit() == 0 ? DEFAULT_PAGE : r.getLimit();
    if (limit < 0 || limit > MAX_PAGE) {
      Calls.fail(obs, Status.INVALID_ARGUMENT.withDescription("limit " + Integer.toUnsignedString(r.getLimit())
          + " is larger than " + MAX_PAGE).asRuntimeException());
      return;
    }
    call(obs, "keys", r.getStore(), s -> s.keys(r.hasAfter() ? DataProtos.fromProto(r.getAfter(), "after") : null, limit),
        (KeyPage p) -> {
          KeysResponse.Builder b = KeysResponse.newBuilder();
          for (Data k : p.keys()) {
            b.addKeys(DataProtos.toProto(k));
          }
          if (p.next() != null) {
            b.setNext(DataProtos.toProto(p.next()));
          }
          return b.build();
        });
  }

  @Override
  public void put(PutRequest r, StreamObserver<WriteResponse> obs) {
    write(obs, "put", r.getStore(), () -> new Mutation.Put(DataProtos.required(r.hasKey(), r.getKey(), "key"),
        DataProtos.required(r.hasValue(), r.getValue(), "value"), expiry(r.hasExpiry(), r.getExpiry())));
  }

  @Override
  public void putUnique(PutRequest r, StreamObserver<PutUniqueResponse> obs) {
    call(obs, "put_unique", r.getStore(), s -> s.apply(new Mutation.PutUnique(
            DataProtos.required(r.hasKey(), r.getKey(), "key"), DataProtos.required(r.hasValue(), r.getValue(), "value"),
            expiry(r.hasExpiry(), r.getExpiry()))),
        d -> PutUniqueResponse.newBuilder().setInserted(((io.jbroker.data.BooleanData) d).value()).build());
  }

  @Override
  public void erase(KeyRequest r, StreamObserver<WriteResponse> obs) {
    write(obs, "erase", r.getStore(), () -> new Mutation.Erase(DataProtos.required(r.hasKey(), r.getKey(), "key")));
  }

  @Override
  public void clear(ClearRequest r, StreamObserver<WriteResponse> obs) {
    write(obs, "clear", r.getStore(), Mutation.Clear::new);
  }

  @Override
  public void increment(AmountRequest r, StreamObserver<WriteResponse> obs) {
    write(obs, "increment", r.getStore(), () -> new Mutation.Increment(DataProtos.required(r.hasKey(), r.getKey(), "key"),
        DataProtos.required(r.hasAmount(), r.getAmount(), "amount"), expiry(r.hasExpiry(), r.getExpiry())));
  }

  @Override
  public void decrement(AmountRequest r, StreamObserver<WriteResponse> obs) {
    write(obs, "decrement", r.getStore(), () -> new Mutation.Decrement(DataProtos.required(r.hasKey(), r.getKey(), "key"),
        DataProtos.required(r.hasAmount(), r.getAmount(), "amount"), expiry(r.hasExpiry(), r.getExpiry())));
  }

  @Override
  public void append(ValueRequest r, StreamObserver<WriteResponse> obs) {
    write(obs, "append", r.getStore(), () -> new Mutation.Append(DataProtos.required(r.hasKey(), r.getKey(), "key"),
        DataProtos.required(r.hasValue(), r.getValue(), "value"), expiry(r.hasExpiry(), r.getExpiry())));
  }

  @Override
  public void insertInto(InsertIntoRequest r, StreamObserver<WriteResponse> obs) {
    write(obs, "insert_into", r.getStore(), () -> {
      Data key = DataProtos.required(r.hasKey(), r.getKey(), "key");
      Data index = DataProtos.required(r.hasIndex(), r.getIndex(), "index");
      Duration expiry = expiry(r.hasExpiry(), r.getExpiry());
      return r.hasValue() ? new Mutation.InsertAt(key, index, DataProtos.fromProto(r.getValue(), "value"), expiry)
          : new Mutation.InsertInto(key, index, expiry);
    });
  }

  @Override
  public void removeFrom(IndexRequest r, StreamObserver<WriteResponse> obs) {
    write(obs, "remove_from", r.getStore(), () -> new Mutation.RemoveFrom(DataProtos.required(r.hasKey(), r.getKey(), "key"),
        DataProtos.required(r.hasIndex(), r.getIndex(), "index"), expiry(r.hasExpiry(), r.getExpiry())));
  }

  @Override
  public void push(ValueRequest r, StreamObserver<WriteResponse> obs) {
    write(obs, "push", r.getStore(), () -> new Mutation.Push(DataProtos.required(r.hasKey(), r.getKey(), "key"),
        DataProtos.required(r.hasValue(), r.getValue(), "value"), expiry(r.hasExpiry(), r.getExpiry())));
  }

  @Override
  public void pop(KeyRequest r, StreamObserver<WriteResponse> obs) {
    write(obs, "pop", r.getStore(), () -> new Mutation.Pop(DataProtos.required(r.hasKey(), r.getKey(), "key"),
        expiry(r.hasExpiry(), r.getExpiry())));
  }
}
