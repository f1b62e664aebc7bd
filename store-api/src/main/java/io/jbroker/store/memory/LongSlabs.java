package io.jbroker.store.memory;

import java.util.Arrays;

/**
 * Blocks of {@code 2^log} longs carved from large shared arrays ("slabs"), for the hash-table
 * segments of {@link MemoryBackend}.
 *
 * <p>Why: a segment's table is a long-lived array that grows by doubling. Allocated with
 * {@code new long[n]} at the sizes a segment has (8 – 128 KiB at millions of keys), every table
 * starts in G1's young generation and is copied by a young pause or two before it reaches the old
 * one. At 380,000 new keys per second that was 60 MB of tables copied per pause and the 8 – 16 ms
 * young pauses of the replication benchmark; with the tables made big enough up front the pauses
 * were about 2 ms. A slab is {@link MemoryBackend#MAX_PAGE} bytes, like a record page, which G1
 * allocates as a humongous object directly in old regions and never copies, for region sizes up
 * to 4 MiB: G1's default for heaps below 16 GiB (larger heaps: {@code -XX:G1HeapRegionSize=4m}).
 *
 * <p>A slab holds blocks of one size only (its {@code log}). Freed blocks go on that size's free
 * list and are handed out again, zeroed; a slab all of whose blocks are free is dropped at once,
 * so the tables a growing store has left behind (segments double one after another) are given
 * back to the collector once the last segment of that size has doubled. Sizes outside
 * {@link #MIN_LOG} – {@link #MAX_LOG} are not served here: smaller tables are cheap to copy, and
 * larger ones are humongous objects of their own.
 *
 * <p>Not thread-safe: owned by its backend's single writer.
 */
final class LongSlabs {
  /** Longs in a slab: a whole {@link MemoryBackend#MAX_PAGE}, so that it fills whole G1 regions. */
  static final int SLAB = MemoryBackend.MAX_PAGE / Long.BYTES;
  /** The smallest block served (512 longs, 4 KiB). */
  static final int MIN_LOG = 9;
  /** The largest block served (65,536 longs, 512 KiB: 7 to a slab, an eighth left unused). */
  static final int MAX_LOG = 16;

  private long[][] slabs = new long[4][];
  /** Blocks handed out of each slab. */
  private int[] used = new int[4];
  /** Indexes of {@link #slabs} holding no slab. */
  private int[] freeSlots = new int[4];
  private int freeSlotCount;
  private int slotsEverUsed;
  /** Per log: free blocks, each as {@code slab index << 32 | base}. */
  private final long[][] free = new long[MAX_LOG + 1][];
  private final int[] freeCount = new int[MAX_LOG + 1];
  private int slabCount;

  LongSlabs() {
    for (int log = MIN_LOG; log <= MAX_LOG; log++) {
      free[log] = new long[8];
    }
  }

  /** Whether blocks of {@code 2^log} longs come from slabs. */
  static boolean serves(int log) {
    return log >= MIN_LOG && log <= MAX_LOG;
  }

  /**
   * A zeroed block of {@code 2^log} longs ({@link #serves}{@code (log)} must hold), as
   * {@code slab index << 32 | base}: the block is {@code array(slab)[base .. base + 2^log)}.
   */
  long allocate(int log) {
    int size = 1 << log;
    if (freeCount[log] == 0) {
      addSlab(log);
    }
    long block = free[log][--freeCount[log]];
    int slab = (int) (block >>> 32);
    int base = (int) block;
    used[slab]++;
    Arrays.fill(slabs[slab], base, base + size, 0L);
    return block;
  }

  /** Returns a block that {@link #allocate}{@code (log)} handed out; it must not be used again. */
  void release(long block, int log) {
    int slab = (int) (block >>> 32);
    if (--used[slab] == 0) {
      dropSlab(slab, log);
      return;
    }
    if (freeCount[log] == free[log].length) {
      free[log] = Arrays.copyOf(free[log], freeCount[log] * 2);
    }
    free[log][freeCount[log]++] = block;
  }

  long[] array(int slab) {
    return slabs[slab];
  }

  /** Slabs held. */
  int slabs() {
    return slabCount;
  }

  /** Bytes of the slabs held. */
  long bytes() {
    return (long) slabCount * SLAB * Long.BYTES;
  }

  private void addSlab(int log) {
    int slot;
    if (freeSlotCount > 0) {
      slot = freeSlots[--freeSlotCount];
    } else {
      slot = slotsEverUsed++;
      if (slot == slabs.length) {
        slabs = Arrays.copyOf(slabs, slot * 2);
        used = Arrays.copyOf(used, slot * 2);
      }
    }
    slabs[slot] = new long[SLAB];
    used[slot] = 0;
    slabCount++;
    int blocks = SLAB >>> log;
    while (free[log].length < freeCount[log] + blocks) {
      free[log] = Arrays.copyOf(free[log], free[log].length * 2);
    }
    for (int b = blocks - 1; b >= 0; b--) { // the lowest base is handed out first
      free[log][freeCount[log]++] = (long) slot << 32 | ((long) b << log);
    }
  }

  /** Drops a slab none of whose blocks is in use: its other blocks leave the free list. */
  private void dropSlab(int slot, int log) {
    long[] list = free[log];
    int kept = 0;
    for (int i = 0; i < freeCount[log]; i++) {
      if ((int) (list[i] >>> 32) != slot) {
        list[kept++] = list[i];
      }
    }
    freeCount[log] = kept;
    slabs[slot] = null;
    slabCount--;
    if (freeSlotCount == freeSlots.length) {
      freeSlots = Arrays.copyOf(freeSlots, freeSlotCount * 2);
    }
    freeSlots[freeSlotCount++] = slot;
  }
}
