package io.jbroker.endpoint;

import io.jbroker.endpoint.wire.EndpointId;

/** A peer as {@link Endpoint#peers()} reports it. */
public record PeerInfo(EndpointId id, NetworkInfo network, PeerStatus status) {}
