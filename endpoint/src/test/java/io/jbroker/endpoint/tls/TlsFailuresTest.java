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
