package io.jbroker.endpoint.tls;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.CertificateBuilder.KeyUsage;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;

/** Test CAs and node certificates (netty-pkitesting) written as the PEM files Broker reads. */
final class TestPki {
  private static final BouncyCastleProvider BC = new BouncyCastleProvider();

  /** The files of one node: its chain, its key and the CA bundle it trusts. */
  record NodeFiles(Path certificate, Path key, Path ca) {
    TlsConfig config() {
      return TlsConfig.authenticated(certificate, key, null, ca, null);
    }
  }

  private TestPki() {}

  static X509Bundle ca(String name) throws Exception {
    return new CertificateBuilder()
        .subject("CN=" + name)
        .setIsCertificateAuthority(true)
        .setKeyUsage(true, KeyUsage.keyCertSign, KeyUsage.cRLSign)
        .buildSelfSigned();
  }

  /**
   * A node certificate: EC P-256 unless changed, both TLS extended key usages, and a name that
   * matches no address the tests connect to (so a hostname check would fail).
   */
  static CertificateBuilder node(String name) {
    return new CertificateBuilder()
        .subject("CN=" + name)
        .addSanDnsName(name + ".invalid")
        .setKeyUsage(true, KeyUsage.digitalSignature, KeyUsage.keyEncipherment)
        .addExtendedKeyUsageServerAuth()
        .addExtendedKeyUsageClientAuth();
  }

  static X509Bundle node(X509Bundle ca, String name) throws Exception {
    return node(name).buildIssuedBy(ca);
  }

  static X509Bundle expiredNode(X509Bundle ca, String name) throws Exception {
    return node(name)
        .notBefore(Instant.now().minusSeconds(7200))
        .notAfter(Instant.now().minusSeconds(3600))
        .buildIssuedBy(ca);
  }

  /** Writes {@code name}.crt (chain), {@code name}.key (unencrypted PKCS#8) and {@code name}-ca.pem. */
  static NodeFiles write(Path dir, String name, X509Bundle node, X509Bundle ca) throws IOException {
    Path certificate = write(dir.resolve(name + ".crt"), node.getCertificatePathPEM());
    Path key = write(dir.resolve(name + ".key"), pkcs8(node.getKeyPair().getPrivate(), null));
    Path caFile = write(dir.resolve(name + "-ca.pem"), ca.getCertificatePEM());
    return new NodeFiles(certificate, key, caFile);
  }

  static Path write(Path file, String content) throws IOException {
    Files.writeString(file, content, StandardCharsets.US_ASCII);
    return file;
  }

  /** {@code -----BEGIN PRIVATE KEY-----}, or {@code ENCRYPTED PRIVATE KEY} (PBES2, AES-256-CBC). */
  static String pkcs8(PrivateKey key, String passphrase) throws IOException {
    try {
      OutputEncryptor encryptor =
          passphrase == null
              ? null
              : new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                  .setProvider(BC)
                  .setPassword(passphrase.toCharArray())
                  .build();
      return pem(new JcaPKCS8Generator(key, encryptor));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new IOException(e);
    }
  }

  /**
   * Traditional OpenSSL form ({@code EC PRIVATE KEY} / {@code RSA PRIVATE KEY}), encrypted with
   * {@code Proc-Type: 4,ENCRYPTED} and {@code DEK-Info: <cipher>} when a passphrase is given.
   */
  static String traditional(PrivateKey jdkKey, String passphrase, String cipher) throws IOException {
    // Through BC's key factory so that an EC key carries its curve inside the SEC1 structure, as
    // OpenSSL writes it (the JDK's PKCS#8 encoding keeps the curve only outside).
    PrivateKey key;
    try {
      key =
          KeyFactory.getInstance(jdkKey.getAlgorithm(), BC)
              .generatePrivate(new PKCS8EncodedKeySpec(jdkKey.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
    if (passphrase == null) {
      return pem(new JcaMiscPEMGenerator(key));
    }
    return pem(
        new JcaMiscPEMGenerator(
            key, new JcePEMEncryptorBuilder(cipher).setProvider(BC).build(passphrase.toCharArray())));
  }

  private static String pem(Object generator) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject((org.bouncycastle.util.io.pem.PemObjectGenerator) generator);
    }
    return out.toString();
  }
}
