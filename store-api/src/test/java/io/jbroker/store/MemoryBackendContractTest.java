package io.jbroker.store;

import io.jbroker.store.memory.MemoryBackend;
import java.nio.file.Path;

/** The backend contract, run against the memory backend. */
class MemoryBackendContractTest extends BackendContractTest {
  @Override
  protected Backend openBackend(Path dir) {
    return new MemoryBackend();
  }
}
