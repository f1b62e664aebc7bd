package io.jbroker.error;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {
  /** spec/broker-stores.md §5, in numeric order. */
  private static final List<String> BROKER_NAMES = List.of(
      "none", "unspecified", "peer_incompatible", "peer_invalid", "peer_unavailable",
      "peer_disconnect_during_handshake", "peer_timeout", "master_exists", "no_such_master",
      "no_such_key", "request_timeout", "type_clash", "invalid_data", "backend_failure", "stale_data",
      "cannot_open_file", "cannot_write_file", "invalid_topic_key", "end_of_file", "invalid_tag",
      "invalid_message", "invalid_status", "conversion_failed", "consumer_exists", "connection_timeout",
      "bad_member_function_call", "repeated_request_id", "broken_clone", "shutting_down",
      "invalid_peering_request", "repeated_peering_handshake_request", "unexpected_handshake_message",
      "invalid_handshake_state", "no_path_to_peer", "no_connector_available", "cannot_open_resource",
      "serialization_failed", "deserialization_failed", "wrong_magic_number", "redundant_connection",
      "logic_error", "invalid_json");

  @Test
  void codesHaveBrokersNumbersAndNames() {
    assertThat(ErrorCode.values()).hasSize(42);
    for (int n = 0; n < BROKER_NAMES.size(); n++) {
      ErrorCode c = ErrorCode.ofCode(n);
      assertThat(c.code()).isEqualTo(n);
      assertThat(c.brokerName()).isEqualTo(BROKER_NAMES.get(n));
      assertThat(c.name()).isEqualTo(BROKER_NAMES.get(n).toUpperCase());
      assertThat(ErrorCode.ofName(BROKER_NAMES.get(n))).isSameAs(c);
    }
    assertThat(ErrorCode.NO_SUCH_KEY.code()).isEqualTo(9);
    assertThat(ErrorCode.MASTER_EXISTS.code()).isEqualTo(7);
    assertThat(ErrorCode.STALE_DATA.code()).isEqualTo(14);
    assertThat(ErrorCode.REQUEST_TIMEOUT.code()).isEqualTo(10);
  }

  @Test
  void unknownCodesAndNamesAreRefusedWithTheirValue() {
    assertThatThrownBy(() -> ErrorCode.ofCode(42)).hasMessageContaining("42");
    assertThatThrownBy(() -> ErrorCode.ofCode(-1)).hasMessageContaining("-1");
    assertThatThrownBy(() -> ErrorCode.ofName("bogus")).hasMessageContaining("bogus");
  }

  @Test
  void brokerExceptionCarriesItsCode() {
    BrokerException e = new BrokerException(ErrorCode.TYPE_CLASH, "increment on key \"hits\": stored value is a string");
    assertThat(e.code()).isEqualTo(ErrorCode.TYPE_CLASH);
    assertThat(e).hasMessageContaining("hits");
    assertThat(e.toString()).contains("type_clash");
    assertThat(e.getStackTrace()).isNotEmpty();
    BrokerException light = BrokerException.lightweight(ErrorCode.INVALID_DATA, "bad");
    assertThat(light.getStackTrace()).isEmpty();
    assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::brokerName).distinct()).hasSize(42);
  }
}
