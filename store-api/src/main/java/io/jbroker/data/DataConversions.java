package io.jbroker.data;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** {@link Data#from(Object)}: plain Java values to data. */
final class DataConversions {
  private DataConversions() {}

  static Data from(Object value) {
    if (value == null) {
      return NoneData.INSTANCE;
    }
    if (value instanceof Data d) {
      return d;
    }
    if (value instanceof Boolean b) {
      return BooleanData.of(b);
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return new IntegerData(((Number) value).longValue());
    }
    if (value instanceof Double || value instanceof Float) {
      return new RealData(((Number) value).doubleValue());
    }
    if (value instanceof String s) {
      return StringData.of(s);
    }
    if (value instanceof byte[] b) {
      return StringData.ofBytes(b);
    }
    if (value instanceof InetAddress a) {
      return AddressData.of(a);
    }
    if (value instanceof Instant i) {
      return TimestampData.of(i);
    }
    if (value instanceof Duration d) {
      return TimespanData.of(d);
    }
    if (value instanceof List<?> list) {
      List<Data> out = new ArrayList<>(list.size());
      for (Object o : list) {
        out.add(from(o));
      }
      return VectorData.of(out);
    }
    if (value instanceof java.util.Set<?> set) {
      TreeSet<Data> out = new TreeSet<>();
      for (Object o : set) {
        out.add(from(o));
      }
      return SetData.wrap(out);
    }
    if (value instanceof Map<?, ?> map) {
      TreeMap<Data, Data> out = new TreeMap<>();
      map.forEach((k, v) -> out.put(from(k), from(v)));
      return TableData.wrap(out);
    }
    throw new IllegalArgumentException("cannot convert a " + value.getClass().getName() + " to Broker data");
  }
}
