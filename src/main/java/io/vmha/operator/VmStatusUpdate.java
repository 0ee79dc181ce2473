package io.vmha.operator;

import io.vmha.api.MigrationStatus;
import io.vmha.api.StaleInstance;
import io.vmha.api.VirtualMachineStatus;
import io.vmha.core.Action;
import io.vmha.core.VmStatusTransition;
import io.vmha.core.model.RecordedVmStatus;
import io.vmha.core.model.VmPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Applies one engine action to a VirtualMachine's status: {@link VmStatusTransition} decides what
 * the action means (the contract is on {@link Action}); this maps that onto the API object and its
 * Event. Pure: the caller writes the result.
 */
final class VmStatusUpdate {
  record Notice(EventRecorder.Type type, String reason, String note) {}

  private VmStatusUpdate() {}

  /**
   * Applies {@code action} to {@code status} in place; returns the event to record, or null. Only
   * the fields the action changes are written: the others keep their text as it was.
   */
  static Notice apply(
      VirtualMachineStatus status, Action action, Instant now, Duration restartWindow) {
    RecordedVmStatus before = recorded(status);
    VmStatusTransition.Result result = VmStatusTransition.apply(before, action, now, restartWindow);
    write(before, result.status(), status);
    VmStatusTransition.Notice notice = result.notice();
    return notice == null
        ? null
        : new Notice(
            notice.warning() ? EventRecorder.Type.Warning : EventRecorder.Type.Normal,
            notice.reason(),
            notice.note());
  }

  /**
   * The core's reading of a VM's status ({@link RecordedVmStatus#NEW} for none). A timestamp that
   * does not parse (a status edited by hand) reads as absent, and a restart attempt without one is
   * left out: one VM's unreadable field must not stop the planning of the whole fleet.
   */
  static RecordedVmStatus recorded(VirtualMachineStatus status) {
    if (status == null) {
      return RecordedVmStatus.NEW;
    }
    MigrationStatus migration = status.getMigration();
    return new RecordedVmStatus(
        SnapshotBuilder.enumOrNull(VmPhase.class, status.getPhase()),
        Timestamps.parseOrNull(status.getPhaseSince()),
        status.getReason(),
        status.getMessage(),
        status.getHost(),
        status.getInstanceName(),
        Timestamps.parseOrNull(status.getPlacedAt()),
        migration == null
            ? null
            : new RecordedVmStatus.Migration(
                migration.getSourceHost(),
                migration.getTargetHost(),
                migration.getCause(),
                Timestamps.parseOrNull(migration.getStartedAt())),
        each(
            status.getStaleInstances(),
            s ->
                new RecordedVmStatus.Stale(
                    s.getHost(), s.getInstanceName(), Timestamps.parseOrNull(s.getSince()))),
        each(
                status.getRestartAttempts(),
                a ->
                    new RecordedVmStatus.Attempt(
                        a.getHost(),
                        a.getInstanceName(),
                        Timestamps.parseOrNull(a.getTime()),
                        a.getReason()))
            .stream()
            .filter(a -> a.time() != null) // without a readable time it counts in no window
            .toList(),
        Timestamps.parseOrNull(status.getBackoffUntil()),
        count(status.getFailoverCount()),
        Timestamps.parseOrNull(status.getLastFailoverTime()),
        count(status.getMigrationCount()),
        Timestamps.parseOrNull(status.getLastMigrationTime()));
  }

  /**
   * Writes onto {@code status} each field that differs between {@code before} and {@code after}.
   */
  private static void write(
      RecordedVmStatus before, RecordedVmStatus after, VirtualMachineStatus status) {
    changed(before.phase(), after.phase(), p -> status.setPhase(p == null ? null : p.name()));
    changed(
        before.phaseSince(),
        after.phaseSince(),
        t -> status.setPhaseSince(Timestamps.formatPrecise(t)));
    changed(before.reason(), after.reason(), status::setReason);
    changed(before.message(), after.message(), status::setMessage);
    changed(before.host(), after.host(), status::setHost);
    changed(before.instanceName(), after.instanceName(), status::setInstanceName);
    changed(
        before.placedAt(), after.placedAt(), t -> status.setPlacedAt(Timestamps.formatPrecise(t)));
    changed(before.migration(), after.migration(), m -> status.setMigration(migration(m)));
    changed(
        before.staleInstances(),
        after.staleInstances(),
        list ->
            status.setStaleInstances(
                list.isEmpty()
                    ? null
                    : list.stream()
                        .map(
                            s ->
                                new StaleInstance(
                                    s.host(), s.instanceName(), Timestamps.format(s.since())))
                        .toList()));
    changed(
        before.restartAttempts(),
        after.restartAttempts(),
        list ->
            status.setRestartAttempts(
                list.isEmpty() ? null : list.stream().map(VmStatusUpdate::attempt).toList()));
    changed(
        before.backoffUntil(),
        after.backoffUntil(),
        t -> status.setBackoffUntil(Timestamps.format(t)));
    changed(before.failoverCount(), after.failoverCount(), status::setFailoverCount);
    changed(
        before.lastFailoverTime(),
        after.lastFailoverTime(),
        t -> status.setLastFailoverTime(Timestamps.format(t)));
    changed(before.migrationCount(), after.migrationCount(), status::setMigrationCount);
    changed(
        before.lastMigrationTime(),
        after.lastMigrationTime(),
        t -> status.setLastMigrationTime(Timestamps.format(t)));
  }

  /** The list mapped, empty for none. */
  private static <A, B> List<B> each(List<A> list, Function<A, B> map) {
    return list == null ? List.of() : list.stream().map(map).toList();
  }

  private static <T> void changed(T before, T after, Consumer<T> write) {
    if (!Objects.equals(before, after)) {
      write.accept(after);
    }
  }

  private static MigrationStatus migration(RecordedVmStatus.Migration migration) {
    if (migration == null) {
      return null;
    }
    MigrationStatus written = new MigrationStatus();
    written.setSourceHost(migration.sourceHost());
    written.setTargetHost(migration.targetHost());
    written.setCause(migration.cause());
    written.setStartedAt(Timestamps.formatPrecise(migration.startedAt()));
    return written;
  }

  private static io.vmha.api.RestartAttempt attempt(RecordedVmStatus.Attempt attempt) {
    io.vmha.api.RestartAttempt written = new io.vmha.api.RestartAttempt();
    written.setHost(attempt.host());
    written.setInstanceName(attempt.instanceName());
    written.setTime(Timestamps.format(attempt.time()));
    written.setReason(attempt.reason());
    return written;
  }

  private static int count(Integer value) {
    return value == null ? 0 : value;
  }
}
