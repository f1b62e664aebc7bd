package io.jbroker.endpoint;

import io.jbroker.data.Data;
import io.jbroker.data.PortData;
import java.time.Duration;
import java.util.Objects;

/**
 * Where a peer is: the address and port the user passed to {@code peer()} (outgoing) or the
 * remote socket address (incoming), and the retry interval ({@code null} for incoming peerings,
 * which are never re-dialled).
 */
public record NetworkInfo(String address, int port, Duration retry) {
  public NetworkInfo {
    Objects.requireNonNull(address, "address");
    if (port < 0 || port > 0xFFFF) {
      throw new IllegalArgumentException("port " + port + " is outside 0..65535");
    }
  }

  /** Broker's fields of an {@code endpoint_info}: address string, port (number/tcp), retry seconds as count. */
  Data[] toData() {
    return new Data[] {Data.of(address), Data.port(port, PortData.Protocol.TCP),
        retry == null ? Data.count(0) : Data.count(retry.toSeconds())};
  }

  @Override
  public String toString() {
    return address + ":" + port;
  }
}
