package io.jbroker.endpoint.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Endpoints in separate JVMs ({@link EndpointProcess}), talking over real loopback sockets:
 * pub/sub between two processes with and without TLS, forwarding along a chain of three, a
 * listener killed with SIGKILL and restarted on the same port, unpeering. Every wait is on a
 * line the child prints, with a timeout.
 */
class EndpointProcessTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  private final List<ChildEndpoint> children = new ArrayList<>();

  @AfterEach
  void destroyChildren() {
    children.forEach(ChildEndpoint::close);
  }

  private ChildEndpoint start(String name, String... args) throws IOException {
    ChildEndpoint c = ChildEndpoint.start(name, dir, args);
    children.add(c);
    return c;
  }

  private static String id(ChildEndpoint c) {
    return c.await("ID ", TIMEOUT).substring(3);
  }

  private static int port(ChildEndpoint c) {
    return Integer.parseInt(c.await("LISTENING ", TIMEOUT).substring("LISTENING ".length()));
  }

  private static List<String> counts(String topic, int n) {
    return IntStream.range(0, n).mapToObj(i -> "MSG " + topic + " " + i).collect(Collectors.toList());
  }

  private static List<String> messages(ChildEndpoint c) {
    return c.lines().stream().filter(l -> l.startsWith("MSG ")).collect(Collectors.toList());
  }

  private static List<String> statusesFrom(ChildEndpoint c, int mark) {
    List<String> all = c.lines();
    return all.subList(mark, all.size()).stream().filter(l -> l.startsWith("STATUS ")).collect(Collectors.toList());
  }

  @ParameterizedTest(name = "tls {0}")
  @ValueSource(strings = {"on", "off"})
  void twoProcessesExchangeMessagesByTopicPrefix(String tls) throws Exception {
    ChildEndpoint b = start("b", "--tls", tls, "--listen", "0", "--subscribe", "/test");
    int port = port(b);
    String bId = id(b);
    ChildEndpoint a = start("a", "--tls", tls, "--peer", "127.0.0.1:" + port, "--publish", "/test/x", "1000");
    String aId = id(a);

    a.await("PUBLISHED /test/x 1000 1", TIMEOUT);
    b.awaitCount(l -> l.startsWith("MSG "), 1000, TIMEOUT, "messages");
    // /other does not match B's filter and is not even sent; /testing matches the prefix /test.
    a.command("publish /other 5");
    a.await("PUBLISHED /other 5 0", TIMEOUT);
    a.command("publish /testing 3");
    b.awaitCount(l -> l.startsWith("MSG "), 1003, TIMEOUT, "messages");

    List<String> expected = new ArrayList<>(counts("/test/x", 1000));
    expected.addAll(counts("/testing", 3));
    assertThat(messages(b)).containsExactlyElementsOf(expected);
    assertThat(messages(a)).isEmpty();
    a.await("PEERED " + bId, TIMEOUT);
    assertThat(statusesFrom(a, 0)).startsWith("STATUS endpoint_discovered " + bId, "STATUS peer_added " + bId);
    b.await("STATUS peer_added " + aId, TIMEOUT);
    assertThat(statusesFrom(b, 0)).startsWith("STATUS endpoint_discovered " + aId, "STATUS peer_added " + aId);
  }

  @Test
  void aChainOfThreeProcessesForwardsThroughTheMiddle() throws Exception {
    // A → B → C: B only forwards /chain (no local subscriber); C subscribes; A subscribes too,
    // so B must not send A's own messages back to it.
    ChildEndpoint b = start("b", "--listen", "0", "--forward", "/chain");
    int port = port(b);
    ChildEndpoint c = start("c", "--peer", "127.0.0.1:" + port, "--subscribe", "/chain");
    String cId = id(c);
    b.await("STATUS peer_added " + cId, TIMEOUT);
    ChildEndpoint a = start("a", "--peer", "127.0.0.1:" + port, "--subscribe", "/chain", "--publish", "/chain/x", "500");

    a.await("PUBLISHED /chain/x 500 1", TIMEOUT);
    c.awaitCount(l -> l.startsWith("MSG "), 500, TIMEOUT, "forwarded messages");
    // The way back: C → B → A. An echo of A's messages would have been queued on B→A first.
    c.command("publish /chain/back 3");
    c.await("PUBLISHED /chain/back 3 1", TIMEOUT);
    a.awaitCount(l -> l.startsWith("MSG "), 3, TIMEOUT, "messages from C");

    assertThat(messages(c)).containsExactlyElementsOf(counts("/chain/x", 500));
    assertThat(messages(a)).containsExactlyElementsOf(counts("/chain/back", 3));
    assertThat(messages(b)).isEmpty();
  }

  @Test
  void aPeeringIsReestablishedAfterTheListenerIsKilledAndRestartedOnTheSamePort() throws Exception {
    ChildEndpoint b1 = start("b1", "--listen", "0", "--subscribe", "/test");
    int port = port(b1);
    String b1Id = id(b1);
    ChildEndpoint a = start("a", "--peer", "127.0.0.1:" + port, "--retry", "0.5");
    a.await("STATUS peer_added " + b1Id, TIMEOUT);
    a.command("publish /test/before 10");
    b1.awaitCount(l -> l.startsWith("MSG "), 10, TIMEOUT, "messages before the kill");

    int mark = a.mark();
    b1.kill();
    a.await(mark, "STATUS endpoint_unreachable " + b1Id, TIMEOUT);
    a.await(mark, "ERROR peer_unavailable", TIMEOUT); // re-dialling fails while nobody listens

    ChildEndpoint b2 = start("b2", "--listen", String.valueOf(port), "--subscribe", "/test");
    assertThat(port(b2)).isEqualTo(port);
    String b2Id = id(b2);
    a.await(mark, "STATUS peer_added " + b2Id, TIMEOUT);
    a.command("publish /test/after 10");
    b2.awaitCount(l -> l.startsWith("MSG "), 10, TIMEOUT, "messages after the restart");

    assertThat(messages(b1)).containsExactlyElementsOf(counts("/test/before", 10));
    assertThat(messages(b2)).containsExactlyElementsOf(counts("/test/after", 10));
    assertThat(statusesFrom(a, mark)).containsExactly(
        "STATUS peer_lost " + b1Id,
        "STATUS endpoint_unreachable " + b1Id,
        "STATUS endpoint_discovered " + b2Id,
        "STATUS peer_added " + b2Id);
    b2.await("STATUS peer_added " + id(a), TIMEOUT);
  }

  @Test
  void unpeeringEndsThePeeringOnBothSidesWithoutRedialling() throws Exception {
    ChildEndpoint b = start("b", "--listen", "0", "--subscribe", "/test");
    int port = port(b);
    String bId = id(b);
    ChildEndpoint a = start("a", "--peer", "127.0.0.1:" + port, "--retry", "0.5");
    String aId = id(a);
    a.await("STATUS peer_added " + bId, TIMEOUT);
    b.await("STATUS peer_added " + aId, TIMEOUT);
    int markA = a.mark();
    int markB = b.mark();

    a.command("unpeer 127.0.0.1 " + port);
    a.await(markA, "UNPEERED 127.0.0.1 " + port, TIMEOUT);
    a.await(markA, "STATUS endpoint_unreachable " + bId, TIMEOUT);
    b.await(markB, "STATUS endpoint_unreachable " + aId, TIMEOUT);
    a.command("publish /test/after 5");
    a.await(markA, "PUBLISHED /test/after 5 0", TIMEOUT);
    // A second unpeer finds nothing: the peering was removed, not re-dialled.
    a.command("unpeer 127.0.0.1 " + port);
    a.await(markA, "UNPEER-FAILED", TIMEOUT);
    // the error status event comes through the status subscriber's own thread: it may be printed
    // after the command's answer
    a.await(markA, "ERROR peer_invalid cannot unpeer from unknown peer", TIMEOUT);

    assertThat(statusesFrom(a, markA)).containsExactly("STATUS peer_removed " + bId, "STATUS endpoint_unreachable " + bId);
    assertThat(statusesFrom(b, markB)).containsExactly("STATUS peer_lost " + aId, "STATUS endpoint_unreachable " + aId);
    assertThat(messages(b)).isEmpty();
  }
}
