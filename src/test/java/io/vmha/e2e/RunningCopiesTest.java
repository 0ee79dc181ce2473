package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end tests' I1 monitors can fail: a VM on two hosts is a violation, one host is not.
 */
class RunningCopiesTest {

  @Test
  void aVmRunningOnTwoHostsIsAViolationAndOnOneIsNot() {
    assertThat(RunningCopies.violations(Map.of("hv1", Set.of("dc/g1"), "hv2", Set.of("dc/g2"))))
        .isEmpty();
    assertThat(
            RunningCopies.violations(
                Map.of("hv1", Set.of("dc/g1"), "hv2", Set.of("dc/g1", "dc/g2"), "hv3", Set.of())))
        .singleElement()
        .asString()
        .contains("I1", "dc/g1", "hv1", "hv2");
  }
}
