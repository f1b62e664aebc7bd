package io.jbroker.endpoint.internal;

import io.jbroker.endpoint.wire.Filter;

/**
 * An immutable snapshot of the routing state, published by the core thread (the only writer)
 * and read without locks by I/O threads and publishers: the peers in phase 3, the local data
 * and command receivers, and the prefixes forwarded even when forwarding is off.
 */
final class Routing {
  static final Routing EMPTY = new Routing(0, new PeerLink[0], new DataSink[0], new CommandSink[0], Filter.EMPTY);

  final long version;
  final PeerLink[] links;
  final DataSink[] dataSinks;
  final CommandSink[] commandSinks;
  final Filter forwardFilter;

  Routing(long version, PeerLink[] links, DataSink[] dataSinks, CommandSink[] commandSinks, Filter forwardFilter) {
    this.version = version;
    this.links = links;
    this.dataSinks = dataSinks;
    this.commandSinks = commandSinks;
    this.forwardFilter = forwardFilter;
  }
}
