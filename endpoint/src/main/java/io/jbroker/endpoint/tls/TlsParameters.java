package io.jbroker.endpoint.tls;

import java.util.List;

/**
 * The protocol versions and cipher suites of every TLS mode: the one place where they are chosen.
 *
 * <h2>Certificate-based modes ({@link TlsConfig.Mode#EPHEMERAL}, {@link TlsConfig.Mode#AUTHENTICATED})</h2>
 *
 * <p>Protocols {@code TLSv1.3} and {@code TLSv1.2} (Broker's minimum is 1.2; two jbroker nodes
 * negotiate 1.3). Only AEAD suites with forward secrecy are offered, in this order, and the server
 * enforces its own order:
 *
 * <ol>
 *   <li>TLS 1.3: {@code TLS_AES_128_GCM_SHA256}, {@code TLS_AES_256_GCM_SHA384}, {@code
 *       TLS_CHACHA20_POLY1305_SHA256};
 *   <li>TLS 1.2: {@code TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, {@code
 *       TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, the {@code AES_256_GCM_SHA384} pair, then the
 *       {@code CHACHA20_POLY1305_SHA256} pair.
 * </ol>
 *
 * <p>Why: AES-GCM runs on AES-NI/CLMUL in both engines (BoringSSL natively, the JDK provider
 * through its intrinsics) and is the fastest authenticated cipher of either; AES-128 comes first
 * because it does 10 rounds instead of
 * 14 at a security level that is not the weak point of an unauthenticated (ephemeral) or
 * CA-authenticated peering. ChaCha20-Poly1305 stays last as a fallback for peers without AES
 * hardware. Every suite is inside OpenSSL's {@code HIGH:!aNULL:!MD5}, so a real Broker with
 * certificates finds a common suite. Two jbroker nodes therefore end up on {@code TLSv1.3} with
 * {@code TLS_AES_128_GCM_SHA256}. (BoringSSL applies its own fixed order to the TLS 1.3 suites,
 * which also starts with AES-128-GCM on AES hardware; the order above governs TLS 1.2.)
 *
 * <h2>Anonymous mode ({@link TlsConfig.Mode#ANONYMOUS})</h2>
 *
 * <p>Exactly Broker's: {@code TLSv1.2} only, the single suite {@code
 * TLS_ECDH_anon_WITH_AES_256_CBC_SHA} (OpenSSL {@code AECDH-AES256-SHA}, 0xC019); see {@link
 * AnonymousTls}.
 */
final class TlsParameters {
  /** Protocols of the certificate-based modes, preferred first. */
  static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** Cipher suites of the certificate-based modes, preferred first. */
  static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** The only protocol of the anonymous mode (a server without a certificate cannot do 1.3). */
  static final String ANONYMOUS_PROTOCOL = "TLSv1.2";

  /** The only cipher suite of the anonymous mode: Broker's {@code AECDH-AES256-SHA}. */
  static final String ANONYMOUS_CIPHER_SUITE = "TLS_ECDH_anon_WITH_AES_256_CBC_SHA";

  private TlsParameters() {}
}
