package io.jbroker.store.sqlite;

import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.BackendProvider;

/**
 * Provides the {@code sqlite} backend ({@link SqliteBackend}): Broker's SQLite file format and
 * option names, made durable by default and group-committed.
 *
 * <h2>Options</h2>
 *
 * Enum options take Broker's enum values ({@code Broker::SQLITE_SYNCHRONOUS_FULL}) or the plain
 * names in any case ({@code full}), as an enum value or a string. Unknown options and wrong values
 * are refused with {@code BACKEND_FAILURE} naming the option (Broker ignores unknown options).
 *
 * <table>
 *   <caption>sqlite backend options</caption>
 *   <tr><th>option</th><th>values</th><th>default</th><th>effect</th></tr>
 *   <tr><td>{@code path}</td><td>file path</td><td>required</td>
 *       <td>the database file; missing parent directories are created</td></tr>
 *   <tr><td>{@code durability}</td><td>{@code durable}, {@code relaxed}</td><td>{@code durable}</td>
 *       <td>what an acknowledged write survives; see below</td></tr>
 *   <tr><td>{@code synchronous}</td><td>{@code Broker::SQLITE_SYNCHRONOUS_OFF|NORMAL|FULL|EXTRA}</td>
 *       <td>from {@code durability}</td><td>{@code PRAGMA synchronous}</td></tr>
 *   <tr><td>{@code journal_mode}</td><td>{@code Broker::SQLITE_JOURNAL_MODE_DELETE|WAL}</td>
 *       <td>{@code WAL}</td><td>{@code PRAGMA journal_mode}</td></tr>
 *   <tr><td>{@code failure_mode}</td><td>{@code Broker::SQLITE_FAILURE_MODE_FAIL|DELETE}</td>
 *       <td>{@code FAIL}</td><td>what to do with a corrupt file; see below</td></tr>
 *   <tr><td>{@code integrity_check}</td><td>boolean</td><td>{@code false}</td>
 *       <td>run {@code PRAGMA integrity_check} on open; anything but {@code ok} is corruption</td></tr>
 *   <tr><td>{@code cache_entries}</td><td>count, 0 – 10,000,000</td><td>100,000</td>
 *       <td>how many recently read entries are kept decoded in memory, so that repeated reads skip
 *       SQLite; values longer than 1 KiB encoded are never cached. About 200 bytes per entry with
 *       small keys and values (some 20 MiB at the default); 0 turns the cache off. A jbroker option
 *       (Broker has no such option).</td></tr>
 * </table>
 *
 * <h2>Durability</h2>
 *
 * Writes are group-committed: the backend's owner calls {@link Backend#sync()} once for all
 * writes pending at that moment, which commits one SQLite transaction.
 *
 * <ul>
 *   <li>{@code durable} (default): a commit, and with it every write acknowledged after it, is on
 *       stable storage. {@code synchronous} defaults to {@code FULL} in WAL mode (one fsync of the
 *       WAL per commit) and to {@code EXTRA} with the rollback journal (in {@code DELETE} mode the
 *       commit is the unlinking of the journal, which only {@code EXTRA} makes durable by syncing
 *       the directory). A {@code synchronous} that lets a power loss take back acknowledged writes
 *       ({@code OFF}, {@code NORMAL}, and {@code FULL} with {@code DELETE}) contradicts {@code
 *       durable} and is refused with a message saying so.
 *   <li>{@code relaxed}: {@code synchronous} defaults to {@code OFF}: a commit hands the pages to
 *       the operating system without flushing, so acknowledged writes survive a crash or kill -9
 *       of the process but not a power loss or kernel crash (which may also corrupt the file).
 *       Any explicit {@code synchronous} is accepted.
 * </ul>
 *
 * {@code journal_mode} defaults to {@code WAL} in both modes (one fsync per commit instead of the
 * rollback journal's three or four, and readers that do not block the writer). This differs from
 * Broker, which issues no pragma and so runs SQLite's defaults (rollback journal {@code DELETE},
 * {@code synchronous=FULL}); Broker's exact defaults are {@code journal_mode =
 * Broker::SQLITE_JOURNAL_MODE_DELETE} with {@code durability = relaxed} and {@code synchronous =
 * Broker::SQLITE_SYNCHRONOUS_FULL}. WAL is a property of the file that Broker's SQLite reads as
 * well, so files stay interchangeable.
 *
 * <h2>Corrupt and unusable files</h2>
 *
 * Opening follows Broker's sequence: open, {@code synchronous}, {@code journal_mode}, create the
 * tables if missing, write the version row, optional integrity check. A file whose content is
 * damaged ({@code SQLITE_CORRUPT}, {@code SQLITE_NOTADB} — e.g. an overwritten header — or a
 * failed integrity check) is handled by {@code failure_mode}:
 *
 * <ul>
 *   <li>{@code FAIL}: opening fails with {@code BACKEND_FAILURE} and SQLite's reason; the file is
 *       left untouched.
 *   <li>{@code DELETE}: the file and its {@code -wal}, {@code -shm} and {@code -journal} files are
 *       renamed to {@code <name>.corrupt-<UTC time><suffix>} (kept, not deleted, so the data can
 *       still be rescued), a warning is logged, and a fresh empty store is created in its place.
 * </ul>
 *
 * Every other failure — a parent path that cannot be created, a file that cannot be opened or
 * written (permissions, read-only file system), a full disk, a database without Broker's schema —
 * fails with {@code BACKEND_FAILURE} naming the path and the reason in both modes: moving such a
 * file aside would lose data without curing anything.
 */
public final class SqliteBackendProvider implements BackendProvider {
  /** The backend type name. */
  public static final String TYPE = SqliteOptions.TYPE;

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Backend open(BackendOptions options) {
    return SqliteBackend.open(options);
  }
}
