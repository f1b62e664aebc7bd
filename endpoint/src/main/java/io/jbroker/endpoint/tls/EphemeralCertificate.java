package io.jbroker.endpoint.tls;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed certificate made in memory at start-up for the {@linkplain TlsConfig#ephemeral()
 * ephemeral} mode: a fresh EC P-256 key pair, subject {@code CN=jbroker-ephemeral-<random hex>},
 * signed with SHA256withECDSA, {@code digitalSignature} key usage, {@code serverAuth} and {@code
 * clientAuth} extended key usage, valid from one hour ago for ten years (nobody checks it: the
 * ephemeral mode does not verify peers; the hour absorbs clock skew should a peer ever look).
 *
 * <p>Neither key nor certificate touches the disk. P-256 rather than P-384 keeps the handshake
 * signature cheap.
 *
 * @param keyPair the key pair whose public half the certificate carries
 * @param certificate the self-signed certificate
 */
record EphemeralCertificate(KeyPair keyPair, X509Certificate certificate) {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Makes a new key pair and certificate; fails only if the JDK lacks EC support. */
  static EphemeralCertificate generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      KeyPair keyPair = generator.generateKeyPair();

      byte[] id = new byte[8];
      RANDOM.nextBytes(id);
      X500Name name = new X500Name("CN=jbroker-ephemeral-" + HexFormat.of().formatHex(id));
      Instant now = Instant.now();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              new BigInteger(63, RANDOM).add(BigInteger.ONE),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(Duration.ofDays(3650))),
              name,
              keyPair.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      X509Certificate certificate =
          new JcaX509CertificateConverter()
              .getCertificate(
                  builder.build(
                      new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
      return new EphemeralCertificate(keyPair, certificate);
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new BrokerException(
          ErrorCode.UNSPECIFIED,
          "cannot generate the ephemeral TLS certificate (EC P-256): " + e.getMessage(),
          e);
    }
  }
}
