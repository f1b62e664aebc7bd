package io.jbroker.bench;

import io.jbroker.data.Data;
import io.jbroker.data.PortData;
import io.jbroker.data.VectorData;

/** The values the benchmarks encode and store, built once per trial. */
final class Payloads {
  private Payloads() {}

  /** The small event {@code (42, test)}: an integer and a string; encodes to 17 bytes. */
  static VectorData smallEvent() {
    return Data.vector(Data.integer(42), Data.string("test"));
  }

  /**
   * One Zeek {@code conn.log} record as a flat vector of its 21 fields, with the types Zeek
   * sends: ts, uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p, proto, service, duration,
   * orig_bytes, resp_bytes, conn_state, local_orig, local_resp, missed_bytes, history,
   * orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes, tunnel_parents. Encodes to 174 bytes.
   */
  static VectorData connLogEvent() {
    return Data.vector(
        Data.timestampNanos(1_404_901_004_123_456_000L),
        Data.string("CHhAvVGS1DHFjwGM9"),
        Data.address("192.168.1.102"),
        Data.port(52_344, PortData.Protocol.TCP),
        Data.address("93.184.216.34"),
        Data.port(443, PortData.Protocol.TCP),
        Data.enumValue("tcp"),
        Data.string("ssl"),
        Data.timespanNanos(352_104_000L),
        Data.count(517),
        Data.count(4_321),
        Data.string("SF"),
        Data.of(true),
        Data.of(false),
        Data.count(0),
        Data.string("ShADadFf"),
        Data.count(12),
        Data.count(1_149),
        Data.count(10),
        Data.count(4_853),
        Data.set());
  }
}
