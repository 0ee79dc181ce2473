package io.vmha.agent.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmha.agent.InformerClusterView;
import io.vmha.agent.Instance;
import io.vmha.agent.Leases;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmTemplate;
import io.vmha.api.VmhaApi;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guest agents inside the simulated VMs: each round renews {@code vmha-guest-<vm>} for every
 * running instance of a VM with a guest agent. They run whether or not the host's agent does (F3),
 * but need the host powered on and its VM network up. A VM annotated {@code
 * sim.vmha.io/fault=guest-hang} has its guest hang (M1): its guest agent stops answering and
 * renewing, while the host and hypervisor stay fine; a guest reset in place hangs again as long as
 * the annotation stays.
 */
final class SimulatedGuestAgents implements Runnable {
  // logged under the simulation's name, where the guest agents were always logged
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedDatacenter.class);

  private final KubernetesClient client;
  private final InformerClusterView view;
  private final SimulationOptions options;
  private final Collection<SimHost> hosts;

  /**
   * @param hosts the simulation's hosts, a live view: hosts added later get guest agents too
   */
  SimulatedGuestAgents(
      KubernetesClient client,
      InformerClusterView view,
      SimulationOptions options,
      Collection<SimHost> hosts) {
    this.client = client;
    this.view = view;
    this.options = options;
    this.hosts = hosts;
  }

  /** One renewal round; a failed round is logged, and the next one tries again. */
  @Override
  public void run() {
    try {
      Set<String> renewed = new HashSet<>();
      for (SimHost sim : hosts) {
        if (!sim.driver.isPoweredOn() || !sim.driver.networkConnected()) {
          continue; // a guest reaches the API server over the VM network
        }
        for (Instance instance : sim.driver.instances()) {
          if (instance.state() != Instance.State.Running
              || instance.vmKey() == null
              || !renewed.add(instance.vmKey())) {
            continue;
          }
          renew(sim.driver, instance);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("simulated guest agents: renewal round failed", e);
    }
  }

  private void renew(SimulatedDriver driver, Instance instance) {
    String[] key = instance.vmKey().split("/", 2);
    if (key.length != 2) {
      return;
    }
    VirtualMachine vm = view.vm(key[0], key[1]);
    if (vm == null || !hasGuestAgent(vm)) {
      return;
    }
    if (hangs(vm)) {
      if (!driver.isHung(instance.ref()) && driver.hang(instance.ref())) {
        LOG.info("simulated guest of {} hangs (fault {})", instance.ref(), GUEST_HANG);
      }
      return;
    }
    if (driver.isHung(instance.ref())) {
      return; // the annotation went, but a hung guest stays hung until it is reset
    }
    try {
      Leases.renewOrCreate(
          client,
          key[0],
          VmhaApi.guestLeaseName(key[1]),
          Map.of(VmhaApi.LEASE_KIND_LABEL, "guest"),
          instance.name(),
          (int) Math.max(1, options.guestLeaseDuration().toSeconds()),
          options.clock().instant(),
          null);
    } catch (RuntimeException e) {
      LOG.debug("guest agent of {} could not renew its Lease: {}", instance.vmKey(), e.toString());
    }
  }

  /** The fault, on a VirtualMachine's {@code sim.vmha.io/fault} annotation. */
  static final String GUEST_HANG = "guest-hang";

  private static boolean hangs(VirtualMachine vm) {
    var annotations = vm.getMetadata().getAnnotations();
    String faults = annotations == null ? null : annotations.get(Fault.ANNOTATION);
    return faults != null
        && java.util.Arrays.stream(faults.split(","))
            .anyMatch(f -> GUEST_HANG.equals(f.trim().toLowerCase(java.util.Locale.ROOT)));
  }

  /** The VM's own setting, else its template's; none means no guest agent. */
  private boolean hasGuestAgent(VirtualMachine vm) {
    if (vm.getSpec() == null) {
      return false;
    }
    if (vm.getSpec().getGuestAgent() != null) {
      return vm.getSpec().getGuestAgent();
    }
    if (vm.getSpec().getTemplateRef() == null) {
      return false;
    }
    VmTemplate template =
        view.template(vm.getMetadata().getNamespace(), vm.getSpec().getTemplateRef().getName());
    return template != null
        && template.getSpec() != null
        && Boolean.TRUE.equals(template.getSpec().getGuestAgent());
  }
}
