package io.jbroker.endpoint.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbroker.endpoint.tls.TestPki.NodeFiles;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Keys written by the {@code openssl} command line tool (the files an operator of Broker actually
 * has), in every form Broker accepts. Skipped where {@code openssl} is not installed.
 */
class OpenSslKeyFilesTest {
  private static final String PASSPHRASE = "broker-pass";

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

  /**
   * Converts the node's PKCS#8 key with openssl: {@code ec}/{@code rsa} with a cipher writes the
   * traditional form with {@code Proc-Type}/{@code DEK-Info}; {@code pkcs8 -topk8 -v2} writes
   * PBES2; {@code pkcs8 -topk8 -v1} writes PBES1.
   */
  @ParameterizedTest(name = "{0} key, openssl {1} {2}")
  @CsvSource({
    "ec,  ec,    -aes256,                 BEGIN EC PRIVATE KEY",
    "ec,  pkcs8, -topk8 -v2 aes-256-cbc,  BEGIN ENCRYPTED PRIVATE KEY",
    "rsa, rsa,   -des3,                   BEGIN RSA PRIVATE KEY",
    "rsa, pkcs8, -topk8 -v2 aes-128-cbc,  BEGIN ENCRYPTED PRIVATE KEY",
    "ec,  ec,    '',                      BEGIN EC PRIVATE KEY",
  })
  void opensslKeyFilesWork(String type, String command, String options, String header) throws Exception {
    assumeTrue(OpenSsl.available(), "openssl not installed");
    X509Bundle node = type.equals("ec") ? ecNode : rsaNode;
    NodeFiles files = TestPki.write(dir, "node", node, ca);
    Path converted = dir.resolve("openssl.key");
    boolean encrypted = !options.isBlank();
    List<String> args =
        new ArrayList<>(List.of(command, "-in", files.key().toString(), "-out", converted.toString()));
    if (command.equals("rsa")) {
      args.add("-traditional");
    }
    if (!options.isBlank()) {
      args.addAll(List.of(options.split(" ")));
    }
    if (encrypted) {
      args.addAll(List.of("-passout", "pass:" + PASSPHRASE));
    }
    OpenSsl.run(args);
    assertThat(Files.readString(converted)).contains(header);
    TlsConfig config =
        TlsConfig.authenticated(files.certificate(), converted, encrypted ? PASSPHRASE : null, files.ca(), null);

    assertThat(config.build().localCertificate().orElseThrow()).isEqualTo(node.getCertificate());
    if (encrypted) {
      TlsConfig wrong = TlsConfig.authenticated(files.certificate(), converted, "wrong", files.ca(), null);
      assertThatThrownBy(wrong::build)
          .isInstanceOfSatisfying(BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_DATA))
          .hasMessageContaining("ssl_keyfile " + converted);
    }
  }
}
