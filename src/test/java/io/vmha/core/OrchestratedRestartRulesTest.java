package io.vmha.core;

import static io.vmha.core.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.model.Priority;
import io.vmha.core.model.StartReadiness;
import io.vmha.core.model.StartReadiness.ReadyWhen;
import io.vmha.core.model.VmPhase;
import io.vmha.core.vm.ResolvedVm;
import io.vmha.core.vm.StartDependencies;
import io.vmha.core.vm.VmResolver;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** O1: restart tiers that wait for readiness, and start-after dependencies. */
class OrchestratedRestartRulesTest {
  private static final Duration LONG_SILENCE = Duration.ofSeconds(20);
  private static final StartReadiness RUNNING_10S =
      new StartReadiness(ReadyWhen.Running, Duration.ofSeconds(10), Duration.ofSeconds(60));

  /** dns (High, ready 10 s after Running) and app (Medium) ran on lost host a. */
  private static FleetBuilder dnsAndAppOnLostHost() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("a").host("b").host("c");
    fleet.vm(
        "prod/dns",
        v -> v.image("nfs").priority(Priority.High).readiness(RUNNING_10S).runsOn("a", "dns"));
    fleet.vm("prod/app", v -> v.image("nfs").priority(Priority.Medium).runsOn("a", "app"));
    fleet.host("a", h -> h.silentFor(LONG_SILENCE));
    return fleet;
  }

  private static List<String> placed(Plan plan) {
    return plan.actions(Action.PlaceVm.class).stream().map(Action.PlaceVm::vm).toList();
  }

  private static Action.KeepPending pendingOf(Plan plan, String vm) {
    return plan.actions(Action.KeepPending.class).stream()
        .filter(p -> p.vm().equals(vm))
        .findFirst()
        .orElse(null);
  }

  @Test
  void O1_aLowerTierRestartsOnlyOnceTheHigherTierIsReadyForItsPostReadyDelay() {
    FleetBuilder fleet = dnsAndAppOnLostHost();
    Plan failover = fleet.plan();
    assertThat(placed(failover)).containsExactly("prod/dns");
    assertThat(pendingOf(failover, "prod/app").reason())
        .isEqualTo(PendingReason.WaitingForPriorityTier);
    assertThat(pendingOf(failover, "prod/app").message())
        .startsWith("the High priority tier restarts first: prod/dns is placed just now");

    fleet.vm("prod/app", v -> v.pending("app").statusSince(fleet.now(), "Pending", ""));
    fleet.vm(
        "prod/dns",
        v -> v.runsOn("b", "dns").phase(VmPhase.Starting).statusSince(fleet.now(), "", ""));
    fleet.advance(Duration.ofSeconds(5));
    assertThat(placed(fleet.plan())).as("dns still Starting").isEmpty();

    fleet.vm("prod/dns", v -> v.phase(VmPhase.Running).statusSince(fleet.now(), "", ""));
    fleet.advance(Duration.ofSeconds(9));
    Plan early = fleet.plan();
    assertThat(placed(early)).isEmpty();
    assertThat(pendingOf(early, "prod/app").message())
        .contains("prod/dns is Running, for less than its postReadyDelay of 10 s");
    assertThat(early.nextDeadline()).contains(fleet.now().plusSeconds(1));

    fleet.advance(Duration.ofSeconds(1));
    Plan ready = fleet.plan();
    assertThat(placed(ready)).containsExactly("prod/app");
    assertThat(ready.actions(Action.StartOrderTimedOut.class)).isEmpty();
  }

  @Test
  void O1_theWaitEndsAtTheHigherTiersTimeoutWithAWarning() {
    FleetBuilder fleet = dnsAndAppOnLostHost();
    fleet.vm("prod/app", v -> v.pending("app").statusSince(fleet.now(), "Pending", ""));
    fleet.vm(
        "prod/dns",
        v -> v.runsOn("b", "dns").phase(VmPhase.Starting).statusSince(fleet.now(), "", ""));
    fleet.advance(Duration.ofSeconds(59));
    assertThat(placed(fleet.plan())).isEmpty();

    fleet.advance(Duration.ofSeconds(1));
    Plan plan = fleet.plan();
    assertThat(placed(plan)).containsExactly("prod/app");
    assertThat(plan.actions(Action.StartOrderTimedOut.class))
        .singleElement()
        .satisfies(
            t ->
                assertThat(t.message())
                    .isEqualTo(
                        "started without waiting any longer for prod/dns (Starting): the wait"
                            + " timed out"));
  }

  @Test
  void O1_neitherANewVmNorARestartBehindAVmWithoutReadinessWaitsForATier() {
    FleetBuilder fleet = dnsAndAppOnLostHost();
    fleet.vm("prod/new", v -> v.image("nfs").priority(Priority.Low));
    assertThat(placed(fleet.plan())).containsExactlyInAnyOrder("prod/dns", "prod/new");

    FleetBuilder plain = dnsAndAppOnLostHost();
    plain.vm("prod/dns", v -> v.readiness(null));
    assertThat(placed(plain.plan())).containsExactlyInAnyOrder("prod/dns", "prod/app");
  }

  @Test
  void O1_aVmWaitsForWhatItStartsAfterOnlyWhileThatIsBeingStarted() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("a").host("b");
    fleet.vm("prod/db", v -> v.image("nfs").runsOn("a", "db").statusSince(fleet.now(), "", ""));
    fleet.vm("prod/web", v -> v.image("nfs").startAfter("db", "cache"));
    assertThat(placed(fleet.plan()))
        .as("db runs (ready without a readiness of its own); cache does not exist")
        .containsExactly("prod/web");

    // no host matches it: it stays Pending, being started
    fleet.vm(
        "prod/db",
        v ->
            v.pending("db")
                .hostSelector(Map.of("gpu", "yes"))
                .statusSince(fleet.now(), "NoHostMatchesSelector", ""));
    Plan waiting = fleet.plan();
    assertThat(pendingOf(waiting, "prod/web").reason())
        .isEqualTo(PendingReason.WaitingForDependency);
    assertThat(pendingOf(waiting, "prod/web").message())
        .isEqualTo(
            "starts after prod/db, which is Pending; waits until "
                + fleet.now().plus(StartReadiness.DEFAULT_TIMEOUT)
                + " at most");

    fleet.vm("prod/db", v -> v.running(false).phase(VmPhase.Stopped));
    assertThat(placed(fleet.plan())).as("a stopped db is not being started").contains("prod/web");
  }

  @Test
  void O1_guestReadyWaitsForTheGuestAgentToAnswer() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("a").host("b");
    fleet.vm(
        "prod/dns",
        v ->
            v.image("nfs")
                .priority(Priority.High)
                .guestAgent(true)
                .readiness(new StartReadiness(ReadyWhen.GuestReady, null, null))
                .runsOn("a", "dns")
                .statusSince(fleet.now(), "", "")
                .guestAgentAnswers(false));
    fleet.vm("prod/app", v -> v.image("nfs").pending("app").statusSince(fleet.now(), "", ""));
    fleet.advance(Duration.ofSeconds(30));
    assertThat(pendingOf(fleet.plan(), "prod/app").message())
        .contains("prod/dns is Running, its guest agent not answering yet");

    fleet.vm("prod/dns", v -> v.guestAgentAnswers(true));
    assertThat(placed(fleet.plan())).containsExactly("prod/app");
  }

  @Test
  void O1_cyclesAndDependenciesOnLowerPriorityAreRefusedAndDelayNothing() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("a");
    fleet.vm("prod/a", v -> v.image("nfs").startAfter("b"));
    fleet.vm("prod/b", v -> v.image("nfs").startAfter("a"));
    fleet.vm("prod/boss", v -> v.image("nfs").priority(Priority.High).startAfter("worker"));
    fleet.vm("prod/worker", v -> v.image("nfs").priority(Priority.Low));
    var snapshot = fleet.snapshot();
    VmResolver resolver = new VmResolver(snapshot);
    Map<String, ResolvedVm> vms = new HashMap<>();
    snapshot.vms().forEach(v -> vms.put(v.key(), resolver.resolve(v)));

    assertThat(StartDependencies.problems(vms))
        .containsOnlyKeys("prod/a", "prod/b", "prod/boss")
        .containsEntry(
            "prod/a",
            new StartDependencies.Refusal(
                "DependencyCycle", "startAfter forms a cycle: prod/a → prod/b → prod/a"))
        .containsEntry(
            "prod/boss",
            new StartDependencies.Refusal(
                "DependsOnLowerPriority",
                "startAfter names prod/worker (Low priority), but prod/boss is High: a VM can"
                    + " start only after VMs of its own priority or higher"));
    assertThat(placed(fleet.plan()))
        .containsExactlyInAnyOrder("prod/a", "prod/b", "prod/boss", "prod/worker");
  }

  @Test
  void O1_aDependencyRestartingAtTheSameTimeIsWaitedForInOnePlan() {
    FleetBuilder fleet = fleet().sharedRepository("nfs").host("a").host("b");
    fleet.vm("prod/db", v -> v.image("nfs").runsOn("a", "db"));
    fleet.vm("prod/web", v -> v.image("nfs").startAfter("db").runsOn("a", "web"));
    fleet.host("a", h -> h.silentFor(LONG_SILENCE));
    Plan plan = fleet.plan();
    assertThat(placed(plan)).containsExactly("prod/db");
    assertThat(pendingOf(plan, "prod/web").message())
        .startsWith("starts after prod/db, which is placed just now");
  }
}
