package io.jbroker.replication;

/**
 * What {@link StoreManager#stores()} reports about an attached store.
 *
 * @param name the store name
 * @param role master or clone
 * @param backend the master's backend type, {@code memory} for a clone's replica
 * @param entries number of entries (the replica's for a clone)
 * @param clones clones attached to a master (0 for a clone)
 * @param epoch the master epoch (a clone: the one it follows, 0 if none)
 * @param seq the master's update sequence number, or the last one a clone applied
 * @param buffered updates a master keeps for retransmission, or writes a clone waits on
 * @param stale whether a clone's reads fail with {@code STALE_DATA}
 * @param lag updates a clone knows of but has not applied yet
 */
public record StoreInfo(String name, Role role, String backend, long entries, int clones, long epoch, long seq,
    long buffered, boolean stale, long lag) {
  /** Master or clone. */
  public enum Role { MASTER, CLONE }
}
