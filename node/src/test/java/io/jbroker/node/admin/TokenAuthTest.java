package io.jbroker.node.admin;

import static io.jbroker.node.admin.AdminServicesTest.assertGrpcError;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.jbroker.data.Data;
import io.jbroker.proto.admin.v1.GetRequest;
import io.jbroker.proto.admin.v1.InfoRequest;
import io.jbroker.proto.admin.v1.KVGrpc;
import io.jbroker.proto.admin.v1.NodeGrpc;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenAuthTest {
  @TempDir
  Path dataDir;

  private AdminFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new AdminFixture(dataDir, "s3cret-token", 64);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private static Metadata bearer(String value) {
    Metadata m = new Metadata();
    m.put(BearerTokenInterceptor.AUTHORIZATION, value);
    return m;
  }

  @Test
  void callsWithoutTheTokenAreUnauthenticated() {
    var e = assertGrpcError(() -> NodeGrpc.newBlockingStub(f.channel).info(InfoRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, null);
    assertThat(e.getStatus().getDescription()).contains("authorization: Bearer <token>");
    assertGrpcError(() -> KVGrpc.newBlockingStub(f.channel).get(GetRequest.newBuilder().setStore("kv")
        .setKey(DataProtos.toProto(Data.of("a"))).build()), Status.Code.UNAUTHENTICATED, null);
  }

  @Test
  void aWrongTokenIsUnauthenticated() {
    for (String wrong : new String[] {"Bearer wrong", "Bearer s3cret-token2", "s3cret-token", "Basic s3cret-token", "Bearer "}) {
      var e = assertGrpcError(() -> NodeGrpc.newBlockingStub(f.channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(wrong))).info(InfoRequest.getDefaultInstance()),
          Status.Code.UNAUTHENTICATED, null);
      assertThat(e.getStatus().getDescription()).isEqualTo("wrong bearer token");
    }
  }

  @Test
  void theRightTokenIsAccepted() {
    assertThat(NodeGrpc.newBlockingStub(f.channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer("Bearer s3cret-token")))
        .info(InfoRequest.getDefaultInstance()).getId()).isEqualTo(f.endpoint.nodeId().toString());
  }

  @Test
  void healthChecksNeedNoToken() {
    assertThat(HealthGrpc.newBlockingStub(f.channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void reflectionNeedsTheToken() {
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> AdminServicesTest.listServices(f)))
        .hasRootCauseInstanceOf(io.grpc.StatusRuntimeException.class)
        .rootCause().hasMessageContaining("UNAUTHENTICATED");
  }
}
