package io.jbroker.store.sqlite;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Durability;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The options of the {@code sqlite} backend, parsed and resolved: the one place for its option
 * names, accepted values, defaults and the mapping of {@code durability} onto SQLite's pragmas
 * (documented on {@link SqliteBackendProvider}).
 *
 * @param synchronous the {@code PRAGMA synchronous} to run (after the durability mapping)
 * @param journalMode the {@code PRAGMA journal_mode} to run (after the durability mapping)
 * @param cacheEntries how many recently read entries the backend keeps decoded in memory (0:
 *     none)
 */
record SqliteOptions(
    Path path,
    Synchronous synchronous,
    JournalMode journalMode,
    FailureMode failureMode,
    boolean integrityCheck,
    Durability durability,
    int cacheEntries) {

  static final String TYPE = "sqlite";

  static final String PATH = "path";
  static final String SYNCHRONOUS = "synchronous";
  static final String JOURNAL_MODE = "journal_mode";
  static final String FAILURE_MODE = "failure_mode";
  static final String INTEGRITY_CHECK = "integrity_check";
  static final String DURABILITY = BackendOptions.DURABILITY;
  static final String CACHE_ENTRIES = "cache_entries";

  static final Set<String> NAMES = Set.of(PATH, SYNCHRONOUS, JOURNAL_MODE, FAILURE_MODE, INTEGRITY_CHECK, DURABILITY,
      CACHE_ENTRIES);

  /**
   * Default of {@value #CACHE_ENTRIES}: enough for the hot set of most stores; with small values
   * (≤ 100 bytes encoded) the cache stays below about 25 MiB.
   */
  static final int DEFAULT_CACHE_ENTRIES = 100_000;

  /** Largest {@value #CACHE_ENTRIES}, so that a typo cannot ask for unbounded memory. */
  static final int MAX_CACHE_ENTRIES = 10_000_000;


  /** The version Broker writes into {@code meta}; we claim the format of Broker 2.8.0. */
  static final String BROKER_VERSION = "2.8.0";

  /**
   * Page cache per connection, in KiB ({@code PRAGMA cache_size} = minus this). SQLite's default
   * of 2 MiB makes random reads of a store of a few hundred thousand entries go to the OS for
   * almost every page; 64 MiB keeps the key index and hot leaves in memory. Memory is only taken
   * as pages are read.
   */
  static final int CACHE_SIZE_KIB = 64 * 1024;

  /** {@code PRAGMA synchronous}: how hard SQLite pushes a commit towards the disk. */
  enum Synchronous {
    OFF, NORMAL, FULL, EXTRA;

    /**
     * Whether a committed transaction survives a power loss in {@code journal}: in WAL mode FULL
     * syncs the WAL at every commit; in rollback-journal mode the commit is the unlinking of the
     * journal, and only EXTRA also syncs the directory after it (with FULL a power loss right
     * after a commit can bring the journal back and roll the transaction back).
     */
    boolean reachesStableStorage(JournalMode journal) {
      return this == EXTRA || (this == FULL && journal == JournalMode.WAL);
    }
  }

  /** {@code PRAGMA journal_mode}. */
  enum JournalMode {
    DELETE, WAL
  }

  /** What to do with a database file that is corrupt. */
  enum FailureMode {
    /** Refuse to open. */
    FAIL,
    /** Move the file aside and start with an empty store. */
    DELETE
  }

  SqliteOptions {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(synchronous, "synchronous");
    Objects.requireNonNull(journalMode, "journalMode");
    Objects.requireNonNull(failureMode, "failureMode");
    Objects.requireNonNull(durability, "durability");
  }

  /**
   * Parses Broker-style options: each option is checked in Broker's order (synchronous,
   * journal_mode, failure_mode, integrity_check, path), then durability and the combination.
   *
   * @throws BrokerException with {@code BACKEND_FAILURE} naming the first unknown option, wrong
   *     value or contradictory combination
   */
  static SqliteOptions parse(BackendOptions options) {
    options.requireOnly(TYPE, NAMES);
    Synchronous sync = options.choice(TYPE, SYNCHRONOUS, "Broker::SQLITE_SYNCHRONOUS_",
        Map.of("off", Synchronous.OFF, "normal", Synchronous.NORMAL, "full", Synchronous.FULL,
            "extra", Synchronous.EXTRA), null);
    JournalMode journal = options.choice(TYPE, JOURNAL_MODE, "Broker::SQLITE_JOURNAL_MODE_",
        Map.of("delete", JournalMode.DELETE, "wal", JournalMode.WAL), null);
    FailureMode failure = options.choice(TYPE, FAILURE_MODE, "Broker::SQLITE_FAILURE_MODE_",
        Map.of("fail", FailureMode.FAIL, "delete", FailureMode.DELETE), FailureMode.FAIL);
    boolean integrity = options.bool(TYPE, INTEGRITY_CHECK, false);
    Path path = path(options.requireString(TYPE, PATH));
    Durability durability = options.durability(TYPE);
    long cacheEntries = options.number(TYPE, CACHE_ENTRIES, DEFAULT_CACHE_ENTRIES);
    if (cacheEntries > MAX_CACHE_ENTRIES) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, TYPE + " backend: option \"" + CACHE_ENTRIES + "\" = "
          + cacheEntries + " is larger than the maximum " + MAX_CACHE_ENTRIES);
    }

    if (journal == null) {
      journal = JournalMode.WAL;
    }
    if (sync == null) {
      if (durability == Durability.DURABLE) {
        sync = journal == JournalMode.WAL ? Synchronous.FULL : Synchronous.EXTRA;
      } else {
        sync = Synchronous.OFF;
      }
    } else if (durability == Durability.DURABLE && !sync.reachesStableStorage(journal)) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, TYPE + " backend: option \"" + SYNCHRONOUS + "\" = "
          + options.get(SYNCHRONOUS).orElseThrow() + " contradicts \"" + DURABILITY + "\" = durable (the default): "
          + "with synchronous " + sync + " and journal_mode " + journal + " a power loss can lose acknowledged "
          + "writes; use synchronous " + (journal == JournalMode.WAL ? "Broker::SQLITE_SYNCHRONOUS_FULL or " : "")
          + "Broker::SQLITE_SYNCHRONOUS_EXTRA, or set durability = relaxed");
    }
    return new SqliteOptions(path, sync, journal, failure, integrity, durability, (int) cacheEntries);
  }

  private static Path path(String text) {
    if (text.isEmpty()) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, TYPE + " backend: option \"" + PATH + "\" is empty");
    }
    try {
      return Path.of(text).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE,
          TYPE + " backend: option \"" + PATH + "\" is not a valid path: " + e.getMessage());
    }
  }
}
