package io.jbroker.store.rocksdb;

import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.Backend;
import io.jbroker.store.Durability;
import io.jbroker.store.Key;
import io.jbroker.store.internal.EntryCache;
import io.jbroker.store.internal.MetaNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.Env;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.SstFileManager;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Backend} in a RocksDB database (rocksdbjni): the persistent backend for large stores
 * and high write rates. Open it with {@link #open(RocksDbConfig)} or as backend type {@code
 * rocksdb} (options in {@link RocksDbConfig}).
 *
 * <h2>On disk</h2>
 *
 * <ul>
 *   <li>Column family {@value #ENTRIES}: one RocksDB entry per store entry. The RocksDB key is
 *       {@link Key#encoded()}, the canonical Broker encoding of the key; RocksDB's default
 *       bytewise comparator orders it as unsigned bytes, which is {@link Key}'s order. The
 *       RocksDB value is a {@link ValueRecord}: a version byte, the 8-byte big-endian deadline
 *       and the Broker binary encoding of the value.
 *   <li>Column family {@code default}: metadata; the key {@value #FORMAT_KEY} holds the
 *       on-disk format version ({@value #FORMAT}) and marks the directory as a jbroker store. A
 *       RocksDB database without it (and with data) is refused rather than misread. {@link
 *       #putMeta} values live here under {@value #META_PREFIX}{@code <name>}, written through the
 *       same write-ahead log as the entries, so one {@link #sync()} makes both durable in order.
 * </ul>
 *
 * <h2>Writes and durability (group commit)</h2>
 *
 * Puts, erases and {@link #putMeta} values are buffered in Java — {@code pending} maps each key
 * written since the last batch write to its newest record (or {@code ERASED}), {@code
 * pendingMeta} each metadata name to its newest value — and given to RocksDB as one {@link
 * WriteBatch}: at {@link #sync()}, before a scan, and whenever {@value #MAX_BATCH} keys or
 * {@value #MAX_BATCH_BYTES} bytes are buffered. Point reads (and {@link #getMeta}) look in the
 * buffer first, and {@link #metaNames} lays the buffer over the database, so every write is
 * visible to every later read at once. The batch is built in
 * key order with one record per key: RocksDB passes once through its write path (write-thread
 * queue, log record) for all the writes instead of once per write, a key overwritten several
 * times in one commit reaches the memtable once, and memtable inserts in key order search less of
 * the skip list than random ones (about 10% of an overwrite's cost). The batch is serialized in
 * Java ({@link BatchEncoder}) and crosses JNI once, instead of once per record.
 *
 * <p>The database runs with {@code manual_wal_flush}: a batch write goes into the memtable and
 * into the write-ahead log's in-process buffer, with no system call. {@link #sync()} is the
 * group-commit point: it writes the batch, then the buffered log to the operating system
 * (relaxed: the writes now survive a kill -9 of the process) and, when durable, fsyncs it once
 * for every write since the previous sync. A batch write that fails keeps {@code pending} and
 * {@code pendingMeta} as they were (the writes stay visible, and the failure is reported by the
 * sync, so the store core acknowledges none of them); the next sync retries it, and a write that finds the
 * batch full and cannot write it fails before it changes anything. {@link #clear()} drops and
 * recreates the entries column family, which takes constant time whatever the size and is
 * recorded in the (synced) MANIFEST at once.
 *
 * <p>The entries column family runs with {@code inplace_update_support}: an overwrite whose new
 * record is no longer than the old one replaces it in the memtable instead of adding a version,
 * so a memtable under an overwrite-heavy load holds about one version per key, and lookups and
 * inserts search a smaller skip list (about 30% less CPU per overwrite here). Its price is that
 * an iterator may see a value changed after it was created, which cannot happen here: the one
 * owner thread never writes while it iterates. Writes are issued with {@code no_slowdown}; a
 * write RocksDB would stall is retried by the backend with a bound (see {@code afterStall}),
 * because RocksDB's own wait never ends on a full disk.
 *
 * <h2>Read cache</h2>
 *
 * The most recently read or written entries ({@code cache_entries}, default 100,000, see {@link
 * RocksDbConfig}) are kept decoded in a bounded map with CLOCK eviction ({@link EntryCache}), which saves the
 * JNI call, the memtable or block search and the decoding of a repeated read, and lets a put of
 * a cached key skip the presence check that keeps the entry count exact (a third of a relaxed
 * overwrite's cost). It is coherent because every write goes through this backend on its one
 * owner thread: a put caches what it wrote, an erase removes the key, a clear empties the cache.
 * RocksDB's own block cache serves the reads that miss it.
 *
 * <h2>Size</h2>
 *
 * The number of entries is kept exactly in memory: each put and erase checks whether the key
 * was present (a point lookup, served by the memtable, a bloom filter or the block cache). It is
 * established when the database is opened by the first full scan — the {@link
 * #forEachDeadline} scan of the store core, or {@link #size()} itself.
 *
 * <h2>Errors</h2>
 *
 * Every RocksDB failure is a {@link BrokerException} with {@code BACKEND_FAILURE} whose message
 * names the database path, the operation and RocksDB's reason; a record that does not decode is
 * {@code INVALID_DATA}. A background failure (disk full, I/O error) makes RocksDB refuse later
 * writes, so they fail too until the store is reopened.
 *
 * <p>Single-threaded, like every backend.
 */
public final class RocksDbBackend implements Backend {
  private static final Logger log = LoggerFactory.getLogger(RocksDbBackend.class);

  /** Name of the column family that holds the entries. */
  static final String ENTRIES = "entries";
  /** Metadata key (default column family) holding the format version. */
  static final String FORMAT_KEY = "jbroker.format";
  /** The on-disk format version this class writes and reads. */
  static final int FORMAT = 1;
  /** Prefix of the owner's metadata keys in the default column family. */
  static final String META_PREFIX = "meta.";
  /** Longest wait for a stalled write (see {@link #afterStall}). */
  static final int MAX_STALL_SECONDS = 30;
  /** Below this much free space (or two write buffers) a write stalled for a second fails. */
  static final long MIN_FREE_SPACE = 4L << 20;
  private static final long FULL_DISK_STALL_NANOS = 1_000_000_000L;

  private static final byte[] ENTRIES_NAME = ENTRIES.getBytes(StandardCharsets.UTF_8);
  private static final byte[] FORMAT_KEY_BYTES = FORMAT_KEY.getBytes(StandardCharsets.UTF_8);
  private static final byte[] META_PREFIX_BYTES = META_PREFIX.getBytes(StandardCharsets.UTF_8);
  private static final byte[] NO_BYTES = new byte[0];
  /** Keys (and metadata names) buffered before the batch is written without waiting for a sync. */
  static final int MAX_BATCH = 8192;
  /** Bytes (keys and records) buffered before the batch is written without a sync. */
  static final int MAX_BATCH_BYTES = 4 << 20;

  /** A buffered write: the entry (for reads) and its encoded record, or {@link #ERASED}. */
  private record Buffered(Entry entry, byte[] record) {}

  /** The {@code pending} value of a buffered erase (compared by identity). */
  private static final Buffered ERASED = new Buffered(null, null);
  /** Reused read buffer size; larger records are read into their own array. */
  private static final int BUFFER_SIZE = 8192;

  private final RocksDbConfig config;
  private final String where;
  /** Native objects to close after the database, in reverse order of creation. */
  private final Deque<AutoCloseable> resources;
  private final RocksDB db;
  private final ColumnFamilyOptions entriesOptions;
  private final ColumnFamilyHandle defaultFamily;
  private ColumnFamilyHandle entries;
  private final WriteOptions writeOptions;
  private final ReadOptions pointReads;
  private final ReadOptions scans;
  private final byte[] buffer = new byte[BUFFER_SIZE];
  private final EntryCache cache;
  /** Builds the serialized batch that hands the buffered writes to RocksDB (see the class comment). */
  private final BatchEncoder encoder = new BatchEncoder();
  /** Every key written since the last batch write → its newest write. */
  private final HashMap<Key, Buffered> pending = new HashMap<>();
  /** Every metadata name written since the last batch write → its newest value (null: deleted). */
  private final HashMap<String, byte[]> pendingMeta = new HashMap<>();
  /** Bytes of keys and records buffered (an upper bound: overwritten ones are counted too). */
  private int batchBytes;
  private long count;
  private boolean countKnown;
  /** No call is accepted any more. */
  private boolean closed;
  /** The native objects are freed. */
  private boolean released;

  private RocksDbBackend(RocksDbConfig config, String where, Deque<AutoCloseable> resources, RocksDB db,
      ColumnFamilyOptions entriesOptions, ColumnFamilyHandle defaultFamily, ColumnFamilyHandle entries,
      WriteOptions writeOptions, ReadOptions pointReads, ReadOptions scans) {
    this.config = config;
    this.where = where;
    this.resources = resources;
    this.db = db;
    this.entriesOptions = entriesOptions;
    this.defaultFamily = defaultFamily;
    this.entries = entries;
    this.writeOptions = writeOptions;
    this.pointReads = pointReads;
    this.scans = scans;
    this.cache = new EntryCache(config.cacheEntries());
  }

  /**
   * Opens (creating if needed) the database of {@code config}.
   *
   * @throws BrokerException {@code BACKEND_FAILURE} with the path and the reason if the directory
   *     cannot be created, is locked by another open instance, is corrupt or is not a jbroker
   *     store
   */
  public static RocksDbBackend open(RocksDbConfig config) {
    Objects.requireNonNull(config, "config");
    Path path = config.path().toAbsolutePath().normalize();
    String where = "rocksdb backend at " + path;
    try {
      Files.createDirectories(path);
    } catch (FileAlreadyExistsException e) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE,
          where + ": cannot create the directory: " + e.getFile() + " exists and is not a directory", e);
    } catch (IOException | SecurityException e) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, where + ": cannot create the directory: " + reason(e), e);
    }
    try {
      RocksDB.loadLibrary();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, where + ": cannot load the RocksDB native library: " + e, e);
    }
    boolean existed = Files.exists(path.resolve("CURRENT"));
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    List<ColumnFamilyHandle> handles = new ArrayList<>(2);
    RocksDB db = null;
    try {
      BlockBasedTableConfig table = new BlockBasedTableConfig()
          .setFilterPolicy(keep(resources, new BloomFilter(10, false)))
          .setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash)
          .setBlockSize(8 << 10);
      if (config.blockCacheSize() > 0) {
        table.setBlockCache(keep(resources, new LRUCache(config.blockCacheSize())));
      } else {
        table.setNoBlockCache(true);
      }
      ColumnFamilyOptions cfOptions = keep(resources, new ColumnFamilyOptions())
          .setTableFormatConfig(table)
          .setCompressionType(compression(config.compression()))
          .setWriteBufferSize(config.writeBufferSize())
          .setLevelCompactionDynamicLevelBytes(true)
          .setInplaceUpdateSupport(true);
      ColumnFamilyOptions metaOptions = keep(resources, new ColumnFamilyOptions());
      DBOptions dbOptions = keep(resources, new DBOptions())
          .setCreateIfMissing(true)
          .setCreateMissingColumnFamilies(true)
          .setManualWalFlush(true)
          .setAllowConcurrentMemtableWrite(false)
          .setMaxBackgroundJobs(2)
          .setBytesPerSync(1 << 20)
          .setKeepLogFileNum(4)
          .setMaxLogFileSize(8 << 20);
      if (config.maxDiskUsage() > 0) {
        SstFileManager files;
        try {
          files = keep(resources, new SstFileManager(Env.getDefault()));
        } catch (RocksDBException e) {
          throw failure(where, "cannot set up the disk usage limit", e);
        }
        files.setMaxAllowedSpaceUsage(config.maxDiskUsage());
        dbOptions.setSstFileManager(files);
      }
      // no_slowdown: a write RocksDB would stall fails with Incomplete and is retried by
      // afterStall, which (unlike RocksDB's own wait) gives up on a full disk.
      WriteOptions writeOptions = keep(resources, new WriteOptions()).setNoSlowdown(true);
      ReadOptions pointReads = keep(resources, new ReadOptions());
      ReadOptions scans = keep(resources, new ReadOptions());
      List<ColumnFamilyDescriptor> families = List.of(
          new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, metaOptions),
          new ColumnFamilyDescriptor(ENTRIES_NAME, cfOptions));
      try {
        db = RocksDB.open(dbOptions, path.toString(), families, handles);
      } catch (RocksDBException e) {
        throw failure(where, "cannot open the database", e);
      }
      RocksDbBackend backend = new RocksDbBackend(config, where, resources, db, cfOptions,
          handles.get(0), handles.get(1), writeOptions, pointReads, scans);
      backend.checkFormat(existed);
      return backend;
    } catch (RuntimeException e) {
      for (ColumnFamilyHandle h : handles) {
        h.close();
      }
      if (db != null) {
        try {
          db.closeE();
        } catch (RocksDBException ce) {
          e.addSuppressed(ce);
        }
      }
      closeAll(resources, e);
      throw e instanceof BrokerException ? e
          : new BrokerException(ErrorCode.BACKEND_FAILURE, where + ": cannot open the database: " + e, e);
    }
  }

  /** Writes the format marker of a new database, or checks that of an existing one. */
  private void checkFormat(boolean existed) {
    byte[] marker;
    try {
      marker = db.get(defaultFamily, FORMAT_KEY_BYTES);
    } catch (RocksDBException e) {
      throw failure(where, "cannot read the format marker", e);
    }
    if (marker != null) {
      String text = new String(marker, StandardCharsets.UTF_8);
      if (!text.equals(Integer.toString(FORMAT))) {
        throw new BrokerException(ErrorCode.BACKEND_FAILURE, where + ": the database has format version \""
            + text + "\"; this jbroker reads version " + FORMAT);
      }
      return;
    }
    // No marker: a new database, or one that crashed between its creation and the marker write.
    if (existed && (!isEmpty(defaultFamily) || !isEmpty(entries))) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, where
          + ": the directory holds a RocksDB database that is not a jbroker store (no \"" + FORMAT_KEY + "\" marker)");
    }
    try (WriteOptions synced = new WriteOptions().setSync(true)) {
      db.put(defaultFamily, synced, FORMAT_KEY_BYTES, Integer.toString(FORMAT).getBytes(StandardCharsets.UTF_8));
      db.flushWal(true);
    } catch (RocksDBException e) {
      throw failure(where, "cannot write the format marker", e);
    }
    count = 0;
    countKnown = true;
  }

  private boolean isEmpty(ColumnFamilyHandle family) {
    writeBatch();
    try (RocksIterator it = db.newIterator(family, scans)) {
      it.seekToFirst();
      boolean empty = !it.isValid();
      it.status();
      return empty;
    } catch (RocksDBException e) {
      throw failure(where, "cannot read the database", e);
    }
  }

  /** The configuration this backend was opened with. */
  public RocksDbConfig config() {
    return config;
  }

  /** The database directory. */
  public Path path() {
    return config.path();
  }

  // ---- reads ---------------------------------------------------------------------------------

  @Override
  public Entry get(Key key) {
    checkOpen();
    Entry cached = cache.get(key);
    if (cached != null) {
      return cached;
    }
    Buffered buffered = pending.get(key);
    if (buffered != null) {
      return buffered.entry;
    }
    byte[] k = key.encoded();
    try {
      byte[] buf = buffer;
      int n = db.get(entries, pointReads, k, buf);
      if (n == RocksDB.NOT_FOUND) {
        return null;
      }
      if (n > buf.length) {
        buf = db.get(entries, pointReads, k);
        if (buf == null) {
          return null;
        }
        n = buf.length;
      }
      long deadline = ValueRecord.deadline(buf, n, where, key);
      Entry e = new Entry(ValueRecord.value(buf, n, where, key), deadline);
      cache.put(key, e, n - ValueRecord.HEADER);
      return e;
    } catch (RocksDBException e) {
      throw failure(where, "get of key " + describe(key) + " failed", e);
    }
  }

  @Override
  public boolean exists(Key key) {
    checkOpen();
    if (cache.get(key) != null) {
      return true;
    }
    return present(key, "exists");
  }

  /**
   * Whether the key is present, without copying its value (one point lookup). {@code op} names
   * the operation in a failure ("put"); the message is only built on failure.
   */
  private boolean present(Key key, String op) {
    Buffered buffered = pending.get(key);
    if (buffered != null) {
      return buffered != ERASED;
    }
    try {
      return db.get(entries, pointReads, key.encoded(), NO_BYTES) != RocksDB.NOT_FOUND;
    } catch (RocksDBException e) {
      throw failure(where, op + " of key " + describe(key) + " failed", e);
    }
  }

  @Override
  public long size() {
    checkOpen();
    if (!countKnown) {
      writeBatch();
      long n = 0;
      try (RocksIterator it = db.newIterator(entries, scans)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          n++;
        }
        it.status();
      } catch (RocksDBException e) {
        throw failure(where, "counting the entries failed", e);
      }
      count = n;
      countKnown = true;
    }
    return count;
  }

  @Override
  public int scan(Key after, int limit, EntryVisitor visitor) {
    checkOpen();
    if (limit <= 0) {
      return 0;
    }
    writeBatch();
    int n = 0;
    byte[] buf = buffer;
    try (RocksIterator it = db.newIterator(entries, scans)) {
      if (after == null) {
        it.seekToFirst();
      } else {
        it.seek(successor(after.encoded())); // the least key strictly after the cursor
      }
      for (; n < limit && it.isValid(); it.next()) {
        Key key = Key.ofEncoded(it.key());
        int len = it.value(buf);
        byte[] rec = len <= buf.length ? buf : it.value();
        long deadline = ValueRecord.deadline(rec, len, where, key);
        visitor.visit(key, ValueRecord.value(rec, len, where, key), deadline);
        n++;
      }
      it.status();
    } catch (RocksDBException e) {
      throw failure(where, "scan failed", e);
    }
    if (after == null && limit == Integer.MAX_VALUE) {
      count = n; // a full scan counts exactly (the visitor cannot write)
      countKnown = true;
    }
    return n;
  }

  /**
   * Reads only the {@value ValueRecord#HEADER}-byte header of each record, and the value of those
   * with a deadline. Also establishes the exact entry count.
   */
  @Override
  public void forEachDeadline(EntryVisitor visitor) {
    checkOpen();
    writeBatch();
    long n = 0;
    byte[] buf = buffer;
    try (RocksIterator it = db.newIterator(entries, scans)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        n++;
        int len = it.value(buf, 0, ValueRecord.HEADER);
        if (len < ValueRecord.HEADER || buf[0] != ValueRecord.VERSION) {
          ValueRecord.deadline(buf, len, where, Key.ofEncoded(it.key())); // throws, naming the key
        }
        long deadline = ValueRecord.readLong(buf, 1);
        if (deadline == NO_DEADLINE) {
          continue;
        }
        Key key = Key.ofEncoded(it.key());
        byte[] rec;
        if (len <= buf.length) {
          it.value(buf);
          rec = buf;
        } else {
          rec = it.value();
        }
        visitor.visit(key, ValueRecord.value(rec, len, where, key), deadline);
      }
      it.status();
    } catch (RocksDBException e) {
      throw failure(where, "scan for deadlines failed", e);
    }
    count = n;
    countKnown = true;
  }

  // ---- writes --------------------------------------------------------------------------------

  @Override
  public void put(Key key, Data value, long deadline) {
    checkOpen();
    byte[] record = ValueRecord.encode(value, deadline);
    // A cached key exists: no presence check (a RocksDB lookup through JNI) to keep the count.
    write(key, record, value, deadline, cache.get(key) != null || present(key, "put"));
  }

  /** One lookup that copies the old record (instead of a get and a presence check), then the write. */
  @Override
  public Entry getAndPut(Key key, Data value, long deadline) {
    Entry old = get(key);
    byte[] record = ValueRecord.encode(value, deadline);
    write(key, record, value, deadline, old != null);
    return old;
  }

  private void write(Key key, byte[] record, Data value, long deadline, boolean existed) {
    int bytes = key.encoded().length + record.length;
    makeRoom(bytes, () -> "put of key " + describe(key));
    batchBytes += bytes;
    pending.put(key, new Buffered(new Entry(value, deadline), record));
    cache.write(key, value, deadline, record.length - ValueRecord.HEADER);
    if (!existed) {
      count++;
    }
  }

  /**
   * Writes the batch first if adding {@code bytes} would overfill it, so that a write the
   * database refuses fails before it is buffered.
   */
  private void makeRoom(int bytes, java.util.function.Supplier<String> what) {
    if (pending.size() + pendingMeta.size() >= MAX_BATCH || batchBytes + bytes > MAX_BATCH_BYTES) {
      try {
        writeBatch();
      } catch (BrokerException e) {
        throw new BrokerException(e.code(), what.get() + " failed: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Gives the buffered writes to RocksDB as one atomic write, entries in key order; on failure
   * they stay buffered (and visible) for the next attempt.
   */
  private void writeBatch() {
    int n = pending.size() + pendingMeta.size();
    if (n == 0) {
      return;
    }
    byte[] rep = encodeBatch();
    try {
      writeRep(rep);
    } catch (RocksDBException e) {
      if (!isStall(e)) {
        throw failure(where, "write of " + n + " buffered change(s) failed", e);
      }
      afterStall(() -> writeRep(rep), () -> "write of " + n + " buffered change(s)");
    }
    pending.clear();
    pendingMeta.clear();
    batchBytes = 0;
  }

  /** One write of a serialized batch: the records cross JNI together (see {@link BatchEncoder}). */
  private void writeRep(byte[] rep) throws RocksDBException {
    try (WriteBatch batch = new WriteBatch(rep)) {
      db.write(writeOptions, batch);
    }
  }

  /** The buffered writes as a serialized write batch: metadata first, then entries in key order. */
  private byte[] encodeBatch() {
    BatchEncoder enc = encoder;
    enc.reset();
    int defaultId = defaultFamily.getID();
    for (var m : pendingMeta.entrySet()) {
      byte[] k = metaKey(m.getKey());
      if (m.getValue() == null) {
        enc.delete(defaultId, k);
      } else {
        enc.put(defaultId, k, m.getValue());
      }
    }
    int entriesId = entries.getID();
    Key[] keys = pending.keySet().toArray(new Key[0]);
    java.util.Arrays.sort(keys); // Key order is the unsigned byte order of the RocksDB keys
    for (Key key : keys) {
      Buffered w = pending.get(key);
      if (w == ERASED) {
        enc.delete(entriesId, key.encoded());
      } else {
        enc.put(entriesId, key.encoded(), w.record);
      }
    }
    return enc.toByteArray();
  }

  @Override
  public byte[] getMeta(String name) {
    checkOpen();
    byte[] k = metaKey(name);
    if (pendingMeta.containsKey(name)) {
      byte[] buffered = pendingMeta.get(name);
      return buffered == null ? null : buffered.clone();
    }
    try {
      return db.get(defaultFamily, pointReads, k);
    } catch (RocksDBException e) {
      throw failure(where, "read of meta value '" + name + "' failed", e);
    }
  }

  @Override
  public void putMeta(String name, byte[] value) {
    checkOpen();
    int bytes = metaKey(name).length + (value == null ? 0 : value.length);
    makeRoom(bytes, () -> "write of meta value '" + name + "'");
    batchBytes += bytes;
    pendingMeta.put(name, value == null ? null : value.clone());
  }

  /**
   * The names in the database (the keys from {@value #META_PREFIX}{@code <prefix>} on), with the
   * buffered metadata writes laid over them as {@link #getMeta} sees them: a buffered value adds
   * its name, a buffered removal hides it. Writes nothing, so listing is no write point.
   */
  @Override
  public List<String> metaNames(String prefix) {
    checkOpen();
    MetaNames.checkPrefix(prefix);
    byte[] from = (META_PREFIX + MetaNames.wellFormedPart(prefix)).getBytes(StandardCharsets.UTF_8);
    int skip = META_PREFIX_BYTES.length;
    List<String> names = new ArrayList<>();
    try (RocksIterator it = db.newIterator(defaultFamily, scans)) {
      for (it.seek(from); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (!startsWith(k, from)) {
          break;
        }
        String name = new String(k, skip, k.length - skip, StandardCharsets.UTF_8);
        if (!pendingMeta.containsKey(name)) {
          names.add(name);
        }
      }
      it.status();
    } catch (RocksDBException e) {
      throw failure(where, "listing the meta values beginning with '" + prefix + "' failed", e);
    }
    for (var m : pendingMeta.entrySet()) {
      if (m.getValue() != null) {
        names.add(m.getKey());
      }
    }
    return MetaNames.sorted(names, prefix);
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  // ---- write stalls ----------------------------------------------------------------------------

  /** A native write that may be retried. */
  @FunctionalInterface
  private interface NativeWrite {
    void run() throws RocksDBException;
  }

  /** Writes are issued with {@code no_slowdown}: RocksDB answers a write it would stall with Incomplete. */
  private static boolean isStall(RocksDBException e) {
    Status s = e.getStatus();
    return s != null && s.getCode() == Status.Code.Incomplete;
  }

  /**
   * Retries a write that RocksDB stalled (its memtables are full and a flush has to make room).
   * RocksDB's own blocking wait never ends when the flush cannot succeed — on a full disk it keeps
   * waiting for space to appear (its "Cannot clear hard error" recovery loop) and the store thread
   * would hang for good — so the store thread waits here instead, with a bound: the write fails
   * with {@code BACKEND_FAILURE} once it has stalled for a second while the file system has less
   * than two memtables' worth (at least {@value #MIN_FREE_SPACE} bytes) of free space, and after
   * {@value #MAX_STALL_SECONDS} seconds in any case.
   */
  private void afterStall(NativeWrite write, java.util.function.Supplier<String> what) {
    long start = System.nanoTime();
    long pause = 20_000;
    while (true) {
      long stalled = System.nanoTime() - start;
      long free = stalled < FULL_DISK_STALL_NANOS ? Long.MAX_VALUE : usableSpace();
      if (free >= 0 && free < Math.max(MIN_FREE_SPACE, 2 * config.writeBufferSize())) {
        throw new BrokerException(ErrorCode.BACKEND_FAILURE, where + ": " + what.get()
            + " failed: No space left on device (" + free + " bytes free; RocksDB cannot flush its memtable)");
      }
      if (stalled > java.util.concurrent.TimeUnit.SECONDS.toNanos(MAX_STALL_SECONDS)) {
        throw new BrokerException(ErrorCode.BACKEND_FAILURE, where + ": " + what.get() + " failed: writes stalled for "
            + MAX_STALL_SECONDS + " s (RocksDB could not flush or compact; see the LOG file in the directory)");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, 10_000_000);
      try {
        write.run();
        return;
      } catch (RocksDBException e) {
        if (!isStall(e)) {
          throw failure(where, what.get() + " failed", e);
        }
      }
    }
  }

  /** Bytes this process may still write on the store's file system, or -1 if unknown. */
  private long usableSpace() {
    try {
      return Files.getFileStore(config.path()).getUsableSpace();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static byte[] metaKey(String name) {
    if (name == null || name.isEmpty()) {
      throw new BrokerException(ErrorCode.INVALID_DATA, "meta name must not be empty");
    }
    return (META_PREFIX + name).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public boolean erase(Key key) {
    checkOpen();
    byte[] k = key.encoded();
    if (cache.get(key) == null && !present(key, "erase")) {
      return false;
    }
    makeRoom(k.length, () -> "erase of key " + describe(key));
    batchBytes += k.length;
    pending.put(key, ERASED);
    cache.remove(key);
    count--;
    return true;
  }

  /**
   * Drops the entries column family and creates an empty one: constant time for any size, and
   * durable at once (both steps are synced MANIFEST records; a crash between them leaves no
   * entries column family, which the next open creates empty).
   */
  @Override
  public void clear() {
    checkOpen();
    writeBatch(); // metadata in it must survive; its entries are dropped with the rest
    cache.clear();
    try {
      db.dropColumnFamily(entries);
    } catch (RocksDBException e) {
      throw failure(where, "clear failed", e);
    }
    entries.close();
    entries = null;
    try {
      entries = db.createColumnFamily(new ColumnFamilyDescriptor(ENTRIES_NAME, entriesOptions));
    } catch (RocksDBException e) {
      // without its column family the backend cannot go on: refuse every later call
      closed = true;
      throw failure(where, "clear failed after dropping the entries; reopen the store", e);
    }
    count = 0;
    countKnown = true;
  }

  @Override
  public void sync() {
    checkOpen();
    writeBatch();
    try {
      db.flushWal(config.durability() == Durability.DURABLE);
    } catch (RocksDBException e) {
      throw failure(where, "sync of the write-ahead log failed", e);
    }
  }

  @Override
  public Durability durability() {
    return config.durability();
  }

  /** Syncs, closes the database and frees every native object; harmless if already closed. */
  @Override
  public void close() {
    if (released) {
      return;
    }
    BrokerException failure = null;
    if (!closed) {
      try {
        sync();
      } catch (BrokerException e) {
        failure = e;
      }
    }
    closed = true;
    released = true;
    cache.clear();
    if (entries != null) {
      entries.close();
      entries = null;
    }
    defaultFamily.close();
    try {
      db.closeE();
    } catch (RocksDBException e) {
      BrokerException f = failure(where, "close failed", e);
      if (failure == null) {
        failure = f;
      } else {
        failure.addSuppressed(f);
      }
    }
    closeAll(resources, failure);
    if (failure != null) {
      throw failure;
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private void checkOpen() {
    if (closed) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, where + ": the backend is closed");
    }
  }

  private static String describe(Key key) {
    try {
      return key.toString();
    } catch (BrokerException e) {
      return "(undecodable key)";
    }
  }

  /** The least byte string greater than {@code key}: the key followed by a zero byte. */
  private static byte[] successor(byte[] key) {
    byte[] next = new byte[key.length + 1];
    System.arraycopy(key, 0, next, 0, key.length);
    return next;
  }

  private static <T extends AutoCloseable> T keep(Deque<AutoCloseable> resources, T resource) {
    resources.push(resource);
    return resource;
  }

  private static void closeAll(Deque<AutoCloseable> resources, Throwable failure) {
    AutoCloseable r;
    while ((r = resources.poll()) != null) {
      try {
        r.close();
      } catch (Exception e) {
        if (failure != null) {
          failure.addSuppressed(e);
        } else {
          log.warn("closing a RocksDB object failed: {}", e.toString());
        }
      }
    }
  }

  private static CompressionType compression(RocksDbConfig.Compression c) {
    switch (c) {
      case NONE:
        return CompressionType.NO_COMPRESSION;
      case SNAPPY:
        return CompressionType.SNAPPY_COMPRESSION;
      case LZ4:
        return CompressionType.LZ4_COMPRESSION;
      case ZSTD:
        return CompressionType.ZSTD_COMPRESSION;
      default:
        throw new AssertionError(c);
    }
  }

  private static String reason(Exception e) {
    String m = e.getMessage();
    String kind = e.getClass().getSimpleName();
    return m == null ? kind : kind + ": " + m;
  }

  static BrokerException failure(String where, String what, RocksDBException e) {
    Status s = e.getStatus();
    String reason = e.getMessage();
    if (s != null && (reason == null || reason.isEmpty())) {
      reason = s.getCodeString() + (s.getState() == null ? "" : ": " + s.getState());
    }
    return new BrokerException(ErrorCode.BACKEND_FAILURE,
        where + ": " + what + ": " + (reason == null ? e.toString() : reason.trim()), e);
  }

  @Override
  public String toString() {
    return where + " (" + config.durability().name().toLowerCase(Locale.ROOT) + ")";
  }
}
