package io.jbroker.store.memory;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.Backend;
import io.jbroker.store.Durability;
import io.jbroker.store.Key;
import io.jbroker.store.internal.MetaNames;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * The in-memory backend. Nothing is persisted; a new memory master starts empty. It is also the
 * reference the persistent backends are tested against, and the replica of every clone.
 *
 * <h2>Layout: no object per entry</h2>
 *
 * A store holds millions of long-lived entries. Kept as objects (a map node, a key, its bytes, a
 * value), every entry was copied by the young collector and traced by every marking cycle: with
 * every put a new key, G1 paused a master and a clone for hundreds of milliseconds at a time.
 * Here an entry is a record in a byte page and a few slots in primitive arrays, which the
 * collector neither copies (pages are large and allocated outside the young generation) nor
 * scans (they hold no references):
 *
 * <ul>
 *   <li><b>Records</b> live in pages ({@code byte[]}, growing from 4 KiB to {@link #MAX_PAGE}):
 *       a 12-byte header (entry id, key length, value length with a deadline flag), the key's
 *       canonical encoding, the value's canonical encoding and, if it has one, the deadline.
 *       Records are appended to the current page; a record too big for a page gets a page of
 *       its own.
 *   <li><b>Entry ids</b> ({@code int}) name entries; {@link #addr} maps an id to its record's
 *       page and offset. Records move (a value that changes size, compaction) without their id
 *       changing, so nothing else needs updating.
 *   <li><b>The hash table</b> is open addressing with linear probing over {@code long[]}s: the
 *       key's hash in the high half and the id + 1 in the low half (0: empty), so a probe
 *       compares hashes without leaving the table, and an erase shifts the following slots back
 *       (no tombstones). It is split by hash into 1,024 segments that double on their own: one
 *       table doubling at millions of keys stalled the store thread for tens of milliseconds, a
 *       segment's takes a 1,024th of that. The segments fill at the same pace (the hash spreads
 *       keys evenly), so with one load limit they would all double within a few thousand writes
 *       of each other, the same stall in pieces (measured: 150 - 200 ms of replication lag at
 *       5.2 M keys with 256 segments). Each segment's limit therefore lies somewhere between
 *       1/2 and 11/16 of its slots, by segment number, which spreads the doublings evenly over
 *       the last third of each doubling of the whole table. A segment of 512 – 65,536 slots
 *       lives in a block of a shared 4 MiB slab ({@link LongSlabs}) rather than in an array of
 *       its own, and the id map is in 4 MiB chunks: G1 puts arrays that large straight into old
 *       regions, where a young pause never copies them (as 8 – 128 KiB arrays of their own, the
 *       tables made most of what each young pause copied at millions of keys).
 *   <li><b>Space is reclaimed by page.</b> An overwrite with a value of the same size and the
 *       same deadline presence writes in place; any other overwrite or an erase leaves a dead
 *       record, counted against its page. A page (other than the one being appended to) whose
 *       dead bytes and unused tail reach half its size is compacted: its live records are
 *       appended to the current page and the page is dropped. Each compaction moves at most half
 *       a page of live data for at least half a page of garbage, so the cost per write is
 *       constant and the pages stay within about twice the live data.
 * </ul>
 *
 * <h2>Ordered index, kept only when asked for</h2>
 *
 * Only a page of keys ({@link #scan} with a start and a limit) needs the key order; a snapshot,
 * the set of all keys and the deadlines are visited in entry-id order ({@link #forEachEntry}).
 * The order is therefore built on the first ordered scan (a sort of the live ids) and kept
 * lazily from then on: a sorted array of ids, with the first 8 key bytes of each beside it so that
 * most comparisons read neither the id map nor a page, plus the ids added since, in arrival
 * order. The next ordered scan after changes sorts the added ids and merges them in, one linear
 * pass. Writes never sort or merge: at millions of keys that pass took tens to hundreds of
 * milliseconds, a stall of the store thread that set the replication lag's tail.
 *
 * <p>While the index is kept an erased entry keeps its id and its record until the next merge,
 * so that every id in the index still has a key to be compared by and no id in it is another
 * key's. Once the erased ids outnumber half the index, the index is dropped instead (which
 * releases them) and rebuilt by the next ordered scan, so erasures without scans hold at most
 * that much.
 */
public final class MemoryBackend implements Backend {
  /**
   * The largest page: 4 MiB less room for the array header, so that a page fills whole G1 regions
   * of 1 – 4 MiB exactly (a humongous object occupies whole regions).
   */
  static final int MAX_PAGE = (4 << 20) - 64;
  private static final int FIRST_PAGE = 4 << 10;
  /** Records larger than this get a page of their own. */
  private static final int BIG_RECORD = MAX_PAGE / 8;
  private static final int HEADER = 12;
  /**
   * Ids per chunk of the id map: a chunk is a {@link #MAX_PAGE} like a record page, so that G1
   * allocates it outside the young generation (see {@link LongSlabs} for why that matters).
   */
  private static final int CHUNK = MAX_PAGE / Long.BYTES;
  /** The hash table is split in 2^SEGMENT_BITS tables, each grown on its own (see the class comment). */
  private static final int SEGMENT_BITS = 10;
  private static final int SLOT_BITS = 31 - SEGMENT_BITS;
  private static final int SLOT_MASK = (1 << SLOT_BITS) - 1;
  /**
   * The array of a segment that never held an entry: the first insert allocates its own, so an
   * empty store holds no 1,024 tables (80 KiB).
   */
  private static final long[] UNUSED = new long[0];
  private static final int DEADLINE_FLAG = 0x8000_0000;
  /** {@link #addr} of an unused id; an erased entry's is the complement of its record's. */
  private static final long FREE = Long.MIN_VALUE;
  /** The index is dropped once more than this many erased ids, or half of it, wait for a merge. */
  private static final int MIN_STALE = 1024;
  private static final int[] NO_IDS = {};
  private static final long[] NO_PREFIXES = {};
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  // pages of records
  private byte[][] pages;
  /** Bytes appended to each page. */
  private int[] pageUsed;
  /** Bytes of dead records in each page. */
  private int[] pageDead;
  /** Whether a page holds a single big record. */
  private boolean[] pageSingle;
  /** Indexes of {@link #pages} that hold no page, for reuse. */
  private int[] freePages;
  private int freePageCount;
  /** Slots of {@link #pages} ever used. */
  private int pageSlots;
  /** The page records are appended to, or -1. */
  private int current;
  /** Size of the next page to open. */
  private int nextPageSize;
  /** Pages found worth compacting, compacted once the current write is complete. */
  private int[] toCompact;
  private int toCompactCount;
  private long pageBytes;

  // entries
  /**
   * Per entry id, in chunks of {@link #CHUNK} (growing never copies the map, a stall of tens of
   * milliseconds at millions of ids): its record's page (high half) and offset (low half); the
   * complement of that if
   * the entry was erased while the index is kept (the record stays until the index drops the id,
   * so that it can still compare its key); {@link #FREE} if unused.
   */
  private long[][] addr;
  /** Ids ever handed out. */
  private int idLimit;
  private int[] freeIds;
  private int freeIdCount;
  /** Ids erased while the index is kept: they may be in it, so their records stay. */
  private int[] erasedIds;
  private int erasedCount;
  private int size;

  // hash table
  /**
   * The array holding each segment's slots: a slab of {@link #slabs}, an array of its own, or
   * {@link #UNUSED}. The segment's slots are {@code [segmentBase, segmentBase + segmentCapacity)}.
   */
  private long[][] segments;
  private int[] segmentBase;
  /** A power of two; 0 for a segment that never held an entry. */
  private int[] segmentCapacity;
  /** The slab index of each segment's slots, or -1 if its array is its own. */
  private int[] segmentSlab;
  private int[] segmentSize;
  private LongSlabs slabs;
  /** Where {@link #prefetch} puts what it reads (never used otherwise). */
  private long prefetched;
  /** Segments doubled by writes so far (for tests). */
  private long doublings;

  // ordered index (see the class comment)
  private boolean indexed;
  /** Ids in key order; may hold erased ids. */
  private int[] sorted;
  /** {@link #prefix} of each id in {@link #sorted}. */
  private long[] sortedPrefix;
  private int sortedLength;
  /** Ids added since the last merge, in arrival order. */
  private int[] added;
  private int addedLength;

  private final HashMap<String, byte[]> meta = new HashMap<>();
  private boolean closed;

  public MemoryBackend() {
    reset();
  }

  private void reset() {
    pages = new byte[4][];
    pageUsed = new int[4];
    pageDead = new int[4];
    pageSingle = new boolean[4];
    freePages = new int[4];
    freePageCount = 0;
    pageSlots = 0;
    current = -1;
    nextPageSize = FIRST_PAGE;
    toCompact = new int[4];
    toCompactCount = 0;
    pageBytes = 0;
    addr = new long[4][];
    addr[0] = new long[16];
    idLimit = 0;
    freeIds = new int[16];
    freeIdCount = 0;
    erasedIds = new int[16];
    erasedCount = 0;
    size = 0;
    segments = new long[1 << SEGMENT_BITS][];
    Arrays.fill(segments, UNUSED);
    segmentBase = new int[1 << SEGMENT_BITS];
    segmentCapacity = new int[1 << SEGMENT_BITS];
    segmentSlab = new int[1 << SEGMENT_BITS];
    Arrays.fill(segmentSlab, -1);
    segmentSize = new int[1 << SEGMENT_BITS];
    slabs = new LongSlabs();
    dropIndexArrays();
  }

  private void dropIndexArrays() {
    indexed = false;
    sorted = NO_IDS;
    sortedPrefix = NO_PREFIXES;
    sortedLength = 0;
    added = NO_IDS;
    addedLength = 0;
  }

  /**
   * Sizes the hash table and the id map for {@code expected} entries (at most 16 M: a hint never
   * makes them larger than that) unless they are about that large already.
   */
  @Override
  public void expectEntries(long expected) {
    checkOpen();
    int wanted = (int) Math.min(expected, 1L << 24);
    if (wanted <= size * 2L) { // big enough already: at most one more doubling
      return;
    }
    for (int chunk = 0; chunk <= (wanted - 1) / CHUNK; chunk++) {
      if (chunk == addr.length) {
        addr = Arrays.copyOf(addr, chunk * 2);
      }
      if (addr[chunk] == null || addr[chunk].length < CHUNK) {
        addr[chunk] = addr[chunk] == null ? new long[CHUNK] : Arrays.copyOf(addr[chunk], CHUNK);
      }
    }
    for (int seg = 0; seg < segments.length; seg++) {
      int capacity = segmentCapacity(seg, wanted >>> SEGMENT_BITS);
      if (capacity > segmentCapacity[seg]) {
        rehash(seg, capacity);
      }
    }
  }

  // ---- point operations ----------------------------------------------------------------------

  @Override
  public Entry get(Key key) {
    checkOpen();
    int slot = find(key);
    return slot < 0 ? null : entry(idAt(slot));
  }

  @Override
  public boolean exists(Key key) {
    checkOpen();
    return find(key) >= 0;
  }

  @Override
  public void put(Key key, Data value, long deadline) {
    checkOpen();
    write(key, value, deadline, false);
  }

  @Override
  public Entry getAndPut(Key key, Data value, long deadline) {
    checkOpen();
    return write(key, value, deadline, true);
  }

  private Entry write(Key key, Data value, long deadline, boolean wantOld) {
    int valueLength = BinaryCodec.encodedSize(value);
    boolean hasDeadline = deadline != NO_DEADLINE;
    int slot = find(key);
    if (slot < 0) {
      int id = newId();
      store(id, key.encoded(), value, valueLength, deadline);
      insert(-slot - 1, key.hashCode(), id);
      size++;
      if (indexed) {
        index(id);
      }
      compactPending();
      return null;
    }
    int id = idAt(slot);
    Entry old = wantOld ? entry(id) : null;
    long a = addr(id);
    byte[] page = pages[page(a)];
    int off = offset(a);
    if ((int) INT.get(page, off + 8) == (valueLength | (hasDeadline ? DEADLINE_FLAG : 0))) {
      int v = off + HEADER + (int) INT.get(page, off + 4); // same size: in place
      BinaryCodec.encode(value, page, v);
      if (hasDeadline) {
        LONG.set(page, v + valueLength, deadline);
      }
      return old;
    }
    int oldSize = recordSize(page, off);
    store(id, key.encoded(), value, valueLength, deadline); // points the id at the new record
    died(a, oldSize);
    compactPending();
    return old;
  }

  /** Appends the record of entry {@code id} and points the id at it. */
  private void store(int id, byte[] key, Data value, int valueLength, long deadline) {
    boolean hasDeadline = deadline != NO_DEADLINE;
    long a = allocate(HEADER + key.length + valueLength + (hasDeadline ? 8 : 0));
    byte[] page = pages[page(a)];
    int off = offset(a);
    INT.set(page, off, id);
    INT.set(page, off + 4, key.length);
    INT.set(page, off + 8, valueLength | (hasDeadline ? DEADLINE_FLAG : 0));
    System.arraycopy(key, 0, page, off + HEADER, key.length);
    int v = BinaryCodec.encode(value, page, off + HEADER + key.length);
    if (hasDeadline) {
      LONG.set(page, v, deadline);
    }
    setAddr(id, a);
  }

  @Override
  public boolean erase(Key key) {
    checkOpen();
    int slot = find(key);
    if (slot < 0) {
      return false;
    }
    int id = idAt(slot);
    removeSlot(slot);
    size--;
    if (indexed) {
      setAddr(id, ~addr(id)); // the record stays until the index has dropped the id
      if (erasedCount == erasedIds.length) {
        erasedIds = Arrays.copyOf(erasedIds, erasedCount * 2);
      }
      erasedIds[erasedCount++] = id;
      if (erasedCount > Math.max(MIN_STALE, sortedLength / 2)) {
        dropIndex(); // releases the erased entries, at a constant cost per erase
      }
    } else {
      release(id, addr(id));
    }
    compactPending();
    return true;
  }

  @Override
  public void clear() {
    checkOpen();
    reset();
  }

  @Override
  public long size() {
    checkOpen();
    return size;
  }

  // ---- scans ---------------------------------------------------------------------------------

  @Override
  public int scan(Key after, int limit, EntryVisitor visitor) {
    checkOpen();
    if (!indexed) {
      buildIndex();
    } else if (addedLength > 0 || erasedCount > sortedLength / 4) {
      merge();
    }
    int i = after == null ? 0 : search(after.encoded());
    int n = 0;
    for (; n < limit && i < sortedLength; i++) {
      long a = addr(sorted[i]);
      if (a >= 0) { // an erased id stays in the index until the next merge
        visit(a, visitor);
        n++;
      }
    }
    return n;
  }

  /** Visits the entries in entry-id order: no index needed. */
  @Override
  public void forEachEntry(EntryVisitor visitor) {
    checkOpen();
    for (int id = 0; id < idLimit; id++) {
      long a = addr(id);
      if (a >= 0) {
        visit(a, visitor);
      }
    }
  }

  @Override
  public void forEachDeadline(EntryVisitor visitor) {
    checkOpen();
    for (int id = 0; id < idLimit; id++) {
      long a = addr(id);
      if (a >= 0 && (int) INT.get(pages[page(a)], offset(a) + 8) < 0) {
        visit(a, visitor);
      }
    }
  }

  private void visit(long a, EntryVisitor visitor) {
    byte[] page = pages[page(a)];
    int off = offset(a);
    int k = off + HEADER;
    Key key = Key.ofEncoded(Arrays.copyOfRange(page, k, k + (int) INT.get(page, off + 4)));
    Entry e = entryAt(page, off);
    visitor.visit(key, e.value(), e.deadline());
  }

  /** The index position of the first key after {@code key}. */
  private int search(byte[] key) {
    long prefix = prefix(key, 0, key.length);
    int lo = 0;
    int hi = sortedLength - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Long.compareUnsigned(sortedPrefix[mid], prefix);
      if (c < 0 || (c == 0 && compareKey(sorted[mid], key) <= 0)) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  // ---- metadata, durability ------------------------------------------------------------------

  @Override
  public byte[] getMeta(String name) {
    checkOpen();
    byte[] v = meta.get(name);
    return v == null ? null : v.clone();
  }

  @Override
  public void putMeta(String name, byte[] value) {
    checkOpen();
    if (value == null) {
      meta.remove(name);
    } else {
      meta.put(name, value.clone());
    }
  }

  @Override
  public List<String> metaNames(String prefix) {
    checkOpen();
    MetaNames.checkPrefix(prefix);
    return MetaNames.sorted(meta.keySet(), prefix);
  }

  @Override
  public void sync() {
    checkOpen();
  }

  @Override
  public Durability durability() {
    return Durability.NONE;
  }

  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, "memory backend is closed");
    }
  }

  // ---- records -------------------------------------------------------------------------------

  private static int page(long a) {
    return (int) (a >>> 32);
  }

  private static int offset(long a) {
    return (int) a;
  }

  private static int recordSize(byte[] page, int off) {
    int lengths = (int) INT.get(page, off + 8);
    return HEADER + (int) INT.get(page, off + 4) + (lengths & ~DEADLINE_FLAG) + (lengths < 0 ? 8 : 0);
  }

  private Entry entry(int id) {
    long a = addr(id);
    return entryAt(pages[page(a)], offset(a));
  }

  private static Entry entryAt(byte[] page, int off) {
    int lengths = (int) INT.get(page, off + 8);
    int valueLength = lengths & ~DEADLINE_FLAG;
    int v = off + HEADER + (int) INT.get(page, off + 4);
    Data value = BinaryCodec.decode(page, v, valueLength);
    return new Entry(value, lengths < 0 ? (long) LONG.get(page, v + valueLength) : NO_DEADLINE);
  }

  /** The record of an id in the index, live or erased. */
  private long record(int id) {
    long a = addr(id);
    return a >= 0 ? a : ~a;
  }

  /** Compares the key of entry {@code id} with {@code key} as unsigned bytes. */
  private int compareKey(int id, byte[] key) {
    long a = record(id);
    byte[] page = pages[page(a)];
    int off = offset(a);
    int k = off + HEADER;
    return Arrays.compareUnsigned(page, k, k + (int) INT.get(page, off + 4), key, 0, key.length);
  }

  private int compareIds(int x, int y) {
    long a = record(x);
    long b = record(y);
    byte[] pa = pages[page(a)];
    byte[] pb = pages[page(b)];
    int ka = offset(a) + HEADER;
    int kb = offset(b) + HEADER;
    return Arrays.compareUnsigned(pa, ka, ka + (int) INT.get(pa, ka - 8), pb, kb, kb + (int) INT.get(pb, kb - 8));
  }

  /** Room for a record of {@code bytes} bytes: its page (high half) and offset (low half). */
  private long allocate(int bytes) {
    if (bytes > BIG_RECORD) {
      int p = newPage(bytes);
      pageSingle[p] = true;
      pageUsed[p] = bytes;
      return (long) p << 32;
    }
    if (current < 0 || pageUsed[current] + bytes > pages[current].length) {
      if (current >= 0) {
        int retired = current;
        current = -1;
        considerCompaction(retired);
      }
      current = newPage(Math.max(nextPageSize, bytes));
      nextPageSize = Math.min(MAX_PAGE, nextPageSize * 2);
    }
    int off = pageUsed[current];
    pageUsed[current] = off + bytes;
    return ((long) current << 32) | off;
  }

  private int newPage(int bytes) {
    int p;
    if (freePageCount > 0) {
      p = freePages[--freePageCount];
    } else {
      p = pageSlots++;
      if (p == pages.length) {
        int n = p * 2;
        pages = Arrays.copyOf(pages, n);
        pageUsed = Arrays.copyOf(pageUsed, n);
        pageDead = Arrays.copyOf(pageDead, n);
        pageSingle = Arrays.copyOf(pageSingle, n);
      }
    }
    pages[p] = new byte[bytes];
    pageUsed[p] = 0;
    pageDead[p] = 0;
    pageSingle[p] = false;
    pageBytes += bytes;
    return p;
  }

  private void dropPage(int p) {
    pageBytes -= pages[p].length;
    pages[p] = null;
    if (freePageCount == freePages.length) {
      freePages = Arrays.copyOf(freePages, freePageCount * 2);
    }
    freePages[freePageCount++] = p;
  }

  /** The record of {@code bytes} bytes at {@code a} is dead (its id no longer points at it). */
  private void died(long a, int bytes) {
    int p = page(a);
    if (pageSingle[p]) {
      dropPage(p);
      return;
    }
    pageDead[p] += bytes;
    if (p != current) {
      considerCompaction(p);
    }
  }

  private void considerCompaction(int p) {
    int length = pages[p].length;
    if (pageDead[p] + length - pageUsed[p] < length / 2) {
      return;
    }
    for (int i = 0; i < toCompactCount; i++) {
      if (toCompact[i] == p) {
        return;
      }
    }
    if (toCompactCount == toCompact.length) {
      toCompact = Arrays.copyOf(toCompact, toCompactCount * 2);
    }
    toCompact[toCompactCount++] = p;
  }

  /**
   * Compacts the pages found worth it: moves their live records to the current page and drops
   * them. Runs once a write is complete, never while a record is being written.
   */
  private void compactPending() {
    while (toCompactCount > 0) {
      int p = toCompact[--toCompactCount];
      if (p == current || pages[p] == null) {
        continue; // the current page is considered again when it is retired
      }
      byte[] page = pages[p];
      int end = pageUsed[p];
      if (pageDead[p] < end) { // live records to move
        for (int off = 0; off < end; ) {
          int bytes = recordSize(page, off);
          int id = (int) INT.get(page, off);
          long here = ((long) p << 32) | off;
          long a = addr(id);
          if (a == here || a == ~here) { // live, or erased and still needed by the index
            long to = allocate(bytes);
            System.arraycopy(page, off, pages[page(to)], offset(to), bytes);
            setAddr(id, a == here ? to : ~to);
          }
          off += bytes;
        }
      }
      dropPage(p);
    }
  }

  // ---- ids and the ordered index -------------------------------------------------------------

  private int newId() {
    if (freeIdCount > 0) {
      return freeIds[--freeIdCount];
    }
    int id = idLimit++;
    int chunk = id / CHUNK;
    if (chunk == addr.length) {
      addr = Arrays.copyOf(addr, chunk * 2);
    }
    if (addr[chunk] == null) {
      addr[chunk] = new long[CHUNK];
    } else if (chunk == 0 && id == addr[0].length) { // the first chunk grows up to CHUNK
      addr[0] = Arrays.copyOf(addr[0], Math.min(CHUNK, id * 2));
    }
    return id;
  }

  private void index(int id) {
    if (addedLength == added.length) {
      added = Arrays.copyOf(added, Math.max(16, addedLength * 2));
    }
    added[addedLength++] = id;
  }

  /** The id is out of the index (or there is none): its record dies and the id can be reused. */
  private void release(int id, long a) {
    setAddr(id, FREE);
    died(a, recordSize(pages[page(a)], offset(a)));
    if (freeIdCount == freeIds.length) {
      freeIds = Arrays.copyOf(freeIds, freeIdCount * 2);
    }
    freeIds[freeIdCount++] = id;
  }

  private void releaseErased() {
    for (int e = 0; e < erasedCount; e++) {
      int id = erasedIds[e];
      release(id, ~addr(id));
    }
    erasedCount = 0;
    if (erasedIds.length > 4 * MIN_STALE) {
      erasedIds = new int[16];
    }
  }

  private void dropIndex() {
    releaseErased();
    dropIndexArrays();
  }

  /** Sorts every live id into a new index. */
  private void buildIndex() {
    int[] ids = new int[size];
    int n = 0;
    for (int id = 0; id < idLimit; id++) {
      if (addr(id) >= 0) {
        ids[n++] = id;
      }
    }
    long[] prefixes = prefixes(ids, n);
    sortIds(ids, prefixes, n);
    sorted = ids;
    sortedPrefix = prefixes;
    sortedLength = n;
    added = new int[16];
    addedLength = 0;
    indexed = true;
  }

  /**
   * Sorts the added ids into the index and drops the erased ones, whose records then die and whose
   * ids become reusable.
   */
  private void merge() {
    int m = 0;
    for (int x = 0; x < addedLength; x++) { // added and erased since: not to be indexed
      if (addr(added[x]) >= 0) {
        added[m++] = added[x];
      }
    }
    long[] addedPrefix = prefixes(added, m);
    sortIds(added, addedPrefix, m);
    int[] out = new int[size];
    long[] outPrefix = new long[size];
    int n = 0;
    int i = 0;
    int j = 0;
    while (i < sortedLength || j < m) {
      if (i < sortedLength && addr(sorted[i]) < 0) {
        i++; // erased
      } else if (j == m || (i < sortedLength && compare(sortedPrefix[i], sorted[i], addedPrefix[j], added[j]) <= 0)) {
        outPrefix[n] = sortedPrefix[i];
        out[n++] = sorted[i++];
      } else {
        outPrefix[n] = addedPrefix[j];
        out[n++] = added[j++];
      }
    }
    sorted = out;
    sortedPrefix = outPrefix;
    sortedLength = n;
    addedLength = 0;
    if (added.length > 4 * MIN_STALE && added.length > 2 * m) {
      added = new int[16];
    }
    releaseErased();
    compactPending();
  }

  /** The first 8 bytes of {@code key[off, off + length)}, big-endian, zero-padded. */
  private static long prefix(byte[] key, int off, int length) {
    if (length >= 8) {
      return (long) LONG_BE.get(key, off);
    }
    long p = 0;
    for (int i = 0; i < 8; i++) {
      p = (p << 8) | (i < length ? key[off + i] & 0xFF : 0);
    }
    return p;
  }

  private long[] prefixes(int[] ids, int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      long a = record(ids[i]);
      byte[] page = pages[page(a)];
      int off = offset(a);
      out[i] = prefix(page, off + HEADER, (int) INT.get(page, off + 4));
    }
    return out;
  }

  /**
   * Orders two ids by key given their prefixes: unequal prefixes decide (a key's prefix orders as
   * the key does, up to ties), equal ones need the whole keys.
   */
  private int compare(long prefixX, int x, long prefixY, int y) {
    int c = Long.compareUnsigned(prefixX, prefixY);
    return c != 0 ? c : compareIds(x, y);
  }

  /**
   * Sorts {@code ids[0, n)} by key, with their {@code prefixes} alongside (keys are distinct):
   * insertion-sorted runs, then merges.
   */
  private void sortIds(int[] ids, long[] prefixes, int n) {
    final int run = 16;
    for (int lo = 0; lo < n; lo += run) {
      int hi = Math.min(lo + run, n);
      for (int x = lo + 1; x < hi; x++) {
        int id = ids[x];
        long p = prefixes[x];
        int y = x - 1;
        while (y >= lo && compare(prefixes[y], ids[y], p, id) > 0) {
          ids[y + 1] = ids[y];
          prefixes[y + 1] = prefixes[y];
          y--;
        }
        ids[y + 1] = id;
        prefixes[y + 1] = p;
      }
    }
    if (n <= run) {
      return;
    }
    int[] scratch = new int[n];
    long[] scratchPrefix = new long[n];
    for (int width = run; width < n; width *= 2) {
      for (int lo = 0; lo < n - width; lo += 2 * width) {
        int mid = lo + width;
        int hi = Math.min(lo + 2 * width, n);
        if (compare(prefixes[mid - 1], ids[mid - 1], prefixes[mid], ids[mid]) <= 0) {
          continue; // already in order
        }
        System.arraycopy(ids, lo, scratch, lo, hi - lo);
        System.arraycopy(prefixes, lo, scratchPrefix, lo, hi - lo);
        int a = lo;
        int b = mid;
        int o = lo;
        while (a < mid && b < hi) {
          if (compare(scratchPrefix[a], scratch[a], scratchPrefix[b], scratch[b]) <= 0) {
            prefixes[o] = scratchPrefix[a];
            ids[o++] = scratch[a++];
          } else {
            prefixes[o] = scratchPrefix[b];
            ids[o++] = scratch[b++];
          }
        }
        for (; a < mid; a++, o++) {
          prefixes[o] = scratchPrefix[a];
          ids[o] = scratch[a];
        }
        for (; b < hi; b++, o++) {
          prefixes[o] = scratchPrefix[b];
          ids[o] = scratch[b];
        }
      }
    }
  }

  // ---- the id map ---------------------------------------------------------------------------

  private long addr(int id) {
    return addr[id / CHUNK][id % CHUNK];
  }

  private void setAddr(int id, long a) {
    addr[id / CHUNK][id % CHUNK] = a;
  }

  // ---- hash table ----------------------------------------------------------------------------
  //
  // A slot is named by its segment (high bits) and its index in the segment (low SLOT_BITS).

  /**
   * Most entries segment {@code seg} of {@code capacity} slots holds before it doubles: between
   * 512/1024 and 703/1024 of its slots, rising with the segment number so that the segments,
   * which fill at the same pace, double one after another rather than all at once.
   */
  static int limit(int seg, int capacity) {
    return (int) ((long) capacity * (512 + ((192 * seg) >>> SEGMENT_BITS)) >>> 10);
  }

  private static int segmentCapacity(int seg, int entries) {
    int capacity = 8;
    while (limit(seg, capacity) < entries) {
      capacity *= 2;
    }
    return capacity;
  }

  /** The key hash mixed (Fibonacci hashing: the key hashes are polynomial, not mixed). */
  private static long mix(int hash) {
    return hash * 0x9E37_79B9_7F4A_7C15L;
  }

  /** The home slot of a mixed hash in a segment of {@code length} slots: the bits below the segment's. */
  private static int home(long mixed, int length) {
    return (int) ((mixed << SEGMENT_BITS) >>> (64 - Integer.numberOfTrailingZeros(length)));
  }

  private int idAt(int slot) {
    int seg = slot >>> SLOT_BITS;
    return (int) segments[seg][segmentBase[seg] + (slot & SLOT_MASK)] - 1;
  }

  /**
   * Reads the home slot of the key of hash {@code keyHash}: at millions of keys that slot is a
   * cache (and TLB) miss, and misses of independent reads overlap, so a run of keys prefetched
   * one after another before they are applied waits for memory about once instead of once per
   * key. The read goes to a field so that the compiler cannot drop it.
   */
  @Override
  public void prefetch(int keyHash) {
    long mixed = mix(keyHash);
    int seg = (int) (mixed >>> (64 - SEGMENT_BITS));
    int capacity = segmentCapacity[seg];
    if (capacity != 0) {
      prefetched += segments[seg][segmentBase[seg] + home(mixed, capacity)];
    }
  }

  /** The slot of {@code key}, or {@code -1 - s} where {@code s} is the empty slot it would take. */
  private int find(Key key) {
    int hash = key.hashCode();
    byte[] k = key.encoded();
    long mixed = mix(hash);
    int seg = (int) (mixed >>> (64 - SEGMENT_BITS));
    int capacity = segmentCapacity[seg];
    if (capacity == 0) {
      return -1 - (seg << SLOT_BITS); // UNUSED; insert picks the slot in the array it allocates
    }
    long[] table = segments[seg];
    int base = segmentBase[seg];
    int mask = capacity - 1;
    for (int i = home(mixed, capacity); ; i = (i + 1) & mask) {
      long e = table[base + i];
      if (e == 0) {
        return -1 - (seg << SLOT_BITS | i);
      }
      if ((int) (e >>> 32) == hash && compareKey((int) e - 1, k) == 0) {
        return seg << SLOT_BITS | i;
      }
    }
  }

  /** Puts entry {@code id} of key hash {@code hash} in the empty {@code slot} found by {@link #find}. */
  private void insert(int slot, int hash, int id) {
    int seg = slot >>> SLOT_BITS;
    int i = slot & SLOT_MASK;
    if (segmentCapacity[seg] == 0) {
      segments[seg] = new long[8];
      segmentCapacity[seg] = 8;
      i = home(mix(hash), 8);
    }
    segments[seg][segmentBase[seg] + i] = ((long) hash << 32) | (id + 1L);
    int length = segmentCapacity[seg];
    if (++segmentSize[seg] > limit(seg, length)) {
      if (length == 1 << SLOT_BITS) {
        throw new BrokerException(ErrorCode.BACKEND_FAILURE, "memory backend is full: " + size + " entries");
      }
      rehash(seg, length * 2);
      doublings++;
    }
  }

  /** Empties {@code slot}, shifting back the entries after it that would otherwise be lost. */
  private void removeSlot(int slot) {
    int seg = slot >>> SLOT_BITS;
    long[] table = segments[seg];
    int base = segmentBase[seg];
    int capacity = segmentCapacity[seg];
    int mask = capacity - 1;
    int hole = slot & SLOT_MASK;
    for (int j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      long e = table[base + j];
      if (e == 0) {
        break;
      }
      int h = home(mix((int) (e >>> 32)), capacity);
      // the entry at j stays unless its home lies cyclically outside (hole, j]
      boolean stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (!stays) {
        table[base + hole] = e;
        hole = j;
      }
    }
    table[base + hole] = 0;
    segmentSize[seg]--;
  }

  /** Moves segment {@code seg} to new slots, {@code capacity} of them, from a slab if it can. */
  private void rehash(int seg, int capacity) {
    long[] old = segments[seg];
    int oldBase = segmentBase[seg];
    int oldCapacity = segmentCapacity[seg];
    int oldSlab = segmentSlab[seg];
    int log = Integer.numberOfTrailingZeros(capacity);
    long[] table;
    int base;
    int slab;
    if (LongSlabs.serves(log)) {
      long block = slabs.allocate(log);
      slab = (int) (block >>> 32);
      base = (int) block;
      table = slabs.array(slab);
    } else {
      table = new long[capacity];
      base = 0;
      slab = -1;
    }
    int mask = capacity - 1;
    for (int j = oldBase; j < oldBase + oldCapacity; j++) {
      long e = old[j];
      if (e != 0) {
        int i = home(mix((int) (e >>> 32)), capacity);
        while (table[base + i] != 0) {
          i = (i + 1) & mask;
        }
        table[base + i] = e;
      }
    }
    segments[seg] = table;
    segmentBase[seg] = base;
    segmentCapacity[seg] = capacity;
    segmentSlab[seg] = slab;
    if (oldSlab >= 0) {
      slabs.release((long) oldSlab << 32 | oldBase, Integer.numberOfTrailingZeros(oldCapacity));
    }
  }

  // ---- for tests -----------------------------------------------------------------------------

  /** How many times a write has doubled a segment of the hash table. */
  long segmentDoublings() {
    return doublings;
  }

  /** Segments whose slots are in a slab, and the slabs held, as {@code {segments, slabs}}. */
  int[] slabUse() {
    int inSlabs = 0;
    for (int slab : segmentSlab) {
      if (slab >= 0) {
        inSlabs++;
      }
    }
    return new int[] {inSlabs, slabs.slabs()};
  }

  /** Slots of segment {@code seg}. */
  int capacityOf(int seg) {
    return segmentCapacity[seg];
  }

  /** Bytes of record pages held (live records, dead ones and unused tails). */
  long pageBytes() {
    return pageBytes;
  }

  /** Bytes of the records kept: live entries, and erased entries the index still holds. */
  long keptBytes() {
    long kept = 0;
    for (int id = 0; id < idLimit; id++) {
      if (addr(id) != FREE) {
        long a = record(id);
        kept += recordSize(pages[page(a)], offset(a));
      }
    }
    return kept;
  }
}
