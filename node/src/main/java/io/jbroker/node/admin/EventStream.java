package io.jbroker.node.admin;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A server stream fed by a producer that must never block (a store thread, the status thread, a
 * subscriber): items are queued, and a sender on {@code executor} batches them into messages
 * while the transport is ready (gRPC flow control). A stream that falls behind by more than
 * {@code limit} items is ended with RESOURCE_EXHAUSTED: nothing is dropped silently. Only the
 * sender touches the observer, so its calls never overlap.
 *
 * @param <E> item
 * @param <M> message
 */
final class EventStream<E, M> {
  private final ServerCallStreamObserver<M> observer;
  private final Executor executor;
  private final int limit;
  private final int batch;
  private final Function<List<E>, M> toMessage;
  private final String what;
  private final Queue<E> queue = new ConcurrentLinkedQueue<>();
  private final Queue<M> preamble = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean held;
  private volatile StatusRuntimeException terminal;
  private volatile boolean finished;

  EventStream(ServerCallStreamObserver<M> observer, Executor executor, int limit, int batch,
      Function<List<E>, M> toMessage, String what) {
    this.observer = observer;
    this.executor = executor;
    this.limit = limit;
    this.batch = batch;
    this.toMessage = toMessage;
    this.what = what;
    observer.setOnReadyHandler(this::schedule);
    observer.setOnCancelHandler(this::release);
  }

  /** Runs {@code r} when the stream ends (cancelled, failed or finished). */
  void onClose(Runnable r) {
    onClose.add(r);
    if (closed.get()) {
      r.run();
    }
  }

  /** Holds items back (they queue) until {@link #resume}; preamble messages still go out. */
  void hold() {
    held = true;
  }

  void resume() {
    held = false;
    schedule();
  }

  /** Sends {@code m} before any queued item. */
  void sendFirst(M m) {
    preamble.add(m);
    schedule();
  }

  /** Queues an item; never blocks. */
  void offer(E item) {
    if (closed.get()) {
      return;
    }
    if (size.incrementAndGet() > limit) {
      end(Status.RESOURCE_EXHAUSTED.withDescription(what + " fell behind by more than " + limit
          + " events and was ended; start it again (with a snapshot to catch up)").asRuntimeException());
      return;
    }
    queue.add(item);
    schedule();
  }

  /** Ends the stream with {@code error} at once; items still queued are not sent. */
  void end(StatusRuntimeException error) {
    if (terminal == null) {
      terminal = error;
    }
    release();
    schedule();
  }

  private void schedule() {
    if (finished) {
      return;
    }
    if (scheduled.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (RuntimeException e) {
        scheduled.set(false);
        release();
      }
    }
  }

  private void drain() {
    try {
      if (finished) {
        return;
      }
      StatusRuntimeException t = terminal;
      if (t != null) {
        finished = true;
        try {
          observer.onError(t);
        } catch (RuntimeException e) {
          // already cancelled
        }
        return;
      }
      if (observer.isCancelled()) {
        finished = true;
        release();
        return;
      }
      while (observer.isReady()) {
        M first = preamble.poll();
        if (first != null) {
          observer.onNext(first);
          continue;
        }
        if (held) {
          break;
        }
        List<E> items = new ArrayList<>(Math.min(batch, Math.max(1, size.get())));
        E e;
        while (items.size() < batch && (e = queue.poll()) != null) {
          items.add(e);
        }
        if (items.isEmpty()) {
          break;
        }
        size.addAndGet(-items.size());
        observer.onNext(toMessage.apply(items));
      }
    } catch (RuntimeException e) {
      finished = true;
      release();
      try {
        observer.onError(ErrorMapping.toStatus(e));
      } catch (RuntimeException ignored) {
        // cancelled
      }
      return;
    } finally {
      scheduled.set(false);
    }
    if (terminal != null || (observer.isReady() && (!preamble.isEmpty() || (!held && !queue.isEmpty())))) {
      schedule();
    }
  }

  /** Stops the producer (idempotent). */
  private void release() {
    if (closed.compareAndSet(false, true)) {
      for (Runnable r : onClose) {
        try {
          r.run();
        } catch (RuntimeException e) {
          // best effort
        }
      }
    }
  }
}
