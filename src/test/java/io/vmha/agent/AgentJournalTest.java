package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentJournalTest {
  static final String BOOT = "3f0c7e1a-boot";

  static AgentJournal.Entry entry(long nanos, Map<String, PeerClient.Peer> peers, int fleet) {
    return new AgentJournal.Entry(Instant.parse("2030-01-01T00:00:00Z"), nanos, BOOT, peers, fleet);
  }

  @Test
  void aFileJournalOutlivesTheAgentAndKeepsOnlyTheLastEntry(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("state/journal.json");
    AgentJournal first = AgentJournal.file(file);
    assertThat(first.last()).isEmpty();
    first.renewed(
        entry(1_000, Map.of("b", new PeerClient.Peer("https://10.0.0.2:9740", List.of("kb"))), 2));
    PeerClient.Peer c = new PeerClient.Peer("https://10.0.0.3:9740", List.of("kc-new", "kc-old"));
    first.renewed(entry(2_000, Map.of("c", c), 5));

    // a new agent process reads what the old one wrote last
    AgentJournal.Entry read = AgentJournal.file(file).last().orElseThrow();
    assertThat(read.renewalNanos(BOOT, 5_000)).contains(2_000L);
    assertThat(read.peers()).containsExactly(Map.entry("c", c));
    assertThat(read.fleetSize()).isEqualTo(5);
    try (var leftovers = Files.list(file.getParent())) {
      assertThat(leftovers).containsExactly(file); // no temporary files left behind
    }
  }

  @Test
  void anUnreadableJournalIsNoJournal(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("journal.json");
    Files.writeString(file, "{\"renewedNanos\": 12");
    assertThat(AgentJournal.file(file).last()).isEmpty();
    // the format before monotonic instants: no usable renewal either
    Files.writeString(file, "{\"lastRenewal\": \"2030-01-01T00:00:00Z\", \"fleetSize\": 3}");
    assertThat(AgentJournal.file(file).last()).isEmpty();
    // the format before peer keys (peers as bare endpoints): their answers could not be checked
    Files.writeString(
        file,
        "{\"renewedAt\": \"2030-01-01T00:00:00Z\", \"renewedNanos\": 12, \"bootId\": \"b\","
            + " \"peers\": {\"b\": \"https://10.0.0.2:9740\"}, \"fleetSize\": 2}");
    assertThat(AgentJournal.file(file).last()).isEmpty();
  }

  /** R5: only a renewal of this boot, not in the future, says how long ago the agent renewed. */
  @Test
  void aRenewalOfAnotherBootOrFromTheFutureCountsAsLongAgo() {
    AgentJournal.Entry recorded = entry(10_000, Map.of(), 3);
    assertThat(recorded.renewalNanos(BOOT, 10_000)).contains(10_000L);
    assertThat(recorded.renewalNanos("another-boot", 20_000)).isEmpty();
    assertThat(recorded.renewalNanos(BOOT, 9_999)).isEmpty();
    assertThat(recorded.renewalNanos(null, 20_000)).isEmpty();
  }

  /** R7: a self-fence waits for its acknowledgement across processes, and renewals keep it. */
  @Test
  void anUnacknowledgedFenceOutlivesTheProcessUntilAcknowledged(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("journal.json");
    assertThat(AgentJournal.file(file).unacknowledgedFence()).isEmpty();
    AgentJournal.file(file).fence("2030-01-01T00:00:10Z");
    AgentJournal.file(file).renewed(entry(12, Map.of(), 3));
    assertThat(AgentJournal.file(file).unacknowledgedFence()).contains("2030-01-01T00:00:10Z");
    AgentJournal.file(file).fence(null);
    assertThat(AgentJournal.file(file).unacknowledgedFence()).isEmpty();
    assertThat(AgentJournal.file(file).last()).isPresent();
  }

  /** A fence record that cannot be read still means "a fence was made": nothing starts. */
  @Test
  void anUnreadableFenceRecordStillHoldsTheAgentBack(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("journal.json");
    Files.writeString(dir.resolve("journal.json.self-fence"), "{\"selfFencedAt\": ");
    assertThat(AgentJournal.file(file).unacknowledgedFence()).isPresent();
  }

  @Test
  void theBootIdOfThisMachineIsReadable() {
    assertThat(AgentJournal.currentBootId()).isNotBlank();
  }
}
