package io.jbroker.endpoint.tls;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.X509TrustedCertificateBlock;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the PEM files of the {@linkplain TlsConfig#authenticated authenticated} mode, the way
 * Broker's OpenSSL calls accept them.
 *
 * <ul>
 *   <li>{@code ssl_certificate}: one or more {@code CERTIFICATE} (or {@code TRUSTED CERTIFICATE})
 *       blocks, own certificate first, then the intermediates that a peer needs to reach the CA
 *       (OpenSSL's {@code SSL_CTX_use_certificate_chain_file}).
 *   <li>{@code ssl_keyfile}: the first private key in the file, in any of the forms OpenSSL
 *       writes: PKCS#8 {@code PRIVATE KEY}; PKCS#8 {@code ENCRYPTED PRIVATE KEY} (PBES1 or PBES2,
 *       needs {@code ssl_passphrase}); traditional {@code RSA/EC/DSA PRIVATE KEY}, plain or with
 *       {@code Proc-Type: 4,ENCRYPTED} / {@code DEK-Info} (needs {@code ssl_passphrase}). Other
 *       blocks ({@code EC PARAMETERS}, certificates) are skipped. RSA, EC (named curves), Ed25519,
 *       Ed448, DSA and RSASSA-PSS keys are accepted; the key must belong to the first certificate
 *       of {@code ssl_certificate} (checked by signing and verifying a test message).
 *   <li>{@code ssl_cafile}: a bundle of {@code CERTIFICATE} blocks; every one is a trust anchor.
 *   <li>{@code ssl_capath}: a directory; every regular file in it (OpenSSL's hashed names such as
 *       {@code 1a2b3c4d.0} included, symbolic links followed) that holds PEM certificates
 *       contributes them as trust anchors; files without any certificate are skipped, duplicates
 *       are ignored. A directory without a single certificate is an error.
 * </ul>
 *
 * <p>Errors are {@link BrokerException}s that name the option, the path and the reason: {@link
 * ErrorCode#CANNOT_OPEN_FILE} for a missing, unreadable or wrong-kind path, {@link
 * ErrorCode#INVALID_DATA} for content that is not what the option needs, a missing or wrong
 * passphrase, or a key that does not match the certificate.
 *
 * <p>Decryption of keys uses a private, unregistered BouncyCastle provider instance (no global
 * {@code Security.addProvider}); the keys themselves are handed to the JDK's own key factories so
 * that the JDK TLS provider signs with its native implementations.
 */
final class PemFiles {
  private static final Provider BC = new BouncyCastleProvider();

  /** Key algorithm OIDs of PKCS#8 {@code PrivateKeyInfo} and their JDK {@code KeyFactory} names. */
  private static final Map<ASN1ObjectIdentifier, String> KEY_FACTORIES =
      Map.of(
          PKCSObjectIdentifiers.rsaEncryption, "RSA",
          PKCSObjectIdentifiers.id_RSASSA_PSS, "RSASSA-PSS",
          X9ObjectIdentifiers.id_ecPublicKey, "EC",
          X9ObjectIdentifiers.id_dsa, "DSA",
          EdECObjectIdentifiers.id_Ed25519, "Ed25519",
          EdECObjectIdentifiers.id_Ed448, "Ed448");

  private PemFiles() {}

  /** The certificate chain of {@code ssl_certificate}, own certificate first; never empty. */
  static List<X509Certificate> readCertificateChain(Path file) {
    List<X509Certificate> chain = readCertificates("ssl_certificate", file);
    if (chain.isEmpty()) {
      throw invalid("ssl_certificate", file, "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
    }
    return chain;
  }

  /** The trust anchors of {@code ssl_cafile}; never empty. */
  static List<X509Certificate> readCaFile(Path file) {
    List<X509Certificate> cas = readCertificates("ssl_cafile", file);
    if (cas.isEmpty()) {
      throw invalid("ssl_cafile", file, "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
    }
    return cas;
  }

  /** The trust anchors of all files in the {@code ssl_capath} directory; never empty. */
  static List<X509Certificate> readCaPath(Path directory) {
    if (!Files.exists(directory)) {
      throw cannotOpen("ssl_capath", directory, "no such directory");
    }
    if (!Files.isDirectory(directory)) {
      throw cannotOpen("ssl_capath", directory, "not a directory");
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        if (Files.isRegularFile(entry)) {
          files.add(entry);
        }
      }
    } catch (IOException e) {
      throw cannotOpen("ssl_capath", directory, reason(e));
    }
    files.sort(null);
    Set<X509Certificate> cas = new LinkedHashSet<>();
    for (Path file : files) {
      cas.addAll(readCertificates("ssl_capath", file));
    }
    if (cas.isEmpty()) {
      throw invalid("ssl_capath", directory, "the directory holds no PEM certificate");
    }
    return List.copyOf(cas);
  }

  /**
   * The first private key of {@code ssl_keyfile}, decrypted with {@code passphrase} if the PEM is
   * encrypted ({@code passphrase} may be null for an unencrypted key; it is ignored then).
   */
  static PrivateKey readPrivateKey(Path file, String passphrase) {
    Reader reader = open("ssl_keyfile", file);
    try (PEMParser parser = new PEMParser(reader)) {
      Object object;
      while ((object = parser.readObject()) != null) {
        if (object instanceof PrivateKeyInfo info) {
          return toJdkKey(file, info);
        } else if (object instanceof PEMKeyPair pair) {
          return toJdkKey(file, pair.getPrivateKeyInfo());
        } else if (object instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
          char[] secret = requirePassphrase(file, passphrase);
          PrivateKeyInfo info;
          try {
            info =
                encrypted.decryptPrivateKeyInfo(
                    new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(secret));
          } catch (Exception e) {
            throw wrongPassphrase(file, e);
          }
          return toJdkKey(file, info);
        } else if (object instanceof PEMEncryptedKeyPair encrypted) {
          char[] secret = requirePassphrase(file, passphrase);
          PEMKeyPair pair;
          try {
            pair = encrypted.decryptKeyPair(new JcePEMDecryptorProviderBuilder().setProvider(BC).build(secret));
          } catch (Exception e) {
            throw wrongPassphrase(file, e);
          }
          return toJdkKey(file, pair.getPrivateKeyInfo());
        }
        // EC PARAMETERS, certificates and other blocks before the key: skip, as OpenSSL does.
      }
    } catch (IOException e) {
      throw invalid("ssl_keyfile", file, "malformed PEM: " + reason(e));
    }
    throw invalid("ssl_keyfile", file, "no PEM private key (-----BEGIN ... PRIVATE KEY-----) found");
  }

  /**
   * Fails unless {@code key} is the private half of {@code certificate}'s public key; checked by
   * signing a message, so it works for every signature algorithm the JDK knows. Key types without
   * a plain signature algorithm (RSASSA-PSS with parameters) are not checked here; a mismatch then
   * shows up as a handshake failure.
   */
  static void checkKeyMatchesCertificate(
      PrivateKey key, Path keyFile, X509Certificate certificate, Path certificateFile) {
    String algorithm = signatureAlgorithm(key);
    if (algorithm == null) {
      return;
    }
    PublicKey publicKey = certificate.getPublicKey();
    boolean matches;
    try {
      byte[] message = "jbroker key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(message);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(message);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      matches = false;
    }
    if (!matches) {
      throw new BrokerException(
          ErrorCode.INVALID_DATA,
          "ssl_keyfile "
              + keyFile
              + ": the private key does not belong to the certificate "
              + certificate.getSubjectX500Principal().getName()
              + " in ssl_certificate "
              + certificateFile);
    }
  }

  private static String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "DSA" -> "SHA256withDSA";
      case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
      default -> null;
    };
  }

  private static List<X509Certificate> readCertificates(String option, Path file) {
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    Reader reader = open(option, file);
    try (PEMParser parser = new PEMParser(reader)) {
      Object object;
      while ((object = parser.readObject()) != null) {
        X509CertificateHolder holder = null;
        if (object instanceof X509CertificateHolder h) {
          holder = h;
        } else if (object instanceof X509TrustedCertificateBlock trusted) {
          holder = trusted.getCertificateHolder();
        }
        if (holder != null) {
          certificates.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw invalid(option, file, "malformed PEM certificate: " + reason(e));
    }
    return certificates;
  }

  private static Reader open(String option, Path file) {
    if (Files.isDirectory(file)) {
      throw cannotOpen(option, file, "is a directory, expected a PEM file");
    }
    try {
      // ISO-8859-1 never fails to decode; PEM is ASCII and anything else is reported by the parser.
      return Files.newBufferedReader(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw cannotOpen(option, file, reason(e));
    }
  }

  private static PrivateKey toJdkKey(Path file, PrivateKeyInfo info) {
    ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
    String factory = KEY_FACTORIES.get(oid);
    if (factory == null) {
      throw invalid("ssl_keyfile", file, "unsupported private key algorithm " + oid.getId());
    }
    try {
      return KeyFactory.getInstance(factory).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw invalid("ssl_keyfile", file, "unusable " + factory + " private key: " + reason(e));
    }
  }

  private static char[] requirePassphrase(Path file, String passphrase) {
    if (passphrase == null || passphrase.isEmpty()) {
      throw invalid("ssl_keyfile", file, "the private key is encrypted but no ssl_passphrase is set");
    }
    return passphrase.toCharArray();
  }

  private static BrokerException wrongPassphrase(Path file, Exception cause) {
    return new BrokerException(
        ErrorCode.INVALID_DATA,
        "ssl_keyfile "
            + file
            + ": cannot decrypt the private key: wrong ssl_passphrase or corrupt key ("
            + reason(cause)
            + ")",
        cause);
  }

  private static String reason(Throwable e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  private static BrokerException cannotOpen(String option, Path path, String reason) {
    return new BrokerException(ErrorCode.CANNOT_OPEN_FILE, option + " " + path + ": " + reason);
  }

  private static BrokerException invalid(String option, Path path, String reason) {
    return new BrokerException(ErrorCode.INVALID_DATA, option + " " + path + ": " + reason);
  }
}
