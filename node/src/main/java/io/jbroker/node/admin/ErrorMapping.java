package io.jbroker.node.admin;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.admin.v1.BrokerError;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place where Broker's {@link ErrorCode}s meet gRPC status codes. A failed admin call
 * carries the gRPC code of {@link #grpcCode} and, in its {@code google.rpc.Status} details, a
 * {@link BrokerError} with the Broker code's number, name and the message.
 *
 * <table>
 *   <caption>Broker error → gRPC status</caption>
 *   <tr><th>Broker error</th><th>gRPC</th><th>why</th></tr>
 *   <tr><td>no_such_key, no_such_master, peer_invalid</td><td>NOT_FOUND</td><td>the named thing does not exist</td></tr>
 *   <tr><td>master_exists, consumer_exists, repeated_request_id, repeated_peering_handshake_request, redundant_connection</td><td>ALREADY_EXISTS</td><td></td></tr>
 *   <tr><td>request_timeout, peer_timeout</td><td>DEADLINE_EXCEEDED</td><td>the deadline passed first</td></tr>
 *   <tr><td>stale_data, shutting_down, peer_unavailable, peer_disconnect_during_handshake, connection_timeout, no_path_to_peer, no_connector_available, cannot_open_resource, broken_clone</td><td>UNAVAILABLE</td><td>transient: retrying later may succeed</td></tr>
 *   <tr><td>invalid_data, invalid_topic_key, invalid_tag, invalid_message, invalid_status, conversion_failed, deserialization_failed, wrong_magic_number, invalid_json, invalid_peering_request</td><td>INVALID_ARGUMENT</td><td>the request's data is wrong whatever the state (including arithmetic overflow and bad expiries, as Broker classifies them)</td></tr>
 *   <tr><td>type_clash, backend_failure, cannot_open_file, cannot_write_file, peer_incompatible</td><td>FAILED_PRECONDITION</td><td>the operation does not fit the stored value or the node's state</td></tr>
 *   <tr><td>end_of_file</td><td>OUT_OF_RANGE</td><td></td></tr>
 *   <tr><td>unspecified</td><td>UNKNOWN</td><td></td></tr>
 *   <tr><td>bad_member_function_call, unexpected_handshake_message, invalid_handshake_state, serialization_failed, logic_error</td><td>INTERNAL</td><td>a bug</td></tr>
 *   <tr><td>none</td><td>OK</td><td>never sent as a failure</td></tr>
 * </table>
 */
public final class ErrorMapping {
  private ErrorMapping() {}

  /** The gRPC status code of a Broker error code. */
  public static Status.Code grpcCode(ErrorCode code) {
    return switch (code) {
      case NONE -> Status.Code.OK;
      case UNSPECIFIED -> Status.Code.UNKNOWN;
      case NO_SUCH_KEY, NO_SUCH_MASTER, PEER_INVALID -> Status.Code.NOT_FOUND;
      case MASTER_EXISTS, CONSUMER_EXISTS, REPEATED_REQUEST_ID, REPEATED_PEERING_HANDSHAKE_REQUEST,
          REDUNDANT_CONNECTION -> Status.Code.ALREADY_EXISTS;
      case REQUEST_TIMEOUT, PEER_TIMEOUT -> Status.Code.DEADLINE_EXCEEDED;
      case STALE_DATA, SHUTTING_DOWN, PEER_UNAVAILABLE, PEER_DISCONNECT_DURING_HANDSHAKE, CONNECTION_TIMEOUT,
          NO_PATH_TO_PEER, NO_CONNECTOR_AVAILABLE, CANNOT_OPEN_RESOURCE, BROKEN_CLONE -> Status.Code.UNAVAILABLE;
      case INVALID_DATA, INVALID_TOPIC_KEY, INVALID_TAG, INVALID_MESSAGE, INVALID_STATUS, CONVERSION_FAILED,
          DESERIALIZATION_FAILED, WRONG_MAGIC_NUMBER, INVALID_JSON, INVALID_PEERING_REQUEST ->
          Status.Code.INVALID_ARGUMENT;
      case TYPE_CLASH, BACKEND_FAILURE, CANNOT_OPEN_FILE, CANNOT_WRITE_FILE, PEER_INCOMPATIBLE ->
          Status.Code.FAILED_PRECONDITION;
      case END_OF_FILE -> Status.Code.OUT_OF_RANGE;
      case BAD_MEMBER_FUNCTION_CALL, UNEXPECTED_HANDSHAKE_MESSAGE, INVALID_HANDSHAKE_STATE, SERIALIZATION_FAILED,
          LOGIC_ERROR -> Status.Code.INTERNAL;
    };
  }

  /** The gRPC error of a Broker failure, with the {@link BrokerError} detail. */
  public static StatusRuntimeException toStatus(BrokerException e) {
    return toStatus(e.code(), e.getMessage());
  }

  /** The gRPC error of Broker error {@code code} with {@code message}. */
  public static StatusRuntimeException toStatus(ErrorCode code, String message) {
    String m = message == null ? code.brokerName() : message;
    com.google.rpc.Status s = com.google.rpc.Status.newBuilder()
        .setCode(grpcCode(code).value())
        .setMessage(m)
        .addDetails(Any.pack(BrokerError.newBuilder().setCode(code.code()).setName(code.brokerName()).setMessage(m)
            .build()))
        .build();
    return StatusProto.toStatusRuntimeException(s);
  }

  /**
   * The gRPC error for any failure of a handler: Broker failures as above (unwrapping
   * completion wrappers), gRPC errors as they are, bad arguments as INVALID_ARGUMENT, anything
   * else as INTERNAL with its message.
   */
  public static StatusRuntimeException toStatus(Throwable t) {
    Throwable c = unwrap(t);
    if (c instanceof BrokerException b) {
      return toStatus(b);
    }
    if (c instanceof StatusRuntimeException s) {
      return s;
    }
    if (c instanceof io.grpc.StatusException s) {
      return s.getStatus().asRuntimeException(s.getTrailers());
    }
    if (c instanceof CancellationException) {
      return Status.CANCELLED.withDescription("cancelled").asRuntimeException();
    }
    if (c instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(c.getMessage()).asRuntimeException();
    }
    return Status.INTERNAL.withDescription(String.valueOf(c)).withCause(c).asRuntimeException();
  }

  /** The Broker error in the details of a failed call, if the server sent one. */
  public static Optional<BrokerError> brokerError(Throwable t) {
    com.google.rpc.Status s = StatusProto.fromThrowable(t);
    if (s == null) {
      return Optional.empty();
    }
    for (Any any : s.getDetailsList()) {
      if (any.is(BrokerError.class)) {
        try {
          return Optional.of(any.unpack(BrokerError.class));
        } catch (InvalidProtocolBufferException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /** The cause of completion/execution wrappers. */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
