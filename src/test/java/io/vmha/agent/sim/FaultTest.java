package io.vmha.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class FaultTest {
  @Test
  void parsesTheAnnotation() {
    Set<String> unknown = new TreeSet<>();
    assertThat(Fault.parse(" storage-down,NETWORK-down ,, host-crash,meteor", unknown))
        .containsExactlyInAnyOrder(Fault.STORAGE_DOWN, Fault.NETWORK_DOWN, Fault.HOST_CRASH);
    assertThat(unknown).containsExactly("meteor");
    assertThat(Fault.parse(null, unknown)).isEmpty();
  }

  @Test
  void formatsWhatItParses() {
    Set<Fault> all = EnumSet.allOf(Fault.class);
    assertThat(Fault.parse(Fault.format(all), new TreeSet<>())).isEqualTo(all);
    assertThat(Fault.format(EnumSet.of(Fault.AGENT_DOWN, Fault.API_PARTITION)))
        .isEqualTo("agent-down,api-partition");
  }
}
