package io.jbroker.store;

import io.jbroker.data.BooleanData;
import io.jbroker.data.CountData;
import io.jbroker.data.Data;
import io.jbroker.data.DataKind;
import io.jbroker.data.IntegerData;
import io.jbroker.data.RealData;
import io.jbroker.data.SetData;
import io.jbroker.data.StringData;
import io.jbroker.data.TableData;
import io.jbroker.data.TimespanData;
import io.jbroker.data.TimestampData;
import io.jbroker.data.VectorData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.time.Duration;

/**
 * The operation rules of SEMANTICS.md — the one place where they live. Each function takes the
 * key (for messages), the stored value ({@code null} when the key is missing) and the operand,
 * and returns the new value or throws a {@link BrokerException} whose message names the key and
 * the kinds involved. Functions never change anything; {@link StoreCore} stores their results.
 *
 * <p>A function returns the stored value itself (the same instance) when the operation has
 * nothing to do: removing an absent element or index, popping an empty vector, inserting an
 * element already in the set, writing a table entry that already holds the value.
 *
 * <p>Deliberate differences from Broker 2.8 (spec/broker-stores.md §3), as SEMANTICS.md wants:
 * numeric overflow and count underflow fail with {@code INVALID_DATA} instead of wrapping;
 * {@code increment} with a timespan creates a timespan (not a timestamp) and accepts only
 * numeric amounts; {@code append}, {@code insertInto} and {@code push} accept only their own
 * container kind; {@code insertInto(k, i, v)} on a vector writes at index {@code i};
 * {@code removeFrom} on a vector removes at index; {@code pop} works on vectors only;
 * {@code getIndexFromValue} on a scalar is a {@code TYPE_CLASH}; failures are reported, and
 * nothing is stored by a failed operation.
 */
public final class Operations {
  private Operations() {}

  // ---- expiry ------------------------------------------------------------------------------

  /**
   * The deadline for a relative {@code expiry} given at {@code now}.
   *
   * @throws BrokerException {@code INVALID_DATA} if the expiry is not positive or the deadline
   *     does not fit in 64-bit nanoseconds
   */
  public static long deadline(Data key, long now, Duration expiry) {
    if (expiry.isNegative() || expiry.isZero()) {
      throw fail(ErrorCode.INVALID_DATA, "expiry for key " + Key.describe(key) + " must be positive, got " + expiry);
    }
    long nanos;
    try {
      nanos = expiry.toNanos();
    } catch (ArithmeticException e) {
      nanos = Long.MAX_VALUE;
    }
    long deadline = now + nanos;
    if (nanos == Long.MAX_VALUE || ((now ^ deadline) & (nanos ^ deadline)) < 0 || deadline == Backend.NO_DEADLINE) {
      throw fail(ErrorCode.INVALID_DATA, "expiry " + expiry + " for key " + Key.describe(key) + " is too large");
    }
    return deadline;
  }

  /**
   * The deadline after a modifying operation ({@code increment} … {@code pop}): a new one when
   * an expiry is given, the existing one ({@code oldDeadline}) otherwise. Reads the clock only
   * when it needs to.
   */
  public static long modifiedDeadline(Data key, Clock clock, Duration expiry, long oldDeadline) {
    return expiry == null ? oldDeadline : deadline(key, clock.nowNanos(), expiry);
  }

  /**
   * The deadline after {@code put}/{@code putUnique}: the given expiry replaces any old one; no
   * expiry means no deadline. Reads the clock only when it needs to.
   */
  public static long replacedDeadline(Data key, Clock clock, Duration expiry) {
    return expiry == null ? Backend.NO_DEADLINE : deadline(key, clock.nowNanos(), expiry);
  }

  // ---- add family ---------------------------------------------------------------------------

  /** {@code increment}: count, integer, real, timespan amounts; timestamp + timespan. */
  public static Data increment(Data key, Data stored, Data amount) {
    DataKind a = amount.kind();
    if (a != DataKind.COUNT && a != DataKind.INTEGER && a != DataKind.REAL && a != DataKind.TIMESPAN) {
      throw fail(ErrorCode.TYPE_CLASH, "increment on key " + Key.describe(key)
          + ": amount must be a count, integer, real or timespan, got " + article(a));
    }
    if (stored == null) {
      return amount instanceof RealData r ? new RealData(0.0 + r.value()) : amount;
    }
    return arithmetic("increment", key, stored, amount, true);
  }

  /** {@code decrement}: the same pairs as increment, subtracting; the key must exist. */
  public static Data decrement(Data key, Data stored, Data amount) {
    if (stored == null) {
      throw missing("decrement", key);
    }
    return arithmetic("decrement", key, stored, amount, false);
  }

  private static Data arithmetic(String op, Data key, Data stored, Data amount, boolean add) {
    DataKind s = stored.kind();
    DataKind a = amount.kind();
    try {
      if (s == a) {
        switch (s) {
          case COUNT: {
            long x = ((CountData) stored).value();
            long y = ((CountData) amount).value();
            long r = add ? x + y : x - y;
            if (add ? Long.compareUnsigned(r, x) < 0 : Long.compareUnsigned(x, y) < 0) {
              throw fail(ErrorCode.INVALID_DATA, op + " on key " + Key.describe(key) + ": count "
                  + stored + (add ? " + " : " - ") + amount + (add ? " overflows 2^64-1" : " would go below zero"));
            }
            return new CountData(r);
          }
          case INTEGER: {
            long x = ((IntegerData) stored).value();
            long y = ((IntegerData) amount).value();
            return new IntegerData(add ? Math.addExact(x, y) : Math.subtractExact(x, y));
          }
          case REAL: {
            double x = ((RealData) stored).value();
            double y = ((RealData) amount).value();
            return new RealData(add ? x + y : x - y);
          }
          case TIMESPAN: {
            long x = ((TimespanData) stored).nanos();
            long y = ((TimespanData) amount).nanos();
            return new TimespanData(add ? Math.addExact(x, y) : Math.subtractExact(x, y));
          }
          default:
            break;
        }
      } else if (s == DataKind.TIMESTAMP && a == DataKind.TIMESPAN) {
        long x = ((TimestampData) stored).nanos();
        long y = ((TimespanData) amount).nanos();
        return new TimestampData(add ? Math.addExact(x, y) : Math.subtractExact(x, y));
      }
    } catch (ArithmeticException e) {
      throw fail(ErrorCode.INVALID_DATA, op + " on key " + Key.describe(key) + ": "
          + stored + (add ? " + " : " - ") + amount + " overflows 64 bits");
    }
    throw fail(ErrorCode.TYPE_CLASH, op + " on key " + Key.describe(key) + ": stored value is "
        + article(s) + ", amount is " + article(a));
  }

  /** {@code append}: string + string; creates the string. */
  public static Data append(Data key, Data stored, Data value) {
    if (!(value instanceof StringData suffix)) {
      throw fail(ErrorCode.TYPE_CLASH, "append on key " + Key.describe(key) + ": appended value is "
          + article(value.kind()) + ", not a string");
    }
    if (stored == null) {
      return value;
    }
    if (!(stored instanceof StringData s)) {
      throw fail(ErrorCode.TYPE_CLASH, "append on key " + Key.describe(key) + ": stored value is "
          + article(stored.kind()) + ", not a string");
    }
    if (suffix.length() == 0) {
      return stored;
    }
    byte[] a = s.bytes();
    byte[] b = suffix.bytes();
    byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return StringData.ofBytes(r);
  }

  /** {@code insertInto(k, element)}: adds to a set; creates {@code {element}}. */
  public static Data insertInto(Data key, Data stored, Data element) {
    if (stored == null) {
      return Data.set(element);
    }
    if (stored instanceof SetData s) {
      return s.with(element);
    }
    throw fail(ErrorCode.TYPE_CLASH, "insert_into on key " + Key.describe(key) + ": stored value is "
        + article(stored.kind()) + ", not a set");
  }

  /**
   * {@code insertInto(k, index, value)}: {@code table[index] = value}; on a vector, a count
   * index below the size replaces and one equal to the size appends; creates {@code {index ->
   * value}}.
   */
  public static Data insertAt(Data key, Data stored, Data index, Data value) {
    if (stored == null) {
      return Data.table(index, value);
    }
    if (stored instanceof TableData t) {
      return t.with(index, value);
    }
    if (stored instanceof VectorData v) {
      int size = v.size();
      long i = vectorIndex("insert_into", key, index);
      if (Long.compareUnsigned(i, size) > 0) {
        throw fail(ErrorCode.INVALID_DATA, "insert_into on key " + Key.describe(key) + ": index " + index
            + " is beyond the end of a vector of size " + size);
      }
      if (i == size) {
        return v.append(value);
      }
      return v.get((int) i).equals(value) ? v : v.replace((int) i, value);
    }
    throw fail(ErrorCode.TYPE_CLASH, "insert_into on key " + Key.describe(key) + ": stored value is "
        + article(stored.kind()) + ", not a table or vector");
  }

  /**
   * {@code removeFrom}: removes a set element, a table key, or the vector element at a count
   * index (later elements shift); an absent element or index is a no-op.
   */
  public static Data removeFrom(Data key, Data stored, Data index) {
    if (stored == null) {
      throw missing("remove_from", key);
    }
    if (stored instanceof SetData s) {
      return s.without(index);
    }
    if (stored instanceof TableData t) {
      return t.without(index);
    }
    if (stored instanceof VectorData v) {
      long i = vectorIndex("remove_from", key, index);
      return Long.compareUnsigned(i, v.size()) < 0 ? v.removeAt((int) i) : v;
    }
    throw fail(ErrorCode.TYPE_CLASH, "remove_from on key " + Key.describe(key) + ": stored value is "
        + article(stored.kind()) + ", not a set, table or vector");
  }

  /** {@code push}: appends to a vector; creates {@code [value]}. */
  public static Data push(Data key, Data stored, Data value) {
    if (stored == null) {
      return Data.vector(value);
    }
    if (stored instanceof VectorData v) {
      return v.append(value);
    }
    throw fail(ErrorCode.TYPE_CLASH, "push on key " + Key.describe(key) + ": stored value is "
        + article(stored.kind()) + ", not a vector");
  }

  /** {@code pop}: removes the last element of a vector (an empty vector stays as it is). */
  public static Data pop(Data key, Data stored) {
    if (stored == null) {
      throw missing("pop", key);
    }
    if (stored instanceof VectorData v) {
      return v.isEmpty() ? v : v.removeAt(v.size() - 1);
    }
    throw fail(ErrorCode.TYPE_CLASH, "pop on key " + Key.describe(key) + ": stored value is "
        + article(stored.kind()) + ", not a vector");
  }

  // ---- reads --------------------------------------------------------------------------------

  /**
   * {@code getIndexFromValue}: a vector's element at a count (or non-negative integer) index, a
   * set's membership of {@code index} as a boolean, a table's value at {@code index}.
   *
   * @throws BrokerException {@code NO_SUCH_KEY} if the key, the vector index or the table key is
   *     absent; {@code TYPE_CLASH} for a scalar value or a vector index of another kind
   */
  public static Data getIndexFromValue(Data key, Data stored, Data index) {
    if (stored == null) {
      throw missing("get_index_from_value", key);
    }
    if (stored instanceof VectorData v) {
      long i;
      if (index instanceof CountData c) {
        i = c.value();
      } else if (index instanceof IntegerData n && n.value() >= 0) {
        i = n.value();
      } else {
        throw fail(ErrorCode.TYPE_CLASH, "get_index_from_value on key " + Key.describe(key)
            + ": a vector index must be a count or a non-negative integer, got " + index);
      }
      if (Long.compareUnsigned(i, v.size()) >= 0) {
        throw fail(ErrorCode.NO_SUCH_KEY, "get_index_from_value on key " + Key.describe(key) + ": index "
            + index + " is beyond the end of a vector of size " + v.size());
      }
      return v.get((int) i);
    }
    if (stored instanceof SetData s) {
      return BooleanData.of(s.contains(index));
    }
    if (stored instanceof TableData t) {
      Data value = t.get(index);
      if (value == null) {
        throw fail(ErrorCode.NO_SUCH_KEY, "get_index_from_value on key " + Key.describe(key)
            + ": the table has no key " + Key.describe(index));
      }
      return value;
    }
    throw fail(ErrorCode.TYPE_CLASH, "get_index_from_value on key " + Key.describe(key) + ": stored value is "
        + article(stored.kind()) + ", not a vector, set or table");
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static long vectorIndex(String op, Data key, Data index) {
    if (index instanceof CountData c) {
      return c.value();
    }
    throw fail(ErrorCode.INVALID_DATA, op + " on key " + Key.describe(key)
        + ": a vector index must be a count, got " + article(index.kind()));
  }

  private static BrokerException missing(String op, Data key) {
    return fail(ErrorCode.NO_SUCH_KEY, op + " on key " + Key.describe(key) + ": no such key");
  }

  private static BrokerException fail(ErrorCode code, String message) {
    return BrokerException.lightweight(code, message);
  }

  /** "a count", "an integer", … for messages. */
  static String article(DataKind kind) {
    switch (kind) {
      case NONE:
        return "nil";
      case INTEGER:
        return "an integer";
      case ADDRESS:
        return "an address";
      case ENUM_VALUE:
        return "an enum value";
      default:
        return "a " + kind.jsonName();
    }
  }
}
