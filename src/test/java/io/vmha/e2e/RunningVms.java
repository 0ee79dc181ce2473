package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.api.VirtualMachine;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/** Waiting for VMs to run where the API says, and where the hypervisors say too. */
final class RunningVms {
  private RunningVms() {}

  /**
   * VM name → host, once every VM of {@code vms} in {@code namespace} is Running on a host that
   * {@code where} accepts, and {@code hypervisorRuns(host, "namespace/name")} confirms it.
   */
  static Map<String, String> await(
      RealApiServer api,
      String namespace,
      List<String> vms,
      Predicate<String> where,
      BiPredicate<String, String> hypervisorRuns,
      Duration atMost) {
    Map<String, String> placed = new LinkedHashMap<>();
    org.awaitility.Awaitility.await("VMs running")
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              placed.clear();
              for (String name : vms) {
                VirtualMachine vm =
                    api.admin()
                        .resources(VirtualMachine.class)
                        .inNamespace(namespace)
                        .withName(name)
                        .get();
                assertThat(vm.getStatus().getPhase())
                    .as(
                        name
                            + " "
                            + api.admin().getKubernetesSerialization().asJson(vm.getStatus()))
                    .isEqualTo("Running");
                String host = vm.getStatus().getHost();
                assertThat(where.test(host)).as(name + " on " + host).isTrue();
                assertThat(hypervisorRuns.test(host, namespace + "/" + name))
                    .as(name + " running on the hypervisor of " + host)
                    .isTrue();
                placed.put(name, host);
              }
            });
    return placed;
  }
}
