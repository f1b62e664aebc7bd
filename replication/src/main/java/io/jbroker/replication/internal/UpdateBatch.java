package io.jbroker.replication.internal;

import io.jbroker.proto.replication.v1.Change;
import io.jbroker.proto.replication.v1.Updates;
import java.util.ArrayList;
import java.util.List;

/**
 * An update message ({@code Updates}) as a clone applies it: from the bytes by {@link
 * UpdatesDecoder}, or from a parsed message by {@link #of}.
 *
 * @param epoch the master's epoch
 * @param firstSeq the sequence number of the first change
 * @param target the clone it is for; 0 for every clone
 * @param changes the changes, in order
 */
public record UpdateBatch(long epoch, long firstSeq, long target, List<WireChange> changes) {

  public static UpdateBatch of(Updates u) {
    List<WireChange> changes = new ArrayList<>(u.getChangesCount());
    for (Change c : u.getChangesList()) {
      changes.add(WireChange.of(c));
    }
    return new UpdateBatch(u.getEpoch(), u.getFirstSeq(), u.getTarget(), changes);
  }
}
