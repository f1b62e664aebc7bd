package io.jbroker.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import io.jbroker.store.Durability;
import io.jbroker.store.Key;
import io.jbroker.store.LocalStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite backend beyond the contract: Broker's file format both ways, the options and their
 * durability mapping, failure modes for corrupt files, disk errors and group commit
 * (spec/broker-stores.md §11.3, §15.7, numbered {@code §15.7#n}).
 */
class SqliteBackendTest {
  private static final HexFormat HEX = HexFormat.of();
  /** 2026-01-01T00:00:00Z in nanoseconds. */
  private static final long DEADLINE = 1_767_225_600_000_000_000L;

  // Broker binary encodings written out by hand (spec §16), so that the test does not rely on our codec.
  private static final byte[] STRING_KEY1 = HEX.parseHex("05046b657931");
  private static final byte[] STRING_VALUE1 = HEX.parseHex("050676616c756531");
  private static final byte[] COUNT_42 = HEX.parseHex("02000000000000002a");
  private static final byte[] VECTOR_MINUS1_TRUE = HEX.parseHex("0e0203ffffffffffffffff0101");
  private static final byte[] STRING_SET = HEX.parseHex("0503736574");
  private static final byte[] SET_A_B = HEX.parseHex("0c02050161050162");
  private static final byte[] STRING_T = HEX.parseHex("050174");
  private static final byte[] TABLE_1_X = HEX.parseHex("0d01020000000000000001050178");

  @TempDir Path dir;

  private Path db() {
    return dir.resolve("store.db");
  }

  private BackendOptions options(Path path) {
    return BackendOptions.empty().with("path", path.toString());
  }

  private SqliteBackend open(BackendOptions options) {
    return (SqliteBackend) Backends.open("sqlite", options);
  }

  private static Data s(String v) {
    return Data.of(v);
  }

  private static Connection jdbc(Path path) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + path);
  }

  private static BrokerException failure(ErrorCode code, ThrowingCallable call) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(call);
    assertThat(t).isInstanceOf(BrokerException.class);
    BrokerException e = (BrokerException) t;
    assertThat(e.code()).as("code of %s", e.getMessage()).isEqualTo(code);
    return e;
  }

  // ---- Broker's file format -----------------------------------------------------------------------

  @Test
  void theHandMadeEncodingsAreBrokersEncodingsOfTheTestValues() {
    assertThat(BinaryCodec.encode(s("key1"))).isEqualTo(STRING_KEY1);
    assertThat(BinaryCodec.encode(s("value1"))).isEqualTo(STRING_VALUE1);
    assertThat(BinaryCodec.encode(Data.count(42))).isEqualTo(COUNT_42);
    assertThat(BinaryCodec.encode(Data.vector(Data.of(-1L), Data.of(true)))).isEqualTo(VECTOR_MINUS1_TRUE);
    assertThat(BinaryCodec.encode(s("set"))).isEqualTo(STRING_SET);
    assertThat(BinaryCodec.encode(Data.set(s("a"), s("b")))).isEqualTo(SET_A_B);
    assertThat(BinaryCodec.encode(s("t"))).isEqualTo(STRING_T);
    assertThat(BinaryCodec.encode(Data.table(Data.count(1), s("x")))).isEqualTo(TABLE_1_X);
  }

  @Test
  void aDatabaseWrittenTheWayBrokerWritesItOpensWithEveryEntryAndDeadline() throws Exception { // §11.3, §15.7#81
    try (Connection c = jdbc(db()); Statement s = c.createStatement()) {
      // Broker's initialization, statement for statement (SQLite defaults: rollback journal)
      s.execute("create table if not exists meta(key text primary key, value text);");
      s.execute("create table if not exists store(key blob primary key, value blob, expiry integer);");
      s.execute("replace into meta(key, value) values('broker_version', '2.7.1');");
      try (PreparedStatement put = c.prepareStatement("replace into store(key, value, expiry) values(?, ?, ?);")) {
        insert(put, STRING_KEY1, STRING_VALUE1, null);
        insert(put, COUNT_42, VECTOR_MINUS1_TRUE, DEADLINE);
        insert(put, STRING_SET, SET_A_B, null);
        insert(put, STRING_T, TABLE_1_X, DEADLINE + 1);
      }
    }
    try (SqliteBackend b = open(options(db()))) {
      assertThat(b.size()).isEqualTo(4);
      assertThat(b.get(Key.of(s("key1")))).isEqualTo(new Backend.Entry(s("value1"), Backend.NO_DEADLINE));
      assertThat(b.get(Key.of(Data.count(42))))
          .isEqualTo(new Backend.Entry(Data.vector(Data.of(-1L), Data.of(true)), DEADLINE));
      assertThat(b.get(Key.of(s("set")))).isEqualTo(new Backend.Entry(Data.set(s("a"), s("b")), Backend.NO_DEADLINE));
      assertThat(b.get(Key.of(s("t")))).isEqualTo(new Backend.Entry(Data.table(Data.count(1), s("x")), DEADLINE + 1));
      List<Data> order = new ArrayList<>();
      b.scan(null, 10, (k, v, d) -> order.add(k.data()));
      // memcmp order of the encodings: tag 02 first, then strings by length byte before content
      assertThat(order).containsExactly(Data.count(42), s("t"), s("set"), s("key1"));
      Map<Data, Long> deadlines = new LinkedHashMap<>();
      b.forEachDeadline((k, v, d) -> deadlines.put(k.data(), d));
      assertThat(deadlines).containsOnly(Map.entry(Data.count(42), DEADLINE), Map.entry(s("t"), DEADLINE + 1));
    }
    try (Connection c = jdbc(db()); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("select key, value from meta")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("broker_version");
      assertThat(rs.getString(2)).isEqualTo("2.8.0"); // rewritten on every open, as Broker does
      assertThat(rs.next()).isFalse();
    }
  }

  private static void insert(PreparedStatement put, byte[] key, byte[] value, Long expiry) throws SQLException {
    put.setBytes(1, key);
    put.setBytes(2, value);
    if (expiry == null) {
      put.setNull(3, java.sql.Types.INTEGER);
    } else {
      put.setLong(3, expiry);
    }
    put.executeUpdate();
  }

  @Test
  void theFileWeWriteHasBrokersSchemaEncodingsAndDeadlinesForPlainSqlite() throws Exception { // §15.7#81
    try (SqliteBackend b = open(options(db()))) {
      b.put(Key.of(s("key1")), s("value1"), Backend.NO_DEADLINE);
      b.put(Key.of(Data.count(42)), Data.vector(Data.of(-1L), Data.of(true)), DEADLINE);
      b.put(Key.of(s("gone")), s("x"), Backend.NO_DEADLINE);
      b.erase(Key.of(s("gone")));
      b.sync();
    }
    try (Connection c = jdbc(db()); Statement s = c.createStatement()) {
      assertThat(columns(s, "meta")).containsExactly("key text pk", "value text");
      assertThat(columns(s, "store")).containsExactly("key blob pk", "value blob", "expiry integer");
      try (ResultSet rs = s.executeQuery("select value from meta where key = 'broker_version'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("2.8.0");
      }
      Map<String, String> rows = new LinkedHashMap<>();
      try (ResultSet rs = s.executeQuery(
          "select hex(key), hex(value), typeof(key), typeof(value), typeof(expiry), expiry from store order by key")) {
        while (rs.next()) {
          rows.put(rs.getString(1), rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4) + " "
              + rs.getString(5) + " " + rs.getString(6));
        }
      }
      assertThat(rows).containsExactly(
          Map.entry(HEX.formatHex(COUNT_42).toUpperCase(), HEX.formatHex(VECTOR_MINUS1_TRUE).toUpperCase()
              + " blob blob integer " + DEADLINE),
          Map.entry(HEX.formatHex(STRING_KEY1).toUpperCase(), HEX.formatHex(STRING_VALUE1).toUpperCase()
              + " blob blob null null"));
      try (ResultSet rs = s.executeQuery("pragma integrity_check")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("ok");
      }
    }
  }

  @Test
  void metaNamesAreTheMetaRowsOtherThanBrokersOwnUncommittedOnesIncluded() throws Exception {
    try (Connection c = jdbc(db()); Statement s = c.createStatement()) {
      s.execute("create table if not exists meta(key text primary key, value text);");
      s.execute("create table if not exists store(key blob primary key, value blob, expiry integer);");
      s.execute("replace into meta(key, value) values('broker_version', '2.7.1');");
      // rows of an earlier run (base64 values), a row a later Broker might add, and a NULL name
      s.execute("insert into meta(key, value) values('writer.b', 'AQ=='), ('writer.a', 'Ag=='), "
          + "('broker_other', 'x'), (NULL, 'orphan')");
    }
    try (SqliteBackend b = open(options(db()))) {
      assertThat(b.metaNames("")).containsExactly("writer.a", "writer.b");
      assertThat(b.metaNames("broker")).isEmpty();
      assertThat(b.metaNames("b")).isEmpty();
      assertThat(b.getMeta("writer.a")).containsExactly(2);
      b.putMeta("writer.c", new byte[] {3});
      b.putMeta("writer.a", null);
      // in the open write transaction: listed here, not yet in the file another connection reads
      assertThat(b.metaNames("writer.")).containsExactly("writer.b", "writer.c");
      assertThat(plainMetaKeys()).containsExactly("broker_other", "broker_version", "writer.a", "writer.b");
      b.sync();
      assertThat(plainMetaKeys()).containsExactly("broker_other", "broker_version", "writer.b", "writer.c");
      assertThat(b.metaNames("writer.")).containsExactly("writer.b", "writer.c");
    }
  }

  /** The non-NULL names of the meta table, read with a connection of its own. */
  private List<String> plainMetaKeys() throws SQLException {
    List<String> keys = new ArrayList<>();
    try (Connection c = jdbc(db()); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("select key from meta where key is not null order by key")) {
      while (rs.next()) {
        keys.add(rs.getString(1));
      }
    }
    return keys;
  }

  private static List<String> columns(Statement s, String table) throws SQLException {
    List<String> cols = new ArrayList<>();
    try (ResultSet rs = s.executeQuery("pragma table_info(" + table + ")")) {
      while (rs.next()) {
        cols.add(rs.getString("name") + " " + rs.getString("type").toLowerCase() + (rs.getInt("pk") > 0 ? " pk" : ""));
      }
    }
    return cols;
  }

  @Test
  void brokersDefaultPragmasAreOneSettingAway() throws Exception { // §15.7#74
    try (SqliteBackend b = open(options(db()).with("journal_mode", Data.enumValue("Broker::SQLITE_JOURNAL_MODE_DELETE"))
        .with("durability", "relaxed").with("synchronous", Data.enumValue("Broker::SQLITE_SYNCHRONOUS_FULL")))) {
      assertThat(b.pragma("journal_mode")).isEqualTo("delete");
      assertThat(b.pragma("synchronous")).isEqualTo("2");
      for (int n = 1; n <= 3; n++) {
        b.put(Key.of(s("key" + n)), s("value" + n), Backend.NO_DEADLINE);
      }
      b.sync();
      assertThat(b.get(Key.of(s("key1"))).value()).isEqualTo(s("value1"));
    }
    assertThat(Files.exists(dir.resolve("store.db-wal"))).isFalse();
    try (Connection c = jdbc(db()); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("pragma journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("delete");
    }
  }

  @Test
  void undecodableStoredBytesGiveInvalidDataNamingTheFileAndKey() throws Exception {
    try (Connection c = jdbc(db()); Statement s = c.createStatement()) {
      s.execute("create table store(key blob primary key, value blob, expiry integer)");
      s.execute("insert into store values(x'" + HEX.formatHex(STRING_KEY1) + "', x'ff00', null)");
    }
    try (SqliteBackend b = open(options(db()))) {
      BrokerException e = failure(ErrorCode.INVALID_DATA, () -> b.get(Key.of(s("key1"))));
      assertThat(e.getMessage()).contains(db().toString()).contains("\"key1\"");
      failure(ErrorCode.INVALID_DATA, () -> b.scan(null, 10, (k, v, d) -> { }));
      b.put(Key.ofEncoded(HEX.parseHex("ee")), s("x"), Backend.NO_DEADLINE); // an invalid key, as a foreign writer might store
      b.erase(Key.of(s("key1")));
      BrokerException k = failure(ErrorCode.INVALID_DATA, () -> b.scan(null, 10, (key, v, d) -> { }));
      assertThat(k.getMessage()).contains("0xee");
    }
  }

  @Test
  void aDatabaseWithAForeignStoreTableIsRefusedAndNotMovedAside() throws Exception {
    try (Connection c = jdbc(db()); Statement s = c.createStatement()) {
      s.execute("create table store(id integer primary key, payload text)");
      s.execute("insert into store(payload) values('someone else''s data')");
    }
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(options(db()).with("failure_mode", "delete")));
    assertThat(e.getMessage()).contains(db().toString()).contains("store(key blob primary key").contains("no such column");
    assertThat(movedAside()).isEmpty();
    try (Connection c = jdbc(db()); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select payload from store")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("someone else's data");
    }
  }

  // ---- options ----------------------------------------------------------------------------------------

  @Test
  void theProviderIsFoundByItsTypeName() {
    assertThat(Backends.providers()).containsKey("sqlite");
    assertThat(Backends.provider("sqlite")).isInstanceOf(SqliteBackendProvider.class);
  }

  @Test
  void synchronousTakesBrokersValuesAndPlainNames() { // §15.7#76
    String[][] cases = {
        {"Broker::SQLITE_SYNCHRONOUS_OFF", "relaxed", "0"}, {"Broker::SQLITE_SYNCHRONOUS_NORMAL", "relaxed", "1"},
        {"Broker::SQLITE_SYNCHRONOUS_FULL", "durable", "2"}, {"Broker::SQLITE_SYNCHRONOUS_EXTRA", "durable", "3"},
        {"normal", "relaxed", "1"}, {"EXTRA", "relaxed", "3"}};
    int n = 0;
    for (String[] c : cases) {
      Data value = c[0].startsWith("Broker::") ? Data.enumValue(c[0]) : s(c[0]);
      try (SqliteBackend b = open(options(dir.resolve("s" + n++ + ".db")).with("synchronous", value).with("durability", c[1]))) {
        assertThat(b.pragma("synchronous")).as(c[0]).isEqualTo(c[2]);
        b.put(Key.of(s("k")), s("v"), Backend.NO_DEADLINE);
        b.sync();
        assertThat(b.get(Key.of(s("k"))).value()).isEqualTo(s("v"));
      }
    }
  }

  @Test
  void journalModeTakesBrokersValues() { // §15.7#75
    try (SqliteBackend b = open(options(dir.resolve("d.db")).with("journal_mode", Data.enumValue("Broker::SQLITE_JOURNAL_MODE_DELETE")))) {
      assertThat(b.pragma("journal_mode")).isEqualTo("delete");
    }
    try (SqliteBackend b = open(options(dir.resolve("w.db")).with("durability", "relaxed")
        .with("synchronous", Data.enumValue("Broker::SQLITE_SYNCHRONOUS_NORMAL"))
        .with("journal_mode", Data.enumValue("Broker::SQLITE_JOURNAL_MODE_WAL")))) {
      assertThat(b.pragma("journal_mode")).isEqualTo("wal");
      assertThat(b.pragma("synchronous")).isEqualTo("1");
      b.put(Key.of(s("k")), s("v"), Backend.NO_DEADLINE);
      assertThat(b.get(Key.of(s("k"))).value()).isEqualTo(s("v"));
    }
  }

  @Test
  void durabilityChoosesSynchronousUnlessItIsGiven() {
    try (SqliteBackend b = open(options(dir.resolve("r.db")).with("durability", "relaxed"))) {
      assertThat(b.durability()).isEqualTo(Durability.RELAXED);
      assertThat(b.pragma("synchronous")).isEqualTo("0");
      assertThat(b.pragma("journal_mode")).isEqualTo("wal");
    }
    try (SqliteBackend b = open(options(dir.resolve("r2.db")).with("durability", "relaxed").with("synchronous", "full"))) {
      assertThat(b.durability()).isEqualTo(Durability.RELAXED);
      assertThat(b.pragma("synchronous")).isEqualTo("2");
    }
    try (SqliteBackend b = open(options(dir.resolve("d.db")))) {
      assertThat(b.durability()).isEqualTo(Durability.DURABLE);
      assertThat(b.pragma("synchronous")).isEqualTo("2"); // FULL syncs the WAL at every commit
    }
    try (SqliteBackend b = open(options(dir.resolve("dj.db")).with("journal_mode", "delete"))) {
      assertThat(b.durability()).isEqualTo(Durability.DURABLE);
      assertThat(b.pragma("synchronous")).isEqualTo("3"); // EXTRA also syncs the journal's unlinking
    }
  }

  @Test
  void durableRefusesASynchronousModeThatLosesAcknowledgedWrites() {
    List<BackendOptions> contradictions = new ArrayList<>();
    for (String sync : List.of("Broker::SQLITE_SYNCHRONOUS_OFF", "Broker::SQLITE_SYNCHRONOUS_NORMAL")) {
      contradictions.add(options(db()).with("synchronous", Data.enumValue(sync)));
      contradictions.add(options(db()).with("synchronous", Data.enumValue(sync)).with("durability", "durable"));
      contradictions.add(options(db()).with("synchronous", Data.enumValue(sync)).with("journal_mode", "delete"));
    }
    contradictions.add(options(db()).with("synchronous", Data.enumValue("Broker::SQLITE_SYNCHRONOUS_FULL"))
        .with("journal_mode", Data.enumValue("Broker::SQLITE_JOURNAL_MODE_DELETE")));
    for (BackendOptions o : contradictions) {
      BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(o));
      assertThat(e.getMessage()).as("%s", o).contains("\"synchronous\"").contains(o.get("synchronous").orElseThrow().toString())
          .contains("durable").contains("relaxed").contains("Broker::SQLITE_SYNCHRONOUS_EXTRA");
    }
    assertThat(Files.exists(db())).isFalse();
    try (SqliteBackend b = open(options(db()).with("synchronous", "extra").with("journal_mode", "delete"))) {
      assertThat(b.pragma("synchronous")).isEqualTo("3");
    }
  }

  @Test
  void wrongOptionValuesAreRefusedNamingTheOption() { // §15.7#78
    Map<String, Data> wrong = new LinkedHashMap<>();
    wrong.put("journal_mode", Data.enumValue("Foo::SQLITE_JOURNAL_MODE_WAL"));
    wrong.put("journal_mode ", Data.enumValue("Broker::SQLITE_MODE_SUPER_AWESOME"));
    wrong.put("synchronous", Data.enumValue("Foo::SQLITE_SYNCHRONOUS_OFF"));
    wrong.put("journal_mode  ", Data.enumValue("Broker::SQLITE_SYNCHRONOUS_CHRONOS"));
    wrong.put("journal_mode   ", s("foo"));
    wrong.put("synchronous ", s("foo"));
    wrong.put("synchronous  ", Data.count(2));
    wrong.put("failure_mode", Data.enumValue("Broker::SQLITE_FAILURE_MODE_IGNORE"));
    wrong.put("integrity_check", s("sometimes"));
    wrong.put("durability", s("eventually"));
    wrong.put("path", Data.count(1));
    wrong.put("path ", s(""));
    wrong.forEach((padded, value) -> {
      String name = padded.trim();
      BackendOptions o = name.equals("path") ? BackendOptions.empty().with(name, value) : options(db()).with(name, value);
      BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(o));
      assertThat(e.getMessage()).as("%s = %s", name, value).contains("sqlite").contains("\"" + name + "\"");
    });
    assertThat(Files.exists(db())).isFalse();
  }

  @Test
  void anUnknownOptionIsRefusedNamingIt() {
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(options(db()).with("foo", Data.of(4.2))));
    assertThat(e.getMessage()).contains("\"foo\"").contains("journal_mode");
  }

  @Test
  void aMissingPathIsRefused() { // §15.7#79
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(BackendOptions.empty()));
    assertThat(e.getMessage()).contains("\"path\"").contains("required");
  }

  @Test
  void missingParentDirectoriesAreCreated() {
    Path deep = dir.resolve("a/b/c/store.db");
    try (SqliteBackend b = open(options(deep))) {
      b.put(Key.of(s("k")), s("v"), Backend.NO_DEADLINE);
    }
    assertThat(deep).isRegularFile();
  }

  // ---- corrupt files and failure_mode ----------------------------------------------------------------

  private void writeKey1AndClose(Path path) {
    try (SqliteBackend b = open(options(path))) {
      b.put(Key.of(s("key1")), s("value1"), Backend.NO_DEADLINE);
    }
  }

  private static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), offset);
    }
  }

  private List<Path> movedAside() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("store.db.corrupt-")).sorted().toList();
    }
  }

  @Test
  void aCorruptHeaderFailsToOpenWithFailureModeFailAndLeavesTheFile() throws Exception { // §15.7#77
    writeKey1AndClose(db());
    overwrite(db(), 2, "AAAA".getBytes(StandardCharsets.US_ASCII));
    byte[] before = Files.readAllBytes(db());
    BackendOptions o = options(db()).with("failure_mode", Data.enumValue("Broker::SQLITE_FAILURE_MODE_FAIL"));
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(o));
    assertThat(e.getMessage()).contains(db().toString()).contains("SQLITE_NOTADB").contains("failure_mode FAIL");
    failure(ErrorCode.BACKEND_FAILURE, () -> open(options(db()))); // FAIL is the default
    assertThat(Files.readAllBytes(db())).isEqualTo(before);
    assertThat(movedAside()).isEmpty();
  }

  @Test
  void aCorruptHeaderIsMovedAsideAndReplacedByAnEmptyStoreWithFailureModeDelete() throws Exception { // §15.7#77
    writeKey1AndClose(db());
    overwrite(db(), 2, "AAAA".getBytes(StandardCharsets.US_ASCII));
    byte[] corrupt = Files.readAllBytes(db());
    try (SqliteBackend b = open(options(db()).with("failure_mode", Data.enumValue("Broker::SQLITE_FAILURE_MODE_DELETE")))) {
      assertThat(b.get(Key.of(s("key1")))).isNull();
      assertThat(b.size()).isZero();
      b.put(Key.of(s("fresh")), s("start"), Backend.NO_DEADLINE);
    }
    List<Path> aside = movedAside();
    assertThat(aside).hasSize(1);
    assertThat(aside.get(0).getFileName().toString()).matches("store\\.db\\.corrupt-\\d{8}T\\d{6}\\.\\d{3}Z");
    assertThat(Files.readAllBytes(aside.get(0))).isEqualTo(corrupt); // kept, not deleted
    try (SqliteBackend b = open(options(db()))) {
      assertThat(b.get(Key.of(s("fresh"))).value()).isEqualTo(s("start"));
    }
  }

  @Test
  void movingAsideRenamesTheFileAndItsSideFilesTogetherWithoutOverwritingEarlierOnes() throws Exception {
    for (String suffix : List.of("", "-wal", "-shm")) {
      Files.writeString(dir.resolve("store.db" + suffix), "first" + suffix);
    }
    List<Path> first = SqliteBackend.moveAside(db());
    assertThat(first).hasSize(3);
    assertThat(first.get(1).toString()).isEqualTo(first.get(0) + "-wal");
    assertThat(first.get(2).toString()).isEqualTo(first.get(0) + "-shm");
    assertThat(Files.readString(first.get(1))).isEqualTo("first-wal");
    Files.writeString(db(), "second");
    Files.writeString(dir.resolve("store.db-journal"), "second-journal");
    List<Path> second = SqliteBackend.moveAside(db());
    assertThat(second).hasSize(2).doesNotContainAnyElementsOf(first);
    assertThat(second.get(1).toString()).isEqualTo(second.get(0) + "-journal");
    assertThat(Files.readString(second.get(0))).isEqualTo("second");
    assertThat(Files.readString(first.get(0))).isEqualTo("first");
    assertThat(db()).doesNotExist();
  }

  /** Writes enough entries for many pages, then overwrites a page of the store's table in the middle of the file. */
  private void writeAndDamageADataPage(Path path) throws Exception {
    try (SqliteBackend b = open(options(path))) {
      for (int n = 0; n < 2_000; n++) {
        b.put(Key.of(Data.of((long) n)), s("value-" + n + "-".repeat(100)), Backend.NO_DEADLINE);
      }
    }
    assertThat(dir.resolve(path.getFileName() + "-wal")).doesNotExist(); // all of it is in the file
    long pages = Files.size(path) / 4096;
    assertThat(pages).isGreaterThan(20);
    byte[] garbage = new byte[4096];
    java.util.Arrays.fill(garbage, (byte) 0x5a);
    overwrite(path, (pages / 2) * 4096, garbage);
  }

  @Test
  void integrityCheckFindsADamagedPageThatOpeningAloneDoesNotNotice() throws Exception {
    writeAndDamageADataPage(db());
    try (SqliteBackend b = open(options(db()))) {
      assertThat(b.get(Key.of(Data.of(0L)))).isNotNull(); // opens: the damage is only seen where it is read
    }
    BackendOptions checked = options(db()).with("integrity_check", Data.of(true));
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(checked));
    // integrity_check either lists the damage or stops at it with SQLITE_CORRUPT: both are corruption
    assertThat(e.getMessage()).contains(db().toString()).containsAnyOf("integrity check failed", "SQLITE_CORRUPT");
    assertThat(movedAside()).isEmpty();
  }

  @Test
  void integrityCheckWithFailureModeDeleteStartsEmptyAndKeepsTheDamagedFile() throws Exception {
    writeAndDamageADataPage(db());
    try (SqliteBackend b = open(options(db()).with("integrity_check", "true").with("failure_mode", "DELETE"))) {
      assertThat(b.size()).isZero();
    }
    assertThat(movedAside()).hasSize(1);
  }

  @Test
  void integrityCheckPassesOnAHealthyDatabase() {
    writeKey1AndClose(db());
    try (SqliteBackend b = open(options(db()).with("integrity_check", Data.of(true)))) {
      assertThat(b.get(Key.of(s("key1"))).value()).isEqualTo(s("value1"));
    }
  }

  @Test
  void failureModeDeleteDoesNotMoveAsideWhatIsNotCorrupt() throws Exception {
    Files.createDirectories(db()); // a directory where the database should be: unusable, not corrupt
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(options(db()).with("failure_mode", "delete")));
    assertThat(e.getMessage()).contains(db().toString()).contains("SQLITE_CANTOPEN");
    assertThat(db()).isDirectory();
    assertThat(movedAside()).isEmpty();
  }

  // ---- disk errors ----------------------------------------------------------------------------------

  @Test
  void aParentThatIsARegularFileFailsWithThePathAndTheReason() throws Exception {
    Path file = dir.resolve("plain-file");
    Files.writeString(file, "x");
    Path path = file.resolve("sub/store.db");
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(options(path)));
    assertThat(e.getMessage()).contains(path.toString()).contains(file.toString()).containsIgnoringCase("not a directory");
  }

  @Test
  void aReadOnlyDatabaseFailsToOpenWithThePathAndTheReason() {
    try (SqliteBackend b = open(options(db()).with("journal_mode", "delete"))) {
      b.put(Key.of(s("key1")), s("value1"), Backend.NO_DEADLINE);
    }
    SqliteOptions o = SqliteOptions.parse(options(db()).with("journal_mode", "delete"));
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> SqliteBackend.open(o, true));
    assertThat(e.getMessage()).contains(db().toString()).contains("SQLITE_READONLY");
  }

  @Test
  void aReadOnlyFileFailsToOpenForWriting() throws Exception {
    writeKey1AndClose(db());
    Files.setPosixFilePermissions(db(), PosixFilePermissions.fromString("r--r--r--"));
    assumeTrue(!Files.isWritable(db()), "this process may write read-only files (root): covered by the read-only open above");
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(options(db())));
    assertThat(e.getMessage()).contains(db().toString()).containsAnyOf("SQLITE_READONLY", "SQLITE_CANTOPEN");
  }

  @Test
  void aReadOnlyDirectoryFailsToCreateTheDatabase() throws Exception {
    Path ro = Files.createDirectory(dir.resolve("ro"));
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
    assumeTrue(!Files.isWritable(ro), "this process may write read-only directories (root)");
    Path path = ro.resolve("store.db");
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(options(path)));
    assertThat(e.getMessage()).contains(path.toString()).contains("SQLITE_CANTOPEN");
  }

  /** Sets or clears the immutable attribute, which even root cannot write through; false if unsupported here. */
  private static boolean immutable(Path p, boolean on) throws Exception {
    try {
      Process chattr = new ProcessBuilder("chattr", on ? "+i" : "-i", p.toString()).redirectErrorStream(true).start();
      chattr.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
      return chattr.waitFor(10, TimeUnit.SECONDS) && chattr.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void anImmutableDatabaseFileFailsToOpenForWritingEvenForRoot() throws Exception {
    writeKey1AndClose(db());
    assumeTrue(immutable(db(), true), "chattr +i is not available here");
    try {
      BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(options(db())));
      assertThat(e.getMessage()).contains(db().toString()).contains("SQLITE_READONLY");
    } finally {
      immutable(db(), false);
    }
  }

  @Test
  void anImmutableDirectoryFailsToHoldANewDatabaseEvenForRoot() throws Exception {
    Path locked = Files.createDirectory(dir.resolve("locked"));
    assumeTrue(immutable(locked, true), "chattr +i is not available here");
    try {
      Path path = locked.resolve("store.db");
      BrokerException e = failure(ErrorCode.BACKEND_FAILURE, () -> open(options(path)));
      assertThat(e.getMessage()).contains(path.toString()).contains("SQLITE_CANTOPEN");
    } finally {
      immutable(locked, false);
    }
  }

  @Test
  void aFullDiskFailsTheWriteAndTheSyncOfItsGroupAndKeepsWhatWasSynced() {
    try (SqliteBackend b = open(options(db()))) {
      b.put(Key.of(s("synced")), s("before"), Backend.NO_DEADLINE);
      b.sync();
      long pages = Long.parseLong(b.pragma("page_count"));
      assertThat(b.limitPages(pages)).isEqualTo(pages); // no room to grow: SQLITE_FULL, as with a full disk
      b.put(Key.of(s("group-0")), s("small"), Backend.NO_DEADLINE);
      BrokerException full = null;
      for (int n = 1; n < 10_000 && full == null; n++) {
        try {
          b.put(Key.of(s("group-" + n)), s("x".repeat(1_000)), Backend.NO_DEADLINE);
        } catch (BrokerException e) {
          full = e;
        }
      }
      assertThat(full).isNotNull();
      assertThat(full.code()).isEqualTo(ErrorCode.BACKEND_FAILURE);
      assertThat(full.getMessage()).contains(db().toString()).contains("SQLITE_FULL").contains("put of key");
      BrokerException sync = failure(ErrorCode.BACKEND_FAILURE, b::sync);
      assertThat(sync.getMessage()).contains(db().toString()).contains("rolled back").contains("SQLITE_FULL");
      assertThat(b.get(Key.of(s("group-0")))).isNull(); // the whole group is gone, none of it is half there
      assertThat(b.get(Key.of(s("synced"))).value()).isEqualTo(s("before"));
      b.limitPages(1_000_000); // space again: the backend goes on
      b.put(Key.of(s("after")), s("space"), Backend.NO_DEADLINE);
      b.sync();
    }
    try (SqliteBackend b = open(options(db()))) {
      assertThat(b.get(Key.of(s("synced"))).value()).isEqualTo(s("before"));
      assertThat(b.get(Key.of(s("after"))).value()).isEqualTo(s("space"));
      assertThat(b.get(Key.of(s("group-0")))).isNull();
    }
  }

  @Test
  void theReadCacheFollowsEveryWriteEraseAndClear() {
    try (SqliteBackend b = open(options(db()).with("cache_entries", Data.count(2)))) {
      Key a = Key.of(s("a"));
      b.put(a, s("1"), Backend.NO_DEADLINE);
      assertThat(b.get(a)).isEqualTo(new Backend.Entry(s("1"), Backend.NO_DEADLINE)); // now cached
      b.put(a, s("2"), DEADLINE);
      assertThat(b.get(a)).isEqualTo(new Backend.Entry(s("2"), DEADLINE));
      assertThat(b.getAndPut(a, s("3"), Backend.NO_DEADLINE)).isEqualTo(new Backend.Entry(s("2"), DEADLINE));
      assertThat(b.get(a)).isEqualTo(new Backend.Entry(s("3"), Backend.NO_DEADLINE));
      assertThat(b.erase(a)).isTrue();
      assertThat(b.get(a)).isNull();
      assertThat(b.exists(a)).isFalse();
      for (String k : List.of("x", "y", "z", "x")) { // more keys than the cache holds
        b.put(Key.of(s(k)), s(k + "-v"), Backend.NO_DEADLINE);
        assertThat(b.get(Key.of(s(k))).value()).isEqualTo(s(k + "-v"));
      }
      b.put(Key.of(s("big")), s("b".repeat(io.jbroker.store.internal.EntryCache.MAX_VALUE_BYTES + 1)), Backend.NO_DEADLINE);
      assertThat(b.get(Key.of(s("big"))).value()).isEqualTo(s("b".repeat(io.jbroker.store.internal.EntryCache.MAX_VALUE_BYTES + 1)));
      b.put(Key.of(s("big")), s("small"), Backend.NO_DEADLINE);
      assertThat(b.get(Key.of(s("big"))).value()).isEqualTo(s("small"));
      b.clear();
      assertThat(b.get(Key.of(s("x")))).isNull();
      assertThat(b.exists(Key.of(s("z")))).isFalse();
    }
  }

  /** A cached entry must not outlive a rollback of the write that put it there. */
  @Test
  void aRolledBackGroupLeavesNoWriteOfItInTheReadCache() {
    try (SqliteBackend b = open(options(db()))) {
      Key synced = Key.of(s("synced"));
      b.put(synced, s("before"), Backend.NO_DEADLINE);
      b.sync();
      assertThat(b.get(synced).value()).isEqualTo(s("before")); // cached
      long pages = Long.parseLong(b.pragma("page_count"));
      b.limitPages(pages);
      b.put(synced, s("after"), Backend.NO_DEADLINE); // an update in place fits
      assertThat(b.get(synced).value()).isEqualTo(s("after"));
      assertThatThrownBy(() -> {
        for (int n = 0; n < 10_000; n++) {
          b.put(Key.of(s("group-" + n)), s("x".repeat(1_000)), Backend.NO_DEADLINE);
        }
      }).isInstanceOf(BrokerException.class).hasMessageContaining("SQLITE_FULL");
      failure(ErrorCode.BACKEND_FAILURE, b::sync); // the group, "after" included, is rolled back
      assertThat(b.get(synced).value()).isEqualTo(s("before"));
    }
  }

  @Test
  void cacheEntriesMustBeACountWithinItsLimit() {
    assertThat(failure(ErrorCode.BACKEND_FAILURE, () -> open(options(db()).with("cache_entries", Data.of("many")))
        .close()).getMessage()).contains("cache_entries");
    assertThat(failure(ErrorCode.BACKEND_FAILURE, () -> open(options(db()).with("cache_entries",
        Data.count(SqliteOptions.MAX_CACHE_ENTRIES + 1L))).close()).getMessage()).contains("cache_entries");
  }

  @Test
  void aFullDiskUnderALocalStoreFailsTheAffectedWritesAndPersistsExactlyTheAcknowledgedOnes() throws Exception {
    SqliteBackend backend = open(options(db()));
    backend.limitPages(Long.parseLong(backend.pragma("page_count")) + 8);
    Map<Data, CompletableFuture<Void>> puts = new LinkedHashMap<>();
    try (LocalStore store = LocalStore.builder("full", backend).build()) {
      for (int n = 0; n < 400; n++) {
        puts.put(s("k" + n), store.put(s("k" + n), s("v".repeat(500))));
      }
      CompletableFuture.allOf(puts.values().stream().map(f -> f.exceptionally(t -> null))
          .toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }
    List<Data> acked = new ArrayList<>();
    List<Data> failed = new ArrayList<>();
    for (Map.Entry<Data, CompletableFuture<Void>> p : puts.entrySet()) {
      try {
        p.getValue().get();
        acked.add(p.getKey());
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(BrokerException.class);
        assertThat(((BrokerException) e.getCause()).code()).isEqualTo(ErrorCode.BACKEND_FAILURE);
        failed.add(p.getKey());
      }
    }
    assertThat(failed).isNotEmpty();
    try (SqliteBackend b = open(options(db()))) {
      for (Data k : acked) {
        assertThat(b.get(Key.of(k))).as("acknowledged %s", k).isNotNull();
      }
      for (Data k : failed) {
        assertThat(b.get(Key.of(k))).as("failed %s", k).isNull();
      }
    }
  }

  // ---- group commit and lifecycle -----------------------------------------------------------------------

  @Test
  void writesAreVisibleAtOnceButReachTheFileOnlyAtSync() throws Exception {
    try (SqliteBackend b = open(options(db())); Connection other = jdbc(db())) {
      b.put(Key.of(s("k")), s("v1"), 5L);
      assertThat(b.get(Key.of(s("k")))).isEqualTo(new Backend.Entry(s("v1"), 5L));
      assertThat(countFromOutside(other)).isZero();
      b.put(Key.of(s("k2")), s("v2"), Backend.NO_DEADLINE);
      b.sync();
      assertThat(countFromOutside(other)).isEqualTo(2);
      assertThat(b.erase(Key.of(s("k")))).isTrue();
      assertThat(countFromOutside(other)).isEqualTo(2);
      b.sync();
      assertThat(countFromOutside(other)).isEqualTo(1);
      b.sync(); // nothing pending: nothing to do
    }
  }

  private static long countFromOutside(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from store")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void closeCommitsPendingWritesAndReopeningFindsThem() {
    SqliteBackend b = open(options(db()));
    b.put(Key.of(s("unsynced")), Data.count(7), DEADLINE);
    b.close();
    b.close();
    BrokerException e = failure(ErrorCode.BACKEND_FAILURE, b::sync);
    assertThat(e.getMessage()).contains(db().toString()).contains("closed");
    try (SqliteBackend again = open(options(db()))) {
      assertThat(again.get(Key.of(s("unsynced")))).isEqualTo(new Backend.Entry(Data.count(7), DEADLINE));
    }
  }

  @Test
  void aLocalStoreOverSqliteAcknowledgesConcurrentWritesAndKeepsThemAcrossReopen() throws Exception {
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    try (LocalStore store = LocalStore.builder("s", open(options(db()))).build()) {
      for (int n = 0; n < 2_000; n++) {
        acks.add(store.put(Data.of((long) n), s("v" + n)));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }
    try (LocalStore store = LocalStore.builder("s", open(options(db()))).build()) {
      assertThat(store.size().get(10, TimeUnit.SECONDS)).isEqualTo(2_000);
      assertThat(store.blocking().get(Data.of(1_999L))).isEqualTo(s("v1999"));
    }
  }
}
