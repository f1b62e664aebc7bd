package io.jbroker.store.rocksdb;

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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

class RocksDbBackendTest {
  @TempDir Path dir;

  private final List<Backend> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(Backend::close);
  }

  private Path db() {
    return dir.resolve("store");
  }

  private Backend open(BackendOptions options) {
    Backend b = Backends.open("rocksdb", options);
    opened.add(b);
    return b;
  }

  private Backend open(Path path) {
    return open(BackendOptions.empty().with("path", path.toString()));
  }

  private static Key k(String s) {
    return Key.of(Data.of(s));
  }

  private static BrokerException fails(ErrorCode code, ThrowingCallable call) {
    Throwable[] caught = new Throwable[1];
    assertThatThrownBy(call)
        .isInstanceOf(BrokerException.class)
        .satisfies(e -> assertThat(((BrokerException) e).code()).as("error code of %s", e).isEqualTo(code))
        .satisfies(e -> caught[0] = e);
    return (BrokerException) caught[0];
  }

  /** The raw records of the entries column family, opened read-only with plain RocksDB. */
  private static Map<String, byte[]> rawEntries(Path path) throws RocksDBException {
    Map<String, byte[]> raw = new TreeMap<>();
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (ColumnFamilyOptions cf = new ColumnFamilyOptions(); DBOptions o = new DBOptions();
        RocksDB db = RocksDB.openReadOnly(o, path.toString(), List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf),
            new ColumnFamilyDescriptor(RocksDbBackend.ENTRIES.getBytes(StandardCharsets.UTF_8), cf)), handles)) {
      try (RocksIterator it = db.newIterator(handles.get(1))) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          raw.put(java.util.HexFormat.of().formatHex(it.key()), it.value());
        }
      } finally {
        handles.forEach(ColumnFamilyHandle::close);
      }
    }
    return raw;
  }

  /** Writes one raw record into the entries column family with plain RocksDB. */
  private static void writeRaw(Path path, byte[] key, byte[] value) throws RocksDBException {
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (ColumnFamilyOptions cf = new ColumnFamilyOptions(); DBOptions o = new DBOptions();
        RocksDB db = RocksDB.open(o, path.toString(), List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf),
            new ColumnFamilyDescriptor(RocksDbBackend.ENTRIES.getBytes(StandardCharsets.UTF_8), cf)), handles)) {
      try {
        db.put(handles.get(1), key, value);
      } finally {
        handles.forEach(ColumnFamilyHandle::close);
      }
    }
  }

  // ---- layout ----------------------------------------------------------------------------------

  @Test
  void recordsAreKeyedByTheCanonicalKeyAndHoldVersionDeadlineAndBrokerEncoding() throws Exception {
    Backend b = open(db());
    Data value = Data.table(Data.of("a"), Data.vector(Data.count(1), Data.of(2.5)));
    b.put(k("with"), value, 0x0102_0304_0506_0708L);
    b.put(k("without"), Data.of("x"), Backend.NO_DEADLINE);
    b.close();

    Map<String, byte[]> raw = rawEntries(db());
    assertThat(raw).containsOnlyKeys(
        java.util.HexFormat.of().formatHex(k("with").encoded()),
        java.util.HexFormat.of().formatHex(k("without").encoded()));
    byte[] with = raw.get(java.util.HexFormat.of().formatHex(k("with").encoded()));
    byte[] encoded = BinaryCodec.encode(value);
    assertThat(with).hasSize(9 + encoded.length);
    assertThat(with[0]).isEqualTo((byte) 1);
    assertThat(java.util.Arrays.copyOfRange(with, 1, 9)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(java.util.Arrays.copyOfRange(with, 9, with.length)).isEqualTo(encoded);
    byte[] without = raw.get(java.util.HexFormat.of().formatHex(k("without").encoded()));
    assertThat(java.util.Arrays.copyOfRange(without, 1, 9))
        .containsExactly(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  }

  @Test
  void aRecordWithAnUnknownVersionOrBrokenValueFailsWithInvalidDataNamingTheKey() throws Exception {
    Backend b = open(db());
    b.put(k("good"), Data.of(1L), Backend.NO_DEADLINE);
    b.close();
    opened.clear();
    byte[] badVersion = ValueRecord.encode(Data.of(2L), Backend.NO_DEADLINE);
    badVersion[0] = 9;
    writeRaw(db(), k("future").encoded(), badVersion);
    byte[] truncated = java.util.Arrays.copyOf(ValueRecord.encode(Data.of("long string"), 5L), 12);
    writeRaw(db(), k("truncated").encoded(), truncated);
    writeRaw(db(), k("short").encoded(), new byte[] {1, 0, 0});

    Backend reopened = open(db());
    assertThat(reopened.get(k("good"))).isEqualTo(new Backend.Entry(Data.of(1L), Backend.NO_DEADLINE));
    assertThat(fails(ErrorCode.INVALID_DATA, () -> reopened.get(k("future"))).getMessage())
        .contains(db().toString()).contains("\"future\"").contains("format version 9");
    assertThat(fails(ErrorCode.INVALID_DATA, () -> reopened.get(k("truncated"))).getMessage())
        .contains("\"truncated\"").contains("does not decode");
    assertThat(fails(ErrorCode.INVALID_DATA, () -> reopened.get(k("short"))).getMessage())
        .contains("\"short\"").contains("header");
    fails(ErrorCode.INVALID_DATA, () -> reopened.scan(null, Integer.MAX_VALUE, (key, v, d) -> { }));
  }

  @Test
  void valuesLargerThanTheReadBufferRoundTripThroughGetScanAndDeadlines() {
    Backend b = open(db());
    byte[] big = new byte[100_000];
    new Random(7).nextBytes(big);
    Data bigValue = Data.vector(io.jbroker.data.StringData.ofBytes(big), Data.of("tail"));
    b.put(k("big"), bigValue, 42L);
    b.put(k("small"), Data.of(1L), 43L);
    assertThat(b.get(k("big"))).isEqualTo(new Backend.Entry(bigValue, 42L));
    Map<Key, Backend.Entry> scanned = new HashMap<>();
    b.scan(null, 10, (key, v, d) -> scanned.put(key, new Backend.Entry(v, d)));
    assertThat(scanned).containsEntry(k("big"), new Backend.Entry(bigValue, 42L))
        .containsEntry(k("small"), new Backend.Entry(Data.of(1L), 43L));
    Map<Key, Backend.Entry> deadlines = new HashMap<>();
    b.forEachDeadline((key, v, d) -> deadlines.put(key, new Backend.Entry(v, d)));
    assertThat(deadlines).isEqualTo(scanned);
  }

  // ---- options ---------------------------------------------------------------------------------

  @Test
  void theProviderIsFoundByTypeNameAndAppliesTheDefaults() {
    assertThat(Backends.providers()).containsKey("rocksdb");
    RocksDbBackend b = (RocksDbBackend) open(db());
    assertThat(b.durability()).isEqualTo(Durability.DURABLE);
    assertThat(b.config()).isEqualTo(RocksDbConfig.defaults(db()));
    assertThat(b.config().compression()).isEqualTo(RocksDbConfig.Compression.LZ4);
  }

  @Test
  void theEntryCountStaysExactWhenCachedPutsSkipThePresenceCheck() {
    Backend b = open(BackendOptions.empty().with("path", db().toString()).with("cache_entries", Data.count(3)));
    for (int round = 0; round < 3; round++) {
      for (String key : List.of("a", "b", "c", "d", "e", "a", "b")) { // more keys than the cache holds
        b.put(k(key), Data.of(key + round), Backend.NO_DEADLINE);
      }
      assertThat(b.size()).isEqualTo(5);
      assertThat(b.erase(k("a"))).isTrue();
      assertThat(b.erase(k("a"))).isFalse();
      b.put(k("a"), Data.of("again"), Backend.NO_DEADLINE); // uncached by the erase: checked again
      assertThat(b.size()).isEqualTo(5);
      b.clear();
      assertThat(b.size()).isZero();
    }
    b.put(k("x"), Data.of("1"), Backend.NO_DEADLINE);
    b.close();
    opened.remove(b);
    Backend reopened = open(BackendOptions.empty().with("path", db().toString()).with("cache_entries", Data.count(3)));
    assertThat(reopened.size()).isEqualTo(1);
    reopened.put(k("x"), Data.of("2"), Backend.NO_DEADLINE);
    assertThat(reopened.size()).isEqualTo(1);
  }

  /**
   * Writes are buffered in a write batch until a sync, a scan or a full batch: with no read cache,
   * every read between must still see them, across several implicit batch writes, and what was
   * synced survives a reopen.
   */
  @Test
  void bufferedWritesAreVisibleToEveryReadBeforeAndAfterTheBatchIsWritten() {
    BackendOptions options = BackendOptions.empty().with("path", db().toString()).with("cache_entries", Data.count(0));
    Backend b = open(options);
    long seed = 0x5EEDL;
    Random random = new Random(seed);
    TreeMap<Key, Data> model = new TreeMap<>();
    int writes = 3 * RocksDbBackend.MAX_BATCH + 17;
    for (int i = 0; i < writes; i++) {
      Key key = Key.of(Data.count(random.nextInt(5_000)));
      if (random.nextInt(4) == 0) {
        assertThat(b.erase(key)).as("erase #%d of %s (seed %d)", i, key, seed).isEqualTo(model.remove(key) != null);
      } else {
        Data value = Data.count(i);
        Backend.Entry old = random.nextBoolean() ? b.getAndPut(key, value, Backend.NO_DEADLINE) : null;
        if (old != null) {
          assertThat(old.value()).isEqualTo(model.get(key));
        }
        if (old == null) {
          b.put(key, value, Backend.NO_DEADLINE);
        }
        model.put(key, value);
      }
      Key probe = Key.of(Data.count(random.nextInt(5_000)));
      Backend.Entry got = b.get(probe);
      assertThat(got == null ? null : got.value()).as("get #%d of %s (seed %d)", i, probe, seed).isEqualTo(model.get(probe));
      assertThat(b.exists(probe)).isEqualTo(model.containsKey(probe));
      if (i % 4_000 == 0) {
        b.putMeta("progress", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        assertThat(new String(b.getMeta("progress"), StandardCharsets.UTF_8)).isEqualTo(Integer.toString(i));
      }
    }
    assertThat(b.size()).isEqualTo(model.size());
    TreeMap<Key, Data> scanned = new TreeMap<>();
    b.scan(null, Integer.MAX_VALUE, (k, v, d) -> scanned.put(k, v));
    assertThat(scanned).isEqualTo(model);
    Key last = model.lastKey();
    b.erase(last);
    model.remove(last);
    b.sync();
    b.close();
    opened.remove(b);

    Backend reopened = open(options);
    assertThat(reopened.size()).isEqualTo(model.size());
    TreeMap<Key, Data> after = new TreeMap<>();
    reopened.scan(null, Integer.MAX_VALUE, (k, v, d) -> after.put(k, v));
    assertThat(after).isEqualTo(model);
  }

  @Test
  void metaNamesLayTheBufferedWritesOverTheDatabaseAcrossBatchWrites() {
    Backend b = open(db());
    java.util.TreeSet<String> model = new java.util.TreeSet<>();
    // more names than one batch holds: the first MAX_BATCH are written to the database without a
    // sync, the rest stay buffered
    int names = RocksDbBackend.MAX_BATCH + 100;
    for (int i = 0; i < names; i++) {
      String name = String.format("w.%05d", i);
      b.putMeta(name, new byte[] {(byte) i});
      model.add(name);
    }
    b.putMeta("x", new byte[] {1}); // beyond the prefix, and after it in key order
    assertThat(b.metaNames("w.")).isEqualTo(new ArrayList<>(model));
    // remove every third name (in the database and in the buffer alike) and one put again
    for (int i = 0; i < names; i += 3) {
      String name = String.format("w.%05d", i);
      b.putMeta(name, null);
      model.remove(name);
    }
    b.putMeta("w.00003", new byte[] {3});
    model.add("w.00003");
    assertThat(b.metaNames("w.")).isEqualTo(new ArrayList<>(model));
    assertThat(b.metaNames("w.0819")).isEqualTo(new ArrayList<>(model.subSet("w.0819", "w.081:")));
    assertThat(b.metaNames("")).hasSize(model.size() + 1).doesNotContain(RocksDbBackend.FORMAT_KEY).endsWith("x");
    b.sync();
    assertThat(b.metaNames("w.")).isEqualTo(new ArrayList<>(model));
    b.close();
    opened.remove(b);

    Backend reopened = open(db());
    assertThat(reopened.metaNames("w.")).isEqualTo(new ArrayList<>(model));
    assertThat(reopened.metaNames("x")).containsExactly("x");
  }

  @Test
  void theReadCacheFollowsEveryWriteEraseAndClear() {
    Backend b = open(BackendOptions.empty().with("path", db().toString()).with("cache_entries", Data.count(2)));
    Key a = k("a");
    b.put(a, Data.of("1"), Backend.NO_DEADLINE);
    assertThat(b.get(a)).isEqualTo(new Backend.Entry(Data.of("1"), Backend.NO_DEADLINE)); // now cached
    b.put(a, Data.of("2"), 42);
    assertThat(b.get(a)).isEqualTo(new Backend.Entry(Data.of("2"), 42));
    assertThat(b.getAndPut(a, Data.of("3"), Backend.NO_DEADLINE)).isEqualTo(new Backend.Entry(Data.of("2"), 42));
    assertThat(b.get(a)).isEqualTo(new Backend.Entry(Data.of("3"), Backend.NO_DEADLINE));
    assertThat(b.size()).isEqualTo(1);
    assertThat(b.erase(a)).isTrue();
    assertThat(b.get(a)).isNull();
    assertThat(b.exists(a)).isFalse();
    assertThat(b.size()).isZero();
    for (String key : List.of("x", "y", "z", "x")) { // more keys than the cache holds
      b.put(k(key), Data.of(key + "-v"), Backend.NO_DEADLINE);
      assertThat(b.get(k(key)).value()).isEqualTo(Data.of(key + "-v"));
    }
    String big = "b".repeat(io.jbroker.store.internal.EntryCache.MAX_VALUE_BYTES + 1);
    b.put(k("big"), Data.of("small"), Backend.NO_DEADLINE);
    assertThat(b.get(k("big")).value()).isEqualTo(Data.of("small"));
    b.put(k("big"), Data.of(big), Backend.NO_DEADLINE); // too large to stay cached
    assertThat(b.get(k("big")).value()).isEqualTo(Data.of(big));
    b.clear();
    assertThat(b.get(k("x"))).isNull();
    assertThat(b.exists(k("z"))).isFalse();
    assertThat(b.size()).isZero();
  }

  @Test
  void cacheEntriesIsBounded() {
    assertThatThrownBy(() -> RocksDbConfig.from(BackendOptions.empty().with("path", db().toString())
        .with("cache_entries", Data.count(RocksDbConfig.MAX_CACHE_ENTRIES + 1L))))
        .isInstanceOf(BrokerException.class).hasMessageContaining("cache_entries");
  }

  @Test
  void optionsAcceptNumbersAsCountsIntegersOrTextAndChoicesInAnyCase() {
    BackendOptions o = BackendOptions.empty().with("path", db().toString())
        .with("durability", "RELAXED")
        .with("block_cache_size", Data.count(1 << 20))
        .with("write_buffer_size", Data.of(1L << 20))
        .with("compression", Data.enumValue("ZSTD"))
        .with("max_disk_usage", "1000000000");
    RocksDbConfig c = RocksDbConfig.from(o);
    assertThat(c).isEqualTo(new RocksDbConfig(db(), Durability.RELAXED, 1 << 20,
        RocksDbConfig.Compression.ZSTD, 1 << 20, 1_000_000_000L, RocksDbConfig.DEFAULT_CACHE_ENTRIES));
    Backend b = open(o);
    b.put(k("k"), Data.of("v"), Backend.NO_DEADLINE);
    b.sync();
    assertThat(b.durability()).isEqualTo(Durability.RELAXED);
    for (String compression : List.of("none", "snappy", "lz4", "zstd")) {
      Path p = dir.resolve("c-" + compression);
      Backend cb = open(BackendOptions.empty().with("path", p.toString()).with("compression", compression));
      cb.put(k("k"), Data.of(compression), Backend.NO_DEADLINE);
      cb.close();
      assertThat(open(p).get(k("k")).value()).isEqualTo(Data.of(compression));
    }
  }

  @Test
  void syncIsABooleanAliasOfDurabilityThatMustAgreeWithIt() {
    BackendOptions base = BackendOptions.empty().with("path", db().toString());
    assertThat(RocksDbConfig.from(base.with("sync", Data.of(false))).durability()).isEqualTo(Durability.RELAXED);
    assertThat(RocksDbConfig.from(base.with("sync", "true")).durability()).isEqualTo(Durability.DURABLE);
    assertThat(RocksDbConfig.from(base.with("sync", "true").with("durability", "durable")).durability())
        .isEqualTo(Durability.DURABLE);
    assertThat(fails(ErrorCode.BACKEND_FAILURE,
        () -> RocksDbConfig.from(base.with("sync", "false").with("durability", "durable"))).getMessage())
        .contains("\"sync\"").contains("durability");
  }

  @Test
  void unknownOptionsMissingPathAndWrongValuesAreRefusedNamingTheOption() {
    BackendOptions base = BackendOptions.empty().with("path", db().toString());
    Map<BackendOptions, String> bad = new java.util.LinkedHashMap<>();
    bad.put(base.with("cache", "1"), "\"cache\"");
    bad.put(BackendOptions.empty(), "\"path\"");
    bad.put(BackendOptions.empty().with("path", Data.of(5L)), "\"path\"");
    bad.put(BackendOptions.empty().with("path", " "), "\"path\"");
    bad.put(base.with("durability", "fast"), "\"durability\"");
    bad.put(base.with("sync", "maybe"), "\"sync\"");
    bad.put(base.with("compression", "gzip"), "\"compression\"");
    bad.put(base.with("block_cache_size", "-1"), "\"block_cache_size\"");
    bad.put(base.with("block_cache_size", "64MB"), "\"block_cache_size\"");
    bad.put(base.with("write_buffer_size", "1024"), "\"write_buffer_size\"");
    bad.put(base.with("max_disk_usage", Data.of(-5L)), "\"max_disk_usage\"");
    bad.forEach((options, named) -> {
      BrokerException e = fails(ErrorCode.BACKEND_FAILURE, () -> open(options));
      assertThat(e.getMessage()).as("refusal of %s", options).startsWith("rocksdb backend").contains(named);
    });
    assertThat(dir.toFile().list()).as("nothing was created").isEmpty();
  }

  // ---- size, reopen, clear ------------------------------------------------------------------

  @Test
  void sizeIsExactAcrossOverwritesErasesClearAndReopen() {
    Backend b = open(db());
    Random random = new Random(11);
    Map<Key, Data> model = new HashMap<>();
    for (int n = 0; n < 5_000; n++) {
      Key key = Key.of(Data.count(random.nextInt(2_000)));
      if (random.nextInt(4) == 0) {
        assertThat(b.erase(key)).isEqualTo(model.remove(key) != null);
      } else {
        b.put(key, Data.of((long) n), Backend.NO_DEADLINE);
        model.put(key, Data.of((long) n));
      }
      assertThat(b.size()).isEqualTo(model.size());
    }
    b.close();
    Backend reopened = open(db());
    assertThat(reopened.size()).isEqualTo(model.size());
    reopened.put(k("extra"), Data.none(), Backend.NO_DEADLINE);
    assertThat(reopened.size()).isEqualTo(model.size() + 1);
    reopened.clear();
    assertThat(reopened.size()).isZero();
    reopened.put(k("after"), Data.none(), Backend.NO_DEADLINE);
    assertThat(reopened.size()).isEqualTo(1);
    reopened.close();
    Backend third = open(db());
    List<Long> seen = new ArrayList<>();
    third.forEachDeadline((key, v, d) -> seen.add(d)); // establishes the count on the way
    assertThat(seen).isEmpty();
    assertThat(third.size()).isEqualTo(1);
    assertThat(third.get(k("after"))).isNotNull();
  }

  @Test
  void clearOfAManyKeyStoreTakesConstantTimeAndIsDurable() {
    Backend b = open(BackendOptions.empty().with("path", db().toString()).with("write_buffer_size", "1048576"));
    int keys = 200_000;
    for (int n = 0; n < keys; n++) {
      b.put(Key.of(Data.count(n)), Data.of("value-" + n), n % 10 == 0 ? 1_000L + n : Backend.NO_DEADLINE);
    }
    b.sync();
    assertThat(b.size()).isEqualTo(keys);
    long start = System.nanoTime();
    b.clear();
    long clearMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(clearMillis).as("clear of %d keys took %d ms", keys, clearMillis).isLessThan(2_000);
    assertThat(b.size()).isZero();
    assertThat(b.get(Key.of(Data.count(5)))).isNull();
    assertThat(b.scan(null, Integer.MAX_VALUE, (key, v, d) -> { })).isZero();
    b.put(k("survivor"), Data.of(1L), Backend.NO_DEADLINE);
    b.sync();
    b.close();
    Backend reopened = open(db());
    List<Key> all = new ArrayList<>();
    reopened.scan(null, Integer.MAX_VALUE, (key, v, d) -> all.add(key));
    assertThat(all).containsExactly(k("survivor"));
    assertThat(reopened.size()).isEqualTo(1);
  }

  @Test
  void useAfterCloseFailsWithBackendFailureAndCloseIsIdempotent() {
    Backend b = open(db());
    b.put(k("k"), Data.of(1L), Backend.NO_DEADLINE);
    b.close();
    b.close();
    for (ThrowingCallable call : List.<ThrowingCallable>of(
        () -> b.get(k("k")), () -> b.exists(k("k")), () -> b.put(k("k"), Data.none(), 1L),
        () -> b.erase(k("k")), b::clear, b::size, b::sync,
        () -> b.scan(null, 1, (key, v, d) -> { }), () -> b.forEachDeadline((key, v, d) -> { }))) {
      assertThat(fails(ErrorCode.BACKEND_FAILURE, call).getMessage()).contains(db().toString()).contains("closed");
    }
    assertThat(open(db()).get(k("k"))).isNotNull(); // close synced and released the lock
  }

  // ---- opening failures ------------------------------------------------------------------------

  @Test
  void aDirectoryOpenedByAnotherInstanceIsRefusedWithThePathAndReason() {
    Backend first = open(db());
    first.put(k("k"), Data.of(1L), Backend.NO_DEADLINE);
    BrokerException e = fails(ErrorCode.BACKEND_FAILURE, () -> open(db()));
    assertThat(e.getMessage()).contains(db().toString()).containsIgnoringCase("lock");
    assertThat(first.get(k("k"))).isNotNull(); // the refused open did not disturb the first
  }

  @Test
  void aCorruptDatabaseIsRefusedWithThePathAndReason() throws IOException {
    Backend b = open(db());
    b.put(k("k"), Data.of(1L), Backend.NO_DEADLINE);
    b.close();
    String manifest = Files.readString(db().resolve("CURRENT")).trim();
    Files.write(db().resolve(manifest), "this is not a manifest".getBytes(StandardCharsets.UTF_8));
    BrokerException e = fails(ErrorCode.BACKEND_FAILURE, () -> open(db()));
    assertThat(e.getMessage()).contains(db().toString()).contains("cannot open the database").containsIgnoringCase("corrupt");
  }

  @Test
  void aRocksDbDatabaseThatIsNotAJbrokerStoreIsRefused() throws RocksDBException {
    try (Options o = new Options().setCreateIfMissing(true); RocksDB foreign = RocksDB.open(o, db().toString())) {
      foreign.put("someone".getBytes(StandardCharsets.UTF_8), "else".getBytes(StandardCharsets.UTF_8));
    }
    BrokerException e = fails(ErrorCode.BACKEND_FAILURE, () -> open(db()));
    assertThat(e.getMessage()).contains(db().toString()).contains("not a jbroker store");
  }

  @Test
  void aStoreOfANewerFormatIsRefused() throws RocksDBException {
    open(db()).close();
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (ColumnFamilyOptions cf = new ColumnFamilyOptions(); DBOptions o = new DBOptions();
        RocksDB raw = RocksDB.open(o, db().toString(), List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf),
            new ColumnFamilyDescriptor(RocksDbBackend.ENTRIES.getBytes(StandardCharsets.UTF_8), cf)), handles)) {
      raw.put(handles.get(0), RocksDbBackend.FORMAT_KEY.getBytes(StandardCharsets.UTF_8), "2".getBytes(StandardCharsets.UTF_8));
      handles.forEach(ColumnFamilyHandle::close);
    }
    assertThat(fails(ErrorCode.BACKEND_FAILURE, () -> open(db())).getMessage()).contains("format version \"2\"");
  }

  @Test
  void aPathWhoseParentIsARegularFileIsRefusedWithThePathAndReason() throws IOException {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    Path path = file.resolve("sub").resolve("store");
    BrokerException e = fails(ErrorCode.BACKEND_FAILURE, () -> open(path));
    assertThat(e.getMessage()).contains(path.toString()).contains("cannot create the directory")
        .contains(file.toString()).containsIgnoringCase("not a directory");
  }

  @Test
  void aPathThatIsARegularFileIsRefusedWithThePathAndReason() throws IOException {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    BrokerException e = fails(ErrorCode.BACKEND_FAILURE, () -> open(file));
    assertThat(e.getMessage()).contains(file.toString()).containsIgnoringCase("not a directory");
  }

  /**
   * A read-only directory: made so with permissions, or — as root, whom permissions do not stop —
   * with the immutable attribute ({@code chattr +i}) where the file system supports it.
   */
  @Test
  void aReadOnlyDirectoryIsRefusedWithThePathAndReason() throws Exception {
    Backend b = open(db());
    b.put(k("k"), Data.of(1L), Backend.NO_DEADLINE);
    b.close();
    Path readOnly = dir.resolve("read-only");
    Files.createDirectories(readOnly);
    Path store = readOnly.resolve("store");
    try (ReadOnlyDirectory ro = ReadOnlyDirectory.make(readOnly)) {
      assumeTrue(ro.readOnly(), ro.why());
      BrokerException e = fails(ErrorCode.BACKEND_FAILURE, () -> open(store));
      assertThat(e.getMessage()).contains(store.toString()).contains("cannot create the directory");
    }
    try (ReadOnlyDirectory ro = ReadOnlyDirectory.make(db())) {
      assumeTrue(ro.readOnly(), ro.why());
      BrokerException e = fails(ErrorCode.BACKEND_FAILURE, () -> open(db()));
      assertThat(e.getMessage()).contains(db().toString()).contains("cannot open the database");
    }
    assertThat(open(db()).get(k("k"))).isNotNull();
  }

  // ---- disk full ---------------------------------------------------------------------------------

  @Test
  void writesBeyondTheDiskUsageLimitFailWithBackendFailureNamingThePath() {
    Backend b = open(BackendOptions.empty().with("path", db().toString())
        .with("write_buffer_size", "65536").with("max_disk_usage", "262144").with("compression", "none"));
    byte[] noise = new byte[200];
    new Random(3).nextBytes(noise);
    BrokerException e = fails(ErrorCode.BACKEND_FAILURE, () -> {
      for (int n = 0; n < 1_000_000; n++) {
        b.put(Key.of(Data.count(n)), io.jbroker.data.StringData.ofBytes(noise), Backend.NO_DEADLINE);
        if (n % 100 == 0) {
          b.sync();
        }
      }
    });
    assertThat(e.getMessage()).contains(db().toString()).contains("Max allowed space was reached");
    assertThat(b.get(Key.of(Data.count(0)))).as("reads still work").isNotNull();
    // The refused writes are still buffered: closing says they were not written.
    BrokerException onClose = fails(ErrorCode.BACKEND_FAILURE, b::close);
    assertThat(onClose.getMessage()).contains(db().toString()).contains("buffered change");
    opened.remove(b);
  }

  /** A real full disk: a 2 MiB tmpfs, where this process may mount one (root); skipped elsewhere. */
  @Test
  void aFullDiskFailsWritesWithBackendFailureNamingThePathAndReason() throws Exception {
    Path mountPoint = Files.createDirectories(dir.resolve("tiny"));
    try (TinyFileSystem fs = TinyFileSystem.mount(mountPoint, "2m")) {
      assumeTrue(fs.mounted(), fs.why());
      Path store = mountPoint.resolve("store");
      Backend b = open(BackendOptions.empty().with("path", store.toString())
          .with("write_buffer_size", "65536").with("compression", "none"));
      byte[] noise = new byte[500];
      new Random(5).nextBytes(noise);
      int[] acknowledged = {0};
      BrokerException e = fails(ErrorCode.BACKEND_FAILURE, () -> {
        for (int n = 0; n < 1_000_000; n++) {
          b.put(Key.of(Data.count(n)), io.jbroker.data.StringData.ofBytes(noise), Backend.NO_DEADLINE);
          if (n % 50 == 49) {
            b.sync();
            acknowledged[0] = n + 1;
          }
        }
      });
      assertThat(e.getMessage()).contains(store.toString()).containsIgnoringCase("no space left on device");
      assertThat(acknowledged[0]).isPositive();
      try {
        b.close();
      } catch (BrokerException closeFailure) {
        assertThat(closeFailure.code()).isEqualTo(ErrorCode.BACKEND_FAILURE);
      }
      opened.remove(b);
    }
  }

  /** Makes a directory unwritable for this process, and writable again on close. */
  private static final class ReadOnlyDirectory implements AutoCloseable {
    private final Path path;
    private final String how;
    private final String why;

    private ReadOnlyDirectory(Path path, String how, String why) {
      this.path = path;
      this.how = how;
      this.why = why;
    }

    static ReadOnlyDirectory make(Path path) throws Exception {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("r-xr-xr-x"));
      if (!canWrite(path)) {
        return new ReadOnlyDirectory(path, "chmod", null);
      }
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
      // root ignores permissions: try the immutable attribute
      if (run("chattr", "+i", path.toString()) && !canWrite(path)) {
        return new ReadOnlyDirectory(path, "chattr", null);
      }
      run("chattr", "-i", path.toString());
      return new ReadOnlyDirectory(path, null,
          "permissions do not stop this user (root) and chattr +i is unavailable here");
    }

    boolean readOnly() {
      return how != null;
    }

    String why() {
      return why;
    }

    private static boolean canWrite(Path dir) {
      Path probe = dir.resolve(".probe");
      try {
        Files.createFile(probe);
        Files.delete(probe);
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public void close() throws Exception {
      if ("chmod".equals(how)) {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
      } else if ("chattr".equals(how)) {
        assertThat(run("chattr", "-i", path.toString())).as("chattr -i %s", path).isTrue();
      }
    }
  }

  /** A tiny tmpfs mounted for one test, if this process may mount file systems. */
  private static final class TinyFileSystem implements AutoCloseable {
    private final Path mountPoint;
    private final String why;

    private TinyFileSystem(Path mountPoint, String why) {
      this.mountPoint = mountPoint;
      this.why = why;
    }

    static TinyFileSystem mount(Path mountPoint, String size) throws Exception {
      if (!"root".equals(System.getProperty("user.name"))) {
        return new TinyFileSystem(null, "mounting a tmpfs needs root; the disk-usage-limit test covers full disks");
      }
      if (!run("mount", "-t", "tmpfs", "-o", "size=" + size, "jbroker-test", mountPoint.toString())) {
        return new TinyFileSystem(null, "mount -t tmpfs is not permitted here; the disk-usage-limit test covers full disks");
      }
      return new TinyFileSystem(mountPoint, null);
    }

    boolean mounted() {
      return mountPoint != null;
    }

    String why() {
      return why;
    }

    @Override
    public void close() throws Exception {
      if (mountPoint != null) {
        if (!run("umount", mountPoint.toString())) {
          assertThat(run("umount", "-l", mountPoint.toString())).as("umount -l %s", mountPoint).isTrue();
        }
      }
    }
  }

  /** Runs a system command; whether it exited with 0 (false if it cannot be run). */
  private static boolean run(String... command) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }
}
