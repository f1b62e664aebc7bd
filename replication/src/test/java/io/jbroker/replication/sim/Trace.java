package io.jbroker.replication.sim;

import io.jbroker.proto.replication.v1.Ack;
import io.jbroker.proto.replication.v1.Attach;
import io.jbroker.proto.replication.v1.Nack;
import io.jbroker.proto.replication.v1.SnapshotChunk;
import io.jbroker.proto.replication.v1.StoreMessage;
import io.jbroker.proto.replication.v1.Updates;
import io.jbroker.proto.replication.v1.WriteResult;
import io.jbroker.proto.replication.v1.WriteResults;
import io.jbroker.proto.replication.v1.Writes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** The event trace of a run (only collected when asked for: it is what a failure report prints). */
final class Trace {
  private final boolean on;
  private final LongSupplier now;
  private final List<String> lines = new ArrayList<>();
  private final List<Long> times = new ArrayList<>();

  Trace(boolean on, LongSupplier now) {
    this.on = on;
    this.now = now;
  }

  boolean on() {
    return on;
  }

  void add(String line) {
    if (on) {
      long t = now.getAsLong();
      lines.add(String.format("%10.3fms %s", t / 1e6, line));
      times.add(t);
    }
  }

  List<String> lines() {
    return lines;
  }

  /** Virtual time of each line. */
  List<Long> times() {
    return times;
  }

  /** A short, stable id: the last 4 hex digits. */
  static String id(long id) {
    return String.format("%04x", id & 0xffff);
  }

  static String describe(StoreMessage m) {
    switch (m.getBodyCase()) {
      case UPDATES: {
        Updates u = m.getUpdates();
        return "updates e" + id(u.getEpoch()) + " " + u.getFirstSeq() + ".." + (u.getFirstSeq() + u.getChangesCount() - 1)
            + (u.getTarget() != 0 ? " to " + id(u.getTarget()) : "");
      }
      case HEARTBEAT:
        return "heartbeat e" + id(m.getHeartbeat().getEpoch()) + " last " + m.getHeartbeat().getLastSeq();
      case SNAPSHOT: {
        SnapshotChunk c = m.getSnapshot();
        return "snapshot e" + id(c.getEpoch()) + " #" + c.getSnapshotId() + " to " + id(c.getTarget()) + " as of "
            + c.getAsOfSeq() + " chunk " + (c.getIndex() + 1) + "/" + c.getCount() + " (" + c.getEntriesCount() + " entries)";
      }
      case RETRANSMIT_FAILED:
        return "retransmit_failed e" + id(m.getRetransmitFailed().getEpoch()) + " to " + id(m.getRetransmitFailed().getTarget())
            + " seq " + m.getRetransmitFailed().getSeq();
      case WRITE_RESULTS: {
        WriteResults r = m.getWriteResults();
        StringBuilder b = new StringBuilder("results e" + id(r.getEpoch()) + " to " + id(r.getTarget()) + " through "
            + r.getAckedThrough() + " [");
        for (WriteResult w : r.getResultsList()) {
          b.append(" w").append(w.getWriteSeq()).append("@").append(w.getAppliedSeq()).append(w.hasFailure() ? "!" + w.getFailure().getCode() : "");
        }
        return b.append(" ]").toString();
      }
      case ATTACH: {
        Attach a = m.getAttach();
        return "attach " + id(a.getClone()) + (a.getLastEpoch() != 0 ? " from e" + id(a.getLastEpoch()) + ":" + a.getLastSeq() : "");
      }
      case ACK: {
        Ack a = m.getAck();
        return "ack " + id(a.getClone()) + " e" + id(a.getEpoch()) + " seq " + a.getSeq() + " results through " + a.getResultsThrough();
      }
      case NACK: {
        Nack n = m.getNack();
        return "nack " + id(n.getClone()) + " e" + id(n.getEpoch()) + " " + n.getSeqsList();
      }
      case WRITES: {
        Writes w = m.getWrites();
        return "writes " + id(w.getClone()) + (w.getWriter() != 0 && w.getWriter() != w.getClone() ? " as " + id(w.getWriter()) : "")
            + " w" + w.getFirstSeq() + "..w" + (w.getFirstSeq() + w.getMutationsCount() - 1)
            + " results through " + w.getResultsThrough() + (w.getResent() ? " (resent)" : "");
      }
      case WRITER_UNKNOWN:
        return "writer_unknown e" + id(m.getWriterUnknown().getEpoch()) + " to " + id(m.getWriterUnknown().getTarget())
            + " writer " + id(m.getWriterUnknown().getWriter());
      default:
        return m.getBodyCase().toString();
    }
  }
}
