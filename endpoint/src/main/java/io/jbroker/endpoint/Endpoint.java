package io.jbroker.endpoint;

import io.jbroker.data.Data;
import io.jbroker.endpoint.internal.CommandSink;
import io.jbroker.endpoint.internal.Core;
import io.jbroker.endpoint.internal.DataSink;
import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.store.internal.Futures;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Broker endpoint: peers with other endpoints (jbroker or Zeek's Broker) over TCP, TLS by
 * default, using Broker's wire protocol v1, and exchanges typed {@link Data} by topic.
 *
 * <ul>
 *   <li>{@link #listen} accepts peers; {@link #peer} dials one and keeps the peering up
 *       (retrying every {@code retry}, re-dialling a lost peering) until {@link #unpeer}.
 *   <li>{@link #subscribe} receives data published by peers on topic prefixes (plain byte-prefix
 *       matching); subscriptions are advertised to peers, which send only what matches.
 *   <li>{@link #publish} sends data to every peer whose subscriptions match. Data published here
 *       is not delivered to this endpoint's own subscribers (as in Broker).
 *   <li>With forwarding on (the default), envelopes from one peer reach the other peers whose
 *       subscriptions match, never back to the hop they came from, with the TTL decremented per
 *       hop; {@link #forward} advertises and forwards prefixes even with forwarding off.
 *   <li>{@link #statusSubscriber} reports peerings added, removed and lost, and errors.
 * </ul>
 *
 * Asynchronous methods return futures; blocking ones take a timeout and fail with {@code
 * REQUEST_TIMEOUT}. Thread-safe.
 */
public final class Endpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Endpoint.class);
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final EndpointConfig config;
  private final Core core;
  private final Map<Subscriber, DataSink> subscribers = new ConcurrentHashMap<>();
  private final List<StatusSubscriber> statusSubscribers = new CopyOnWriteArrayList<>();

  private Endpoint(EndpointConfig config) {
    this.config = config;
    this.core = new Core(config, config.tls().build(), this::statusEvent);
  }

  /** An endpoint with the defaults (and the environment's overrides). */
  public static Endpoint create() {
    return new Endpoint(EndpointConfig.fromEnvironment());
  }

  public static Endpoint create(EndpointConfig config) {
    return new Endpoint(config);
  }

  public EndpointId nodeId() {
    return config.id();
  }

  public EndpointConfig config() {
    return config;
  }

  // ---- listening and peering ---------------------------------------------------------------------

  /** Listens on {@code address:port} (empty address: all interfaces; port 0 picks one); the bound port. */
  public CompletableFuture<Integer> listenAsync(String address, int port, Duration retry) {
    return core.listen(address, port, retry);
  }

  /** Listens, retrying per the configured listen retry, and returns the bound port (waits at most 10 s). */
  public int listen(String address, int port) {
    return Futures.await(listenAsync(address, port, config.listenRetry()), DEFAULT_TIMEOUT, () -> "listen on " + address + ":" + port);
  }

  /**
   * Peers with {@code host:port}. Completes when peered; with a positive {@code retry} it keeps
   * trying every {@code retry}, with 0 the first failure fails it with {@code PEER_UNAVAILABLE}.
   */
  public CompletableFuture<PeerInfo> peerAsync(String host, int port, Duration retry) {
    return core.peer(host, port, retry);
  }

  /** Peers with the configured connect retry and waits at most {@code timeout}. */
  public PeerInfo peer(String host, int port, Duration timeout) {
    return Futures.await(peerAsync(host, port, config.connectRetry()), timeout, () -> "peering with " + host + ":" + port);
  }

  /** Ends the peering with {@code host:port} (BYE, then close); {@code PEER_INVALID} if unknown. */
  public CompletableFuture<Void> unpeerAsync(String host, int port) {
    return core.unpeer(host, port);
  }

  /** Ends the peering with {@code id}; {@code PEER_INVALID} if unknown. */
  public CompletableFuture<Void> unpeerAsync(EndpointId id) {
    return core.unpeer(id);
  }

  public void unpeer(String host, int port) {
    Futures.await(unpeerAsync(host, port), DEFAULT_TIMEOUT, () -> "unpeering from " + host + ":" + port);
  }

  /** Known peers with their status (pending outgoing requests have the nil id). */
  public List<PeerInfo> peers() {
    return Futures.await(core.peers(), DEFAULT_TIMEOUT, () -> "peers");
  }

  /** Completes when {@code id} is peered; fails with {@code PEER_TIMEOUT} after {@code timeout}. */
  public CompletableFuture<PeerInfo> awaitPeer(EndpointId id, Duration timeout) {
    return core.awaitPeer(id, timeout);
  }

  // ---- publish / subscribe -----------------------------------------------------------------------

  /** A subscriber on the given topic prefixes with the configured queue size and policy. */
  public Subscriber subscribe(String... topics) {
    return subscribe(Arrays.asList(topics), config.subscriberQueueSize(), config.subscriberOverflowPolicy());
  }

  /** A subscriber with its own queue size and overflow policy. */
  public Subscriber subscribe(Collection<String> topics, int queueSize, OverflowPolicy policy) {
    Subscriber s = new Subscriber(this, topics, queueSize, policy);
    DataSink sink = new DataSink() {
      @Override
      public Filter filter() {
        return s.filter();
      }

      @Override
      public void deliver(String topic, Data data) {
        s.deliver(new Message(topic, data));
      }

      @Override
      public void deliverEncoded(String topic, byte[][] encoded, Data[] decoded, int n) {
        Message[] ms = new Message[n];
        for (int i = 0; i < n; i++) {
          ms[i] = new Message(topic, encoded[i], decoded[i]);
        }
        s.deliverAll(ms, 0, n);
      }

      @Override
      public void endOfDeliveries() {
        s.endOfDeliveries();
      }
    };
    subscribers.put(s, sink);
    core.addDataSink(sink);
    return s;
  }

  /** A subscriber that calls {@code callback} for every message, on its own thread. */
  public Subscriber subscribe(Collection<String> topics, Consumer<Message> callback) {
    Subscriber s = subscribe(topics, config.subscriberQueueSize(), config.subscriberOverflowPolicy());
    s.startCallback(callback, "jbroker-subscriber-" + String.join(",", topics));
    return s;
  }

  /** Advertises and forwards {@code prefixes} even when forwarding is off (Broker's {@code forward}). */
  public void forward(String... prefixes) {
    for (String p : prefixes) {
      core.addForward(p);
    }
  }

  /** Publishes {@code value} on {@code topic} to every peer whose subscriptions match. */
  public int publish(String topic, Data value) {
    return publisher(topic).publish(value);
  }

  /** A publisher for one topic (cheaper than {@link #publish} for repeated use). */
  public Publisher publisher(String topic) {
    return new Publisher(this, topic);
  }

  /** Status (if {@code statuses}) and error events from now on. */
  public StatusSubscriber statusSubscriber(boolean statuses) {
    StatusSubscriber s = new StatusSubscriber(this, statuses, 4096);
    statusSubscribers.add(s);
    return s;
  }

  /** The subscriptions each peer advertised. */
  public Map<EndpointId, Filter> peerFilters() {
    return core.peerFilters();
  }

  /** The filter this endpoint advertises. */
  public Filter filter() {
    return core.ownFilter();
  }

  /** The routing core, for the replication layer (command envelopes). */
  public Core core() {
    return core;
  }

  /**
   * Sends a command envelope (data-store traffic) on {@code topic}: to {@code receiver} directly
   * if it is a direct peer, otherwise (or for a nil receiver) to every peer whose subscriptions
   * match, so it can travel several hops.
   *
   * @return the number of peers it was handed to
   */
  public int sendCommand(String topic, EndpointId receiver, byte[] payload) {
    byte[] topicBytes = io.jbroker.endpoint.wire.Topics.utf8(topic);
    core.countLocal(io.jbroker.endpoint.wire.EnvelopeType.COMMAND, 1);
    if (receiver != null && !receiver.isNil()) {
      byte[] unicast = io.jbroker.endpoint.internal.Frames.envelope(nodeId(), receiver,
          io.jbroker.endpoint.wire.EnvelopeType.COMMAND, config.ttl(), topicBytes, payload, 0, payload.length);
      if (core.sendTo(receiver, unicast)) {
        return 1;
      }
    }
    return core.publish(topic, io.jbroker.endpoint.internal.Frames.envelope(nodeId(), EndpointId.NIL,
        io.jbroker.endpoint.wire.EnvelopeType.COMMAND, config.ttl(), topicBytes, payload, 0, payload.length));
  }

  /** Whether some direct peer advertises exactly {@code topic} (e.g. a store's master topic). */
  public boolean peerAdvertises(String topic) {
    for (Filter f : core.peerFilters().values()) {
      if (f.topics().contains(topic)) {
        return true;
      }
    }
    return false;
  }

  /** Registers a receiver of command envelopes (data stores); its topics are advertised. */
  public void addCommandSink(CommandSink sink) {
    core.addCommandSink(sink);
  }

  public void removeCommandSink(CommandSink sink) {
    core.removeCommandSink(sink);
  }

  /**
   * Says goodbye to every peer (BYE, at most the unpeer timeout) and stops; closes the
   * subscribers (what they hold stays pollable; callback threads end) and status subscribers.
   */
  @Override
  public void close() {
    try {
      core.close().get(config.unpeerTimeout().toMillis() + 10_000, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("endpoint {} did not close cleanly: {}", nodeId(), e.toString());
    }
    for (Subscriber s : List.copyOf(subscribers.keySet())) {
      s.close();
    }
    for (StatusSubscriber s : List.copyOf(statusSubscribers)) {
      s.close();
    }
  }

  // ---- callbacks ----------------------------------------------------------------------------------

  void subscriptionsChanged() {
    core.refresh();
  }

  void removeSubscriber(Subscriber s) {
    DataSink sink = subscribers.remove(s);
    if (sink != null) {
      core.removeDataSink(sink);
    }
  }

  void subscriberOverflowed(Subscriber s) {
    statusEvent(new StatusEvent.Error(io.jbroker.error.ErrorCode.UNSPECIFIED, null,
        "subscriber on " + s.topics() + " closed: queue full (policy disconnect)"));
  }

  void removeStatusSubscriber(StatusSubscriber s) {
    statusSubscribers.remove(s);
  }

  private void statusEvent(StatusEvent e) {
    for (StatusSubscriber s : statusSubscribers) {
      s.deliver(e);
    }
  }

}
