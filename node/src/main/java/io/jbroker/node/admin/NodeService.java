package io.jbroker.node.admin;

import io.grpc.stub.StreamObserver;
import io.jbroker.proto.admin.v1.InfoRequest;
import io.jbroker.proto.admin.v1.InfoResponse;
import io.jbroker.proto.admin.v1.NodeGrpc;

/** The Node service (see node.proto). */
final class NodeService extends NodeGrpc.NodeImplBase {
  private final AdminContext ctx;

  NodeService(AdminContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void info(InfoRequest r, StreamObserver<InfoResponse> obs) {
    Calls.sync(obs, ctx.info());
  }
}
