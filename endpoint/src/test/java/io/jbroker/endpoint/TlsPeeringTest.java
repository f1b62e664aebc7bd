package io.jbroker.endpoint;

import static io.jbroker.endpoint.Nodes.HOST;
import static io.jbroker.endpoint.Nodes.WAIT;
import static io.jbroker.endpoint.Nodes.error;
import static io.jbroker.endpoint.Nodes.eventually;
import static io.jbroker.endpoint.Nodes.next;
import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.error.ErrorCode;
import io.netty.pkitesting.CertificateBuilder.KeyUsage;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Peering under the TLS modes: a test CA admits its nodes and keeps everyone else out. */
class TlsPeeringTest {
  private static final Duration RETRY = Duration.ofMillis(200);

  @TempDir static Path dir;
  private static TlsConfig nodeA;
  private static TlsConfig nodeB;
  private static TlsConfig otherCaNode;

  private final Nodes nodes = new Nodes();

  @BeforeAll
  static void makeCertificates() throws Exception {
    X509Bundle ca = new CertificateBuilder().subject("CN=jbroker test CA").setIsCertificateAuthority(true)
        .setKeyUsage(true, KeyUsage.keyCertSign, KeyUsage.cRLSign).buildSelfSigned();
    X509Bundle otherCa = new CertificateBuilder().subject("CN=another CA").setIsCertificateAuthority(true)
        .setKeyUsage(true, KeyUsage.keyCertSign, KeyUsage.cRLSign).buildSelfSigned();
    Path caFile = write("ca.pem", ca.getCertificatePEM());
    nodeA = node(ca, "a", caFile);
    nodeB = node(ca, "b", caFile);
    otherCaNode = node(otherCa, "intruder", caFile); // trusts our CA, but its own cert is not from it
  }

  private static TlsConfig node(X509Bundle ca, String name, Path caFile) throws Exception {
    X509Bundle leaf = new CertificateBuilder().subject("CN=" + name).addSanDnsName(name + ".invalid")
        .setKeyUsage(true, KeyUsage.digitalSignature, KeyUsage.keyEncipherment)
        .addExtendedKeyUsageServerAuth().addExtendedKeyUsageClientAuth()
        .buildIssuedBy(ca);
    return TlsConfig.authenticated(write(name + ".crt", leaf.getCertificatePathPEM()),
        write(name + ".key", leaf.getPrivateKeyPEM()), null, caFile, null);
  }

  private static Path write(String name, String pem) throws Exception {
    return Files.writeString(dir.resolve(name), pem, StandardCharsets.US_ASCII);
  }

  @AfterEach
  void closeNodes() {
    nodes.close();
  }

  @Test
  void endpointsWithCertificatesFromTheSameCaPeerAndExchangeData() {
    Endpoint a = nodes.create(b -> b.tls(nodeA));
    Endpoint b = nodes.create(c -> c.tls(nodeB));
    Subscriber sub = b.subscribe("/secure");
    Nodes.peer(a, b);
    Nodes.awaitInterest(a, b, "/secure");

    a.publish("/secure", Data.of("authenticated"));

    assertThat(sub.poll(WAIT)).isEqualTo(new Message("/secure", Data.of("authenticated")));
  }

  @Test
  void anEphemeralEndpointIsRefusedByAnAuthenticatedOne() {
    assertRefused(TlsConfig.ephemeral(), nodeB);
  }

  @Test
  void anAuthenticatedEndpointRefusesToDialAnEphemeralOne() {
    assertRefused(nodeA, TlsConfig.ephemeral());
  }

  @Test
  void aCertificateFromAnotherCaIsRefused() {
    assertRefused(otherCaNode, nodeB);
  }

  @Test
  void aPlainEndpointIsRefusedByATlsOne() {
    assertRefused(TlsConfig.disabled(), TlsConfig.ephemeral());
  }

  @Test
  void aTlsEndpointIsRefusedByAPlainOne() {
    assertRefused(TlsConfig.ephemeral(), TlsConfig.disabled());
  }

  /** The dialler keeps reporting {@code peer_unavailable} and neither side ever peers. */
  private void assertRefused(TlsConfig dialler, TlsConfig listener) {
    Endpoint server = nodes.create(b -> b.tls(listener));
    Endpoint client = nodes.create(b -> b.tls(dialler));
    StatusSubscriber serverEvents = server.statusSubscriber(true);
    StatusSubscriber clientEvents = client.statusSubscriber(true);
    int port = Nodes.listen(server);

    CompletableFuture<PeerInfo> f = client.peerAsync(HOST, port, RETRY);

    for (int i = 0; i < 3; i++) {
      StatusEvent e = next(clientEvents);
      assertThat(e).as("event %d at the dialler", i).matches(error(ErrorCode.PEER_UNAVAILABLE));
    }
    assertThat(f).isNotDone();
    assertThat(server.peers()).isEmpty();
    assertThat(serverEvents.drain()).isEmpty();
    client.unpeerAsync(HOST, port).join();
    eventually().until(f::isDone);
    assertThat(f).isCompletedExceptionally();
  }
}
