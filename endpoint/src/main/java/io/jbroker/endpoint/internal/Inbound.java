package io.jbroker.endpoint.internal;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.EnvelopeType;
import io.jbroker.endpoint.wire.Topics;
import io.jbroker.error.BrokerException;
import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The phase-3 receive path of one peering, on its event loop: takes every complete frame of a
 * socket read straight from the read buffer (no buffer or envelope object per frame) and routes
 * the common case — a data envelope the peer sends as itself to everyone — in runs.
 *
 * <p>A <i>run</i> is a sequence of such envelopes on one topic within one read: the topic string,
 * the subscribers whose filters match it and the peers it is forwarded to are worked out once per
 * run, and the run's values reach each subscriber's queue in one step (one lock, one wake-up)
 * when it ends. Values are only validated here ({@link BinaryCodec#certainlyValid}); the subscriber's reader
 * decodes them. A run ends at a topic change, at the end of the read, after {@link #MAX_RUN}
 * envelopes, and before any other frame, which goes through {@link Core#dispatch} as before, so
 * what a subscriber receives keeps the order of the wire. Everything the per-frame path does for
 * these envelopes is kept: delivery only on a matching filter, a malformed value ends the peering
 * (after what came before it was delivered), internal topics are dropped, forwarding with the
 * TTL decremented, the counters.
 */
final class Inbound {
  private static final Logger log = LoggerFactory.getLogger(Inbound.class);

  /** Most envelopes in one run. */
  static final int MAX_RUN = 512;

  /** Bytes of a direct read buffer copied to the heap at a time. */
  static final int WINDOW = 64 * 1024;

  private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  private final Core core;
  private final PeerLink from;
  private final long maxPayload;
  private byte[] window;

  // the topic of the last data envelope on the fast path
  private byte[] topicBytes;
  private String topic;
  private boolean internalTopic;

  // the current run (routing == null: none)
  private Routing routing;
  private DataSink[] sinks = new DataSink[4];
  private int sinkCount;
  private boolean forwards;
  private PeerLink[] targets = new PeerLink[4];
  private int targetCount;
  private final byte[][] encoded = new byte[MAX_RUN][];
  private final Data[] decoded = new Data[MAX_RUN];
  private int pending;
  /** Data envelopes taken on the fast path and not yet added to the counters. */
  private int counted;

  Inbound(Core core, PeerLink from) {
    this.core = core;
    this.from = from;
    this.maxPayload = core.config().maxFrameSize() - 4L;
  }

  /**
   * Handles the complete frames at the reader index of {@code buf} and advances past them. Stops
   * before an incomplete frame and before a length above the maximum (the caller deals with
   * both); once the peering is closed, skips everything.
   *
   * <p>The frames are parsed on a heap array: the buffer's own, or a copy of up to {@link #WINDOW}
   * bytes of it (one bulk copy instead of a bounds-checked access per field).
   */
  void read(ByteBuf buf) {
    try {
      while (true) {
        if (from.isClosed()) {
          buf.skipBytes(buf.readableBytes());
          return;
        }
        int readable = buf.readableBytes();
        if (readable < 4) {
          return;
        }
        int start = buf.readerIndex();
        byte[] a;
        int base;
        int avail;
        if (buf.hasArray()) {
          a = buf.array();
          base = buf.arrayOffset() + start;
          avail = readable;
        } else {
          if (window == null) {
            window = new byte[WINDOW];
          }
          avail = Math.min(readable, WINDOW);
          buf.getBytes(start, window, 0, avail);
          a = window;
          base = 0;
        }
        int used = frames(buf, start, a, base, avail);
        buf.readerIndex(start + used);
        if (used == 0 && !from.isClosed()) {
          long len = buf.getUnsignedInt(start);
          if (len > maxPayload || readable - 4 < len) {
            return;
          }
          // a complete frame larger than the window
          buf.readerIndex(start + 4 + (int) len);
          endRun();
          core.dispatch(from, buf.slice(start + 4, (int) len));
        }
      }
    } finally {
      endRun();
    }
  }

  /**
   * Handles the complete frames in {@code a[base, base + avail)}, which holds {@code buf} from
   * index {@code start} on; returns how many bytes they took.
   */
  private int frames(ByteBuf buf, int start, byte[] a, int base, int avail) {
    int q = 0;
    while (avail - q >= 4 && !from.isClosed()) {
      long len = (int) INT_BE.get(a, base + q) & 0xFFFF_FFFFL;
      if (len > maxPayload || avail - q - 4 < len) {
        break;
      }
      int n = (int) len;
      int p = base + q + 4;
      q += 4 + n;
      if (n != 0 && !data(a, p, n)) { // empty frames are ignored in phase 3
        endRun();
        core.dispatch(from, buf.slice(start + (p - base), n));
      }
    }
    return q;
  }

  /**
   * Takes the frame payload {@code a[p, p + n)} if it is a data envelope from the peer itself to
   * everyone on a well-formed topic; false leaves it to {@link Core#dispatch}.
   */
  private boolean data(byte[] a, int p, int n) {
    if (n < Frames.HEADER || a[p + 32] != EnvelopeType.DATA.code()) {
      return false;
    }
    int tlen = ((a[p + 35] & 0xFF) << 8) | (a[p + 36] & 0xFF);
    if (tlen > n - Frames.HEADER
        || !from.id().isAt(a, p)
        || (long) LONG_BE.get(a, p + 16) != 0
        || (long) LONG_BE.get(a, p + 24) != 0) {
      return false;
    }
    int t = p + Frames.HEADER;
    byte[] tb = topicBytes;
    if (tb == null || tb.length != tlen || !Arrays.equals(a, t, t + tlen, tb, 0, tlen)) {
      endRun();
      if (!learnTopic(a, t, tlen)) {
        return false;
      }
    }
    if (routing == null) {
      startRun();
    }
    counted++;
    if (internalTopic) {
      // <$>/local/ topics never leave an endpoint, so no peer may speak on them
      log.debug("endpoint {}: dropped an envelope from {} on the internal topic {}", core.self(), from.id(), topic);
      return true;
    }
    int at = t + tlen;
    int size = n - Frames.HEADER - tlen;
    if (sinkCount > 0) {
      byte[] value = Arrays.copyOfRange(a, at, at + size);
      Data d = null;
      if (!BinaryCodec.certainlyValid(value, 0, size)) {
        try {
          d = BinaryCodec.decode(value);
        } catch (BrokerException e) {
          endRun(); // what came before it is delivered
          core.malformedInput(from, "malformed data on topic " + topic + ": " + e.getMessage());
          return true;
        }
      }
      encoded[pending] = value;
      decoded[pending] = d;
      pending++;
    }
    if (forwards) {
      int ttl = (((a[p + 33] & 0xFF) << 8) | (a[p + 34] & 0xFF)) - 1;
      if (ttl <= 0) {
        core.countDroppedByTtl();
      } else if (targetCount > 0) {
        byte[] frame = Frames.envelope(core.self(), EndpointId.NIL, EnvelopeType.DATA, ttl, topicBytes, a, at, size);
        for (int i = 0; i < targetCount; i++) {
          targets[i].offerForwarded(frame);
        }
      }
    }
    if (pending == MAX_RUN) {
      endRun();
    }
    return true;
  }

  /** Makes {@code a[index, index + length)} the current topic; false if it is not a valid one. */
  private boolean learnTopic(byte[] a, int index, int length) {
    String s = new String(a, index, length, StandardCharsets.UTF_8);
    try {
      Topics.checkLength(s);
    } catch (BrokerException e) {
      topicBytes = null;
      return false; // Core.dispatch reports it
    }
    topicBytes = Arrays.copyOfRange(a, index, index + length);
    topic = s;
    internalTopic = Topics.isInternal(s);
    return true;
  }

  /** Works out where envelopes on the current topic go, with the routing of now. */
  private void startRun() {
    Routing r = core.routing();
    routing = r;
    sinkCount = 0;
    targetCount = 0;
    forwards = false;
    if (internalTopic) {
      return;
    }
    if (sinks.length < r.dataSinks.length) {
      sinks = new DataSink[r.dataSinks.length];
    }
    for (DataSink s : r.dataSinks) {
      if (s.filter().matches(topic)) {
        sinks[sinkCount++] = s;
      }
    }
    forwards = core.config().forwarding() || r.forwardFilter.matches(topic);
    if (forwards) {
      if (targets.length < r.links.length) {
        targets = new PeerLink[r.links.length];
      }
      for (PeerLink q : r.links) {
        if (q != from && !q.id().equals(from.id()) && q.filter().matches(topic)) {
          targets[targetCount++] = q;
        }
      }
    }
  }

  /** Counts and delivers the current run, and ends it. */
  private void endRun() {
    if (counted > 0) {
      core.countLocal(EnvelopeType.DATA, counted);
      from.countIn(counted);
      counted = 0;
    }
    int n = pending;
    if (n > 0) {
      pending = 0;
      for (int i = 0; i < sinkCount; i++) {
        sinks[i].deliverEncoded(topic, encoded, decoded, n);
      }
      Arrays.fill(encoded, 0, n, null);
      Arrays.fill(decoded, 0, n, null);
    }
    if (routing != null) {
      routing = null;
      Arrays.fill(sinks, 0, sinkCount, null);
      Arrays.fill(targets, 0, targetCount, null);
      sinkCount = 0;
      targetCount = 0;
    }
  }
}
