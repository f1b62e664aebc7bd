package io.jbroker.replication.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
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
import io.jbroker.proto.replication.v1.WriterState;
import io.jbroker.proto.replication.v1.WriterUnknown;
import io.jbroker.proto.replication.v1.Writes;
import io.jbroker.replication.channel.ChannelProducer;
import io.jbroker.replication.internal.Messages;
import io.jbroker.replication.internal.UpdatesEncoder;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import io.jbroker.store.Key;
import io.jbroker.store.Mutation;
import io.jbroker.store.StoreCore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master of a replicated store as a pure state machine (no threads, no sockets): a {@link
 * StoreCore} over the master's backend, the producer of the update channel to every clone, and
 * the consumer of each clone's writes. The owner feeds it local mutations, messages from clones
 * and ticks, and calls {@link #endBatch()} after each batch of work: that commits the backend
 * (the group commit) and only then broadcasts the batch's updates and write results, so a
 * clone never sees — and no caller is told about — a change the master could lose.
 *
 * <ul>
 *   <li><b>Epoch.</b> Each master start has a new random epoch; clones that see another epoch
 *       resynchronise.
 *   <li><b>Attach.</b> A clone attaching with the current epoch and a position the retransmit
 *       buffer still covers is resumed by retransmission; otherwise it gets a snapshot taken at
 *       the current sequence number (keys, values and deadlines), then the updates after it.
 *   <li><b>Clone writes</b> carry per-clone write sequence numbers; they are applied once each, in
 *       order (early ones wait, duplicates are answered from the result cache), and answered with
 *       their result and the update sequence number that reflects them (read-your-writes).
 *   <li><b>Silent clones</b> are dropped after the clone timeout, so they do not pin the buffer;
 *       an ack or nack from a dropped clone is answered with {@code retransmit_failed}, which
 *       makes it resynchronise.
 *   <li><b>Writers are forgotten, safely.</b> A clone's writes belong to a <i>writer</i> (its
 *       first is the clone id). A writer silent past the clone timeout leaves memory (the journal
 *       gives it back); one silent past the writer retention leaves the journal too. Writes from a
 *       writer the master holds nothing for are taken as a new writer's only if they are its
 *       first ({@code first_seq} 1, never sent before); anything else could be writes this master
 *       applied before it forgot the writer (or before a restart that lost its journal), so it
 *       answers {@code writer_unknown}, applies none of them, and refuses that writer from then
 *       on (a durable tombstone, itself deleted after the retention). The clone resends its
 *       unfinished writes under a new writer. The retention is at least the request timeout, so
 *       by the time a writer can be forgotten none of its writes is still waiting for a result.
 * </ul>
 */
public final class MasterState {
  private static final Logger log = LoggerFactory.getLogger(MasterState.class);
  private static final ByteString NONE = ByteString.copyFrom(BinaryCodec.encode(io.jbroker.data.NoneData.INSTANCE));
  /** Most out-of-order writes held per clone. */
  static final int MAX_EARLY_WRITES = 1 << 16;

  /** Where the master's messages go. */
  public interface Transport {
    /** To every clone (the clone topic). */
    void broadcast(StoreMessage message);

    /** To one clone, at {@code endpoint}. */
    void send(long clone, EndpointId endpoint, StoreMessage message);

    /**
     * An update message to every clone, already serialised ({@link UpdatesEncoder}): a transport
     * that sends bytes sends these as they are; by default, parsed and {@link #broadcast}.
     */
    default void broadcast(byte[] message) {
      broadcast(parse(message));
    }

    /** An update message to one clone, already serialised; by default, parsed and {@link #send}. */
    default void send(long clone, EndpointId endpoint, byte[] message) {
      send(clone, endpoint, parse(message));
    }

    private static StoreMessage parse(byte[] message) {
      try {
        return StoreMessage.parseFrom(message);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException("an update message that does not parse", e);
      }
    }
  }

  /** What the master remembers about a writing clone. */
  private static final class Writer {
    final long clone;
    /** The clone the writer's messages came from last (where results go). */
    long cloneId;
    EndpointId endpoint;
    /** Answered {@code writer_unknown}: every write of it is refused (see the class comment). */
    boolean abandoned;
    long applied;
    long resultsThrough;
    final TreeMap<Long, io.jbroker.proto.replication.v1.Mutation> early = new TreeMap<>();
    /** Results of the writes applied since the clone's last confirmation, in order. */
    final ResultLog<WriteResult> results = new ResultLog<>();
    /**
     * The results the journal must keep: failures and non-{@code none} values (the others it
     * implies). Kept apart so that saving a writer costs what it saves, not a pass over every
     * result a clone has yet to confirm; after a reload from the journal, the only results held.
     */
    final TreeMap<Long, WriteResult> journalled = new TreeMap<>();
    final List<WriteResult> outgoing = new ArrayList<>();
    boolean respond;
    boolean dirty;
    /** The master tick of the writer's last message. */
    long lastHeard;
    /** In {@link #active}. */
    boolean isActive;
    /** The journal does not give this writer's state back: never retired (see {@link #retireSilentWriters}). */
    boolean pinned;

    Writer(long clone) {
      this.clone = clone;
      this.cloneId = clone;
    }
  }

  private final StoreCore core;
  private final long epoch;
  private final ReplicationSettings settings;
  private final Transport transport;
  /** Updates as the bytes of their {@code Change} messages ({@link UpdatesEncoder#change}). */
  private final ChannelProducer<Long, byte[]> updates;
  private final Map<Long, EndpointId> cloneEndpoints = new HashMap<>();
  private final Map<Long, Writer> writers = new LinkedHashMap<>();
  /**
   * The writers with work for the end of the batch (a result to send or a state to save) or
   * out-of-order writes held: the per-batch loops visit these, not every clone that ever wrote,
   * so a master does not slow down as clones come and go (each attachment is a new writer).
   */
  private final List<Writer> active = new ArrayList<>();
  private final WriterJournal journal;
  /**
   * Writers left in the journal only (retired from memory, or found there at start), with the tick
   * they were last heard from, oldest first: deleted once silent for the writer retention.
   */
  private final LinkedHashMap<Long, Long> journalOnly = new LinkedHashMap<>();
  private final List<Attach> attaches = new ArrayList<>();
  private long snapshots;
  private long ticks;
  private long lastRetirement;

  public MasterState(StoreCore core, long epoch, ReplicationSettings settings, Transport transport) {
    this(core, epoch, settings, transport, WriterJournal.none());
  }

  public MasterState(StoreCore core, long epoch, ReplicationSettings settings, Transport transport,
      WriterJournal journal) {
    if (epoch == 0) {
      throw new IllegalArgumentException("epoch 0 means none");
    }
    this.core = core;
    this.epoch = epoch;
    this.settings = settings;
    this.transport = transport;
    this.journal = journal;
    for (long writer : journal.writers()) {
      journalOnly.put(writer, 0L); // silent since the start, as far as this master knows
    }
    this.updates = new ChannelProducer<>(epoch, 0, settings.heartbeatTicks(), settings.ticks(settings.cloneTimeout()),
        settings.bufferLimit(), new ChannelProducer.Transport<>() {
          @Override
          public void broadcast(long ep, long firstSeq, List<byte[]> events) {
            transport.broadcast(UpdatesEncoder.updates(ep, firstSeq, 0, events));
          }

          @Override
          public void unicast(Long clone, long ep, long firstSeq, List<byte[]> events) {
            EndpointId endpoint = cloneEndpoints.get(clone);
            if (endpoint != null) {
              transport.send(clone, endpoint, UpdatesEncoder.updates(ep, firstSeq, clone, events));
            }
          }

          @Override
          public void heartbeat(long ep, long lastSeq) {
            transport.broadcast(StoreMessage.newBuilder().setHeartbeat(
                Heartbeat.newBuilder().setEpoch(ep).setLastSeq(lastSeq)).build());
          }

          @Override
          public void retransmitFailed(Long clone, long ep, long seq) {
            send(clone, StoreMessage.newBuilder().setRetransmitFailed(
                RetransmitFailed.newBuilder().setEpoch(ep).setTarget(clone).setSeq(seq)).build());
          }

          @Override
          public void dropped(Long clone) {
            log.info("store {}: dropped clone {} after {} of silence", core.name(), Long.toUnsignedString(clone, 16),
                settings.cloneTimeout());
          }
        });
    core.onChange(c -> {
      if (updates.wanted()) {
        updates.produce(UpdatesEncoder.change(c));
      } else {
        updates.skip(); // no clone: no need to encode the change (a master without clones is a local store)
      }
    });
  }

  public long epoch() {
    return epoch;
  }

  public long seq() {
    return updates.seq();
  }

  public StoreCore core() {
    return core;
  }

  /** Clones with a path (attached and not dropped). */
  public int clones() {
    return updates.consumers().size();
  }

  /** Updates kept for retransmission. */
  public int buffered() {
    return updates.buffered();
  }

  /** Number of snapshots sent. */
  public long snapshotsSent() {
    return snapshots;
  }

  /** Applies a local mutation (see {@link StoreCore#apply}); acknowledge it after {@link #endBatch()}. */
  public Data apply(Mutation m, EntityId publisher) {
    return core.apply(m, publisher);
  }

  /** {@link #apply(Mutation, EntityId)} with the key encoded by the caller (or {@code null}). */
  public Data apply(Mutation m, Key key, EntityId publisher) {
    return core.apply(m, key, publisher);
  }

  /** Handles a message from a clone. Malformed content is logged and dropped. */
  public void onMessage(StoreMessage m) {
    switch (m.getBodyCase()) {
      case ATTACH:
        attaches.add(m.getAttach()); // answered after the batch's commit: see endBatch
        break;
      case ACK:
        ack(m.getAck());
        break;
      case NACK:
        nack(m.getNack());
        break;
      case WRITES:
        writes(m.getWrites());
        break;
      default:
        break; // messages for clones, or from the future
    }
  }

  private void attach(Attach a) {
    long clone = a.getClone();
    EndpointId endpoint = endpoint(a.getCloneEndpoint());
    if (clone == 0 || endpoint == null) {
      return;
    }
    cloneEndpoints.put(clone, endpoint);
    if (a.getLastEpoch() == epoch && updates.canResume(a.getLastSeq())) {
      log.debug("store {}: clone {} resumes after {}", core.name(), Long.toHexString(clone), a.getLastSeq());
      updates.resume(clone, a.getLastSeq());
      return;
    }
    sendSnapshot(clone, a.getAttempt());
  }

  /**
   * Sends clone {@code clone} a snapshot as of the last update: chunks of {@code snapshotChunk}
   * entries in the backend's reading order ({@link io.jbroker.store.Backend#forEachEntry}), each
   * sent as soon as it is read (the clone can decode and apply the first ones while the master
   * reads the rest, and no chunk waits in memory); the last chunk carries the number of chunks.
   * The updates after the snapshot follow on the clone's path.
   */
  private void sendSnapshot(long clone, long attempt) {
    long asOf = updates.seq();
    long id = ++snapshots;
    updates.add(clone, asOf);
    SnapshotSender sender = new SnapshotSender(clone, id, asOf, attempt, core.backend().size());
    core.snapshot(sender);
    int chunks = sender.finish();
    log.debug("store {}: snapshot {} of {} chunk(s) as of {} to clone {}", core.name(), id, chunks, asOf,
        Long.toHexString(clone));
  }

  /** Builds and sends the chunks of one snapshot while the backend is read. */
  private final class SnapshotSender implements Backend.EntryVisitor {
    private final long clone;
    private final long id;
    private final long asOf;
    private final long attempt;
    private final int chunkSize = settings.snapshotChunk();
    private SnapshotChunk.Builder chunk;
    private int index;

    SnapshotSender(long clone, long id, long asOf, long attempt, long expectedEntries) {
      this.clone = clone;
      this.id = id;
      this.asOf = asOf;
      this.attempt = attempt;
      this.chunk = newChunk().setExpectedEntries(expectedEntries);
    }

    private SnapshotChunk.Builder newChunk() {
      return SnapshotChunk.newBuilder().setEpoch(epoch).setTarget(clone).setSnapshotId(id).setAsOfSeq(asOf)
          .setIndex(index).setAttempt(attempt);
    }

    @Override
    public void visit(Key k, Data v, long deadline) {
      Entry.Builder e = chunk.addEntriesBuilder().setKey(UnsafeByteOperations.unsafeWrap(k.encoded()))
          .setValue(UnsafeByteOperations.unsafeWrap(BinaryCodec.encode(v)));
      if (deadline != Backend.NO_DEADLINE) {
        e.setDeadline(deadline);
      }
      if (chunk.getEntriesCount() == chunkSize) {
        send(clone, StoreMessage.newBuilder().setSnapshot(chunk).build());
        index++;
        chunk = newChunk();
      }
    }

    /** Sends the last chunk (possibly empty), which tells the number of chunks; returns it. */
    int finish() {
      send(clone, StoreMessage.newBuilder().setSnapshot(chunk.setCount(index + 1)).build());
      return index + 1;
    }
  }

  private void ack(Ack a) {
    Writer w = writers.get(a.getWriter() != 0 ? a.getWriter() : a.getClone());
    if (w != null) {
      forgetResults(w, a.getResultsThrough());
    }
    if (a.getEpoch() != epoch) {
      return; // the clone learns the new epoch from heartbeats
    }
    if (!updates.handleAck(a.getClone(), a.getSeq())) {
      refuse(a.getClone());
    }
  }

  private void nack(Nack n) {
    if (n.getEpoch() != epoch) {
      return;
    }
    if (!updates.handleNack(n.getClone(), n.getSeqsList())) {
      refuse(n.getClone());
    }
  }

  /**
   * A clone without a path (dropped, or from before a restart) must resynchronise. Seq 0 says so
   * unambiguously: a clone ignores a retransmit_failed for an update it already has (a late
   * answer to an old nack), and by the time this arrives it may have consumed the update after
   * the one it acknowledged.
   */
  private void refuse(long clone) {
    if (cloneEndpoints.containsKey(clone)) {
      send(clone, StoreMessage.newBuilder().setRetransmitFailed(
          RetransmitFailed.newBuilder().setEpoch(epoch).setTarget(clone).setSeq(0)).build());
    }
  }

  private void writes(Writes ws) {
    long clone = ws.getClone();
    EndpointId endpoint = endpoint(ws.getCloneEndpoint());
    if (clone == 0 || endpoint == null) {
      return;
    }
    cloneEndpoints.putIfAbsent(clone, endpoint);
    updates.touch(clone);
    long writer = ws.getWriter() != 0 ? ws.getWriter() : clone;
    Writer w = writers.get(writer);
    if (w == null) {
      WriterState saved = journal.load(writer);
      journalOnly.remove(writer);
      if (saved == null && (ws.getResent() || ws.getFirstSeq() != 1)) {
        log.info("store {}: writes {}.. of writer {} (clone {}), which this master does not know; answering"
            + " writer_unknown", core.name(), ws.getFirstSeq(), Long.toUnsignedString(writer, 16),
            Long.toUnsignedString(clone, 16));
        w = new Writer(writer);
        w.abandoned = true;
        w.dirty = true; // the tombstone is saved with the batch, before the answer goes out
      } else {
        w = loadWriter(writer, saved);
      }
      writers.put(writer, w);
    }
    w.cloneId = clone;
    w.endpoint = endpoint;
    w.lastHeard = ticks;
    if (w.abandoned) {
      activate(w); // answered again: the first answer may have been lost
      return;
    }
    forgetResults(w, ws.getResultsThrough());
    long first = ws.getFirstSeq();
    for (int i = 0; i < ws.getMutationsCount(); i++) {
      long s = first + i;
      if (s <= w.applied) {
        if (s > w.resultsThrough) {
          WriteResult cached = w.results.get(s);
          if (cached == null) {
            cached = w.journalled.get(s);
          }
          w.outgoing.add(cached != null ? cached : impliedResult(s)); // a retransmission whose result was lost
        }
      } else if (s == w.applied + 1) {
        applyWrite(w, s, ws.getMutations(i));
        while (!w.early.isEmpty() && w.early.firstKey() == w.applied + 1) {
          applyWrite(w, w.applied + 1, w.early.pollFirstEntry().getValue());
        }
      } else if (w.early.size() < MAX_EARLY_WRITES) {
        w.early.putIfAbsent(s, ws.getMutations(i));
      }
    }
    activate(w); // even with nothing new, acknowledge what was applied
  }

  /** Marks {@code w} to be answered at the end of the batch. */
  private void activate(Writer w) {
    w.respond = true;
    if (!w.isActive) {
      w.isActive = true;
      active.add(w);
    }
  }

  private void applyWrite(Writer w, long s, io.jbroker.proto.replication.v1.Mutation pm) {
    WriteResult.Builder r = WriteResult.newBuilder().setWriteSeq(s);
    try {
      Mutation m = Messages.mutation(pm);
      Data result = core.apply(m, Messages.entity(pm.getPublisher()));
      r.setValue(ByteString.copyFrom(BinaryCodec.encode(result)));
    } catch (BrokerException e) {
      r.setFailure(Messages.failure(e));
    }
    r.setAppliedSeq(updates.seq());
    w.applied = s;
    w.dirty = true;
    WriteResult result = r.build();
    w.results.add(s, result);
    if (!impliedByTheJournal(result)) {
      w.journalled.put(s, result);
    }
    w.outgoing.add(result);
  }

  private Writer loadWriter(long clone, WriterState saved) {
    Writer w = new Writer(clone);
    if (saved != null && saved.getAbandoned()) {
      w.abandoned = true;
    } else if (saved != null) {
      w.applied = saved.getApplied();
      w.resultsThrough = saved.getResultsThrough();
      long now = updates.seq();
      for (WriteResult r : saved.getResultsList()) {
        // A saved result carries the applied_seq of the epoch that applied it, which may mean
        // nothing in this epoch (after a restart): a clone would wait for that number, forever if
        // this epoch never gets that far. What the write did is committed in our backend, so every
        // state of this epoch from the current position on reflects it: that position is the
        // answer. (Not 0: a writer retired in memory is reloaded in the same epoch, where a clone
        // cut off since may not have consumed the update yet.)
        WriteResult reloaded = r.toBuilder().setAppliedSeq(now).build();
        w.journalled.put(r.getWriteSeq(), reloaded);
      }
    }
    return w;
  }

  /** Whether a result is what {@link #impliedResult} gives back: no failure, value {@code none}. */
  private static boolean impliedByTheJournal(WriteResult r) {
    return !r.hasFailure() && r.getValue().equals(NONE);
  }

  /**
   * A duplicate of an applied write whose result was not kept (the writer was loaded from the
   * journal): a plain success, reflected by every state from the current position on (see {@link
   * #loadWriter}).
   */
  private WriteResult impliedResult(long seq) {
    return WriteResult.newBuilder().setWriteSeq(seq).setValue(NONE).setAppliedSeq(updates.seq()).build();
  }

  private void saveWriters() {
    for (Writer w : active) {
      if (!w.dirty) {
        continue;
      }
      w.dirty = false;
      core.wroteMetadata(); // committed with the batch even when the writes changed no entry
      if (w.abandoned) {
        journal.save(w.clone, WriterState.newBuilder().setAbandoned(true).build());
        continue;
      }
      WriterState.Builder b = WriterState.newBuilder().setApplied(w.applied).setResultsThrough(w.resultsThrough);
      b.addAllResults(w.journalled.values());
      journal.save(w.clone, b.build());
    }
  }

  private void forgetResults(Writer w, long through) {
    if (through > w.resultsThrough) {
      w.resultsThrough = through;
      w.results.forgetThrough(through);
      if (!w.journalled.isEmpty()) {
        w.journalled.headMap(through, true).clear();
      }
    }
  }

  /**
   * Ends a batch of work: commits the backend (group commit), then broadcasts the updates and
   * sends the write results of the batch.
   *
   * @throws BrokerException if the commit fails; nothing of the batch is sent
   */
  public void endBatch() {
    saveWriters();
    core.commit();
    updates.flush();
    // Only now, with everything before committed and broadcast, may a clone get a snapshot or a
    // resumption: it never sees state the master could still lose in a crash.
    while (!attaches.isEmpty()) {
      attach(attaches.remove(0));
    }
    for (Writer w : active) {
      if (!w.respond) {
        continue;
      }
      w.respond = false;
      if (w.endpoint == null) {
        continue;
      }
      if (w.abandoned) {
        transport.send(w.cloneId, w.endpoint, StoreMessage.newBuilder().setWriterUnknown(
            WriterUnknown.newBuilder().setEpoch(epoch).setTarget(w.cloneId).setWriter(w.clone)).build());
        continue;
      }
      WriteResults.Builder b = WriteResults.newBuilder().setEpoch(epoch).setTarget(w.clone).setAckedThrough(w.applied)
          .addAllResults(w.outgoing);
      w.outgoing.clear();
      transport.send(w.cloneId, w.endpoint, StoreMessage.newBuilder().setWriteResults(b).build());
    }
    deactivateSettled();
  }

  /** Drops from {@link #active} the writers with nothing left for a batch end or a tick. */
  private void deactivateSettled() {
    active.removeIf(w -> {
      boolean settled = !w.respond && !w.dirty && w.early.isEmpty();
      if (settled) {
        w.isActive = false;
      }
      return settled;
    });
  }

  /**
   * Forgets silent writers, once per clone timeout. In memory: a writer silent for longer than the
   * clone timeout whose state the journal gives back exactly (checked by reading it); if its clone
   * writes again, the state is loaded from the journal as after a restart. Without this, every
   * clone that ever wrote (each attachment is a new writer) would stay in memory for the master's
   * lifetime. For good: a writer silent for the writer retention leaves memory and the journal. A
   * clone that comes back after that is answered {@code writer_unknown} (see the class comment), so
   * forgetting never lets a write be applied twice; the retention only has to outlast every write
   * still waiting for its result, which the request timeout bounds.
   */
  private void retireSilentWriters() {
    long timeout = settings.ticks(settings.cloneTimeout());
    if (ticks - lastRetirement < timeout) {
      return;
    }
    lastRetirement = ticks;
    long retention = settings.ticks(settings.writerRetention());
    for (java.util.Iterator<Writer> it = writers.values().iterator(); it.hasNext();) {
      Writer w = it.next();
      if (w.isActive || ticks - w.lastHeard < timeout) {
        continue;
      }
      if (ticks - w.lastHeard >= retention) {
        it.remove();
        forget(w.clone, w.cloneId);
        continue;
      }
      if (w.pinned) {
        continue;
      }
      WriterState saved = journal.load(w.clone);
      boolean givenBack = saved != null && (w.abandoned ? saved.getAbandoned() : saved.getApplied() == w.applied);
      if (!givenBack) {
        w.pinned = true; // the journal does not remember it (a backend without metadata): kept until the retention
        continue;
      }
      it.remove();
      journalOnly.put(w.clone, w.lastHeard);
      if (!updates.has(w.cloneId)) {
        cloneEndpoints.remove(w.cloneId);
      }
      log.debug("store {}: writer {} silent for {}, forgotten in memory (its journal entry remains)", core.name(),
          Long.toUnsignedString(w.clone, 16), settings.cloneTimeout());
    }
    // oldest first; an entry heard from later than one after it waits at most one more pass
    for (java.util.Iterator<Map.Entry<Long, Long>> it = journalOnly.entrySet().iterator(); it.hasNext();) {
      Map.Entry<Long, Long> e = it.next();
      if (ticks - e.getValue() < retention) {
        break;
      }
      it.remove();
      forget(e.getKey(), e.getKey());
    }
  }

  /** Deletes writer {@code writer}'s journal entry (durable with the next commit). */
  private void forget(long writer, long clone) {
    journal.delete(writer);
    core.wroteMetadata();
    if (!updates.has(clone)) {
      cloneEndpoints.remove(clone);
    }
    log.debug("store {}: writer {} silent for {}, forgotten for good", core.name(), Long.toUnsignedString(writer, 16),
        settings.writerRetention());
  }

  /** Writers held in the journal only, waiting for the retention (for tests). */
  int writersInJournalOnly() {
    return journalOnly.size();
  }

  /** Writers held in memory (for tests and stats). */
  int writersInMemory() {
    return writers.size();
  }

  /** One store tick: expires due entries, commits, and runs the channel timers. */
  public void tick() {
    ticks++;
    core.expireDue();
    endBatch();
    updates.tick();
    forgetStalledWrites();
    retireSilentWriters();
  }

  /**
   * Out-of-order writes of a clone silent past the clone timeout are dropped. A dead clone never
   * fills the gap before them, so they would keep the master from ever being idle; a live one
   * resends every write it has no result for, so nothing is lost.
   */
  private void forgetStalledWrites() {
    long timeout = settings.ticks(settings.cloneTimeout());
    for (Writer w : active) {
      if (!w.early.isEmpty() && ticks - w.lastHeard >= timeout) {
        log.info("store {}: dropped {} out-of-order write(s) of silent clone {}", core.name(), w.early.size(),
            Long.toUnsignedString(w.clone, 16));
        w.early.clear();
      }
    }
    deactivateSettled();
  }

  /**
   * Broker's {@code await_idle} for a master: every clone confirmed its attachment and
   * acknowledged every update, and no clone write waits for an earlier one.
   */
  public boolean idle() {
    if (!attaches.isEmpty()) {
      return false;
    }
    if (!updates.idle()) {
      return false;
    }
    for (Writer w : active) {
      if (!w.early.isEmpty() || w.respond) {
        return false;
      }
    }
    return true;
  }

  private void send(long clone, StoreMessage m) {
    EndpointId endpoint = cloneEndpoints.get(clone);
    if (endpoint != null) {
      transport.send(clone, endpoint, m);
    }
  }

  private static EndpointId endpoint(ByteString b) {
    return b.size() == 16 ? EndpointId.of(b.toByteArray()) : null;
  }
}
