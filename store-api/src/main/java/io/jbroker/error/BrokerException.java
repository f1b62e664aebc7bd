package io.jbroker.error;

import java.util.Objects;

/**
 * The one exception of jbroker's APIs: a failure with a Broker {@link ErrorCode} and a message
 * that says what was wrong and with which input.
 */
public class BrokerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public BrokerException(ErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  public BrokerException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  private BrokerException(ErrorCode code, String message, Void noStackTrace) {
    super(message, null, false, false);
    this.code = Objects.requireNonNull(code, "code");
  }

  /**
   * An exception without a stack trace, for failures that are expected outcomes on a hot path
   * (an operation rule refusing a value, a decoder refusing hostile input) rather than bugs.
   */
  public static BrokerException lightweight(ErrorCode code, String message) {
    return new BrokerException(code, message, (Void) null);
  }

  public ErrorCode code() {
    return code;
  }

  @Override
  public String toString() {
    return "BrokerException[" + code.brokerName() + "]: " + getMessage();
  }
}
