package io.jbroker.data;

/**
 * The 15 kinds of {@link Data}, in Broker's tag order (spec/broker-endpoint.md §1.1).
 *
 * <p>The {@linkplain #tag() tag} is the first byte of every binary encoding and the first
 * criterion of the total order; the {@linkplain #jsonName() JSON name} is the value of the
 * {@code "@data-type"} member of Broker's JSON form.
 */
public enum DataKind {
  NONE("none"),
  BOOLEAN("boolean"),
  COUNT("count"),
  INTEGER("integer"),
  REAL("real"),
  STRING("string"),
  ADDRESS("address"),
  SUBNET("subnet"),
  PORT("port"),
  TIMESTAMP("timestamp"),
  TIMESPAN("timespan"),
  ENUM_VALUE("enum-value"),
  SET("set"),
  TABLE("table"),
  VECTOR("vector");

  private static final DataKind[] BY_TAG = values();

  private final String jsonName;

  DataKind(String jsonName) {
    this.jsonName = jsonName;
  }

  /** Broker's variant tag: 0 for none … 14 for vector. */
  public int tag() {
    return ordinal();
  }

  /** The {@code "@data-type"} name of Broker's JSON form. */
  public String jsonName() {
    return jsonName;
  }

  /** The kind with tag {@code tag}, or {@code null} if the tag is unknown (> 14 or negative). */
  public static DataKind ofTag(int tag) {
    return tag >= 0 && tag < BY_TAG.length ? BY_TAG[tag] : null;
  }

  /** The kind with JSON name {@code name}, or {@code null}. */
  public static DataKind ofJsonName(String name) {
    for (DataKind k : BY_TAG) {
      if (k.jsonName.equals(name)) {
        return k;
      }
    }
    return null;
  }
}
