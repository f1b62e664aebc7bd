package io.jbroker.endpoint.wire;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.nio.charset.StandardCharsets;

/**
 * Topic rules of spec/broker-endpoint.md §2: reserved topics, byte-prefix matching, joining and
 * the wire limit.
 *
 * <p>A Broker topic is a byte string; jbroker holds it as a {@link String} and puts its UTF-8
 * bytes on the wire ({@link #utf8(String)}; an unpaired surrogate becomes {@code ?}, as {@link
 * String#getBytes} does). Topics received from a peer are decoded as UTF-8, so a topic that is
 * not valid UTF-8 does not survive a round trip (its bad bytes become U+FFFD); Broker and Zeek
 * topics are text in practice.
 *
 * <p>Matching and ordering are defined on those UTF-8 bytes, exactly as Broker defines them on
 * its byte strings: a prefix {@code p} matches a topic {@code t} iff the bytes of {@code p} are a
 * prefix of the bytes of {@code t} ({@code /foo} matches {@code /foobar}, the empty prefix
 * matches everything), and topics sort by unsigned byte order, never by {@link
 * String#compareTo}.
 */
public final class Topics {
  /** Broker's reserved marker; the topic of every routing update, ping and pong (§2, §4.2). */
  public static final String RESERVED = "<$>";

  /** Prefix of internal topics: never advertised in a filter and never forwarded. */
  public static final String LOCAL_PREFIX = "<$>/local/";

  /** Local status events (§5.1). */
  public static final String STATUSES = "<$>/local/data/statuses";

  /** Local error events (§5.2). */
  public static final String ERRORS = "<$>/local/data/errors";

  /** Local data-store change events. */
  public static final String STORE_EVENTS = "<$>/local/data/store-events";

  /** Suffix of the topic a master store named N subscribes to: {@code N/<$>/data/master}. */
  public static final String MASTER_SUFFIX = "<$>/data/master";

  /** Suffix of the topic clones of store N subscribe to: {@code N/<$>/data/clone}. */
  public static final String CLONE_SUFFIX = "<$>/data/clone";

  /** Longest topic the wire can carry, in UTF-8 bytes (the topic length is a u16, §4.1). */
  public static final int MAX_LENGTH = 65_535;

  private static final char SEP = '/';

  private Topics() {}

  /** Whether {@code topic} is internal ({@code <$>/local/…}): local delivery only. */
  public static boolean isInternal(String topic) {
    return topic.startsWith(LOCAL_PREFIX);
  }

  /**
   * Whether the UTF-8 bytes of {@code prefix} are a prefix of the UTF-8 bytes of {@code topic}
   * (Broker's {@code starts_with}, §2). Computed on the chars without encoding; the result is
   * the byte-level answer also for strings with unpaired surrogates.
   */
  public static boolean matches(String prefix, String topic) {
    int n = prefix.length();
    if (n > topic.length()) {
      // Both encode char by char (a pair as one 4-byte sequence, anything else to bytes of its
      // own), so a longer string cannot encode to a byte prefix of a shorter one.
      return false;
    }
    for (int i = 0; i < n; i++) {
      char a = prefix.charAt(i);
      char b = topic.charAt(i);
      if (a != b) {
        if (Character.isSurrogate(a) || Character.isSurrogate(b) || (i > 0 && Character.isSurrogate(prefix.charAt(i - 1)))) {
          // An unpaired surrogate encodes as '?', so the chars differ but the bytes may not.
          return startsWith(utf8Unchecked(topic), utf8Unchecked(prefix));
        }
        return false;
      }
    }
    // A char prefix is a byte prefix unless it ends in a high surrogate that is paired in topic.
    return n == 0 || n == topic.length()
        || !(Character.isHighSurrogate(prefix.charAt(n - 1)) && Character.isLowSurrogate(topic.charAt(n)));
  }

  /**
   * Broker's {@code topic / topic} (§2): inserts one {@code /} between {@code a} and {@code b}
   * if both are non-empty and {@code b} does not start with {@code /}, then strips one trailing
   * {@code /}. {@code join("a", "b")} is {@code a/b}; {@code join("a/", "/b/")} is {@code a//b}.
   */
  public static String join(String a, String b) {
    StringBuilder s = new StringBuilder(a.length() + b.length() + 1).append(a);
    if (!b.isEmpty() && b.charAt(0) != SEP && !a.isEmpty()) {
      s.append(SEP);
    }
    s.append(b);
    int n = s.length();
    if (n > 0 && s.charAt(n - 1) == SEP) {
      s.setLength(n - 1);
    }
    return s.toString();
  }

  /**
   * The wire bytes of {@code topic}.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_TOPIC_KEY} if they are more than
   *     {@value #MAX_LENGTH} bytes (Broker refuses to serialise such a topic)
   */
  public static byte[] utf8(String topic) {
    byte[] bytes = utf8Unchecked(topic);
    if (bytes.length > MAX_LENGTH) {
      throw tooLong(bytes.length);
    }
    return bytes;
  }

  /**
   * The number of bytes {@link #utf8(String)} produces for {@code topic}, without encoding it
   * and without the length check.
   */
  public static int utf8Length(String topic) {
    int n = topic.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = topic.charAt(i);
      if (c < 0x80) {
        continue;
      }
      if (c < 0x800) {
        bytes += 1;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(topic.charAt(i + 1))) {
        bytes += 2; // the pair: 2 chars, 4 bytes
        i++;
      } else if (Character.isSurrogate(c)) {
        // unpaired: encoded as '?', one byte
      } else {
        bytes += 2;
      }
    }
    return bytes;
  }

  /**
   * Checks the wire limit without encoding when the string is short enough to be safe.
   *
   * @throws BrokerException with {@link ErrorCode#INVALID_TOPIC_KEY} if {@code topic} has more
   *     than {@value #MAX_LENGTH} UTF-8 bytes
   */
  public static void checkLength(String topic) {
    // A char never takes more than 3 bytes (a surrogate pair takes 4 for 2 chars).
    if (topic.length() > MAX_LENGTH / 3) {
      int n = utf8Length(topic);
      if (n > MAX_LENGTH) {
        throw tooLong(n);
      }
    }
  }

  /** Unsigned byte-wise comparison of two UTF-8 byte strings, shorter prefix first. */
  public static int compareBytes(byte[] a, byte[] b) {
    return java.util.Arrays.compareUnsigned(a, b);
  }

  /** The topic of the UTF-8 bytes {@code bytes} (invalid sequences become U+FFFD). */
  public static String fromUtf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static byte[] utf8Unchecked(String topic) {
    return topic.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean startsWith(byte[] topic, byte[] prefix) {
    return prefix.length <= topic.length
        && java.util.Arrays.equals(topic, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static BrokerException tooLong(int length) {
    return new BrokerException(ErrorCode.INVALID_TOPIC_KEY,
        "topic of " + length + " UTF-8 bytes exceeds the wire limit of " + MAX_LENGTH + " bytes");
  }
}
