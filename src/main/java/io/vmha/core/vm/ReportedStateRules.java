package io.vmha.core.vm;

import io.vmha.core.Action;
import io.vmha.core.Settings;
import io.vmha.core.health.HostState;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.InstanceState;
import io.vmha.core.model.MigrationFailure;
import io.vmha.core.model.VmPhase;
import java.time.Instant;

/**
 * A placed VM on a reporting host: its phase follows the agent's report, failures go to the restart
 * policy (F6), migrations complete or abort, and VMs on a host that must be emptied are queued for
 * live migration (S1, S2, H4, L3).
 */
final class ReportedStateRules {
  static final String CANNOT_MIGRATE = "CannotMigrate";

  private final PlanContext context;
  private final PlacementQueue queue;
  private final RestartPolicy restarts;
  private final LostHostRules lostHosts;

  ReportedStateRules(
      PlanContext context, PlacementQueue queue, RestartPolicy restarts, LostHostRules lostHosts) {
    this.context = context;
    this.queue = queue;
    this.restarts = restarts;
    this.lostHosts = lostHosts;
  }

  void follow(ResolvedVm vm, HostState host) {
    var status = vm.status();
    if (status.migrationTarget() != null) {
      followMigration(vm, host);
      return;
    }
    HostState landed = LateLanding.landedOn(context, vm);
    if (landed != null) {
      context.release(host, vm);
      context.assume(landed, vm);
      context
          .log()
          .vm(vm.view(), new Action.CompleteMigration(vm.key(), host.name(), landed.name()));
      return;
    }
    InstanceReport instance = host.instance(vm.key(), status.instanceName());
    if (instance == null) {
      VmPhase phase = status.phase();
      if (phase == VmPhase.Running || phase == VmPhase.Paused || phase == VmPhase.Migrating) {
        Instant freshStart = host.view().report().freshStartAt();
        if (freshStart != null
            && status.phaseSince() != null
            && freshStart.isAfter(status.phaseSince())) {
          lostHosts.lostWithHost(vm, host, freshStart);
        } else {
          restarts.startFailed(vm, host, null, "instance disappeared from host " + host.name());
        }
      } else if (phase == VmPhase.Stopping) {
        // running was set back to true while stopping: start it again in place
        context
            .log()
            .vm(
                vm.view(),
                new Action.UpdateVmPhase(
                    vm.key(), VmPhase.Starting, "StartRequested", placedMessage(vm)));
      }
      return; // Starting: the agent has not picked the placement up yet
    }
    switch (instance.state()) {
      case Failed, Stopped -> restarts.startFailed(vm, host, instance, failureReason(instance));
      case Starting -> line(vm, VmPhase.Starting, "InstanceStarting");
      case Running, Paused -> {
        VmPhase phase =
            instance.state() == InstanceState.Running ? VmPhase.Running : VmPhase.Paused;
        Action.UpdateVmPhase line = phaseLine(vm, phase);
        if (host.evacuation() == null) {
          context.log().vm(vm.view(), line);
        } else if (vm.isLocal() || vm.problem() != null) {
          String why =
              "must leave host "
                  + host.name()
                  + " ("
                  + host.evacuation()
                  + ") but its image is"
                  + " on local repository "
                  + (vm.isLocal() ? vm.repository().name() : "?")
                  + ": stop it to let the host drain";
          context.drains().record(host, vm.key(), CANNOT_MIGRATE, why);
          context
              .log()
              .vm(vm.view(), new Action.UpdateVmPhase(vm.key(), phase, CANNOT_MIGRATE, why));
        } else if (coolingOff(vm)) {
          String why = vm.status().message();
          context.drains().record(host, vm.key(), Action.AbortMigration.GAVE_UP, why);
          context
              .log()
              .vm(
                  vm.view(),
                  new Action.UpdateVmPhase(vm.key(), phase, Action.AbortMigration.GAVE_UP, why));
        } else {
          queue.migrate(vm, host, line);
        }
      }
    }
  }

  private void followMigration(ResolvedVm vm, HostState source) {
    var status = vm.status();
    HostState target = context.host(status.migrationTarget());
    if (target == null || !target.heartbeatFresh()) {
      abort(vm, source, target, "target host " + status.migrationTarget() + " is lost");
      return;
    }
    InstanceReport incoming = target.instance(vm.key(), status.instanceName());
    InstanceReport outgoing = source.instance(vm.key(), status.instanceName());
    MigrationFailure failed = gaveUp(outgoing, target);
    // reports of source and target are not taken at one instant: a target that does not show the
    // instance yet says nothing of a migration its source reports under way, which may land any
    // moment. Calling it off then would leave the guest on a host its VM no longer names
    boolean underWay = outgoing != null && outgoing.isMigratingTo(target.name());
    if (incoming != null && incoming.state() == InstanceState.Running) {
      context.release(source, vm);
      context
          .log()
          .vm(vm.view(), new Action.CompleteMigration(vm.key(), source.name(), target.name()));
    } else if (failed != null && incoming == null && !underWay) {
      giveUp(vm, source, target, failed);
    } else if (incoming != null
        && (incoming.state() == InstanceState.Failed
            || incoming.state() == InstanceState.Stopped)) {
      abort(
          vm,
          source,
          target,
          "migration to " + target.name() + " failed: " + failureReason(incoming));
    } else if (incoming == null
        && !underWay
        && status.phase() == VmPhase.Migrating
        && source.reporting()
        && source.evacuation() == null
        && outgoing != null
        && PlanContext.reportedSinceHandOver(source, target)) {
      // every migration empties a host (S1, S2, maintenance, deletion, S4): this one's reason is
      // gone (its storage or network came back, the fence was cleared). Nothing has reached the
      // target and the source has not begun to send it, so the guest stays, and one paused for the
      // storage resumes at once instead of after the attempts left, which fail while the storage
      // is lost. Only on a target report no older than the source's: an attempt that failed after
      // its switch-over leaves the guest running on the target, and the source's agent resumes
      // its paused copy once the migration is called off
      abort(
          vm,
          source,
          target,
          "migration to "
              + target.name()
              + " called off: "
              + source.name()
              + " no longer needs to be emptied");
    } else if (incoming == null
        && !underWay
        && status.phase() != VmPhase.Migrating
        && outgoing != null) {
      // the migration was called off (running: false, then true again while Stopping): agents
      // migrate only while the VM is Migrating, so the instance stays on the source for good
      abort(
          vm,
          source,
          target,
          "migration to " + target.name() + " called off while " + status.phase());
    } else if (incoming == null
        && target.reporting()
        && outgoing == null
        && PlanContext.reportedSinceHandOver(source, target)
        && lostForGood(status.phaseSince())) {
      // neither end has run it for a grace period (the source rebooted): start it again. Only on
      // a target report no older than the source's, or a late hand-over would go unseen. The
      // target keeps its reservation through this plan: reports of one instant may still miss a
      // hand-over, and the target's next report then shows the instance (as an untracked one,
      // which counts against its capacity until the sweeper has it stopped)
      restarts.startFailed(vm, source, null, "instance lost while migrating to " + target.name());
    } else {
      queue.migrationInFlight(source);
    }
  }

  /**
   * The VM stays on its source; a host being emptied says which VM it could not move and why, on
   * its condition from now on and in one event now.
   */
  private void giveUp(ResolvedVm vm, HostState source, HostState target, MigrationFailure failed) {
    String why =
        "live migration to "
            + target.name()
            + " failed "
            + failed.attempts()
            + " times in a row (last: "
            + failed.message()
            + "); the VM stays on "
            + source.name()
            + ", a drain tries again in "
            + Settings.MIGRATION_RETRY_AFTER.toMinutes()
            + " min";
    abort(vm, source, target, Action.AbortMigration.GAVE_UP, why);
    if (source.evacuation() != null) {
      context.drains().record(source, vm.key(), Action.AbortMigration.GAVE_UP, why);
      context
          .log()
          .fleet(
              new Action.DrainGaveUp(
                  source.name(),
                  vm.key(),
                  "cannot move "
                      + vm.key()
                      + " off "
                      + source.name()
                      + " ("
                      + source.evacuation()
                      + "): "
                      + why));
    }
  }

  /**
   * Reports of source and target are not taken at one instant: right after a hand-over neither may
   * show the instance. Only a grace period without it on either end means it is gone.
   */
  private boolean lostForGood(java.time.Instant migratingSince) {
    if (migratingSince == null) {
      return false;
    }
    java.time.Instant deadline = migratingSince.plus(context.settings().hostGracePeriod());
    context.deadlines().consider(deadline);
    return !context.now().isBefore(deadline);
  }

  private void abort(ResolvedVm vm, HostState source, HostState target, String message) {
    abort(vm, source, target, "MigrationAborted", message);
  }

  private void abort(
      ResolvedVm vm, HostState source, HostState target, String reason, String message) {
    context.release(target, vm);
    InstanceReport outgoing = source.instance(vm.key(), vm.status().instanceName());
    VmPhase phase =
        outgoing != null && outgoing.state() == InstanceState.Paused
            ? VmPhase.Paused
            : VmPhase.Running;
    context
        .log()
        .vm(
            vm.view(),
            new Action.AbortMigration(
                vm.key(), vm.status().migrationTarget(), phase, reason, message));
  }

  /** The source agent reports this migration failed too often in a row: stop asking for it. */
  private static MigrationFailure gaveUp(InstanceReport outgoing, HostState target) {
    MigrationFailure failure = outgoing == null ? null : outgoing.migrationFailure();
    return failure != null
            && failure.target().equals(target.name())
            && failure.attempts() >= Settings.MIGRATION_ATTEMPTS
        ? failure
        : null;
  }

  /**
   * A drain leaves a VM whose migration it gave up on where it is for a while, rather than asking
   * for the same failing migration again; the reason stays on the VM meanwhile.
   */
  private boolean coolingOff(ResolvedVm vm) {
    var status = vm.status();
    if (!Action.AbortMigration.GAVE_UP.equals(status.reason()) || status.phaseSince() == null) {
      return false;
    }
    java.time.Instant until = status.phaseSince().plus(Settings.MIGRATION_RETRY_AFTER);
    if (!context.now().isBefore(until)) {
      return false;
    }
    context.deadlines().consider(until);
    return true;
  }

  private void line(ResolvedVm vm, VmPhase phase, String reason) {
    context
        .log()
        .vm(vm.view(), new Action.UpdateVmPhase(vm.key(), phase, reason, placedMessage(vm)));
  }

  private static Action.UpdateVmPhase phaseLine(ResolvedVm vm, VmPhase phase) {
    return new Action.UpdateVmPhase(
        vm.key(),
        phase,
        phase == VmPhase.Running ? "InstanceRunning" : "InstancePaused",
        placedMessage(vm));
  }

  static String placedMessage(ResolvedVm vm) {
    return "instance " + vm.status().instanceName() + " on host " + vm.status().host();
  }

  private static String failureReason(InstanceReport instance) {
    return instance.failureReason() != null
        ? instance.failureReason()
        : "instance " + instance.state().name().toLowerCase();
  }
}
