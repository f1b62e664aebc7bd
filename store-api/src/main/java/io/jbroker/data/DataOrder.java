package io.jbroker.data;

import java.util.Iterator;
import java.util.Map;

/** Broker's total order over {@link Data}: kind tag first, then value (see {@link Data}). */
final class DataOrder {
  private DataOrder() {}

  static int compare(Data a, Data b) {
    if (a == b) {
      return 0;
    }
    DataKind ka = a.kind();
    DataKind kb = b.kind();
    if (ka != kb) {
      return Integer.compare(ka.tag(), kb.tag());
    }
    switch (ka) {
      case NONE:
        return 0;
      case BOOLEAN:
        return Boolean.compare(((BooleanData) a).value(), ((BooleanData) b).value());
      case COUNT:
        return Long.compareUnsigned(((CountData) a).value(), ((CountData) b).value());
      case INTEGER:
        return Long.compare(((IntegerData) a).value(), ((IntegerData) b).value());
      case REAL:
        return Double.compare(((RealData) a).value(), ((RealData) b).value());
      case STRING:
        return ((StringData) a).compareValue((StringData) b);
      case ADDRESS:
        return compareAddress((AddressData) a, (AddressData) b);
      case SUBNET: {
        SubnetData sa = (SubnetData) a;
        SubnetData sb = (SubnetData) b;
        int c = compareAddress(sa.network(), sb.network());
        return c != 0 ? c : Integer.compare(sa.rawLength(), sb.rawLength());
      }
      case PORT: {
        PortData pa = (PortData) a;
        PortData pb = (PortData) b;
        int c = Integer.compare(pa.number(), pb.number());
        return c != 0 ? c : Integer.compare(pa.protocol().code(), pb.protocol().code());
      }
      case TIMESTAMP:
        return Long.compare(((TimestampData) a).nanos(), ((TimestampData) b).nanos());
      case TIMESPAN:
        return Long.compare(((TimespanData) a).nanos(), ((TimespanData) b).nanos());
      case ENUM_VALUE:
        return ((EnumData) a).compareValue((EnumData) b);
      case SET:
        return compareSequences(((SetData) a).elements().iterator(), ((SetData) b).elements().iterator());
      case TABLE:
        return compareTables((TableData) a, (TableData) b);
      case VECTOR:
        return compareSequences(((VectorData) a).elements().iterator(), ((VectorData) b).elements().iterator());
      default:
        throw new AssertionError(ka);
    }
  }

  private static int compareAddress(AddressData a, AddressData b) {
    int c = Long.compareUnsigned(a.high(), b.high());
    return c != 0 ? c : Long.compareUnsigned(a.low(), b.low());
  }

  private static int compareSequences(Iterator<Data> a, Iterator<Data> b) {
    while (a.hasNext() && b.hasNext()) {
      int c = compare(a.next(), b.next());
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(a.hasNext(), b.hasNext());
  }

  private static int compareTables(TableData a, TableData b) {
    Iterator<Map.Entry<Data, Data>> ia = a.entries().entrySet().iterator();
    Iterator<Map.Entry<Data, Data>> ib = b.entries().entrySet().iterator();
    while (ia.hasNext() && ib.hasNext()) {
      Map.Entry<Data, Data> ea = ia.next();
      Map.Entry<Data, Data> eb = ib.next();
      int c = compare(ea.getKey(), eb.getKey());
      if (c == 0) {
        c = compare(ea.getValue(), eb.getValue());
      }
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(ia.hasNext(), ib.hasNext());
  }
}
