package io.jbroker.node.admin;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jbroker.endpoint.EndpointInfo;
import io.jbroker.endpoint.NetworkInfo;
import io.jbroker.endpoint.PeerInfo;
import io.jbroker.endpoint.StatusEvent;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.proto.admin.v1.HostPort;
import io.jbroker.proto.admin.v1.ListPeersRequest;
import io.jbroker.proto.admin.v1.ListPeersResponse;
import io.jbroker.proto.admin.v1.PeerEvent;
import io.jbroker.proto.admin.v1.PeerRequest;
import io.jbroker.proto.admin.v1.PeerResponse;
import io.jbroker.proto.admin.v1.PeeringGrpc;
import io.jbroker.proto.admin.v1.UnpeerRequest;
import io.jbroker.proto.admin.v1.UnpeerResponse;
import io.jbroker.proto.admin.v1.WatchPeersRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/** The Peering service (see node.proto). */
final class PeeringService extends PeeringGrpc.PeeringImplBase {
  private final AdminContext ctx;

  PeeringService(AdminContext ctx) {
    this.ctx = ctx;
  }

  static io.jbroker.proto.admin.v1.PeerInfo peer(PeerInfo p) {
    var b = io.jbroker.proto.admin.v1.PeerInfo.newBuilder()
        .setStatus(p.status().name().toLowerCase(Locale.ROOT));
    if (p.id() != null && !p.id().isNil()) {
      b.setId(p.id().toString());
    }
    NetworkInfo n = p.network();
    if (n != null) {
      b.setNetwork(HostPort.newBuilder().setHost(n.address()).setPort(n.port()));
      if (n.retry() != null) {
        b.setRetry(DataProtos.duration(n.retry()));
      }
    }
    return b.build();
  }

  @Override
  public void listPeers(ListPeersRequest r, StreamObserver<ListPeersResponse> obs) {
    Calls.unary(obs, ctx.requestTimeout(), "list peers", () -> ctx.endpoint().core().peers(), (List<PeerInfo> peers) -> {
      ListPeersResponse.Builder b = ListPeersResponse.newBuilder();
      peers.forEach(p -> b.addPeers(peer(p)));
      return b.build();
    });
  }

  @Override
  public void peer(PeerRequest r, StreamObserver<PeerResponse> obs) {
    // Peering may take up to the client's deadline (retries included), not just the request timeout.
    Duration wait = Duration.ofDays(1);
    Calls.unary(obs, wait, "peering with " + r.getHost() + ":" + r.getPort(), () -> {
      if (r.getHost().isEmpty() || r.getPort() == 0 || r.getPort() > 65535) {
        throw Status.INVALID_ARGUMENT.withDescription("peer needs a host and a port from 1 to 65535")
            .asRuntimeException();
      }
      Duration retry = r.hasRetry() ? DataProtos.duration(r.getRetry()) : ctx.endpoint().config().connectRetry();
      return ctx.endpoint().peerAsync(r.getHost(), r.getPort(), retry);
    }, p -> PeerResponse.newBuilder().setPeer(peer(p)).build());
  }

  @Override
  public void unpeer(UnpeerRequest r, StreamObserver<UnpeerResponse> obs) {
    Calls.unary(obs, ctx.requestTimeout(), "unpeer", () -> {
      CompletableFuture<Void> f;
      switch (r.getTargetCase()) {
        case NETWORK -> f = ctx.endpoint().unpeerAsync(r.getNetwork().getHost(), r.getNetwork().getPort());
        case ID -> {
          EndpointId id;
          try {
            id = EndpointId.parse(r.getId());
          } catch (RuntimeException e) {
            throw Status.INVALID_ARGUMENT.withDescription("\"" + r.getId() + "\" is not an endpoint id (a UUID)")
                .asRuntimeException();
          }
          f = ctx.endpoint().unpeerAsync(id);
        }
        default -> throw Status.INVALID_ARGUMENT.withDescription("unpeer needs network (host and port) or id")
            .asRuntimeException();
      }
      return f;
    }, v -> UnpeerResponse.getDefaultInstance());
  }

  @Override
  public void watchPeers(WatchPeersRequest r, StreamObserver<PeerEvent> obs) {
    ServerCallStreamObserver<PeerEvent> sobs = (ServerCallStreamObserver<PeerEvent>) obs;
    // One event per message: peer events are rare and a client reads them one by one.
    EventStream<PeerEvent, PeerEvent> stream = new EventStream<>(sobs, ctx.executor(), ctx.streamBuffer(), 1,
        list -> list.get(0), "peer event stream");
    Runnable remove = ctx.status().addListener(e -> stream.offer(event(e)));
    stream.onClose(remove);
  }

  static PeerEvent event(StatusEvent e) {
    Instant now = Instant.now();
    PeerEvent.Builder b = PeerEvent.newBuilder()
        .setTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()));
    EndpointInfo context;
    String message;
    if (e instanceof StatusEvent.Status s) {
      b.setKind(PeerEvent.Kind.STATUS).setCode(s.code().brokerName());
      context = s.context();
      message = s.message();
    } else {
      StatusEvent.Error err = (StatusEvent.Error) e;
      b.setKind(PeerEvent.Kind.ERROR).setCode(err.code().brokerName()).setErrorCode(err.code().code());
      context = err.context();
      message = err.message();
    }
    if (context != null) {
      if (context.id() != null && !context.id().isNil()) {
        b.setPeerId(context.id().toString());
      }
      if (context.network() != null) {
        b.setNetwork(HostPort.newBuilder().setHost(context.network().address()).setPort(context.network().port()));
      }
    }
    if (message != null) {
      b.setMessage(message);
    }
    return b.build();
  }
}
