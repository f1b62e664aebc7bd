package io.jbroker.endpoint.tls;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's PKIX trust manager over the configured CAs, whose refusals tell a BoringSSL engine
 * which alert to send.
 *
 * <p>Why: when a trust manager refuses a chain, Netty's BoringSSL engine maps the exception to an
 * X.509 verification error and BoringSSL sends the matching alert. Expiry is recognised, but "no
 * path to a trusted CA" becomes an unspecified error and the alert {@code internal_error}, so the
 * refused peer could not say why. Here such a refusal carries {@code
 * X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY}, which BoringSSL sends as {@code unknown_ca}, as the
 * JDK engine does. With the JDK engine the exceptions pass through unchanged.
 */
final class AlertingTrustManager extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager pkix;

  private AlertingTrustManager(X509ExtendedTrustManager pkix) {
    this.pkix = pkix;
  }

  /** A trust manager accepting exactly the chains that lead to one of {@code anchors}. */
  static AlertingTrustManager trusting(List<X509Certificate> anchors) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < anchors.size(); i++) {
        store.setCertificateEntry("ca-" + i, anchors.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      for (TrustManager m : factory.getTrustManagers()) {
        if (m instanceof X509ExtendedTrustManager) {
          return new AlertingTrustManager((X509ExtendedTrustManager) m);
        }
      }
      throw new BrokerException(ErrorCode.UNSPECIFIED, "the JDK offers no X.509 trust manager");
    } catch (GeneralSecurityException | IOException e) {
      throw new BrokerException(ErrorCode.UNSPECIFIED, "cannot build the TLS trust manager: " + e.getMessage(), e);
    }
  }

  /** The X.509 verification error that names why {@code e} refused a chain. */
  static int verificationError(CertificateException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateExpiredException) {
        return CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
      }
      if (t instanceof CertificateNotYetValidException) {
        return CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID;
      }
      if (t instanceof CertPathValidatorException) {
        CertPathValidatorException.Reason reason = ((CertPathValidatorException) t).getReason();
        if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
          return CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
        }
        if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
          return CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID;
        }
      }
    }
    return CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
  }

  /** A check of the JDK's trust manager. */
  private interface Check {
    void run() throws CertificateException;
  }

  /** Runs {@code check}; for a BoringSSL engine, a refusal carries the verification error that names it. */
  private static void checkFor(SSLEngine engine, Check check) throws CertificateException {
    try {
      check.run();
    } catch (CertificateException e) {
      if (!TlsContexts.isBoringSsl(engine) || e instanceof OpenSslCertificateException) {
        throw e;
      }
      OpenSslCertificateException translated = new OpenSslCertificateException(e.getMessage(), verificationError(e));
      translated.initCause(e);
      throw translated;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkFor(engine, () -> pkix.checkClientTrusted(chain, authType, engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkFor(engine, () -> pkix.checkServerTrusted(chain, authType, engine));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }
}
