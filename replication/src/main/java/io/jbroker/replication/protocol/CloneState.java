package io.jbroker.replication.protocol;

import com.google.protobuf.ByteString;
import io.jbroker.data.Data;
import io.jbroker.data.NoneData;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.Ack;
import io.jbroker.proto.replication.v1.Attach;
import io.jbroker.proto.replication.v1.Entry;
import io.jbroker.proto.replication.v1.Heartbeat;
import io.jbroker.proto.replication.v1.Nack;
import io.jbroker.proto.replication.v1.RetransmitFailed;
import io.jbroker.proto.replication.v1.SnapshotChunk;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.proto.replication.v1.WriteResult;
import io.jbroker.proto.replication.v1.WriteResults;
import io.jbroker.proto.replication.v1.Writes;
import io.jbroker.replication.channel.ChannelConsumer;
import io.jbroker.replication.internal.Messages;
import io.jbroker.replication.internal.UpdateBatch;
import io.jbroker.replication.internal.WireChange;
import io.jbroker.store.Backend;
import io.jbroker.store.Clock;
import io.jbroker.store.EntityId;
import io.jbroker.store.Key;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreChange;
import io.jbroker.store.StoreCore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A clone of a replicated store as a pure state machine (no threads, no sockets; time from an
 * injected {@link Clock}): a full replica (keys, values, deadlines) in a {@link StoreCore} over a
 * memory backend, the consumer of the master's update channel, and the producer of its own
 * writes. It implements SEMANTICS.md's promises for clones:
 *
 * <ul>
 *   <li><b>Acknowledged writes.</b> A write is sent to the master with a write sequence number and
 *       completes with the master's result once this replica reflects it (read-your-writes).
 *       Unanswered writes are resent; the master applies each once. The sequence numbers are a
 *       <i>writer</i>'s (first the clone id); a master that no longer knows the writer (it forgot
 *       it after the writer retention, or restarted without its journal) answers {@code
 *       writer_unknown}, having applied none of them, and the unfinished writes go out again as a
 *       new writer's (see {@link #newWriter}). A resend says so, so that a master never takes it
 *       for a new writer's first write.
 *   <li><b>Mutation buffer.</b> Writes issued while cut off from the master wait and are sent in
 *       order after resynchronising; one older than {@code mutationBufferInterval} fails with
 *       {@code STALE_DATA} and is never sent.
 *   <li><b>Stale data.</b> Once cut off (no word from the master for the master timeout) for longer
 *       than {@code staleInterval}, reads fail with {@code STALE_DATA} until resynchronised. A clone
 *       that never synchronised holds reads until it does, or fails them with {@code STALE_DATA}
 *       at their deadline.
 *   <li><b>Recovery.</b> A new master epoch, an update that can no longer be retransmitted, or
 *       being dropped by the master all lead to a resynchronisation by snapshot: the snapshot is
 *       applied first, then the updates newer than it. A clone that never synchronised applies
 *       the snapshot's chunks as they arrive (its reads are held until the end anyway); any other
 *       replica is replaced only once the whole snapshot is there. Without a master the clone
 *       asks for one every {@code resyncInterval}.
 * </ul>
 */
public final class CloneState {
  private static final Logger log = LoggerFactory.getLogger(CloneState.class);

  /** Where the clone's messages go (the master topic). */
  public interface Transport {
    void toMaster(StoreMessage message);
  }

  /** Receives the outcome of a request. */
  public interface Completion<T> {
    void complete(T value);

    void fail(BrokerException e);
  }

  /** The clone's intervals (SEMANTICS.md). */
  public record Intervals(Duration resync, Duration stale, Duration mutationBuffer) {
    public static Intervals defaults() {
      return new Intervals(Duration.ofSeconds(10), Duration.ofSeconds(300), Duration.ofSeconds(120));
    }
  }

  private enum Phase { SEARCHING, SYNCING, SYNCED }

  private static final class Write {
    final io.jbroker.proto.replication.v1.Mutation mutation;
    final Completion<Data> completion;
    final long issuedAt;
    final long deadline;
    /** The writer and sequence number it was last sent under. */
    long writer;
    long seq;
    /** Sent at least once under {@link #writer}. */
    boolean sent;
    boolean done;

    Write(io.jbroker.proto.replication.v1.Mutation mutation, Completion<Data> completion, long issuedAt, long deadline) {
      this.mutation = mutation;
      this.completion = completion;
      this.issuedAt = issuedAt;
      this.deadline = deadline;
    }
  }

  record Applied(long epoch, long appliedSeq, Write write, WriteResult result) {}

  /**
   * Answered writes ordered by the update that reflects them (least applied_seq first). Results
   * almost always arrive in that order, so they are appended to a deque in constant time; only
   * one that arrives out of order goes to a heap. (A heap for all of them cost a clone's store
   * thread a logarithmic sift per completed write, with thousands in flight.)
   */
  static final class AppliedQueue {
    private final ArrayDeque<Applied> inOrder = new ArrayDeque<>();
    private final PriorityQueue<Applied> outOfOrder =
        new PriorityQueue<>((a, b) -> Long.compare(a.appliedSeq, b.appliedSeq));

    void add(Applied a) {
      Applied last = inOrder.peekLast();
      if (last == null || a.appliedSeq >= last.appliedSeq) {
        inOrder.addLast(a);
      } else {
        outOfOrder.add(a);
      }
    }

    boolean isEmpty() {
      return inOrder.isEmpty() && outOfOrder.isEmpty();
    }

    int size() {
      return inOrder.size() + outOfOrder.size();
    }

    /** The one with the least applied_seq (ties: the in-order one first), or null. */
    Applied peek() {
      Applied a = inOrder.peekFirst();
      Applied b = outOfOrder.peek();
      if (a == null) {
        return b;
      }
      return b == null || a.appliedSeq <= b.appliedSeq ? a : b;
    }

    Applied poll() {
      Applied head = peek();
      if (head != null) {
        if (head == inOrder.peekFirst()) {
          inOrder.pollFirst();
        } else {
          outOfOrder.poll();
        }
      }
      return head;
    }

    boolean removeIf(Predicate<Applied> which) {
      boolean a = inOrder.removeIf(which);
      boolean b = outOfOrder.removeIf(which);
      return a || b;
    }

    void forEach(Consumer<Applied> action) {
      inOrder.forEach(action);
      outOfOrder.forEach(action);
    }

    void clear() {
      inOrder.clear();
      outOfOrder.clear();
    }
  }

  private record Read(Function<StoreCore, Object> body, Completion<Object> completion, long deadline) {}

  private final String name;
  private final long id;
  private final EndpointId endpoint;
  /**
   * Updates of a message are applied in runs of this many, each run's keys prefetched first
   * ({@link Backend#prefetch}): few enough that what is prefetched is still in the cache when it
   * is used.
   */
  private static final int PREFETCH_RUN = 64;
  private final StoreCore replica;
  private final Clock clock;
  private final ReplicationSettings settings;
  private final Intervals intervals;
  private final Transport transport;
  private final ChannelConsumer<WireChange> consumer;

  private Phase phase = Phase.SEARCHING;
  private boolean everSynced;
  private long lastHeard = Long.MIN_VALUE;
  private long cutOffSince = Long.MIN_VALUE;
  private long lastAttach = Long.MIN_VALUE;
  private long masterEpoch;
  private boolean broken;
  /** Attaches sent so far; the attach number that began the current synchronisation. */
  private long attaches;
  private long syncAttempt;
  /** The master state the replica reflects: epoch and update sequence number (kept across resyncs). */
  private long replicaEpoch;
  private long replicaSeq;

  // snapshot being assembled
  private long snapshotId;
  private long snapshotEpoch;
  private long snapshotAttempt;
  /** Chunks by index ({@code null}: not received yet; {@link #APPLIED}: received and applied). */
  private ArrayList<SnapshotChunk> chunks;
  private int chunksReceived;
  /** Number of chunks, known once the last one arrived; -1 before. */
  private int chunksTotal;
  /** Chunks below this index are applied (incremental snapshots only). */
  private int chunksApplied;
  /** Whether chunks are applied as they arrive (see {@link #snapshot}). */
  private boolean incremental;
  /** Entries of the current snapshot applied so far (for the log). */
  private long snapshotEntries;

  // writes
  private long nextWriteSeq = 1;
  private final ArrayDeque<Write> buffered = new ArrayDeque<>();
  /** Writes sent and not finished: in flight, or answered and waiting for the replica. */
  private WriteWindow<Write> window = new WriteWindow<>(1);
  /** The writer this clone's writes are sequenced under: first the clone id, a new one after {@code writer_unknown}. */
  private long writerId;
  private int writerGeneration;
  private final List<Write> unsent = new ArrayList<>();
  private long resultsThrough;
  private int ticksWithoutResults;
  private final AppliedQueue awaitingApply = new AppliedQueue();
  private final List<Read> reads = new ArrayList<>();

  public CloneState(String name, long id, EndpointId endpoint, StoreCore replica, Clock clock,
      ReplicationSettings settings, Intervals intervals, Transport transport) {
    this.name = name;
    this.id = id;
    this.writerId = id;
    this.endpoint = endpoint;
    this.replica = replica;
    this.clock = clock;
    this.settings = settings;
    this.intervals = intervals;
    this.transport = transport;
    this.consumer = new ChannelConsumer<>(settings.ackTicks(), settings.nackTicks(), new ChannelConsumer.Handler<>() {
      @Override
      public void consume(long seq, WireChange event) {
        applyUpdate(seq, event);
      }

      @Override
      public void ack(long epoch, long seq) {
        transport.toMaster(StoreMessage.newBuilder().setAck(Ack.newBuilder().setClone(id).setEpoch(epoch).setSeq(seq)
            .setResultsThrough(resultsThrough).setWriter(writerId)).build());
      }

      @Override
      public void nack(long epoch, List<Long> seqs) {
        transport.toMaster(StoreMessage.newBuilder().setNack(Nack.newBuilder().setClone(id).setEpoch(epoch)
            .addAllSeqs(seqs)).build());
      }

      @Override
      public void epochChanged(long newEpoch) {
        log.info("store {}: clone sees a new master epoch, resynchronising", name);
        resync();
      }

      @Override
      public void broken(long epoch, long seq) {
        log.info("store {}: clone lost update {} for good, resynchronising", name, seq);
        resync();
      }
    });
  }

  public long id() {
    return id;
  }

  public StoreCore replica() {
    return replica;
  }

  public boolean isSynced() {
    return phase == Phase.SYNCED;
  }

  public boolean everSynced() {
    return everSynced;
  }

  /** Whether reads now fail with {@code STALE_DATA}. */
  public boolean stale() {
    if (!everSynced) {
      return false;
    }
    long now = clock.nowNanos();
    if (phase == Phase.SYNCED) {
      // Cut-off is noticed by tick(); a read served before that tick (after a stall, or behind a
      // long batch) must not get data older than the stale interval either: judge it from the
      // time we last heard from the master, which is where tick() will date the cut-off.
      return now - lastHeard > settings.masterTimeout().toNanos() && now - lastHeard > intervals.stale().toNanos();
    }
    return cutOffSince != Long.MIN_VALUE && now - cutOffSince > intervals.stale().toNanos();
  }

  /** Starts looking for the master. */
  public void start() {
    attach();
  }

  /** The endpoint saw a peer that may host the master: ask now instead of at the next resync. */
  public void masterMaybeReachable() {
    if (phase != Phase.SYNCED) {
      attach();
    }
  }

  // ---- requests ----------------------------------------------------------------------------------

  /** Issues a write; {@code completion} gets the master's result once this replica reflects it. */
  public void write(Mutation m, EntityId publisher, Completion<Data> completion) {
    long now = clock.nowNanos();
    Write w = new Write(Messages.mutation(m, publisher), completion, now, now + settings.requestTimeout().toNanos());
    if (phase == Phase.SYNCED && buffered.isEmpty()) {
      send(w);
    } else {
      buffered.add(w);
    }
  }

  /** Runs a read on the replica when allowed (see class comment). */
  @SuppressWarnings("unchecked")
  public <T> void read(Function<StoreCore, T> body, Completion<T> completion) {
    if (!everSynced) {
      reads.add(new Read((Function<StoreCore, Object>) body, (Completion<Object>) completion,
          clock.nowNanos() + settings.requestTimeout().toNanos()));
      return;
    }
    runRead((Function<StoreCore, Object>) body, (Completion<Object>) completion);
  }

  private void runRead(Function<StoreCore, Object> body, Completion<Object> completion) {
    if (stale()) {
      completion.fail(new BrokerException(ErrorCode.STALE_DATA, "store \"" + name + "\": the clone has been cut off from its master for more than "
          + intervals.stale()));
      return;
    }
    try {
      completion.complete(body.apply(replica));
    } catch (BrokerException e) {
      completion.fail(e);
    }
  }

  // ---- messages from the master ------------------------------------------------------------------

  public void onMessage(StoreMessage m) {
    switch (m.getBodyCase()) {
      case UPDATES:
        onUpdates(UpdateBatch.of(m.getUpdates()));
        break;
      case HEARTBEAT:
        heartbeat(m.getHeartbeat());
        break;
      case SNAPSHOT:
        snapshot(m.getSnapshot());
        break;
      case RETRANSMIT_FAILED:
        if (m.getRetransmitFailed().getTarget() == id) {
          heard();
          retransmitFailed(m.getRetransmitFailed());
        }
        break;
      case WRITE_RESULTS:
        if (m.getWriteResults().getTarget() == writerId) {
          results(m.getWriteResults());
        }
        break;
      case WRITER_UNKNOWN:
        if (m.getWriterUnknown().getTarget() == id && m.getWriterUnknown().getWriter() == writerId) {
          heard();
          newWriter();
        }
        break;
      default:
        break;
    }
  }

  /**
   * An update message from the master: what {@link #onMessage} does with one, for a batch read
   * straight from the bytes ({@link io.jbroker.replication.internal.UpdatesDecoder}).
   */
  public void onUpdates(UpdateBatch u) {
    if (u.target() != 0 && u.target() != id) {
      return;
    }
    heard();
    masterEpoch = u.epoch();
    if (u.target() == id && phase != Phase.SYNCED && consumer.initialized() && u.epoch() == consumer.epoch()) {
      synced(); // the master resumed us from where we were
    }
    List<WireChange> changes = u.changes();
    if (changes.isEmpty() || !consumer.initialized() || u.epoch() != consumer.epoch()) {
      // not applied now: the consumer sees it whole (an epoch change once, not once per run)
      consumer.events(u.epoch(), u.firstSeq(), changes);
      return;
    }
    Backend backend = replica.backend();
    for (int from = 0; from < changes.size(); from += PREFETCH_RUN) {
      List<WireChange> run = changes.subList(from, Math.min(changes.size(), from + PREFETCH_RUN));
      for (WireChange c : run) {
        backend.prefetch(c.keyHash());
      }
      consumer.events(u.epoch(), u.firstSeq() + from, run);
    }
  }

  /**
   * Resynchronises if the master cannot give us an update we still need, or has no path for us
   * (seq 0). A late answer to an old nack — for another epoch, an update we have by now, or while
   * we are resynchronising anyway — is ignored: acting on each of them would start a new full
   * snapshot for every nack sent while the answers were under way.
   */
  private void retransmitFailed(RetransmitFailed rf) {
    if (!consumer.initialized() || rf.getEpoch() != consumer.epoch()
        || (rf.getSeq() != 0 && rf.getSeq() <= consumer.lastConsumed())) {
      return;
    }
    log.info("store {}: master cannot retransmit from {}, resynchronising", name, rf.getSeq());
    resync();
  }

  private void heartbeat(Heartbeat h) {
    heard();
    masterEpoch = h.getEpoch();
    if (!consumer.initialized()) {
      if (phase == Phase.SEARCHING) {
        attach(); // a master is there
      }
      return;
    }
    consumer.heartbeat(h.getEpoch(), h.getLastSeq());
  }

  private void snapshot(SnapshotChunk c) {
    if (c.getTarget() != id) {
      return;
    }
    heard();
    // Only a snapshot answering an attach of the current synchronisation is taken after the
    // replica's state was reached; a late one (a duplicate, or the answer to an earlier attach,
    // perhaps by a master that has since restarted) may be older, and applying it would take the
    // replica back in time and lose writes it has already confirmed (read-your-writes).
    if (phase == Phase.SYNCED || c.getAttempt() < syncAttempt) {
      return;
    }
    if (c.getEpoch() == replicaEpoch && c.getAsOfSeq() < replicaSeq) {
      return; // the replica went on consuming updates after this snapshot was taken
    }
    if (c.getSnapshotId() != snapshotId || c.getEpoch() != snapshotEpoch || chunks == null) {
      if (chunks != null && c.getAttempt() < snapshotAttempt) {
        return; // keep assembling the answer to the later attach
      }
      snapshotId = c.getSnapshotId();
      snapshotEpoch = c.getEpoch();
      snapshotAttempt = c.getAttempt();
      chunks = new ArrayList<>();
      chunksReceived = 0;
      chunksTotal = -1;
      chunksApplied = 0;
      snapshotEntries = 0;
      // A clone that never synchronised holds its reads and has nothing to keep: it applies the
      // chunks as they arrive (in index order), overlapping the transfer. Should this snapshot be
      // abandoned half-way, the next one finds the replica non-empty and is applied as a whole,
      // erasing what this one left that the next lacks.
      incremental = !everSynced && replica.backend().isEmpty();
    }
    int index = c.getIndex();
    if (index < 0 || index > MAX_SNAPSHOT_CHUNKS || (chunksTotal >= 0 && index >= chunksTotal)) {
      log.warn("store {}: ignored snapshot chunk {} (count {}, known total {})", name, index, c.getCount(), chunksTotal);
      return;
    }
    if (c.getCount() > 0) {
      if ((chunksTotal >= 0 && chunksTotal != c.getCount()) || chunks.size() > c.getCount()) {
        log.warn("store {}: snapshot {} gives {} chunks after {} were seen; waiting for the next one", name,
            snapshotId, c.getCount(), Math.max(chunksTotal, chunks.size()));
        chunks = null;
        return;
      }
      chunksTotal = c.getCount();
    }
    if (index == 0 && c.getExpectedEntries() > 0 && incremental) {
      replica.backend().expectEntries(c.getExpectedEntries());
    }
    while (chunks.size() <= index) {
      chunks.add(null);
    }
    if (chunks.get(index) == null) {
      chunks.set(index, c);
      chunksReceived++;
    }
    if (incremental) {
      while (chunksApplied < chunks.size() && chunks.get(chunksApplied) != null) {
        applyChunk(chunks.get(chunksApplied), null);
        chunks.set(chunksApplied++, APPLIED);
      }
    }
    if (chunksReceived == chunksTotal) {
      applySnapshot(c.getEpoch(), c.getAsOfSeq());
    }
  }

  /** Marks a chunk that was received and applied. */
  private static final SnapshotChunk APPLIED = SnapshotChunk.getDefaultInstance();

  /** Chunk indexes above this are refused (a snapshot of 2^24 chunks would be ~10^11 entries). */
  private static final int MAX_SNAPSHOT_CHUNKS = 1 << 24;

  /**
   * Completes the snapshot: applies the chunks not applied yet (all of them, unless {@link
   * #incremental}) in index order (the master's reading order);
   * then erases the keys the replica held before that the snapshot lacks. An entry already held
   * with the same value and deadline is left alone (no event). Then the updates after the snapshot
   * (held by the consumer) follow.
   */
  private void applySnapshot(long epoch, long asOf) {
    List<SnapshotChunk> all = chunks;
    chunks = null;
    Set<Key> notInSnapshot = new HashSet<>();
    if (!incremental) {
      replica.snapshot((k, v, d) -> notInSnapshot.add(k));
    }
    for (SnapshotChunk c : all) {
      if (c != APPLIED) {
        applyChunk(c, notInSnapshot);
      }
    }
    for (Key k : notInSnapshot) {
      replica.applyChange(new StoreChange.Erase(k, null));
    }
    replicaEpoch = epoch;
    replicaSeq = asOf;
    consumer.handshake(epoch, asOf);
    requeueOtherEpochs(epoch);
    broken = false;
    synced();
    log.info("store {}: clone synchronised by snapshot of {} entries as of {}", name, snapshotEntries, asOf);
  }

  /**
   * Upserts a chunk's entries into the replica. {@code notInSnapshot}: the replica's keys not seen
   * in the snapshot so far (the keys of this chunk are removed from it); {@code null} when the
   * replica held nothing when the snapshot began.
   */
  private void applyChunk(SnapshotChunk c, Set<Key> notInSnapshot) {
    for (Entry en : c.getEntriesList()) {
      Key key = Key.ofEncoded(en.getKey().toByteArray());
      boolean held = notInSnapshot != null && !notInSnapshot.isEmpty() && notInSnapshot.remove(key);
      Data value;
      try {
        value = Messages.data(en.getValue());
      } catch (BrokerException ex) {
        log.warn("store {}: undecodable value in snapshot for key {}: {}", name, key, ex.getMessage());
        continue;
      }
      long deadline = en.hasDeadline() ? en.getDeadline() : Backend.NO_DEADLINE;
      if (held) {
        Backend.Entry old = replica.entry(key);
        if (old != null && old.value().equals(value) && old.deadline() == deadline) {
          continue;
        }
      }
      replica.applyChange(new StoreChange.Upsert(key, value, deadline, null, null));
    }
    snapshotEntries += c.getEntriesCount();
  }

  private void results(WriteResults r) {
    heard();
    if (!consumer.initialized() || r.getEpoch() != consumer.epoch()) {
      // Results of an epoch our replica does not follow cannot tell when the replica reflects
      // the write (its applied_seq counts in another epoch, and an epoch we do not follow may be
      // newer than our replica, or older). The writes stay in flight; once we follow the master's
      // epoch they are resent and the master answers the duplicates with their results.
      return;
    }
    ticksWithoutResults = 0;
    for (WriteResult res : r.getResultsList()) {
      Write w = window.answer(res.getWriteSeq());
      if (w == null) {
        continue;
      }
      awaitingApply.add(new Applied(r.getEpoch(), res.getAppliedSeq(), w, res));
    }
    // writes up to acked_through were applied; any whose result is missing here (a lost message)
    // stay in flight and are resent: the master answers a duplicate with its result
    updateResultsThrough();
    completeApplied();
  }

  /**
   * Tells the master (in acks and writes) which results it may forget: those of every write
   * before the first one not yet completed. A write waiting for its update still needs its result
   * kept, since a resync to another epoch sends it again (see {@link #requeueOtherEpochs}).
   */
  private void updateResultsThrough() {
    resultsThrough = window.firstUnfinished() - 1;
  }

  /**
   * The replica now follows {@code epoch}: a write answered in another epoch can no longer be
   * matched against the replica's position, so it goes back in flight and is asked again. (The
   * replica may well contain it — or not, if it came from a late snapshot of an older master.)
   */
  private void requeueOtherEpochs(long epoch) {
    if (awaitingApply.isEmpty()) {
      return;
    }
    boolean requeued = awaitingApply.removeIf(a -> {
      if (a.epoch == epoch) {
        return false;
      }
      if (a.write.writer == writerId) {
        window.requeue(a.write.seq);
      } else {
        // applied under a writer the master no longer knows: it cannot be asked again (a resend
        // would be a new write), nor confirmed in this epoch
        finish(a.write, null, new BrokerException(ErrorCode.REQUEST_TIMEOUT, "store \"" + name
            + "\": the write was applied by a master that restarted before this clone could confirm it;"
            + " its effect may be lost"));
      }
      return true;
    });
    if (requeued) {
      resendInFlight();
    }
  }

  /** Completes the answered writes the replica now reflects, then updates {@code resultsThrough} once. */
  private void completeApplied() {
    int before = awaitingApply.size();
    try {
      completeReflected();
    } finally {
      if (awaitingApply.size() != before) {
        updateResultsThrough();
      }
    }
  }

  private void completeReflected() {
    while (!awaitingApply.isEmpty()) {
      Applied a = awaitingApply.peek();
      // results are only accepted from the epoch the replica follows, and requeued when it
      // changes: a matching epoch and position is the only proof the replica reflects the write
      boolean reflected = consumer.initialized() && a.epoch == consumer.epoch() && consumer.lastConsumed() >= a.appliedSeq;
      if (!reflected) {
        return;
      }
      awaitingApply.poll();
      if (a.write.writer == writerId) {
        window.finish(a.write.seq);
      }
      WriteResult res = a.result;
      if (res.hasFailure()) {
        finish(a.write, null, Messages.failure(res.getFailure()));
      } else {
        Data value;
        try {
          value = Messages.data(res.getValue());
        } catch (BrokerException e) {
          value = NoneData.INSTANCE;
        }
        finish(a.write, value, null);
      }
    }
  }

  private void finish(Write w, Data value, BrokerException failure) {
    if (w.done) {
      return;
    }
    w.done = true;
    if (failure != null) {
      w.completion.fail(failure);
    } else {
      w.completion.complete(value);
    }
  }

  private void applyUpdate(long seq, WireChange change) {
    StoreChange c;
    try {
      c = change.toStoreChange();
    } catch (BrokerException e) {
      log.warn("store {}: undecodable update {}: {}; resynchronising", name, seq, e.getMessage());
      broken = true;
      return;
    }
    replica.applyChange(c);
    replicaEpoch = consumer.epoch();
    replicaSeq = seq;
  }

  // ---- time ----------------------------------------------------------------------------------------

  /** One store tick. */
  public void tick() {
    long now = clock.nowNanos();
    consumer.tick();
    if (broken) {
      broken = false;
      resync();
    }
    if (phase == Phase.SYNCED && now - lastHeard > settings.masterTimeout().toNanos()) {
      log.info("store {}: clone cut off from its master (nothing for {})", name, settings.masterTimeout());
      phase = Phase.SEARCHING;
      cutOffSince = lastHeard;
      attach();
    }
    if (phase != Phase.SYNCED && now - lastAttach >= intervals.resync().toNanos()) {
      attach();
    }
    expireRequests(now);
    if (phase == Phase.SYNCED) {
      flushBuffered();
      if (window.inFlight() > 0 && ++ticksWithoutResults >= settings.writeRetryTicks()) {
        ticksWithoutResults = 0;
        resendInFlight();
      }
    }
    flushWrites();
    completeApplied();
  }

  private void expireRequests(long now) {
    long bufferNanos = intervals.mutationBuffer().toNanos();
    for (Iterator<Write> it = buffered.iterator(); it.hasNext();) {
      Write w = it.next();
      if (now - w.issuedAt > bufferNanos) {
        it.remove();
        finish(w, null, new BrokerException(ErrorCode.STALE_DATA, "store \"" + name
            + "\": write was buffered longer than the mutation buffer interval " + intervals.mutationBuffer() + " and was not sent"));
      } else if (now > w.deadline) {
        it.remove();
        finish(w, null, new BrokerException(everSynced ? ErrorCode.REQUEST_TIMEOUT : ErrorCode.NO_SUCH_MASTER,
            "store \"" + name + "\": no master " + (everSynced ? "reachable" : "found") + " before the request timeout "
                + settings.requestTimeout() + "; the write was not sent"));
      }
    }
    if (window.inFlight() > 0) {
      window.forEachInFlight(w -> {
        if (!w.done && now > w.deadline) {
          finish(w, null, new BrokerException(ErrorCode.REQUEST_TIMEOUT, "store \"" + name
              + "\": no answer from the master within " + settings.requestTimeout() + "; the write may still be applied"));
        }
      });
    }
    for (Iterator<Read> it = reads.iterator(); it.hasNext();) {
      Read r = it.next();
      if (now > r.deadline) {
        it.remove();
        r.completion.fail(new BrokerException(ErrorCode.STALE_DATA, "store \"" + name
            + "\": the clone has not synchronised with a master yet"));
      }
    }
  }

  // ---- internals -------------------------------------------------------------------------------------

  private void heard() {
    lastHeard = clock.nowNanos();
  }

  private void synced() {
    phase = Phase.SYNCED;
    everSynced = true;
    cutOffSince = Long.MIN_VALUE;
    lastHeard = clock.nowNanos();
    if (!reads.isEmpty()) {
      List<Read> waiting = new ArrayList<>(reads);
      reads.clear();
      waiting.forEach(r -> runRead(r.body, r.completion));
    }
    resendInFlight();
    flushBuffered();
    flushWrites();
    completeApplied();
  }

  private void resync() {
    if (phase == Phase.SYNCED) {
      cutOffSince = clock.nowNanos();
    }
    consumer.reset();
    chunks = null;
    phase = Phase.SEARCHING;
    attach();
  }

  private void attach() {
    lastAttach = clock.nowNanos();
    attaches++;
    if (phase == Phase.SEARCHING) {
      phase = Phase.SYNCING;
      syncAttempt = attaches;
    }
    Attach.Builder a = Attach.newBuilder().setClone(id).setCloneEndpoint(ByteString.copyFrom(endpoint.bytes()))
        .setAttempt(attaches);
    if (consumer.initialized()) {
      a.setLastEpoch(consumer.epoch()).setLastSeq(consumer.lastConsumed());
    }
    transport.toMaster(StoreMessage.newBuilder().setAttach(a).build());
  }

  private void send(Write w) {
    w.writer = writerId;
    w.seq = nextWriteSeq++;
    window.addInFlight(w.seq, w);
    unsent.add(w);
    if (window.inFlight() == 1) {
      ticksWithoutResults = 0;
    }
  }

  private void flushBuffered() {
    while (!buffered.isEmpty()) {
      send(buffered.poll());
    }
  }

  /**
   * The master answered {@code writer_unknown}: it holds nothing for our writer (it forgot it, or
   * restarted without its journal) and applied none of the writes it was sent, nor ever will
   * under that writer. The unfinished writes go out again, in order, as the first writes of a new
   * writer. Those past their deadline are dropped (failed with {@code REQUEST_TIMEOUT} if not yet:
   * their callers learn the write may or may not be applied), since a master forgets a writer only
   * after all of its writes' deadlines, so one of them may have been applied, even answered in an
   * earlier epoch. A write answered in the epoch the replica follows stays where it is: the master
   * applied it, and it completes once the replica shows it.
   */
  private void newWriter() {
    List<Write> carried = new ArrayList<>();
    window.forEachInFlight(carried::add);
    awaitingApply.removeIf(a -> {
      if (consumer.initialized() && a.epoch == consumer.epoch()) {
        return false;
      }
      carried.add(a.write);
      return true;
    });
    carried.sort((a, b) -> Long.compare(a.seq, b.seq));
    long old = writerId;
    writerGeneration++;
    writerId = writerIdOf(id, writerGeneration);
    window = new WriteWindow<>(1);
    nextWriteSeq = 1;
    resultsThrough = 0;
    unsent.clear();
    ticksWithoutResults = 0;
    long now = clock.nowNanos();
    int dropped = 0;
    for (Write w : carried) {
      if (!w.done && now > w.deadline) {
        // Past its deadline it may have been applied before the master forgot the writer (which
        // takes longer than any deadline), perhaps even answered in an earlier epoch: sent again
        // it could be applied twice.
        finish(w, null, new BrokerException(ErrorCode.REQUEST_TIMEOUT, "store \"" + name
            + "\": no answer the replica could confirm within " + settings.requestTimeout()
            + "; the write may have been applied"));
      }
      if (w.done) {
        dropped++;
        continue;
      }
      w.sent = false;
      send(w);
    }
    log.info("store {}: the master does not know writer {}; {} unfinished write(s) resent as writer {},"
        + " {} timed-out one(s) dropped", name, Long.toUnsignedString(old, 16), carried.size() - dropped,
        Long.toUnsignedString(writerId, 16), dropped);
  }

  /** Writer {@code generation} of clone {@code clone} (never 0, which means the clone id itself). */
  static long writerIdOf(long clone, int generation) {
    long z = clone + generation * 0x9E37_79B9_7F4A_7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
    z ^= z >>> 31;
    return z == 0 ? 1 : z;
  }

  /** The writer this clone's writes go out under now. */
  public long writerId() {
    return writerId;
  }

  private void resendInFlight() {
    unsent.clear();
    window.forEachInFlight(unsent::add);
  }

  /** Sends the writes queued in this batch as runs of consecutive sequence numbers. */
  public void flushWrites() {
    if (unsent.isEmpty() || phase != Phase.SYNCED) {
      return;
    }
    Writes.Builder b = null;
    long expected = -1;
    for (Write w : unsent) {
      if (b == null || w.seq != expected) {
        if (b != null) {
          transport.toMaster(StoreMessage.newBuilder().setWrites(b).build());
        }
        b = Writes.newBuilder().setClone(id).setCloneEndpoint(ByteString.copyFrom(endpoint.bytes()))
            .setFirstSeq(w.seq).setResultsThrough(resultsThrough).setWriter(writerId);
      }
      if (w.sent) {
        b.setResent(true);
      }
      w.sent = true;
      b.addMutations(w.mutation);
      expected = w.seq + 1;
    }
    transport.toMaster(StoreMessage.newBuilder().setWrites(b).build());
    unsent.clear();
  }

  /**
   * Broker's {@code await_idle} for a clone: synchronised, nothing buffered or missing, and every
   * own write acknowledged and reflected.
   */
  public boolean idle() {
    return phase == Phase.SYNCED && consumer.idle() && buffered.isEmpty() && window.inFlight() == 0
        && awaitingApply.isEmpty();
  }

  /** Fails every pending request with {@code failure} (the clone is closing). */
  public void shutdown(BrokerException failure) {
    buffered.forEach(w -> finish(w, null, failure));
    buffered.clear();
    window.forEachInFlight(w -> finish(w, null, failure));
    awaitingApply.forEach(a -> finish(a.write, null, failure));
    awaitingApply.clear();
    window.clear();
    reads.forEach(r -> r.completion.fail(failure));
    reads.clear();
  }

  /** The master epoch last heard of (0: none). */
  public long masterEpoch() {
    return masterEpoch;
  }

  /** The last master update this replica applied (0 before the first synchronisation). */
  public long appliedSeq() {
    return consumer.initialized() ? consumer.lastConsumed() : 0;
  }

  /** Master updates this clone knows were produced (heartbeats, later updates) but has not applied. */
  public long lag() {
    return consumer.initialized() ? Math.max(0, consumer.lastKnown() - consumer.lastConsumed()) : 0;
  }

  /** Writes waiting for the master (buffered, in flight, or waiting for their update). */
  public int pendingWrites() {
    return buffered.size() + window.inFlight() + awaitingApply.size();
  }
}
