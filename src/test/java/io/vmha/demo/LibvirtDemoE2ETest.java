package io.vmha.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmha.testbed.HypervisorListing;
import io.vmha.testbed.LibvirtHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmha demo --hypervisor libvirt}: the demo's scenarios on real QEMU guests under real
 * libvirt daemons, a real {@code vmha agent} process per host and a real kube-apiserver, faults
 * injected at the hosts (processes killed, link down, storage failing, VM network uplink down, API
 * connections refused), the invariants checked from every libvirt daemon throughout.
 */
class LibvirtDemoE2ETest {

  @Test
  void theDemoPlaysItsScenariosOnRealGuests(@TempDir Path dir) throws Exception {
    skipUnless(
        LocalKubeApiServer.binaries().isPresent(),
        "no kube-apiserver under ~/.kubeapitest: run hack/build-k8s-binaries.sh");
    var prepared = LibvirtHosts.prepared();
    skipUnless(
        prepared.isPresent() && prepared.get().hosts.size() >= 3,
        "no libvirt test hosts: " + LibvirtHosts.hint(3));
    LibvirtHosts lab = prepared.get();
    if (!LibvirtHosts.allAnswer()) {
      lab.up(); // an earlier class may have left a host crashed
    }
    Path report = dir.resolve("report.json");

    String output =
        DemoTest.playExpectingSuccess(
            "demo", "--hypervisor", "libvirt", "--api", "real", "--report", report.toString());

    assertThat(output)
        .contains("3 libvirt hosts with real QEMU guests")
        .contains("invariants I1-I6: held throughout")
        .contains("scenarios: 12 of 12 passed (3 not played on these hosts)")
        .contains("hack/libvirt-hosts.sh crash")
        .contains("hack/libvirt-hosts.sh isolate")
        .contains("hack/libvirt-hosts.sh storage")
        .contains("hack/libvirt-hosts.sh network")
        .contains("FailedOver")
        .contains("WaitingForHost")
        .contains("Migrated")
        .contains("FencingRequested")
        .contains("FailoverFrozen")
        // the Kill VM left its host though no migration could take it: its agent stopped it
        .contains("is stopped on", "and runs on another host");
    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    List<String> notPlayed = new ArrayList<>();
    json.get("scenarios")
        .forEach(
            s -> {
              assertThat(s.get("passed").asBoolean()).as(s.get("name").asText()).isTrue();
              if (s.hasNonNull("notPlayed")) {
                notPlayed.add(s.get("rules").asText());
              } else {
                assertThat(s.get("checks")).as(s.get("name").asText()).isNotEmpty();
              }
            });
    // F3: the guest agent's own heartbeat needs a network the test guest does not have; M1: the
    // guest-hang fault is the simulated guest agents'; real guests are hung in
    // LibvirtGuestMonitoringTest; PF: these hosts have no BMC (RealDatacenterE2ETest has one)
    assertThat(notPlayed).containsExactly("F3", "M1", "PF1, PF2, PF3");
    assertThat(json.get("invariantViolations")).isEmpty();

    // the demo leaves no guest of its own behind
    Map<String, String> uris = new LinkedHashMap<>();
    lab.hosts.values().forEach(h -> uris.put(h.name(), h.unixUri()));
    try (HypervisorListing listing = new HypervisorListing(uris)) {
      listing
          .instancesByHost()
          .forEach(
              (host, instances) ->
                  assertThat(instances)
                      .as(host)
                      .noneMatch(
                          i -> i.hasVm() && i.vmKey().startsWith(DemoFleet.NAMESPACE + "/")));
    }
  }

  private static void skipUnless(boolean condition, String reason) {
    if (!condition) {
      System.out.println("SKIPPED LibvirtDemoE2ETest: " + reason);
    }
    assumeTrue(condition, reason);
  }
}
