package io.jbroker.endpoint.tls;

import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.Security;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker's anonymous TLS — the mode a real Zeek Broker uses when TLS is on and no certificate
 * option is set: {@code TLSv1.2}, cipher suite {@code TLS_ECDH_anon_WITH_AES_256_CBC_SHA}
 * (OpenSSL {@code AECDH-AES256-SHA}, 0xC019), ECDH group {@code secp384r1} chosen by Broker, no
 * certificates, no verification. Encrypted, not authenticated, and open to an active
 * man-in-the-middle; jbroker offers it only as an opt-in ({@link TlsConfig#anonymous()}) for
 * interoperating with such a Broker.
 *
 * <h2>How it is enabled, and why the other modes are not weakened</h2>
 *
 * <p>The JDK's TLS provider (SunJSSE) implements the suite but forbids it through the security
 * property {@code jdk.tls.disabledAlgorithms}, whose default list contains {@code anon} (all
 * anonymous suites) and, on current JDK 17 updates, {@code ECDH} (all static-ECDH suites, which
 * the anonymous suite decomposes to as well). SunJSSE reads that property <em>once</em>, when it
 * first initialises, into a JVM-wide constraint; no per-engine setting can lift it. (BouncyCastle's
 * JSSE provider honours the same property and, in any case, {@code bctls-jdk18on} is not available
 * from this project's registry, so it is no way around.)
 *
 * <p>{@link #prepareJvm()} therefore rewrites that property, before SunJSSE initialises, in the
 * narrowest possible way: the {@code anon} entry is replaced by entries that still disable every
 * other anonymous suite ({@code DH_anon} and the other {@code TLS_ECDH_anon_*} names), and the
 * {@code ECDH} entry by {@code ECDH_ECDSA, ECDH_RSA} (every static-ECDH suite that has a
 * certificate). Every other entry is kept verbatim. The net effect on the JVM is that exactly one
 * suite, {@code TLS_ECDH_anon_WITH_AES_256_CBC_SHA}, becomes <em>supported</em>; SunJSSE never
 * enables an anonymous suite by default, so no engine in the JVM — jbroker's ephemeral and
 * authenticated modes (which moreover set their own explicit suite lists, see {@link
 * TlsParameters}) or any other library's — negotiates it unless it asks for it by name. The tests
 * check both: the default enabled suites are unchanged and a jbroker ephemeral server refuses a
 * client that offers only the anonymous suite.
 *
 * <p>Because the property is read once, the order matters. {@link TlsConfig#build()} for the
 * anonymous mode calls {@link #prepareJvm()} itself, which is enough when the anonymous contexts
 * are the first TLS use of the process (the normal case for a node configured that way). If
 * anything initialised SunJSSE earlier — another jbroker mode, an HTTPS client, a gRPC TLS server
 * — the rewrite comes too late, {@code build()} detects this with an in-memory test handshake and
 * fails with {@link ErrorCode#UNSPECIFIED} and a message that explains the remedies: call {@link
 * #prepareJvm()} first thing in {@code main}, or start the JVM with {@code
 * -Djava.security.properties=<file>} holding the rewritten {@code jdk.tls.disabledAlgorithms}, or
 * use {@code disable_ssl} or certificates on both sides instead.
 *
 * <h2>Group</h2>
 *
 * <p>JDK 17 has no per-engine named-group setting; a jbroker client offers its default groups
 * (which include {@code secp384r1}, the one a Broker server insists on), and a jbroker server picks
 * from what a Broker client offers. Only the JVM-wide system property {@code jdk.tls.namedGroups}
 * could narrow this, and jbroker does not touch it.
 */
public final class AnonymousTls {
  private static final Logger LOG = LoggerFactory.getLogger(AnonymousTls.class);

  /** The security property that SunJSSE reads once for its disabled TLS algorithms. */
  public static final String DISABLED_ALGORITHMS_PROPERTY = "jdk.tls.disabledAlgorithms";

  /** The only suite of the anonymous mode, Broker's {@code AECDH-AES256-SHA}. */
  public static final String CIPHER_SUITE = TlsParameters.ANONYMOUS_CIPHER_SUITE;

  /** The only protocol of the anonymous mode. */
  public static final String PROTOCOL = TlsParameters.ANONYMOUS_PROTOCOL;

  /** What replaces the {@code anon} entry: every anonymous suite except {@link #CIPHER_SUITE}. */
  private static final List<String> ANON_REPLACEMENT =
      List.of(
          "DH_anon",
          "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
          "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA",
          "TLS_ECDH_anon_WITH_RC4_128_SHA",
          "TLS_ECDH_anon_WITH_NULL_SHA",
          "SSL_DH_anon_WITH_3DES_EDE_CBC_SHA",
          "SSL_DH_anon_WITH_RC4_128_MD5",
          "SSL_DH_anon_WITH_DES_CBC_SHA",
          "SSL_DH_anon_EXPORT_WITH_RC4_40_MD5",
          "SSL_DH_anon_EXPORT_WITH_DES40_CBC_SHA");

  /** What replaces the {@code ECDH} entry: the static-ECDH suites with certificates. */
  private static final List<String> ECDH_REPLACEMENT = List.of("ECDH_ECDSA", "ECDH_RSA");

  /** Result of the one self-test; SunJSSE's constraint cannot change after it ran. */
  private static Boolean permitted;

  private AnonymousTls() {}

  /**
   * Rewrites {@code jdk.tls.disabledAlgorithms} so that {@link #CIPHER_SUITE} — and no other
   * suite — is no longer disabled (see the class comment), then reports whether the JDK's TLS
   * provider now permits the suite. Effective only before the provider first initialises, so call
   * it first thing in {@code main} of a process that will use {@link TlsConfig#anonymous()}
   * alongside other TLS. Idempotent and thread-safe. If it returns false the property is restored,
   * so a later reader sees the JVM's original setting.
   *
   * @return whether anonymous TLS works in this JVM
   */
  public static synchronized boolean prepareJvm() {
    if (permitted != null) {
      return permitted;
    }
    String original = Security.getProperty(DISABLED_ALGORITHMS_PROPERTY);
    String rewritten = rewrite(original);
    if (original != null && !original.equals(rewritten)) {
      Security.setProperty(DISABLED_ALGORITHMS_PROPERTY, rewritten);
      LOG.info(
          "{} rewritten to permit {} for Broker's anonymous TLS: {}",
          DISABLED_ALGORITHMS_PROPERTY,
          CIPHER_SUITE,
          rewritten);
    }
    permitted = selfTest();
    if (!permitted && original != null && !original.equals(rewritten)) {
      Security.setProperty(DISABLED_ALGORITHMS_PROPERTY, original);
    }
    return permitted;
  }

  /**
   * The value of {@code jdk.tls.disabledAlgorithms} with the {@code anon} and {@code ECDH} entries
   * narrowed as described in the class comment; other entries unchanged; null stays null.
   */
  static String rewrite(String disabledAlgorithms) {
    if (disabledAlgorithms == null) {
      return null;
    }
    List<String> entries = new ArrayList<>();
    for (String raw : disabledAlgorithms.split(",")) {
      String entry = raw.trim();
      if (entry.equalsIgnoreCase("anon")) {
        entries.addAll(ANON_REPLACEMENT);
      } else if (entry.equalsIgnoreCase("ECDH")) {
        entries.addAll(ECDH_REPLACEMENT);
      } else if (!entry.isEmpty()) {
        entries.add(entry);
      }
    }
    return String.join(", ", entries);
  }

  /**
   * A SunJSSE context for the anonymous mode: no key material, and a trust manager that rejects
   * every certificate (anonymous suites exchange none, so it is never asked).
   *
   * @throws BrokerException UNSPECIFIED if the JVM does not permit the suite
   */
  static SSLContext sslContext() {
    if (!prepareJvm()) {
      throw new BrokerException(
          ErrorCode.UNSPECIFIED,
          "anonymous TLS ("
              + CIPHER_SUITE
              + ") is disabled in this JVM: its TLS provider was initialised with \""
              + DISABLED_ALGORITHMS_PROPERTY
              + "="
              + Security.getProperty(DISABLED_ALGORITHMS_PROPERTY)
              + "\" before jbroker could narrow it. Call AnonymousTls.prepareJvm() before any other"
              + " TLS use, or start the JVM with -Djava.security.properties=<file> setting "
              + DISABLED_ALGORITHMS_PROPERTY
              + " without 'anon' and 'ECDH' (see AnonymousTls), or peer with the Broker using"
              + " disable_ssl on both sides or certificates (ssl_certificate/ssl_keyfile/ssl_cafile)"
              + " on both sides");
    }
    return newContext();
  }

  private static SSLContext newContext() {
    try {
      SSLContext context = SSLContext.getInstance(PROTOCOL, "SunJSSE");
      context.init(null, new TrustManager[] {RejectAll.INSTANCE}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new BrokerException(
          ErrorCode.UNSPECIFIED, "cannot create the anonymous TLS context: " + e.getMessage(), e);
    }
  }

  /** An in-memory handshake between two engines that offer only {@link #CIPHER_SUITE}. */
  private static boolean selfTest() {
    try {
      SSLContext context = newContext();
      SSLEngine client = configure(context.createSSLEngine(), true);
      SSLEngine server = configure(context.createSSLEngine(), false);
      ByteBuffer toServer = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
      ByteBuffer toClient = ByteBuffer.allocate(server.getSession().getPacketBufferSize());
      ByteBuffer sink = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
      ByteBuffer empty = ByteBuffer.allocate(0);
      client.beginHandshake();
      server.beginHandshake();
      for (int round = 0; round < 32; round++) {
        step(client, empty, toServer, server, sink);
        step(server, empty, toClient, client, sink);
        if (client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
            && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
          return CIPHER_SUITE.equals(client.getSession().getCipherSuite());
        }
      }
      return false;
    } catch (SSLException | RuntimeException e) {
      LOG.debug("anonymous TLS self-test failed: {}", e.toString());
      return false;
    }
  }

  private static void step(SSLEngine from, ByteBuffer empty, ByteBuffer wire, SSLEngine to, ByteBuffer sink)
      throws SSLException {
    from.wrap(empty, wire);
    runTasks(from);
    wire.flip();
    while (wire.hasRemaining()) {
      int before = wire.remaining();
      to.unwrap(wire, sink);
      runTasks(to);
      sink.clear();
      if (wire.remaining() == before) {
        break;
      }
    }
    wire.compact();
  }

  private static void runTasks(SSLEngine engine) {
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
    }
  }

  /** Applies the anonymous mode's single protocol and suite to an engine. */
  static SSLEngine configure(SSLEngine engine, boolean client) {
    engine.setUseClientMode(client);
    engine.setEnabledProtocols(new String[] {PROTOCOL});
    engine.setEnabledCipherSuites(new String[] {CIPHER_SUITE});
    return engine;
  }

  /** Anonymous suites carry no certificate; should one ever arrive, it is refused. */
  private enum RejectAll implements X509TrustManager {
    INSTANCE;

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("anonymous TLS accepts no certificates");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("anonymous TLS accepts no certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
