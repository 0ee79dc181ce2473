package io.vmha.core;

import static io.vmha.core.FleetBuilder.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.VmPhase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailoverRulesTest {
  private static final Duration LONG_SILENCE = Duration.ofSeconds(20);

  private static FleetBuilder seedOne() {
    return fleet()
        .sharedRepository("zos")
        .host("vmhost1")
        .host("vmhost2")
        .host("vmhost3")
        .template("default", "sles10template", t -> t.repository("zos").counter(1));
  }

  @Test
  void F1_templateVmOnFailedHostGetsNextInstanceName() {
    FleetBuilder fleet =
        seedOne()
            .vm(
                "default/sles",
                v -> v.template("sles10template").runsOn("vmhost1", "sles10template-1"));
    fleet.host("vmhost1", h -> h.silentFor(LONG_SILENCE));

    Plan plan = fleet.plan();

    assertThat(plan.actions())
        .containsSubsequence(
            new Action.AdvanceTemplateCounter("default/sles10template", 1, 2),
            new Action.PlaceVm(
                "default/sles",
                "vmhost2",
                "sles10template-2",
                "default/sles10template",
                2L,
                PlaceCause.Failover));
  }

  @Test
  void F1_initialPlacementOfATemplateVmTakesNumberOneAndSeveralPlacementsTakeConsecutiveNumbers() {
    FleetBuilder fleet = seedOne().template("default", "sles10template", t -> t.counter(0));
    fleet.vm("default/a", v -> v.template("sles10template"));
    fleet.vm("default/b", v -> v.template("sles10template"));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.AdvanceTemplateCounter.class))
        .containsExactly(new Action.AdvanceTemplateCounter("default/sles10template", 0, 2));
    assertThat(plan.actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::instanceName, Action.PlaceVm::templateCounterAfter)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("sles10template-1", 1L),
            org.assertj.core.groups.Tuple.tuple("sles10template-2", 2L));
  }

  @Test
  void F1_standaloneVmKeepsItsName() {
    FleetBuilder fleet = seedOne().vm("default/db", v -> v.image("zos").runsOn("vmhost1", "db"));
    fleet.host("vmhost1", h -> h.silentFor(LONG_SILENCE));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .containsExactly(
            new Action.PlaceVm("default/db", "vmhost2", "db", null, null, PlaceCause.Failover));
  }

  @Test
  void F2_localVmWaitsForItsHostAndReturnsToItKeepingItsName() {
    FleetBuilder fleet =
        fleet()
            .localRepository("vmhost1-disk", "vmhost1")
            .host("vmhost1")
            .host("vmhost2")
            .template("default", "sles10template", t -> t.repository("vmhost1-disk").counter(1))
            .vm(
                "default/sles",
                v -> v.template("sles10template").runsOn("vmhost1", "sles10template-1"));
    fleet.host("vmhost1", h -> h.silentFor(LONG_SILENCE));

    Plan lost = fleet.plan();
    assertThat(lost.actions(Action.KeepPending.class))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(PendingReason.WaitingForHost);
              assertThat(p.message()).contains("vmhost1-disk", "vmhost1 is NotResponding");
            });
    assertThat(lost.actions(Action.PlaceVm.class)).isEmpty();

    fleet.vm("default/sles", v -> v.pending("sles10template-1"));
    assertThat(fleet.plan().actions(Action.PlaceVm.class)).isEmpty();

    fleet.host("vmhost1", h -> h.back());
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .containsExactly(
            new Action.PlaceVm(
                "default/sles",
                "vmhost1",
                "sles10template-1",
                "default/sles10template",
                null,
                PlaceCause.ReturnToHost));
  }

  @Test
  void F3_guestAgentVmWithFreshGuestHeartbeatIsLeftAloneWhenOnlyTheHostAgentIsLost() {
    FleetBuilder fleet =
        seedOne()
            .vm(
                "default/sles",
                v ->
                    v.template("sles10template")
                        .guestAgent(true)
                        .runsOn("vmhost1", "sles10template-1"));
    fleet.host("vmhost1", h -> h.silentFor(LONG_SILENCE));
    fleet.vm("default/sles", v -> v.guestHeartbeatSeen(fleet.now().minusSeconds(1)));

    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(plan.actions(Action.LeaveAlone.class))
        .singleElement()
        .extracting(Action.LeaveAlone::reason)
        .isEqualTo(LeaveReason.GuestAgentAlive);
    assertThat(plan.nextDeadline()).contains(fleet.now().plusSeconds(14));

    fleet.vm("default/sles", v -> v.guestHeartbeatSeen(fleet.now().minusSeconds(16)));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .extracting(Action.PlaceVm::instanceName)
        .containsExactly("sles10template-2");
  }

  @Test
  void F4_withFencingNoneTheOldInstanceIsRecordedStaleAndStoppedWhenItsHostReportsAgain() {
    FleetBuilder fleet =
        seedOne()
            .settings(Settings.defaults().withFencing(FencingPolicy.None))
            .vm(
                "default/sles",
                v -> v.template("sles10template").runsOn("vmhost1", "sles10template-1"));
    fleet.host("vmhost1", h -> h.silentFor(LONG_SILENCE));

    assertThat(fleet.plan().actions())
        .containsSubsequence(
            new Action.RecordStaleInstance("default/sles", "vmhost1", "sles10template-1"),
            new Action.PlaceVm(
                "default/sles",
                "vmhost2",
                "sles10template-2",
                "default/sles10template",
                2L,
                PlaceCause.Failover));

    // applied: the VM runs on vmhost2, the old copy is still alive on vmhost1, which comes back
    fleet.vm(
        "default/sles",
        v -> v.runsOn("vmhost2", "sles10template-2").stale("vmhost1", "sles10template-1"));
    fleet.host(
        "vmhost1",
        h ->
            h.back()
                .runsUntracked(
                    "default/sles",
                    "sles10template-1",
                    InstanceState.Running,
                    io.vmha.core.model.Resources.of(1000, 2048)));
    Plan back = fleet.plan();
    assertThat(back.actions(Action.StopInstance.class))
        .containsExactly(
            new Action.StopInstance(
                "vmhost1", "sles10template-1", "default/sles", StopReason.Stale));
    assertThat(back.actions(Action.ClearStaleInstance.class)).isEmpty();

    fleet.host("vmhost1", h -> h.clearUntracked());
    assertThat(fleet.plan().actions(Action.ClearStaleInstance.class))
        .containsExactly(
            new Action.ClearStaleInstance("default/sles", "vmhost1", "sles10template-1"));
  }

  @Test
  void F4_withSelfFenceTheVmsOfALostHostCountAsStoppedAndNoStaleInstanceIsRecorded() {
    FleetBuilder fleet =
        seedOne()
            .vm(
                "default/sles",
                v -> v.template("sles10template").runsOn("vmhost1", "sles10template-1"));
    fleet.host("vmhost1", h -> h.silentFor(LONG_SILENCE));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.RecordStaleInstance.class)).isEmpty();
    assertThat(plan.actions(Action.PlaceVm.class)).hasSize(1);
  }

  @Test
  void F5_vmWithoutHighAvailabilityOnAFailedHostIsFailedHostFailed() {
    FleetBuilder fleet =
        seedOne().vm("default/batch", v -> v.image("zos").ha(false).runsOn("vmhost1", "batch"));
    fleet.host("vmhost1", h -> h.silentFor(LONG_SILENCE));
    Plan plan = fleet.plan();
    assertThat(plan.actions(Action.MarkFailed.class))
        .singleElement()
        .extracting(Action.MarkFailed::reason)
        .isEqualTo(FailReason.HostFailed);
    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();

    fleet.vm("default/batch", v -> v.pending("batch").phase(VmPhase.Failed));
    fleet.host("vmhost1", h -> h.back());
    assertThat(fleet.plan().actions())
        .as("stays Failed until a user acts")
        .noneMatch(a -> a instanceof Action.PlaceVm);
  }

  @Test
  void F6_failedStartsBackOffAndAfterThreeWithinTheWindowTheVmIsFailedWithEachAttempt() {
    FleetBuilder fleet =
        seedOne()
            .vm(
                "default/db",
                v ->
                    v.image("zos")
                        .runsOn("vmhost1", "db")
                        .phase(VmPhase.Starting)
                        .reportedAs(InstanceState.Failed));

    Plan first = fleet.plan();
    var attempt = first.actions(Action.RecordFailedAttempt.class);
    assertThat(attempt)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.attempt().host()).isEqualTo("vmhost1");
              assertThat(a.backoffUntil()).isEqualTo(fleet.now().plusSeconds(5));
            });
    assertThat(first.actions(Action.StopInstance.class))
        .extracting(Action.StopInstance::reason)
        .containsExactly(StopReason.Failed);

    // backing off: pending until the backoff ends, then tried on a host where it did not fail
    fleet.vm(
        "default/db",
        v ->
            v.pending("db")
                .attempt("vmhost1", fleet.now(), "boom")
                .backoffUntil(fleet.now().plusSeconds(5)));
    Plan waiting = fleet.plan();
    assertThat(waiting.actions(Action.KeepPending.class))
        .extracting(Action.KeepPending::reason)
        .containsExactly(PendingReason.BackingOff);
    assertThat(waiting.nextDeadline()).contains(fleet.now().plusSeconds(5));
    fleet.advance(Duration.ofSeconds(5));
    assertThat(fleet.plan().actions(Action.PlaceVm.class))
        .containsExactly(
            new Action.PlaceVm("default/db", "vmhost2", "db", null, null, PlaceCause.Restart));

    // the second failure doubles the backoff; the third within the window fails the VM
    fleet.vm(
        "default/db",
        v -> v.runsOn("vmhost2", "db").phase(VmPhase.Starting).reportedAs(InstanceState.Failed));
    assertThat(fleet.plan().actions(Action.RecordFailedAttempt.class))
        .singleElement()
        .extracting(Action.RecordFailedAttempt::backoffUntil)
        .isEqualTo(fleet.now().plusSeconds(10));
    fleet.vm(
        "default/db",
        v ->
            v.attempt("vmhost2", fleet.now(), "boom again")
                .runsOn("vmhost3", "db")
                .phase(VmPhase.Starting)
                .reportedAs(InstanceState.Failed));
    Plan failed = fleet.plan();
    assertThat(failed.actions(Action.MarkFailed.class))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.reason()).isEqualTo(FailReason.TooManyRestarts);
              assertThat(f.message())
                  .contains("3 times", "vmhost1", "vmhost2", "vmhost3", "boom again");
            });
  }

  @Test
  void F6_attemptsOutsideTheWindowDoNotCount() {
    FleetBuilder fleet =
        seedOne()
            .vm(
                "default/db",
                v ->
                    v.image("zos")
                        .runsOn("vmhost3", "db")
                        .phase(VmPhase.Starting)
                        .reportedAs(InstanceState.Failed)
                        .attempt("vmhost1", fleet().now().minus(Duration.ofMinutes(11)), "old")
                        .attempt("vmhost2", fleet().now().minus(Duration.ofMinutes(1)), "recent"));
    assertThat(fleet.plan().actions(Action.RecordFailedAttempt.class)).hasSize(1);
  }

  @Test
  void F7_vmsThatWentDownWithTheirHostRestartAtOnceAndOnlyHighlyAvailableOnes() {
    FleetBuilder fleet = seedOne();
    java.time.Instant running = fleet.now().minusSeconds(60);
    fleet
        .vm(
            "default/db",
            v ->
                v.image("zos")
                    .runsOn("vmhost1", "db")
                    .notReported()
                    .statusSince(running, "InstanceRunning", "instance db on host vmhost1"))
        .vm(
            "default/scratch",
            v ->
                v.image("zos")
                    .ha(false)
                    .runsOn("vmhost1", "scratch")
                    .notReported()
                    .statusSince(running, "InstanceRunning", "instance scratch on host vmhost1"));
    fleet.host("vmhost1", h -> h.startedAfreshAt(fleet.now().minusSeconds(5)));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.PlaceVm.class))
        .singleElement()
        .satisfies(
            place -> {
              assertThat(place.vm()).isEqualTo("default/db");
              assertThat(place.cause()).isEqualTo(PlaceCause.Failover);
            });
    assertThat(plan.actions(Action.RecordFailedAttempt.class))
        .as("the VM did nothing wrong: no attempt counted, no backoff")
        .isEmpty();
    assertThat(plan.actions(Action.MarkFailed.class))
        .singleElement()
        .satisfies(
            failed -> {
              assertThat(failed.vm()).isEqualTo("default/scratch");
              assertThat(failed.reason()).isEqualTo(FailReason.HostFailed);
              assertThat(failed.message()).contains("vmhost1 started afresh");
            });
  }

  @Test
  void F7_anInstanceGoneWhileItsHostRanOnIsAFailedStart() {
    FleetBuilder fleet = seedOne();
    fleet.vm(
        "default/db",
        v ->
            v.image("zos")
                .runsOn("vmhost1", "db")
                .notReported()
                .statusSince(
                    fleet.now().minusSeconds(60),
                    "InstanceRunning",
                    "instance db on host vmhost1"));
    fleet.host("vmhost1", h -> h.startedAfreshAt(fleet.now().minusSeconds(600)));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(plan.actions(Action.RecordFailedAttempt.class)).hasSize(1);
  }

  @Test
  void I1_aVmWaitsWhileAnInstanceItNoLongerClaimsStillRuns() {
    FleetBuilder fleet = seedOne();
    fleet.vm("default/db", v -> v.image("zos").pending("db"));
    fleet.host(
        "vmhost2",
        h ->
            h.runsUntracked(
                "default/db",
                "db",
                InstanceState.Running,
                io.vmha.core.model.Resources.of(1000, 1024)));

    Plan plan = fleet.plan();

    assertThat(plan.actions(Action.PlaceVm.class)).isEmpty();
    assertThat(plan.actions(Action.StopInstance.class)).hasSize(1);
    assertThat(plan.actions(Action.KeepPending.class))
        .singleElement()
        .satisfies(
            keep -> {
              assertThat(keep.reason()).isEqualTo(PendingReason.OldInstanceRunning);
              assertThat(keep.message()).contains("vmhost2");
            });

    fleet.host("vmhost2", h -> h.clearUntracked());
    assertThat(fleet.plan().actions(Action.PlaceVm.class)).hasSize(1);
  }
}
