package io.jbroker.bench;

import io.jbroker.data.BinaryCodec;
import io.jbroker.data.Data;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link BinaryCodec} on one event, single-threaded: encode into a fresh array, encode into a
 * reused buffer, and decode. {@code payload}: {@code small} is {@code (42, "test")} (17 bytes),
 * {@code conn} a 21-field conn.log record ({@link Payloads#connLogEvent()}, 174 bytes).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CodecBenchmark {
  @Param({"small", "conn"})
  public String payload;

  private Data event;
  private byte[] encoded;
  private byte[] buffer;

  @Setup(Level.Trial)
  public void setUp() {
    event = switch (payload) {
      case "small" -> Payloads.smallEvent();
      case "conn" -> Payloads.connLogEvent();
      default -> throw new IllegalArgumentException("unknown payload " + payload);
    };
    encoded = BinaryCodec.encode(event);
    buffer = new byte[64 * 1024];
    if (!BinaryCodec.decode(encoded).equals(event)) {
      throw new IllegalStateException("round trip of " + payload + " payload changed the value");
    }
  }

  /** {@code encode(Data)}: sizes the value, allocates the array, writes it. */
  @Benchmark
  public byte[] encode() {
    return BinaryCodec.encode(event);
  }

  /** {@code encode(Data, byte[], int)} into a buffer reused across calls: no allocation. */
  @Benchmark
  public int encodeReused() {
    return BinaryCodec.encode(event, buffer, 0);
  }

  /** {@code encodedSize(Data)} alone: the sizing pass {@link #encode()} pays for. */
  @Benchmark
  public int encodedSize() {
    return BinaryCodec.encodedSize(event);
  }

  /** {@code decode(byte[])} of the whole encoding, with all validation. */
  @Benchmark
  public Data decode() {
    return BinaryCodec.decode(encoded);
  }
}
