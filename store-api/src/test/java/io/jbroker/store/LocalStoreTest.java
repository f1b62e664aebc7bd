package io.jbroker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.internal.Futures;
import io.jbroker.store.memory.MemoryBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalStoreTest {
  private final List<LocalStore> opened = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void closeAll() {
    release.countDown();
    opened.forEach(LocalStore::close);
  }

  private LocalStore open(Backend backend, Duration requestTimeout, Clock clock) {
    LocalStore s = LocalStore.builder("local", backend).requestTimeout(requestTimeout).clock(clock).build();
    opened.add(s);
    return s;
  }

  private LocalStore open() {
    return open(new MemoryBackend(), Duration.ofSeconds(10), Clock.system());
  }

  private static BrokerException failure(CompletableFuture<?> f) {
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(BrokerException.class);
    return (BrokerException) Futures.unwrap(f.handle((v, e) -> e).join());
  }

  /** Blocks the store thread inside an event delivery until {@link #release} is counted down. */
  private void blockStoreThread(LocalStore store) {
    CountDownLatch entered = new CountDownLatch(1);
    store.watch(e -> {
      if (e.key().equals(Data.of("block"))) {
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
      }
    });
    store.put(Data.of("block"), Data.none());
    try {
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void asyncAndBlockingOperationsReachTheCore() throws Exception {
    LocalStore store = open();
    store.put(Data.of("k"), Data.count(1)).get(10, TimeUnit.SECONDS);
    assertThat(store.get(Data.of("k")).get()).isEqualTo(Data.count(1));
    BlockingStore b = store.blocking();
    b.increment(Data.of("k"), Data.count(2));
    assertThat(b.get(Data.of("k"))).isEqualTo(Data.count(3));
    assertThat(b.putUnique(Data.of("u"), Data.of(1L))).isTrue();
    assertThat(b.putUnique(Data.of("u"), Data.of(2L))).isFalse();
    assertThat(b.exists(Data.of("u"))).isTrue();
    b.push(Data.of("v"), Data.of("a"));
    b.push(Data.of("v"), Data.of("b"));
    b.pop(Data.of("v"));
    b.insertInto(Data.of("set"), Data.of(1L));
    b.insertInto(Data.of("t"), Data.of("x"), Data.of(2L));
    b.removeFrom(Data.of("set"), Data.of(1L));
    b.append(Data.of("s"), Data.of("ab"));
    b.decrement(Data.of("k"), Data.count(1));
    assertThat(b.getIndexFromValue(Data.of("t"), Data.of("x"))).isEqualTo(Data.of(2L));
    assertThat(b.get(Data.of("v"))).isEqualTo(Data.vector(Data.of("a")));
    assertThat(b.keys()).isEqualTo(Data.set(Data.of("k"), Data.of("u"), Data.of("v"), Data.of("set"), Data.of("t"), Data.of("s")));
    assertThat(b.keys(null, 2).keys()).hasSize(2);
    b.erase(Data.of("k"));
    b.clear();
    assertThat(store.size().get()).isZero();
  }

  @Test
  void blockingCallsCarryTheBrokerErrorCode() {
    BlockingStore b = open().blocking();
    assertThatThrownBy(() -> b.get(Data.of("missing")))
        .isInstanceOf(BrokerException.class)
        .hasMessageContaining("missing")
        .extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.NO_SUCH_KEY);
    b.put(Data.of("s"), Data.of("x"));
    assertThatThrownBy(() -> b.increment(Data.of("s"), Data.count(1)))
        .extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.TYPE_CLASH);
    assertThatThrownBy(() -> b.put(Data.of("s"), Data.of("x"), Duration.ofSeconds(-1)))
        .extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.INVALID_DATA);
  }

  @Test
  void aBlockingCallTimesOutWithRequestTimeoutInsteadOfHanging() {
    LocalStore store = open();
    blockStoreThread(store);
    assertThatThrownBy(() -> store.blocking(Duration.ofMillis(100)).get(Data.of("k")))
        .isInstanceOf(BrokerException.class)
        .hasMessageContaining("timed out")
        .extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.REQUEST_TIMEOUT);
  }

  @Test
  void aRequestThatWaitedPastTheRequestTimeoutFailsAndIsNotApplied() {
    LocalStore store = open(new MemoryBackend(), Duration.ofMillis(100), Clock.system());
    blockStoreThread(store);
    CompletableFuture<Void> late = store.put(Data.of("late"), Data.of(1L));
    // waiting out a blocking call with the same timeout proves the queued put waited longer
    assertThatThrownBy(() -> store.blocking(Duration.ofMillis(150)).get(Data.of("x")))
        .extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.REQUEST_TIMEOUT);
    release.countDown();
    assertThat(failure(late).code()).isEqualTo(ErrorCode.REQUEST_TIMEOUT);
    assertThat(store.blocking(Duration.ofSeconds(10)).exists(Data.of("late"))).isFalse();
  }

  @Test
  void awaitIdleCompletesAfterEverythingBeforeItAndTimesOutWhenBusy() throws Exception {
    LocalStore store = open();
    List<CompletableFuture<Void>> puts = new ArrayList<>();
    for (int n = 0; n < 1_000; n++) {
      puts.add(store.put(Data.of((long) n), Data.of("v")));
    }
    store.awaitIdle(Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
    assertThat(puts).allMatch(CompletableFuture::isDone);
    blockStoreThread(store);
    assertThat(failure(store.awaitIdle(Duration.ofMillis(50))).code()).isEqualTo(ErrorCode.REQUEST_TIMEOUT);
  }

  @Test
  void closingFailsQueuedAndLaterRequestsWithShuttingDown() throws Exception {
    LocalStore store = open();
    store.put(Data.of("kept"), Data.of(1L)).get(10, TimeUnit.SECONDS);
    blockStoreThread(store);
    CompletableFuture<Data> queued = store.get(Data.of("kept"));
    Thread closer = new Thread(store::close);
    closer.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> closer.getState() != Thread.State.RUNNABLE && closer.getState() != Thread.State.NEW);
    release.countDown();
    closer.join(10_000);
    assertThat(failure(queued).code()).isEqualTo(ErrorCode.SHUTTING_DOWN);
    assertThat(failure(store.get(Data.of("kept"))).code()).isEqualTo(ErrorCode.SHUTTING_DOWN);
    assertThat(failure(store.put(Data.of("x"), Data.of(1L))).code()).isEqualTo(ErrorCode.SHUTTING_DOWN);
  }

  @Test
  void closingClosesTheBackend() {
    MemoryBackend backend = new MemoryBackend();
    LocalStore store = open(backend, Duration.ofSeconds(10), Clock.system());
    store.blocking().put(Data.of("k"), Data.of(1L));
    store.close();
    assertThatThrownBy(backend::size).extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.BACKEND_FAILURE);
  }

  @Test
  void watchersSeeEveryEventInOrderUntilClosed() {
    LocalStore store = open();
    List<StoreEvent> seen = new CopyOnWriteArrayList<>();
    Store.Watcher w = store.watch(seen::add);
    BlockingStore b = store.blocking();
    b.put(Data.of("a"), Data.of(1L));
    b.put(Data.of("a"), Data.of(2L));
    b.erase(Data.of("a"));
    assertThat(seen).containsExactly(
        new StoreEvent.Insert("local", Data.of("a"), Data.of(1L), null, store.id()),
        new StoreEvent.Update("local", Data.of("a"), Data.of(1L), Data.of(2L), null, store.id()),
        new StoreEvent.Erase("local", Data.of("a"), store.id()));
    w.close();
    b.put(Data.of("b"), Data.of(1L));
    b.awaitIdle();
    assertThat(seen).hasSize(3);
  }

  @Test
  void aFailingListenerDoesNotStopTheStore() {
    LocalStore store = open();
    AtomicInteger calls = new AtomicInteger();
    store.watch(e -> {
      calls.incrementAndGet();
      throw new IllegalStateException("listener bug");
    });
    store.blocking().put(Data.of("a"), Data.of(1L));
    store.blocking().put(Data.of("b"), Data.of(1L));
    assertThat(calls).hasValue(2);
    assertThat(store.blocking().get(Data.of("b"))).isEqualTo(Data.of(1L));
  }

  @Test
  void entriesExpireOnTheStoreTickUsingTheInjectedClock() {
    ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    LocalStore store = LocalStore.builder("ticking", new MemoryBackend()).clock(clock)
        .tickInterval(Duration.ofMillis(10)).build();
    opened.add(store);
    List<StoreEvent> seen = new CopyOnWriteArrayList<>();
    store.watch(seen::add);
    BlockingStore b = store.blocking();
    b.put(Data.of("k"), Data.of(1L), Duration.ofSeconds(30));
    b.put(Data.of("stays"), Data.of(1L));
    clock.advance(Duration.ofSeconds(31));
    await().atMost(Duration.ofSeconds(10)).until(() -> !b.exists(Data.of("k")));
    assertThat(seen).contains(new StoreEvent.Expire("ticking", Data.of("k"), store.id()));
    assertThat(b.exists(Data.of("stays"))).isTrue();
  }

  @Test
  void concurrentWritesAreGroupCommittedAndAcknowledgedOnlyAfterTheirSync() throws Exception {
    SyncCountingBackend backend = new SyncCountingBackend(new MemoryBackend());
    LocalStore store = open(backend, Duration.ofSeconds(10), Clock.system());
    blockStoreThread(store);
    int puts = 2_000;
    List<CompletableFuture<Boolean>> acked = new ArrayList<>();
    for (int n = 0; n < puts; n++) {
      Data key = Data.of((long) n);
      acked.add(store.put(key, key).thenApply(v -> backend.syncedAfterPutOf(key)));
    }
    release.countDown();
    for (CompletableFuture<Boolean> f : acked) {
      assertThat(f.get(10, TimeUnit.SECONDS)).as("acknowledged only after a sync covering it").isTrue();
    }
    // 2,000 puts queued behind a blocked thread: one commit per batch of up to MAX_BATCH, not per put
    assertThat(backend.syncs()).isBetween(1, 1 + (puts + LocalStore.MAX_BATCH - 1) / LocalStore.MAX_BATCH + 1);
  }

  /** Requests from many threads at once: each thread's requests are applied in the order it issued them. */
  @Test
  void concurrentCallersRequestsAreAppliedInEachCallersOrder() throws Exception {
    LocalStore store = open();
    int callers = 8;
    int pushes = 2_000;
    List<Thread> threads = new ArrayList<>();
    List<CompletableFuture<Void>> last = new CopyOnWriteArrayList<>();
    for (int t = 0; t < callers; t++) {
      Data key = Data.of("caller-" + t);
      threads.add(new Thread(() -> {
        CompletableFuture<Void> f = null;
        for (int n = 0; n < pushes; n++) {
          f = store.push(key, Data.count(n));
        }
        last.add(f);
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(10_000);
    }
    assertThat(last).hasSize(callers);
    CompletableFuture.allOf(last.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    List<Data> expected = new ArrayList<>();
    for (int n = 0; n < pushes; n++) {
      expected.add(Data.count(n));
    }
    for (int t = 0; t < callers; t++) {
      assertThat(store.blocking().get(Data.of("caller-" + t))).isEqualTo(Data.vector(expected));
    }
  }

  @Test
  void aFailedCommitFailsTheBatchsMutationsWithBackendFailure() {
    SyncCountingBackend backend = new SyncCountingBackend(new MemoryBackend());
    LocalStore store = open(backend, Duration.ofSeconds(10), Clock.system());
    backend.failSyncs(true);
    assertThat(failure(store.put(Data.of("k"), Data.of(1L))).code()).isEqualTo(ErrorCode.BACKEND_FAILURE);
    backend.failSyncs(false);
    store.blocking().put(Data.of("k"), Data.of(2L));
    assertThat(store.blocking().get(Data.of("k"))).isEqualTo(Data.of(2L));
  }

  /** A real backend wrapped to count and optionally fail syncs, recording which puts each sync covered. */
  static final class SyncCountingBackend implements Backend {
    private final Backend inner;
    private final AtomicInteger syncs = new AtomicInteger();
    private final java.util.Map<Key, Integer> syncsAtPut = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean failSyncs;

    SyncCountingBackend(Backend inner) {
      this.inner = inner;
    }

    int syncs() {
      return syncs.get();
    }

    void failSyncs(boolean fail) {
      failSyncs = fail;
    }

    boolean syncedAfterPutOf(Data key) {
      Integer at = syncsAtPut.get(Key.of(key));
      return at != null && syncs.get() > at;
    }

    @Override
    public Entry get(Key key) {
      return inner.get(key);
    }

    @Override
    public void put(Key key, Data value, long deadline) {
      syncsAtPut.put(key, syncs.get());
      inner.put(key, value, deadline);
    }

    @Override
    public boolean erase(Key key) {
      return inner.erase(key);
    }

    @Override
    public void clear() {
      inner.clear();
    }

    @Override
    public long size() {
      return inner.size();
    }

    @Override
    public int scan(Key after, int limit, EntryVisitor visitor) {
      return inner.scan(after, limit, visitor);
    }

    @Override
    public void sync() {
      if (failSyncs) {
        throw new BrokerException(ErrorCode.BACKEND_FAILURE, "sync failed (simulated disk error)");
      }
      inner.sync();
      syncs.incrementAndGet();
    }

    @Override
    public Durability durability() {
      return Durability.DURABLE;
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
