package io.jbroker.replication.sim;

import io.jbroker.proto.replication.v1.WriterState;
import io.jbroker.replication.protocol.WriterJournal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A writer journal over a map the test owns (it survives master restarts as a backend's metadata would). */
final class MapJournal implements WriterJournal {
  private final Map<Long, WriterState> entries;
  private long deletions;

  MapJournal(Map<Long, WriterState> entries) {
    this.entries = entries;
  }

  @Override
  public WriterState load(long writer) {
    return entries.get(writer);
  }

  @Override
  public void save(long writer, WriterState state) {
    entries.put(writer, state);
  }

  @Override
  public void delete(long writer) {
    if (entries.remove(writer) != null) {
      deletions++;
    }
  }

  /** Entries deleted so far. */
  long deletions() {
    return deletions;
  }

  @Override
  public List<Long> writers() {
    List<Long> ids = new ArrayList<>(entries.keySet());
    ids.sort(Long::compareUnsigned);
    return ids;
  }
}
