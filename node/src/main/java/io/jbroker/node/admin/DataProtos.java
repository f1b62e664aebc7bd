package io.jbroker.node.admin;

import com.google.protobuf.ByteString;
import io.jbroker.data.AddressData;
import io.jbroker.data.BooleanData;
import io.jbroker.data.CountData;
import io.jbroker.data.Data;
import io.jbroker.data.EnumData;
import io.jbroker.data.IntegerData;
import io.jbroker.data.NoneData;
import io.jbroker.data.PortData;
import io.jbroker.data.RealData;
import io.jbroker.data.SetData;
import io.jbroker.data.StringData;
import io.jbroker.data.SubnetData;
import io.jbroker.data.TableData;
import io.jbroker.data.TimespanData;
import io.jbroker.data.TimestampData;
import io.jbroker.data.VectorData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.admin.v1.NoneValue;
import io.jbroker.proto.admin.v1.Port;
import io.jbroker.proto.admin.v1.Subnet;
import io.jbroker.proto.admin.v1.TableEntry;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Converts between {@link Data} and its protobuf form {@code jbroker.admin.v1.Data} (see
 * data.proto). Both directions are exact: {@code fromProto(toProto(d)).equals(d)} for every value,
 * including strings that are not UTF-8 and subnets as Broker's decoder keeps them; the one
 * exception is an enum name that is not UTF-8 (the proto field is a string).
 */
public final class DataProtos {
  private static final NoneValue NONE = NoneValue.getDefaultInstance();
  private static final io.jbroker.proto.admin.v1.Data NONE_PROTO =
      io.jbroker.proto.admin.v1.Data.newBuilder().setNone(NONE).build();

  /** Deepest nesting accepted from a client (as the binary codec). */
  private static final int MAX_DEPTH = io.jbroker.data.BinaryCodec.MAX_DEPTH;

  private DataProtos() {}

  /** The protobuf form of {@code d}. */
  public static io.jbroker.proto.admin.v1.Data toProto(Data d) {
    var b = io.jbroker.proto.admin.v1.Data.newBuilder();
    if (d instanceof NoneData) {
      return NONE_PROTO;
    } else if (d instanceof BooleanData x) {
      b.setBoolean(x.value());
    } else if (d instanceof CountData x) {
      b.setCount(x.value());
    } else if (d instanceof IntegerData x) {
      b.setInteger(x.value());
    } else if (d instanceof RealData x) {
      b.setReal(x.value());
    } else if (d instanceof StringData x) {
      byte[] bytes = x.bytes();
      if (isUtf8(bytes)) {
        b.setString(x.value());
      } else {
        b.setRawString(ByteString.copyFrom(bytes));
      }
    } else if (d instanceof AddressData x) {
      b.setAddress(address(x));
    } else if (d instanceof SubnetData x) {
      AddressData net = x.network();
      if (net.isV4() && x.rawLength() >= 96 && x.rawLength() <= 128) {
        b.setSubnet(Subnet.newBuilder().setAddress(address(net)).setPrefixLength(x.rawLength() - 96));
      } else {
        b.setSubnet(Subnet.newBuilder().setAddress(ByteString.copyFrom(net.bytes())).setPrefixLength(x.rawLength()));
      }
    } else if (d instanceof PortData x) {
      b.setPort(Port.newBuilder().setNumber(x.number()).setProtocolValue(x.protocol().code()));
    } else if (d instanceof TimestampData x) {
      b.setTimestamp(x.nanos());
    } else if (d instanceof TimespanData x) {
      b.setTimespan(x.nanos());
    } else if (d instanceof EnumData x) {
      b.setEnumValue(x.name());
    } else if (d instanceof SetData x) {
      var s = io.jbroker.proto.admin.v1.Set.newBuilder();
      for (Data e : x.elements()) {
        s.addElements(toProto(e));
      }
      b.setSet(s);
    } else if (d instanceof TableData x) {
      var t = io.jbroker.proto.admin.v1.Table.newBuilder();
      x.entries().forEach((k, v) -> t.addEntries(TableEntry.newBuilder().setKey(toProto(k)).setValue(toProto(v))));
      b.setTable(t);
    } else if (d instanceof VectorData x) {
      var v = io.jbroker.proto.admin.v1.Vector.newBuilder();
      for (Data e : x.elements()) {
        v.addElements(toProto(e));
      }
      b.setVector(v);
    } else {
      throw new IllegalStateException("unknown data kind " + d.kind());
    }
    return b.build();
  }

  /**
   * The value of {@code p}.
   *
   * @param what names the field in error messages, e.g. {@code "key"}
   * @throws BrokerException INVALID_DATA if no kind is set, an address has a wrong length, a
   *     subnet's prefix length or a port number is out of range, or the nesting is too deep
   */
  public static Data fromProto(io.jbroker.proto.admin.v1.Data p, String what) {
    return fromProto(p, what, 1);
  }

  /** Like {@link #fromProto(io.jbroker.proto.admin.v1.Data, String)}, but an unset field is refused. */
  public static Data required(boolean present, io.jbroker.proto.admin.v1.Data p, String what) {
    if (!present) {
      throw invalid(what + " is required");
    }
    return fromProto(p, what);
  }

  private static Data fromProto(io.jbroker.proto.admin.v1.Data p, String what, int depth) {
    if (depth > MAX_DEPTH) {
      throw invalid(what + ": nested deeper than " + MAX_DEPTH + " containers");
    }
    switch (p.getKindCase()) {
      case NONE:
        return Data.none();
      case BOOLEAN:
        return Data.of(p.getBoolean());
      case COUNT:
        return Data.count(p.getCount());
      case INTEGER:
        return Data.integer(p.getInteger());
      case REAL:
        return Data.real(p.getReal());
      case STRING:
        return Data.of(p.getString());
      case RAW_STRING:
        return StringData.ofBytes(p.getRawString().toByteArray());
      case ADDRESS:
        return address(p.getAddress(), what);
      case SUBNET: {
        Subnet s = p.getSubnet();
        AddressData a = address(s.getAddress(), what + " subnet address");
        int len = s.getPrefixLength();
        if (s.getAddress().size() == 4) {
          if (len > 32) {
            throw invalid(what + ": prefix length " + len + " of an IPv4 subnet is larger than 32");
          }
          return new SubnetData(a, len + 96);
        }
        if (len > 255) {
          throw invalid(what + ": subnet length " + len + " is larger than 255");
        }
        return new SubnetData(a, len);
      }
      case PORT: {
        Port port = p.getPort();
        if (port.getNumber() > 0xFFFF) {
          throw invalid(what + ": port number " + Integer.toUnsignedString(port.getNumber()) + " is larger than 65535");
        }
        PortData.Protocol proto = PortData.Protocol.ofCode(port.getProtocolValue());
        if (proto == null) {
          throw invalid(what + ": unknown port protocol " + port.getProtocolValue());
        }
        return Data.port(port.getNumber(), proto);
      }
      case TIMESTAMP:
        return Data.timestampNanos(p.getTimestamp());
      case TIMESPAN:
        return Data.timespanNanos(p.getTimespan());
      case ENUM_VALUE:
        return Data.enumValue(p.getEnumValue());
      case SET: {
        List<Data> elements = new ArrayList<>(p.getSet().getElementsCount());
        for (var e : p.getSet().getElementsList()) {
          elements.add(fromProto(e, what, depth + 1));
        }
        return Data.set(elements);
      }
      case TABLE: {
        TreeMap<Data, Data> entries = new TreeMap<>();
        for (TableEntry e : p.getTable().getEntriesList()) {
          if (!e.hasKey() || !e.hasValue()) {
            throw invalid(what + ": a table entry needs a key and a value");
          }
          entries.put(fromProto(e.getKey(), what, depth + 1), fromProto(e.getValue(), what, depth + 1));
        }
        return Data.table(entries);
      }
      case VECTOR: {
        List<Data> elements = new ArrayList<>(p.getVector().getElementsCount());
        for (var e : p.getVector().getElementsList()) {
          elements.add(fromProto(e, what, depth + 1));
        }
        return Data.vector(elements);
      }
      case KIND_NOT_SET:
      default:
        throw invalid(what + ": no kind set in Data (set one of none, boolean, count, integer, real, string, …)");
    }
  }

  /** A protobuf duration of {@code d}. */
  public static com.google.protobuf.Duration duration(Duration d) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }

  /** The duration of {@code d}. */
  public static Duration duration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  private static ByteString address(AddressData a) {
    if (a.isV4()) {
      byte[] b = a.bytes();
      return ByteString.copyFrom(b, 12, 4);
    }
    return ByteString.copyFrom(a.bytes());
  }

  private static AddressData address(ByteString b, String what) {
    if (b.size() == 4) {
      return AddressData.ofV4(ByteBuffer.wrap(b.toByteArray()).getInt());
    }
    if (b.size() == 16) {
      return AddressData.of(b.toByteArray());
    }
    throw invalid(what + ": an address has 4 or 16 bytes, got " + b.size());
  }

  private static boolean isUtf8(byte[] bytes) {
    for (byte x : bytes) {
      if (x < 0) {
        try {
          StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
          return true;
        } catch (CharacterCodingException e) {
          return false;
        }
      }
    }
    return true;
  }

  private static BrokerException invalid(String message) {
    return new BrokerException(ErrorCode.INVALID_DATA, message);
  }
}
