package io.jbroker.node.admin;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/** Answers unary calls from futures, within the client's deadline and the request timeout. */
final class Calls {
  private Calls() {}

  /**
   * Starts {@code call} and answers with {@code map} of its result, or with the mapped error.
   * The call fails with {@code REQUEST_TIMEOUT} (DEADLINE_EXCEEDED) when the shorter of the
   * client's deadline and {@code requestTimeout} passes first.
   */
  static <T, R> void unary(StreamObserver<R> observer, Duration requestTimeout, String what,
      Supplier<CompletableFuture<T>> call, Function<T, R> map) {
    CompletableFuture<T> f;
    long timeoutNanos;
    try {
      timeoutNanos = timeoutNanos(requestTimeout);
      f = call.get();
    } catch (Throwable t) {
      fail(observer, t);
      return;
    }
    f.orTimeout(timeoutNanos, TimeUnit.NANOSECONDS).whenComplete((v, e) -> {
      if (e != null) {
        Throwable c = ErrorMapping.unwrap(e);
        fail(observer, c instanceof TimeoutException
            ? new BrokerException(ErrorCode.REQUEST_TIMEOUT, what + " did not complete within "
                + Duration.ofNanos(timeoutNanos).toMillis() + " ms") : c);
        return;
      }
      R response;
      try {
        response = map.apply(v);
      } catch (Throwable t) {
        fail(observer, t);
        return;
      }
      try {
        observer.onNext(response);
        observer.onCompleted();
      } catch (RuntimeException ex) {
        // the call was cancelled (deadline, client gone): nobody to answer
      }
    });
  }

  /** Answers a call whose result is computed synchronously. */
  static <R> void sync(StreamObserver<R> observer, Supplier<R> body) {
    R response;
    try {
      response = body.get();
    } catch (Throwable t) {
      fail(observer, t);
      return;
    }
    try {
      observer.onNext(response);
      observer.onCompleted();
    } catch (RuntimeException ex) {
      // cancelled
    }
  }

  static void fail(StreamObserver<?> observer, Throwable t) {
    try {
      observer.onError(ErrorMapping.toStatus(t));
    } catch (RuntimeException ex) {
      // cancelled
    }
  }

  /** The time left for a request: the request timeout, shortened by the client's deadline. */
  static long timeoutNanos(Duration requestTimeout) {
    long t = requestTimeout.toNanos();
    Deadline d = Context.current().getDeadline();
    if (d != null) {
      long left = d.timeRemaining(TimeUnit.NANOSECONDS);
      if (left <= 0) {
        throw Status.DEADLINE_EXCEEDED.withDescription("the deadline passed before the request started")
            .asRuntimeException();
      }
      t = Math.min(t, left);
    }
    return t;
  }
}
