package io.vmha.operator;

import static io.vmha.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmha.core.model.FencingPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** H5: when most hosts look lost at once, the problem is more likely ours: failover freezes. */
@EnableKubernetesMockClient(crud = true)
class MassFailureTest {
  static KubernetesMockServer server;
  static KubernetesClient client;
  static Fleet fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = Fleet.start(client, server, Fleet.fastSettings(FencingPolicy.SelfFence), "replica-a");
    fleet.host("h1", 16, 65536).host("h2", 16, 65536).host("h3", 16, 65536).host("h4", 16, 65536);
    fleet.sharedRepository("zos");
  }

  @AfterAll
  static void stop() {
    fleet.close();
  }

  @Test
  void failoverFreezesWhenMoreThanHalfTheHostsAreLostAndResumesAfter() {
    fleet.editHost("h4", spec -> spec.setUnschedulable(true));
    fleet.standaloneVm("ops", "web", 1, 1024);
    eventually(
        () -> assertThat(fleet.vm("ops", "web").getStatus().getPhase()).isEqualTo("Running"));
    String home = fleet.vm("ops", "web").getStatus().getHost();
    fleet.editHost("h4", spec -> spec.setUnschedulable(false));

    for (String host : new String[] {"h1", "h2", "h3"}) {
      fleet.agents.fault(host, FakeAgents.Fault.AGENT_DOWN);
    }
    eventually(
        () -> {
          assertThat(fleet.vmHost("h4").getStatus().getConditions())
              .anySatisfy(
                  c -> {
                    assertThat(c.getType()).isEqualTo("FailoverFrozen");
                    assertThat(c.getStatus()).isEqualTo("True");
                  });
        });
    // nothing is written on the VM while frozen: its host's condition and events tell
    String version = fleet.vm("ops", "web").getMetadata().getResourceVersion();
    eventually(() -> assertThat(fleet.eventReasons("default", "h4")).contains("FailoverFrozen"));
    assertThat(fleet.vm("ops", "web").getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(fleet.vm("ops", "web").getStatus().getPhase()).isEqualTo("Running");
    assertThat(fleet.vm("ops", "web").getStatus().getReason()).isNotEqualTo("FailoverFrozen");
    assertThat(fleet.vm("ops", "web").getStatus().getHost()).isEqualTo(home);

    // two hosts come back: one of four is lost, which is a host failure, not an outage
    String stillDown = home;
    for (String host : new String[] {"h1", "h2", "h3"}) {
      if (!host.equals(stillDown)) {
        fleet.agents.recover(host);
      }
    }
    eventually(
        () -> {
          var status = fleet.vm("ops", "web").getStatus();
          assertThat(status.getHost()).isNotEqualTo(home);
          assertThat(status.getPhase()).isEqualTo("Running");
          assertThat(status.getFailoverCount()).isEqualTo(1);
        });
    eventually(() -> assertThat(fleet.eventReasons("default", "h4")).contains("FailoverResumed"));
  }
}
