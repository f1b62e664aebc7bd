package io.jbroker.endpoint.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jbroker.endpoint.tls.EchoNetwork.Side;
import io.jbroker.endpoint.tls.TestPki.NodeFiles;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.X509Bundle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real TLS over real sockets on 127.0.0.1: which pairs of modes connect, and why others fail. */
class TlsHandshakeTest {
  private static final byte[] PAYLOAD = "hello over TLS".getBytes(StandardCharsets.US_ASCII);

  private static X509Bundle ca;
  private static X509Bundle otherCa;

  @TempDir Path dir;
  private EchoNetwork network;

  @BeforeAll
  static void makeCas() throws Exception {
    ca = TestPki.ca("jbroker test CA");
    otherCa = TestPki.ca("some other CA");
  }

  @BeforeEach
  void start() {
    network = new EchoNetwork();
  }

  @AfterEach
  void stop() {
    network.close();
  }

  private NodeFiles node(String name, X509Bundle issuer) throws Exception {
    return TestPki.write(dir, name, TestPki.node(issuer, name), ca);
  }

  @Test
  void ephemeralPeersNegotiateTls13WithAes128GcmAndExchangeBytes() throws Exception {
    TlsContexts serverTls = TlsConfig.ephemeral().build();
    TlsContexts clientTls = TlsConfig.ephemeral().build();
    EchoNetwork.Server server = network.listen(serverTls);

    Side client = network.connect(clientTls, server.port, PAYLOAD);

    assertThat(client.awaitEcho()).isEqualTo(PAYLOAD);
    SSLSession clientSession = client.session();
    SSLSession serverSession = server.next().session();
    assertThat(clientSession.getProtocol()).isEqualTo("TLSv1.3");
    assertThat(clientSession.getCipherSuite()).isEqualTo("TLS_AES_128_GCM_SHA256");
    assertThat(serverSession.getProtocol()).isEqualTo("TLSv1.3");
    assertThat(serverSession.getCipherSuite()).isEqualTo("TLS_AES_128_GCM_SHA256");
    assertThat(client.ssl.engine().getSession().getCipherSuite()).isEqualTo("TLS_AES_128_GCM_SHA256");
    // The server presented its ephemeral certificate; the client presented none.
    assertThat(clientSession.getPeerCertificates()[0]).isEqualTo(serverTls.localCertificate().orElseThrow());
    assertThatThrownBy(serverSession::getPeerCertificates).isInstanceOf(SSLPeerUnverifiedException.class);
  }

  @Test
  void everyEphemeralBuildMakesAFreshSelfSignedEcCertificate() throws Exception {
    X509Certificate first = TlsConfig.ephemeral().build().localCertificate().orElseThrow();
    X509Certificate second = TlsConfig.ephemeral().build().localCertificate().orElseThrow();

    assertThat(first).isNotEqualTo(second);
    assertThat(first.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(first.getSubjectX500Principal()).isEqualTo(first.getIssuerX500Principal());
    first.verify(first.getPublicKey());
    first.checkValidity();
    assertThat(first.getSubjectX500Principal().getName()).startsWith("CN=jbroker-ephemeral-");
  }

  @Test
  void authenticatedPeersWithCertificatesOfTheSameCaConnectWithoutHostnameCheck() throws Exception {
    NodeFiles a = node("node-a", ca);
    NodeFiles b = node("node-b", ca);
    EchoNetwork.Server server = network.listen(a.config().build());

    Side client = network.connect(b.config().build(), server.port, PAYLOAD);

    assertThat(client.awaitEcho()).isEqualTo(PAYLOAD);
    SSLSession clientSession = client.session();
    SSLSession serverSession = server.next().session();
    assertThat(clientSession.getProtocol()).isEqualTo("TLSv1.3");
    assertThat(clientSession.getCipherSuite()).isEqualTo("TLS_AES_128_GCM_SHA256");
    // Certificates name node-X.invalid, the peers connect to 127.0.0.1: only the chain counts.
    assertThat(clientSession.getPeerPrincipal().getName()).isEqualTo("CN=node-a");
    assertThat(serverSession.getPeerPrincipal().getName()).isEqualTo("CN=node-b");
  }

  @Test
  void authenticatedServerPrefersAes128GcmForTls12Clients() throws Exception {
    NodeFiles a = node("node-a", ca);
    X509Bundle b = TestPki.node(ca, "node-b");
    EchoNetwork.Server server = network.listen(a.config().build());
    SslContext tls12Client =
        SslContextBuilder.forClient()
            .sslProvider(SslProvider.JDK)
            .protocols("TLSv1.2")
            .keyManager(b.getKeyPair().getPrivate(), b.getCertificatePath())
            .trustManager(ca.getCertificate())
            .endpointIdentificationAlgorithm(null)
            .build();

    Side client = network.connect(ch -> tls12Client.newHandler(ch.alloc()), server.port, PAYLOAD);

    assertThat(client.awaitEcho()).isEqualTo(PAYLOAD);
    assertThat(client.session().getProtocol()).isEqualTo("TLSv1.2");
    assertThat(client.session().getCipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  }

  @Test
  void clientWithoutCertificateIsRefusedByAuthenticatedServer() throws Exception {
    EchoNetwork.Server server = network.listen(node("node-a", ca).config().build());
    SslContext noCertificate =
        SslContextBuilder.forClient()
            .sslProvider(SslProvider.JDK)
            .trustManager(ca.getCertificate())
            .endpointIdentificationAlgorithm(null)
            .build();

    Side client = network.connect(ch -> noCertificate.newHandler(ch.alloc()), server.port, PAYLOAD);

    Side accepted = server.next();
    assertThat(TlsContexts.describeFailure(handshakeFailure(accepted))).isEqualTo("peer presented no certificate");
    assertRefused(client);
    assertThat(TlsContexts.describeFailure(client.awaitFailure()))
        .isEqualTo(refusedWithoutCertificate());
  }

  @Test
  void ephemeralClientIsRefusedByAuthenticatedServer() throws Exception {
    EchoNetwork.Server server = network.listen(node("node-a", ca).config().build());

    Side client = network.connect(TlsConfig.ephemeral().build(), server.port, PAYLOAD);

    assertThat(TlsContexts.describeFailure(handshakeFailure(server.next())))
        .isEqualTo("peer presented no certificate");
    assertRefused(client);
    assertThat(TlsContexts.describeFailure(client.awaitFailure()))
        .isEqualTo(refusedWithoutCertificate());
  }

  @Test
  void clientCertificateOfAnotherCaIsRefused() throws Exception {
    EchoNetwork.Server server = network.listen(node("node-a", ca).config().build());
    NodeFiles stranger = TestPki.write(dir, "stranger", TestPki.node(otherCa, "stranger"), ca);

    Side client = network.connect(stranger.config().build(), server.port, PAYLOAD);

    assertThat(TlsContexts.describeFailure(handshakeFailure(server.next())))
        .isEqualTo("certificate not signed by a trusted CA");
    assertRefused(client);
    assertThat(TlsContexts.describeFailure(client.awaitFailure()))
        .isEqualTo("peer rejected our certificate (none presented, or not signed by a CA it trusts)");
  }

  @Test
  void serverCertificateOfAnotherCaIsRefusedByTheClient() throws Exception {
    NodeFiles impostor = TestPki.write(dir, "impostor", TestPki.node(otherCa, "impostor"), ca);
    EchoNetwork.Server server = network.listen(impostor.config().build());

    Side client = network.connect(node("node-b", ca).config().build(), server.port, PAYLOAD);

    assertThat(TlsContexts.describeFailure(handshakeFailure(client)))
        .isEqualTo("certificate not signed by a trusted CA");
    Side accepted = server.next();
    assertThat(TlsContexts.describeFailure(handshakeFailure(accepted)))
        .isEqualTo("peer rejected our certificate (none presented, or not signed by a CA it trusts)");
  }

  @Test
  void authenticatedClientRefusesEphemeralServer() throws Exception {
    EchoNetwork.Server server = network.listen(TlsConfig.ephemeral().build());

    Side client = network.connect(node("node-b", ca).config().build(), server.port, PAYLOAD);

    assertThat(TlsContexts.describeFailure(handshakeFailure(client)))
        .isEqualTo("certificate not signed by a trusted CA");
    assertThat(TlsContexts.describeFailure(handshakeFailure(server.next())))
        .isEqualTo("peer rejected our certificate (none presented, or not signed by a CA it trusts)");
  }

  @Test
  void expiredClientCertificateIsRefused() throws Exception {
    EchoNetwork.Server server = network.listen(node("node-a", ca).config().build());
    NodeFiles expired = TestPki.write(dir, "expired", TestPki.expiredNode(ca, "expired"), ca);

    Side client = network.connect(expired.config().build(), server.port, PAYLOAD);

    assertThat(TlsContexts.describeFailure(handshakeFailure(server.next()))).isEqualTo("certificate expired");
    assertRefused(client);
  }

  @Test
  void plainClientAgainstTlsServerIsAModeMismatch() throws Exception {
    EchoNetwork.Server server = network.listen(TlsConfig.ephemeral().build());

    Side client = network.connect(TlsConfig.disabled().build(), server.port, PAYLOAD);

    assertThat(TlsContexts.describeFailure(handshakeFailure(server.next())))
        .isEqualTo("TLS mode mismatch (plain vs TLS): the peer does not speak TLS");
    assertRefused(client);
  }

  @Test
  void tlsClientAgainstPlainServerFailsAsAClosedHandshake() throws Exception {
    int port = network.listenPlainHangingUp();

    Side client = network.connect(TlsConfig.ephemeral().build(), port, PAYLOAD);

    assertThat(TlsContexts.describeFailure(handshakeFailure(client)))
        .isEqualTo("connection closed during the TLS handshake (the peer may not speak TLS, or refused us)");
  }

  @Test
  void capathDirectoryWithSeveralCaFilesTrustsEachOfThem() throws Exception {
    X509Bundle thirdCa = TestPki.ca("untrusted third CA");
    Path capath = Files.createDirectory(dir.resolve("capath"));
    TestPki.write(capath.resolve("1a2b3c4d.0"), ca.getCertificatePEM());
    TestPki.write(capath.resolve("other.pem"), otherCa.getCertificatePEM());
    TestPki.write(capath.resolve("README"), "not a certificate\n");
    NodeFiles a = node("node-a", ca);
    TlsContexts serverTls = TlsConfig.authenticated(a.certificate(), a.key(), null, null, capath).build();
    EchoNetwork.Server server = network.listen(serverTls);
    NodeFiles fromCa = node("from-ca", ca);
    NodeFiles fromOther = TestPki.write(dir, "from-other", TestPki.node(otherCa, "from-other"), ca);
    NodeFiles fromThird = TestPki.write(dir, "from-third", TestPki.node(thirdCa, "from-third"), ca);

    Side first = network.connect(fromCa.config().build(), server.port, PAYLOAD);
    Side second = network.connect(fromOther.config().build(), server.port, PAYLOAD);
    Side third = network.connect(fromThird.config().build(), server.port, PAYLOAD);

    assertThat(first.awaitEcho()).isEqualTo(PAYLOAD);
    assertThat(second.awaitEcho()).isEqualTo(PAYLOAD);
    assertRefused(third);
  }

  @Test
  void disabledContextsHaveNoHandlers() {
    TlsContexts plain = TlsConfig.disabled().build();

    assertThat(plain.enabled()).isFalse();
    assertThat(plain.mode()).isEqualTo(TlsConfig.Mode.DISABLED);
    assertThat(plain.localCertificate()).isEmpty();
    assertThatThrownBy(() -> plain.newServerHandler(io.netty.buffer.ByteBufAllocator.DEFAULT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("disable_ssl");
  }

  @Test
  void theTlsEngineIsBoringSslWhereItLoadsUnlessTheJdkIsAskedFor() {
    String asked = System.getProperty(TlsContexts.PROVIDER_PROPERTY, "auto");
    boolean linuxX64 = System.getProperty("os.name").startsWith("Linux")
        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    if (asked.equals("jdk")) {
      assertThat(TlsContexts.provider()).isEqualTo(SslProvider.JDK);
    } else if (linuxX64) {
      // the dependency on netty-tcnative-boringssl-static (linux-x86_64) is there and loads
      assertThat(TlsContexts.provider()).isEqualTo(SslProvider.OPENSSL);
    }
    var engine = TlsConfig.ephemeral().build().newClientHandler(io.netty.buffer.ByteBufAllocator.DEFAULT, "h", 1)
        .engine();
    assertThat(TlsContexts.isBoringSsl(engine))
        .isEqualTo(TlsContexts.provider() == SslProvider.OPENSSL);
  }

  @Test
  void anUnknownEngineNameIsRefusedByName() {
    assertThatThrownBy(() -> TlsContexts.chooseProvider("gnutls"))
        .isInstanceOf(io.jbroker.error.BrokerException.class)
        .hasMessageContaining("jbroker.tls.provider='gnutls'")
        .hasMessageContaining("auto, openssl, jdk");
    assertThat(TlsContexts.chooseProvider(" JDK ")).isEqualTo(SslProvider.JDK);
  }

  @Test
  void certificateModesOfferOnlyTls12And13WithAeadSuites() throws Exception {
    TlsContexts tls = node("node-a", ca).config().build();
    var engine = tls.newServerHandler(io.netty.buffer.ByteBufAllocator.DEFAULT).engine();

    // Netty's BoringSSL engine lists the pseudo-protocol "SSLv2Hello" as enabled whatever it is
    // given; BoringSSL accepts no SSLv2-format hello, so it changes nothing on the wire.
    assertThat(java.util.Arrays.stream(engine.getEnabledProtocols()).filter(p -> !p.equals("SSLv2Hello")))
        .containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(engine.getEnabledCipherSuites()).containsExactlyInAnyOrderElementsOf(TlsParameters.CIPHER_SUITES);
    assertThat(tls12Suites(List.of(engine.getEnabledCipherSuites())))
        .containsExactlyElementsOf(tls12Suites(TlsParameters.CIPHER_SUITES));
    assertThat(engine.getNeedClientAuth()).isTrue();
    assertThat(engine.getSSLParameters().getUseCipherSuitesOrder()).isTrue();
  }

  /**
   * What a client that presented no certificate learns from an authenticated server's alert: the
   * JDK engine sends {@code bad_certificate}, BoringSSL the more precise {@code
   * certificate_required}.
   */
  private static String refusedWithoutCertificate() {
    return TlsContexts.provider() == SslProvider.OPENSSL
        ? TlsFailures.WE_LACK_CERTIFICATE
        : TlsFailures.PEER_REJECTED_OURS;
  }

  /**
   * The TLS 1.2 suites of a list, in its order: BoringSSL keeps its own fixed order of the TLS 1.3
   * suites (and reports them after the 1.2 ones); the order of the 1.2 suites is ours.
   */
  static List<String> tls12Suites(List<String> suites) {
    return suites.stream().filter(s -> s.startsWith("TLS_ECDHE_")).toList();
  }

  /** The client got nothing back and its connection was closed. */
  private static void assertRefused(Side client) throws Exception {
    client.awaitClosed();
    assertThat(client.received).isCompletedExceptionally();
  }

  private static Throwable handshakeFailure(Side side) throws Exception {
    try {
      side.handshake.get(EchoNetwork.TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the handshake succeeded: " + side.handshake.get().getCipherSuite());
  }
}
