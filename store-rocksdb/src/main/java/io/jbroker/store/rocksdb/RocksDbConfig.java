package io.jbroker.store.rocksdb;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Durability;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The options of the {@code rocksdb} backend, their names and defaults — the one place where
 * they are defined.
 *
 * <table>
 *   <caption>Backend options</caption>
 *   <tr><th>option</th><th>value</th><th>default</th></tr>
 *   <tr><td>{@value #PATH}</td><td>directory of the database (created with its parents)</td>
 *       <td>required</td></tr>
 *   <tr><td>{@value BackendOptions#DURABILITY}</td><td>{@code durable}: a write is acknowledged
 *       once the write-ahead log is fsynced (group commit); {@code relaxed}: once it is written
 *       to the operating system</td><td>{@code durable}</td></tr>
 *   <tr><td>{@value #SYNC}</td><td>boolean alias of {@code durability}: {@code true} = durable,
 *       {@code false} = relaxed (both given: they must agree)</td><td>—</td></tr>
 *   <tr><td>{@value #BLOCK_CACHE_SIZE}</td><td>bytes of the LRU cache of uncompressed data
 *       blocks (0 disables it)</td><td>64 MiB</td></tr>
 *   <tr><td>{@value #COMPRESSION}</td><td>{@code none}, {@code snappy}, {@code lz4} or {@code
 *       zstd} (data blocks on disk)</td><td>{@code lz4}</td></tr>
 *   <tr><td>{@value #WRITE_BUFFER_SIZE}</td><td>bytes of the in-memory write buffer (memtable)
 *       before it is flushed to a file; at least 64 KiB</td><td>64 MiB</td></tr>
 *   <tr><td>{@value #MAX_DISK_USAGE}</td><td>bytes the store's table files may occupy; past it,
 *       flushes fail and every write fails with {@code BACKEND_FAILURE} until the store is
 *       reopened with a higher limit (0 = no limit)</td><td>0</td></tr>
 *   <tr><td>{@value #CACHE_ENTRIES}</td><td>how many recently read or written entries are kept
 *       decoded in memory, so that repeated reads skip RocksDB (a memtable or block search through
 *       JNI and the decoding) and writes of a cached key skip the presence check; values longer
 *       than 1 KiB encoded are never cached; about 200 bytes per entry with small keys and values;
 *       0 turns it off; at most 10,000,000</td>
 *       <td>100,000</td></tr>
 * </table>
 *
 * <p>Numbers may be given as a count, a non-negative integer or decimal text; choices as
 * strings or enum values in any case. An unknown option or a wrong value fails with {@code
 * BACKEND_FAILURE} naming it.
 *
 * @param path the database directory
 * @param durability {@link Durability#DURABLE} or {@link Durability#RELAXED}
 * @param blockCacheSize bytes of block cache (0: none)
 * @param compression compression of data blocks
 * @param writeBufferSize bytes of memtable
 * @param maxDiskUsage limit of the table files' size in bytes (0: none)
 * @param cacheEntries entries of the decoded read cache (0: none)
 */
public record RocksDbConfig(
    Path path,
    Durability durability,
    long blockCacheSize,
    Compression compression,
    long writeBufferSize,
    long maxDiskUsage,
    int cacheEntries) {

  /** The backend type name. */
  public static final String TYPE = "rocksdb";

  public static final String PATH = "path";
  public static final String SYNC = "sync";
  public static final String BLOCK_CACHE_SIZE = "block_cache_size";
  public static final String COMPRESSION = "compression";
  public static final String WRITE_BUFFER_SIZE = "write_buffer_size";
  public static final String MAX_DISK_USAGE = "max_disk_usage";
  public static final String CACHE_ENTRIES = "cache_entries";

  public static final long DEFAULT_BLOCK_CACHE_SIZE = 64L << 20;
  public static final Compression DEFAULT_COMPRESSION = Compression.LZ4;
  public static final long DEFAULT_WRITE_BUFFER_SIZE = 64L << 20;
  public static final long MIN_WRITE_BUFFER_SIZE = 64L << 10;
  /**
   * The same default as SQLite's: about 20 MB with small entries, and enough for a put of a
   * recently used key to skip the presence check (PersistentStoreBenchmark: 16 writers, 100,000
   * keys).
   */
  public static final int DEFAULT_CACHE_ENTRIES = 100_000;
  public static final int MAX_CACHE_ENTRIES = 10_000_000;

  private static final Set<String> KNOWN = Set.of(PATH, BackendOptions.DURABILITY, SYNC,
      BLOCK_CACHE_SIZE, COMPRESSION, WRITE_BUFFER_SIZE, MAX_DISK_USAGE, CACHE_ENTRIES);

  /** Compression of data blocks; all four are built into the rocksdbjni library. */
  public enum Compression {
    NONE,
    SNAPPY,
    LZ4,
    ZSTD
  }

  public RocksDbConfig {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(durability, "durability");
    Objects.requireNonNull(compression, "compression");
    if (durability == Durability.NONE) {
      throw new IllegalArgumentException("a rocksdb store persists: durability must be DURABLE or RELAXED");
    }
    if (blockCacheSize < 0 || maxDiskUsage < 0) {
      throw new IllegalArgumentException("sizes must not be negative");
    }
    if (writeBufferSize < MIN_WRITE_BUFFER_SIZE) {
      throw new IllegalArgumentException("write buffer size must be at least " + MIN_WRITE_BUFFER_SIZE);
    }
    if (cacheEntries < 0 || cacheEntries > MAX_CACHE_ENTRIES) {
      throw new IllegalArgumentException("cache entries must be within 0.." + MAX_CACHE_ENTRIES);
    }
  }

  /** The defaults for a database in {@code path}. */
  public static RocksDbConfig defaults(Path path) {
    return new RocksDbConfig(path, Durability.DURABLE, DEFAULT_BLOCK_CACHE_SIZE, DEFAULT_COMPRESSION,
        DEFAULT_WRITE_BUFFER_SIZE, 0, DEFAULT_CACHE_ENTRIES);
  }

  public RocksDbConfig withDurability(Durability d) {
    return new RocksDbConfig(path, d, blockCacheSize, compression, writeBufferSize, maxDiskUsage, cacheEntries);
  }

  /**
   * Reads backend options.
   *
   * @throws BrokerException {@code BACKEND_FAILURE} naming an unknown option, a missing {@code
   *     path} or a wrong value
   */
  public static RocksDbConfig from(BackendOptions options) {
    options.requireOnly(TYPE, KNOWN);
    String pathText = options.requireString(TYPE, PATH);
    Path path;
    try {
      if (pathText.isBlank()) {
        throw new InvalidPathException(pathText, "empty path");
      }
      path = Path.of(pathText);
    } catch (InvalidPathException e) {
      throw invalid(PATH, "has value \"" + pathText + "\", which is not a path: " + e.getReason());
    }
    Durability durability = options.durability(TYPE);
    if (options.get(SYNC).isPresent()) {
      Durability bySync = options.bool(TYPE, SYNC, true) ? Durability.DURABLE : Durability.RELAXED;
      if (options.get(BackendOptions.DURABILITY).isPresent() && bySync != durability) {
        throw invalid(SYNC, "contradicts option \"" + BackendOptions.DURABILITY + "\" ("
            + durability.name().toLowerCase(Locale.ROOT) + "); give one of them");
      }
      durability = bySync;
    }
    long blockCache = options.number(TYPE, BLOCK_CACHE_SIZE, DEFAULT_BLOCK_CACHE_SIZE);
    Compression compression = options.choice(TYPE, COMPRESSION, null, Map.of(
        "none", Compression.NONE, "snappy", Compression.SNAPPY, "lz4", Compression.LZ4,
        "zstd", Compression.ZSTD), DEFAULT_COMPRESSION);
    long writeBuffer = options.number(TYPE, WRITE_BUFFER_SIZE, DEFAULT_WRITE_BUFFER_SIZE);
    if (writeBuffer < MIN_WRITE_BUFFER_SIZE) {
      throw invalid(WRITE_BUFFER_SIZE, "has value " + writeBuffer + "; it must be at least "
          + MIN_WRITE_BUFFER_SIZE + " bytes");
    }
    long maxDisk = options.number(TYPE, MAX_DISK_USAGE, 0);
    long cacheEntries = options.number(TYPE, CACHE_ENTRIES, DEFAULT_CACHE_ENTRIES);
    if (cacheEntries > MAX_CACHE_ENTRIES) {
      throw invalid(CACHE_ENTRIES, "has value " + cacheEntries + "; it must be at most " + MAX_CACHE_ENTRIES);
    }
    return new RocksDbConfig(path, durability, blockCache, compression, writeBuffer, maxDisk, (int) cacheEntries);
  }

  private static BrokerException invalid(String name, String what) {
    return new BrokerException(ErrorCode.BACKEND_FAILURE, TYPE + " backend: option \"" + name + "\" " + what);
  }
}
