package io.jbroker.replication.protocol;

import io.jbroker.proto.replication.v1.WriterState;

/**
 * Durable memory of a master's writing clones (which writes were applied, and their non-trivial
 * results), saved in the same commit as the data the writes changed, so that a write resent to a
 * restarted master is recognised and never applied twice.
 */
public interface WriterJournal {
  /** The saved state of writer {@code clone}, or {@code null}. */
  WriterState load(long clone);

  /** Saves writer {@code clone}'s state; durable with the next backend commit. */
  void save(long clone, WriterState state);

  /** A journal that forgets everything (for stores whose data does not survive a restart either). */
  static WriterJournal none() {
    return new WriterJournal() {
      @Override
      public WriterState load(long clone) {
        return null;
      }

      @Override
      public void save(long clone, WriterState state) {}
    };
  }
}
