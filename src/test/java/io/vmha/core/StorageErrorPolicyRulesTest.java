package io.vmha.core;

import static io.vmha.core.vm.GuestStorageGuard.Step.NONE;
import static io.vmha.core.vm.GuestStorageGuard.Step.PAUSE;
import static io.vmha.core.vm.GuestStorageGuard.Step.RESUME;
import static io.vmha.core.vm.GuestStorageGuard.Step.STOP;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.core.model.InstanceState;
import io.vmha.core.model.StorageErrorPolicy;
import io.vmha.core.vm.GuestStorageGuard;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * S1 and E1 on the agent's side: a guest paused by a storage loss meets its storage-error policy.
 */
class StorageErrorPolicyRulesTest {
  static final Duration GRACE = Duration.ofSeconds(15);

  static GuestStorageGuard.Step paused(
      boolean storage, StorageErrorPolicy policy, boolean migratingAway, Duration pausedFor) {
    return GuestStorageGuard.decide(
        storage, InstanceState.Paused, true, policy, migratingAway, pausedFor, GRACE);
  }

  @Test
  void S1_aRunningGuestIsPausedWhenItsHostLosesStorageWhateverItsPolicy() {
    for (StorageErrorPolicy policy : StorageErrorPolicy.values()) {
      assertThat(
              GuestStorageGuard.decide(
                  false, InstanceState.Running, false, policy, false, Duration.ZERO, GRACE))
          .isEqualTo(PAUSE);
    }
  }

  @Test
  void E1_autoResumeResumesWhenTheStorageIsBackAndLeavePausedWaitsForAnAdmin() {
    assertThat(paused(true, StorageErrorPolicy.AutoResume, false, Duration.ofMinutes(5)))
        .isEqualTo(RESUME);
    assertThat(paused(true, StorageErrorPolicy.LeavePaused, false, Duration.ofMinutes(5)))
        .isEqualTo(NONE);
    assertThat(paused(false, StorageErrorPolicy.AutoResume, false, Duration.ofMinutes(5)))
        .isEqualTo(NONE);
  }

  @Test
  void E1_killStopsAGuestPausedAGracePeriodWhileTheStorageIsStillLost() {
    assertThat(paused(false, StorageErrorPolicy.Kill, false, GRACE.minusMillis(1))).isEqualTo(NONE);
    assertThat(paused(false, StorageErrorPolicy.Kill, false, GRACE)).isEqualTo(STOP);
    assertThat(paused(true, StorageErrorPolicy.Kill, false, GRACE.minusSeconds(5)))
        .as("the storage came back within the grace period: resumed")
        .isEqualTo(RESUME);
  }

  @Test
  void E1_killNeverStopsAGuestBeingMigratedAway() {
    assertThat(paused(false, StorageErrorPolicy.Kill, true, GRACE.multipliedBy(10)))
        .isEqualTo(NONE);
  }

  /**
   * A migration attempt can fail after its switch-over (the source pauses its copy, the target
   * resumes the guest, the confirmation is lost): resuming the source's copy then would run the
   * guest twice. The rule used to resume it as soon as the storage was back (the agent did not, as
   * it passes no policy for a VM migrating away; the fault-sequence world followed the rule).
   */
  @Test
  void S1_aGuestBeingMigratedAwayIsNotResumedWhenTheStorageComesBack() {
    for (StorageErrorPolicy policy : StorageErrorPolicy.values()) {
      assertThat(paused(true, policy, true, Duration.ofMinutes(1)))
          .as("%s", policy)
          .isEqualTo(NONE);
    }
  }

  @Test
  void S1_aGuestPausedForAnotherReasonOrOfNoVmHereIsLeftAlone() {
    assertThat(
            GuestStorageGuard.decide(
                true,
                InstanceState.Paused,
                false,
                StorageErrorPolicy.AutoResume,
                false,
                Duration.ofMinutes(1),
                GRACE))
        .isEqualTo(NONE);
    assertThat(paused(true, null, false, Duration.ofMinutes(1))).isEqualTo(NONE);
    assertThat(paused(false, null, false, Duration.ofMinutes(1))).isEqualTo(NONE);
  }
}
