package io.jbroker.replication.sim;

/** The fault classes of the simulation; a shrinking failure report drops the ones it does not need. */
enum Fault {
  /** A link loses messages with some probability. */
  DROP,
  /** A link delivers some messages twice. */
  DUPLICATE,
  /** A link adds random jitter to its latency, so messages overtake each other. */
  REORDER,
  /** A link becomes slow (large latency). */
  DELAY,
  /** A clone is cut off from the master in one or both directions. */
  PARTITION,
  /** The master crashes between two batches and restarts with a new epoch over the same backend. */
  MASTER_CRASH,
  /** A clone crashes (its replica and pending requests are gone) and restarts with a new id. */
  CLONE_CRASH,
  /** Virtual time jumps forward for everybody at once (a stall): timers and deadlines fall due together. */
  CLOCK_JUMP
}
