package io.jbroker.node.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jbroker.proto.admin.v1.AttachCloneRequest;
import io.jbroker.proto.admin.v1.AttachMasterRequest;
import io.jbroker.proto.admin.v1.AttachResponse;
import io.jbroker.proto.admin.v1.DetachRequest;
import io.jbroker.proto.admin.v1.DetachResponse;
import io.jbroker.proto.admin.v1.ListStoresRequest;
import io.jbroker.proto.admin.v1.ListStoresResponse;
import io.jbroker.proto.admin.v1.StoresGrpc;
import io.jbroker.replication.StoreInfo;
import io.jbroker.store.BackendOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The Stores service: list, attach and detach stores (see stores.proto). */
final class StoresService extends StoresGrpc.StoresImplBase {
  private final AdminContext ctx;

  StoresService(AdminContext ctx) {
    this.ctx = ctx;
  }

  static io.jbroker.proto.admin.v1.StoreInfo info(StoreInfo i) {
    return io.jbroker.proto.admin.v1.StoreInfo.newBuilder()
        .setName(i.name())
        .setRole(i.role() == StoreInfo.Role.MASTER ? io.jbroker.proto.admin.v1.StoreInfo.Role.MASTER
            : io.jbroker.proto.admin.v1.StoreInfo.Role.CLONE)
        .setBackend(i.backend())
        .setEntries(i.entries())
        .setClones(i.clones())
        .setEpoch(i.epoch())
        .setSeq(i.seq())
        .setUnacknowledged(i.buffered())
        .setStale(i.stale())
        .setLag(i.lag())
        .build();
  }

  @Override
  public void listStores(ListStoresRequest r, StreamObserver<ListStoresResponse> obs) {
    Calls.unary(obs, ctx.requestTimeout(), "list stores", () -> ctx.stores().infos(), (List<StoreInfo> infos) -> {
      ListStoresResponse.Builder b = ListStoresResponse.newBuilder();
      infos.forEach(i -> b.addStores(info(i)));
      return b.build();
    });
  }

  @Override
  public void attachMaster(AttachMasterRequest r, StreamObserver<AttachResponse> obs) {
    // opening a backend touches the disk: not on a transport thread
    Calls.unary(obs, ctx.requestTimeout(), "attach master \"" + r.getName() + "\"", () ->
        CompletableFuture.supplyAsync(() -> {
          BackendOptions options = BackendOptions.empty();
          for (Map.Entry<String, io.jbroker.proto.admin.v1.Data> e : r.getOptionsMap().entrySet()) {
            options = options.with(e.getKey(), DataProtos.fromProto(e.getValue(), "option " + e.getKey()));
          }
          String backend = r.getBackend().isEmpty() ? "sqlite" : r.getBackend();
          return ctx.stores().attachMaster(r.getName(), backend, options);
        }, ctx.executor()).thenCompose(m -> m.info()), i -> AttachResponse.newBuilder().setStore(info(i)).build());
  }

  @Override
  public void attachClone(AttachCloneRequest r, StreamObserver<AttachResponse> obs) {
    // attaching waits for the store registry's lock, which a slow attach or detach may hold: not on
    // a transport thread
    Calls.unary(obs, ctx.requestTimeout(), "attach clone \"" + r.getName() + "\"", () ->
        CompletableFuture.supplyAsync(() -> ctx.stores().attachClone(
            r.getName(),
            r.hasResyncInterval() ? DataProtos.duration(r.getResyncInterval()) : Duration.ofSeconds(10),
            r.hasStaleInterval() ? DataProtos.duration(r.getStaleInterval()) : Duration.ofSeconds(300),
            r.hasMutationBufferInterval() ? DataProtos.duration(r.getMutationBufferInterval()) : Duration.ofSeconds(120)),
            ctx.executor()).thenCompose(c -> c.info()), i -> AttachResponse.newBuilder().setStore(info(i)).build());
  }

  @Override
  public void detach(DetachRequest r, StreamObserver<DetachResponse> obs) {
    // closing a store waits for its thread and commits: not on a transport thread
    ctx.executor().execute(() -> Calls.sync(obs, () -> {
      if (!ctx.stores().detach(r.getName())) {
        throw Status.NOT_FOUND.withDescription("no store named \"" + r.getName() + "\" is attached on this node")
            .asRuntimeException();
      }
      return DetachResponse.getDefaultInstance();
    }));
  }
}
