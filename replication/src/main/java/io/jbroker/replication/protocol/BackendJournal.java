package io.jbroker.replication.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.WriterState;
import io.jbroker.store.Backend;

/**
 * A {@link WriterJournal} kept in the master's backend as metadata ({@link Backend#putMeta}), one
 * value per writing clone under {@value #PREFIX}{@code <clone id in hex>}. The master saves it in
 * the batch whose writes it describes, before the batch's commit, so the journal and the data it
 * describes become durable together: after a crash a restarted master knows exactly which clone
 * writes its backend already holds, and answers a resent one from the journal instead of applying
 * it a second time.
 *
 * <p>Backends that keep no metadata (the SPI's default) make this a journal that forgets, which is
 * right for them: their data does not survive a restart either.
 */
public final class BackendJournal implements WriterJournal {
  /** Metadata name prefix of the writer states. */
  public static final String PREFIX = "replication.writer.";

  private final Backend backend;

  public BackendJournal(Backend backend) {
    this.backend = backend;
  }

  @Override
  public WriterState load(long clone) {
    String name = name(clone);
    byte[] bytes = backend.getMeta(name);
    if (bytes == null) {
      return null;
    }
    try {
      return WriterState.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new BrokerException(ErrorCode.INVALID_DATA, "writer journal entry '" + name + "' does not decode: "
          + e.getMessage());
    }
  }

  @Override
  public void save(long clone, WriterState state) {
    backend.putMeta(name(clone), state.toByteArray());
  }

  static String name(long clone) {
    return PREFIX + Long.toHexString(clone);
  }
}
