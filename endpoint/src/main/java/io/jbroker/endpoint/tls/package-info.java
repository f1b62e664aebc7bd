/**
 * The TLS layer of an endpoint: which TLS (if any) a peering speaks, and the Netty handlers that
 * speak it.
 *
 * <ul>
 *   <li>{@link io.jbroker.endpoint.tls.TlsConfig} — the settings, with Broker's option names
 *       ({@code disable_ssl}, {@code ssl_certificate}, {@code ssl_keyfile}, {@code
 *       ssl_passphrase}, {@code ssl_cafile}, {@code ssl_capath}) and four modes: disabled,
 *       ephemeral (the default: encrypted, not authenticated), authenticated (mutual TLS against
 *       configured CAs) and anonymous (opt-in, Broker's certificate-less TLS).
 *   <li>{@link io.jbroker.endpoint.tls.TlsContexts} — the built contexts: {@code SslHandler}s for
 *       the acceptor (TLS server) and the connector (TLS client), and {@code describeFailure}
 *       for status events.
 *   <li>{@link io.jbroker.endpoint.tls.AnonymousTls} — how the anonymous suite, which the JDK
 *       disables, is made available for that mode alone.
 * </ul>
 *
 * <p>Broker's rules (spec §3.3): no negotiation between modes; the handshake completes before the
 * first Broker message; mutual TLS in certificate mode; no hostname or SNI check. Everything runs
 * on the JDK's TLS provider; protocols and suites are chosen in one place, {@code
 * TlsParameters}: TLS 1.3/1.2 with AES-GCM first for the certificate modes, Broker's TLS 1.2
 * {@code TLS_ECDH_anon_WITH_AES_256_CBC_SHA} for the anonymous mode.
 */
package io.jbroker.endpoint.tls;
