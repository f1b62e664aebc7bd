package io.jbroker.node.admin;

import io.jbroker.endpoint.Endpoint;
import io.jbroker.node.runtime.NodeStores;
import io.jbroker.node.runtime.StatusHub;
import io.jbroker.proto.admin.v1.InfoResponse;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * What the admin services work on.
 *
 * @param endpoint the node's endpoint
 * @param stores the node's stores
 * @param status the node's status events
 * @param info the node's description for {@code Node.Info}
 * @param requestTimeout the longest a request waits (shortened by a client deadline)
 * @param streamBuffer events a stream may fall behind by
 * @param executor runs the streams' senders
 * @param dataMessages told how many data messages went through Publish/Subscribe
 */
public record AdminContext(
    Endpoint endpoint,
    NodeStores stores,
    StatusHub status,
    Supplier<InfoResponse> info,
    Duration requestTimeout,
    int streamBuffer,
    Executor executor,
    IntConsumer dataMessages) {}
