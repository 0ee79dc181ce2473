package io.vmha.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentJournalTest {

  @Test
  void aFileJournalOutlivesTheAgentAndKeepsOnlyTheLastEntry(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("state/journal.json");
    AgentJournal first = AgentJournal.file(file);
    assertThat(first.last()).isEmpty();
    first.renewed(Instant.parse("2030-01-01T00:00:00Z"), Map.of("b", "https://10.0.0.2:9740"), 2);
    first.renewed(Instant.parse("2030-01-01T00:00:02Z"), Map.of("c", "https://10.0.0.3:9740"), 5);

    // a new agent process reads what the old one wrote last
    AgentJournal.Entry read = AgentJournal.file(file).last().orElseThrow();
    assertThat(read.lastRenewal()).isEqualTo(Instant.parse("2030-01-01T00:00:02Z"));
    assertThat(read.peers()).containsExactly(Map.entry("c", "https://10.0.0.3:9740"));
    assertThat(read.fleetSize()).isEqualTo(5);
    try (var leftovers = Files.list(file.getParent())) {
      assertThat(leftovers).containsExactly(file); // no temporary files left behind
    }
  }

  @Test
  void anUnreadableJournalIsNoJournal(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("journal.json");
    Files.writeString(file, "{\"lastRenewal\": \"yesterday\"");
    assertThat(AgentJournal.file(file).last()).isEmpty();
  }
}
