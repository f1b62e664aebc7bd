package io.jbroker.endpoint.tls;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The TLS settings of an endpoint, with Broker's option names, as an immutable value. One of four
 * modes, chosen independently on each side; there is no negotiation, so both sides of a peering
 * must use compatible modes or the handshake fails (Broker spec §3.3).
 *
 * <table>
 *   <caption>Modes</caption>
 *   <tr><th>mode</th><th>factory</th><th>what the wire sees</th><th>peers it works with</th></tr>
 *   <tr><td>{@link Mode#DISABLED}</td><td>{@link #disabled()} ({@code disable_ssl})</td>
 *       <td>plain TCP</td><td>jbroker or Broker with TLS disabled</td></tr>
 *   <tr><td>{@link Mode#EPHEMERAL} (default)</td><td>{@link #ephemeral()}</td>
 *       <td>TLS 1.3/1.2; the server presents a self-signed EC P-256 certificate made at
 *       {@link #build()}; neither side verifies the other</td>
 *       <td>jbroker in ephemeral mode. Encrypted, <em>not</em> authenticated: this is what
 *       Broker's default promises, but Broker's default is the anonymous mode, so a
 *       certificate-less Broker does not talk to it (use {@link #anonymous()},
 *       {@code disable_ssl} or certificates for that).</td></tr>
 *   <tr><td>{@link Mode#AUTHENTICATED}</td>
 *       <td>{@link #authenticated} ({@code ssl_certificate}, {@code ssl_keyfile},
 *       {@code ssl_passphrase}, {@code ssl_cafile}, {@code ssl_capath})</td>
 *       <td>mutual TLS 1.3/1.2: both sides present their chain and must chain to the configured
 *       CA(s); no hostname check, as in Broker</td>
 *       <td>jbroker or Broker configured with certificates from the same CA</td></tr>
 *   <tr><td>{@link Mode#ANONYMOUS} (opt-in)</td><td>{@link #anonymous()}</td>
 *       <td>TLS 1.2, {@code TLS_ECDH_anon_WITH_AES_256_CBC_SHA}, no certificates</td>
 *       <td>a real Broker with TLS on and no certificate options (Broker's default), or
 *       jbroker in anonymous mode; see {@link AnonymousTls} for the JVM-level condition</td></tr>
 * </table>
 *
 * <p>Protocols and cipher suites are documented in {@code TlsParameters}: certificate modes
 * offer TLS 1.3 and 1.2 with AES-GCM first (two jbroker nodes agree on TLS 1.3 with {@code
 * TLS_AES_128_GCM_SHA256}). All modes use the JDK's TLS provider; netty-tcnative is not on the
 * class path.
 *
 * <p>Construction only records the settings (plus argument checks); files are read and keys made
 * by {@link #build()}, which an endpoint calls once at start-up. The passphrase is kept as given
 * and never appears in {@link #toString()}.
 */
public final class TlsConfig {
  /** The four TLS modes; see the class comment. */
  public enum Mode {
    /** Plain TCP ({@code disable_ssl}). */
    DISABLED,
    /** Encrypted with a throw-away self-signed certificate, no verification (the default). */
    EPHEMERAL,
    /** Mutual TLS with certificates that chain to configured CAs. */
    AUTHENTICATED,
    /** Broker's anonymous ECDH TLS 1.2 (opt-in, for certificate-less Brokers). */
    ANONYMOUS
  }

  private static final TlsConfig DISABLED = new TlsConfig(Mode.DISABLED, null, null, null, null, null);
  private static final TlsConfig EPHEMERAL = new TlsConfig(Mode.EPHEMERAL, null, null, null, null, null);
  private static final TlsConfig ANONYMOUS = new TlsConfig(Mode.ANONYMOUS, null, null, null, null, null);

  private final Mode mode;
  private final Path certificate;
  private final Path keyFile;
  private final String passphrase;
  private final Path caFile;
  private final Path caPath;

  private TlsConfig(Mode mode, Path certificate, Path keyFile, String passphrase, Path caFile, Path caPath) {
    this.mode = mode;
    this.certificate = certificate;
    this.keyFile = keyFile;
    this.passphrase = passphrase;
    this.caFile = caFile;
    this.caPath = caPath;
  }

  /** Plain TCP, no TLS at all: Broker's {@code disable_ssl = true}. */
  public static TlsConfig disabled() {
    return DISABLED;
  }

  /**
   * The default: TLS with a self-signed EC certificate generated in memory by {@link #build()}
   * (fresh for every build), presented by the server side; clients accept any server certificate
   * and servers ask for none. Protects against passive eavesdropping only — anyone can pose as a
   * peer.
   */
  public static TlsConfig ephemeral() {
    return EPHEMERAL;
  }

  /**
   * Mutual TLS, Broker's certificate mode. Both sides present {@code certificate} (a PEM chain:
   * own certificate first, then intermediates) with the private key from {@code keyFile} (PEM:
   * PKCS#8, encrypted PKCS#8, or traditional OpenSSL {@code RSA/EC PRIVATE KEY}, optionally
   * encrypted), and verify the peer's chain against the trust anchors of {@code caFile} (a PEM
   * bundle) and/or {@code caPath} (a directory of PEM files). The server requires a client
   * certificate. No hostname or SNI check: only the chain counts, as in Broker. Expiry is checked;
   * revocation is not. Like OpenSSL, the client always presents its certificate, even when the
   * server's list of acceptable CAs does not name its issuer, so that a refusal is reported
   * accurately ("certificate not signed by a trusted CA") by the server. Every certificate in the
   * CA file or directory is a trust anchor (intermediates included).
   *
   * @param certificate {@code ssl_certificate}, required
   * @param keyFile {@code ssl_keyfile}, required
   * @param passphraseOrNull {@code ssl_passphrase} for an encrypted key; null or empty if none
   * @param caFileOrNull {@code ssl_cafile}
   * @param caPathOrNull {@code ssl_capath}; at least one of the two CA options is required
   * @throws BrokerException INVALID_DATA if neither CA option is given (no peer could ever be
   *     verified)
   */
  public static TlsConfig authenticated(
      Path certificate, Path keyFile, String passphraseOrNull, Path caFileOrNull, Path caPathOrNull) {
    Objects.requireNonNull(certificate, "certificate (ssl_certificate)");
    Objects.requireNonNull(keyFile, "keyFile (ssl_keyfile)");
    if (caFileOrNull == null && caPathOrNull == null) {
      throw new BrokerException(
          ErrorCode.INVALID_DATA,
          "authenticated TLS with ssl_certificate "
              + certificate
              + " needs ssl_cafile or ssl_capath: without a CA no peer certificate can be verified");
    }
    return new TlsConfig(
        Mode.AUTHENTICATED, certificate, keyFile, passphraseOrNull, caFileOrNull, caPathOrNull);
  }

  /**
   * Opt-in: Broker's anonymous TLS (TLS 1.2, {@code TLS_ECDH_anon_WITH_AES_256_CBC_SHA}, no
   * certificates), the only TLS that a real Broker without certificate options speaks. Encrypted
   * but open to an active man-in-the-middle. {@link #build()} needs the JDK's TLS provider to
   * permit the suite, which {@link AnonymousTls} arranges without enabling it anywhere else;
   * when that is no longer possible in this JVM, {@code build()} throws {@link BrokerException}
   * with {@link ErrorCode#UNSPECIFIED} and explains the alternatives ({@code disable_ssl} or
   * certificates on both sides).
   */
  public static TlsConfig anonymous() {
    return ANONYMOUS;
  }

  /**
   * The mode Broker itself would pick from its options, except that jbroker's certificate-less
   * default is {@link #ephemeral()} where Broker's is anonymous TLS: {@code disableSsl} wins;
   * otherwise any non-empty certificate option selects {@link #authenticated}; otherwise
   * ephemeral. Empty strings count as unset, as in Broker.
   *
   * @throws BrokerException INVALID_DATA if certificate options are set but {@code ssl_certificate}
   *     or {@code ssl_keyfile} is missing, or neither CA option is set
   */
  public static TlsConfig fromBrokerOptions(
      boolean disableSsl, String certificate, String keyFile, String passphrase, String caFile, String caPath) {
    if (disableSsl) {
      return disabled();
    }
    if (blank(certificate) && blank(keyFile) && blank(passphrase) && blank(caFile) && blank(caPath)) {
      return ephemeral();
    }
    if (blank(certificate) || blank(keyFile)) {
      throw new BrokerException(
          ErrorCode.INVALID_DATA,
          "authenticated TLS needs both ssl_certificate and ssl_keyfile (got ssl_certificate=\""
              + Objects.toString(certificate, "")
              + "\", ssl_keyfile=\""
              + Objects.toString(keyFile, "")
              + "\")");
    }
    return authenticated(
        Path.of(certificate),
        Path.of(keyFile),
        blank(passphrase) ? null : passphrase,
        blank(caFile) ? null : Path.of(caFile),
        blank(caPath) ? null : Path.of(caPath));
  }

  private static boolean blank(String s) {
    return s == null || s.isEmpty();
  }

  public Mode mode() {
    return mode;
  }

  /** {@code ssl_certificate}; null unless {@link Mode#AUTHENTICATED}. */
  public Path certificate() {
    return certificate;
  }

  /** {@code ssl_keyfile}; null unless {@link Mode#AUTHENTICATED}. */
  public Path keyFile() {
    return keyFile;
  }

  /** {@code ssl_cafile}; may be null. */
  public Path caFile() {
    return caFile;
  }

  /** {@code ssl_capath}; may be null. */
  public Path caPath() {
    return caPath;
  }

  /**
   * Builds the Netty contexts once: generates the ephemeral certificate, or reads and checks the
   * PEM files and CA store, or prepares the anonymous context. Call it once per endpoint at
   * start-up and share the result among its connections; every call does the work again (and, in
   * ephemeral mode, yields a new certificate).
   *
   * @throws BrokerException CANNOT_OPEN_FILE for a missing or unreadable file or directory,
   *     INVALID_DATA for content that is not a PEM certificate/key, a missing or wrong
   *     passphrase, or a key that does not match the certificate — each naming the option, the
   *     path and the reason; UNSPECIFIED if anonymous TLS is not possible in this JVM
   */
  public TlsContexts build() {
    return TlsContexts.create(this);
  }

  String passphrase() {
    return passphrase;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TlsConfig other
        && mode == other.mode
        && Objects.equals(certificate, other.certificate)
        && Objects.equals(keyFile, other.keyFile)
        && Objects.equals(passphrase, other.passphrase)
        && Objects.equals(caFile, other.caFile)
        && Objects.equals(caPath, other.caPath);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, certificate, keyFile, passphrase, caFile, caPath);
  }

  @Override
  public String toString() {
    if (mode != Mode.AUTHENTICATED) {
      return "TlsConfig[" + mode + "]";
    }
    return "TlsConfig[AUTHENTICATED, ssl_certificate="
        + certificate
        + ", ssl_keyfile="
        + keyFile
        + ", ssl_passphrase="
        + (passphrase == null || passphrase.isEmpty() ? "unset" : "set")
        + ", ssl_cafile="
        + caFile
        + ", ssl_capath="
        + caPath
        + "]";
  }
}
