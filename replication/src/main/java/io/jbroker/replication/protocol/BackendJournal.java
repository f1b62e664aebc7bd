package io.jbroker.replication.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jbroker.error.BrokerException;
import io.jbroker.error.ErrorCode;
import io.jbroker.proto.replication.v1.WriterState;
import io.jbroker.store.Backend;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger log = LoggerFactory.getLogger(BackendJournal.class);
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

  @Override
  public void delete(long writer) {
    backend.putMeta(name(writer), null);
  }

  /** The writers named by the backend's metadata; a name that is not a writer's is logged and skipped. */
  @Override
  public List<Long> writers() {
    List<Long> out = new ArrayList<>();
    for (String name : backend.metaNames(PREFIX)) {
      try {
        out.add(Long.parseUnsignedLong(name.substring(PREFIX.length()), 16));
      } catch (NumberFormatException e) {
        log.warn("metadata '{}' is not a writer journal entry; left alone", name);
      }
    }
    return out;
  }

  static String name(long clone) {
    return PREFIX + Long.toHexString(clone);
  }
}
