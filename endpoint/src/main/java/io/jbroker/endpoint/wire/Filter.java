package io.jbroker.endpoint.wire;

import io.jbroker.data.BinaryCodec;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * An immutable subscription filter ({@code filter_type}, spec/broker-endpoint.md §2): a list of
 * topic prefixes; a topic matches if any entry is a byte prefix of it ({@link
 * Topics#matches(String, String)}).
 *
 * <p>Two kinds of filters exist and this type holds both:
 *
 * <ul>
 *   <li><b>Our own filter</b>, built with {@link #add(String)} from {@link #EMPTY}: Broker's
 *       minimal sorted form. Adding {@code x} scans the entries in order; at the first entry
 *       {@code t} that equals {@code x} or is a prefix of {@code x} nothing changes; at the first
 *       entry that has {@code x} as prefix, every entry with prefix {@code x} is removed and
 *       {@code x} added; if no entry relates, {@code x} is appended. After a change the entries
 *       are sorted by unsigned UTF-8 byte order. Internal topics ({@code <$>/local/…}) are never
 *       advertised, so {@code add} skips them ({@link #addAny(String)} does not, for local
 *       delivery filters).
 *   <li><b>A peer's filter</b>, taken verbatim ({@link #of(Collection)}, {@link #read(ByteBuf)}):
 *       no minimisation, no validation, order and duplicates kept.
 * </ul>
 *
 * <p>Wire form (handshake {@code originator_syn}/{@code responder_syn_ack} and the payload of a
 * {@code routing_update}): varbyte count, then per topic varbyte length + bytes.
 *
 * <p>Equality is by the list of topics in order.
 */
public final class Filter {
  /** The filter without entries: matches nothing. */
  public static final Filter EMPTY = new Filter(new String[0], new byte[0][]);

  private final String[] topics;
  private final byte[][] bytes; // wire bytes of each topic, parallel to topics
  private final List<String> view;
  private int hash;

  private Filter(String[] topics, byte[][] bytes) {
    this.topics = topics;
    this.bytes = bytes;
    this.view = List.of(topics);
  }

  /**
   * A filter with exactly {@code topics}, in their order, duplicates kept, nothing minimised or
   * skipped — the form for filters received from peers.
   */
  public static Filter of(Collection<String> topics) {
    String[] t = topics.toArray(new String[0]);
    byte[][] b = new byte[t.length][];
    for (int i = 0; i < t.length; i++) {
      b[i] = Topics.utf8Unchecked(Objects.requireNonNull(t[i], "topic"));
    }
    return t.length == 0 ? EMPTY : new Filter(t, b);
  }

  /** {@link #EMPTY} with every topic of {@code topics} {@linkplain #add(String) added} in order. */
  public static Filter minimal(Iterable<String> topics) {
    Filter f = EMPTY;
    for (String t : topics) {
      f = f.add(t);
    }
    return f;
  }

  /**
   * This filter with {@code topic} added by Broker's minimisation rule (class comment); internal
   * topics are skipped.
   *
   * @return {@code this} if nothing changed (then no routing update is due, §4.6)
   */
  public Filter add(String topic) {
    return Topics.isInternal(topic) ? this : addAny(topic);
  }

  /**
   * As {@link #add(String)}, but internal topics are added too: for filters that only decide
   * local delivery (a status subscriber on {@code <$>/local/data/statuses}) and are never sent.
   */
  public Filter addAny(String topic) {
    Objects.requireNonNull(topic, "topic");
    int n = topics.length;
    boolean truncate = false;
    for (String t : topics) {
      if (Topics.matches(t, topic)) {
        return this; // topic itself or a less specific entry is present
      }
      if (Topics.matches(topic, t)) {
        truncate = true;
        break;
      }
    }
    List<Integer> keep = new ArrayList<>(n + 1);
    for (int i = 0; i < n; i++) {
      if (!truncate || !Topics.matches(topic, topics[i])) {
        keep.add(i);
      }
    }
    int m = keep.size();
    String[] t = new String[m + 1];
    byte[][] b = new byte[m + 1][];
    for (int i = 0; i < m; i++) {
      t[i] = topics[keep.get(i)];
      b[i] = bytes[keep.get(i)];
    }
    t[m] = topic;
    b[m] = Topics.utf8Unchecked(topic);
    sortByBytes(t, b);
    return new Filter(t, b);
  }

  /** Whether some entry is a prefix of {@code topic} (§2); the empty filter matches nothing. */
  public boolean matches(String topic) {
    for (String t : topics) {
      if (Topics.matches(t, topic)) {
        return true;
      }
    }
    return false;
  }

  /** The entries, in filter order (unmodifiable). */
  public List<String> topics() {
    return view;
  }

  /** Number of entries. */
  public int size() {
    return topics.length;
  }

  /** Whether there are no entries. */
  public boolean isEmpty() {
    return topics.length == 0;
  }

  /** Number of bytes {@link #writeTo(ByteBuf)} writes. */
  public int encodedSize() {
    int size = BinaryCodec.varbyteSize(bytes.length);
    for (byte[] b : bytes) {
      size += WireIo.bytesSize(b.length);
    }
    return size;
  }

  /** Appends the wire form: varbyte count, then varbyte length + UTF-8 bytes per topic. */
  public void writeTo(ByteBuf out) {
    WireIo.writeVarbyte(out, bytes.length);
    for (byte[] b : bytes) {
      WireIo.writeBytes(out, b);
    }
  }

  /** The wire form as an array. */
  public byte[] toBytes() {
    byte[] out = new byte[encodedSize()];
    ByteBuf buf = Unpooled.wrappedBuffer(out);
    buf.writerIndex(0);
    writeTo(buf);
    return out;
  }

  /**
   * Reads one filter in wire form at the reader index of {@code in} and advances past it; the
   * result is verbatim (no minimisation). Bytes after the filter are left unread.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if the count or a length is
   *     malformed or claims more bytes than remain
   */
  public static Filter read(ByteBuf in) {
    long count = WireIo.readVarbyte(in, "filter count");
    // Every entry needs at least its length byte: refuse counts the input cannot hold before
    // allocating anything for them.
    if (count > in.readableBytes()) {
      throw BrokerException.lightweight(ErrorCode.INVALID_DATA,
          "filter of " + count + " topics cannot fit in the " + in.readableBytes() + " remaining byte(s)");
    }
    int n = (int) count;
    if (n == 0) {
      return EMPTY;
    }
    String[] t = new String[n];
    byte[][] b = new byte[n][];
    for (int i = 0; i < n; i++) {
      b[i] = WireIo.readBytes(in, "filter topic " + i);
      t[i] = Topics.fromUtf8(b[i]);
    }
    return new Filter(t, b);
  }

  /**
   * Reads a filter that must span all readable bytes of {@code in} (a routing update payload).
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_DATA} if malformed or followed by
   *     trailing bytes
   */
  public static Filter readExactly(ByteBuf in) {
    Filter f = read(in);
    if (in.isReadable()) {
      throw BrokerException.lightweight(ErrorCode.INVALID_DATA,
          in.readableBytes() + " trailing byte(s) after a filter of " + f.size() + " topics");
    }
    return f;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Filter other && Arrays.equals(topics, other.topics);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(topics);
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return "Filter" + view;
  }

  private static void sortByBytes(String[] t, byte[][] b) {
    Integer[] idx = new Integer[t.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (x, y) -> Arrays.compareUnsigned(b[x], b[y]));
    String[] t2 = t.clone();
    byte[][] b2 = b.clone();
    for (int i = 0; i < idx.length; i++) {
      t[i] = t2[idx[i]];
      b[i] = b2[idx[i]];
    }
  }
}
