package io.jbroker.replication.sim;

import io.jbroker.proto.replication.v1.StoreMessage;
import java.util.Random;

/**
 * The in-memory router between the master (node 0) and the clones (nodes 1..n): one link per
 * direction and clone, each with its own faults — loss, duplication, jitter (reordering),
 * latency, and a cut (partition). Messages travel serialised, as on the wire; the receiver
 * parses every copy on delivery. The same number of random draws is made per message whatever the link's
 * faults, so turning one fault off perturbs the rest of the run as little as possible.
 */
final class Network {
  static final long BASE_LATENCY = 1_000_000L;

  /** One direction between the master and one clone. */
  static final class Link {
    double drop;
    double duplicate;
    long latency = BASE_LATENCY;
    long jitter;
    boolean cut;
    /** Per fault class, the generation of its latest setting (a revert applies only to its own). */
    final int[] generation = new int[Fault.values().length];

    void heal() {
      drop = 0;
      duplicate = 0;
      latency = BASE_LATENCY;
      jitter = 0;
      cut = false;
      for (int i = 0; i < generation.length; i++) {
        generation[i]++;
      }
    }
  }

  interface Receiver {
    /** Delivers one copy of a message, as serialised. */
    void deliver(int from, int to, byte[] message);
  }

  private final VirtualScheduler scheduler;
  private final Random random;
  private final Trace trace;
  private final Receiver receiver;
  private final Link[] toClone;
  private final Link[] toMaster;
  /** Messages sent, per kind of body (coverage). */
  final java.util.Map<StoreMessage.BodyCase, Integer> kinds = new java.util.EnumMap<>(StoreMessage.BodyCase.class);
  long sent;
  long dropped;

  Network(VirtualScheduler scheduler, long seed, int clones, Trace trace, Receiver receiver) {
    this.scheduler = scheduler;
    this.random = new Random(seed);
    this.trace = trace;
    this.receiver = receiver;
    this.toClone = new Link[clones + 1];
    this.toMaster = new Link[clones + 1];
    for (int i = 1; i <= clones; i++) {
      toClone[i] = new Link();
      toMaster[i] = new Link();
    }
  }

  Link link(int from, int to) {
    return from == Schedule.MASTER ? toClone[to] : toMaster[from];
  }

  void healAll() {
    for (int i = 1; i < toClone.length; i++) {
      toClone[i].heal();
      toMaster[i].heal();
    }
  }

  void send(int from, int to, StoreMessage message) {
    send(from, to, message.getBodyCase(), message.toByteArray());
  }

  /** A message already serialised (the master's update messages), of the {@code kind} given. */
  void send(int from, int to, StoreMessage.BodyCase kind, byte[] bytes) {
    sent++;
    kinds.merge(kind, 1, Integer::sum);
    Link l = link(from, to);
    double lose = random.nextDouble();
    double twice = random.nextDouble();
    double jitter1 = random.nextDouble();
    double jitter2 = random.nextDouble();
    if (l.cut || lose < l.drop) {
      dropped++;
      if (trace.on()) {
        trace.add(route(from, to) + (l.cut ? " CUT " : " DROP ") + Trace.describe(Wire.parse(bytes)));
      }
      return;
    }
    schedule(from, to, bytes, l.latency + (long) (jitter1 * l.jitter));
    if (twice < l.duplicate) {
      if (trace.on()) {
        trace.add(route(from, to) + " DUPLICATE " + Trace.describe(Wire.parse(bytes)));
      }
      schedule(from, to, bytes, l.latency + (long) (jitter2 * (l.jitter + l.latency)));
    }
  }

  private void schedule(int from, int to, byte[] bytes, long latency) {
    scheduler.after(latency, () -> {
      if (link(from, to).cut) {
        dropped++;
        return; // cut while in flight
      }
      receiver.deliver(from, to, bytes);
    });
  }

  static String route(int from, int to) {
    return from == Schedule.MASTER ? "m->c" + to : "c" + from + "->m";
  }
}
