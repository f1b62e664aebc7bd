package io.jbroker.node.admin;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.admin.v1.Entry;
import io.jbroker.proto.admin.v1.WatchGrpc;
import io.jbroker.proto.admin.v1.WatchRequest;
import io.jbroker.proto.admin.v1.WatchResponse;
import io.jbroker.store.EntityId;
import io.jbroker.store.KeyPage;
import io.jbroker.store.Store;
import io.jbroker.store.StoreEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The Watch service: a store's events as a server stream (see kv.proto). */
final class WatchService extends WatchGrpc.WatchImplBase {
  /** Events per message. */
  static final int BATCH = 1024;
  /** Snapshot entries per message and per read. */
  static final int SNAPSHOT_PAGE = 1000;

  private final AdminContext ctx;

  WatchService(AdminContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void watch(WatchRequest r, StreamObserver<WatchResponse> obs) {
    Store store;
    try {
      store = KvService.store(ctx, r.getStore());
    } catch (RuntimeException e) {
      Calls.fail(obs, e);
      return;
    }
    ServerCallStreamObserver<WatchResponse> sobs = (ServerCallStreamObserver<WatchResponse>) obs;
    EventStream<StoreEvent, WatchResponse> stream = new EventStream<>(sobs, ctx.executor(), ctx.streamBuffer(), BATCH,
        WatchService::message, "watch on store \"" + r.getStore() + "\"");
    if (r.getSnapshot()) {
      stream.hold();
    }
    Store.Watcher watcher = store.watch(stream::offer);
    stream.onClose(watcher::close);
    if (r.getSnapshot()) {
      snapshot(store, null, stream).whenComplete((v, e) -> {
        if (e != null) {
          stream.end(ErrorMapping.toStatus(e));
        } else {
          stream.resume();
        }
      });
    }
  }

  /** Reads the store page by page and queues the snapshot messages; the last is marked complete. */
  private CompletableFuture<Void> snapshot(Store store, Data after, EventStream<StoreEvent, WatchResponse> stream) {
    return store.keys(after, SNAPSHOT_PAGE).thenCompose(page -> values(store, page).thenCompose(entries -> {
      WatchResponse.Builder m = WatchResponse.newBuilder().addAllSnapshot(entries);
      if (!page.hasMore()) {
        stream.sendFirst(m.setSnapshotComplete(true).build());
        return CompletableFuture.completedFuture(null);
      }
      stream.sendFirst(m.build());
      return snapshot(store, page.next(), stream);
    }));
  }

  private static CompletableFuture<List<Entry>> values(Store store, KeyPage page) {
    List<CompletableFuture<Entry>> gets = new ArrayList<>(page.keys().size());
    for (Data k : page.keys()) {
      gets.add(store.get(k).handle((v, e) -> {
        if (e == null) {
          return Entry.newBuilder().setKey(DataProtos.toProto(k)).setValue(DataProtos.toProto(v)).build();
        }
        Throwable c = ErrorMapping.unwrap(e);
        if (c instanceof BrokerException b && b.code() == ErrorCode.NO_SUCH_KEY) {
          return null; // erased since the key page was read: its erase event follows
        }
        throw new CompletionException(c);
      }));
    }
    return CompletableFuture.allOf(gets.toArray(CompletableFuture[]::new))
        .thenApply(v -> gets.stream().map(CompletableFuture::join).filter(java.util.Objects::nonNull).toList());
  }

  static WatchResponse message(List<StoreEvent> events) {
    WatchResponse.Builder b = WatchResponse.newBuilder();
    for (StoreEvent e : events) {
      b.addEvents(event(e));
    }
    return b.build();
  }

  /** The protobuf form of a store event. */
  static io.jbroker.proto.admin.v1.StoreEvent event(StoreEvent e) {
    var b = io.jbroker.proto.admin.v1.StoreEvent.newBuilder().setStore(e.store()).setKey(DataProtos.toProto(e.key()));
    if (e instanceof StoreEvent.Insert i) {
      b.setType(io.jbroker.proto.admin.v1.StoreEvent.Type.INSERT).setValue(DataProtos.toProto(i.value()));
      if (i.expiry() != null) {
        b.setExpiry(DataProtos.duration(i.expiry()));
      }
    } else if (e instanceof StoreEvent.Update u) {
      b.setType(io.jbroker.proto.admin.v1.StoreEvent.Type.UPDATE).setValue(DataProtos.toProto(u.newValue()))
          .setOldValue(DataProtos.toProto(u.oldValue()));
      if (u.expiry() != null) {
        b.setExpiry(DataProtos.duration(u.expiry()));
      }
    } else if (e instanceof StoreEvent.Erase) {
      b.setType(io.jbroker.proto.admin.v1.StoreEvent.Type.ERASE);
    } else {
      b.setType(io.jbroker.proto.admin.v1.StoreEvent.Type.EXPIRE);
    }
    EntityId p = e.publisher();
    if (p != null) {
      b.setPublisherEndpoint(p.endpoint().toString()).setPublisherObject(p.object());
    }
    return b.build();
  }
}
