package io.jbroker.replication;

/** The store topics (spec/broker-stores.md §6.2). */
final class Topics {
  private Topics() {}

  /** Where clones send to the master: {@code <name>/<$>/data/master}. */
  static String master(String store) {
    return io.jbroker.endpoint.wire.Topics.join(store, "<$>/data/master");
  }

  /** Where the master sends to clones: {@code <name>/<$>/data/clone}. */
  static String clone(String store) {
    return io.jbroker.endpoint.wire.Topics.join(store, "<$>/data/clone");
  }
}
