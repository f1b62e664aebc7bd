package io.jbroker.endpoint.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns the exception of a failed TLS handshake (or of a TLS connection that the peer aborted
 * right after it) into a short reason for a status event. See {@link
 * TlsContexts#describeFailure(Throwable)} for the reasons and their meaning.
 *
 * <p>The JDK provider reports most causes only through exception messages and alert names, and
 * BoringSSL through its error strings ({@code error:...:SSL routines:OPENSSL_internal:<REASON>}), so
 * the rules below look at the classes of the whole cause chain first and then at its messages;
 * the first matching rule wins, most specific first.
 */
final class TlsFailures {
  static final String MODE_MISMATCH_PLAIN = "TLS mode mismatch (plain vs TLS): the peer does not speak TLS";
  static final String NO_PEER_CERTIFICATE = "peer presented no certificate";
  static final String UNTRUSTED = "certificate not signed by a trusted CA";
  static final String EXPIRED = "certificate expired";
  static final String NOT_YET_VALID = "certificate not yet valid";
  static final String WE_LACK_CERTIFICATE =
      "peer requires a certificate signed by its CA and we presented none";
  static final String PEER_REJECTED_OURS =
      "peer rejected our certificate (none presented, or not signed by a CA it trusts)";
  static final String NO_COMMON_SUITE =
      "no common TLS cipher suite (TLS mode mismatch: anonymous vs certificate-based TLS?)";
  static final String NO_COMMON_VERSION = "no common TLS protocol version";
  static final String CLOSED =
      "connection closed during the TLS handshake (the peer may not speak TLS, or refused us)";
  static final String TIMEOUT = "TLS handshake timed out";
  static final String BAD_RECORD = "TLS record failed authentication (corrupted or tampered data)";

  private TlsFailures() {}

  static String describe(Throwable failure) {
    if (failure == null) {
      return "TLS failure without a cause";
    }
    List<Throwable> chain = chain(failure);
    for (Throwable t : chain) {
      if (t instanceof NotSslRecordException) {
        return MODE_MISMATCH_PLAIN;
      }
      if (t instanceof SslHandshakeTimeoutException) {
        return TIMEOUT;
      }
      if (t instanceof CertificateExpiredException) {
        return EXPIRED;
      }
      if (t instanceof CertificateNotYetValidException) {
        return NOT_YET_VALID;
      }
    }
    for (Throwable t : chain) {
      if (t instanceof CertPathBuilderException
          || t instanceof CertPathValidatorException
          || t.getClass().getName().equals("sun.security.validator.ValidatorException")) {
        return UNTRUSTED;
      }
    }
    StringBuilder all = new StringBuilder();
    for (Throwable t : chain) {
      if (t.getMessage() != null) {
        all.append(t.getMessage().toLowerCase(Locale.ROOT)).append('\n');
      }
    }
    String text = all.toString();
    if (text.contains("empty client certificate chain") || text.contains("empty server certificate chain")
        || text.contains("peer_did_not_return_a_certificate")) {
      return NO_PEER_CERTIFICATE;
    }
    if (text.contains("pkix path") || text.contains("unable to find valid certification path")) {
      return UNTRUSTED;
    }
    if (text.contains("certificate_required")) {
      return WE_LACK_CERTIFICATE;
    }
    if (text.contains("bad_certificate")
        || text.contains("certificate_unknown")
        || text.contains("unknown_ca")
        || text.contains("unsupported_certificate")) {
      return PEER_REJECTED_OURS;
    }
    if (text.contains("certificate_expired")) {
      return "peer rejected our certificate: expired";
    }
    if (text.contains("no cipher suites in common")
        || text.contains("no_shared_cipher")
        || text.contains("no_cipher_match")
        || text.contains("no appropriate cipher suite")
        || text.contains("no negotiable cipher suite")
        || text.contains("handshake_failure")
        || text.contains("insufficient_security")) {
      return NO_COMMON_SUITE;
    }
    if (text.contains("protocol_version") || text.contains("no appropriate protocol")
        || text.contains("unsupported_protocol")) {
      return NO_COMMON_VERSION;
    }
    if (text.contains("unsupported or unrecognized ssl message")
        || text.contains("not an ssl/tls record")) {
      return MODE_MISMATCH_PLAIN;
    }
    if (text.contains("bad_record_mac") || text.contains("tag mismatch") || text.contains("bad_decrypt")) {
      return BAD_RECORD;
    }
    for (Throwable t : chain) {
      if (t instanceof ClosedChannelException) {
        return CLOSED;
      }
    }
    if (text.contains("closed") || text.contains("connection reset") || text.contains("broken pipe")) {
      return CLOSED;
    }
    int alert = text.indexOf("received fatal alert: ");
    if (alert >= 0) {
      int end = text.indexOf('\n', alert);
      return "peer aborted the TLS handshake: " + text.substring(alert + 22, end).trim();
    }
    int sslAlert = text.indexOf("sslv3_alert_");
    int tlsAlert = text.indexOf("tlsv1_alert_");
    if (sslAlert >= 0 || tlsAlert >= 0) { // BoringSSL: "...:TLSV1_ALERT_<NAME>"
      int at = tlsAlert >= 0 ? tlsAlert : sslAlert;
      int end = at + 12;
      while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
        end++;
      }
      return "peer aborted the TLS handshake: " + text.substring(at + 12, end);
    }
    Throwable root = chain.get(chain.size() - 1);
    String message = root.getMessage();
    return "TLS failure: "
        + (message == null || message.isBlank() ? root.getClass().getSimpleName() : message);
  }

  private static List<Throwable> chain(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = failure; t != null && seen.add(t) && chain.size() < 32; t = t.getCause()) {
      chain.add(t);
      for (Throwable suppressed : t.getSuppressed()) {
        if (seen.add(suppressed)) {
          chain.add(suppressed);
        }
      }
    }
    return chain;
  }
}
