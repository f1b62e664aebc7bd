package io.jbroker.replication.internal;

import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.store.Backend;
import io.jbroker.store.EntityId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a {@code StoreMessage} holding {@code updates} straight from its bytes into an {@link
 * UpdateBatch}, without protobuf objects: on a clone that is the message nearly every received
 * byte belongs to, and protobuf's generated parser builds four objects and a builder per nested
 * message for each change.
 *
 * <p>It reads the canonical form only — what protobuf writes for these messages: each field at
 * most once (a change repeated), no unknown fields, nothing after the updates. For any other input,
 * valid or not, {@link #tryDecode} returns {@code null} and the caller parses with protobuf, so
 * what a message means never depends on which of the two read it (the tests hold both to that on
 * random and mutated messages).
 */
public final class UpdatesDecoder {
  private UpdatesDecoder() {}

  /** Thrown (without a stack trace) where the input is not in the canonical form. */
  private static final class NotCanonical extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotCanonical() {
      super(null, null, false, false);
    }
  }

  private static final NotCanonical NOT_CANONICAL = new NotCanonical();

  /** The last publisher read, with its endpoint bytes: changes come in runs from one publisher. */
  private record LastPublisher(EndpointId endpoint, long object, EntityId id) {}

  private static volatile LastPublisher lastPublisher;

  // tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited)
  private static final int STORE_MESSAGE_UPDATES = 1 << 3 | 2;
  private static final int UPDATES_EPOCH = 1 << 3 | 1;
  private static final int UPDATES_FIRST_SEQ = 2 << 3;
  private static final int UPDATES_CHANGES = 3 << 3 | 2;
  private static final int UPDATES_TARGET = 4 << 3 | 1;
  private static final int CHANGE_UPSERT = 1 << 3 | 2;
  private static final int CHANGE_ERASE = 2 << 3 | 2;
  private static final int CHANGE_EXPIRE = 3 << 3 | 2;
  private static final int CHANGE_CLEAR = 4 << 3 | 2;
  private static final int UPSERT_KEY = 1 << 3 | 2;
  private static final int UPSERT_VALUE = 2 << 3 | 2;
  private static final int UPSERT_DEADLINE = 3 << 3;
  private static final int UPSERT_EVENT_EXPIRY = 4 << 3;
  private static final int UPSERT_PUBLISHER = 5 << 3 | 2;
  private static final int KEY_CHANGE_KEY = 1 << 3 | 2;
  private static final int KEY_CHANGE_PUBLISHER = 2 << 3 | 2;
  private static final int CLEAR_PUBLISHER = 1 << 3 | 2;
  private static final int PUBLISHER_ENDPOINT = 1 << 3 | 2;
  private static final int PUBLISHER_OBJECT = 2 << 3;

  /**
   * The update batch in {@code payload}, a serialised {@code StoreMessage}; {@code null} if it is
   * not an update message in the canonical form (parse it with protobuf then). The batch's values
   * refer into {@code payload}, which must not change afterwards.
   */
  public static UpdateBatch tryDecode(byte[] payload) {
    try {
      return decode(payload);
    } catch (NotCanonical | ArrayIndexOutOfBoundsException e) {
      return null;
    }
  }

  private static UpdateBatch decode(byte[] b) {
    Reader r = new Reader(b);
    if (r.tag() != STORE_MESSAGE_UPDATES) {
      throw NOT_CANONICAL;
    }
    int end = r.lengthEnd();
    if (end != b.length) {
      throw NOT_CANONICAL; // a second body (protobuf: the last one wins) or anything else after it
    }
    long epoch = 0;
    long firstSeq = 0;
    long target = 0;
    int seen = 0; // bit per singular field
    List<WireChange> changes = new ArrayList<>(Math.max(4, (end - r.pos) / 40));
    while (r.pos < end) {
      int tag = r.tag();
      switch (tag) {
        case UPDATES_EPOCH -> {
          seen = once(seen, 1);
          epoch = r.fixed64();
        }
        case UPDATES_FIRST_SEQ -> {
          seen = once(seen, 2);
          firstSeq = r.varint();
        }
        case UPDATES_TARGET -> {
          seen = once(seen, 4);
          target = r.fixed64();
        }
        case UPDATES_CHANGES -> changes.add(change(r, r.lengthEnd()));
        default -> throw NOT_CANONICAL;
      }
    }
    return new UpdateBatch(epoch, firstSeq, target, changes);
  }

  private static WireChange change(Reader r, int end) {
    if (r.pos == end) {
      return WireChange.none();
    }
    int tag = r.tag();
    int inner = r.lengthEnd();
    WireChange c = switch (tag) {
      case CHANGE_UPSERT -> upsert(r, inner);
      case CHANGE_ERASE -> keyChange(r, inner, WireChange.ERASE);
      case CHANGE_EXPIRE -> keyChange(r, inner, WireChange.EXPIRE);
      case CHANGE_CLEAR -> clear(r, inner);
      default -> throw NOT_CANONICAL;
    };
    if (r.pos != end) {
      throw NOT_CANONICAL; // a second kind (protobuf: the last one wins), or an unknown field
    }
    return c;
  }

  private static WireChange upsert(Reader r, int end) {
    byte[] key = WireChange.EMPTY;
    int valueOffset = 0;
    int valueLength = 0;
    long deadline = Backend.NO_DEADLINE;
    boolean hasEventExpiry = false;
    long eventExpiry = 0;
    EntityId publisher = null;
    int seen = 0;
    while (r.pos < end) {
      switch (r.tag()) {
        case UPSERT_KEY -> {
          seen = once(seen, 1);
          key = r.bytes();
        }
        case UPSERT_VALUE -> {
          seen = once(seen, 2);
          int valueEnd = r.lengthEnd();
          valueOffset = r.pos;
          valueLength = valueEnd - valueOffset;
          r.pos = valueEnd;
        }
        case UPSERT_DEADLINE -> {
          seen = once(seen, 4);
          deadline = r.varint();
        }
        case UPSERT_EVENT_EXPIRY -> {
          seen = once(seen, 8);
          hasEventExpiry = true;
          eventExpiry = r.varint();
        }
        case UPSERT_PUBLISHER -> {
          seen = once(seen, 16);
          publisher = publisher(r, r.lengthEnd());
        }
        default -> throw NOT_CANONICAL;
      }
    }
    end(r, end);
    return WireChange.upsert(key, r.b, valueOffset, valueLength, deadline, hasEventExpiry, eventExpiry, publisher);
  }

  private static WireChange keyChange(Reader r, int end, int kind) {
    byte[] key = WireChange.EMPTY;
    EntityId publisher = null;
    int seen = 0;
    while (r.pos < end) {
      switch (r.tag()) {
        case KEY_CHANGE_KEY -> {
          seen = once(seen, 1);
          key = r.bytes();
        }
        case KEY_CHANGE_PUBLISHER -> {
          seen = once(seen, 2);
          publisher = publisher(r, r.lengthEnd());
        }
        default -> throw NOT_CANONICAL;
      }
    }
    end(r, end);
    return WireChange.keyed(kind, key, publisher);
  }

  private static WireChange clear(Reader r, int end) {
    EntityId publisher = null;
    if (r.pos < end) {
      if (r.tag() != CLEAR_PUBLISHER) {
        throw NOT_CANONICAL;
      }
      publisher = publisher(r, r.lengthEnd());
    }
    end(r, end);
    return WireChange.clear(publisher);
  }

  /** A publisher message; {@code null} unless its endpoint has 16 bytes (as {@link Messages#entity}). */
  private static EntityId publisher(Reader r, int end) {
    int endpointOffset = -1;
    int endpointLength = 0;
    long object = 0;
    int seen = 0;
    while (r.pos < end) {
      switch (r.tag()) {
        case PUBLISHER_ENDPOINT -> {
          seen = once(seen, 1);
          int e = r.lengthEnd();
          endpointOffset = r.pos;
          endpointLength = e - endpointOffset;
          r.pos = e;
        }
        case PUBLISHER_OBJECT -> {
          seen = once(seen, 2);
          object = r.varint();
        }
        default -> throw NOT_CANONICAL;
      }
    }
    end(r, end);
    if (endpointLength != 16) {
      return null;
    }
    LastPublisher last = lastPublisher;
    if (last != null && last.object() == object && last.endpoint().isAt(r.b, endpointOffset)) {
      return last.id();
    }
    EndpointId endpoint = EndpointId.read(r.b, endpointOffset);
    EntityId id = new EntityId(endpoint.toUuid(), object);
    lastPublisher = new LastPublisher(endpoint, object, id);
    return id;
  }

  private static int once(int seen, int bit) {
    if ((seen & bit) != 0) {
      throw NOT_CANONICAL; // protobuf: the last one wins, or embedded messages merge
    }
    return seen | bit;
  }

  private static void end(Reader r, int end) {
    if (r.pos != end) {
      throw NOT_CANONICAL; // a field ran past the end of its message
    }
  }

  /** A position in the message; reads past the end throw {@link ArrayIndexOutOfBoundsException}. */
  private static final class Reader {
    final byte[] b;
    int pos;

    Reader(byte[] b) {
      this.b = b;
    }

    /** A tag; only those of fields 1 – 15 are canonical here (one byte). */
    int tag() {
      int t = b[pos++];
      if (t <= 0) {
        throw NOT_CANONICAL; // longer tag, or field 0
      }
      return t;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte x = b[pos++];
        v |= (long) (x & 0x7F) << shift;
        if (x >= 0) {
          return v;
        }
      }
      throw NOT_CANONICAL; // more than 10 bytes: malformed
    }

    long fixed64() {
      long v = 0;
      for (int i = 7; i >= 0; i--) {
        v = v << 8 | (b[pos + i] & 0xFF);
      }
      pos += 8;
      return v;
    }

    /** Reads a length; returns where the field it prefixes ends (checked against the array). */
    int lengthEnd() {
      long n = varint();
      if (n < 0 || n > b.length - pos) {
        throw NOT_CANONICAL;
      }
      return pos + (int) n;
    }

    byte[] bytes() {
      int e = lengthEnd();
      byte[] out = Arrays.copyOfRange(b, pos, e);
      pos = e;
      return out;
    }
  }
}
