package io.jbroker.endpoint;

/**
 * What happens when a bounded buffer is full (Broker's {@code peer-overflow-policy}).
 *
 * <p>For a peer's output buffer: envelopes forwarded from the network get the policy at once
 * (an I/O thread never blocks); envelopes published locally first wait for room up to the
 * publish timeout — the publisher is slowed down — and then get the policy. For a subscriber's
 * queue the policy applies at once ({@link #DISCONNECT} closes the subscriber). Every drop is
 * counted and every disconnect is reported as a status event: nothing is lost silently.
 */
public enum OverflowPolicy {
  /** Close the peering (reported as {@code peer_removed} with the reason; not re-dialled). */
  DISCONNECT,
  /** Drop the oldest buffered message to make room for the new one. */
  DROP_OLDEST,
  /** Drop the new message. */
  DROP_NEWEST;

  /** Parses Broker's names: {@code disconnect}, {@code drop_oldest}, {@code drop_newest} (also with '-'). */
  public static OverflowPolicy parse(String text) {
    switch (text.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_')) {
      case "disconnect":
        return DISCONNECT;
      case "drop_oldest":
        return DROP_OLDEST;
      case "drop_newest":
        return DROP_NEWEST;
      default:
        throw new IllegalArgumentException("overflow policy \"" + text
            + "\" is not one of disconnect, drop_oldest, drop_newest");
    }
  }
}
