package io.jbroker.endpoint;

/** The state of a remote endpoint as this endpoint sees it (Broker's {@code peer_status}). */
public enum PeerStatus {
  /** Known but no connection attempt yet. */
  INITIALIZING,
  /** A handshake with it is in flight. */
  CONNECTING,
  /** The handshake completed on this side. */
  CONNECTED,
  /** Peered: exchanging messages. */
  PEERED,
  /** The peering ended. */
  DISCONNECTED,
  /** A new handshake after a disconnect is in flight. */
  RECONNECTING
}
