package io.jbroker.endpoint.process;

import io.jbroker.data.Data;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.EndpointConfig;
import io.jbroker.endpoint.Message;
import io.jbroker.endpoint.StatusEvent;
import io.jbroker.endpoint.StatusSubscriber;
import io.jbroker.endpoint.Subscriber;
import io.jbroker.endpoint.tls.TlsConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A jbroker endpoint in its own JVM, driven by command-line arguments and stdin, reporting on
 * stdout one line per event — the child side of {@link EndpointProcessTest}.
 *
 * <p>Arguments (any order, repeatable where it makes sense):
 *
 * <pre>
 *   --tls on|off            TLS (ephemeral self-signed) or plain TCP; default on
 *   --listen PORT           listen on 127.0.0.1:PORT (0 picks one)        → LISTENING &lt;port&gt;
 *   --retry SECONDS         retry interval of --peer (default 1)
 *   --peer HOST:PORT        peer with HOST:PORT (asynchronously)           → PEERED &lt;id&gt;
 *   --subscribe TOPIC       subscribe to a prefix; each message            → MSG &lt;topic&gt; &lt;value&gt;
 *   --forward PREFIX        forward (and advertise) a prefix
 *   --publish TOPIC N       once a peer advertises TOPIC, publish count 0..N-1 on it
 *                                                                           → PUBLISHED &lt;topic&gt; &lt;n&gt; &lt;peers&gt;
 * </pre>
 *
 * Always printed: {@code ID <endpoint id>} first, {@code STATUS <code> <peer id>} for every
 * status event, {@code ERROR <code> <message>} for every error event, {@code READY} once the
 * arguments are applied.
 *
 * <p>Commands on stdin, one per line: {@code publish TOPIC N}, {@code await-filter TOPIC} (→
 * {@code FILTER <topic>} once a peer advertises it), {@code unpeer HOST PORT} (→ {@code UNPEERED
 * <host> <port>}), {@code peer HOST PORT}, {@code quit}. End of stdin (the test JVM went away)
 * exits too, so a child never outlives its parent for long.
 */
public final class EndpointProcess {
  private static final PrintStream OUT = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);

  private final Endpoint endpoint;
  private final Duration retry;

  private EndpointProcess(Endpoint endpoint, Duration retry) {
    this.endpoint = endpoint;
    this.retry = retry;
  }

  public static void main(String[] args) throws Exception {
    boolean tls = true;
    Duration retry = Duration.ofSeconds(1);
    Integer listen = null;
    List<String> peers = new ArrayList<>();
    List<String> subscriptions = new ArrayList<>();
    List<String> forwards = new ArrayList<>();
    List<String[]> publishes = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--tls" -> tls = parseOnOff(args[++i]);
        case "--listen" -> listen = Integer.parseInt(args[++i]);
        case "--retry" -> retry = Duration.ofMillis((long) (Double.parseDouble(args[++i]) * 1000));
        case "--peer" -> peers.add(args[++i]);
        case "--subscribe" -> subscriptions.add(args[++i]);
        case "--forward" -> forwards.add(args[++i]);
        case "--publish" -> publishes.add(new String[] {args[++i], args[++i]});
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    EndpointConfig config = EndpointConfig.builder()
        .tls(tls ? TlsConfig.ephemeral() : TlsConfig.disabled())
        .connectRetry(retry)
        .build();
    Endpoint endpoint = Endpoint.create(config);
    OUT.println("ID " + endpoint.nodeId());
    EndpointProcess p = new EndpointProcess(endpoint, retry);
    p.reportStatus(endpoint.statusSubscriber(true));
    for (String t : subscriptions) {
      p.print(endpoint.subscribe(List.of(t), p::printMessage));
    }
    for (String f : forwards) {
      endpoint.forward(f);
    }
    if (listen != null) {
      OUT.println("LISTENING " + endpoint.listen("127.0.0.1", listen));
    }
    for (String hostPort : peers) {
      int colon = hostPort.lastIndexOf(':');
      p.peer(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
    for (String[] pub : publishes) {
      String topic = pub[0];
      int n = Integer.parseInt(pub[1]);
      Thread t = new Thread(() -> {
        p.awaitFilter(topic);
        p.publish(topic, n);
      }, "publish-" + topic);
      t.setDaemon(true);
      t.start();
    }
    OUT.println("READY");
    p.commands();
    endpoint.close();
    OUT.println("CLOSED");
    System.exit(0);
  }

  private static boolean parseOnOff(String s) {
    return switch (s) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException("--tls takes on or off, not " + s);
    };
  }

  private void commands() throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.trim().split("\\s+");
      switch (w[0]) {
        case "publish" -> publish(w[1], Integer.parseInt(w[2]));
        case "await-filter" -> {
          String topic = w[1];
          Thread t = new Thread(() -> {
            awaitFilter(topic);
            OUT.println("FILTER " + topic);
          });
          t.setDaemon(true);
          t.start();
        }
        case "peer" -> peer(w[1], Integer.parseInt(w[2]));
        case "unpeer" -> endpoint.unpeerAsync(w[1], Integer.parseInt(w[2])).whenComplete((v, e) ->
            OUT.println(e == null ? "UNPEERED " + w[1] + " " + w[2] : "UNPEER-FAILED " + e));
        case "quit" -> {
          return;
        }
        case "" -> { }
        default -> OUT.println("UNKNOWN-COMMAND " + line);
      }
    }
  }

  private void peer(String host, int port) {
    endpoint.peerAsync(host, port, retry).whenComplete((info, e) ->
        OUT.println(e == null ? "PEERED " + info.id() : "PEER-FAILED " + host + ":" + port + " " + e));
  }

  private void awaitFilter(String topic) {
    try {
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
          .until(() -> endpoint.peerFilters().values().stream().anyMatch(f -> f.matches(topic)));
    } catch (ConditionTimeoutException e) {
      OUT.println("FILTER-TIMEOUT " + topic);
    }
  }

  private void publish(String topic, int n) {
    int peers = 0;
    for (int i = 0; i < n; i++) {
      peers = Math.max(peers, endpoint.publish(topic, Data.count(i)));
    }
    OUT.println("PUBLISHED " + topic + " " + n + " " + peers);
  }

  private void printMessage(Message m) {
    OUT.println("MSG " + m.topic() + " " + m.data());
  }

  private void print(Subscriber s) {
    OUT.println("SUBSCRIBED " + String.join(",", s.topics()));
  }

  private void reportStatus(StatusSubscriber s) {
    Thread t = new Thread(() -> {
      while (true) {
        StatusEvent e = s.poll(Duration.ofSeconds(1));
        if (e instanceof StatusEvent.Status st) {
          OUT.println("STATUS " + st.code().brokerName() + " " + (st.context() == null ? "?" : st.context().id()));
        } else if (e instanceof StatusEvent.Error err) {
          OUT.println("ERROR " + err.code().brokerName() + " " + err.message());
        }
      }
    }, "status-printer");
    t.setDaemon(true);
    t.start();
  }
}
