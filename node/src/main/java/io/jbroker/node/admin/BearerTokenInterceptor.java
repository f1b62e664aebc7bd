package io.jbroker.node.admin;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * Requires {@code authorization: Bearer <token>} on every call except those of the exempt
 * services (the health service, so that probes need no secret). A call without it, or with
 * another token, is closed with UNAUTHENTICATED before it reaches a service. Tokens are
 * compared in constant time.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {
  /** The metadata key that carries the token. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final byte[] expected;
  private final Set<String> exemptServices;

  public BearerTokenInterceptor(String token, Set<String> exemptServices) {
    this.expected = ("Bearer " + token).getBytes(StandardCharsets.US_ASCII);
    this.exemptServices = Set.copyOf(exemptServices);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (exemptServices.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String given = headers.get(AUTHORIZATION);
    if (given == null) {
      call.close(Status.UNAUTHENTICATED.withDescription(
          "this node requires a bearer token: send the metadata \"authorization: Bearer <token>\""), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (!MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.US_ASCII))) {
      call.close(Status.UNAUTHENTICATED.withDescription("wrong bearer token"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
