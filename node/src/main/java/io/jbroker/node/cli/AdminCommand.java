package io.jbroker.node.cli;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jbroker.data.Data;
import io.jbroker.data.JsonCodec;
import io.jbroker.data.TimespanData;
import io.jbroker.error.BrokerException;
import io.jbroker.node.ExitCodes;
import io.jbroker.node.admin.DataProtos;
import io.jbroker.node.admin.ErrorMapping;
import io.jbroker.node.config.Environment;
import io.jbroker.node.config.NodeConfig;
import io.jbroker.proto.admin.v1.AmountRequest;
import io.jbroker.proto.admin.v1.AttachCloneRequest;
import io.jbroker.proto.admin.v1.AttachMasterRequest;
import io.jbroker.proto.admin.v1.AttachResponse;
import io.jbroker.proto.admin.v1.BrokerError;
import io.jbroker.proto.admin.v1.ClearRequest;
import io.jbroker.proto.admin.v1.DataMessage;
import io.jbroker.proto.admin.v1.DetachRequest;
import io.jbroker.proto.admin.v1.Entry;
import io.jbroker.proto.admin.v1.ExistsRequest;
import io.jbroker.proto.admin.v1.GetIndexFromValueRequest;
import io.jbroker.proto.admin.v1.GetRequest;
import io.jbroker.proto.admin.v1.HostPort;
import io.jbroker.proto.admin.v1.IndexRequest;
import io.jbroker.proto.admin.v1.InfoRequest;
import io.jbroker.proto.admin.v1.InfoResponse;
import io.jbroker.proto.admin.v1.InsertIntoRequest;
import io.jbroker.proto.admin.v1.KeyRequest;
import io.jbroker.proto.admin.v1.KeysRequest;
import io.jbroker.proto.admin.v1.KeysResponse;
import io.jbroker.proto.admin.v1.ListPeersRequest;
import io.jbroker.proto.admin.v1.ListStoresRequest;
import io.jbroker.proto.admin.v1.PeerEvent;
import io.jbroker.proto.admin.v1.PeerInfo;
import io.jbroker.proto.admin.v1.PeerRequest;
import io.jbroker.proto.admin.v1.PublishRequest;
import io.jbroker.proto.admin.v1.PutRequest;
import io.jbroker.proto.admin.v1.StoreEvent;
import io.jbroker.proto.admin.v1.StoreInfo;
import io.jbroker.proto.admin.v1.SubscribeRequest;
import io.jbroker.proto.admin.v1.SubscribeResponse;
import io.jbroker.proto.admin.v1.UnpeerRequest;
import io.jbroker.proto.admin.v1.ValueRequest;
import io.jbroker.proto.admin.v1.WatchRequest;
import io.jbroker.proto.admin.v1.WatchResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code jbroker admin}: one subcommand per admin call. Data arguments are Broker text
 * ({@link DataText}) or Broker JSON ({@code --input}); results print as text or JSON ({@code
 * --output}); exit codes are those of {@link ExitCodes}.
 */
@Command(name = "admin", sortOptions = false, mixinStandardHelpOptions = true,
    description = {
        "Talks to a running node's gRPC admin API.",
        "",
        "Data arguments are Broker's text form (42 is a count, +42/-42 integers, 3.5, \"str\" or a bare word, "
            + "10.0.0.1, 10.0.0.0/8, 80/tcp, 10s, @2024-05-01T12:00:00Z, {1, 2}, [a, b], {a -> b}, T/F, nil, "
            + "enum(Foo::BAR)) or Broker's JSON ({\"@data-type\":\"count\",\"data\":42}); durations are timespans "
            + "(500ms, 10s, 2min)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:unexpected failure", "2:usage error (bad option, argument or data)",
        "3:the node refused the request (Broker error, e.g. no_such_key)",
        "4:the node could not be reached or did not answer in time",
        "5:authentication failed (token or TLS client certificate)"})
public final class AdminCommand {
  /** How data arguments are read. */
  public enum Input { auto, text, json }

  /** How results are printed. */
  public enum Output { text, json }

  @Spec
  CommandSpec spec;

  @Option(names = {"-t", "--target"}, paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
      description = "the node's admin API (default: $BROKER_ADMIN_TARGET or 127.0.0.1:9990)")
  String target;

  @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT,
      description = "bearer token (default: $BROKER_ADMIN_TOKEN); prefer --token-file, a flag shows in ps")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "read the bearer token from the first line of FILE")
  Path tokenFile;

  @Option(names = "--tls", scope = ScopeType.INHERIT, description = "use TLS (implied by --ca and --cert)")
  boolean tls;

  @Option(names = "--ca", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "CA certificate(s) (PEM) to verify the node with (default: the JDK's trust store)")
  Path ca;

  @Option(names = "--cert", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "client certificate chain (PEM) for mutual TLS")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE", scope = ScopeType.INHERIT, description = "client key (PEM, PKCS#8)")
  Path key;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", scope = ScopeType.INHERIT,
      description = "deadline of each call (default: ${DEFAULT-VALUE})")
  String timeout;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text", scope = ScopeType.INHERIT,
      description = "text or json (one JSON value per line; data in Broker's JSON form)")
  Output output;

  @Option(names = "--input", paramLabel = "FORMAT", defaultValue = "auto", scope = ScopeType.INHERIT,
      description = "data arguments: text, json, or auto (JSON if it starts with {\"@data-type\":)")
  Input input;

  @Option(names = {"-s", "--store"}, paramLabel = "NAME", defaultValue = "default", scope = ScopeType.INHERIT,
      description = "the store of key operations (default: ${DEFAULT-VALUE})")
  String store;

  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;
  private AdminClient client;

  private AdminCommand(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = out;
    this.err = err;
  }

  /**
   * The {@code admin} command line. Its parent must route execution failures to {@link #failed}
   * and call {@link #closeClient} after each execution (see {@code Main}).
   */
  public static CommandLine commandLine(Map<String, String> env, PrintStream out, PrintStream err) {
    AdminCommand cmd = new AdminCommand(env, out, err);
    CommandLine cl = new CommandLine(cmd);
    // data may start with '-' (-5, -1h): read unknown "options" as data rather than refuse them
    cl.setUnmatchedOptionsArePositionalParams(true);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  // ---- node and peers -----------------------------------------------------------------------------

  @Command(name = "info", description = "The node's id, version, addresses and uptime.")
  int info() throws IOException {
    InfoResponse i = client().node().info(InfoRequest.getDefaultInstance());
    Duration up = DataProtos.duration(i.getUptime());
    if (output == Output.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", i.getId());
      m.put("version", i.getVersion());
      m.put("listen", i.getListenList().stream().map(AdminCommand::hostPort).toList());
      m.put("admin", hostPort(i.getAdmin()));
      m.put("metrics", i.hasMetrics() ? hostPort(i.getMetrics()) : null);
      m.put("uptime_seconds", up.toMillis() / 1000.0);
      m.put("tls", i.getTls());
      m.put("forwarding", i.getForwarding());
      println(Json.write(m));
    } else {
      println("id:         " + i.getId());
      println("version:    " + i.getVersion());
      println("listen:     " + String.join(", ", i.getListenList().stream().map(AdminCommand::hostPort).toList()));
      println("admin:      " + hostPort(i.getAdmin()));
      println("metrics:    " + (i.hasMetrics() ? "http://" + hostPort(i.getMetrics()) + "/metrics" : "off"));
      println("uptime:     " + DataText.format(Data.timespan(Duration.ofSeconds(up.getSeconds()))));
      println("tls:        " + i.getTls());
      println("forwarding: " + i.getForwarding());
    }
    return ExitCodes.OK;
  }

  @Command(name = "peers", description = "Known peers with their status.")
  int peers() throws IOException {
    List<PeerInfo> peers = client().peering().listPeers(ListPeersRequest.getDefaultInstance()).getPeersList();
    if (output == Output.json) {
      println(Json.write(peers.stream().map(AdminCommand::peerMap).toList()));
    } else {
      for (PeerInfo p : peers) {
        println(String.format("%-36s  %-12s  %s%s", p.getId().isEmpty() ? "-" : p.getId(), p.getStatus(),
            hostPort(p.getNetwork()), p.hasRetry() ? "  retry " + DataText.format(timespan(p.getRetry())) : ""));
      }
    }
    return ExitCodes.OK;
  }

  @Command(name = "peer", description = "Peers with HOST:PORT; returns once peered (or at --timeout).")
  int peer(@Parameters(paramLabel = "HOST:PORT") String address,
      @Option(names = "--retry", paramLabel = "DURATION",
          description = "retry interval (default: the node's connect retry; 0s: one attempt)") String retry)
      throws IOException {
    NodeConfig.HostPort hp = hostPort(address);
    PeerRequest.Builder b = PeerRequest.newBuilder().setHost(hp.host()).setPort(hp.port());
    if (retry != null) {
      b.setRetry(DataProtos.duration(duration(retry, "--retry")));
    }
    PeerInfo p = client().peering().peer(b.build()).getPeer();
    if (output == Output.json) {
      println(Json.write(peerMap(p)));
    } else {
      println("peered with " + p.getId() + " at " + hostPort(p.getNetwork()));
    }
    return ExitCodes.OK;
  }

  @Command(name = "unpeer", description = "Ends the peering with HOST:PORT or with an endpoint ID.")
  int unpeer(@Parameters(paramLabel = "HOST:PORT|ID") String target) throws IOException {
    UnpeerRequest.Builder b = UnpeerRequest.newBuilder();
    NodeConfig.HostPort hp = Environment.parseHostPort(target);
    if (hp != null) {
      b.setNetwork(HostPort.newBuilder().setHost(hp.host()).setPort(hp.port()));
    } else {
      b.setId(target);
    }
    client().peering().unpeer(b.build());
    return ExitCodes.OK;
  }

  @Command(name = "peer-events", description = "Streams the node's peering status and error events.")
  int peerEvents(@Option(names = "--count", paramLabel = "N", description = "stop after N events") Integer count,
      @Option(names = "--for", paramLabel = "DURATION", description = "stop after this long") String forText)
      throws IOException {
    Duration limit = forText == null ? null : duration(forText, "--for");
    return stream(() -> client().peerEvents(limit).watchPeers(
        io.jbroker.proto.admin.v1.WatchPeersRequest.getDefaultInstance()), count, (PeerEvent e) -> {
          if (output == Output.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", e.getKind().name().toLowerCase(Locale.ROOT));
            m.put("code", e.getCode());
            m.put("peer", e.getPeerId().isEmpty() ? null : e.getPeerId());
            m.put("network", e.hasNetwork() ? hostPort(e.getNetwork()) : null);
            m.put("message", e.getMessage());
            println(Json.write(m));
          } else {
            println(e.getCode() + " " + (e.getPeerId().isEmpty() ? "-" : e.getPeerId()) + " "
                + (e.hasNetwork() ? hostPort(e.getNetwork()) : "-") + (e.getMessage().isEmpty() ? "" : " " + e.getMessage()));
          }
          return 1;
        });
  }

  // ---- stores -------------------------------------------------------------------------------------

  @Command(name = "stores", description = "The attached stores with role, backend, entries, clones, staleness.")
  int stores() throws IOException {
    List<StoreInfo> stores = client().stores().listStores(ListStoresRequest.getDefaultInstance()).getStoresList();
    if (output == Output.json) {
      println(Json.write(stores.stream().map(AdminCommand::storeMap).toList()));
    } else {
      println(String.format("%-20s %-6s %-8s %10s %6s %6s %8s", "NAME", "ROLE", "BACKEND", "ENTRIES", "CLONES", "STALE",
          "UNACKED"));
      for (StoreInfo s : stores) {
        println(String.format("%-20s %-6s %-8s %10d %6s %6s %8d", s.getName(), role(s), s.getBackend(), s.getEntries(),
            s.getRole() == StoreInfo.Role.MASTER ? String.valueOf(s.getClones()) : "-", s.getStale() ? "yes" : "no",
            s.getUnacknowledged()));
      }
    }
    return ExitCodes.OK;
  }

  @Command(name = "attach-master", description = "Attaches a master store.")
  int attachMaster(@Parameters(paramLabel = "NAME") String name,
      @Option(names = "--backend", paramLabel = "TYPE", defaultValue = "sqlite",
          description = "memory, sqlite or rocksdb (default: ${DEFAULT-VALUE})") String backend,
      @Option(names = {"-O", "--option"}, paramLabel = "NAME=VALUE",
          description = "a backend option (value as data text), e.g. -O path=kv.sqlite -O durability=relaxed")
      List<String> options) throws IOException {
    AttachMasterRequest.Builder b = AttachMasterRequest.newBuilder().setName(name).setBackend(backend);
    for (String o : options == null ? List.<String>of() : options) {
      int eq = o.indexOf('=');
      if (eq <= 0) {
        throw usage("--option " + o + ": expected NAME=VALUE");
      }
      b.putOptions(o.substring(0, eq), DataProtos.toProto(data(o.substring(eq + 1), "option " + o.substring(0, eq))));
    }
    return attached(client().stores().attachMaster(b.build()));
  }

  @Command(name = "attach-clone", description = "Attaches a clone of a store.")
  int attachClone(@Parameters(paramLabel = "NAME") String name,
      @Option(names = "--resync", paramLabel = "DURATION", description = "resync interval (default 10s)") String resync,
      @Option(names = "--stale", paramLabel = "DURATION", description = "stale interval (default 300s)") String stale,
      @Option(names = "--mutation-buffer", paramLabel = "DURATION", description = "mutation buffer interval (default 120s)")
      String mutationBuffer) throws IOException {
    AttachCloneRequest.Builder b = AttachCloneRequest.newBuilder().setName(name);
    if (resync != null) {
      b.setResyncInterval(DataProtos.duration(duration(resync, "--resync")));
    }
    if (stale != null) {
      b.setStaleInterval(DataProtos.duration(duration(stale, "--stale")));
    }
    if (mutationBuffer != null) {
      b.setMutationBufferInterval(DataProtos.duration(duration(mutationBuffer, "--mutation-buffer")));
    }
    return attached(client().stores().attachClone(b.build()));
  }

  private int attached(AttachResponse r) {
    if (output == Output.json) {
      println(Json.write(storeMap(r.getStore())));
    } else {
      println("attached " + role(r.getStore()) + " " + r.getStore().getName());
    }
    return ExitCodes.OK;
  }

  @Command(name = "detach", description = "Detaches and closes a store (a master commits first).")
  int detach(@Parameters(paramLabel = "NAME") String name) throws IOException {
    client().stores().detach(DetachRequest.newBuilder().setName(name).build());
    return ExitCodes.OK;
  }

  // ---- key operations -----------------------------------------------------------------------------

  @Command(name = "get", description = "Prints the value of KEY (no_such_key: exit 3).")
  int get(@Parameters(paramLabel = "KEY") String key) throws IOException {
    Data v = DataProtos.fromProto(client().kv().get(GetRequest.newBuilder().setStore(store)
        .setKey(proto(key, "KEY")).build()).getValue(), "value");
    printData(v);
    return ExitCodes.OK;
  }

  @Command(name = "get-index", description = "Prints an element of the container at KEY (Broker's get_index_from_value).")
  int getIndex(@Parameters(paramLabel = "KEY") String key, @Parameters(paramLabel = "INDEX") String index)
      throws IOException {
    Data v = DataProtos.fromProto(client().kv().getIndexFromValue(GetIndexFromValueRequest.newBuilder()
        .setStore(store).setKey(proto(key, "KEY")).setIndex(proto(index, "INDEX")).build()).getValue(), "value");
    printData(v);
    return ExitCodes.OK;
  }

  @Command(name = "exists", description = "Prints true or false.")
  int exists(@Parameters(paramLabel = "KEY") String key) throws IOException {
    boolean e = client().kv().exists(ExistsRequest.newBuilder().setStore(store).setKey(proto(key, "KEY")).build())
        .getExists();
    println(output == Output.json ? Json.write(Map.of("exists", e)) : String.valueOf(e));
    return ExitCodes.OK;
  }

  @Command(name = "keys", description = "Prints the store's keys, one per line, in Broker's order.")
  int keys(@Option(names = "--after", paramLabel = "KEY", description = "start after KEY") String after,
      @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "page size (default ${DEFAULT-VALUE})")
      int limit,
      @Option(names = "--all", description = "fetch every page") boolean all) throws IOException {
    io.jbroker.proto.admin.v1.Data cursor = after == null ? null : proto(after, "--after");
    List<Data> keys = new ArrayList<>();
    Data next;
    while (true) {
      KeysRequest.Builder b = KeysRequest.newBuilder().setStore(store).setLimit(limit);
      if (cursor != null) {
        b.setAfter(cursor);
      }
      KeysResponse r = client().kv().keys(b.build());
      for (io.jbroker.proto.admin.v1.Data k : r.getKeysList()) {
        Data d = DataProtos.fromProto(k, "key");
        if (output == Output.text) {
          println(DataText.format(d));
        } else {
          keys.add(d);
        }
      }
      next = r.hasNext() ? DataProtos.fromProto(r.getNext(), "next") : null;
      if (!all || next == null) {
        break;
      }
      cursor = r.getNext();
    }
    if (output == Output.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("keys", keys);
      m.put("next", next);
      println(Json.write(m));
    } else if (next != null) {
      err.println("(more keys: --after '" + DataText.format(next) + "' or --all)");
    }
    return ExitCodes.OK;
  }

  @Command(name = "put", description = "Sets KEY to VALUE.")
  int put(@Parameters(paramLabel = "KEY") String key, @Parameters(paramLabel = "VALUE") String value,
      @Option(names = "--expiry", paramLabel = "DURATION", description = "expire after this long") String expiry)
      throws IOException {
    client().kv().put(putRequest(key, value, expiry));
    return ExitCodes.OK;
  }

  @Command(name = "put-unique", description = "Sets KEY to VALUE only if KEY is absent; prints true if it did.")
  int putUnique(@Parameters(paramLabel = "KEY") String key, @Parameters(paramLabel = "VALUE") String value,
      @Option(names = "--expiry", paramLabel = "DURATION", description = "expire after this long") String expiry)
      throws IOException {
    boolean inserted = client().kv().putUnique(putRequest(key, value, expiry)).getInserted();
    println(output == Output.json ? Json.write(Map.of("inserted", inserted)) : String.valueOf(inserted));
    return ExitCodes.OK;
  }

  private PutRequest putRequest(String key, String value, String expiry) {
    PutRequest.Builder b = PutRequest.newBuilder().setStore(store).setKey(proto(key, "KEY")).setValue(proto(value, "VALUE"));
    if (expiry != null) {
      b.setExpiry(DataProtos.duration(duration(expiry, "--expiry")));
    }
    return b.build();
  }

  @Command(name = "erase", description = "Removes KEY (no-op if absent).")
  int erase(@Parameters(paramLabel = "KEY") String key) throws IOException {
    client().kv().erase(KeyRequest.newBuilder().setStore(store).setKey(proto(key, "KEY")).build());
    return ExitCodes.OK;
  }

  @Command(name = "clear", description = "Removes every key of the store.")
  int clear() throws IOException {
    client().kv().clear(ClearRequest.newBuilder().setStore(store).build());
    return ExitCodes.OK;
  }

  @Command(name = "increment", description = "Adds AMOUNT (default the count 1) to the number at KEY.")
  int increment(@Parameters(paramLabel = "KEY") String key,
      @Parameters(paramLabel = "AMOUNT", arity = "0..1", defaultValue = "1") String amount,
      @Option(names = "--expiry", paramLabel = "DURATION", description = "new expiry") String expiry) throws IOException {
    client().kv().increment(amountRequest(key, amount, expiry));
    return ExitCodes.OK;
  }

  @Command(name = "decrement", description = "Subtracts AMOUNT (default the count 1) from the number at KEY.")
  int decrement(@Parameters(paramLabel = "KEY") String key,
      @Parameters(paramLabel = "AMOUNT", arity = "0..1", defaultValue = "1") String amount,
      @Option(names = "--expiry", paramLabel = "DURATION", description = "new expiry") String expiry) throws IOException {
    client().kv().decrement(amountRequest(key, amount, expiry));
    return ExitCodes.OK;
  }

  private AmountRequest amountRequest(String key, String amount, String expiry) {
    AmountRequest.Builder b = AmountRequest.newBuilder().setStore(store).setKey(proto(key, "KEY"))
        .setAmount(proto(amount, "AMOUNT"));
    if (expiry != null) {
      b.setExpiry(DataProtos.duration(duration(expiry, "--expiry")));
    }
    return b.build();
  }

  @Command(name = "append", description = "Appends STRING to the string at KEY.")
  int append(@Parameters(paramLabel = "KEY") String key, @Parameters(paramLabel = "STRING") String value,
      @Option(names = "--expiry", paramLabel = "DURATION", description = "new expiry") String expiry) throws IOException {
    client().kv().append(valueRequest(key, value, expiry));
    return ExitCodes.OK;
  }

  @Command(name = "push", description = "Appends VALUE to the vector at KEY.")
  int push(@Parameters(paramLabel = "KEY") String key, @Parameters(paramLabel = "VALUE") String value,
      @Option(names = "--expiry", paramLabel = "DURATION", description = "new expiry") String expiry) throws IOException {
    client().kv().push(valueRequest(key, value, expiry));
    return ExitCodes.OK;
  }

  private ValueRequest valueRequest(String key, String value, String expiry) {
    ValueRequest.Builder b = ValueRequest.newBuilder().setStore(store).setKey(proto(key, "KEY"))
        .setValue(proto(value, "VALUE"));
    if (expiry != null) {
      b.setExpiry(DataProtos.duration(duration(expiry, "--expiry")));
    }
    return b.build();
  }

  @Command(name = "pop", description = "Removes the last element of the vector at KEY.")
  int pop(@Parameters(paramLabel = "KEY") String key,
      @Option(names = "--expiry", paramLabel = "DURATION", description = "new expiry") String expiry) throws IOException {
    KeyRequest.Builder b = KeyRequest.newBuilder().setStore(store).setKey(proto(key, "KEY"));
    if (expiry != null) {
      b.setExpiry(DataProtos.duration(duration(expiry, "--expiry")));
    }
    client().kv().pop(b.build());
    return ExitCodes.OK;
  }

  @Command(name = "insert-into", description = {"Set: insert-into KEY ELEMENT adds ELEMENT.",
      "Table or vector: insert-into KEY INDEX VALUE sets the entry at INDEX."})
  int insertInto(@Parameters(paramLabel = "KEY") String key, @Parameters(paramLabel = "ELEMENT|INDEX") String index,
      @Parameters(paramLabel = "VALUE", arity = "0..1") String value,
      @Option(names = "--expiry", paramLabel = "DURATION", description = "new expiry") String expiry) throws IOException {
    InsertIntoRequest.Builder b = InsertIntoRequest.newBuilder().setStore(store).setKey(proto(key, "KEY"))
        .setIndex(proto(index, "INDEX"));
    if (value != null) {
      b.setValue(proto(value, "VALUE"));
    }
    if (expiry != null) {
      b.setExpiry(DataProtos.duration(duration(expiry, "--expiry")));
    }
    client().kv().insertInto(b.build());
    return ExitCodes.OK;
  }

  @Command(name = "remove-from", description = "Removes a set element, a table key or a vector index from the value at KEY.")
  int removeFrom(@Parameters(paramLabel = "KEY") String key, @Parameters(paramLabel = "INDEX") String index,
      @Option(names = "--expiry", paramLabel = "DURATION", description = "new expiry") String expiry) throws IOException {
    IndexRequest.Builder b = IndexRequest.newBuilder().setStore(store).setKey(proto(key, "KEY"))
        .setIndex(proto(index, "INDEX"));
    if (expiry != null) {
      b.setExpiry(DataProtos.duration(duration(expiry, "--expiry")));
    }
    client().kv().removeFrom(b.build());
    return ExitCodes.OK;
  }

  @Command(name = "watch", description = "Streams the store's changes: insert/update/erase/expire, one per line.")
  int watch(@Option(names = "--snapshot", description = "start with the store's entries") boolean snapshot,
      @Option(names = "--count", paramLabel = "N", description = "stop after N events") Integer count,
      @Option(names = "--for", paramLabel = "DURATION", description = "stop after this long") String forText)
      throws IOException {
    Duration limit = forText == null ? null : duration(forText, "--for");
    WatchRequest req = WatchRequest.newBuilder().setStore(store).setSnapshot(snapshot).build();
    return stream(() -> client().watch(limit).watch(req), count, (WatchResponse r) -> {
      for (Entry e : r.getSnapshotList()) {
        Data k = DataProtos.fromProto(e.getKey(), "key");
        Data v = DataProtos.fromProto(e.getValue(), "value");
        if (output == Output.json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("type", "snapshot");
          m.put("key", k);
          m.put("value", v);
          println(Json.write(m));
        } else {
          println("snapshot " + DataText.format(k) + " " + DataText.format(v));
        }
      }
      if (r.getSnapshotComplete()) {
        println(output == Output.json ? Json.write(Map.of("type", "snapshot_complete")) : "snapshot complete");
      }
      for (StoreEvent e : r.getEventsList()) {
        printEvent(e);
      }
      return r.getEventsCount();
    });
  }

  private void printEvent(StoreEvent e) {
    String type = e.getType().name().toLowerCase(Locale.ROOT);
    Data k = DataProtos.fromProto(e.getKey(), "key");
    if (output == Output.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", type);
      m.put("store", e.getStore());
      m.put("key", k);
      if (e.hasValue()) {
        m.put("value", DataProtos.fromProto(e.getValue(), "value"));
      }
      if (e.hasOldValue()) {
        m.put("old_value", DataProtos.fromProto(e.getOldValue(), "old_value"));
      }
      if (e.hasExpiry()) {
        m.put("expiry", DataProtos.duration(e.getExpiry()).toNanos() / 1e9);
      }
      if (!e.getPublisherEndpoint().isEmpty()) {
        m.put("publisher", e.getPublisherEndpoint() + "#" + Long.toUnsignedString(e.getPublisherObject()));
      }
      println(Json.write(m));
      return;
    }
    StringBuilder sb = new StringBuilder(type).append(' ').append(DataText.format(k));
    switch (e.getType()) {
      case INSERT -> sb.append(' ').append(DataText.format(DataProtos.fromProto(e.getValue(), "value")));
      case UPDATE -> sb.append(' ').append(DataText.format(DataProtos.fromProto(e.getOldValue(), "old")))
          .append(" -> ").append(DataText.format(DataProtos.fromProto(e.getValue(), "value")));
      default -> { }
    }
    if (e.hasExpiry()) {
      sb.append(" (expiry ").append(DataText.format(timespan(e.getExpiry()))).append(')');
    }
    println(sb.toString());
  }

  // ---- publish/subscribe --------------------------------------------------------------------------

  @Command(name = "publish", description = "Publishes VALUE... on TOPIC to the node's peers; prints the number of peers.")
  int publish(@Parameters(paramLabel = "TOPIC") String topic,
      @Parameters(paramLabel = "VALUE", arity = "1..*") List<String> values) throws IOException {
    PublishRequest.Builder b = PublishRequest.newBuilder().setTopic(topic);
    for (String v : values) {
      b.addValues(proto(v, "VALUE"));
    }
    int peers = client().pubsub().publish(b.build()).getPeers();
    println(output == Output.json ? Json.write(Map.of("peers", peers)) : "sent to " + peers + " peer" + (peers == 1 ? "" : "s"));
    return ExitCodes.OK;
  }

  @Command(name = "subscribe", description = "Streams messages published by the node's peers on topics starting with TOPIC.")
  int subscribe(@Parameters(paramLabel = "TOPIC", arity = "1..*") List<String> topics,
      @Option(names = "--count", paramLabel = "N", description = "stop after N messages") Integer count,
      @Option(names = "--for", paramLabel = "DURATION", description = "stop after this long") String forText)
      throws IOException {
    Duration limit = forText == null ? null : duration(forText, "--for");
    SubscribeRequest req = SubscribeRequest.newBuilder().addAllTopics(topics).build();
    return stream(() -> client().subscriber(limit).subscribe(req), count, (SubscribeResponse r) -> {
      for (DataMessage m : r.getMessagesList()) {
        Data d = DataProtos.fromProto(m.getData(), "data");
        if (output == Output.json) {
          Map<String, Object> o = new LinkedHashMap<>();
          o.put("topic", m.getTopic());
          o.put("data", d);
          println(Json.write(o));
        } else {
          println(m.getTopic() + " " + DataText.format(d));
        }
      }
      return r.getMessagesCount();
    });
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  /** Consumes a server stream; {@code handle} prints a message and returns how many items it held. */
  private <M> int stream(java.util.function.Supplier<Iterator<M>> open, Integer count,
      java.util.function.ToIntFunction<M> handle) {
    if (count != null && count <= 0) {
      throw usage("--count must be positive");
    }
    Context.CancellableContext ctx = Context.current().withCancellation();
    try {
      return ctx.call(() -> {
        Iterator<M> it = open.get();
        long seen = 0;
        try {
          while (it.hasNext()) {
            seen += handle.applyAsInt(it.next());
            if (count != null && seen >= count) {
              break;
            }
          }
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && ErrorMapping.brokerError(e).isEmpty()) {
            return ExitCodes.OK; // --for elapsed
          }
          throw e;
        }
        return ExitCodes.OK;
      });
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      ctx.cancel(null);
    }
  }

  private AdminClient client() {
    try {
      return connect();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private AdminClient connect() throws IOException {
    if (client == null) {
      String t = target != null ? target : env.getOrDefault("BROKER_ADMIN_TARGET", "127.0.0.1:9990");
      NodeConfig.HostPort hp = hostPort(t);
      String tok = token != null ? token : null;
      if (tok == null && tokenFile != null) {
        List<String> lines = Files.readAllLines(tokenFile, StandardCharsets.UTF_8);
        tok = lines.isEmpty() ? "" : lines.get(0).trim();
      }
      if (tok == null) {
        tok = env.get("BROKER_ADMIN_TOKEN");
      }
      if (tok != null && tok.isEmpty()) {
        tok = null;
      }
      if (cert != null && key == null) {
        throw usage("--cert needs --key");
      }
      client = AdminClient.connect(hp.host(), hp.port(), tok, tls, ca, cert, key, duration(timeout, "--timeout"));
    }
    return client;
  }

  /** Prints a failure and returns its exit code ({@link ExitCodes}). */
  public int failed(Exception e) {
    try {
      if (e instanceof StatusRuntimeException s) {
        return grpcFailure(s);
      }
      if (e instanceof BrokerException b) {
        error("usage", b.getMessage(), null);
        return ExitCodes.USAGE;
      }
      if (e instanceof UsageError u) {
        error("usage", u.getMessage(), null);
        return ExitCodes.USAGE;
      }
      if (e instanceof java.io.UncheckedIOException io) {
        error("usage", "cannot read " + io.getCause().getMessage(), null);
        return ExitCodes.USAGE;
      }
      error("internal", e.toString(), null);
      return ExitCodes.FAILURE;
    } finally {
      closeClient();
    }
  }

  private int grpcFailure(StatusRuntimeException e) {
    var broker = ErrorMapping.brokerError(e);
    Status s = e.getStatus();
    String desc = s.getDescription() == null ? "" : s.getDescription();
    if (broker.isPresent()) {
      BrokerError b = broker.get();
      error(b.getName() + " (" + b.getCode() + ")", b.getMessage(), b);
      return ExitCodes.REQUEST;
    }
    String where = target != null ? target : env.getOrDefault("BROKER_ADMIN_TARGET", "127.0.0.1:9990");
    switch (s.getCode()) {
      case UNAUTHENTICATED, PERMISSION_DENIED -> {
        error(s.getCode().name(), desc, null);
        return ExitCodes.AUTHENTICATION;
      }
      case UNAVAILABLE -> {
        Throwable cause = s.getCause();
        if (cause != null && cause.getClass().getName().contains("SSL")) {
          error("UNAVAILABLE", "TLS with " + where + " failed: " + cause.getMessage(), null);
          return ExitCodes.AUTHENTICATION;
        }
        error("UNAVAILABLE", "cannot reach the node at " + where + ": " + desc, null);
        return ExitCodes.CONNECTION;
      }
      case DEADLINE_EXCEEDED -> {
        error("DEADLINE_EXCEEDED", "no answer from " + where + " within " + timeout, null);
        return ExitCodes.CONNECTION;
      }
      default -> {
        error(s.getCode().name(), desc, null);
        return ExitCodes.REQUEST;
      }
    }
  }

  private void error(String code, String message, BrokerError b) {
    if (output == Output.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("code", code);
      if (b != null) {
        m.put("broker_code", b.getCode());
        m.put("broker_name", b.getName());
      }
      m.put("message", message);
      err.println(Json.write(Map.of("error", m)));
    } else {
      err.println("error: " + code + ": " + message);
    }
  }

  /** Closes the connection of the last command, if any. */
  public void closeClient() {
    if (client != null) {
      client.close();
      client = null;
    }
  }

  private void println(String s) {
    out.println(s);
    out.flush();
  }

  private void printData(Data v) {
    println(output == Output.json ? JsonCodec.toJson(v) : DataText.format(v));
  }

  private static final Pattern JSON_START = Pattern.compile("^\\s*\\{\\s*\"@data-type\"\\s*:");

  /** Reads a data argument in the {@code --input} format. */
  Data data(String text, String what) {
    boolean json = switch (input) {
      case json -> true;
      case text -> false;
      case auto -> JSON_START.matcher(text).find();
    };
    try {
      return json ? JsonCodec.fromJson(text) : DataText.parse(text);
    } catch (BrokerException e) {
      throw usage(what + ": " + e.getMessage());
    }
  }

  private io.jbroker.proto.admin.v1.Data proto(String text, String what) {
    return DataProtos.toProto(data(text, what));
  }

  private Duration duration(String text, String what) {
    Data d;
    try {
      d = DataText.parse(text);
    } catch (BrokerException e) {
      throw usage(what + " " + text + ": not a duration such as 500ms, 10s or 2min");
    }
    if (d instanceof io.jbroker.data.CountData c && c.value() == 0) {
      return Duration.ZERO;
    }
    if (!(d instanceof TimespanData t) || t.nanos() < 0) {
      throw usage(what + " " + text + ": not a duration such as 500ms, 10s or 2min");
    }
    return t.toDuration();
  }

  private NodeConfig.HostPort hostPort(String text) {
    NodeConfig.HostPort hp = Environment.parseHostPort(text);
    if (hp == null) {
      throw usage("\"" + text + "\" is not HOST:PORT (IPv6 as [::1]:9990)");
    }
    return hp;
  }

  private UsageError usage(String message) {
    return new UsageError(message);
  }

  /** A bad argument found while running a command: printed without the usage help, exit 2. */
  static final class UsageError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
      super(message);
    }
  }

  private static String hostPort(HostPort hp) {
    return new NodeConfig.HostPort(hp.getHost(), hp.getPort()).toString();
  }

  private static TimespanData timespan(com.google.protobuf.Duration d) {
    return Data.timespan(DataProtos.duration(d));
  }

  private static String role(StoreInfo s) {
    return s.getRole().name().toLowerCase(Locale.ROOT);
  }

  private static Map<String, Object> peerMap(PeerInfo p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.getId().isEmpty() ? null : p.getId());
    m.put("status", p.getStatus());
    m.put("network", p.hasNetwork() ? hostPort(p.getNetwork()) : null);
    m.put("retry_seconds", p.hasRetry() ? DataProtos.duration(p.getRetry()).toMillis() / 1000.0 : null);
    return m;
  }

  private static Map<String, Object> storeMap(StoreInfo s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.getName());
    m.put("role", role(s));
    m.put("backend", s.getBackend());
    m.put("entries", s.getEntries());
    m.put("clones", s.getClones());
    m.put("epoch", Long.toHexString(s.getEpoch()));
    m.put("seq", s.getSeq());
    m.put("unacknowledged", s.getUnacknowledged());
    m.put("stale", s.getStale());
    m.put("lag", s.getLag());
    return m;
  }
}
