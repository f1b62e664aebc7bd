package io.jbroker.node.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.admin.v1.BrokerError;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ErrorMappingTest {
  @ParameterizedTest
  @CsvSource({
      "NO_SUCH_KEY, NOT_FOUND",
      "NO_SUCH_MASTER, NOT_FOUND",
      "PEER_INVALID, NOT_FOUND",
      "MASTER_EXISTS, ALREADY_EXISTS",
      "REQUEST_TIMEOUT, DEADLINE_EXCEEDED",
      "PEER_TIMEOUT, DEADLINE_EXCEEDED",
      "STALE_DATA, UNAVAILABLE",
      "SHUTTING_DOWN, UNAVAILABLE",
      "PEER_UNAVAILABLE, UNAVAILABLE",
      "TYPE_CLASH, FAILED_PRECONDITION",
      "BACKEND_FAILURE, FAILED_PRECONDITION",
      "INVALID_DATA, INVALID_ARGUMENT",
      "INVALID_TOPIC_KEY, INVALID_ARGUMENT",
      "INVALID_JSON, INVALID_ARGUMENT",
      "END_OF_FILE, OUT_OF_RANGE",
      "UNSPECIFIED, UNKNOWN",
      "LOGIC_ERROR, INTERNAL",
  })
  void brokerCodesMapToGrpcCodes(ErrorCode broker, Status.Code grpc) {
    assertThat(ErrorMapping.grpcCode(broker)).isEqualTo(grpc);
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void everyFailureCarriesItsBrokerCodeNumberAndName(ErrorCode code) {
    StatusRuntimeException e = ErrorMapping.toStatus(new BrokerException(code, "what went wrong with \"k\""));
    if (code != ErrorCode.NONE) {
      assertThat(e.getStatus().getCode()).isNotEqualTo(Status.Code.OK);
    }
    assertThat(e.getStatus().getCode()).isEqualTo(ErrorMapping.grpcCode(code));
    assertThat(e.getStatus().getDescription()).isEqualTo("what went wrong with \"k\"");
    assertThat(ErrorMapping.brokerError(e)).contains(BrokerError.newBuilder().setCode(code.code())
        .setName(code.brokerName()).setMessage("what went wrong with \"k\"").build());
  }

  @Test
  void wrappedFailuresAreUnwrapped() {
    StatusRuntimeException e = ErrorMapping.toStatus(new CompletionException(
        new BrokerException(ErrorCode.TYPE_CLASH, "increment on key \"hits\": stored value is a string")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(ErrorMapping.brokerError(e).orElseThrow().getName()).isEqualTo("type_clash");
    assertThat(ErrorMapping.brokerError(e).orElseThrow().getCode()).isEqualTo(11);
  }

  @Test
  void otherFailuresHaveNoBrokerDetail() {
    assertThat(ErrorMapping.toStatus(new IllegalArgumentException("bad")).getStatus().getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    StatusRuntimeException internal = ErrorMapping.toStatus(new IllegalStateException("boom"));
    assertThat(internal.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(ErrorMapping.brokerError(internal)).isEmpty();
    StatusRuntimeException passthrough = Status.NOT_FOUND.withDescription("x").asRuntimeException();
    assertThat(ErrorMapping.toStatus(passthrough)).isSameAs(passthrough);
  }
}
