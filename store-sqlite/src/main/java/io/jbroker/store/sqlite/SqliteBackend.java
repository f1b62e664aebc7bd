package io.jbroker.store.sqlite;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Durability;
import io.jbroker.store.Key;
import io.jbroker.store.internal.EntryCache;
import io.jbroker.store.internal.MetaNames;
import io.jbroker.store.sqlite.SqliteOptions.FailureMode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * A {@link Backend} in one SQLite database file, in Broker's format (spec/broker-stores.md
 * §11.3): a database written by Broker opens here and one written here opens in Broker.
 *
 * <h2>File format</h2>
 *
 * <pre>
 * create table if not exists meta(key text primary key, value text);   -- ('broker_version', '2.8.0'), rewritten on open
 * create table if not exists store(key blob primary key, value blob, expiry integer);
 * </pre>
 *
 * {@code key} and {@code value} are Broker binary encodings ({@link Key#encoded()}, {@link
 * BinaryCodec}); {@code expiry} is the absolute deadline in nanoseconds since the epoch, or
 * {@code NULL} for {@link Backend#NO_DEADLINE}. SQLite compares blobs with {@code memcmp} and
 * then by length, which is exactly {@link Key}'s order, so {@link #scan} is an index range scan
 * ({@code where key > ? order by key limit ?}).
 *
 * <h2>Transactions and group commit</h2>
 *
 * The backend keeps one connection with JDBC auto-commit off and drives SQLite's transactions
 * itself: the first statement after a {@link #sync()} opens a deferred transaction, which
 * becomes a write transaction at the first write; {@code sync()} commits it if anything was
 * written. All writes between two syncs therefore cost one commit (one WAL fsync with {@code
 * synchronous=FULL}), and reads between two syncs share one read snapshot instead of taking and
 * releasing SQLite's locks per statement (which halves random-read throughput).
 *
 * <p>If SQLite undoes more than the failing statement (it may roll back the whole transaction on
 * {@code SQLITE_FULL}, {@code SQLITE_IOERR}, {@code SQLITE_NOMEM} or {@code SQLITE_BUSY}), the
 * writes made since the last sync are gone although they were visible; the failing call throws,
 * and the next {@code sync()} rolls back whatever was written since, and throws too, so that the
 * owner fails every write of that group instead of acknowledging lost ones. If the state of the
 * transaction cannot be restored at all, the backend refuses every further call and must be
 * reopened.
 *
 * <h2>Read cache</h2>
 *
 * A point read through SQLite costs several microseconds (statement reset and bind, two B-tree
 * descents, the JDBC result set, decoding), which caps one store's random reads far below what
 * its thread can otherwise serve. The backend therefore keeps the most recently read entries
 * decoded in a bounded map with CLOCK eviction (option {@code cache_entries}, see {@link SqliteBackendProvider};
 * values longer than {@value EntryCache#MAX_VALUE_BYTES} bytes encoded are not cached).
 * It is coherent because every write goes through this backend — one connection, one owner
 * thread: a put replaces a cached entry, an erase removes it, a clear empties the cache, and any
 * failure that may have rolled writes back empties it too. Another process writing the same file
 * at the same time is not supported (Broker does not support it either).
 *
 * <h2>Errors</h2>
 *
 * Every SQLite error is a {@link BrokerException} with {@code BACKEND_FAILURE} whose message
 * names the database file, the operation and SQLite's reason (e.g. {@code [SQLITE_FULL] …
 * (database or disk is full)}); stored bytes that are not a Broker value give {@code
 * INVALID_DATA}. See {@link SqliteBackendProvider} for the options, the durability mapping and
 * what happens to corrupt files.
 */
public final class SqliteBackend implements Backend {
  private static final Logger log = LoggerFactory.getLogger(SqliteBackend.class);

  private static final String CREATE_META = "create table if not exists meta(key text primary key, value text)";
  private static final String CREATE_STORE =
      "create table if not exists store(key blob primary key, value blob, expiry integer)";
  private static final String WRITE_VERSION = "replace into meta(key, value) values('broker_version', '"
      + SqliteOptions.BROKER_VERSION + "')";
  // An upsert rather than Broker's "replace into": same rows, but an update in place instead of
  // delete + insert of the row and its key index entry (about 1.6x faster on overwrites).
  private static final String PUT = "insert into store(key, value, expiry) values(?, ?, ?) "
      + "on conflict(key) do update set value = excluded.value, expiry = excluded.expiry";

  /** Names of the meta rows that belong to Broker's file format, not to {@link #putMeta}. */
  private static final String RESERVED_META_PREFIX = "broker_";

  /** The database file and the files SQLite keeps next to it. */
  private static final List<String> SIDE_FILES = List.of("", "-wal", "-shm", "-journal");
  private static final DateTimeFormatter ASIDE_STAMP =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final SqliteOptions options;
  private final String where;
  private final Connection connection;
  /** Recently read entries; empty and unused when {@code cache_entries} is 0. */
  private final EntryCache cache;
  // Prepared once and reused. The driver finalizes a statement that fails (except on BUSY,
  // LOCKED, CONSTRAINT and MISUSE), so all of them are prepared again after a failure.
  private PreparedStatement get;
  private PreparedStatement exists;
  private PreparedStatement put;
  private PreparedStatement erase;
  private PreparedStatement clear;
  private PreparedStatement count;
  private PreparedStatement any;
  private PreparedStatement scanFromStart;
  private PreparedStatement scanAfter;
  private PreparedStatement deadlines;
  private PreparedStatement getMeta;
  private PreparedStatement putMeta;
  private PreparedStatement eraseMeta;
  private PreparedStatement metaNamesFrom;
  private PreparedStatement metaNamesBetween;

  /** A transaction we began is open (it only takes locks once a statement runs in it). */
  private boolean inTransaction;
  /** Writes happened since the last sync. */
  private boolean dirty;
  /** Why the writes since the last sync were lost; the next sync fails with it. */
  private BrokerException lostWrites;
  /** Why the backend cannot go on (set when a transaction could not be ended). */
  private BrokerException broken;
  private boolean closed;

  private SqliteBackend(SqliteOptions options, Connection connection) {
    this.options = options;
    this.where = describe(options.path());
    this.connection = connection;
    this.cache = new EntryCache(options.cacheEntries());
    try {
      prepareStatements();
    } catch (SQLException e) {
      closeStatements();
      closeQuietly(connection);
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, where + ": cannot prepare the store's statements (Broker's "
          + "table store(key blob primary key, value blob, expiry integer) is required): " + reason(e), e);
    }
    // Auto-commit off makes the driver stay out of transaction handling (with it on, it runs an
    // extra BEGIN/COMMIT pair after statements). The driver's own BEGIN is our open transaction.
    inTransaction = true;
  }

  private void prepareStatements() throws SQLException {
    closeStatements();
    get = connection.prepareStatement("select value, expiry from store where key = ?");
    exists = connection.prepareStatement("select 1 from store where key = ?");
    put = connection.prepareStatement(PUT);
    erase = connection.prepareStatement("delete from store where key = ?");
    clear = connection.prepareStatement("delete from store");
    count = connection.prepareStatement("select count(*) from store");
    any = connection.prepareStatement("select exists(select 1 from store)");
    scanFromStart = connection.prepareStatement("select key, value, expiry from store order by key limit ?");
    scanAfter = connection.prepareStatement("select key, value, expiry from store where key > ? order by key limit ?");
    deadlines = connection.prepareStatement("select key, value, expiry from store where expiry is not null");
    getMeta = connection.prepareStatement("select value from meta where key = ?");
    putMeta = connection.prepareStatement(
        "insert into meta(key, value) values(?, ?) on conflict(key) do update set value = excluded.value");
    eraseMeta = connection.prepareStatement("delete from meta where key = ?");
    metaNamesFrom = connection.prepareStatement("select key from meta where key >= ?");
    metaNamesBetween = connection.prepareStatement("select key from meta where key >= ? and key < ?");
  }

  private void closeStatements() {
    for (PreparedStatement ps : new PreparedStatement[] {get, exists, put, erase, clear, count, any, scanFromStart,
        scanAfter, deadlines, getMeta, putMeta, eraseMeta, metaNamesFrom, metaNamesBetween}) {
      closeQuietly(ps);
    }
  }

  // ---- opening ---------------------------------------------------------------------------------

  /**
   * Opens (creating if needed) the database named by the options' {@code path}.
   *
   * @throws BrokerException with {@code BACKEND_FAILURE} if an option is unknown or has a wrong
   *     value, or the database cannot be opened
   */
  public static SqliteBackend open(BackendOptions options) {
    return open(SqliteOptions.parse(options), false);
  }

  /**
   * Opens a database; {@code readOnly} opens it with SQLite's read-only flag (for tests of a
   * database that cannot be written, which chmod cannot produce for root).
   */
  static SqliteBackend open(SqliteOptions options, boolean readOnly) {
    Path path = options.path();
    createParentDirectories(path);
    boolean existed = Files.exists(path);
    SqliteBackend backend;
    try {
      backend = new SqliteBackend(options, initialize(options, readOnly));
    } catch (CorruptDatabase corrupt) {
      if (options.failureMode() == FailureMode.FAIL) {
        throw new BrokerException(ErrorCode.BACKEND_FAILURE, describe(path) + ": " + corrupt.getMessage()
            + " (failure_mode FAIL: the file is left as it is; Broker::SQLITE_FAILURE_MODE_DELETE would move it "
            + "aside and start empty)", corrupt.getCause());
      }
      List<Path> moved = moveAside(path);
      log.warn("{}: {}; failure_mode DELETE: moved {} aside and started an empty store",
          describe(path), corrupt.getMessage(), moved);
      existed = false;
      try {
        backend = new SqliteBackend(options, initialize(options, readOnly));
      } catch (CorruptDatabase again) {
        throw new BrokerException(ErrorCode.BACKEND_FAILURE, describe(path)
            + ": still corrupt after moving the old file aside: " + again.getMessage(), again.getCause());
      }
    }
    if (!existed && options.durability() == Durability.DURABLE) {
      syncDirectory(path.getParent()); // the new file's directory entry must survive a power loss too
    }
    log.debug("{}: open (journal_mode {}, synchronous {}, durability {})", backend.where,
        options.journalMode(), options.synchronous(), options.durability());
    return backend;
  }

  /** Broker's initialization sequence; any failure except corruption is final. */
  private static Connection initialize(SqliteOptions options, boolean readOnly) throws CorruptDatabase {
    Path path = options.path();
    Connection c = null;
    boolean ok = false;
    try {
      SQLiteConfig config = new SQLiteConfig();
      config.setReadOnly(readOnly);
      // Otherwise the driver prepares and runs "select last_insert_rowid()" after every insert:
      // a third of the cost of a put.
      config.setGetGeneratedKeys(false);
      c = config.createConnection("jdbc:sqlite:" + path);
      try (Statement s = c.createStatement()) {
        s.execute("pragma synchronous = " + options.synchronous().name());
        String mode = queryString(s, "pragma journal_mode = " + options.journalMode().name());
        if (!options.journalMode().name().equalsIgnoreCase(mode)) {
          throw new BrokerException(ErrorCode.BACKEND_FAILURE, describe(path) + ": cannot switch to journal_mode "
              + options.journalMode() + ", SQLite kept " + mode);
        }
        s.execute("pragma cache_size = -" + SqliteOptions.CACHE_SIZE_KIB);
        s.execute(CREATE_META);
        s.execute(CREATE_STORE);
        s.execute(WRITE_VERSION);
        if (options.integrityCheck()) {
          List<String> rows = new ArrayList<>();
          try (ResultSet rs = s.executeQuery("pragma integrity_check")) {
            while (rs.next() && rows.size() < 5) {
              rows.add(rs.getString(1));
            }
          }
          if (!rows.equals(List.of("ok"))) {
            throw new CorruptDatabase("integrity check failed: " + String.join("; ", rows), null);
          }
        }
      }
      c.setAutoCommit(false);
      ok = true;
      return c;
    } catch (SQLException e) {
      if (isCorruption(e)) {
        throw new CorruptDatabase("the database is corrupt: " + reason(e), e);
      }
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, describe(path) + ": cannot open: " + reason(e), e);
    } finally {
      if (!ok) {
        closeQuietly(c);
      }
    }
  }

  private static String queryString(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static void createParentDirectories(Path path) {
    Path parent = path.getParent();
    if (parent == null) {
      return;
    }
    try {
      Files.createDirectories(parent);
    } catch (FileAlreadyExistsException e) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, describe(path) + ": cannot create the directory "
          + parent + ": " + e.getFile() + " exists and is not a directory", e);
    } catch (FileSystemException e) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, describe(path) + ": cannot create the directory "
          + parent + ": " + e.getFile() + ": " + e.getReason(), e);
    } catch (IOException | SecurityException e) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, describe(path) + ": cannot create the directory "
          + parent + ": " + e, e);
    }
  }

  /** Renames the database and its side files to {@code <name>.corrupt-<UTC time>[-n]<suffix>}. */
  static List<Path> moveAside(Path path) {
    String stem = path.getFileName() + ".corrupt-" + ASIDE_STAMP.format(Instant.now());
    String base = stem;
    for (int n = 1; anyExists(path, base); n++) {
      base = stem + "-" + n;
    }
    List<Path> moved = new ArrayList<>();
    for (String suffix : SIDE_FILES) {
      Path from = path.resolveSibling(path.getFileName() + suffix);
      if (!Files.isRegularFile(from)) {
        continue;
      }
      Path to = path.resolveSibling(base + suffix);
      try {
        Files.move(from, to);
        moved.add(to);
      } catch (IOException e) {
        throw new BrokerException(ErrorCode.BACKEND_FAILURE, describe(path)
            + ": the database is corrupt and moving " + from + " aside to " + to + " failed: " + e, e);
      }
    }
    return moved;
  }

  private static boolean anyExists(Path path, String base) {
    for (String suffix : SIDE_FILES) {
      if (Files.exists(path.resolveSibling(base + suffix))) {
        return true;
      }
    }
    return false;
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      log.debug("{}: could not sync the directory: {}", dir, e.toString());
    }
  }

  /** A database that fails to open because its content is damaged (what failure_mode handles). */
  private static final class CorruptDatabase extends Exception {
    private static final long serialVersionUID = 1L;

    CorruptDatabase(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  private static boolean isCorruption(SQLException e) {
    if (e instanceof SQLiteException s) {
      int primary = s.getResultCode().code & 0xff;
      return primary == SQLiteErrorCode.SQLITE_CORRUPT.code || primary == SQLiteErrorCode.SQLITE_NOTADB.code;
    }
    return false;
  }

  // ---- Backend ---------------------------------------------------------------------------------

  @Override
  public Entry get(Key key) {
    enter();
    Entry cached = cache.get(key);
    if (cached != null) {
      return cached;
    }
    try {
      get.setBytes(1, key.encoded());
      try (ResultSet rs = get.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        byte[] value = rs.getBytes(1);
        long expiry = rs.getLong(2);
        Entry e = new Entry(decodeValue(key, value), rs.wasNull() ? NO_DEADLINE : expiry);
        cache.put(key, e, value.length);
        return e;
      }
    } catch (SQLException e) {
      throw statementFailed("get of key " + describe(key), e);
    }
  }

  @Override
  public boolean exists(Key key) {
    enter();
    if (cache.get(key) != null) {
      return true;
    }
    try {
      exists.setBytes(1, key.encoded());
      try (ResultSet rs = exists.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw statementFailed("exists of key " + describe(key), e);
    }
  }

  @Override
  public void put(Key key, Data value, long deadline) {
    enter();
    byte[] encoded = BinaryCodec.encode(value);
    try {
      put.setBytes(1, key.encoded());
      put.setBytes(2, encoded);
      if (deadline == NO_DEADLINE) {
        put.setNull(3, Types.INTEGER);
      } else {
        put.setLong(3, deadline);
      }
      put.executeUpdate();
      dirty = true;
    } catch (SQLException e) {
      throw statementFailed("put of key " + describe(key), e);
    }
    cache.replace(key, value, deadline, encoded.length);
  }

  /**
   * Metadata lives in Broker's {@code meta} table, beside its {@code broker_version} row, as
   * base64 text (the column is declared {@code text}; Broker reads only its own row).
   */
  @Override
  public byte[] getMeta(String name) {
    enter();
    checkMetaName(name);
    try {
      getMeta.setString(1, name);
      try (ResultSet rs = getMeta.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        String text = rs.getString(1);
        try {
          return text == null ? null : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
          throw new BrokerException(ErrorCode.INVALID_DATA, where + ": meta row '" + name + "' is not base64");
        }
      }
    } catch (SQLException e) {
      throw statementFailed("read of meta row '" + name + "'", e);
    }
  }

  @Override
  public void putMeta(String name, byte[] value) {
    enter();
    checkMetaName(name);
    try {
      if (value == null) {
        eraseMeta.setString(1, name);
        dirty |= eraseMeta.executeUpdate() > 0;
      } else {
        putMeta.setString(1, name);
        putMeta.setString(2, Base64.getEncoder().encodeToString(value));
        putMeta.executeUpdate();
        dirty = true;
      }
    } catch (SQLException e) {
      throw statementFailed("write of meta row '" + name + "'", e);
    }
  }

  /**
   * A range scan of the {@code meta} table's primary key: SQLite compares the names as UTF-8
   * bytes, so the names beginning with a prefix are one key range (no LIKE, whose {@code %} and
   * {@code _} would need escaping and which ignores ASCII case). The statement runs in the open
   * transaction and so sees the rows written since the last sync, as {@link #getMeta} does.
   * Broker's own rows ({@code broker_version}) are not metadata values and are left out.
   */
  @Override
  public List<String> metaNames(String prefix) {
    enter();
    MetaNames.checkPrefix(prefix);
    String from = MetaNames.wellFormedPart(prefix);
    String to = MetaNames.upperBound(from);
    try {
      PreparedStatement ps;
      if (to == null) {
        ps = metaNamesFrom;
        ps.setString(1, from);
      } else {
        ps = metaNamesBetween;
        ps.setString(1, from);
        ps.setString(2, to);
      }
      List<String> names = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          if (!name.startsWith(RESERVED_META_PREFIX)) {
            names.add(name);
          }
        }
      }
      return MetaNames.sorted(names, prefix);
    } catch (SQLException e) {
      throw statementFailed("listing the meta rows beginning with '" + prefix + "'", e);
    }
  }

  private static void checkMetaName(String name) {
    if (name == null || name.isEmpty() || name.startsWith(RESERVED_META_PREFIX)) {
      throw new BrokerException(ErrorCode.INVALID_DATA, "meta name '" + name
          + "' is empty or reserved (names beginning with broker_ belong to Broker's file format)");
    }
  }

  @Override
  public boolean erase(Key key) {
    enter();
    try {
      erase.setBytes(1, key.encoded());
      cache.remove(key);
      boolean erased = erase.executeUpdate() > 0;
      dirty |= erased;
      return erased;
    } catch (SQLException e) {
      throw statementFailed("erase of key " + describe(key), e);
    }
  }

  @Override
  public void clear() {
    enter();
    cache.clear();
    try {
      clear.executeUpdate();
      dirty = true;
    } catch (SQLException e) {
      throw statementFailed("clear", e);
    }
  }

  @Override
  public long size() {
    enter();
    try (ResultSet rs = count.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw statementFailed("count of entries", e);
    }
  }

  @Override
  public boolean isEmpty() {
    enter();
    try (ResultSet rs = any.executeQuery()) {
      return !rs.next() || rs.getInt(1) == 0;
    } catch (SQLException e) {
      throw statementFailed("emptiness check", e);
    }
  }

  @Override
  public int scan(Key after, int limit, EntryVisitor visitor) {
    enter();
    if (limit <= 0) {
      return 0;
    }
    try {
      PreparedStatement ps;
      if (after == null) {
        ps = scanFromStart;
        ps.setLong(1, limit);
      } else {
        ps = scanAfter;
        ps.setBytes(1, after.encoded());
        ps.setLong(2, limit);
      }
      return visitRows(ps, visitor);
    } catch (SQLException e) {
      throw statementFailed("scan" + (after == null ? "" : " after key " + describe(after)), e);
    }
  }

  @Override
  public void forEachDeadline(EntryVisitor visitor) {
    enter();
    try {
      visitRows(deadlines, visitor);
    } catch (SQLException e) {
      throw statementFailed("scan of deadlines", e);
    }
  }

  private int visitRows(PreparedStatement ps, EntryVisitor visitor) throws SQLException {
    int n = 0;
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Key key = decodeKey(rs.getBytes(1));
        Data value = decodeValue(key, rs.getBytes(2));
        long expiry = rs.getLong(3);
        visitor.visit(key, value, rs.wasNull() ? NO_DEADLINE : expiry);
        n++;
      }
    }
    return n;
  }

  @Override
  public void sync() {
    checkOpen();
    if (lostWrites != null) {
      BrokerException cause = lostWrites;
      lostWrites = null;
      dirty = false;
      endTransaction("rollback");
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, where + ": sync failed: the writes since the last "
          + "sync were rolled back after an earlier failure: " + cause.getMessage(), cause);
    }
    if (!dirty) {
      return;
    }
    dirty = false;
    try {
      execute("commit");
      inTransaction = false;
    } catch (SQLException e) {
      BrokerException failure = failure("commit", e);
      endTransaction("rollback");
      throw failure;
    }
  }

  @Override
  public Durability durability() {
    return options.durability();
  }

  /** Syncs, then closes the connection (which checkpoints the WAL into the database file). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    BrokerException failure = null;
    try {
      sync();
    } catch (BrokerException e) {
      failure = e;
    }
    if (inTransaction && broken == null) {
      endTransaction("rollback"); // only reads are left in it after the sync
    }
    closed = true;
    cache.clear();
    closeStatements();
    try {
      connection.close();
    } catch (SQLException e) {
      if (failure == null) {
        failure = failure("close", e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  // ---- test hooks --------------------------------------------------------------------------------

  /**
   * Limits the database to {@code maxPages} pages ({@code PRAGMA max_page_count}, this connection
   * only), so that growing past it fails with {@code SQLITE_FULL} as a full disk does. Returns the
   * limit in effect (never below the current size).
   */
  long limitPages(long maxPages) {
    return Long.parseLong(pragma("max_page_count = " + maxPages));
  }

  /** The first column of {@code PRAGMA <pragma>} on this connection (tests read settings with it). */
  String pragma(String pragma) {
    enter();
    if (!pragma.matches("[a-z_]+( = [0-9]+)?")) {
      throw new IllegalArgumentException("not a pragma: " + pragma);
    }
    try (Statement s = connection.createStatement()) {
      return queryString(s, "pragma " + pragma);
    } catch (SQLException e) {
      throw statementFailed("pragma " + pragma, e);
    }
  }

  Path path() {
    return options.path();
  }

  // ---- transactions and failures -------------------------------------------------------------------

  /** Checks that the backend is usable and opens a (deferred) transaction if none is open. */
  private void enter() {
    checkOpen();
    if (!inTransaction) {
      try {
        execute("begin");
      } catch (SQLException e) {
        if (!isNestedTransaction(e)) {
          throw failure("begin of a transaction", e);
        }
      }
      inTransaction = true;
    }
  }

  /**
   * The failure of a statement. SQLite has undone the statement, and on some errors the whole
   * transaction: a BEGIN tells which (it only succeeds outside a transaction). If the transaction
   * is gone with writes in it, the next sync must fail.
   */
  private BrokerException statementFailed(String what, SQLException e) {
    BrokerException failure = failure(what, e);
    cache.clear(); // writes may have been rolled back
    try {
      execute("begin");
      if (dirty) {
        lostWrites = failure;
        dirty = false;
      }
    } catch (SQLException probe) {
      if (!isNestedTransaction(probe)) {
        // Unknown state: assume the worst, and let the next statement try to begin again.
        inTransaction = false;
        if (dirty) {
          lostWrites = failure;
          dirty = false;
        }
      }
    }
    try {
      prepareStatements();
    } catch (SQLException again) {
      broken = failure("preparing the statements again after \"" + reason(e) + "\"", again);
      log.error("{}; the backend refuses further use and must be reopened", broken.getMessage());
    }
    return failure;
  }

  /** Runs COMMIT or ROLLBACK; if even that fails, the transaction state is unknown and the backend stops. */
  private void endTransaction(String end) {
    if (end.equals("rollback")) {
      cache.clear();
    }
    try {
      execute(end);
    } catch (SQLException e) {
      if (!isNoTransaction(e)) {
        broken = failure(end, e);
        log.error("{}; the backend refuses further use and must be reopened", broken.getMessage());
      }
    }
    inTransaction = false;
  }

  /** Runs a transaction control statement (rare enough not to need a prepared statement). */
  private void execute(String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  private static boolean isNestedTransaction(SQLException e) {
    String m = e.getMessage();
    return m != null && m.contains("within a transaction");
  }

  private static boolean isNoTransaction(SQLException e) {
    String m = e.getMessage();
    return m != null && m.contains("no transaction is active");
  }

  private void checkOpen() {
    if (closed) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, where + " is closed");
    }
    if (broken != null) {
      throw new BrokerException(ErrorCode.BACKEND_FAILURE, where + " is unusable after an earlier failure ("
          + broken.getMessage() + "); reopen it", broken);
    }
  }

  private BrokerException failure(String what, SQLException e) {
    return new BrokerException(ErrorCode.BACKEND_FAILURE, where + ": " + what + " failed: " + reason(e), e);
  }

  private static String reason(SQLException e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private static String describe(Path path) {
    return "sqlite backend " + path;
  }

  // ---- decoding ---------------------------------------------------------------------------------

  private Key decodeKey(byte[] bytes) {
    if (bytes == null) {
      throw new BrokerException(ErrorCode.INVALID_DATA, where + ": a stored key is NULL");
    }
    try {
      return Key.decode(bytes);
    } catch (BrokerException e) {
      throw new BrokerException(ErrorCode.INVALID_DATA, where + ": the stored key 0x" + HexFormat.of().formatHex(bytes)
          + " is not a Broker value: " + e.getMessage(), e);
    }
  }

  private Data decodeValue(Key key, byte[] bytes) {
    if (bytes == null) {
      throw new BrokerException(ErrorCode.INVALID_DATA, where + ": the stored value of key " + describe(key) + " is NULL");
    }
    try {
      return BinaryCodec.decode(bytes);
    } catch (BrokerException e) {
      throw new BrokerException(ErrorCode.INVALID_DATA, where + ": the stored value of key " + describe(key)
          + " is not a Broker value: " + e.getMessage(), e);
    }
  }

  private static String describe(Key key) {
    try {
      return key.toString();
    } catch (BrokerException e) {
      return "0x" + HexFormat.of().formatHex(key.encoded());
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      log.debug("closing {} failed: {}", c, e.toString());
    }
  }

  @Override
  public String toString() {
    return where;
  }
}
