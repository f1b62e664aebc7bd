package io.jbroker.data;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Broker's {@code table}: an immutable map from data to data with keys kept in Broker's order.
 */
public final class TableData implements Data {
  static final TableData EMPTY = new TableData(new TreeMap<>());

  private final NavigableMap<Data, Data> entries;
  private int hash;

  private TableData(TreeMap<Data, Data> entries) {
    this.entries = Collections.unmodifiableNavigableMap(entries);
  }

  /** The table holding the entries of {@code entries}. */
  public static TableData of(Map<? extends Data, ? extends Data> entries) {
    if (entries.isEmpty()) {
      return EMPTY;
    }
    TreeMap<Data, Data> copy = new TreeMap<>();
    entries.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "table key"), Objects.requireNonNull(v, "table value")));
    return new TableData(copy);
  }

  /** The table of alternating keys and values; a later value for an equal key wins. */
  public static TableData ofPairs(Data... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("a table needs key/value pairs, got " + keysAndValues.length + " values");
    }
    TreeMap<Data, Data> copy = new TreeMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      copy.put(Objects.requireNonNull(keysAndValues[i], "table key"),
          Objects.requireNonNull(keysAndValues[i + 1], "table value"));
    }
    return wrap(copy);
  }

  /** Takes ownership of {@code entries}. */
  static TableData wrap(TreeMap<Data, Data> entries) {
    return entries.isEmpty() ? EMPTY : new TableData(entries);
  }

  /** The entries in ascending key order (unmodifiable). */
  public NavigableMap<Data, Data> entries() {
    return entries;
  }

  public int size() {
    return entries.size();
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The value of {@code key}, or {@code null}. */
  public Data get(Data key) {
    return entries.get(key);
  }

  public boolean containsKey(Data key) {
    return entries.containsKey(key);
  }

  /** This table with {@code key} mapped to {@code value}. */
  public TableData with(Data key, Data value) {
    if (value.equals(entries.get(key))) {
      return this;
    }
    TreeMap<Data, Data> copy = new TreeMap<>(entries);
    copy.put(key, value);
    return new TableData(copy);
  }

  /** This table without {@code key} (this table itself if the key is absent). */
  public TableData without(Data key) {
    if (!entries.containsKey(key)) {
      return this;
    }
    TreeMap<Data, Data> copy = new TreeMap<>(entries);
    copy.remove(key);
    return wrap(copy);
  }

  @Override
  public DataKind kind() {
    return DataKind.TABLE;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof TableData t && entries.equals(t.entries));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = entries.hashCode() * 31 + 13;
      hash = h;
    }
    return h;
  }

  /** Broker's text form: {@code {k1 -> v1, k2 -> v2}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append('{');
    String sep = "";
    for (Map.Entry<Data, Data> e : entries.entrySet()) {
      sb.append(sep).append(e.getKey()).append(" -> ").append(e.getValue());
      sep = ", ";
    }
    return sb.append('}').toString();
  }
}
