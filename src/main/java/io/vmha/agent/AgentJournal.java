package io.vmha.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a host agent must remember across its own restarts to fence on time: the moment of its last
 * successful heartbeat renewal, and its peers' endpoints. The operator judges a host lost {@code
 * hostGracePeriod} after the last renewal it saw and fails its VMs over, trusting the host to have
 * stopped them by {@code selfFenceAfter}. An agent restarted behind a partition that counted from
 * its own start would stop them up to {@code selfFenceAfter} too late, and one that cannot read its
 * peers from the API server could never learn that they reach it: it would keep its VMs running
 * while their copies run elsewhere.
 */
public interface AgentJournal {

  /**
   * The last renewal, the peers' endpoints (host → endpoint URL) and the number of hosts in the
   * fleet then (this one included; hosts without an endpoint count too).
   */
  record Entry(Instant lastRenewal, Map<String, String> peers, int fleetSize) {}

  /** The last entry recorded, if any. */
  Optional<Entry> last();

  /** Records a successful renewal, the peers and the fleet's size known then. */
  void renewed(Instant at, Map<String, String> peers, int fleetSize);

  /** A journal in memory: survives an agent object, not its process (the simulation's hosts). */
  static AgentJournal inMemory() {
    AtomicReference<Entry> last = new AtomicReference<>();
    return new AgentJournal() {
      @Override
      public Optional<Entry> last() {
        return Optional.ofNullable(last.get());
      }

      @Override
      public void renewed(Instant at, Map<String, String> peers, int fleetSize) {
        last.set(new Entry(at, Map.copyOf(peers), fleetSize));
      }
    };
  }

  /**
   * A journal in a JSON file, replaced atomically on every renewal. An unreadable file counts as no
   * record: the agent then counts from its start and knows no peers, as without a journal.
   */
  static AgentJournal file(Path path) {
    ObjectMapper json = new ObjectMapper();
    return new AgentJournal() {
      @Override
      public Optional<Entry> last() {
        try {
          var node = json.readTree(path.toFile());
          Map<String, String> peers =
              json.convertValue(
                  node.path("peers"),
                  new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
          Map<String, String> known = peers == null ? Map.of() : peers;
          return Optional.of(
              new Entry(
                  Instant.parse(node.path("lastRenewal").asText()),
                  known,
                  node.path("fleetSize").asInt(known.size() + 1)));
        } catch (IOException | RuntimeException e) {
          return Optional.empty();
        }
      }

      @Override
      public void renewed(Instant at, Map<String, String> peers, int fleetSize) {
        try {
          Path parent = path.toAbsolutePath().getParent();
          Files.createDirectories(parent);
          Path next = Files.createTempFile(parent, ".journal", ".tmp");
          json.writeValue(
              next.toFile(),
              Map.of(
                  "lastRenewal",
                  at.toString(),
                  "peers",
                  Map.copyOf(peers),
                  "fleetSize",
                  fleetSize));
          try {
            Files.move(
                next, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          } catch (AtomicMoveNotSupportedException e) {
            Files.move(next, path, StandardCopyOption.REPLACE_EXISTING);
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write the agent journal " + path, e);
        }
      }
    };
  }
}
