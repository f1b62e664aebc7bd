package io.jbroker.node;

import io.jbroker.node.config.ConfigLoader;
import io.jbroker.node.config.Flags;
import io.jbroker.node.config.NodeConfig;
import java.nio.file.Path;
import java.util.Map;

/** Nodes started in-process on free ports with their data under a test directory. */
final class TestNodes {
  private TestNodes() {}

  /** A node with a memory master "kv" (plus {@code extra} HOCON assignments), everything on port 0. */
  static NodeConfig config(Path dataDir, String... extra) {
    return withStores(dataDir, "{kv={role=master,backend=memory}}", extra);
  }

  /** A node with the given stores object (HOCON) and {@code extra} assignments, everything on port 0. */
  static NodeConfig withStores(Path dataDir, String stores, String... extra) {
    Flags f = new Flags()
        .set("data-dir", dataDir.toString(), "test")
        .assignment("listen=[{address=127.0.0.1,port=0}]")
        .assignment("admin.port=0")
        .assignment("metrics.port=0")
        .assignment("stores=" + stores);
    for (String e : extra) {
      f.assignment(e);
    }
    return ConfigLoader.load(null, Map.of(), f.toConfig());
  }
}
