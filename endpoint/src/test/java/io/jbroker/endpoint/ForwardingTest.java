package io.jbroker.endpoint;

import static io.jbroker.endpoint.Nodes.WAIT;
import static io.jbroker.endpoint.Nodes.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.jbroker.data.Data;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Multi-hop delivery through a middle endpoint, forwarding switched off, and cycles. */
class ForwardingTest {
  private final Nodes nodes = new Nodes();

  @AfterEach
  void closeNodes() {
    nodes.close();
  }

  @Test
  void chainDeliversThroughASubscribedMiddleHop() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    Endpoint c = nodes.create();
    Subscriber atB = b.subscribe("/t");
    Subscriber atC = c.subscribe("/t");
    Nodes.peer(a, b);
    Nodes.peer(c, b);
    Nodes.awaitInterest(a, b, "/t");
    Nodes.awaitInterest(b, c, "/t");

    assertThat(a.publish("/t/x", Data.of("hello"))).isEqualTo(1);

    assertThat(atB.poll(WAIT)).isEqualTo(new Message("/t/x", Data.of("hello")));
    assertThat(atC.poll(WAIT)).isEqualTo(new Message("/t/x", Data.of("hello")));
  }

  @Test
  void chainDeliversThroughAMiddleHopThatOnlyForwards() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    Endpoint c = nodes.create();
    b.forward("/t");
    Subscriber atC = c.subscribe("/t");
    Nodes.peer(a, b);
    Nodes.peer(c, b);
    Nodes.awaitInterest(a, b, "/t");
    Nodes.awaitInterest(b, c, "/t");

    a.publish("/t/x", Data.of("hello"));

    assertThat(atC.poll(WAIT)).isEqualTo(new Message("/t/x", Data.of("hello")));
  }

  @Test
  void withoutForwardingTheMiddleHopKeepsMessagesUnlessItForwardsThePrefix() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create(x -> x.forwarding(false));
    Endpoint c = nodes.create();
    Subscriber atB = b.subscribe("/t", "/sync");
    Subscriber atC = c.subscribe("/t", "/sync");
    Nodes.peer(a, b);
    Nodes.peer(c, b);
    Nodes.awaitInterest(a, b, "/t");
    Nodes.awaitInterest(b, c, "/t");

    a.publish("/t/1", Data.of("not forwarded"));
    a.publish("/sync", Data.of("a"));
    assertThat(atB.poll(WAIT)).isEqualTo(new Message("/t/1", Data.of("not forwarded")));
    assertThat(atB.poll(WAIT)).isEqualTo(new Message("/sync", Data.of("a")));
    // b has handled /t/1 completely; anything it forwarded would be ahead of this in c's link.
    b.publish("/sync", Data.of("b"));
    assertThat(atC.poll(WAIT)).isEqualTo(new Message("/sync", Data.of("b")));

    b.forward("/t");
    b.peers(); // a barrier: the core has applied forward()
    a.publish("/t/2", Data.of("forwarded"));

    assertThat(atC.poll(WAIT)).isEqualTo(new Message("/t/2", Data.of("forwarded")));
    assertThat(atB.poll(WAIT)).isEqualTo(new Message("/t/2", Data.of("forwarded")));
    assertThat(b.core().droppedByTtl()).isZero();
  }

  @Test
  void aTriangleWithForwardingDoesNotLoopForever() {
    Endpoint a = nodes.create();
    Endpoint b = nodes.create();
    Endpoint c = nodes.create();
    Subscriber atA = a.subscribe("/loop");
    Subscriber atB = b.subscribe("/loop");
    Subscriber atC = c.subscribe("/loop");
    Nodes.peer(a, b);
    Nodes.peer(b, c);
    Nodes.peer(c, a);
    for (Endpoint[] pair : List.of(new Endpoint[] {a, b}, new Endpoint[] {b, c}, new Endpoint[] {c, a})) {
      Nodes.awaitInterest(pair[0], pair[1], "/loop");
      Nodes.awaitInterest(pair[1], pair[0], "/loop");
    }

    assertThat(a.publish("/loop", Data.of("once"))).isEqualTo(2);

    // The copy sent each way round the ring is received with TTL 16, 15, …, 1 and dropped
    // at 1: 16 receptions per direction, 32 in all, and one TTL drop per direction.
    eventually().until(() -> a.core().droppedByTtl() + b.core().droppedByTtl() + c.core().droppedByTtl() == 2);
    eventually().until(() -> atA.received() + atB.received() + atC.received() == 32);
    eventually().during(Duration.ofMillis(500)).until(() ->
        atA.received() + atB.received() + atC.received() == 32
            && a.core().droppedByTtl() + b.core().droppedByTtl() + c.core().droppedByTtl() == 2);
    assertThat(List.of(atA.received(), atB.received(), atC.received())).containsExactly(10L, 11L, 11L);
    assertThat(a.core().droppedByTtl()).isZero();
    assertThat(b.core().droppedByTtl()).isEqualTo(1);
    assertThat(c.core().droppedByTtl()).isEqualTo(1);
    assertThat(atA.poll(WAIT)).isEqualTo(new Message("/loop", Data.of("once")));
  }
}
