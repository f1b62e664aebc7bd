package io.jbroker.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import org.junit.jupiter.api.Test;

class KeyTest {
  @Test
  void aBareKeyHasTheSameBytesHashOrderAndDataWithoutHoldingTheDecodedValue() {
    Data data = Data.table(Data.of("a"), Data.vector(Data.count(1), Data.of(2.5)));
    Key key = Key.of(data);
    Key bare = key.bare();

    assertThat(bare).isNotSameAs(key).isEqualTo(key).hasSameHashCodeAs(key);
    assertThat(bare.compareTo(key)).isZero();
    assertThat(bare.encoded()).isSameAs(key.encoded());
    assertThat(bare.bare()).isSameAs(bare);
    assertThat(bare.data()).isEqualTo(data).isNotSameAs(data); // decoded again from the bytes
  }

  @Test
  void aKeyWithoutDecodedDataIsItsOwnBareKey() {
    Key encodedOnly = Key.ofEncoded(Key.of(Data.of("k")).encoded());
    assertThat(encodedOnly.bare()).isSameAs(encodedOnly);
    assertThat(Key.of(Data.of("k")).bare()).isEqualTo(encodedOnly);
  }
}
