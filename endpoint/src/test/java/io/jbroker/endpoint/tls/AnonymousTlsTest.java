package io.jbroker.endpoint.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker's anonymous TLS. Each case runs {@link AnonymousTlsProbe} in a fresh JVM: whether the
 * JDK permits the anonymous suite is fixed when its TLS provider first initialises, which in this
 * test JVM other tests have long done. The openssl cases stand in for a real Broker (same
 * OpenSSL settings as Broker's {@code ssl_context_from_cfg}) and are skipped without openssl.
 */
class AnonymousTlsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** Broker's anonymous settings: OpenSSL cipher list and group. */
  private static final List<String> BROKER_OPENSSL_OPTIONS =
      List.of("-cipher", "AECDH-AES256-SHA:@SECLEVEL=0", "-curves", "P-384");

  @TempDir Path dir;

  /** One "pair" probe serves both tests that inspect it (each probe is a JVM start). */
  @TempDir static Path pairDir;

  private static Properties pairResult;

  private static synchronized Properties pair() throws Exception {
    if (pairResult == null) {
      pairResult = probe(pairDir, "pair");
    }
    return pairResult;
  }

  @Test
  void anonymousPeersNegotiateBrokersSuiteOverTls12() throws Exception {
    Properties result = pair();

    assertThat(result.getProperty("error")).isNull();
    assertThat(result.getProperty("echo")).isEqualTo("ok");
    assertThat(result.getProperty("client.protocol")).isEqualTo("TLSv1.2");
    assertThat(result.getProperty("client.cipher")).isEqualTo("TLS_ECDH_anon_WITH_AES_256_CBC_SHA");
    assertThat(result.getProperty("server.cipher")).isEqualTo("TLS_ECDH_anon_WITH_AES_256_CBC_SHA");
  }

  @Test
  void enablingAnonymousTlsLeavesOtherModesAndJdkDefaultsWithoutAnonymousSuites() throws Exception {
    Properties result = pair();

    assertThat(result.getProperty("error")).isNull();
    for (String side : List.of("server", "client")) {
      List<String> suites = List.of(result.getProperty("ephemeral." + side + ".suites").split(","));
      assertThat(suites).containsExactlyInAnyOrderElementsOf(TlsParameters.CIPHER_SUITES);
      assertThat(TlsHandshakeTest.tls12Suites(suites))
          .containsExactlyElementsOf(TlsHandshakeTest.tls12Suites(TlsParameters.CIPHER_SUITES));
    }
    assertThat(result.getProperty("jdk.default.suites")).doesNotContain("anon").doesNotContain("TLS_ECDH_");
    // Exactly one more suite is supported by the JDK than before: Broker's.
    assertThat(result.getProperty("jdk.supported.anon")).isEqualTo("TLS_ECDH_anon_WITH_AES_256_CBC_SHA");
    assertThat(result.getProperty("disabledAlgorithms.after"))
        .isEqualTo(AnonymousTls.rewrite(result.getProperty("disabledAlgorithms.before")));
    // Anonymous against certificate-based TLS: no common suite, in both directions.
    String noCommonSuite = "no common TLS cipher suite (TLS mode mismatch: anonymous vs certificate-based TLS?)";
    assertThat(result.getProperty("anonClientVsEphemeralServer.server")).isEqualTo(noCommonSuite);
    assertThat(result.getProperty("anonClientVsEphemeralServer.client")).isEqualTo(noCommonSuite);
    assertThat(result.getProperty("ephemeralClientVsAnonServer.server")).isEqualTo(noCommonSuite);
    assertThat(result.getProperty("ephemeralClientVsAnonServer.client")).isEqualTo(noCommonSuite);
  }

  @Test
  void anonymousModeExplainsTheAlternativesWhenTheJdkWasInitialisedFirst() throws Exception {
    Properties result = probe(dir, "late");

    assertThat(result.getProperty("error")).isNull();
    assertThat(result.getProperty("built")).isNull();
    assertThat(result.getProperty("code")).isEqualTo("UNSPECIFIED");
    assertThat(result.getProperty("message"))
        .startsWith("anonymous TLS (TLS_ECDH_anon_WITH_AES_256_CBC_SHA) is disabled in this JVM")
        .contains("AnonymousTls.prepareJvm()", "disable_ssl on both sides", "certificates");
    // The failed attempt leaves the JVM's setting as it was.
    assertThat(result.getProperty("disabledAlgorithms.after")).contains("anon");
  }

  @Test
  void rewriteNarrowsOnlyTheAnonAndEcdhEntries() {
    String jdkDefault =
        "SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, MD5withRSA, DH keySize < 1024, EC keySize < 224,"
            + " 3DES_EDE_CBC, anon, NULL, ECDH";

    assertThat(AnonymousTls.rewrite(jdkDefault))
        .isEqualTo(
            "SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, MD5withRSA, DH keySize < 1024, EC keySize < 224,"
                + " 3DES_EDE_CBC, DH_anon, TLS_ECDH_anon_WITH_AES_128_CBC_SHA,"
                + " TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA, TLS_ECDH_anon_WITH_RC4_128_SHA,"
                + " TLS_ECDH_anon_WITH_NULL_SHA, SSL_DH_anon_WITH_3DES_EDE_CBC_SHA,"
                + " SSL_DH_anon_WITH_RC4_128_MD5, SSL_DH_anon_WITH_DES_CBC_SHA,"
                + " SSL_DH_anon_EXPORT_WITH_RC4_40_MD5, SSL_DH_anon_EXPORT_WITH_DES40_CBC_SHA, NULL,"
                + " ECDH_ECDSA, ECDH_RSA");
    assertThat(AnonymousTls.rewrite("SSLv3, RC4")).isEqualTo("SSLv3, RC4");
    assertThat(AnonymousTls.rewrite(null)).isNull();
  }

  /** Spec §9.3 #43: a Broker without certificates listens; a Java client connects. */
  @Test
  void anonymousClientConnectsToOpenSslServerWithBrokersSettings() throws Exception {
    assumeTrue(OpenSsl.available(), "openssl not installed");
    List<String> options = new ArrayList<>(List.of("-nocert"));
    options.addAll(BROKER_OPENSSL_OPTIONS);
    try (OpenSsl.Server broker = OpenSsl.server(options)) {
      Properties result = probe(dir, "connect", Integer.toString(broker.port()));

      assertThat(result.getProperty("error")).isNull();
      assertThat(result.getProperty("client.protocol")).isEqualTo("TLSv1.2");
      assertThat(result.getProperty("client.cipher")).isEqualTo("TLS_ECDH_anon_WITH_AES_256_CBC_SHA");
    }
  }

  /** The other direction: a Broker without certificates dials a jbroker in anonymous mode. */
  @Test
  void openSslClientWithBrokersSettingsConnectsToAnonymousServer() throws Exception {
    assumeTrue(OpenSsl.available(), "openssl not installed");
    Path portFile = dir.resolve("port");
    Path resultFile = dir.resolve("serve.properties");
    Process probe = startProbe(dir, List.of("serve", portFile.toString(), resultFile.toString()));
    try {
      await().atMost(TIMEOUT).until(() -> Files.exists(portFile));
      List<String> command =
          new ArrayList<>(List.of("s_client", "-connect", "127.0.0.1:" + Files.readString(portFile)));
      command.addAll(BROKER_OPENSSL_OPTIONS);
      String transcript = OpenSsl.run(command, false);

      assertThat(transcript)
          .contains("Protocol  : TLSv1.2")
          .contains("Cipher    : AECDH-AES256-SHA")
          .contains("Server Temp Key: ECDH, secp384r1, 384 bits")
          .contains("no peer certificate available");
      assertThat(probe.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      Properties result = load(resultFile);
      assertThat(result.getProperty("error")).isNull();
      assertThat(result.getProperty("server.protocol")).isEqualTo("TLSv1.2");
      assertThat(result.getProperty("server.cipher")).isEqualTo("TLS_ECDH_anon_WITH_AES_256_CBC_SHA");
    } finally {
      probe.destroy();
    }
  }

  private static Properties probe(Path dir, String... args) throws Exception {
    Path resultFile = dir.resolve(args[0] + ".properties");
    List<String> all = new ArrayList<>(List.of(args));
    all.add(resultFile.toString());
    Process probe = startProbe(dir, all);
    assertThat(probe.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("probe %s finished", args[0]).isTrue();
    assertThat(probe.exitValue()).isZero();
    return load(resultFile);
  }

  private static Process startProbe(Path dir, List<String> args) throws IOException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx256m", "-cp", classPath, AnonymousTlsProbe.class.getName()));
    command.addAll(args);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("probe-" + args.get(0) + ".log").toFile())
        .start();
  }

  private static Properties load(Path file) throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file)) {
      properties.load(reader);
    }
    return properties;
  }
}
