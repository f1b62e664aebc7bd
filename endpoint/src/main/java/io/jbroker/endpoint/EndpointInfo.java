package io.jbroker.endpoint;

import io.jbroker.data.Data;
import io.jbroker.data.VectorData;
import io.jbroker.endpoint.wire.EndpointId;

/**
 * Which endpoint a status or error is about (Broker's {@code endpoint_info}): its id (or {@code
 * null} when unknown, e.g. a failed connection attempt) and its network info (or {@code null}).
 */
public record EndpointInfo(EndpointId id, NetworkInfo network) {
  /**
   * Broker's layout: {@code [id string | nil, address | nil, port | nil, retry count | nil]},
   * the last three all present or all nil.
   */
  public VectorData toData() {
    Data node = id == null || id.isNil() ? Data.none() : Data.of(id.toString());
    if (network == null) {
      return Data.vector(node, Data.none(), Data.none(), Data.none());
    }
    Data[] n = network.toData();
    return Data.vector(node, n[0], n[1], n[2]);
  }

  @Override
  public String toString() {
    return (id == null ? "?" : id.toString()) + (network == null ? "" : " at " + network);
  }
}
