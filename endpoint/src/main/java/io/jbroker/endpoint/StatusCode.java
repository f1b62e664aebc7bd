package io.jbroker.endpoint;

/** Broker's status codes ({@code sc}), emitted on peering changes. */
public enum StatusCode {
  UNSPECIFIED("unspecified"),
  PEER_ADDED("peer_added"),
  PEER_REMOVED("peer_removed"),
  PEER_LOST("peer_lost"),
  ENDPOINT_DISCOVERED("endpoint_discovered"),
  ENDPOINT_UNREACHABLE("endpoint_unreachable");

  private final String brokerName;

  StatusCode(String brokerName) {
    this.brokerName = brokerName;
  }

  /** Broker's name, e.g. {@code peer_added}. */
  public String brokerName() {
    return brokerName;
  }

  /** Broker's numeric value. */
  public int code() {
    return ordinal();
  }
}
