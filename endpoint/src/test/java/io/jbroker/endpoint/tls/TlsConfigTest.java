package io.jbroker.endpoint.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jbroker.endpoint.tls.EchoNetwork.Side;
import io.jbroker.endpoint.tls.TestPki.NodeFiles;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Building contexts from Broker's options and PEM files, and the errors for bad input. */
class TlsConfigTest {
  private static final String PASSPHRASE = "correct horse battery staple";

  private static X509Bundle ca;
  private static X509Bundle ecNode;
  private static X509Bundle rsaNode;

  @TempDir Path dir;

  @BeforeAll
  static void makePki() throws Exception {
    ca = TestPki.ca("jbroker test CA");
    ecNode = TestPki.node(ca, "ec-node");
    rsaNode = TestPki.node("rsa-node").algorithm(CertificateBuilder.Algorithm.rsa2048).buildIssuedBy(ca);
  }

  private NodeFiles files(X509Bundle node, String keyPem) throws Exception {
    NodeFiles files = TestPki.write(dir, "node", node, ca);
    TestPki.write(files.key(), keyPem);
    return files;
  }

  private static TlsContexts build(NodeFiles files, String passphrase) {
    return TlsConfig.authenticated(files.certificate(), files.key(), passphrase, files.ca(), null).build();
  }

  private static void assertBrokerError(ThrowingCallable call, ErrorCode code, String... fragments) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(BrokerException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessageContainingAll(fragments);
  }

  @Test
  void encryptedPkcs8KeyWithTheRightPassphraseServesAHandshake() throws Exception {
    PrivateKey key = ecNode.getKeyPair().getPrivate();
    NodeFiles files = files(ecNode, TestPki.pkcs8(key, PASSPHRASE));
    assertThat(Files.readString(files.key())).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");

    TlsContexts serverTls = build(files, PASSPHRASE);

    NodeFiles peer = TestPki.write(dir, "peer", TestPki.node(ca, "peer"), ca);
    try (EchoNetwork network = new EchoNetwork()) {
      EchoNetwork.Server server = network.listen(serverTls);
      byte[] payload = "encrypted key works".getBytes(StandardCharsets.US_ASCII);
      Side client = network.connect(peer.config().build(), server.port, payload);
      assertThat(client.awaitEcho()).isEqualTo(payload);
      assertThat(client.session().getPeerPrincipal().getName()).isEqualTo("CN=ec-node");
    }
  }

  @Test
  void encryptedPkcs8KeyWithAWrongPassphraseNamesTheKeyFile() throws Exception {
    NodeFiles files = files(ecNode, TestPki.pkcs8(ecNode.getKeyPair().getPrivate(), PASSPHRASE));

    assertBrokerError(
        () -> build(files, "wrong"),
        ErrorCode.INVALID_DATA,
        "ssl_keyfile " + files.key(),
        "cannot decrypt the private key: wrong ssl_passphrase");
  }

  @Test
  void traditionalEncryptedEcKeyWithTheRightPassphraseBuilds() throws Exception {
    NodeFiles files = files(ecNode, TestPki.traditional(ecNode.getKeyPair().getPrivate(), PASSPHRASE, "AES-256-CBC"));
    assertThat(Files.readString(files.key()))
        .startsWith("-----BEGIN EC PRIVATE KEY-----")
        .contains("Proc-Type: 4,ENCRYPTED");

    assertThat(build(files, PASSPHRASE).localCertificate().orElseThrow())
        .isEqualTo(ecNode.getCertificate());
  }

  @Test
  void traditionalEncryptedRsaKeyWithTheRightPassphraseBuilds() throws Exception {
    NodeFiles files =
        files(rsaNode, TestPki.traditional(rsaNode.getKeyPair().getPrivate(), PASSPHRASE, "DES-EDE3-CBC"));
    assertThat(Files.readString(files.key())).startsWith("-----BEGIN RSA PRIVATE KEY-----");

    assertThat(build(files, PASSPHRASE).localCertificate().orElseThrow())
        .isEqualTo(rsaNode.getCertificate());
  }

  @Test
  void traditionalEncryptedKeyWithAWrongPassphraseNamesTheKeyFile() throws Exception {
    NodeFiles files = files(rsaNode, TestPki.traditional(rsaNode.getKeyPair().getPrivate(), PASSPHRASE, "AES-128-CBC"));

    assertBrokerError(
        () -> build(files, "not the passphrase"),
        ErrorCode.INVALID_DATA,
        "ssl_keyfile " + files.key(),
        "wrong ssl_passphrase");
  }

  @Test
  void unencryptedTraditionalKeyIgnoresAPassphrase() throws Exception {
    NodeFiles files = files(ecNode, TestPki.traditional(ecNode.getKeyPair().getPrivate(), null, null));

    assertThat(build(files, "ignored").mode()).isEqualTo(TlsConfig.Mode.AUTHENTICATED);
  }

  @Test
  void encryptedKeyWithoutPassphraseSaysSo() throws Exception {
    NodeFiles files = files(ecNode, TestPki.pkcs8(ecNode.getKeyPair().getPrivate(), PASSPHRASE));

    assertBrokerError(
        () -> build(files, null),
        ErrorCode.INVALID_DATA,
        "ssl_keyfile " + files.key(),
        "encrypted but no ssl_passphrase is set");
  }

  @Test
  void keyOfAnotherCertificateIsRefused() throws Exception {
    NodeFiles files = files(ecNode, TestPki.pkcs8(TestPki.node(ca, "someone-else").getKeyPair().getPrivate(), null));

    assertBrokerError(
        () -> build(files, null),
        ErrorCode.INVALID_DATA,
        "ssl_keyfile " + files.key(),
        "does not belong to the certificate CN=ec-node",
        "ssl_certificate " + files.certificate());
  }

  @Test
  void missingFilesAreNamedWithTheirOption() throws Exception {
    NodeFiles files = TestPki.write(dir, "node", ecNode, ca);
    Path missing = dir.resolve("missing.pem");

    assertBrokerError(
        () -> TlsConfig.authenticated(missing, files.key(), null, files.ca(), null).build(),
        ErrorCode.CANNOT_OPEN_FILE,
        "ssl_certificate " + missing + ": no such file");
    assertBrokerError(
        () -> TlsConfig.authenticated(files.certificate(), missing, null, files.ca(), null).build(),
        ErrorCode.CANNOT_OPEN_FILE,
        "ssl_keyfile " + missing + ": no such file");
    assertBrokerError(
        () -> TlsConfig.authenticated(files.certificate(), files.key(), null, missing, null).build(),
        ErrorCode.CANNOT_OPEN_FILE,
        "ssl_cafile " + missing + ": no such file");
    assertBrokerError(
        () -> TlsConfig.authenticated(files.certificate(), files.key(), null, null, missing).build(),
        ErrorCode.CANNOT_OPEN_FILE,
        "ssl_capath " + missing + ": no such directory");
  }

  @Test
  void wrongKindsOfPathAreRefused() throws Exception {
    NodeFiles files = TestPki.write(dir, "node", ecNode, ca);

    assertBrokerError(
        () -> TlsConfig.authenticated(dir, files.key(), null, files.ca(), null).build(),
        ErrorCode.CANNOT_OPEN_FILE,
        "ssl_certificate " + dir + ": is a directory");
    assertBrokerError(
        () -> TlsConfig.authenticated(files.certificate(), files.key(), null, null, files.ca()).build(),
        ErrorCode.CANNOT_OPEN_FILE,
        "ssl_capath " + files.ca() + ": not a directory");
  }

  @Test
  void filesWithoutPemContentAreInvalidData() throws Exception {
    NodeFiles files = TestPki.write(dir, "node", ecNode, ca);
    Path garbage = TestPki.write(dir.resolve("garbage.pem"), "this is not PEM\n");
    Path broken =
        TestPki.write(dir.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    Path emptyCapath = Files.createDirectory(dir.resolve("empty-capath"));

    assertBrokerError(
        () -> TlsConfig.authenticated(garbage, files.key(), null, files.ca(), null).build(),
        ErrorCode.INVALID_DATA,
        "ssl_certificate " + garbage + ": no PEM certificate");
    assertBrokerError(
        () -> TlsConfig.authenticated(files.certificate(), garbage, null, files.ca(), null).build(),
        ErrorCode.INVALID_DATA,
        "ssl_keyfile " + garbage + ": no PEM private key");
    assertBrokerError(
        () -> TlsConfig.authenticated(files.certificate(), files.key(), null, broken, null).build(),
        ErrorCode.INVALID_DATA,
        "ssl_cafile " + broken + ": malformed PEM certificate");
    assertBrokerError(
        () -> TlsConfig.authenticated(files.certificate(), files.key(), null, null, emptyCapath).build(),
        ErrorCode.INVALID_DATA,
        "ssl_capath " + emptyCapath + ": the directory holds no PEM certificate");
  }

  @Test
  void authenticatedModeNeedsACa() throws Exception {
    NodeFiles files = TestPki.write(dir, "node", ecNode, ca);

    assertBrokerError(
        () -> TlsConfig.authenticated(files.certificate(), files.key(), null, null, null),
        ErrorCode.INVALID_DATA,
        "needs ssl_cafile or ssl_capath");
  }

  @Test
  void brokerOptionsSelectTheModeAsBrokerDoesExceptForTheDefault() {
    assertThat(TlsConfig.fromBrokerOptions(true, "c.pem", "k.pem", null, "ca.pem", null))
        .isSameAs(TlsConfig.disabled());
    assertThat(TlsConfig.fromBrokerOptions(false, "", "", "", "", "")).isSameAs(TlsConfig.ephemeral());
    assertThat(TlsConfig.fromBrokerOptions(false, null, null, null, null, null)).isSameAs(TlsConfig.ephemeral());
    assertThat(TlsConfig.fromBrokerOptions(false, "c.pem", "k.pem", "", "ca.pem", ""))
        .isEqualTo(TlsConfig.authenticated(Path.of("c.pem"), Path.of("k.pem"), null, Path.of("ca.pem"), null));
    assertBrokerError(
        () -> TlsConfig.fromBrokerOptions(false, "", "", "", "ca.pem", ""),
        ErrorCode.INVALID_DATA,
        "needs both ssl_certificate and ssl_keyfile");
  }

  @Test
  void toStringNeverShowsThePassphrase() {
    TlsConfig config =
        TlsConfig.authenticated(Path.of("c.pem"), Path.of("k.pem"), "secret-passphrase", Path.of("ca.pem"), null);

    assertThat(config.toString())
        .isEqualTo(
            "TlsConfig[AUTHENTICATED, ssl_certificate=c.pem, ssl_keyfile=k.pem, ssl_passphrase=set,"
                + " ssl_cafile=ca.pem, ssl_capath=null]")
        .doesNotContain("secret");
    assertThat(TlsConfig.ephemeral()).hasToString("TlsConfig[EPHEMERAL]");
    assertThat(TlsConfig.ephemeral().mode()).isEqualTo(TlsConfig.Mode.EPHEMERAL);
  }
}
