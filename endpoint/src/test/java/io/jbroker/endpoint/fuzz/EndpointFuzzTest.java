package io.jbroker.endpoint.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jbroker.data.Data;
import io.jbroker.endpoint.Endpoint;
import io.jbroker.endpoint.EndpointConfig;
import io.jbroker.endpoint.Message;
import io.jbroker.endpoint.OverflowPolicy;
import io.jbroker.endpoint.PeerStatus;
import io.jbroker.endpoint.Publisher;
import io.jbroker.endpoint.StatusCode;
import io.jbroker.endpoint.StatusEvent;
import io.jbroker.endpoint.StatusSubscriber;
import io.jbroker.endpoint.Subscriber;
import io.jbroker.endpoint.tls.TlsConfig;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.testing.TestScale;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes a listening endpoint with hostile connections while a well-behaved peer keeps
 * exchanging messages with it (spec/broker-endpoint.md §3–§4, issue 4 "Robustness").
 *
 * <p>The fuzzed endpoint F runs without TLS; a second endpoint FT with TLS gets every 40th
 * connection (plain garbage at its TLS port, or a real TLS session carrying a scripted handshake
 * and corrupted envelopes). Eight workers open connections in parallel; each sends one
 * pre-computed stream ({@link FuzzFrames}) in a single write. A stream that completes the
 * handshake ends with a sentinel ping: its pong proves that F processed every frame before it
 * (unless a frame made F close the connection); the worker then half-closes and reads until F
 * closes. Other streams half-close at once. Nothing waits for replies in between.
 *
 * <p>Two more connections attack memory: one pings with 256 KiB payloads and never reads the
 * pongs; one pipelines 256 MiB behind a handshake that has to wait for another handshake with
 * the same id (§3.7). Meanwhile the well-behaved peer W runs round trips (W publishes, F echoes)
 * and must never stall; heap and direct memory are sampled after GCs.
 *
 * <p>The streams depend only on the seed and the connection's index (the endpoint ids come from
 * the seed too): {@code -Djbroker.fuzz.seed=<seed>} replays a run's bytes exactly (the seed is
 * printed); {@code -Djbroker.test.scale=<n>} multiplies the number of frames (at least 100,000
 * by default).
 */
class EndpointFuzzTest {
  private static final int MIN_FRAMES = 100_000;
  private static final int WORKERS = 8;
  private static final int TLS_EVERY = 40;
  private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
  private static final long MIB = 1024 * 1024;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ConcurrentLinkedQueue<String> uncaught = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> nettyWarnings = new ConcurrentLinkedQueue<>();
  private Thread.UncaughtExceptionHandler previousHandler;
  private Logger nettyLogger;
  private Handler nettyHandler;

  @BeforeEach
  void recordEscapes() {
    previousHandler = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(t.getName() + ": " + e));
    nettyLogger = Logger.getLogger("io.netty");
    nettyHandler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
          nettyWarnings.add(r.getLoggerName() + ": " + r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown()));
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    nettyLogger.addHandler(nettyHandler);
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    nettyLogger.removeHandler(nettyHandler);
    Thread.setDefaultUncaughtExceptionHandler(previousHandler);
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closeables.add(c);
    return c;
  }

  @Test
  void hostileConnectionsNeitherHurtTheEndpointNorStallItsWellBehavedPeer() throws Exception {
    long seed = Long.getLong("jbroker.fuzz.seed", new SecureRandom().nextLong());
    int targetFrames = TestScale.scaled(MIN_FRAMES);
    System.out.printf("EndpointFuzzTest seed=%d frames>=%d (replay: -Djbroker.fuzz.seed=%d)%n", seed, targetFrames, seed);

    // F: the fuzzed endpoint (plain TCP); FT: the same with TLS; W: the well-behaved peer of F.
    // Their ids come from the seed too: the scripted handshakes depend on them (§3.1 roles).
    Random ids = new Random(seed);
    Endpoint f = closeLater(Endpoint.create(EndpointConfig.builder().id(EndpointId.random(ids)).tls(TlsConfig.disabled())
        .handshakeTimeout(Duration.ofSeconds(3)).build()));
    Endpoint ft = closeLater(Endpoint.create(EndpointConfig.builder().id(EndpointId.random(ids)).tls(TlsConfig.ephemeral()).build()));
    Endpoint w = closeLater(Endpoint.create(EndpointConfig.builder().id(EndpointId.random(ids)).tls(TlsConfig.disabled()).build()));
    f.subscribe(List.of(FuzzFrames.DECODED_TOPIC), 256, OverflowPolicy.DROP_OLDEST); // never polled
    ft.subscribe(List.of(FuzzFrames.DECODED_TOPIC), 256, OverflowPolicy.DROP_OLDEST);
    f.subscribe(List.of("/ex/to-f"), m -> f.publish("/ex/to-w", m.data())); // the echo
    StatusSubscriber fEvents = closeLater(f.statusSubscriber(true));
    StatusSubscriber wEvents = closeLater(w.statusSubscriber(true));
    EventCounter fCounts = new EventCounter(fEvents);
    int fPort = f.listen("127.0.0.1", 0);
    int ftPort = ft.listen("127.0.0.1", 0);
    Subscriber wSub = w.subscribe("/ex/to-w");
    w.peer("127.0.0.1", fPort, Duration.ofSeconds(10));
    await().atMost(Duration.ofSeconds(10)).until(() -> matches(w.peerFilters(), "/ex/to-f") && matches(f.peerFilters(), "/ex/to-w"));

    Exchange exchange = new Exchange(w, wSub);
    exchange.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> exchange.roundTrips.get() >= 2_000 || exchange.failure.get() != null);
    long heapBefore = usedHeapAfterGc();
    long directBefore = directMemory();
    MemorySampler sampler = new MemorySampler();
    sampler.start();

    // ---- fuzzing ----
    long fuzzStart = System.nanoTime();
    long tripsAtStart = exchange.roundTrips.get();
    Fuzzer fuzzer = new Fuzzer(seed, targetFrames, f.nodeId(), fPort, ft.nodeId(), ftPort, w.nodeId());
    PingFlood flood = new PingFlood(f.nodeId(), fPort);
    flood.start();
    PausedHandshakeFlood paused = new PausedHandshakeFlood(f.nodeId(), fPort);
    paused.start();
    fuzzer.run();
    flood.stop();
    paused.join();
    long fuzzMillis = (System.nanoTime() - fuzzStart) / 1_000_000;
    long tripsDuring = exchange.roundTrips.get() - tripsAtStart;
    sampler.stop();

    // ---- afterwards: the peering with W carries on, new peers are welcome ----
    long tripsAtEnd = exchange.roundTrips.get();
    await().atMost(Duration.ofSeconds(60)).until(() -> exchange.roundTrips.get() >= tripsAtEnd + 2_000 || exchange.failure.get() != null);
    exchange.stop();
    fuzzer.awaitQuiet(f, ft);
    long heapAfter = usedHeapAfterGc();
    long directAfter = directMemory();
    fCounts.stop();

    System.out.printf("EndpointFuzzTest seed=%d: %d frames (%d MiB) on %d connections in %d ms (%s); TLS connections %d;"
            + " ping flood %d pings (%d MiB), pongs dropped %d; behind a paused handshake %d MiB; round trips with the well-behaved peer: %d during, %d after;"
            + " malformed inputs F=%d FT=%d; peer events at F: %s; ids in F's peer-status map %d; connections closed on the fuzzer while writing %d;"
            + " heap %d -> %d MiB (peak %d MiB); direct %d -> %d MiB (peak %d MiB); max echo batch %d ms;"
            + " Netty warnings %d (logger %s)%n",
        seed, fuzzer.frames.get(), fuzzer.bytes.get() / MIB, fuzzer.connections.get(), fuzzMillis, fuzzer.kinds(),
        fuzzer.tlsConnections.get(), flood.pings, flood.pingBytes / MIB, f.core().droppedPongs(), paused.bytesWritten / MIB, tripsDuring,
        exchange.roundTrips.get() - tripsAtEnd, f.core().malformedInputs(), ft.core().malformedInputs(), fCounts, f.peers().size(),
        fuzzer.resetWhileWriting.get(), heapBefore / MIB, heapAfter / MIB, sampler.peakHeap / MIB, directBefore / MIB,
        directAfter / MIB, sampler.peakDirect / MIB, exchange.maxBatchMillis, nettyWarnings.size(),
        InternalLoggerFactory.getDefaultFactory().getClass().getSimpleName());

    assertThat(exchange.failure.get()).as("the well-behaved peer's round trips").isNull();
    assertThat(f.peers()).anySatisfy(p -> {
      assertThat(p.id()).isEqualTo(w.nodeId());
      assertThat(p.status()).isEqualTo(PeerStatus.PEERED);
    });
    assertThat(wEvents.drain()).as("the well-behaved peer's status events").noneMatch(e -> e instanceof StatusEvent.Status s
        && (s.code() == StatusCode.PEER_LOST || s.code() == StatusCode.PEER_REMOVED));
    assertFreshPeerExchangesWith(f, TlsConfig.disabled(), fPort);
    assertFreshPeerExchangesWith(ft, TlsConfig.ephemeral(), ftPort);
    assertThat(fuzzer.frames.get()).isGreaterThanOrEqualTo(targetFrames);
    assertThat(fuzzer.hangs).as("connections the endpoint did not close after our EOF").isEmpty();
    assertThat(fuzzer.errors).as("unexpected fuzzer-side errors").isEmpty();
    assertThat(tripsDuring).as("round trips while fuzzing").isGreaterThan(0);
    assertThat(f.core().malformedInputs()).isGreaterThan(100);
    assertThat(ft.core().malformedInputs()).isGreaterThan(0);
    assertThat(flood.pings).isEqualTo(PingFlood.MAX_PINGS);
    assertThat(paused.failure).isNull();
    assertThat(f.core().droppedPongs()).as("pongs dropped for the peer that does not read").isGreaterThan(0);
    assertThat(uncaught).as("uncaught exceptions").isEmpty();
    if (InternalLoggerFactory.getDefaultFactory() instanceof JdkLoggerFactory) {
      assertThat(nettyWarnings).as("Netty warnings (e.g. exceptions reaching the pipeline's tail)").isEmpty();
    }
    assertThat(heapAfter - heapBefore).as("heap growth").isLessThan(64 * MIB);
    assertThat(sampler.peakHeap - heapBefore).as("peak heap growth while fuzzing").isLessThan(256 * MIB);
    assertThat(sampler.peakDirect - directBefore).as("peak direct memory growth while fuzzing").isLessThan(128 * MIB);
    assertThat(directAfter - directBefore).as("direct memory growth").isLessThan(128 * MIB);
  }

  private static boolean matches(Map<EndpointId, Filter> filters, String topic) {
    return filters.values().stream().anyMatch(x -> x.matches(topic));
  }

  /** A new endpoint peers with {@code e} and receives what {@code e} publishes. */
  private void assertFreshPeerExchangesWith(Endpoint e, TlsConfig tls, int port) {
    try (Endpoint fresh = Endpoint.create(EndpointConfig.builder().tls(tls).build())) {
      Subscriber s = fresh.subscribe("/fresh");
      fresh.peer("127.0.0.1", port, Duration.ofSeconds(20));
      await().atMost(Duration.ofSeconds(20)).until(() -> e.peerFilters().getOrDefault(fresh.nodeId(), Filter.EMPTY).matches("/fresh/x"));
      e.publish("/fresh/x", Data.of("still here"));
      assertThat(s.poll(Duration.ofSeconds(20))).isEqualTo(new Message("/fresh/x", Data.of("still here")));
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Direct memory: Netty's own accounting (no-cleaner buffers) plus the JDK's direct buffers. */
  private static long directMemory() {
    long netty = Math.max(0, PlatformDependent.usedDirectMemory());
    long jdk = 0;
    for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (b.getName().equals("direct")) {
        jdk = b.getMemoryUsed();
      }
    }
    return netty + jdk;
  }

  // ---- the well-behaved peer -------------------------------------------------------------------

  /** W publishes batches of counts on /ex/to-f and waits for F's echo of each, in order. */
  private final class Exchange {
    final AtomicLong roundTrips = new AtomicLong();
    final AtomicReference<String> failure = new AtomicReference<>();
    final Publisher out;
    final Subscriber in;
    volatile boolean stopped;
    volatile long maxBatchMillis;
    final Thread thread = new Thread(this::run, "fuzz-well-behaved-peer");

    Exchange(Endpoint w, Subscriber in) {
      this.out = w.publisher("/ex/to-f");
      this.in = in;
    }

    void start() {
      thread.setDaemon(true);
      thread.start();
      closeables.add(this::stop);
    }

    void stop() throws InterruptedException {
      stopped = true;
      thread.join(30_000);
    }

    private void run() {
      long next = 0;
      while (!stopped) {
        long t0 = System.nanoTime();
        List<Data> batch = new ArrayList<>(100);
        for (int i = 0; i < 100; i++) {
          batch.add(Data.count(next + i));
        }
        out.publish(batch);
        for (int i = 0; i < 100; i++) {
          Message m = in.poll(Duration.ofSeconds(20));
          if (m == null) {
            failure.compareAndSet(null, "no echo of " + (next + i) + " within 20 s");
            return;
          }
          if (!m.data().equals(Data.count(next + i))) {
            failure.compareAndSet(null, "echo " + m + " instead of count " + (next + i));
            return;
          }
          roundTrips.incrementAndGet();
        }
        next += 100;
        maxBatchMillis = Math.max(maxBatchMillis, (System.nanoTime() - t0) / 1_000_000);
      }
    }
  }

  // ---- the fuzzer ------------------------------------------------------------------------------------

  private final class Fuzzer {
    final long seed;
    final int targetFrames;
    final EndpointId f;
    final int fPort;
    final EndpointId ft;
    final int ftPort;
    final EndpointId w;
    final AtomicInteger nextIndex = new AtomicInteger();
    final AtomicLong frames = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong connections = new AtomicLong();
    final AtomicLong tlsConnections = new AtomicLong();
    final AtomicLong resetWhileWriting = new AtomicLong();
    final ConcurrentLinkedQueue<String> hangs = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    final Map<FuzzFrames.Kind, AtomicLong> byKind = new EnumMap<>(FuzzFrames.Kind.class);
    final SSLContext trustAll;

    Fuzzer(long seed, int targetFrames, EndpointId f, int fPort, EndpointId ft, int ftPort, EndpointId w) throws Exception {
      this.seed = seed;
      this.targetFrames = targetFrames;
      this.f = f;
      this.fPort = fPort;
      this.ft = ft;
      this.ftPort = ftPort;
      this.w = w;
      for (FuzzFrames.Kind k : FuzzFrames.Kind.values()) {
        byKind.put(k, new AtomicLong());
      }
      trustAll = SSLContext.getInstance("TLS");
      trustAll.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, new SecureRandom());
    }

    void run() throws Exception {
      int planned = plan();
      ExecutorService pool = Executors.newFixedThreadPool(WORKERS, r -> {
        Thread t = new Thread(r, "fuzz-worker");
        t.setDaemon(true);
        return t;
      });
      try {
        List<Future<?>> workers = new ArrayList<>();
        for (int k = 0; k < WORKERS; k++) {
          workers.add(pool.submit(() -> {
            int next;
            while ((next = nextIndex.getAndIncrement()) < planned && errors.size() < 10) {
              connection(next);
            }
            return null;
          }));
        }
        for (Future<?> fu : workers) {
          fu.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
    }

    /** Connection {@code i}: its stream depends only on the seed and {@code i}. */
    /** Whether connection {@code i} goes to the TLS endpoint. */
    private static boolean tls(int i) {
      return i % TLS_EVERY == TLS_EVERY - 1;
    }

    /** Whether connection {@code i} goes to the TLS endpoint inside a real TLS session (else: plain bytes). */
    private static boolean tlsSession(int i) {
      return tls(i) && (i / TLS_EVERY) % 2 == 0;
    }

    /** The stream of connection {@code i}: a function of the seed, {@code i} and the endpoint ids only. */
    private FuzzFrames.Stream stream(int i) {
      Random rnd = new Random(seed ^ (0x9E3779B97F4A7C15L * (i + 1)));
      return tlsSession(i) ? FuzzFrames.envelopesWithFatal(rnd, ft, w) : FuzzFrames.next(rnd, tls(i) ? ft : f, w);
    }

    /** How many connections it takes to send at least {@code targetFrames} frames. */
    private int plan() {
      long n = 0;
      int i = 0;
      while (n < targetFrames) {
        n += stream(i++).frames();
      }
      return i;
    }

    private void connection(int i) {
      boolean tls = tls(i);
      boolean tlsSession = tlsSession(i);
      FuzzFrames.Stream s = stream(i);
      try (Socket socket = tlsSession ? tlsSocket() : new Socket()) {
        socket.setSoTimeout((int) SOCKET_TIMEOUT.toMillis());
        if (!tlsSession) {
          socket.connect(new InetSocketAddress("127.0.0.1", tls ? ftPort : fPort), 10_000);
        } else {
          ((SSLSocket) socket).startHandshake();
        }
        String what = "connection " + i + " (" + s.kind() + (tls ? ", TLS port" : "") + ")";
        send(socket, s.bytes());
        if (s.sentinel() == null || awaitSentinel(socket, s.sentinel(), what)) {
          try {
            socket.shutdownOutput(); // with TLS: close_notify
          } catch (IOException e) {
            // already closed by the endpoint
          }
          drain(socket, what);
        }
      } catch (IOException e) {
        errors.add("connection " + i + " (" + s.kind() + "): " + e);
      }
      connections.incrementAndGet();
      if (tls) {
        tlsConnections.incrementAndGet();
      }
      byKind.get(s.kind()).incrementAndGet();
      frames.addAndGet(s.frames());
      bytes.addAndGet(s.bytes().length);
    }

    private Socket tlsSocket() throws IOException {
      SSLSocket s = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", ftPort);
      s.setSoTimeout((int) SOCKET_TIMEOUT.toMillis());
      return s;
    }

    private void send(Socket socket, byte[] stream) {
      try {
        OutputStream out = socket.getOutputStream();
        out.write(stream);
        out.flush();
      } catch (IOException e) {
        // The endpoint closed the connection at the first fatal frame while we were writing.
        resetWhileWriting.incrementAndGet();
      }
    }

    /**
     * Reads until the pong carrying {@code sentinel} arrives (true: the endpoint processed every
     * frame before it) or the endpoint closes the connection (false).
     */
    private boolean awaitSentinel(Socket socket, byte[] sentinel, String what) {
      byte[] buf = new byte[64 * 1024 + sentinel.length];
      int kept = 0;
      try {
        InputStream in = socket.getInputStream();
        int n;
        while ((n = in.read(buf, kept, buf.length - kept)) >= 0) {
          int end = kept + n;
          if (indexOf(buf, end, sentinel) >= 0) {
            return true;
          }
          kept = Math.min(end, sentinel.length - 1);
          System.arraycopy(buf, end - kept, buf, 0, kept);
        }
      } catch (SocketTimeoutException e) {
        hangs.add(what + ": neither the sentinel pong nor a close within " + SOCKET_TIMEOUT);
      } catch (IOException e) {
        // reset by the endpoint: closed
      }
      return false;
    }

    private static int indexOf(byte[] buf, int end, byte[] token) {
      outer:
      for (int i = 0; i + token.length <= end; i++) {
        for (int j = 0; j < token.length; j++) {
          if (buf[i + j] != token[j]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }

    /** Reads (and discards) until the endpoint closes the connection. */
    private void drain(Socket socket, String what) {
      byte[] buf = new byte[64 * 1024];
      try {
        InputStream in = socket.getInputStream();
        while (in.read(buf) >= 0) {
          // discard pongs, forwarded data, drop_conn messages
        }
      } catch (SocketTimeoutException e) {
        hangs.add(what + ": still open " + SOCKET_TIMEOUT + " after our EOF");
      } catch (IOException e) {
        // reset by the endpoint: closed
      }
    }

    String kinds() {
      StringBuilder sb = new StringBuilder();
      byKind.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v.get()));
      return sb.toString();
    }

    /** Waits until F and FT have no peers left but their well-behaved ones (fuzz connections all gone). */
    void awaitQuiet(Endpoint fe, Endpoint fte) {
      await().atMost(Duration.ofSeconds(30)).until(() ->
          fe.peers().stream().filter(p -> p.status() == PeerStatus.PEERED).count() == 1
              && fte.peers().stream().noneMatch(p -> p.status() == PeerStatus.PEERED));
    }
  }

  /**
   * One connection that completes the handshake, then sends large pings and never reads the
   * pongs: the endpoint must not buffer the answers without bound.
   */
  private final class PingFlood {
    static final int PAYLOAD = 256 * 1024;
    static final int MAX_PINGS = 1024;
    final EndpointId target;
    final int port;
    volatile boolean stopped;
    volatile int pings;
    volatile long pingBytes;
    final Thread thread = new Thread(this::run, "fuzz-ping-flood");
    Socket socket;

    PingFlood(EndpointId target, int port) {
      this.target = target;
      this.port = port;
    }

    void start() {
      thread.setDaemon(true);
      thread.start();
    }

    /** Waits until every ping is sent (the endpoint keeps reading, whatever it does with the pongs). */
    void stop() throws Exception {
      thread.join(60_000);
      stopped = true;
      if (socket != null) {
        socket.close();
      }
    }

    private void run() {
      EndpointId me = EndpointId.random();
      byte[] payload = new byte[PAYLOAD];
      new Random(1).nextBytes(payload);
      byte[] ping = FuzzFrames.envelope(me, target, 4, 16, "<$>".getBytes(java.nio.charset.StandardCharsets.US_ASCII), payload);
      byte[] frame = new byte[4 + ping.length];
      frame[0] = (byte) (ping.length >>> 24);
      frame[1] = (byte) (ping.length >>> 16);
      frame[2] = (byte) (ping.length >>> 8);
      frame[3] = (byte) ping.length;
      System.arraycopy(ping, 0, frame, 4, ping.length);
      try {
        socket = new Socket();
        socket.setReceiveBufferSize(64 * 1024);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        OutputStream out = socket.getOutputStream();
        out.write(FuzzFrames.handshake(me, target, Filter.EMPTY));
        while (!stopped && pings < MAX_PINGS) {
          out.write(frame);
          pings++;
          pingBytes += frame.length;
        }
      } catch (IOException e) {
        // closed by the endpoint: acceptable
      }
    }
  }

  /**
   * Frames pipelined behind a handshake that has to wait: connection 1 says hello with an id X
   * (greater than the endpoint's, so the endpoint originates) and then stalls; connection 2 says
   * hello with the same X — its handshake pauses until the first one ends (§3.7) — and pipelines
   * the rest of its handshake and then large envelopes. The endpoint must not buffer what arrives
   * meanwhile without bound; its handshake timeout ends the wait.
   */
  private final class PausedHandshakeFlood {
    static final int PAYLOAD = 64 * 1024;
    static final long MAX_BYTES = 256 * MIB;
    final EndpointId target;
    final int port;
    volatile long bytesWritten;
    volatile String failure;
    final Thread thread = new Thread(this::run, "fuzz-paused-handshake-flood");

    PausedHandshakeFlood(EndpointId target, int port) {
      this.target = target;
      this.port = port;
    }

    void start() {
      thread.setDaemon(true);
      thread.start();
    }

    void join() throws InterruptedException {
      thread.join(120_000);
    }

    private void run() {
      Random rnd = new Random(2);
      EndpointId x;
      do {
        x = EndpointId.random(rnd);
      } while (x.compareTo(target) <= 0);
      byte[] hello = FuzzFrames.handshake(x, target, Filter.EMPTY);
      int helloLength = 4 + 23; // the hello frame comes first in the scripted handshake
      byte[] value = io.jbroker.data.BinaryCodec.encode(Data.of("z".repeat(PAYLOAD)));
      byte[] env = FuzzFrames.envelope(x, target, 1, 16, "/fuzz/paused".getBytes(java.nio.charset.StandardCharsets.US_ASCII), value);
      byte[] frame = new byte[4 + env.length];
      frame[0] = (byte) (env.length >>> 24);
      frame[1] = (byte) (env.length >>> 16);
      frame[2] = (byte) (env.length >>> 8);
      frame[3] = (byte) env.length;
      System.arraycopy(env, 0, frame, 4, env.length);
      try (Socket first = new Socket(); Socket second = new Socket()) {
        first.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        first.setSoTimeout(30_000);
        first.getOutputStream().write(hello, 0, helloLength);
        // probe (9 bytes) + version_select (26): the endpoint now waits for our responder_syn_ack.
        byte[] got = first.getInputStream().readNBytes(9 + 26);
        if (got.length < 35) {
          failure = "the endpoint closed the first connection early";
          return;
        }
        second.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        OutputStream out = second.getOutputStream();
        out.write(hello); // hello + responder_syn_ack: completes once the first connection is gone
        while (bytesWritten < MAX_BYTES) {
          out.write(frame);
          bytesWritten += frame.length;
        }
      } catch (IOException e) {
        // closed by the endpoint (handshake timeout, redundant connection): acceptable
      }
    }
  }

  // ---- measuring ---------------------------------------------------------------------------------

  /** Samples heap (after a GC) and direct memory every second, and once more when stopped. */
  private static final class MemorySampler {
    volatile long peakHeap;
    volatile long peakDirect;
    private final java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
    final Thread thread = new Thread(this::run, "fuzz-memory-sampler");

    void start() {
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      stop.countDown();
      thread.join(10_000);
    }

    private void run() {
      try {
        do {
          peakHeap = Math.max(peakHeap, usedHeapAfterGcOnce());
          peakDirect = Math.max(peakDirect, directMemory());
        } while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)); // the sampling period
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private static long usedHeapAfterGcOnce() {
      System.gc();
      return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
  }

  /** Counts the status events of an endpoint by code, draining its subscriber on a thread. */
  private static final class EventCounter {
    final Map<String, AtomicLong> counts = new java.util.concurrent.ConcurrentSkipListMap<>();
    volatile boolean stopped;
    final Thread thread;

    EventCounter(StatusSubscriber s) {
      thread = new Thread(() -> {
        while (!stopped) {
          StatusEvent e = s.poll(Duration.ofMillis(200));
          if (e instanceof StatusEvent.Status st) {
            counts.computeIfAbsent(st.code().brokerName(), k -> new AtomicLong()).incrementAndGet();
          } else if (e instanceof StatusEvent.Error err) {
            counts.computeIfAbsent("error " + err.code().brokerName(), k -> new AtomicLong()).incrementAndGet();
          }
        }
      }, "fuzz-event-counter");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      stopped = true;
      thread.join(5_000);
    }

    @Override
    public String toString() {
      return counts.toString();
    }
  }
}
