package io.jbroker.endpoint.tls;

import io.jbroker.endpoint.tls.EchoNetwork.Side;
import io.jbroker.error.BrokerException;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.Security;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Runs in a fresh JVM started by {@link AnonymousTlsTest}, because whether anonymous TLS can be
 * enabled depends on what the JVM did before (see {@link AnonymousTls}). Writes its observations
 * as a properties file, the last argument.
 *
 * <ul>
 *   <li>{@code pair}: anonymous server and client over a socket, then checks that the other modes
 *       and the JDK defaults stayed free of anonymous suites;
 *   <li>{@code late}: initialises the JDK's TLS through the ephemeral mode first, then tries the
 *       anonymous mode;
 *   <li>{@code connect <port>}: anonymous client to a server on 127.0.0.1 (openssl s_server);
 *   <li>{@code serve <portFile>}: anonymous server for one connection (openssl s_client).
 * </ul>
 */
public final class AnonymousTlsProbe {
  private static final byte[] PAYLOAD = "anonymous hello".getBytes(StandardCharsets.US_ASCII);

  private AnonymousTlsProbe() {}

  public static void main(String[] args) throws Exception {
    Properties out = new Properties();
    Path result = Path.of(args[args.length - 1]);
    try {
      switch (args[0]) {
        case "pair" -> pair(out);
        case "late" -> late(out);
        case "connect" -> connect(Integer.parseInt(args[1]), out);
        case "serve" -> serve(Path.of(args[1]), out);
        default -> throw new IllegalArgumentException(args[0]);
      }
    } catch (Throwable t) {
      out.setProperty("error", t.toString());
    }
    Path partial = result.resolveSibling(result.getFileName() + ".partial");
    try (Writer writer = Files.newBufferedWriter(partial)) {
      out.store(writer, null);
    }
    Files.move(partial, result, StandardCopyOption.ATOMIC_MOVE);
    System.exit(0);
  }

  private static void pair(Properties out) throws Exception {
    String before = Security.getProperty(AnonymousTls.DISABLED_ALGORITHMS_PROPERTY);
    TlsContexts anonymous = TlsConfig.anonymous().build();
    out.setProperty("disabledAlgorithms.before", before);
    out.setProperty("disabledAlgorithms.after", Security.getProperty(AnonymousTls.DISABLED_ALGORITHMS_PROPERTY));
    try (EchoNetwork network = new EchoNetwork()) {
      EchoNetwork.Server server = network.listen(anonymous);
      Side client = network.connect(anonymous, server.port, PAYLOAD);
      out.setProperty("echo", Arrays.equals(client.awaitEcho(), PAYLOAD) ? "ok" : "wrong");
      out.setProperty("client.protocol", client.session().getProtocol());
      out.setProperty("client.cipher", client.session().getCipherSuite());
      out.setProperty("server.cipher", server.next().session().getCipherSuite());

      // The other modes: their engines offer no anonymous suite, and refuse a client that offers one.
      TlsContexts ephemeral = TlsConfig.ephemeral().build();
      out.setProperty("ephemeral.server.suites", suites(ephemeral.newServerHandler(ByteBufAllocator.DEFAULT)));
      out.setProperty(
          "ephemeral.client.suites", suites(ephemeral.newClientHandler(ByteBufAllocator.DEFAULT, "127.0.0.1", 1)));
      SSLContext jdk = SSLContext.getInstance("TLS");
      jdk.init(null, null, null);
      SSLEngine defaults = jdk.createSSLEngine();
      out.setProperty("jdk.default.suites", String.join(",", defaults.getEnabledCipherSuites()));
      out.setProperty(
          "jdk.supported.anon",
          Arrays.stream(defaults.getSupportedCipherSuites())
              .filter(s -> s.contains("anon") || s.startsWith("TLS_ECDH_") || s.contains("NULL"))
              .collect(Collectors.joining(",")));

      EchoNetwork.Server ephemeralServer = network.listen(ephemeral);
      Side anonymousClient = network.connect(anonymous, ephemeralServer.port, PAYLOAD);
      out.setProperty("anonClientVsEphemeralServer.server", describeHandshake(ephemeralServer.next()));
      out.setProperty("anonClientVsEphemeralServer.client", describeHandshake(anonymousClient));

      EchoNetwork.Server anonymousServer = network.listen(anonymous);
      Side ephemeralClient = network.connect(ephemeral, anonymousServer.port, PAYLOAD);
      out.setProperty("ephemeralClientVsAnonServer.server", describeHandshake(anonymousServer.next()));
      out.setProperty("ephemeralClientVsAnonServer.client", describeHandshake(ephemeralClient));
    }
  }

  private static void late(Properties out) {
    TlsConfig.ephemeral().build();
    try {
      TlsConfig.anonymous().build();
      out.setProperty("built", "yes");
    } catch (BrokerException e) {
      out.setProperty("code", e.code().name());
      out.setProperty("message", e.getMessage());
    }
    out.setProperty("disabledAlgorithms.after", Security.getProperty(AnonymousTls.DISABLED_ALGORITHMS_PROPERTY));
  }

  private static void connect(int port, Properties out) throws Exception {
    TlsContexts anonymous = TlsConfig.anonymous().build();
    try (EchoNetwork network = new EchoNetwork()) {
      Side client = network.connect(anonymous, port, PAYLOAD);
      out.setProperty("client.protocol", client.session().getProtocol());
      out.setProperty("client.cipher", client.session().getCipherSuite());
      client.ssl.closeOutbound();
    }
  }

  private static void serve(Path portFile, Properties out) throws Exception {
    TlsContexts anonymous = TlsConfig.anonymous().build();
    try (EchoNetwork network = new EchoNetwork()) {
      EchoNetwork.Server server = network.listen(anonymous);
      Path partial = portFile.resolveSibling(portFile.getFileName() + ".partial");
      Files.writeString(partial, Integer.toString(server.port));
      Files.move(partial, portFile, StandardCopyOption.ATOMIC_MOVE);
      Side accepted = server.next();
      out.setProperty("server.protocol", accepted.session().getProtocol());
      out.setProperty("server.cipher", accepted.session().getCipherSuite());
    }
  }

  private static String suites(SslHandler handler) {
    return String.join(",", handler.engine().getEnabledCipherSuites());
  }

  private static String describeHandshake(Side side) throws InterruptedException, IOException {
    try {
      return "succeeded: " + side.handshake.get(EchoNetwork.TIMEOUT_SECONDS, TimeUnit.SECONDS).getCipherSuite();
    } catch (ExecutionException e) {
      return TlsContexts.describeFailure(e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("no handshake outcome", e);
    }
  }
}
