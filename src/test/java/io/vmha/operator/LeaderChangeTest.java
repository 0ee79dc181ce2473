package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.core.Settings;
import io.vmha.core.model.FencingPolicy;
import org.junit.jupiter.api.Test;

/**
 * A new leader judges from what the previous one wrote until it sees for itself (#13 item 9): a
 * host the old leader found NotResponding stays so, and takes no new VM, until the new leader sees
 * it renew. Before, the new leader gave it a fresh grace period, showed it Up and placed new VMs on
 * the dead host.
 */
@EnableKubernetesMockClient(crud = true)
class LeaderChangeTest {
  static KubernetesMockServer server;
  static KubernetesClient client;

  @Test
  void aHostTheOldLeaderFoundDeadStaysNotRespondingAndTakesNoNewVm() throws Exception {
    Settings settings = Fleet.fastSettings(FencingPolicy.SelfFence);
    Fleet fleet = Fleet.start(client, server, settings, "old-leader");
    VmhaOperator next = null;
    try {
      fleet.sharedRepository("zos").host("alive", 8, 16384).host("dead", 8, 16384);
      eventually(
          () -> {
            assertThat(fleet.vmHost("alive").getStatus().getPhase()).isEqualTo("Up");
            assertThat(fleet.vmHost("dead").getStatus().getPhase()).isEqualTo("Up");
          });
      fleet.agents.crash("dead");
      eventually(
          () -> assertThat(fleet.vmHost("dead").getStatus().getPhase()).isEqualTo("NotResponding"));

      fleet.operator.close(); // the leader dies; VMs arrive; a new leader takes over
      for (int i = 0; i < 4; i++) {
        fleet.standaloneVm("apps", "new-" + i, 1, 1024);
      }
      next =
          new VmhaOperator(
                  client,
                  new OperatorOptions(
                      settings, false, "vmha-operator", Fleet.LEASES, "new-leader", -1, false),
                  MockApi::withoutServerSideApply)
              .start();
      // watch the new leader's first grace period closely: the dead host never looks alive and
      // never gets a VM
      java.util.Set<String> phasesOfDead = new java.util.TreeSet<>();
      java.util.Set<String> hostsUsed = new java.util.TreeSet<>();
      long until = System.nanoTime() + settings.hostGracePeriod().plusSeconds(2).toNanos();
      while (System.nanoTime() < until) {
        phasesOfDead.add(fleet.vmHost("dead").getStatus().getPhase());
        for (int i = 0; i < 4; i++) {
          var status = fleet.vm("apps", "new-" + i).getStatus();
          if (status != null && status.getHost() != null) {
            hostsUsed.add(status.getHost());
          }
        }
        Thread.sleep(50);
      }
      assertThat(phasesOfDead).containsExactly("NotResponding");
      assertThat(hostsUsed).containsExactly("alive");
    } finally {
      fleet.agents.close();
      if (next != null) {
        next.close();
      }
    }
  }

  /**
   * A heartbeat belongs to the host its Lease is named after (#14): a Lease of another name that
   * claims the host in holderIdentity keeps nobody alive.
   */
  @Test
  void aHeartbeatIsTheLeaseNamedAfterTheHostWhateverItsHolderSays() {
    var lease =
        new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
            .withNewMetadata()
            .withName("vmha-host-impostor")
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity("dead")
            .endSpec()
            .build();
    assertThat(LeaseObserver.hostOf(lease)).isEqualTo("impostor");
    lease.getMetadata().setName("kube-scheduler");
    assertThat(LeaseObserver.hostOf(lease)).isNull();
  }
}
