package io.jbroker.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.node.Main;
import io.jbroker.node.Node;
import io.jbroker.node.config.ConfigLoader;
import io.jbroker.node.config.Flags;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API over TLS with client certificates (mutual TLS), through the CLI. */
class AdminTlsTest {
  @TempDir
  static Path dir;

  private static Node node;
  private static Path ca;
  private static Path clientCert;
  private static Path clientKey;
  private static Path strangerCert;
  private static Path strangerKey;

  @BeforeAll
  static void startNode() throws Exception {
    X509Bundle root = new CertificateBuilder().subject("CN=test-ca").setIsCertificateAuthority(true).buildSelfSigned();
    X509Bundle server = new CertificateBuilder().subject("CN=node").addSanIpAddress("127.0.0.1").buildIssuedBy(root);
    X509Bundle client = new CertificateBuilder().subject("CN=operator").buildIssuedBy(root);
    X509Bundle otherRoot = new CertificateBuilder().subject("CN=other-ca").setIsCertificateAuthority(true).buildSelfSigned();
    X509Bundle stranger = new CertificateBuilder().subject("CN=stranger").buildIssuedBy(otherRoot);
    ca = Files.writeString(dir.resolve("ca.pem"), root.getCertificatePEM());
    Path serverCert = Files.writeString(dir.resolve("server.pem"), server.getCertificatePathPEM());
    Path serverKey = Files.writeString(dir.resolve("server.key"), server.getPrivateKeyPEM());
    clientCert = Files.writeString(dir.resolve("client.pem"), client.getCertificatePathPEM());
    clientKey = Files.writeString(dir.resolve("client.key"), client.getPrivateKeyPEM());
    strangerCert = Files.writeString(dir.resolve("stranger.pem"), stranger.getCertificatePathPEM());
    strangerKey = Files.writeString(dir.resolve("stranger.key"), stranger.getPrivateKeyPEM());
    node = Node.start(ConfigLoader.load(null, Map.of(
        "BROKER_ADMIN_TLS_CERTIFICATE", serverCert.toString(),
        "BROKER_ADMIN_TLS_KEY", serverKey.toString(),
        "BROKER_ADMIN_TLS_CLIENT_CA", ca.toString()), new Flags()
        .set("data-dir", dir.toString(), "test")
        .assignment("listen=[]")
        .assignment("admin.port=0")
        .assignment("metrics.enabled=false")
        .assignment("stores={default={role=master,backend=memory}}")
        .toConfig()));
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private static int run(String... extra) {
    List<String> args = new ArrayList<>(List.of("admin", "--target", "127.0.0.1:" + node.adminPort(), "--timeout", "5s"));
    args.addAll(List.of(extra));
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    return Main.run(args.toArray(String[]::new), Map.of(), new PrintStream(sink, true, StandardCharsets.UTF_8),
        new PrintStream(sink, true, StandardCharsets.UTF_8));
  }

  @Test
  void aClientWithACertificateFromTheClientCaIsServed() {
    assertThat(run("--ca", ca.toString(), "--cert", clientCert.toString(), "--key", clientKey.toString(),
        "put", "k", "v")).isZero();
    assertThat(run("--ca", ca.toString(), "--cert", clientCert.toString(), "--key", clientKey.toString(),
        "get", "k")).isZero();
  }

  @Test
  void aClientWithoutACertificateOrWithAForeignOneIsRefused() {
    assertThat(run("--ca", ca.toString(), "info")).isIn(4, 5);
    assertThat(run("--ca", ca.toString(), "--cert", strangerCert.toString(), "--key", strangerKey.toString(), "info"))
        .isIn(4, 5);
  }

  @Test
  void aPlaintextClientCannotTalkToATlsNode() {
    assertThat(run("info")).isEqualTo(4);
  }
}
