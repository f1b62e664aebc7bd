package io.jbroker.store.internal;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** Helpers for futures at the API edge: timeouts and unwrapping to {@link BrokerException}. */
public final class Futures {
  private Futures() {}

  /** A future failed with {@code code} and {@code message}. */
  public static <T> CompletableFuture<T> failed(ErrorCode code, String message) {
    return CompletableFuture.failedFuture(new BrokerException(code, message));
  }

  /**
   * A future that completes like {@code future}, or fails with {@code REQUEST_TIMEOUT} ("{@code
   * what} timed out after …") if {@code future} has not completed within {@code timeout}.
   */
  public static <T> CompletableFuture<T> withTimeout(CompletableFuture<T> future, Duration timeout, Supplier<String> what) {
    CompletableFuture<T> result = new CompletableFuture<>();
    future.whenComplete((v, e) -> {
      if (e == null) {
        result.complete(v);
      } else {
        result.completeExceptionally(unwrap(e));
      }
    });
    CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
      if (!result.isDone()) {
        result.completeExceptionally(new BrokerException(ErrorCode.REQUEST_TIMEOUT,
            what.get() + " timed out after " + timeout));
      }
    });
    return result;
  }

  /**
   * Waits for {@code future} at most {@code timeout}: its value, or its failure as a {@link
   * BrokerException} (re-created with the caller's stack, the original as cause; a non-Broker
   * failure becomes {@code UNSPECIFIED}), or {@code REQUEST_TIMEOUT}.
   */
  public static <T> T await(CompletableFuture<T> future, Duration timeout, Supplier<String> what) {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new BrokerException(ErrorCode.REQUEST_TIMEOUT, what.get() + " timed out after " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerException(ErrorCode.REQUEST_TIMEOUT, what.get() + " was interrupted");
    } catch (ExecutionException e) {
      Throwable cause = unwrap(e);
      if (cause instanceof BrokerException be) {
        throw new BrokerException(be.code(), be.getMessage(), be);
      }
      throw new BrokerException(ErrorCode.UNSPECIFIED, what.get() + " failed: " + cause, cause);
    }
  }

  /** The cause behind {@link CompletionException}/{@link ExecutionException} wrappers. */
  public static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
