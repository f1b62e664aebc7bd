package io.jbroker.bench;

import io.jbroker.data.Data;
import io.jbroker.data.VectorData;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.Message;
import io.jbroker.endpoint.OverflowPolicy;
import io.jbroker.endpoint.Publisher;
import io.jbroker.endpoint.Subscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Pub/sub throughput and latency between two JVMs over one loopback peering, TLS on by default
 * (issue #4's macro benchmark). This JVM listens on 127.0.0.1 (port 0) and publishes; it starts a
 * subscriber JVM (same class path) that peers with it, subscribes and counts what it receives.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.jbroker.bench.EndpointBench MODE [options]
 *   MODE        single | batch | latency                            (default single)
 *   --payload   small = (42, "test") | conn = 21-field conn.log record (default small)
 *   --seconds   measurement window (default 10)    --warmup  seconds before it (default 3)
 *   --batch     events per Publisher.publish(List) call in batch mode (default 1000)
 *   --rate      events/s published in latency mode (default 10000; 0 = as fast as possible)
 *   --tls       on | off (default on: ephemeral self-signed certificates, as the endpoint's default)
 *   --queue     subscriber queue size (default 262144, overflow policy drop_newest, drops reported)
 *   --decode    on | off (default off): the subscriber's reader also calls {@code Message.data()} on
 *               every message (received values are decoded on the reader's first call)
 *   --child-jvm-opts "..."  flags of the subscriber JVM (default: this JVM's flags)
 * </pre>
 *
 * <ul>
 *   <li>{@code single}: one {@link Publisher#publish(Data)} call per event, as fast as the
 *       endpoint's back-pressure allows;
 *   <li>{@code batch}: {@link Publisher#publish(List)} with {@code --batch} events per call;
 *   <li>{@code latency}: events paced at {@code --rate}; the first field carries the publisher's
 *       {@code System.nanoTime()} at the publish call (CLOCK_MONOTONIC, shared by both JVMs on
 *       Linux) and the subscriber computes <b>one-way</b> latency publish call → message polled
 *       from its subscriber queue.
 * </ul>
 *
 * The rate is what the subscriber received during the window (counted by the subscriber between
 * the parent's START and STOP, after the warm-up). Prints one {@code RESULT} line.
 */
public final class EndpointBench {
  private static final String TOPIC = "/bench/events";

  private EndpointBench() {}

  public static void main(String[] args) throws Exception {
    MacroSupport.quietLogging();
    MacroArgs a = new MacroArgs(args);
    if (a.positional(0, "").equals("child")) {
      child(a);
      return;
    }
    String mode = a.string("mode", a.positional(0, "single"));
    if (!List.of("single", "batch", "latency").contains(mode)) {
      throw new IllegalArgumentException("mode must be single, batch or latency, got " + mode);
    }
    String payload = a.string("payload", "small");
    if (!payload.equals("small") && !payload.equals("conn")) {
      throw new IllegalArgumentException("--payload must be small or conn, got " + payload);
    }
    boolean tls = a.flag("tls", true);
    double seconds = a.real("seconds", 10);
    double warmup = a.real("warmup", 3);
    int batch = a.integer("batch", 1000);
    long rate = a.longValue("rate", mode.equals("latency") ? 10_000 : 0);
    int queue = a.integer("queue", 1 << 18);
    boolean decode = a.flag("decode", false);

    Endpoint ep = MacroSupport.endpoint(tls);
    ChildJvm child = null;
    Thread publisherThread = null;
    AtomicBoolean stop = new AtomicBoolean();
    try {
      int port = ep.listen("127.0.0.1", 0);
      child = new ChildJvm("subscriber", EndpointBench.class, a.string("child-jvm-opts", null),
          List.of("peer=127.0.0.1:" + port, "tls=" + tls, "mode=" + mode, "payload=" + payload, "queue=" + queue,
              "decode=" + decode, "expected-samples=" + (mode.equals("latency") ? (long) (rate * seconds) : 0)));
      AtomicLong sent = new AtomicLong();
      AtomicLong unrouted = new AtomicLong();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      child.expect("READY", Duration.ofSeconds(60));
      if (!MacroSupport.await(() -> ep.peerFilters().values().stream().anyMatch(f -> f.matches(TOPIC)),
          Duration.ofSeconds(30))) {
        throw new IllegalStateException("the subscriber's subscription to " + TOPIC + " never arrived");
      }
      Publisher pub = ep.publisher(TOPIC);
      VectorData event = payload.equals("conn") ? Payloads.connLogEvent() : Payloads.smallEvent();
      Runnable loop = switch (mode) {
        case "batch" -> () -> {
          List<Data> events = new ArrayList<>(batch);
          for (int i = 0; i < batch; i++) {
            events.add(event);
          }
          while (!stop.get()) {
            if (pub.publish(events) == 0) {
              unrouted.addAndGet(batch);
            }
            sent.addAndGet(batch);
          }
        };
        case "latency" -> () -> {
          long start = System.nanoTime();
          long n = 0;
          while (!stop.get()) {
            long due = rate <= 0 ? n + 100 : (long) ((System.nanoTime() - start) * (rate / 1e9));
            while (n < due) {
              if (pub.publish(MacroSupport.stamped(event, System.nanoTime())) == 0) {
                unrouted.incrementAndGet();
              }
              n++;
              sent.lazySet(n);
            }
            if (rate > 0) {
              LockSupport.parkNanos(50_000);
            }
          }
        };
        default -> () -> {
          while (!stop.get()) {
            for (int i = 0; i < 1000; i++) {
              if (pub.publish(event) == 0) {
                unrouted.incrementAndGet();
              }
            }
            sent.addAndGet(1000);
          }
        };
      };
      publisherThread = new Thread(() -> {
        try {
          loop.run();
        } catch (Throwable t) {
          failure.set(t);
        }
      }, "bench-publisher");
      publisherThread.setDaemon(true);
      publisherThread.start();

      Thread.sleep((long) (warmup * 1000));
      child.send("START");
      long sent0 = sent.get();
      long t0 = System.nanoTime();
      Thread.sleep((long) (seconds * 1000));
      child.send("STOP");
      long sent1 = sent.get();
      long t1 = System.nanoTime();
      String result = child.expect("RESULT", Duration.ofSeconds(60));
      // RESULT received=N nanos=T dropped=D [p50=...]
      String[] w = result.split(" ", 5);
      long received = Long.parseLong(w[1].substring("received=".length()));
      long nanos = Long.parseLong(w[2].substring("nanos=".length()));
      String dropped = w[3];
      String latency = w.length > 4 ? " latency(one-way publish->subscriber poll) " + w[4] : "";
      System.out.println(String.format(Locale.ROOT,
          "RESULT EndpointBench mode=%s payload=%s tls=%s%s%s%s window=%s received=%d rate=%s published=%d pub-rate=%s %s unrouted=%d%s%s",
          mode, payload, tls ? "on" : "off", mode.equals("batch") ? " batch=" + batch : "",
          mode.equals("latency") ? " target-rate=" + rate + "/s" : "", decode ? " decode=on" : "", MacroSupport.secs(nanos), received,
          MacroSupport.rate(received, nanos), sent1 - sent0, MacroSupport.rate(sent1 - sent0, t1 - t0), dropped,
          unrouted.get(), latency, failure.get() == null ? "" : " publisher-failed=" + failure.get()));
    } finally {
      stop.set(true);
      if (child != null) {
        // the subscriber unpeers (BYE) and exits: what is still buffered for it is dropped, so a
        // publisher blocked on back-pressure returns at once
        child.finish("EXIT", Duration.ofSeconds(10));
      }
      if (publisherThread != null) {
        publisherThread.join(15_000);
      }
      ep.close();
    }
    System.exit(0);
  }

  // ---- the subscriber JVM --------------------------------------------------------------------

  private static void child(MacroArgs a) throws Exception {
    LinkedBlockingQueue<String> commands = MacroSupport.parentCommands();
    boolean latency = a.string("mode", "single").equals("latency");
    boolean decode = a.flag("decode", false);
    String[] hp = a.string("peer", "").split(":");
    Endpoint ep = MacroSupport.endpoint(a.flag("tls", true));
    Subscriber sub = ep.subscribe(List.of(TOPIC), a.integer("queue", 1 << 18), OverflowPolicy.DROP_NEWEST);
    ep.peer(hp[0], Integer.parseInt(hp[1]), Duration.ofSeconds(30));
    AtomicLong received = new AtomicLong();
    AtomicLong decoded = new AtomicLong(); // keeps the decoding observable
    MacroSupport.Samples samples = new MacroSupport.Samples(a.longValue("expected-samples", 0));
    // 0: warming up, 1: recording latencies, 2: done
    int[] phase = {0};
    Thread consumer = new Thread(() -> {
      long n = 0;
      while (true) {
        List<Message> ms = sub.poll(8192, Duration.ofMillis(100));
        if (latency && !ms.isEmpty()) {
          boolean record;
          synchronized (phase) {
            record = phase[0] == 1;
          }
          if (record) {
            synchronized (samples) {
              for (Message m : ms) {
                samples.add(System.nanoTime() - MacroSupport.stamp(m.data()));
              }
            }
          }
        }
        if (decode) {
          long kinds = 0;
          for (Message m : ms) {
            kinds += m.data().kind().tag();
          }
          decoded.lazySet(decoded.get() + kinds);
        }
        n += ms.size();
        received.lazySet(n);
      }
    }, "bench-consumer");
    consumer.setDaemon(true);
    consumer.start();
    MacroSupport.say("READY");
    MacroSupport.nextCommand(commands, "START");
    long r0 = received.get();
    long d0 = sub.dropped();
    long t0 = System.nanoTime();
    synchronized (phase) {
      phase[0] = 1;
    }
    MacroSupport.nextCommand(commands, "STOP");
    long r1 = received.get();
    long d1 = sub.dropped();
    long t1 = System.nanoTime();
    synchronized (phase) {
      phase[0] = 2;
    }
    String lat = "";
    if (latency) {
      synchronized (samples) {
        lat = " samples=" + samples.size() + " " + samples.percentilesMicros();
      }
    }
    MacroSupport.say("RESULT received=" + (r1 - r0) + " nanos=" + (t1 - t0) + " dropped=" + (d1 - d0) + lat);
    MacroSupport.nextCommand(commands, "EXIT"); // stdin closing ends the process too
    // say goodbye to the publisher, but do not wait for the data it still has buffered for us
    Thread closer = new Thread(ep::close, "bench-close");
    closer.setDaemon(true);
    closer.start();
    closer.join(2_000);
    Runtime.getRuntime().halt(0);
  }
}
