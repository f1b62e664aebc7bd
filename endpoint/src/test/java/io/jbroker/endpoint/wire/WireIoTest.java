package io.jbroker.endpoint.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code varbyte} on Netty buffers (§1.2.2, §9.1 #1), as used by filters and drop_conn strings. */
class WireIoTest {
  private static final HexFormat HEX = HexFormat.of();

  /** §9.1 #1. */
  @ParameterizedTest
  @CsvSource({"0,00", "127,7f", "128,8001", "200,c801", "300,ac02", "4294967295,ffffffff0f"})
  void varbytesAreMinimalAndReadBack(long value, String hex) {
    ByteBuf out = Unpooled.buffer();
    WireIo.writeVarbyte(out, (int) value);
    assertThat(HEX.formatHex(out.array(), 0, out.readableBytes())).isEqualTo(hex);
    out.writeByte(0x77);
    assertThat(WireIo.readVarbyte(out, "test")).isEqualTo(value);
    assertThat(out.readableBytes()).isEqualTo(1);
  }

  @Test
  void aNonMinimalZeroIsAccepted() {
    ByteBuf in = Unpooled.wrappedBuffer(HEX.parseHex("8000"));
    assertThat(WireIo.readVarbyte(in, "test")).isZero();
    assertThat(in.isReadable()).isFalse();
  }

  @Test
  void malformedVarbytesAreInvalidDataNamingTheField() {
    for (String hex : new String[] {"", "80", "8080808080", "8080808010"}) {
      BrokerException e = catchThrowableOfType(BrokerException.class,
          () -> WireIo.readVarbyte(Unpooled.wrappedBuffer(HEX.parseHex(hex)), "filter count"));
      assertThat(e.code()).as(hex).isEqualTo(ErrorCode.INVALID_DATA);
      assertThat(e.getMessage()).startsWith("filter count: ");
    }
  }

  @Test
  void byteStringsAreLengthPrefixed() {
    ByteBuf out = Unpooled.buffer();
    WireIo.writeBytes(out, "abc".getBytes());
    assertThat(HEX.formatHex(out.array(), 0, out.readableBytes())).isEqualTo("03616263");
    assertThat(WireIo.bytesSize(3)).isEqualTo(4);
    assertThat(WireIo.bytesSize(200)).isEqualTo(202);
    assertThat(WireIo.readBytes(out, "s")).isEqualTo("abc".getBytes());
    BrokerException e = catchThrowableOfType(BrokerException.class,
        () -> WireIo.readBytes(Unpooled.wrappedBuffer(HEX.parseHex("0461")), "description"));
    assertThat(e.getMessage()).isEqualTo("description: length 4 exceeds the 1 remaining byte(s)");
  }
}
