package io.jbroker.endpoint;

import io.jbroker.data.Data;
import io.jbroker.data.VectorData;
import io.jbroker.error.ErrorCode;
import io.jbroker.endpoint.wire.Topics;
import java.util.Objects;

/**
 * A local status or error event about peerings (spec/broker-endpoint.md §5), delivered to
 * {@link StatusSubscriber}s; its {@link #toData()} is what Broker publishes on {@link
 * Topics#STATUSES} or {@link Topics#ERRORS}.
 */
public sealed interface StatusEvent {
  /** The event in Broker's data layout. */
  VectorData toData();

  /** The topic Broker would publish it on. */
  String topic();

  /** A peering changed: {@code ["status", enum code, endpoint_info, message]}. */
  record Status(StatusCode code, EndpointInfo context, String message) implements StatusEvent {
    public Status {
      Objects.requireNonNull(code, "code");
    }

    @Override
    public VectorData toData() {
      if (code == StatusCode.UNSPECIFIED) {
        return Data.vector(Data.of("status"), Data.enumValue(code.brokerName()), Data.none(), Data.none());
      }
      return Data.vector(Data.of("status"), Data.enumValue(code.brokerName()),
          context == null ? Data.none() : context.toData(), message == null ? Data.none() : Data.of(message));
    }

    @Override
    public String topic() {
      return Topics.STATUSES;
    }

    @Override
    public String toString() {
      return code.brokerName() + "(" + context + "): " + message;
    }
  }

  /**
   * Something failed: {@code ["error", enum code, context]} where the context is nil, {@code
   * [message]} or {@code [endpoint_info, message]}.
   */
  record Error(ErrorCode code, EndpointInfo context, String message) implements StatusEvent {
    public Error {
      Objects.requireNonNull(code, "code");
    }

    @Override
    public VectorData toData() {
      Data ctx;
      if (message == null && context == null) {
        ctx = Data.none();
      } else if (context == null) {
        ctx = Data.vector(Data.of(message));
      } else {
        ctx = Data.vector(context.toData(), message == null ? Data.none() : Data.of(message));
      }
      return Data.vector(Data.of("error"), Data.enumValue(code.brokerName()), ctx);
    }

    @Override
    public String topic() {
      return Topics.ERRORS;
    }

    @Override
    public String toString() {
      return code.brokerName() + "(" + context + "): " + message;
    }
  }
}
