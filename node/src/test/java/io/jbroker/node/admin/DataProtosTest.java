package io.jbroker.node.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;

import com.google.protobuf.ByteString;
import io.jbroker.data.Data;
import io.jbroker.data.DataGenerators;
import io.jbroker.data.EnumData;
import io.jbroker.data.SetData;
import io.jbroker.data.StringData;
import io.jbroker.data.SubnetData;
import io.jbroker.data.TableData;
import io.jbroker.data.VectorData;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.admin.v1.Port;
import io.jbroker.proto.admin.v1.Subnet;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DataProtosTest {
  private static final int EXAMPLES = 2000 * Integer.getInteger("jbroker.test.scale", 1);

  @Test
  void everyValueSurvivesTheProtobufFormExactly() {
    qt().withExamples(EXAMPLES).forAll(DataGenerators.anyData()).assuming(DataProtosTest::utf8Enums)
        .checkAssert(d -> {
          Data back = DataProtos.fromProto(DataProtos.toProto(d), "value");
          assertThat(back).isEqualTo(d);
          // and through the wire bytes
          try {
            assertThat(DataProtos.fromProto(io.jbroker.proto.admin.v1.Data.parseFrom(DataProtos.toProto(d).toByteArray()),
                "value")).isEqualTo(d);
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
          }
        });
  }

  @Test
  void stringsThatAreNotUtf8TravelAsRawBytes() {
    StringData s = StringData.ofBytes(new byte[] {'a', (byte) 0xFF});
    assertThat(DataProtos.toProto(s).getKindCase()).isEqualTo(io.jbroker.proto.admin.v1.Data.KindCase.RAW_STRING);
    assertThat(DataProtos.toProto(Data.of("é")).getString()).isEqualTo("é");
  }

  @Test
  void ipv4TravelsAsFourBytes() {
    assertThat(DataProtos.toProto(Data.address("10.0.0.1")).getAddress()).isEqualTo(ByteString.copyFrom(new byte[] {10, 0, 0, 1}));
    assertThat(DataProtos.toProto(Data.subnet("10.0.0.0/8")).getSubnet())
        .isEqualTo(Subnet.newBuilder().setAddress(ByteString.copyFrom(new byte[] {10, 0, 0, 0})).setPrefixLength(8).build());
    assertThat(DataProtos.fromProto(io.jbroker.proto.admin.v1.Data.newBuilder().setSubnet(Subnet.newBuilder()
        .setAddress(ByteString.copyFrom(new byte[] {10, 0, 0, 0})).setPrefixLength(8)).build(), "s"))
        .isEqualTo(Data.subnet("10.0.0.0/8"));
    assertThat(DataProtos.fromProto(DataProtos.toProto(new SubnetData(Data.address("10.0.0.1"), 200)), "s"))
        .isEqualTo(new SubnetData(Data.address("10.0.0.1"), 200));
  }

  @Test
  void malformedMessagesAreInvalidData() {
    assertInvalid(io.jbroker.proto.admin.v1.Data.getDefaultInstance(), "key: no kind set");
    assertInvalid(io.jbroker.proto.admin.v1.Data.newBuilder().setAddress(ByteString.copyFrom(new byte[5])).build(),
        "an address has 4 or 16 bytes, got 5");
    assertInvalid(io.jbroker.proto.admin.v1.Data.newBuilder().setSubnet(Subnet.newBuilder()
        .setAddress(ByteString.copyFrom(new byte[4])).setPrefixLength(33)).build(), "larger than 32");
    assertInvalid(io.jbroker.proto.admin.v1.Data.newBuilder().setPort(Port.newBuilder().setNumber(70000)).build(),
        "port number 70000 is larger than 65535");
    assertInvalid(io.jbroker.proto.admin.v1.Data.newBuilder().setPort(Port.newBuilder().setProtocolValue(9)).build(),
        "unknown port protocol 9");
    io.jbroker.proto.admin.v1.Data deep = DataProtos.toProto(Data.none());
    for (int i = 0; i < 1000; i++) {
      deep = io.jbroker.proto.admin.v1.Data.newBuilder().setVector(io.jbroker.proto.admin.v1.Vector.newBuilder()
          .addElements(deep)).build();
    }
    assertInvalid(deep, "nested deeper than");
    assertThatThrownBy(() -> DataProtos.required(false, io.jbroker.proto.admin.v1.Data.getDefaultInstance(), "value"))
        .hasMessage("value is required");
  }

  private static void assertInvalid(io.jbroker.proto.admin.v1.Data p, String message) {
    assertThatThrownBy(() -> DataProtos.fromProto(p, "key")).isInstanceOfSatisfying(BrokerException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA);
      assertThat(e.getMessage()).contains(message);
    });
  }

  /** Enum names travel as proto strings: names that are not UTF-8 are the one lossy case (documented). */
  private static boolean utf8Enums(Data d) {
    if (d instanceof EnumData e) {
      return Arrays.equals(new String(e.bytes(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8), e.bytes());
    }
    if (d instanceof SetData s) {
      return s.elements().stream().allMatch(DataProtosTest::utf8Enums);
    }
    if (d instanceof VectorData v) {
      return v.elements().stream().allMatch(DataProtosTest::utf8Enums);
    }
    if (d instanceof TableData t) {
      return t.entries().entrySet().stream().allMatch(e -> utf8Enums(e.getKey()) && utf8Enums(e.getValue()));
    }
    return true;
  }
}
