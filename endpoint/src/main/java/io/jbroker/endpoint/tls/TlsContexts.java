package io.jbroker.endpoint.tls;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built TLS contexts of one endpoint ({@link TlsConfig#build()}): a factory of Netty {@link
 * SslHandler}s for the two roles of a connection. Immutable and thread-safe; build it once and
 * share it among all connections of the endpoint.
 *
 * <h2>Roles</h2>
 *
 * <p>As in Broker, the side that accepted the TCP connection is the TLS server ({@link
 * #newServerHandler}) and the side that dialled is the TLS client ({@link #newClientHandler}). Put
 * the handler first in the pipeline; the TLS handshake then runs to completion before the first
 * Broker frame. Clients do no hostname verification (Broker checks only the chain); the host and
 * port given to {@link #newClientHandler} serve the JDK's session cache and SNI.
 *
 * <h2>Failures</h2>
 *
 * <p>A refused handshake fails {@link SslHandler#handshakeFuture()} on the refusing side and
 * closes the connection. With TLS 1.3 the client's own handshake completes before the server has
 * looked at the client certificate, so a client whose certificate the server refuses sees its
 * handshake future <em>succeed</em> and then the connection fail with an {@code SSLException}
 * (alert {@code bad_certificate}/{@code certificate_required}) in {@code exceptionCaught}, before
 * any application data arrives. Transports must treat both paths as a TLS failure; {@link
 * #describeFailure} gives the reason for either.
 *
 * <p>The handshake timeout is Netty's default (10 s); the transport may change it per handler.
 */
public final class TlsContexts {
  private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);

  /** System property choosing the TLS engine of the certificate-based modes: auto, openssl or jdk. */
  public static final String PROVIDER_PROPERTY = "jbroker.tls.provider";

  /**
   * The engine of the certificate-based modes, chosen once per JVM on first use (not in a static
   * initialiser: the anonymous mode must configure the JDK's provider before anything touches it,
   * and a refused setting must stay a plain exception). BoringSSL through netty-tcnative when its
   * native library loads here ({@code auto}, the default, or {@code openssl}), else the JDK's.
   * BoringSSL's AES-GCM runs several times faster than JDK 17's, which matters at hundreds of
   * megabytes per second; the JDK engine needs the {@link HeapCiphertext} cumulator to use its
   * GHASH intrinsic at all.
   */
  private static volatile SslProvider chosenProvider;

  /** The engine of the certificate-based modes in this JVM ({@code OPENSSL} or {@code JDK}). */
  public static SslProvider provider() {
    SslProvider p = chosenProvider;
    if (p == null) {
      synchronized (TlsContexts.class) {
        if (chosenProvider == null) {
          chosenProvider = chooseProvider(System.getProperty(PROVIDER_PROPERTY, "auto"));
        }
        p = chosenProvider;
      }
    }
    return p;
  }

  static SslProvider chooseProvider(String wanted) {
    switch (wanted.trim().toLowerCase(Locale.ROOT)) {
      case "jdk":
        return SslProvider.JDK;
      case "openssl":
        if (!OpenSsl.isAvailable()) {
          throw new BrokerException(ErrorCode.UNSPECIFIED, PROVIDER_PROPERTY
              + "=openssl but netty-tcnative's BoringSSL does not load here: " + OpenSsl.unavailabilityCause());
        }
        return SslProvider.OPENSSL;
      case "auto":
        if (OpenSsl.isAvailable()) {
          return SslProvider.OPENSSL;
        }
        LOG.info("TLS via the JDK engine: netty-tcnative's BoringSSL does not load here ({})",
            String.valueOf(OpenSsl.unavailabilityCause()));
        return SslProvider.JDK;
      default:
        throw new BrokerException(ErrorCode.UNSPECIFIED, "system property " + PROVIDER_PROPERTY + "='" + wanted
            + "' is not one of auto, openssl, jdk");
    }
  }

  private static final TlsContexts DISABLED = new TlsContexts(TlsConfig.Mode.DISABLED, null, null, null);

  private final TlsConfig.Mode mode;
  private final SslContext server;
  private final SslContext client;
  private final X509Certificate localCertificate;

  private TlsContexts(TlsConfig.Mode mode, SslContext server, SslContext client, X509Certificate localCertificate) {
    this.mode = mode;
    this.server = server;
    this.client = client;
    this.localCertificate = localCertificate;
  }

  static TlsContexts create(TlsConfig config) {
    return switch (config.mode()) {
      case DISABLED -> DISABLED;
      case EPHEMERAL -> ephemeral();
      case AUTHENTICATED -> authenticated(config);
      case ANONYMOUS -> anonymous();
    };
  }

  private static TlsContexts ephemeral() {
    EphemeralCertificate own = EphemeralCertificate.generate();
    SslContext server =
        build(
            certificateModes(SslContextBuilder.forServer(own.keyPair().getPrivate(), own.certificate()))
                .clientAuth(ClientAuth.NONE),
            "ephemeral server");
    SslContext client =
        build(
            certificateModes(SslContextBuilder.forClient())
                .trustManager(InsecureTrustManagerFactory.INSTANCE),
            "ephemeral client");
    LOG.debug("ephemeral TLS certificate {}", own.certificate().getSubjectX500Principal().getName());
    return new TlsContexts(TlsConfig.Mode.EPHEMERAL, server, client, own.certificate());
  }

  private static TlsContexts authenticated(TlsConfig config) {
    List<X509Certificate> chain = PemFiles.readCertificateChain(config.certificate());
    PrivateKey key = PemFiles.readPrivateKey(config.keyFile(), config.passphrase());
    PemFiles.checkKeyMatchesCertificate(key, config.keyFile(), chain.get(0), config.certificate());
    Set<X509Certificate> anchors = new LinkedHashSet<>();
    if (config.caFile() != null) {
      anchors.addAll(PemFiles.readCaFile(config.caFile()));
    }
    if (config.caPath() != null) {
      anchors.addAll(PemFiles.readCaPath(config.caPath()));
    }
    List<X509Certificate> trusted = new ArrayList<>(anchors);
    AlertingTrustManager trust = AlertingTrustManager.trusting(trusted);
    OwnKeyManager identity = new OwnKeyManager(key, chain);
    SslContext server =
        build(
            certificateModes(SslContextBuilder.forServer(identity))
                .trustManager(trust)
                .clientAuth(ClientAuth.REQUIRE),
            "authenticated server");
    SslContext client =
        build(
            certificateModes(SslContextBuilder.forClient()).keyManager(identity).trustManager(trust),
            "authenticated client");
    LOG.debug(
        "authenticated TLS as {} with {} trust anchor(s)",
        chain.get(0).getSubjectX500Principal().getName(),
        trusted.size());
    return new TlsContexts(TlsConfig.Mode.AUTHENTICATED, server, client, chain.get(0));
  }

  private static TlsContexts anonymous() {
    SSLContext context = AnonymousTls.sslContext();
    List<String> suites = List.of(AnonymousTls.CIPHER_SUITE);
    String[] protocols = {AnonymousTls.PROTOCOL};
    SslContext server =
        new JdkSslContext(
            context, false, suites, IdentityCipherSuiteFilter.INSTANCE, null, ClientAuth.NONE, protocols, false);
    SslContext client =
        new JdkSslContext(
            context, true, suites, IdentityCipherSuiteFilter.INSTANCE, null, ClientAuth.NONE, protocols, false);
    return new TlsContexts(TlsConfig.Mode.ANONYMOUS, server, client, null);
  }

  /** Settings shared by the ephemeral and authenticated modes: JDK provider, protocols, suites. */
  private static SslContextBuilder certificateModes(SslContextBuilder builder) {
    return builder
        .sslProvider(provider())
        .protocols(TlsParameters.PROTOCOLS)
        .ciphers(TlsParameters.CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
        // Broker verifies only the chain, never the peer's name (Netty 4.2 defaults to HTTPS).
        .endpointIdentificationAlgorithm(null);
  }

  private static SslContext build(SslContextBuilder builder, String what) {
    try {
      return builder.build();
    } catch (SSLException | RuntimeException e) {
      throw new BrokerException(
          ErrorCode.UNSPECIFIED, "cannot create the " + what + " TLS context: " + e.getMessage(), e);
    }
  }

  /** Whether connections use TLS at all ({@code false} only for {@link TlsConfig#disabled()}). */
  public boolean enabled() {
    return mode != TlsConfig.Mode.DISABLED;
  }

  /** The mode these contexts were built for. */
  public TlsConfig.Mode mode() {
    return mode;
  }

  /**
   * The certificate this endpoint presents: the generated one in ephemeral mode, the first of
   * {@code ssl_certificate} in authenticated mode, empty otherwise (for logs and diagnostics).
   */
  public Optional<X509Certificate> localCertificate() {
    return Optional.ofNullable(localCertificate);
  }

  /**
   * A new handler for an accepted connection (TLS server role). The server's cipher-suite order
   * takes precedence; in authenticated mode it requires a client certificate.
   *
   * @throws IllegalStateException if TLS is {@linkplain #enabled() disabled}
   */
  public SslHandler newServerHandler(ByteBufAllocator alloc) {
    requireEnabled();
    SslHandler handler = server.newHandler(alloc);
    useHeapCiphertextForJdk(handler);
    SSLEngine engine = handler.engine();
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setUseCipherSuitesOrder(true);
    engine.setSSLParameters(parameters);
    return handler;
  }

  /**
   * A new handler for a connection this endpoint dialled (TLS client role). No hostname
   * verification; {@code peerHost}/{@code peerPort} key the session cache (and {@code peerHost}
   * is sent as SNI when it is a name, which Broker ignores).
   *
   * @throws IllegalStateException if TLS is {@linkplain #enabled() disabled}
   */
  public SslHandler newClientHandler(ByteBufAllocator alloc, String peerHost, int peerPort) {
    requireEnabled();
    SslHandler handler = client.newHandler(alloc, peerHost, peerPort);
    useHeapCiphertextForJdk(handler);
    return handler;
  }

  /** The JDK's engine decrypts much faster from heap buffers (see {@link HeapCiphertext}). */
  private static void useHeapCiphertextForJdk(SslHandler handler) {
    if (!isBoringSsl(handler.engine())) {
      handler.setCumulator(HeapCiphertext.CUMULATOR);
    }
  }

  /** Whether {@code engine} is netty-tcnative's BoringSSL engine (else the JDK's). */
  static boolean isBoringSsl(SSLEngine engine) {
    return engine instanceof ReferenceCountedOpenSslEngine;
  }

  private void requireEnabled() {
    if (server == null) {
      throw new IllegalStateException("TLS is disabled (disable_ssl): no TLS handler to create");
    }
  }

  /**
   * A short human reason for a failed TLS handshake or a TLS connection aborted by the peer, for
   * status events and logs, derived from the exception and its causes. The reasons:
   *
   * <ul>
   *   <li>{@code "peer presented no certificate"} — we require one (authenticated server) and the
   *       client sent none;
   *   <li>{@code "certificate not signed by a trusted CA"} — the peer's chain does not lead to our
   *       {@code ssl_cafile}/{@code ssl_capath}; {@code "certificate expired"}, {@code
   *       "certificate not yet valid"} likewise for dates;
   *   <li>{@code "peer requires a certificate signed by its CA and we presented none"}, {@code
   *       "peer rejected our certificate (...)"} — the other side refused us (alerts {@code
   *       certificate_required}, {@code bad_certificate}, {@code certificate_unknown}, {@code
   *       unknown_ca});
   *   <li>{@code "TLS mode mismatch (plain vs TLS): ..."} — the peer sent plain bytes;
   *   <li>{@code "no common TLS cipher suite (...)"}, {@code "no common TLS protocol version"} —
   *       typically anonymous vs certificate-based TLS;
   *   <li>{@code "connection closed during the TLS handshake (...)"} — the peer hung up, e.g. a
   *       plain-TCP peer that could not parse our hello;
   *   <li>{@code "TLS handshake timed out"}; otherwise {@code "peer aborted the TLS handshake:
   *       <alert>"} or {@code "TLS failure: <message>"}.
   * </ul>
   */
  public static String describeFailure(Throwable cause) {
    return TlsFailures.describe(cause);
  }

  @Override
  public String toString() {
    return "TlsContexts[" + mode + "]";
  }
}
