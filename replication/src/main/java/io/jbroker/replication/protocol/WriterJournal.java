package io.jbroker.replication.protocol;

import io.jbroker.proto.replication.v1.WriterState;
import java.util.List;

/**
 * Durable memory of a master's writing clones (which writes were applied, and their non-trivial
 * results), saved in the same commit as the data the writes changed, so that a write resent to a
 * restarted master is recognised and never applied twice.
 */
public interface WriterJournal {
  /** The saved state of writer {@code writer}, or {@code null}. */
  WriterState load(long writer);

  /** Saves writer {@code writer}'s state; durable with the next backend commit. */
  void save(long writer, WriterState state);

  /** Deletes writer {@code writer}'s state; durable with the next backend commit. */
  void delete(long writer);

  /** The writers with a saved state (read once, when a master starts). */
  List<Long> writers();

  /** A journal that forgets everything (for stores whose data does not survive a restart either). */
  static WriterJournal none() {
    return new WriterJournal() {
      @Override
      public WriterState load(long writer) {
        return null;
      }

      @Override
      public void save(long writer, WriterState state) {}

      @Override
      public void delete(long writer) {}

      @Override
      public List<Long> writers() {
        return List.of();
      }
    };
  }
}
