package io.jbroker.error;

/**
 * Broker's error codes, with Broker's numbers and names ({@code libbroker/broker/error.hh}).
 *
 * <p>The numbers are wire-stable: logs, the admin API and Broker peers agree on them. The
 * {@linkplain #brokerName() Broker name} is the lower-case identifier Broker prints and that
 * appears as an {@code enum_value} when an error is converted to data.
 */
public enum ErrorCode {
  NONE(0, "none"),
  UNSPECIFIED(1, "unspecified"),
  PEER_INCOMPATIBLE(2, "peer_incompatible"),
  PEER_INVALID(3, "peer_invalid"),
  PEER_UNAVAILABLE(4, "peer_unavailable"),
  PEER_DISCONNECT_DURING_HANDSHAKE(5, "peer_disconnect_during_handshake"),
  PEER_TIMEOUT(6, "peer_timeout"),
  MASTER_EXISTS(7, "master_exists"),
  NO_SUCH_MASTER(8, "no_such_master"),
  NO_SUCH_KEY(9, "no_such_key"),
  REQUEST_TIMEOUT(10, "request_timeout"),
  TYPE_CLASH(11, "type_clash"),
  INVALID_DATA(12, "invalid_data"),
  BACKEND_FAILURE(13, "backend_failure"),
  STALE_DATA(14, "stale_data"),
  CANNOT_OPEN_FILE(15, "cannot_open_file"),
  CANNOT_WRITE_FILE(16, "cannot_write_file"),
  INVALID_TOPIC_KEY(17, "invalid_topic_key"),
  END_OF_FILE(18, "end_of_file"),
  INVALID_TAG(19, "invalid_tag"),
  INVALID_MESSAGE(20, "invalid_message"),
  INVALID_STATUS(21, "invalid_status"),
  CONVERSION_FAILED(22, "conversion_failed"),
  CONSUMER_EXISTS(23, "consumer_exists"),
  CONNECTION_TIMEOUT(24, "connection_timeout"),
  BAD_MEMBER_FUNCTION_CALL(25, "bad_member_function_call"),
  REPEATED_REQUEST_ID(26, "repeated_request_id"),
  BROKEN_CLONE(27, "broken_clone"),
  SHUTTING_DOWN(28, "shutting_down"),
  INVALID_PEERING_REQUEST(29, "invalid_peering_request"),
  REPEATED_PEERING_HANDSHAKE_REQUEST(30, "repeated_peering_handshake_request"),
  UNEXPECTED_HANDSHAKE_MESSAGE(31, "unexpected_handshake_message"),
  INVALID_HANDSHAKE_STATE(32, "invalid_handshake_state"),
  NO_PATH_TO_PEER(33, "no_path_to_peer"),
  NO_CONNECTOR_AVAILABLE(34, "no_connector_available"),
  CANNOT_OPEN_RESOURCE(35, "cannot_open_resource"),
  SERIALIZATION_FAILED(36, "serialization_failed"),
  DESERIALIZATION_FAILED(37, "deserialization_failed"),
  WRONG_MAGIC_NUMBER(38, "wrong_magic_number"),
  REDUNDANT_CONNECTION(39, "redundant_connection"),
  LOGIC_ERROR(40, "logic_error"),
  /** Present in Broker's enum but missing from its name table; we give it the obvious name. */
  INVALID_JSON(41, "invalid_json");

  private static final ErrorCode[] BY_CODE = values();

  private final int code;
  private final String brokerName;

  ErrorCode(int code, String brokerName) {
    this.code = code;
    this.brokerName = brokerName;
  }

  /** Broker's numeric value. */
  public int code() {
    return code;
  }

  /** Broker's name, e.g. {@code no_such_key}. */
  public String brokerName() {
    return brokerName;
  }

  /**
   * The code with Broker's numeric value {@code code}.
   *
   * @throws IllegalArgumentException if no code has that number
   */
  public static ErrorCode ofCode(int code) {
    if (code < 0 || code >= BY_CODE.length) {
      throw new IllegalArgumentException("no Broker error code " + code);
    }
    return BY_CODE[code];
  }

  /**
   * The code with Broker's name {@code name} (e.g. {@code no_such_key}); the Java constant name
   * ({@code NO_SUCH_KEY}) is accepted too.
   *
   * @throws IllegalArgumentException if no code has that name
   */
  public static ErrorCode ofName(String name) {
    for (ErrorCode c : BY_CODE) {
      if (c.brokerName.equals(name) || c.name().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException("no Broker error code named \"" + name + "\"");
  }
}
