package io.vmha.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a host agent must remember across its own restarts to fence on time: the moment of its last
 * acknowledged heartbeat renewal, and its peers. The operator judges a host lost {@code
 * hostGracePeriod} after the last renewal it saw and fails its VMs over, trusting the host to have
 * stopped them by {@code selfFenceAfter}. An agent restarted behind a partition that counted from
 * its own start would stop them up to {@code selfFenceAfter} too late, and one that cannot read its
 * peers from the API server could never learn that they reach it.
 *
 * <p>The renewal is kept on the monotonic clock with the boot it belongs to: {@code
 * CLOCK_MONOTONIC} is shared by every process of one boot and never set back, so a restarted agent
 * measures the renewal's age exactly; after a reboot (another boot id) the record says nothing
 * about time, and the agent counts its last renewal as long ago (a rebooted host runs no instance
 * anyway).
 */
public interface AgentJournal {

  /**
   * The last renewal recorded.
   *
   * @param renewedAt wall-clock time of the renewal, for people reading the file
   * @param renewedNanos the monotonic instant its request was sent
   * @param bootId the boot that monotonic instant belongs to
   * @param peers the peers (host → endpoint and keys)
   * @param fleetSize hosts in the fleet then, this one included (hosts without an endpoint count)
   */
  record Entry(
      Instant renewedAt,
      long renewedNanos,
      String bootId,
      Map<String, PeerClient.Peer> peers,
      int fleetSize) {

    /**
     * The monotonic instant of the renewal if it is usable now: same boot, not in the future.
     * Anything else (another boot, a clock that went back, a hand-edited file) counts as "long
     * ago".
     */
    public Optional<Long> renewalNanos(String currentBootId, long nowNanos) {
      if (bootId == null || !bootId.equals(currentBootId) || renewedNanos - nowNanos > 0) {
        return Optional.empty();
      }
      return Optional.of(renewedNanos);
    }
  }

  /** The last entry recorded, if any and readable. */
  Optional<Entry> last();

  /** Records an acknowledged renewal, the peers and the fleet's size known then. */
  void renewed(Entry entry);

  /**
   * The self-fence this host made and the operator has not acknowledged yet (R7), if any. It
   * outlives the process: an agent restarted before the acknowledgement must still start nothing,
   * or it would race the operator's re-placement of the VMs it stopped.
   */
  Optional<String> unacknowledgedFence();

  /** Records a self-fence made at {@code fencedAt} (null: acknowledged, forget it). */
  void fence(String fencedAt);

  /** A journal in memory: survives an agent object, not its process (the simulation's hosts). */
  static AgentJournal inMemory() {
    AtomicReference<Entry> last = new AtomicReference<>();
    AtomicReference<String> fence = new AtomicReference<>();
    return new AgentJournal() {
      @Override
      public Optional<Entry> last() {
        return Optional.ofNullable(last.get());
      }

      @Override
      public void renewed(Entry entry) {
        last.set(entry);
      }

      @Override
      public Optional<String> unacknowledgedFence() {
        return Optional.ofNullable(fence.get());
      }

      @Override
      public void fence(String fencedAt) {
        fence.set(fencedAt);
      }
    };
  }

  /**
   * This machine's boot id ({@code /proc/sys/kernel/random/boot_id}); null where there is none, and
   * then no journal entry is ever trusted.
   */
  static String currentBootId() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * A journal in a JSON file, replaced atomically and synced to disk on every renewal (a power loss
   * right after a renewal must not bring back an older one). An unreadable file counts as no
   * record.
   */
  static AgentJournal file(Path path) {
    ObjectMapper json = new ObjectMapper();
    return new AgentJournal() {
      @Override
      public Optional<Entry> last() {
        try {
          var node = json.readTree(path.toFile());
          // a journal from before peer keys (endpoint strings) does not convert: "long ago"
          Map<String, PeerClient.Peer> peers =
              json.convertValue(
                  node.path("peers"),
                  new com.fasterxml.jackson.core.type.TypeReference<
                      Map<String, PeerClient.Peer>>() {});
          Map<String, PeerClient.Peer> known = peers == null ? Map.of() : peers;
          if (!node.path("renewedNanos").isIntegralNumber()) {
            return Optional.empty();
          }
          return Optional.of(
              new Entry(
                  Instant.parse(node.path("renewedAt").asText()),
                  node.path("renewedNanos").asLong(),
                  node.path("bootId").asText(null),
                  known,
                  node.path("fleetSize").asInt(known.size() + 1)));
        } catch (IOException | RuntimeException e) {
          return Optional.empty();
        }
      }

      @Override
      public void renewed(Entry entry) {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("renewedAt", entry.renewedAt().toString());
        content.put("renewedNanos", entry.renewedNanos());
        content.put("bootId", entry.bootId());
        content.put("peers", Map.copyOf(entry.peers()));
        content.put("fleetSize", entry.fleetSize());
        try {
          replaceDurably(path, json.writeValueAsBytes(content));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write the agent journal " + path, e);
        }
      }

      @Override
      public Optional<String> unacknowledgedFence() {
        if (!Files.exists(fenceFile)) {
          return Optional.empty();
        }
        try {
          String fencedAt = json.readTree(fenceFile.toFile()).path("selfFencedAt").asText("");
          return fencedAt.isEmpty() ? Optional.empty() : Optional.of(fencedAt);
        } catch (IOException | RuntimeException e) {
          // unreadable: a fence was made, and when is lost; the file's time stands for it
          try {
            return Optional.of(Files.getLastModifiedTime(fenceFile).toInstant().toString());
          } catch (IOException | RuntimeException again) {
            return Optional.of(Instant.EPOCH.toString());
          }
        }
      }

      @Override
      public void fence(String fencedAt) {
        try {
          if (fencedAt == null) {
            Files.deleteIfExists(fenceFile);
            syncDirectory(fenceFile.toAbsolutePath().getParent());
          } else {
            replaceDurably(fenceFile, json.writeValueAsBytes(Map.of("selfFencedAt", fencedAt)));
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write the agent journal " + fenceFile, e);
        }
      }

      private final Path fenceFile = path.resolveSibling(path.getFileName() + ".self-fence");
    };
  }

  /** Replaces {@code path} with {@code content} atomically, synced to disk with its directory. */
  private static void replaceDurably(Path path, byte[] content) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path next = Files.createTempFile(parent, ".journal", ".tmp");
    try (FileChannel out = FileChannel.open(next, StandardOpenOption.WRITE)) {
      out.write(java.nio.ByteBuffer.wrap(content));
      out.force(true);
    }
    try {
      Files.move(next, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(next, path, StandardCopyOption.REPLACE_EXISTING);
    }
    syncDirectory(parent);
  }

  /** Makes the rename itself durable; a file system that cannot sync a directory is left alone. */
  private static void syncDirectory(Path directory) {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // some file systems refuse to open a directory for sync: the file itself is synced
    }
  }
}
