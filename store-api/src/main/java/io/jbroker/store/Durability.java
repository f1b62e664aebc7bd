package io.jbroker.store;

/**
 * How a persistent backend acknowledges writes (SEMANTICS.md "Durability is explicit"), set by
 * the backend option {@code durability}.
 */
public enum Durability {
  /**
   * The default: an acknowledged write is on stable storage and survives a kill -9 or power
   * loss of the process's machine (as far as the disk honours flushes). Concurrent writes are
   * group-committed, so this does not cost one flush per write.
   */
  DURABLE,
  /** An acknowledged write has reached the operating system; it survives a kill -9 of the process. */
  RELAXED,
  /** Nothing is persisted (the memory backend). */
  NONE
}
