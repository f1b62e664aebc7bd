/**
 * Broker's native wire protocol v1 as pure values and codecs (spec/broker-endpoint.md §2–§4): no
 * threads, no sockets, no state beyond the values themselves.
 *
 * <ul>
 *   <li>{@link io.jbroker.endpoint.wire.EndpointId} — 16-byte ids in Broker's unsigned order
 *       (§3.1).
 *   <li>{@link io.jbroker.endpoint.wire.Topics} and {@link io.jbroker.endpoint.wire.Filter} —
 *       byte-prefix matching, reserved topics, Broker's minimal sorted filters and their wire form
 *       (§2).
 *   <li>{@link io.jbroker.endpoint.wire.HandshakeMessage} and {@link
 *       io.jbroker.endpoint.wire.HandshakeCodec} — the seven messages of phases 1–2 and Broker's
 *       frame-level validation (§3.5). The state machine that uses them is {@code
 *       io.jbroker.endpoint.internal.Handshake} (§3.6).
 *   <li>{@link io.jbroker.endpoint.wire.Envelope} and {@link
 *       io.jbroker.endpoint.wire.EnvelopeType} — phase-3 node messages (§4).
 * </ul>
 *
 * <p>Framing (§3.4) is the transport's: every payload handled here is one frame without its
 * 4-byte big-endian length. Every decoder here is safe on hostile input: it fails with {@link
 * io.jbroker.error.BrokerException} carrying {@link io.jbroker.error.ErrorCode#INVALID_DATA}
 * ({@link io.jbroker.endpoint.wire.HandshakeCodec} never throws and returns a rejection instead),
 * allocates at most what the input size justifies, and never loops beyond the input.
 */
package io.jbroker.endpoint.wire;
