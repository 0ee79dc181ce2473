package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.core.model.FencingPolicy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An agent that fenced itself starts nothing until the operator acknowledges the fence (R7), and
 * the operator acknowledges only once what it decided about that host's VMs is written: the agent
 * then reads its placement afresh and finds no VM still placed on it from before the fence, which
 * it would start while the operator starts the VM elsewhere.
 */
@EnableKubernetesMockClient(crud = true)
class SelfFenceAcknowledgementTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    fleet.host("atlantic", 16, 65536).host("pacific", 16, 65536).sharedRepository("zos");
  }

  @AfterAll
  static void stop() {
    fleet.close();
  }

  @Test
  void theFenceIsAcknowledgedOnlyAfterTheVmsOfTheFencedHostAreDecidedAgain() throws Exception {
    for (String vm : List.of("web-1", "web-2")) {
      fleet.apply(
          """
          apiVersion: vmha.io/v1alpha1
          kind: VirtualMachine
          metadata: {name: %s, namespace: seed}
          spec:
            image: {repository: zos, path: images/%s.qcow2}
            cpus: 1
            memoryMiB: 1024
            highAvailability: {enabled: true}
          """
              .formatted(vm, vm));
    }
    eventually(
        () -> {
          for (String vm : List.of("web-1", "web-2")) {
            assertThat(fleet.vm("seed", vm).getStatus().getPhase()).isEqualTo("Running");
          }
        });
    String fenced = fleet.vm("seed", "web-1").getStatus().getHost();
    // the version of each VM that was placed on the fenced host, as the operator last decided it
    java.util.Map<String, String> before = new java.util.HashMap<>();
    for (String vm : List.of("web-1", "web-2")) {
      VirtualMachine now = fleet.vm("seed", vm);
      if (fenced.equals(now.getStatus().getHost())) {
        before.put(vm, now.getMetadata().getResourceVersion());
      }
    }

    // the version of the host that carried the acknowledgement
    List<String> acknowledged = new CopyOnWriteArrayList<>();
    var watch =
        client
            .resources(VmHost.class)
            .withName(fenced)
            .watch(
                new Watcher<VmHost>() {
                  @Override
                  public void eventReceived(Action action, VmHost host) {
                    var status = host.getStatus();
                    if (status == null
                        || status.getSelfFenceAcknowledged() == null
                        || !acknowledged.isEmpty()) {
                      return;
                    }
                    acknowledged.add(host.getMetadata().getResourceVersion());
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    // the first version of each VM written after the fence (versions are one sequence per server)
    java.util.Map<String, String> decided = new java.util.concurrent.ConcurrentHashMap<>();
    var vmWatch =
        client
            .resources(VirtualMachine.class)
            .inNamespace("seed")
            .watch(
                new Watcher<VirtualMachine>() {
                  @Override
                  public void eventReceived(Action action, VirtualMachine vm) {
                    String name = vm.getMetadata().getName();
                    String version = vm.getMetadata().getResourceVersion();
                    if (before.containsKey(name) && !before.get(name).equals(version)) {
                      decided.putIfAbsent(name, version);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    try {
      fleet.agents.selfFence(fenced);
      eventually(
          () -> {
            assertThat(acknowledged).isNotEmpty();
            assertThat(decided.keySet()).containsAll(before.keySet());
          });
    } finally {
      watch.close();
      vmWatch.close();
    }
    long ack = Long.parseLong(acknowledged.get(0));
    decided.forEach(
        (vm, version) ->
            assertThat(Long.parseLong(version))
                .as("%s decided again before the fence of %s was acknowledged", vm, fenced)
                .isLessThan(ack));
    assertThat(before).as("VMs on the fenced host").isNotEmpty();
    eventually(
        () -> {
          for (String vm : List.of("web-1", "web-2")) {
            assertThat(fleet.vm("seed", vm).getStatus().getPhase()).as(vm).isEqualTo("Running");
          }
        });
  }
}
