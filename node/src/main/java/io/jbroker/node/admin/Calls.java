package io.jbroker.node.admin;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/** Answers unary calls from futures, within the client's deadline and the request timeout. */
final class Calls {
  private Calls() {}

  /**
   * Fires the request timeouts of all admin servers in this JVM. A wheel rather than {@link
   * CompletableFuture#orTimeout}: the latter's scheduler (one thread, a locked heap that removes
   * cancelled timeouts) is woken whenever the first pending timeout is cancelled, which under load
   * is once per call; here scheduling and cancelling are lock-free queue offers, and the
   * thread wakes once per tick. A timeout fires up to one tick late.
   */
  private static final class Timeouts {
    static final HashedWheelTimer TIMER = new HashedWheelTimer(r -> {
      Thread t = new Thread(r, "jbroker-admin-timeouts");
      t.setDaemon(true);
      return t;
    }, 10, TimeUnit.MILLISECONDS, 512, false);
  }

  /** As {@link #unary(StreamObserver, Duration, String, String, Supplier, Function)}, about no particular store. */
  static <T, R> void unary(StreamObserver<R> observer, Duration requestTimeout, String what,
      Supplier<CompletableFuture<T>> call, Function<T, R> map) {
    unary(observer, requestTimeout, what, null, call, map);
  }

  /**
   * Starts {@code call} and answers with {@code map} of its result, or with the mapped error.
   * The call fails with {@code REQUEST_TIMEOUT} (DEADLINE_EXCEEDED) when {@code requestTimeout}
   * passes first; when the client's deadline is the shorter, gRPC itself cancels the call with
   * DEADLINE_EXCEEDED at that deadline. {@code what} and {@code store} (if not null) name the
   * request in the timeout's message, which is only built if it is needed.
   */
  static <T, R> void unary(StreamObserver<R> observer, Duration requestTimeout, String what, String store,
      Supplier<CompletableFuture<T>> call, Function<T, R> map) {
    CompletableFuture<T> f;
    long clientLeft;
    try {
      clientLeft = clientDeadlineNanos();
      f = call.get();
    } catch (Throwable t) {
      fail(observer, t);
      return;
    }
    long timeoutNanos = requestTimeout.toNanos();
    Answer<T, R> answer = new Answer<>(observer, map, what, store, timeoutNanos);
    if (timeoutNanos < clientLeft && !f.isDone()) {
      answer.timeout = Timeouts.TIMER.newTimeout(answer, timeoutNanos, TimeUnit.NANOSECONDS);
    }
    f.whenComplete(answer);
  }

  /** Answers a unary call once: from its future, or with REQUEST_TIMEOUT from the timer, whichever is first. */
  private static final class Answer<T, R> extends AtomicBoolean implements BiConsumer<T, Throwable>, TimerTask {
    private final StreamObserver<R> observer;
    private final Function<T, R> map;
    private final String what;
    private final String store;
    private final long timeoutNanos;
    /** Set before the future can complete this (see unary); null without a timer. */
    Timeout timeout;

    Answer(StreamObserver<R> observer, Function<T, R> map, String what, String store, long timeoutNanos) {
      this.observer = observer;
      this.map = map;
      this.what = what;
      this.store = store;
      this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void run(Timeout t) {
      if (compareAndSet(false, true)) {
        fail(observer, new BrokerException(ErrorCode.REQUEST_TIMEOUT, what + (store == null ? "" : " on store \""
            + store + "\"") + " did not complete within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms"));
      }
    }

    @Override
    public void accept(T v, Throwable e) {
      if (!compareAndSet(false, true)) {
        return;
      }
      Timeout t = timeout;
      if (t != null) {
        t.cancel();
      }
      if (e != null) {
        fail(observer, ErrorMapping.unwrap(e));
        return;
      }
      R response;
      try {
        response = map.apply(v);
      } catch (Throwable x) {
        fail(observer, x);
        return;
      }
      try {
        observer.onNext(response);
        observer.onCompleted();
      } catch (RuntimeException ex) {
        // the call was cancelled (deadline, client gone): nobody to answer
      }
    }
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

  /**
   * The time left before the client's deadline ({@code Long.MAX_VALUE} without one); fails with
   * DEADLINE_EXCEEDED if it has passed.
   */
  private static long clientDeadlineNanos() {
    Deadline d = Context.current().getDeadline();
    if (d == null) {
      return Long.MAX_VALUE;
    }
    long left = d.timeRemaining(TimeUnit.NANOSECONDS);
    if (left <= 0) {
      throw Status.DEADLINE_EXCEEDED.withDescription("the deadline passed before the request started")
          .asRuntimeException();
    }
    return left;
  }
}
