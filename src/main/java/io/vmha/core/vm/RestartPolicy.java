package io.vmha.core.vm;

import io.vmha.core.Action;
import io.vmha.core.FailReason;
import io.vmha.core.StopReason;
import io.vmha.core.health.HostState;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.RestartAttempt;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** F6: failed starts are retried with a doubling backoff, at most maxRestarts per window. */
final class RestartPolicy {
  private final PlanContext context;

  RestartPolicy(PlanContext context) {
    this.context = context;
  }

  /** The instance of the VM's placement failed, stopped or vanished on its own. */
  void startFailed(ResolvedVm vm, HostState host, InstanceReport instance, String reason) {
    var status = vm.status();
    Instant now = context.now();
    List<RestartAttempt> attempts = new ArrayList<>(recentAttempts(vm));
    attempts.add(new RestartAttempt(host.name(), now, reason));
    if (instance != null) {
      context
          .log()
          .stop(
              new Action.StopInstance(
                  host.name(), status.instanceName(), vm.key(), StopReason.Failed));
    }
    context.release(host, vm);
    if (attempts.size() >= context.settings().maxRestarts()) {
      context
          .log()
          .vm(
              vm.view(),
              new Action.MarkFailed(vm.key(), FailReason.TooManyRestarts, describe(attempts)));
      return;
    }
    Instant until = now.plus(context.settings().backoffAfter(attempts.size()));
    context.deadlines().consider(until);
    context
        .log()
        .vm(
            vm.view(),
            new Action.RecordFailedAttempt(
                vm.key(),
                attempts.get(attempts.size() - 1),
                until,
                backoffMessage(attempts, until)));
  }

  /** Restart attempts still inside the restart window. */
  List<RestartAttempt> recentAttempts(ResolvedVm vm) {
    Instant windowStart = context.now().minus(context.settings().restartWindow());
    return vm.status().restartAttempts().stream().filter(a -> a.at().isAfter(windowStart)).toList();
  }

  static String backoffMessage(List<RestartAttempt> attempts, Instant until) {
    RestartAttempt last = attempts.get(attempts.size() - 1);
    return "start "
        + attempts.size()
        + " failed on host "
        + last.host()
        + " ("
        + last.reason()
        + "); next attempt at "
        + DateTimeFormatter.ISO_INSTANT.format(until);
  }

  private String describe(List<RestartAttempt> attempts) {
    return "failed to start "
        + attempts.size()
        + " times within "
        + context.settings().restartWindow().toMinutes()
        + "m: "
        + attempts.stream()
            .map(
                a ->
                    a.host()
                        + " at "
                        + DateTimeFormatter.ISO_INSTANT.format(a.at())
                        + " ("
                        + a.reason()
                        + ")")
            .collect(Collectors.joining("; "));
  }
}
