package io.jbroker.node.admin;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jbroker.data.Data;
import io.jbroker.endpoint.Message;
import io.jbroker.endpoint.Subscriber;
import io.jbroker.proto.admin.v1.DataMessage;
import io.jbroker.proto.admin.v1.PubSubGrpc;
import io.jbroker.proto.admin.v1.PublishRequest;
import io.jbroker.proto.admin.v1.PublishResponse;
import io.jbroker.proto.admin.v1.SubscribeRequest;
import io.jbroker.proto.admin.v1.SubscribeResponse;
import java.util.ArrayList;
import java.util.List;

/** The PubSub service (see pubsub.proto). */
final class PubSubService extends PubSubGrpc.PubSubImplBase {
  static final int BATCH = 1024;

  private final AdminContext ctx;

  PubSubService(AdminContext ctx) {
    this.ctx = ctx;
  }

  private static void checkTopic(String topic) {
    if (topic.isEmpty()) {
      throw Status.INVALID_ARGUMENT.withDescription("topic is required").asRuntimeException();
    }
    if (topic.contains("<$>")) {
      throw ErrorMapping.toStatus(io.jbroker.error.ErrorCode.INVALID_TOPIC_KEY,
          "topic \"" + topic + "\" is reserved (<$> marks Broker's internal topics)");
    }
  }

  @Override
  public void publish(PublishRequest r, StreamObserver<PublishResponse> obs) {
    // publishing waits for room in full peer buffers (back-pressure): not on a transport thread
    ctx.executor().execute(() -> Calls.sync(obs, () -> {
      checkTopic(r.getTopic());
      if (r.getValuesCount() == 0) {
        throw Status.INVALID_ARGUMENT.withDescription("values: at least one value to publish is required")
            .asRuntimeException();
      }
      List<Data> values = new ArrayList<>(r.getValuesCount());
      for (int i = 0; i < r.getValuesCount(); i++) {
        values.add(DataProtos.fromProto(r.getValues(i), "values[" + i + "]"));
      }
      var publisher = ctx.endpoint().publisher(r.getTopic());
      int peers = values.size() == 1 ? publisher.publish(values.get(0)) : publisher.publish(values);
      ctx.dataMessages().accept(values.size());
      return PublishResponse.newBuilder().setPeers(peers).build();
    }));
  }

  @Override
  public void subscribe(SubscribeRequest r, StreamObserver<SubscribeResponse> obs) {
    try {
      if (r.getTopicsCount() == 0) {
        throw Status.INVALID_ARGUMENT.withDescription("topics: at least one topic prefix is required")
            .asRuntimeException();
      }
      r.getTopicsList().forEach(PubSubService::checkTopic);
    } catch (RuntimeException e) {
      Calls.fail(obs, e);
      return;
    }
    ServerCallStreamObserver<SubscribeResponse> sobs = (ServerCallStreamObserver<SubscribeResponse>) obs;
    EventStream<Message, SubscribeResponse> stream = new EventStream<>(sobs, ctx.executor(), ctx.streamBuffer(), BATCH,
        PubSubService::message, "subscription to " + r.getTopicsList());
    Subscriber[] holder = new Subscriber[1];
    Subscriber s = ctx.endpoint().subscribe(r.getTopicsList(), m -> {
      Subscriber self = holder[0];
      if (self != null && self.dropped() > 0) {
        stream.end(Status.RESOURCE_EXHAUSTED.withDescription("subscription to " + r.getTopicsList()
            + " fell behind and lost messages; subscribe again").asRuntimeException());
        return;
      }
      ctx.dataMessages().accept(1);
      stream.offer(m);
    });
    holder[0] = s;
    stream.onClose(s::close);
  }

  static SubscribeResponse message(List<Message> messages) {
    SubscribeResponse.Builder b = SubscribeResponse.newBuilder();
    for (Message m : messages) {
      b.addMessages(DataMessage.newBuilder().setTopic(m.topic()).setData(DataProtos.toProto(m.data())));
    }
    return b.build();
  }
}
