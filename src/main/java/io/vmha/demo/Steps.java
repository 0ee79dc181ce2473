package io.vmha.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.Instance;
import io.vmha.agent.sim.Fault;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.core.Settings;
import io.vmha.kube.Conflicts;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * What a scenario does to the fleet (faults, annotations, maintenance) and how it checks the
 * outcome. Faults and maintenance are printed on the timeline as the kubectl command a user would
 * type; every check is printed too, and recorded in the result of the scenario being played.
 */
final class Steps {
  final Settings settings;
  final DemoHosts hosts;
  final Timeline timeline;
  final FleetView fleet;
  private final KubernetesClient client;
  private DemoReport.ScenarioResult scenario;

  Steps(KubernetesClient client, Settings settings, DemoHosts hosts, Timeline timeline) {
    this.client = client;
    this.settings = settings;
    this.hosts = hosts;
    this.timeline = timeline;
    this.fleet = new FleetView(client);
  }

  /** From now on checks count for {@code result}. */
  void recordInto(DemoReport.ScenarioResult result) {
    this.scenario = result;
  }

  /**
   * Long enough for the operator to judge a host lost and act: a few grace periods, plus room for a
   * loaded machine.
   */
  Duration detection() {
    return settings.hostGracePeriod().multipliedBy(3).plus(Duration.ofSeconds(10));
  }

  // ---- checks -----------------------------------------------------------------------------------

  /** Passes as soon as {@code condition} holds, fails if it does not within {@code timeout}. */
  void expect(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          check(what);
          return;
        }
      } catch (RuntimeException e) {
        // not there yet (an object without status, say)
      }
      pause(Duration.ofMillis(100));
    }
    fail(what + " (not within " + seconds(timeout) + ")");
  }

  void expectThat(String what, boolean holds) {
    if (holds) {
      check(what);
    } else {
      fail(what);
    }
  }

  /** Records {@code what} as seen to hold. */
  void check(String what) {
    scenario.checks.add(what);
    timeline.note("ok: " + what);
  }

  private void fail(String what) {
    scenario.failures.add(what);
    timeline.note("FAILED: " + what);
    describeHosts();
  }

  /**
   * Each host as the API server and its agent see it, when a step failed: a failure in CI leaves
   * only this output to find out why.
   */
  private void describeHosts() {
    for (String host : hosts.hosts()) {
      try {
        VmHost vmHost = fleet.host(host);
        var status = vmHost == null ? null : vmHost.getStatus();
        var stops = status == null ? null : status.getInstancesToStop();
        timeline.note(
            String.format(
                "  %s: %s; runs %s; VmHost version %s lists to stop %s; its agent: %s",
                host,
                fleet.hostPhase(host),
                hosts.instancesOn(host).stream()
                    .map(i -> i.name() + " (" + i.vmKey() + ") " + i.state())
                    .toList(),
                vmHost == null ? null : vmHost.getMetadata().getResourceVersion(),
                stops == null ? List.of() : stops.stream().map(s -> s.getName()).toList(),
                hosts.agentState(host)));
      } catch (RuntimeException e) {
        timeline.note("  " + host + ": cannot be described: " + e);
      }
    }
  }

  /** The host is NonOperational: up, but cut from what its VMs need (storage or network). */
  void expectNonOperational(String host) {
    expect(
        host + " is NonOperational",
        detection(),
        () -> "NonOperational".equals(fleet.hostPhase(host)));
  }

  /**
   * Where guests cannot leave a host whose storage failed ({@link
   * DemoHosts#guestsLeaveFailedStorage}): they are paused there and stay so, running nowhere, for a
   * grace period; once the storage is healed each runs again as the same instance.
   */
  void rideOutStorageLossInPlace(String host, Map<String, String> instances) {
    expectPausedInPlace(host, instances);
    holdStorageLoss(host, instances);
    heal(host);
    expectResumed(instances);
    settle();
  }

  /**
   * Where guests cannot leave a host whose storage failed ({@link
   * DemoHosts#guestsLeaveFailedStorage}): each VM of {@code instances} (name → instance) is paused
   * there, the same instance, and runs nowhere.
   */
  void expectPausedInPlace(String host, Map<String, String> instances) {
    instances.forEach(
        (name, instance) ->
            expect(
                name + " is paused on " + host + " as " + instance + ", running nowhere",
                detection(),
                () ->
                    hosts.instancesOn(host).stream()
                            .anyMatch(
                                i ->
                                    i.name().equals(instance) && i.state() == Instance.State.Paused)
                        && hosts.whereRuns(instance).isEmpty()));
  }

  /**
   * The storage stays lost for a grace period: the guests stay paused where they are, and no copy
   * starts anywhere else (the invariant monitor watches every hypervisor meanwhile).
   */
  void holdStorageLoss(String host, Map<String, String> instances) {
    pause(settings.hostGracePeriod());
    instances.forEach(
        (name, instance) ->
            expectThat(
                name
                    + " is still paused on "
                    + host
                    + " after "
                    + seconds(settings.hostGracePeriod())
                    + ", running nowhere",
                hosts.instancesOn(host).stream()
                        .anyMatch(
                            i -> i.name().equals(instance) && i.state() == Instance.State.Paused)
                    && hosts.whereRuns(instance).isEmpty()));
  }

  /**
   * Each VM of {@code instances} (name → instance) runs again as the same instance, on one host:
   * resumed where it was, or where a migration that could finish once the storage was back took it.
   */
  void expectResumed(Map<String, String> instances) {
    instances.forEach(
        (name, instance) ->
            expect(
                name + " runs again as " + instance + ", one copy",
                detection(),
                () ->
                    hosts.whereRuns(instance).size() == 1
                        && "Running".equals(FleetView.phase(fleet.vm(name)))
                        && instance.equals(fleet.vm(name).getStatus().getInstanceName())));
  }

  /** Everything healthy again: every host up (or in maintenance), every VM Running (I2). */
  void settle() {
    expect(
        "the fleet settles: hosts Up, every VM Running, no copy left behind, every agent knows its"
            + " peers",
        detection().multipliedBy(2),
        () ->
            fleet.allHosts().stream()
                    .allMatch(h -> "Up".equals(fleet.hostPhase(h.getMetadata().getName())))
                && fleet.allVms().stream().allMatch(vm -> "Running".equals(FleetView.phase(vm)))
                // a host back from a fault is part of the fleet again only when it could take part
                // in confirming an outage: the next scenario may cut everyone off at once
                && hosts.peersKnowEachOther()
                // a copy left behind (a VM re-placed while its host was cut off) holds its VM's
                // next start until it is stopped: the next scenario must not begin with one
                && strayInstances().isEmpty());
  }

  /** Instances of VMs that run where their VM's placement does not put them, as "name on host". */
  List<String> strayInstances() {
    Map<String, VirtualMachine> vms = new HashMap<>();
    for (VirtualMachine vm : fleet.allVms()) {
      vms.put(vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName(), vm);
    }
    List<String> strays = new java.util.ArrayList<>();
    hosts
        .instancesByHost()
        .forEach(
            (host, instances) -> {
              for (Instance instance : instances) {
                var report = instance.report();
                if (!report.isForeign()
                    && report.isActive()
                    && !placedThere(vms.get(instance.vmKey()), host, instance.name())) {
                  strays.add(instance.name() + " on " + host);
                }
              }
            });
    return strays;
  }

  private static boolean placedThere(VirtualMachine vm, String host, String instance) {
    var status = vm == null ? null : vm.getStatus();
    if (status == null || !instance.equals(status.getInstanceName())) {
      return false;
    }
    return host.equals(status.getHost())
        || (status.getMigration() != null && host.equals(status.getMigration().getTargetHost()));
  }

  // ---- actions ----------------------------------------------------------------------------------

  void fault(String host, Fault fault) {
    timeline.note(hosts.inject(host, fault));
  }

  void heal(String host) {
    timeline.note(hosts.heal(host));
  }

  /** Sets an annotation on a VmHost; a null value removes it. */
  void annotate(String host, String key, String value) {
    editHost(
        host,
        h -> {
          if (value == null) {
            if (h.getMetadata().getAnnotations() != null) {
              h.getMetadata().getAnnotations().remove(key);
            }
          } else {
            if (h.getMetadata().getAnnotations() == null) {
              h.getMetadata().setAnnotations(new HashMap<>());
            }
            h.getMetadata().getAnnotations().put(key, value);
          }
          return h;
        });
  }

  /** Sets a VM's storage-error policy (null: unset), as {@code kubectl patch} would. */
  void storageErrorPolicy(String vm, io.vmha.api.StorageErrorPolicy policy) {
    patchVm(
        vm,
        "{\"spec\":{\"storageErrorPolicy\":"
            + (policy == null ? "null" : "\"" + policy + "\"")
            + "}}",
        v -> v.getSpec().setStorageErrorPolicy(policy));
  }

  /**
   * Changes a VM as {@code kubectl patch --type merge -p <patch>} would: prints that command, and
   * makes the same change to the latest version of the object.
   */
  void patchVm(String vm, String patch, java.util.function.Consumer<VirtualMachine> change) {
    timeline.note(
        "kubectl -n "
            + DemoFleet.NAMESPACE
            + " patch havm "
            + vm
            + " --type merge -p '"
            + patch
            + "'");
    editVm(vm, change);
  }

  /** Sets a VM's monitoring (null: unset), as {@code kubectl patch} would (M1). */
  void monitoring(String vm, io.vmha.api.VmMonitoring monitoring) {
    patchVm(
        vm,
        "{\"spec\":{\"monitoring\":"
            + (monitoring == null
                ? "null"
                : io.fabric8.kubernetes.client.utils.Serialization.asJson(monitoring))
            + "}}",
        v -> v.getSpec().setMonitoring(monitoring));
  }

  /** Sets an annotation on a VirtualMachine, as {@code kubectl annotate} would; null removes it. */
  void annotateVm(String vm, String key, String value) {
    timeline.note(
        "kubectl -n "
            + DemoFleet.NAMESPACE
            + " annotate havm "
            + vm
            + " "
            + key
            + (value == null ? "-" : "=" + value));
    editVm(
        vm,
        v -> {
          if (v.getMetadata().getAnnotations() == null) {
            v.getMetadata().setAnnotations(new HashMap<>());
          }
          if (value == null) {
            v.getMetadata().getAnnotations().remove(key);
          } else {
            v.getMetadata().getAnnotations().put(key, value);
          }
        });
  }

  private void editVm(String vm, java.util.function.Consumer<VirtualMachine> change) {
    Conflicts.retry(
        () ->
            client
                .resources(VirtualMachine.class)
                .inNamespace(DemoFleet.NAMESPACE)
                .withName(vm)
                .edit(
                    v -> {
                      change.accept(v);
                      return v;
                    }));
  }

  /**
   * The Events with {@code reason} about VM {@code vm}, as {@code kubectl get events} lists them.
   */
  long vmEvents(String vm, String reason) {
    return client.events().v1().events().inNamespace(DemoFleet.NAMESPACE).list().getItems().stream()
        .filter(
            e ->
                reason.equals(e.getReason())
                    && e.getRegarding() != null
                    && vm.equals(e.getRegarding().getName()))
        .count();
  }

  /** Puts a host into maintenance, or takes it out, as {@code kubectl patch} would. */
  void maintenance(String host, boolean on) {
    patchHostSpec(host, "maintenance", on, spec -> spec.setMaintenance(on));
  }

  /**
   * Gives a host a BMC to power it off through (PF), or takes it away (null), as {@code kubectl
   * patch} would.
   */
  void powerManagement(String host, io.vmha.api.PowerManagement power) {
    timeline.note(
        "kubectl patch vmhost "
            + host
            + " --type merge -p '{\"spec\":{\"powerManagement\":"
            + (power == null
                ? "null"
                : "{\"redfish\":{\"endpoint\":\""
                    + power.getRedfish().getEndpoint()
                    + "\",\"systemId\":\""
                    + power.getRedfish().getSystemId()
                    + "\",\"credentialsSecret\":\""
                    + power.getRedfish().getCredentialsSecret()
                    + "\",\"caBundle\":\"…\"}}")
            + "}}'");
    editHost(
        host,
        h -> {
          h.getSpec().setPowerManagement(power);
          return h;
        });
  }

  /** Cordons a host or uncordons it, as {@code kubectl patch} would. */
  void cordon(String host, boolean on) {
    patchHostSpec(host, "unschedulable", on, spec -> spec.setUnschedulable(on));
  }

  /** Sets one field of a host's spec: prints the kubectl patch, and makes the same change. */
  private void patchHostSpec(
      String host,
      String field,
      Object value,
      java.util.function.Consumer<io.vmha.api.VmHostSpec> change) {
    timeline.note(
        "kubectl patch vmhost "
            + host
            + " --type merge -p '{\"spec\":{\""
            + field
            + "\":"
            + value
            + "}}'");
    editHost(
        host,
        h -> {
          change.accept(h.getSpec());
          return h;
        });
  }

  /**
   * The agents and the operator write the VmHost all the time: an edit that raced them is tried
   * again.
   */
  private void editHost(String host, UnaryOperator<VmHost> change) {
    Conflicts.retry(() -> client.resources(VmHost.class).withName(host).edit(change));
  }

  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : (d.toMillis() / 1000.0) + "s";
  }

  static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
