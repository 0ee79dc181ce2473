package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM, as a rolling update or a node drain sends it, to the leading one of two real {@code vmha
 * operator} processes (#20): it stops deciding, hands the leader Lease over and exits within
 * seconds, and the follower leads at once. Before, the leader logged "Stopped leading ... Exiting."
 * and hung until it was killed, and the follower waited for the Lease to expire.
 */
class OperatorShutdownE2ETest {
  static final String NS = "vmha-shutdown";
  static RealApiServer api;
  static Path dir;
  static final Map<String, Process> replicas = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.startWithCrds();
    api.createNamespace(NS);
    dir = Files.createTempDirectory("vmha-shutdown-e2e");
    for (String identity : List.of("a", "b")) {
      replicas.put(identity, operator(identity));
    }
  }

  @AfterAll
  static void stop() {
    replicas.values().forEach(Process::destroyForcibly);
    if (api != null) {
      api.close();
    }
  }

  static Process operator(String identity) throws Exception {
    return OperatorProcess.start(api, NS, identity, dir);
  }

  static String holder() {
    return api.leaseHolder(NS, "vmha-operator");
  }

  @Test
  void sigtermHandsLeadershipOverAndExitsWithinSeconds() throws Exception {
    await("a leader")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> replicas.containsKey(holder()));
    String leader = holder();
    String follower = leader.equals("a") ? "b" : "a";
    Process process = replicas.get(leader);

    long sent = System.nanoTime();
    process.destroy(); // SIGTERM
    boolean exited = process.waitFor(10, TimeUnit.SECONDS);
    Duration toExit = Duration.ofNanos(System.nanoTime() - sent);
    await("the follower leads")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> follower.equals(holder()));
    Duration toFollower = Duration.ofNanos(System.nanoTime() - sent);
    System.out.printf(
        "SIGTERM to leader %s: exited after %d ms, %s leads after %d ms%n",
        leader, toExit.toMillis(), follower, toFollower.toMillis());
    assertThat(exited).as("the leader exited").isTrue();
    assertThat(toExit).isLessThan(Duration.ofSeconds(5));
    assertThat(toFollower)
        .as("the follower leads within 2 s of the SIGTERM")
        .isLessThan(Duration.ofSeconds(2));
    assertThat(replicas.get(follower).isAlive()).isTrue();
  }
}
