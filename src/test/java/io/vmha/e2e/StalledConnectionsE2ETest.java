package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmha.agent.sim.FaultProxy;
import io.vmha.api.VirtualMachine;
import io.vmha.testbed.AgentProcess;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connections that go quiet without closing, as they do when the API server replica they reach
 * loses power behind a load balancer, or a middlebox forgets them: a real kube-apiserver, one real
 * {@code vmha operator} replica (leader election on, default timings) and three real agent
 * processes, each reaching it through a TCP fault proxy of its own. A proxy set to stall keeps
 * every connection open at that moment quiet for good and passes new ones.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class StalledConnectionsE2ETest {
  static final String NS = "vmha-stall";
  static final List<String> HOSTS = List.of("w1", "w2", "w3");
  static RealApiServer api;
  static Path dir;
  static Path proxied;
  static FaultProxy proxy;
  static Process operator;
  static Map<String, AgentProcess> agents;

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.startWithCrds();
    api.createNamespace(NS);
    api.createNamespace(ReplicatedFleet.VM_NS);
    dir = Files.createTempDirectory("vmha-stall");
    var config =
        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
            Files.readString(api.kubeconfig()), io.fabric8.kubernetes.api.model.Config.class);
    var cluster = config.getClusters().get(0).getCluster();
    URI server = URI.create(cluster.getServer());
    proxy = FaultProxy.start(server.getHost(), server.getPort());
    cluster.setServer(server.getScheme() + "://127.0.0.1:" + proxy.port());
    proxied = dir.resolve("operator.kubeconfig");
    Files.writeString(proxied, io.fabric8.kubernetes.client.utils.Serialization.asYaml(config));
    operator = OperatorProcess.start(proxied, NS, "a", dir);
    agents = SimulatedAgentFleet.start(api, NS, HOSTS, dir, false);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.destroyForcibly();
    }
    if (agents != null) {
      agents.values().forEach(AgentProcess::close);
    }
    if (proxy != null) {
      proxy.close();
    }
    if (api != null) {
      api.close();
    }
  }

  /**
   * An agent whose connections go quiet still starts the VMs placed on it. Over HTTP/2 the requests
   * of the agent shared the one connection that went quiet: the SPM host's work loop hung in its
   * SPM renewal, and it renewed its heartbeat (a client of its own) but started no VM for over five
   * minutes.
   */
  @Test
  @org.junit.jupiter.api.Order(1)
  void anAgentWhoseConnectionsGoQuietStillStartsItsNewVms() throws Exception {
    ReplicatedFleet.createVm(api, "vm-0");
    await("vm-0 running")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> "Running".equals(vm("vm-0").getStatus().getPhase()));
    // the SPM host: its work loop renews the SPM Lease too, the request that hung it over HTTP/2
    String spm =
        await("an SPM host")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> api.leaseHolder(NS, io.vmha.api.VmhaApi.SPM_LEASE), HOSTS::contains);
    AgentProcess stalled = agents.get(spm);
    List<String> others = HOSTS.stream().filter(h -> !h.equals(spm)).toList();
    others.forEach(h -> cordon(h, true));
    try {
      stalled.proxy.set(FaultProxy.Mode.STALL);
      long cut = System.nanoTime();
      createVm("vm-stalled");
      await("vm-stalled running on the SPM host")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> stalled.runningVms().contains(ReplicatedFleet.VM_NS + "/vm-stalled"));
      System.out.printf(
          "%s's connections stalled; the VM placed on it ran after %.1f s%n",
          spm, (System.nanoTime() - cut) / 1e9);
      assertThat(api.hostPhase(spm)).isEqualTo("Up");
    } finally {
      stalled.proxy.set(FaultProxy.Mode.PASS);
      others.forEach(h -> cordon(h, false));
    }
  }

  static void cordon(String host, boolean on) {
    api.cordon(host, on);
  }

  /**
   * The operator's watches deliver nothing and its leader renewals hang; it must notice, exit, and
   * decide again once its Deployment (here, the test) starts it anew.
   */
  @Test
  @org.junit.jupiter.api.Order(2)
  void aReplicaWhoseConnectionsGoQuietExitsAndDecidesAgainWhenRestarted() throws Exception {
    createVm("vm-1");
    await("vm-1 running")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> "Running".equals(vm("vm-1").getStatus().getPhase()));
    String firstHost = vm("vm-1").getStatus().getHost();

    proxy.set(FaultProxy.Mode.STALL);
    long cut = System.nanoTime();
    boolean exited = operator.waitFor(90, TimeUnit.SECONDS);
    double exitedAfter = (System.nanoTime() - cut) / 1e9;
    String log = Files.readString(dir.resolve("operator-a.log"));
    System.out.printf(
        "connections stalled; the replica %s after %.1f s%n",
        exited ? "exited" : "still ran", exitedAfter);
    assertThat(exited).as("the replica exits once it finds its watches dead").isTrue();
    assertThat(log).contains("exiting, so that a fresh process watches anew");

    // its Deployment starts it again; the proxy still stalls what was open and passes new ones
    Files.move(dir.resolve("operator-a.log"), dir.resolve("operator-a-before.log"));
    operator = OperatorProcess.start(proxied, NS, "a", dir);
    long restarted = System.nanoTime();
    createVm("vm-2");
    agents.get(firstHost).kill();
    await("vm-2 placed and running, vm-1 running again away from its crashed host")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(vm("vm-2").getStatus().getPhase()).isEqualTo("Running");
              assertThat(vm("vm-1").getStatus().getPhase()).isEqualTo("Running");
              assertThat(vm("vm-1").getStatus().getHost()).isNotEqualTo(firstHost);
            });
    System.out.printf(
        "after the restart: vm-2 placed and vm-1 failed over within %.1f s%n",
        (System.nanoTime() - restarted) / 1e9);
  }

  static void createVm(String name) {
    ReplicatedFleet.createVm(api, name);
  }

  static VirtualMachine vm(String name) {
    return ReplicatedFleet.vm(api, name);
  }
}
