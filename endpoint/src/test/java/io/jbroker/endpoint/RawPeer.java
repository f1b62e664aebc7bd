package io.jbroker.endpoint;

import io.jbroker.endpoint.wire.EndpointId;
import io.jbroker.endpoint.wire.Envelope;
import io.jbroker.endpoint.wire.Filter;
import io.jbroker.endpoint.wire.HandshakeCodec;
import io.jbroker.endpoint.wire.HandshakeMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;

/**
 * A Broker peer driven by hand over a blocking plain-TCP socket: frames, the handshake of
 * spec/broker-endpoint.md §3.6 (either role, built from {@link HandshakeMessage}) and phase-3
 * envelopes. Tests use it to send what a well-behaved endpoint never sends, or to stop reading.
 */
final class RawPeer implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  final EndpointId id;
  private EndpointId remote;

  private RawPeer(Socket socket, EndpointId id) throws IOException {
    this.socket = socket;
    this.id = id;
    socket.setSoTimeout((int) Nodes.WAIT.toMillis());
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects to {@code port} on 127.0.0.1. */
  static RawPeer dial(int port, EndpointId id) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(Nodes.HOST, port), 5000);
    return new RawPeer(s, id);
  }

  /** Wraps a socket we accepted. */
  static RawPeer accepted(Socket s, EndpointId id) throws IOException {
    return new RawPeer(s, id);
  }

  EndpointId remote() {
    return remote;
  }

  // ---- bytes and frames --------------------------------------------------------------------

  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void sendFrame(byte[] payload) throws IOException {
    sendRaw(frame(payload));
  }

  /** {@code payload} behind Broker's 4-byte big-endian length. */
  static byte[] frame(byte[] payload) {
    byte[] b = new byte[4 + payload.length];
    b[0] = (byte) (payload.length >>> 24);
    b[1] = (byte) (payload.length >>> 16);
    b[2] = (byte) (payload.length >>> 8);
    b[3] = (byte) payload.length;
    System.arraycopy(payload, 0, b, 4, payload.length);
    return b;
  }

  void send(HandshakeMessage m) throws IOException {
    sendFrame(m.toBytes());
  }

  void send(Envelope e) throws IOException {
    sendFrame(e.toBytes());
  }

  /** The next frame's payload; {@link EOFException} at the end of the stream. */
  byte[] readFrame() throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 64 * 1024 * 1024) {
      throw new IOException("unexpected frame length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  HandshakeMessage readHandshake() throws IOException {
    HandshakeCodec.Result r = HandshakeCodec.decode(Unpooled.wrappedBuffer(readFrame()));
    if (r instanceof HandshakeCodec.Ok ok) {
      return ok.message();
    }
    throw new IOException("invalid handshake frame: " + r);
  }

  Envelope readEnvelope() throws IOException {
    ByteBuf b = Unpooled.wrappedBuffer(readFrame());
    return Envelope.decode(b);
  }

  /** Whether the other side closed the connection: reads until EOF or a reset (within the socket timeout). */
  boolean awaitClosedByRemote() {
    try {
      byte[] sink = new byte[8192];
      while (in.read(sink) >= 0) {
        // discard whatever arrives until the close
      }
      return true;
    } catch (SocketException e) {
      return true; // connection reset
    } catch (IOException e) {
      return false; // timed out: still open
    }
  }

  // ---- handshake -----------------------------------------------------------------------------

  /**
   * Runs the whole handshake advertising {@code filter}: first sends probe (acceptor) or hello
   * (connector), then plays originator or responder by comparing ids, as §3.6 says.
   */
  RawPeer handshake(boolean connector, Filter filter) throws IOException {
    send(connector ? HandshakeMessage.hello(id) : HandshakeMessage.probe());
    while (true) {
      HandshakeMessage m = readHandshake();
      if (m instanceof HandshakeMessage.Probe) {
        continue;
      } else if (m instanceof HandshakeMessage.Hello h) {
        remote = h.sender();
        if (id.compareTo(h.sender()) < 0) {
          send(HandshakeMessage.versionSelect(id));
          send(new HandshakeMessage.OriginatorSyn(filter));
        } else {
          send(HandshakeMessage.hello(id));
        }
      } else if (m instanceof HandshakeMessage.VersionSelect v) {
        remote = v.sender();
      } else if (m instanceof HandshakeMessage.OriginatorSyn) {
        send(new HandshakeMessage.ResponderSynAck(filter));
      } else if (m instanceof HandshakeMessage.ResponderSynAck) {
        send(new HandshakeMessage.OriginatorAck());
        return this;
      } else if (m instanceof HandshakeMessage.OriginatorAck) {
        return this;
      } else {
        throw new IOException("handshake failed: " + m);
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
