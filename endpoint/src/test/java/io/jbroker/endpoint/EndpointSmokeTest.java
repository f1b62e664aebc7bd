package io.jbroker.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jbroker.data.Data;
import io.jbroker.endpoint.tls.TlsConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EndpointSmokeTest {
  @Test
  void twoEndpointsExchangeDataOverTls() {
    for (TlsConfig tls : new TlsConfig[] {TlsConfig.ephemeral(), TlsConfig.disabled()}) {
      try (Endpoint a = Endpoint.create(EndpointConfig.builder().tls(tls).build());
          Endpoint b = Endpoint.create(EndpointConfig.builder().tls(tls).build())) {
        Subscriber sub = b.subscribe("/test");
        int port = b.listen("127.0.0.1", 0);
        a.peer("127.0.0.1", port, Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.peerFilters().values().stream().anyMatch(f -> f.matches("/test/x")));
        a.publish("/test/x", Data.of(42L));
        Message m = sub.poll(Duration.ofSeconds(10));
        assertThat(m).isEqualTo(new Message("/test/x", Data.of(42L)));
      }
    }
  }
}
