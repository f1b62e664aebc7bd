package io.jbroker.endpoint.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager with exactly one identity that it always offers, in both roles, whatever
 * certificate authorities the peer says it accepts.
 *
 * <p>Why not the JDK's: as a TLS client, the JDK key manager presents a certificate only if it
 * was issued by one of the CAs listed in the server's CertificateRequest, and otherwise sends an
 * empty certificate message. The server then reports "no certificate" for a client that has one
 * from the wrong CA, which misleads whoever reads the status event. OpenSSL, and so Broker,
 * always sends the configured certificate; so does this key manager, and the server's verdict
 * becomes the accurate "certificate not signed by a trusted CA".
 *
 * <p>The only filter is the key type the handshake asks for ({@code "EC"}, {@code "RSA"}, {@code
 * "EC_EC"}, {@code "RSASSA-PSS"}, …): the identity is offered when its key algorithm is the part
 * before any {@code _}.
 */
final class OwnKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS = "jbroker";

  private final PrivateKey key;
  private final X509Certificate[] chain;

  OwnKeyManager(PrivateKey key, List<X509Certificate> chain) {
    this.key = key;
    this.chain = chain.toArray(new X509Certificate[0]);
  }

  private String aliasFor(String... keyTypes) {
    if (keyTypes == null) {
      return null;
    }
    for (String keyType : keyTypes) {
      if (keyType == null) {
        continue;
      }
      int underscore = keyType.indexOf('_');
      String algorithm = underscore < 0 ? keyType : keyType.substring(0, underscore);
      if (algorithm.equalsIgnoreCase(key.getAlgorithm())) {
        return ALIAS;
      }
    }
    return null;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyTypes);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyType);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return aliasFor(keyTypes);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return aliasFor(keyType);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return aliasFor(keyType) == null ? null : new String[] {ALIAS};
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? chain.clone() : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? key : null;
  }
}
