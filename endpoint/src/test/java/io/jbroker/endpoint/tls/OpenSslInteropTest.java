package io.jbroker.endpoint.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbroker.endpoint.tls.EchoNetwork.Side;
import io.jbroker.endpoint.tls.TestPki.NodeFiles;
import io.netty.pkitesting.X509Bundle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authenticated mode against {@code openssl s_server} configured like a Broker with
 * certificates ({@code ssl_context_from_cfg}: chain, key, CA file, peer verification with
 * fail-if-no-peer-certificate). Skipped without openssl.
 */
class OpenSslInteropTest {
  private static final byte[] PAYLOAD = "hi broker".getBytes(StandardCharsets.US_ASCII);
  private static X509Bundle ca;

  @TempDir Path dir;
  private EchoNetwork network;
  private OpenSsl.Server openssl;

  @BeforeAll
  static void makeCa() throws Exception {
    ca = TestPki.ca("jbroker test CA");
  }

  @BeforeEach
  void start() {
    assumeTrue(OpenSsl.available(), "openssl not installed");
    network = new EchoNetwork();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (openssl != null) {
      openssl.close();
    }
    if (network != null) {
      network.close();
    }
  }

  /** Starts a Broker-like s_server requiring a client certificate; returns its port. */
  private int brokerWithCertificates() throws Exception {
    NodeFiles broker = TestPki.write(dir, "broker", TestPki.node(ca, "broker"), ca);
    openssl =
        OpenSsl.server(
            List.of(
                "-cert", broker.certificate().toString(),
                "-key", broker.key().toString(),
                "-CAfile", broker.ca().toString(),
                "-Verify", "4",
                "-verify_return_error"));
    return openssl.port();
  }

  @Test
  void authenticatedClientConnectsToBrokerWithCertificatesOfTheSameCa() throws Exception {
    int port = brokerWithCertificates();
    NodeFiles java = TestPki.write(dir, "java", TestPki.node(ca, "java"), ca);

    Side client = network.connect(java.config().build(), port, PAYLOAD);

    assertThat(client.session().getProtocol()).isEqualTo("TLSv1.3");
    assertThat(client.session().getCipherSuite()).isEqualTo("TLS_AES_128_GCM_SHA256");
    assertThat(client.session().getPeerPrincipal().getName()).isEqualTo("CN=broker");
  }

  /** Spec §9.3 #44: the Java side presents no client certificate; mutual TLS is mandatory. */
  @Test
  void clientWithoutCertificateIsRefusedByBrokerWithCertificates() throws Exception {
    int port = brokerWithCertificates();

    Side client = network.connect(TlsConfig.ephemeral().build(), port, PAYLOAD);

    client.awaitClosed();
    assertThat(client.received).isCompletedExceptionally();
    assertThat(TlsContexts.describeFailure(client.awaitFailure()))
        .isEqualTo("peer requires a certificate signed by its CA and we presented none");
  }
}
