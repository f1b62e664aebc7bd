package io.jbroker.store.rocksdb;

import io.jbroker.data.BinaryCodec;
import java.util.Arrays;

/**
 * Builds a RocksDB write batch in its serialized form (the representation RocksDB writes into
 * its write-ahead log), in Java, so that the whole batch crosses JNI once ({@code new
 * WriteBatch(byte[])}) instead of once per record ({@code WriteBatch.put}).
 *
 * <pre>
 *   header   fixed64 sequence (little-endian; 0 here, RocksDB assigns it when writing)
 *            fixed32 count of records (little-endian)
 *   record   0x01 key value                  put, default column family
 *            0x00 key                        delete, default column family
 *            0x05 varint32(cf) key value     put, column family cf
 *            0x04 varint32(cf) key           delete, column family cf
 *   key, value: varint32(length) bytes
 * </pre>
 *
 * These are RocksDB's {@code kTypeValue}, {@code kTypeDeletion}, {@code kTypeColumnFamilyValue}
 * and {@code kTypeColumnFamilyDeletion} tags ({@code db/dbformat.h}, which says they never
 * change because they are stored on disk); a record for column family 0 uses the short form, as
 * RocksDB's own {@code WriteBatch::Put} does. RocksDB checks the count against the records when
 * it applies the batch, so an inconsistent batch is refused rather than half applied. The result
 * is byte-for-byte what the same {@code put}/{@code delete} calls on an {@code
 * org.rocksdb.WriteBatch} produce (tested in {@code BatchEncoderTest}). Not thread-safe.
 */
final class BatchEncoder {
  static final int HEADER = 12;
  static final byte TYPE_DELETION = 0x0;
  static final byte TYPE_VALUE = 0x1;
  static final byte TYPE_COLUMN_FAMILY_DELETION = 0x4;
  static final byte TYPE_COLUMN_FAMILY_VALUE = 0x5;
  /** Largest buffer kept between batches; a larger one (a batch of huge values) is dropped. */
  private static final int KEEP_CAPACITY = 1 << 20;

  private byte[] buf = new byte[4096];
  private int size = HEADER;
  private int count;

  /** Number of records added since the last {@link #reset()}. */
  int count() {
    return count;
  }

  /** Starts an empty batch. */
  void reset() {
    if (buf.length > KEEP_CAPACITY) {
      buf = new byte[4096];
    }
    Arrays.fill(buf, 0, HEADER, (byte) 0);
    size = HEADER;
    count = 0;
  }

  /** Adds a put of {@code key} → {@code value} in column family {@code family} (its id). */
  void put(int family, byte[] key, byte[] value) {
    ensure(1 + 5 + 5 + key.length + 5 + value.length);
    tag(family, TYPE_VALUE, TYPE_COLUMN_FAMILY_VALUE);
    bytes(key);
    bytes(value);
    count++;
  }

  /** Adds a delete of {@code key} in column family {@code family} (its id). */
  void delete(int family, byte[] key) {
    ensure(1 + 5 + 5 + key.length);
    tag(family, TYPE_DELETION, TYPE_COLUMN_FAMILY_DELETION);
    bytes(key);
    count++;
  }

  /** The serialized batch (a new array of exactly its size). */
  byte[] toByteArray() {
    byte[] out = Arrays.copyOf(buf, size);
    // sequence (bytes 0-7) stays 0; count, fixed32 little-endian
    out[8] = (byte) count;
    out[9] = (byte) (count >>> 8);
    out[10] = (byte) (count >>> 16);
    out[11] = (byte) (count >>> 24);
    return out;
  }

  private void tag(int family, byte inDefault, byte inFamily) {
    if (family < 0) {
      throw new IllegalArgumentException("negative column family id " + family);
    }
    if (family == 0) {
      buf[size++] = inDefault;
    } else {
      buf[size++] = inFamily;
      varint32(family);
    }
  }

  private void bytes(byte[] b) {
    varint32(b.length);
    System.arraycopy(b, 0, buf, size, b.length);
    size += b.length;
  }

  /** RocksDB's varint32 is the encoding of Broker's varbyte: 7 bits a byte, least significant first. */
  private void varint32(int v) {
    size = BinaryCodec.writeVarbyte(v, buf, size);
  }

  private void ensure(long more) {
    long need = size + more;
    if (need > buf.length) {
      if (need > Integer.MAX_VALUE - 16) {
        throw new IllegalStateException("write batch larger than 2 GiB");
      }
      buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(need, 2L * buf.length)));
    }
  }
}
