package io.jbroker.replication.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jbroker.proto.replication.v1.WriterState;
import io.jbroker.replication.protocol.BackendJournal;
import io.jbroker.replication.protocol.CommittedJournal;
import io.jbroker.store.Backend;
import io.jbroker.store.BackendOptions;
import io.jbroker.store.Backends;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Master and clones in separate JVMs over TCP with TLS: a master on SQLite killed with SIGKILL
 * and restarted on the same database, clones that resynchronise and converge, stale reads while
 * cut off, and the error codes of SEMANTICS.md where they belong.
 */
class ReplicationProcessTest {
  private static final Duration CALL = Duration.ofSeconds(30);
  @TempDir Path dir;
  private final List<Child> children = new ArrayList<>();

  @AfterEach
  void killChildren() throws InterruptedException {
    for (Child c : children) {
      c.kill();
    }
  }

  private Child start(String name, String... args) throws Exception {
    Child c = new Child(dir.resolve(name + "-" + children.size() + ".log"), args);
    children.add(c);
    return c;
  }

  private Child master(int port) throws Exception {
    return start("master", "listen=" + port, "store=kv", "role=master", "path=" + dir.resolve("kv.sqlite"));
  }

  private Child clone(String name, int masterPort, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("store=kv", "role=clone", "peer=127.0.0.1:" + masterPort));
    args.addAll(List.of(extra));
    return start(name, args.toArray(new String[0]));
  }

  @Test
  void clonesResynchroniseAndConvergeAfterTheMasterIsKilledAndRestarted() throws Exception {
    Child master = master(0);
    int port = master.port;
    Child c1 = clone("c1", port);
    Child c2 = clone("c2", port);
    for (int i = 0; i < 200; i++) {
      assertThat(c1.call("put k" + i + " " + i, CALL)).isEqualTo("OK null");
    }
    assertThat(c1.call("inc hits 5", CALL)).isEqualTo("OK null");
    assertThat(c1.call("idle", CALL)).isEqualTo("OK null");
    await().atMost(Duration.ofSeconds(30)).until(() -> c2.call("get k199", CALL).equals("OK 199"));
    assertThat(c2.call("get hits", CALL)).isEqualTo("OK 5");

    master.kill();
    Child restarted = master(port);
    // the acknowledged writes survived the kill; the clones follow the new epoch
    assertThat(restarted.call("get k199", CALL)).isEqualTo("OK 199");
    assertThat(restarted.call("keys", CALL)).isEqualTo("OK 201");
    await().atMost(Duration.ofSeconds(30)).until(() -> c2.call("inc hits 1", CALL).equals("OK null"));
    assertThat(c2.call("put after 1", CALL)).isEqualTo("OK null");
    assertThat(c2.call("idle", CALL)).isEqualTo("OK null");
    await().atMost(Duration.ofSeconds(30)).until(() -> c1.call("get after", CALL).equals("OK 1"));
    assertThat(c1.call("get hits", CALL)).isEqualTo("OK 6");
    assertThat(c1.call("keys", CALL)).isEqualTo("OK 202");
    assertThat(c2.call("keys", CALL)).isEqualTo("OK 202");
    assertThat(restarted.call("get hits", CALL)).isEqualTo("OK 6");
  }

  /**
   * A memory master loses everything when killed, its writer journal included: the clone follows
   * the empty new master and its writes go on (before writer_unknown they all timed out, the new
   * master waiting forever for write numbers only the old one had seen).
   */
  @Test
  void aCloneWritesOnAfterAMemoryMasterIsKilledAndRestartedEmpty() throws Exception {
    Child master = start("memory-master", "listen=0", "store=kv", "role=master");
    int port = master.port;
    Child c = clone("c", port);
    for (int i = 0; i < 20; i++) {
      assertThat(c.call("put k" + i + " " + i, CALL)).isEqualTo("OK null");
    }
    master.kill();
    Child restarted = start("memory-master", "listen=" + port, "store=kv", "role=master");
    assertThat(restarted.call("keys", CALL)).isEqualTo("OK 0");
    await().atMost(Duration.ofSeconds(30)).until(() -> c.call("put after 1", CALL).equals("OK null"));
    assertThat(c.call("inc hits 2", CALL)).isEqualTo("OK null");
    assertThat(c.call("idle", CALL)).isEqualTo("OK null");
    assertThat(restarted.call("get after", CALL)).isEqualTo("OK 1");
    assertThat(restarted.call("get hits", CALL)).isEqualTo("OK 2");
    assertThat(c.call("keys", CALL)).isEqualTo("OK 2");
  }

  /**
   * A clone frozen (SIGSTOP) for longer than the master's writer retention comes back: the master
   * has deleted its writer's journal entry, answers its next write with writer_unknown, and the
   * clone writes on as a new writer. The master's SQLite file then holds the old writer's
   * tombstone and the new writer's entry, nothing else.
   */
  @Test
  void aCloneFrozenPastTheWriterRetentionWritesOnAsANewWriter() throws Exception {
    Path db = dir.resolve("kv.sqlite");
    Child master = start("master", "listen=0", "store=kv", "role=master", "path=" + db, "timeout=1500",
        "clone-timeout=1000", "retention=2000");
    Child c = clone("c", master.port, "timeout=1500");
    await().atMost(Duration.ofSeconds(30)).until(() -> c.call("put k1 1", CALL).equals("OK null"));
    assertThat(CommittedJournal.names(db)).as("the clone's writer, committed with its write").hasSize(1);
    c.signal("STOP");
    // silent until the master has deleted the writer's entry (clone timeout 1 s, retention 2 s)
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> CommittedJournal.names(db).isEmpty());
    c.signal("CONT");
    await().atMost(Duration.ofSeconds(30)).until(() -> c.call("put k2 2", CALL).equals("OK null"));
    assertThat(c.call("inc n 1", CALL)).isEqualTo("OK null");
    assertThat(master.call("get k1", CALL)).isEqualTo("OK 1");
    assertThat(master.call("get k2", CALL)).isEqualTo("OK 2");
    assertThat(master.call("get n", CALL)).isEqualTo("OK 1");
    master.kill();

    try (Backend b = Backends.open("sqlite", BackendOptions.empty().with("path", db.toString()))) {
      List<WriterState> entries = new ArrayList<>();
      for (String name : b.metaNames(BackendJournal.PREFIX)) {
        entries.add(WriterState.parseFrom(b.getMeta(name)));
      }
      assertThat(entries).hasSize(2);
      assertThat(entries).filteredOn(WriterState::getAbandoned).hasSize(1);
      assertThat(entries).filteredOn(e -> !e.getAbandoned()).singleElement()
          .satisfies(e -> assertThat(e.getApplied()).as("k2 and n, as the new writer's 1 and 2").isEqualTo(2));
    }
  }

  @Test
  void aCloneCutOffLongerThanTheStaleIntervalAnswersStaleDataThenRecovers() throws Exception {
    Child master = master(0);
    int port = master.port;
    Child c = clone("c", port, "stale=1000");
    assertThat(c.call("put a 1", CALL)).isEqualTo("OK null");
    assertThat(c.call("get a", CALL)).isEqualTo("OK 1");
    master.kill();
    await().atMost(Duration.ofSeconds(30)).until(() -> c.call("get a", CALL).equals("ERR stale_data"));
    master(port);
    await().atMost(Duration.ofSeconds(30)).until(() -> c.call("get a", CALL).equals("OK 1"));
  }

  @Test
  void writesAndReadsWithoutAMasterFailWithTheirErrorCodes() throws Exception {
    Child lonely = start("lonely", "store=kv", "role=clone", "timeout=1000");
    // never synchronised: a write is never sent (no master found), a read is stale
    assertThat(lonely.call("put a 1", CALL)).isEqualTo("ERR no_such_master");
    assertThat(lonely.call("get a", CALL)).isEqualTo("ERR stale_data");

    Child master = master(0);
    Child c = clone("c", master.port, "timeout=1000");
    // the first writes may time out while the clone is still peering and synchronising
    await().atMost(Duration.ofSeconds(30)).until(() -> c.call("put a 1", CALL).equals("OK null"));
    master.kill();
    // synchronised before, master gone: the write times out without being sent
    await().atMost(Duration.ofSeconds(30)).until(() -> c.call("put b 2", CALL).equals("ERR request_timeout"));
  }

  @Test
  void aSecondMasterOfTheSameNameIsRefused() throws Exception {
    Child master = master(0);
    Child peered = start("peer", "store=other", "role=clone", "peer=127.0.0.1:" + master.port);
    assertThat(peered.port).isPositive();
    // a process that peers with the master before attaching its own master of "kv"
    String line = Child.firstLine(dir.resolve("second.log"), "store=kv", "role=master", "path=" + dir.resolve("other.sqlite"),
        "peer=127.0.0.1:" + master.port, "attach-after-peer=true");
    assertThat(line).isEqualTo("ATTACH-FAILED master_exists");
  }
}
