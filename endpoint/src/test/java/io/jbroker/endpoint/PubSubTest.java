package io.jbroker.endpoint;

import static io.jbroker.endpoint.Nodes.WAIT;
import static io.jbroker.endpoint.Nodes.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import io.jbroker.data.PortData;
import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.endpoint.wire.EnvelopeType;
import io.jbroker.endpoint.wire.Filter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Two endpoints peered over real sockets on 127.0.0.1: publish, subscribe, prefixes, unsubscribe. */
class PubSubTest {
  private final Nodes nodes = new Nodes();

  @AfterEach
  void closeNodes() {
    nodes.close();
  }

  enum Transport {
    PLAIN(TlsConfig.disabled()),
    TLS_EPHEMERAL(TlsConfig.ephemeral());

    final TlsConfig tls;

    Transport(TlsConfig tls) {
      this.tls = tls;
    }
  }

  static List<Data> everyKind() {
    return List.of(
        Data.none(),
        Data.of(true),
        Data.count(-1L), // 2^64 - 1
        Data.integer(-1234567890L),
        Data.real(12.48),
        Data.of("hello world"),
        Data.address("192.168.9.8"),
        Data.address("2001:db8::1"),
        Data.subnet("10.0.0.0/8"),
        Data.port(8080, PortData.Protocol.TCP),
        Data.timestamp(Instant.parse("2014-07-09T10:16:44Z")),
        Data.timespan(Duration.ofMillis(1500)),
        Data.enumValue("Conn::LOG"),
        Data.set(Data.integer(3), Data.count(1), Data.of("a")),
        Data.table(Data.count(1), Data.of("one"), Data.count(2), Data.vector(Data.of("two"))),
        Data.vector(Data.of(42L), Data.of("test"), Data.vector()));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void peersExchangeEveryKindOfDataInPublicationOrder(Transport transport) {
    Endpoint a = nodes.create(b -> b.tls(transport.tls));
    Endpoint b = nodes.create(c -> c.tls(transport.tls));
    Subscriber sub = b.subscribe("/test");
    Nodes.peer(a, b);
    Nodes.awaitInterest(a, b, "/test/x");

    for (Data d : everyKind()) {
      assertThat(a.publish("/test/x", d)).isEqualTo(1);
    }

    List<Message> got = new ArrayList<>();
    for (int i = 0; i < everyKind().size(); i++) {
      Message m = sub.poll(WAIT);
      assertThat(m).as("message %d", i).isNotNull();
      got.add(m);
    }
    assertThat(got).extracting(Message::data).containsExactlyElementsOf(everyKind());
    assertThat(got).extracting(Message::topic).containsOnly("/test/x");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void batchPublishDeliversEveryValueInOrderInBothDirections(Transport transport) {
    Endpoint a = nodes.create(b -> b.tls(transport.tls));
    Endpoint b = nodes.create(c -> c.tls(transport.tls));
    Subscriber atA = a.subscribe("/batch");
    Subscriber atB = b.subscribe("/batch");
    Nodes.peer(a, b);
    Nodes.awaitInterest(a, b, "/batch");
    Nodes.awaitInterest(b, a, "/batch");

    List<Data> values = IntStream.range(0, 5000).mapToObj(i -> (Data) Data.vector(Data.count(i), Data.of("event"))).toList();
    Publisher toB = a.publisher("/batch/a");
    Publisher toA = b.publisher("/batch/b");
    for (int i = 0; i < values.size(); i += 1000) {
      assertThat(toB.publish(values.subList(i, i + 1000))).isEqualTo(1);
      assertThat(toA.publish(values.subList(i, i + 1000))).isEqualTo(1);
    }

    assertThat(drain(atB, values.size())).extracting(Message::data).containsExactlyElementsOf(values);
    assertThat(drain(atA, values.size())).extracting(Message::data).containsExactlyElementsOf(values);
    // broker_processed_messages_total{type="data"}: 5,000 published by each plus 5,000 received
    assertThat(a.core().processedMessages(EnvelopeType.DATA)).isEqualTo(2L * values.size());
    assertThat(b.core().processedMessages(EnvelopeType.DATA)).isEqualTo(2L * values.size());
    assertThat(a.core().processedMessages(EnvelopeType.COMMAND)).isZero();
  }

  /**
   * Subscriber readers are woken once per socket read, not per message: a lone message must
   * still wake a reader blocked in a long poll at once (not when its timeout ends).
   */
  @Test
  void aLoneMessageWakesAReaderBlockedInALongPoll() throws Exception {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    Subscriber s = b.subscribe("/wake");
    Nodes.peer(a, b);
    Nodes.awaitInterest(a, b, "/wake");
    for (int round = 0; round < 3; round++) {
      java.util.concurrent.CompletableFuture<Message> got =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> s.poll(Duration.ofMinutes(5)));
      eventually().until(s::hasWaitingReader);
      a.publish("/wake", Data.count(round));
      assertThat(got.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
          .isEqualTo(new Message("/wake", Data.count(round)));
    }
  }

  @Test
  void subscriptionMatchesByBytePrefix() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    Subscriber foo = b.subscribe("/foo");
    Subscriber f = b.subscribe("/f"); // makes a send every /f… topic, so b itself must filter for foo
    Nodes.peer(a, b);
    Nodes.awaitInterest(a, b, "/foo");
    assertThat(a.peerFilters().get(b.nodeId())).isEqualTo(Filter.of(List.of("/f")));

    for (String topic : List.of("/f", "/fo", "/foo", "/foo/bar", "/foobar", "/fob", "/other", "/foo/end")) {
      a.publish(topic, Data.of(topic));
    }

    assertThat(drain(foo, 4)).extracting(Message::topic).containsExactly("/foo", "/foo/bar", "/foobar", "/foo/end");
    assertThat(drain(f, 7)).extracting(Message::topic)
        .containsExactly("/f", "/fo", "/foo", "/foo/bar", "/foobar", "/fob", "/foo/end");
    assertThat(foo.available()).isZero();
    assertThat(f.available()).isZero();
  }

  @Test
  void localTopicsAreNeitherAdvertisedNorPublished() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    Subscriber everything = b.subscribe("");
    Subscriber local = b.subscribe("<$>/local/");
    Nodes.peer(a, b);
    Nodes.awaitInterest(a, b, "/anything");

    assertThat(b.filter()).isEqualTo(Filter.of(List.of("")));
    assertThat(a.peerFilters().get(b.nodeId())).isEqualTo(Filter.of(List.of("")));
    assertThat(a.publish("<$>/local/data/statuses", Data.of("fake status"))).isZero();
    assertThat(a.publisher("<$>/local/x").publish(List.of(Data.of(1L), Data.of(2L)))).isZero();
    assertThat(a.publish("/end", Data.of("end"))).isEqualTo(1);

    assertThat(everything.poll(WAIT)).isEqualTo(new Message("/end", Data.of("end")));
    assertThat(local.available()).isZero();
    assertThat(everything.available()).isZero();
  }

  @Test
  void closingTheOnlySubscriberOfATopicWithdrawsItFromThePeer() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    Subscriber s1 = b.subscribe("/a");
    Subscriber s2 = b.subscribe("/a");
    Subscriber s3 = b.subscribe("/b");
    Nodes.peer(a, b);
    eventually().until(() -> Filter.of(List.of("/a", "/b")).equals(a.peerFilters().get(b.nodeId())));

    s1.close(); // s2 still wants /a: nothing changes
    assertThat(b.peers()).hasSize(1); // a barrier: the core has handled the close
    assertThat(b.filter()).isEqualTo(Filter.of(List.of("/a", "/b")));

    s2.close();
    eventually().until(() -> Filter.of(List.of("/b")).equals(a.peerFilters().get(b.nodeId())));
    assertThat(a.publish("/a/x", Data.of(1L))).isZero();
    assertThat(a.publish("/b/x", Data.of(2L))).isEqualTo(1);
    assertThat(s3.poll(WAIT)).isEqualTo(new Message("/b/x", Data.of(2L)));

    s3.removeTopic("/b");
    eventually().until(() -> Filter.EMPTY.equals(a.peerFilters().get(b.nodeId())));
    assertThat(a.publish("/b/x", Data.of(3L))).isZero();

    s3.addTopic("/c");
    eventually().until(() -> Filter.of(List.of("/c")).equals(a.peerFilters().get(b.nodeId())));
    assertThat(a.publish("/c", Data.of(4L))).isEqualTo(1);
    assertThat(s3.poll(WAIT)).isEqualTo(new Message("/c", Data.of(4L)));
    assertThat(s2.poll()).isNull();
  }

  @Test
  void callbackSubscriberReceivesOnItsThreadAndStopsWithTheEndpoint() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    LinkedBlockingQueue<List<Object>> seen = new LinkedBlockingQueue<>();
    Subscriber cb = b.subscribe(List.of("/cb"), m -> seen.add(List.of(Thread.currentThread().getName(), m)));
    Nodes.peer(a, b);
    Nodes.awaitInterest(a, b, "/cb");

    a.publish("/cb", Data.of("one"));

    Nodes.eventually().until(() -> !seen.isEmpty());
    assertThat(seen.poll()).containsExactly("jbroker-subscriber-/cb", new Message("/cb", Data.of("one")));
    b.close();
    assertThat(cb.isClosed()).isTrue();
    Nodes.eventually().until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().equals("jbroker-subscriber-/cb")));
  }

  static List<Message> drain(Subscriber s, int n) {
    List<Message> out = new ArrayList<>(n);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (out.size() < n && System.nanoTime() < deadline) {
      out.addAll(s.poll(n - out.size(), Duration.ofMillis(100)));
    }
    assertThat(out).as("messages received").hasSize(n);
    return out;
  }
}
