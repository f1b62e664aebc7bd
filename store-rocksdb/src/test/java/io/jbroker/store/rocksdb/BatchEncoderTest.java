package io.jbroker.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * {@link BatchEncoder} against rocksdbjni's own {@link WriteBatch}: the same puts and deletes give
 * the same bytes, the same records when RocksDB iterates them, and the same database contents.
 */
class BatchEncoderTest {
  @TempDir Path dir;

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private RocksDB db;
  /** default (id 0), then families with ids 1, 2, … up to one whose id needs a two-byte varint. */
  private final List<ColumnFamilyHandle> families = new ArrayList<>();

  @BeforeEach
  void openDatabase() throws RocksDBException {
    RocksDB.loadLibrary();
    DBOptions options = keep(new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true));
    ColumnFamilyOptions cf = keep(new ColumnFamilyOptions());
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf));
    descriptors.add(new ColumnFamilyDescriptor("entries".getBytes(StandardCharsets.UTF_8), cf));
    db = RocksDB.open(options, dir.resolve("db").toString(), descriptors, families);
    // create and drop families until the ids pass 127, so that a varint32 id of two bytes is used
    while (families.get(families.size() - 1).getID() < 128) {
      ColumnFamilyHandle h = db.createColumnFamily(new ColumnFamilyDescriptor(
          ("cf" + families.size()).getBytes(StandardCharsets.UTF_8), cf));
      if (h.getID() < 128) {
        db.dropColumnFamily(h);
        h.close();
      } else {
        families.add(h);
      }
    }
  }

  @AfterEach
  void closeDatabase() throws Exception {
    for (ColumnFamilyHandle h : families) {
      h.close();
    }
    if (db != null) {
      db.close();
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T t) {
    toClose.add(t);
    return t;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** One operation applied to both batches. */
  private record Op(ColumnFamilyHandle family, byte[] key, byte[] value) {}

  private static void apply(List<Op> ops, BatchEncoder enc, WriteBatch reference) throws RocksDBException {
    for (Op op : ops) {
      if (op.value == null) {
        enc.delete(op.family.getID(), op.key);
        reference.delete(op.family, op.key);
      } else {
        enc.put(op.family.getID(), op.key, op.value);
        reference.put(op.family, op.key, op.value);
      }
    }
  }

  @Test
  void putsAndDeletesInEveryFamilyEncodeExactlyAsWriteBatchDoes() throws RocksDBException {
    ColumnFamilyHandle def = families.get(0);
    ColumnFamilyHandle entries = families.get(1);
    ColumnFamilyHandle wide = families.get(families.size() - 1);
    assertThat(def.getID()).isZero();
    assertThat(entries.getID()).isPositive();
    assertThat(wide.getID()).isGreaterThan(127);
    byte[] longKey = new byte[300]; // two-byte length varint
    Arrays.fill(longKey, (byte) 0xfe);
    byte[] hugeValue = new byte[70_000]; // three-byte length varint, and a buffer that grows
    new Random(1).nextBytes(hugeValue);
    List<Op> ops = List.of(
        new Op(def, bytes("meta.a"), bytes("1")),
        new Op(def, bytes("meta.b"), null),
        new Op(entries, bytes("k1"), bytes("v1")),
        new Op(entries, bytes("k2"), new byte[0]),
        new Op(entries, new byte[0], bytes("empty key")),
        new Op(entries, bytes("k3"), null),
        new Op(entries, longKey, hugeValue),
        new Op(wide, bytes("w"), bytes("in a family with a two-byte id")),
        new Op(wide, bytes("x"), null));
    BatchEncoder enc = new BatchEncoder();
    try (WriteBatch reference = new WriteBatch()) {
      apply(ops, enc, reference);
      byte[] ours = enc.toByteArray();
      assertThat(HexFormat.of().formatHex(ours)).isEqualTo(HexFormat.of().formatHex(reference.data()));
      assertThat(enc.count()).isEqualTo(ops.size());
      try (WriteBatch decoded = new WriteBatch(ours)) {
        assertThat(decoded.count()).isEqualTo(reference.count());
        assertThat(records(decoded)).isEqualTo(records(reference));
      }
    }
  }

  @Test
  void randomBatchesMatchWriteBatchAndLeaveTheSameDatabaseContents() throws RocksDBException {
    ColumnFamilyHandle entries = families.get(1);
    long seed = 0x5eedL;
    Random random = new Random(seed);
    BatchEncoder enc = new BatchEncoder();
    try (WriteOptions wo = new WriteOptions()) {
      for (int round = 0; round < 50; round++) {
        enc.reset();
        List<Op> ops = new ArrayList<>();
        int n = random.nextInt(300);
        for (int i = 0; i < n; i++) {
          ColumnFamilyHandle f = random.nextInt(8) == 0 ? families.get(random.nextInt(families.size())) : entries;
          byte[] key = bytes("key-" + random.nextInt(500));
          byte[] value = random.nextInt(5) == 0 ? null : new byte[random.nextInt(random.nextInt(20) == 0 ? 5000 : 40)];
          if (value != null) {
            random.nextBytes(value);
          }
          ops.add(new Op(f, key, value));
        }
        byte[] ours;
        try (WriteBatch reference = new WriteBatch()) {
          apply(ops, enc, reference);
          ours = enc.toByteArray();
          assertThat(ours).as("seed %d round %d", seed, round).isEqualTo(reference.data());
        }
        try (WriteBatch batch = new WriteBatch(ours)) {
          db.write(wo, batch); // RocksDB applies what it parses: every record must be well formed
        }
      }
    }
    // replay the same ops one at a time with the plain API into a second database and compare
    random = new Random(seed);
    Path other = dir.resolve("reference");
    try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
         ColumnFamilyOptions cf = new ColumnFamilyOptions()) {
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      for (ColumnFamilyHandle h : families) {
        descriptors.add(new ColumnFamilyDescriptor(h.getName(), cf));
      }
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      try (RocksDB ref = RocksDB.open(options, other.toString(), descriptors, handles)) {
        try {
          for (int round = 0; round < 50; round++) {
            int n = random.nextInt(300);
            for (int i = 0; i < n; i++) {
              int fi = random.nextInt(8) == 0 ? random.nextInt(families.size()) : 1;
              byte[] key = bytes("key-" + random.nextInt(500));
              byte[] value = random.nextInt(5) == 0 ? null : new byte[random.nextInt(random.nextInt(20) == 0 ? 5000 : 40)];
              if (value == null) {
                ref.delete(handles.get(fi), key);
              } else {
                random.nextBytes(value);
                ref.put(handles.get(fi), key, value);
              }
            }
          }
          for (int fi = 0; fi < families.size(); fi++) {
            assertThat(contents(db, families.get(fi))).as("family %d", fi).isEqualTo(contents(ref, handles.get(fi)));
          }
          assertThat(contents(db, entries)).isNotEmpty();
        } finally {
          handles.forEach(ColumnFamilyHandle::close);
        }
      }
    }
  }

  @Test
  void anEmptyBatchIsAHeaderOnlyAndResetStartsOver() throws RocksDBException {
    BatchEncoder enc = new BatchEncoder();
    try (WriteBatch empty = new WriteBatch()) {
      assertThat(enc.toByteArray()).isEqualTo(empty.data()).hasSize(BatchEncoder.HEADER);
    }
    enc.put(0, bytes("a"), bytes("b"));
    enc.reset();
    assertThat(enc.count()).isZero();
    enc.delete(0, bytes("c"));
    try (WriteBatch one = new WriteBatch()) {
      one.delete(bytes("c"));
      assertThat(enc.toByteArray()).isEqualTo(one.data());
    }
  }

  @Test
  void aNegativeFamilyIdIsRefused() {
    BatchEncoder enc = new BatchEncoder();
    assertThatThrownBy(() -> enc.put(-1, bytes("a"), bytes("b"))).isInstanceOf(IllegalArgumentException.class);
  }

  /** The records of a batch as RocksDB parses them, in order. */
  private static List<String> records(WriteBatch batch) throws RocksDBException {
    List<String> out = new ArrayList<>();
    HexFormat hex = HexFormat.of();
    try (WriteBatch.Handler h = new WriteBatch.Handler() {
      @Override
      public void put(int cf, byte[] key, byte[] value) {
        out.add("put " + cf + " " + hex.formatHex(key) + " " + hex.formatHex(value));
      }

      @Override
      public void put(byte[] key, byte[] value) {
        out.add("put 0 " + hex.formatHex(key) + " " + hex.formatHex(value));
      }

      @Override
      public void delete(int cf, byte[] key) {
        out.add("delete " + cf + " " + hex.formatHex(key));
      }

      @Override
      public void delete(byte[] key) {
        out.add("delete 0 " + hex.formatHex(key));
      }

      @Override
      public void merge(int cf, byte[] key, byte[] value) {
        out.add("merge?");
      }

      @Override
      public void merge(byte[] key, byte[] value) {
        out.add("merge?");
      }

      @Override
      public void singleDelete(int cf, byte[] key) {
        out.add("singleDelete?");
      }

      @Override
      public void singleDelete(byte[] key) {
        out.add("singleDelete?");
      }

      @Override
      public void deleteRange(int cf, byte[] begin, byte[] end) {
        out.add("deleteRange?");
      }

      @Override
      public void deleteRange(byte[] begin, byte[] end) {
        out.add("deleteRange?");
      }

      @Override
      public void logData(byte[] blob) {
        out.add("logData?");
      }

      @Override
      public void putBlobIndex(int cf, byte[] key, byte[] value) {
        out.add("blobIndex?");
      }

      @Override
      public void markBeginPrepare() {
        out.add("prepare?");
      }

      @Override
      public void markEndPrepare(byte[] xid) {
        out.add("prepare?");
      }

      @Override
      public void markNoop(boolean emptyBatch) {
        out.add("noop?");
      }

      @Override
      public void markRollback(byte[] xid) {
        out.add("rollback?");
      }

      @Override
      public void markCommit(byte[] xid) {
        out.add("commit?");
      }

      @Override
      public void markCommitWithTimestamp(byte[] xid, byte[] ts) {
        out.add("commit?");
      }
    }) {
      batch.iterate(h);
    }
    return out;
  }

  private static List<String> contents(RocksDB db, ColumnFamilyHandle family) {
    List<String> out = new ArrayList<>();
    HexFormat hex = HexFormat.of();
    try (var it = db.newIterator(family)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(hex.formatHex(it.key()) + "=" + hex.formatHex(it.value()));
      }
    }
    return out;
  }
}
