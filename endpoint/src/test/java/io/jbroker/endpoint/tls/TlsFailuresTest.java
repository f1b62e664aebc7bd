package io.jbroker.endpoint.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * {@link TlsContexts#describeFailure} for causes that the socket tests do not produce; the
 * refusals between modes are covered with real handshakes in {@link TlsHandshakeTest}.
 */
class TlsFailuresTest {
  @Test
  void handshakeTimeoutIsNamed() {
    assertThat(TlsContexts.describeFailure(new SslHandshakeTimeoutException("handshake timed out after 10000ms")))
        .isEqualTo("TLS handshake timed out");
  }

  @Test
  void causesAreFoundInsideWrappers() {
    SSLHandshakeException handshake = new SSLHandshakeException("PKIX path validation failed");
    handshake.initCause(new CertificateExpiredException("NotAfter: Mon Jan 01 00:00:00 UTC 2024"));

    assertThat(TlsContexts.describeFailure(new DecoderException(handshake))).isEqualTo("certificate expired");
  }

  @Test
  void unknownAlertsAreNamedByTheAlert() {
    assertThat(TlsContexts.describeFailure(new SSLHandshakeException("Received fatal alert: decode_error")))
        .isEqualTo("peer aborted the TLS handshake: decode_error");
  }

  @Test
  void opensslsCertificateRequiredAlertSaysWeLackACertificate() {
    assertThat(TlsContexts.describeFailure(new SSLHandshakeException("Received fatal alert: certificate_required")))
        .isEqualTo("peer requires a certificate signed by its CA and we presented none");
  }

  /** BoringSSL's error strings, as its engine reports them. */
  private static String boringSsl(String reason) {
    return TlsContexts.describeFailure(new SSLHandshakeException(
        "error:10000000:SSL routines:OPENSSL_internal:" + reason));
  }

  @Test
  void boringSslReasonsAreNamedLikeTheJdkOnes() {
    assertThat(boringSsl("PEER_DID_NOT_RETURN_A_CERTIFICATE")).isEqualTo("peer presented no certificate");
    assertThat(boringSsl("TLSV1_ALERT_CERTIFICATE_REQUIRED"))
        .isEqualTo("peer requires a certificate signed by its CA and we presented none");
    assertThat(boringSsl("TLSV1_ALERT_UNKNOWN_CA"))
        .isEqualTo("peer rejected our certificate (none presented, or not signed by a CA it trusts)");
    assertThat(boringSsl("SSLV3_ALERT_BAD_CERTIFICATE"))
        .isEqualTo("peer rejected our certificate (none presented, or not signed by a CA it trusts)");
    assertThat(boringSsl("SSLV3_ALERT_CERTIFICATE_EXPIRED")).isEqualTo("peer rejected our certificate: expired");
    assertThat(boringSsl("NO_SHARED_CIPHER")).startsWith("no common TLS cipher suite");
    assertThat(boringSsl("UNSUPPORTED_PROTOCOL")).isEqualTo("no common TLS protocol version");
    assertThat(boringSsl("TLSV1_ALERT_PROTOCOL_VERSION")).isEqualTo("no common TLS protocol version");
    assertThat(boringSsl("BAD_DECRYPT")).startsWith("TLS record failed authentication");
    assertThat(boringSsl("TLSV1_ALERT_DECODE_ERROR")).isEqualTo("peer aborted the TLS handshake: decode_error");
  }

  @Test
  void aBoringSslEngineIsToldToSendUnknownCaForAnUntrustedChain() {
    // the verification error codes are BoringSSL's own: its library must be loaded
    org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable());
    var untrusted = new java.security.cert.CertificateException("PKIX path building failed",
        new java.security.cert.CertPathBuilderException("unable to find valid certification path"));
    var expired = new java.security.cert.CertificateException("validity check failed",
        new CertificateExpiredException("NotAfter"));
    assertThat(AlertingTrustManager.verificationError(untrusted))
        .isEqualTo(io.netty.internal.tcnative.CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    assertThat(AlertingTrustManager.verificationError(expired))
        .isEqualTo(io.netty.internal.tcnative.CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED);
  }

  @Test
  void anythingElseKeepsTheInnermostMessage() {
    assertThat(TlsContexts.describeFailure(new RuntimeException("outer", new IllegalStateException("inner detail"))))
        .isEqualTo("TLS failure: inner detail");
    assertThat(TlsContexts.describeFailure(new IllegalStateException())).isEqualTo("TLS failure: IllegalStateException");
    assertThat(TlsContexts.describeFailure(null)).isEqualTo("TLS failure without a cause");
  }

  @Test
  void cyclicCauseChainsTerminate() {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b", a);
    a.initCause(b);

    assertThat(TlsContexts.describeFailure(a)).isEqualTo("TLS failure: b");
  }
}
