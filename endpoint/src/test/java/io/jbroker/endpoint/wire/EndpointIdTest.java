package io.jbroker.endpoint.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link EndpointId}: text and raw forms, CAF-style random ids, Broker's unsigned order (§3.1, §9.1 #22). */
class EndpointIdTest {
  private static final HexFormat HEX = HexFormat.of();
  static final String B = "5746d8ee-3644-5bd2-9f54-d5a44c26c2a1";
  static final String JS = "00000000-0000-4000-8000-000000000000";
  static final String JL = "ffffffff-ffff-4fff-bfff-ffffffffffff";

  @Test
  void textFormRoundTripsAndIsLowerCase() {
    for (String s : new String[] {B, JS, JL}) {
      EndpointId id = EndpointId.parse(s);
      assertThat(id.toString()).isEqualTo(s);
      assertThat(EndpointId.parse(s.toUpperCase())).isEqualTo(id);
      assertThat(id.toUuid()).isEqualTo(UUID.fromString(s));
      assertThat(EndpointId.of(UUID.fromString(s))).isEqualTo(id);
    }
  }

  @Test
  void rawBytesAreTheHexDigitsWithoutDashes() {
    EndpointId b = EndpointId.parse(B);
    assertThat(HEX.formatHex(b.bytes())).isEqualTo("5746d8ee36445bd29f54d5a44c26c2a1");
    assertThat(EndpointId.of(HEX.parseHex("5746d8ee36445bd29f54d5a44c26c2a1"))).isEqualTo(b);

    byte[] buf = new byte[20];
    b.writeTo(buf, 3);
    assertThat(EndpointId.read(buf, 3)).isEqualTo(b);
    assertThat(HEX.formatHex(buf, 3, 19)).isEqualTo("5746d8ee36445bd29f54d5a44c26c2a1");

    ByteBuf nb = Unpooled.buffer();
    nb.writeByte(0x42);
    b.writeTo(nb);
    assertThat(nb.readableBytes()).isEqualTo(17);
    nb.skipBytes(1);
    assertThat(EndpointId.read(nb)).isEqualTo(b);
    assertThat(nb.isReadable()).isFalse();
  }

  @Test
  void ofCopiesItsInputAndBytesReturnsACopy() {
    byte[] raw = HEX.parseHex("5746d8ee36445bd29f54d5a44c26c2a1");
    EndpointId id = EndpointId.of(raw);
    raw[0] = 0;
    assertThat(id.toString()).isEqualTo(B);
    id.bytes()[0] = 0;
    assertThat(id.toString()).isEqualTo(B);
  }

  @Test
  void ofRejectsArraysThatAreNot16Bytes() {
    assertThatThrownBy(() -> EndpointId.of(new byte[15])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EndpointId.of(new byte[17])).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "", "5746d8ee36445bd29f54d5a44c26c2a1", "5746d8ee-3644-5bd2-9f54-d5a44c26c2a", "5746d8ee-3644-5bd2-9f54-d5a44c26c2a1a",
    "5746d8ee+3644-5bd2-9f54-d5a44c26c2a1", "5746d8ee-3644-5bd2-9f54-d5a44c26c2ag", "5746d8ee-3644-5bd2-9f54-d5a44c26c2a\uff11",
    "5746d8e-e3644-5bd2-9f54-d5a44c26c2a1"})
  void parseRejectsAnythingButTheCanonicalForm(String text) {
    assertThatThrownBy(() -> EndpointId.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nilIsAllZero() {
    assertThat(EndpointId.NIL.isNil()).isTrue();
    assertThat(EndpointId.NIL.bytes()).isEqualTo(new byte[16]);
    assertThat(EndpointId.NIL.toString()).isEqualTo("00000000-0000-0000-0000-000000000000");
    assertThat(EndpointId.parse(JS).isNil()).isFalse();
  }

  /** §9.1 #22: unsigned byte order, the opposite of {@link UUID#compareTo} here. */
  @Test
  void idsCompareAsUnsignedBytesUnlikeUuidCompareTo() {
    EndpointId a = EndpointId.parse("7f000000-0000-0000-0000-000000000000");
    EndpointId b = EndpointId.parse("80000000-0000-0000-0000-000000000000");
    assertThat(a.compareTo(b)).isNegative();
    assertThat(b.compareTo(a)).isPositive();
    assertThat(a.toUuid().compareTo(b.toUuid())).isPositive();

    EndpointId c = EndpointId.parse("00000000-0000-0000-7f00-000000000000");
    EndpointId d = EndpointId.parse("00000000-0000-0000-8000-000000000000");
    assertThat(c.compareTo(d)).isNegative();
    assertThat(EndpointId.parse(JS).compareTo(EndpointId.parse(B))).isNegative();
    assertThat(EndpointId.parse(JL).compareTo(EndpointId.parse(B))).isPositive();
  }

  @Test
  void orderEqualsAndHashAgreeWithTheBytesOverManyRandomIds() {
    Random rnd = new Random(22);
    for (int i = 0; i < 20_000; i++) {
      byte[] x = new byte[16];
      byte[] y = new byte[16];
      rnd.nextBytes(x);
      if (rnd.nextInt(4) == 0) {
        y = x.clone();
        if (rnd.nextBoolean()) {
          y[rnd.nextInt(16)] ^= (byte) (1 << rnd.nextInt(8));
        }
      } else {
        rnd.nextBytes(y);
      }
      EndpointId a = EndpointId.of(x);
      EndpointId b = EndpointId.of(y);
      assertThat(Integer.signum(a.compareTo(b))).as("seed 22, case %d", i).isEqualTo(Integer.signum(Arrays.compareUnsigned(x, y)));
      assertThat(a.equals(b)).isEqualTo(Arrays.equals(x, y));
      if (a.equals(b)) {
        assertThat(a.hashCode()).isEqualTo(b.hashCode());
      }
      assertThat(EndpointId.parse(a.toString())).isEqualTo(a);
    }
  }

  @Test
  void randomIdsCarryVersion5AndTheRfc4122Variant() {
    for (int i = 0; i < 1000; i++) {
      EndpointId id = EndpointId.random();
      byte[] b = id.bytes();
      assertThat((b[6] & 0xF0) >>> 4).isEqualTo(5);
      assertThat(b[8] & 0xC0).isEqualTo(0x80);
      assertThat(id.toUuid().version()).isEqualTo(5);
      assertThat(id.toUuid().variant()).isEqualTo(2);
      assertThat(id.isNil()).isFalse();
    }
    assertThat(EndpointId.random()).isNotEqualTo(EndpointId.random());
  }

  @Test
  void seededRandomIdsAreReproducible() {
    assertThat(EndpointId.random(new Random(7))).isEqualTo(EndpointId.random(new Random(7)));
    assertThat(EndpointId.random(new Random(7))).isNotEqualTo(EndpointId.random(new Random(8)));
  }
}
