package io.vmha.agent;

import io.vmha.api.ImageRef;
import io.vmha.api.MigrationStatus;
import io.vmha.api.Resources;
import io.vmha.api.StorageErrorPolicy;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineSpec;
import io.vmha.api.VirtualMachineStatus;
import io.vmha.api.VmTemplate;
import io.vmha.api.VmTemplateSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * What the agent needs to know about one VM, read from its object (and its template) at one moment:
 * immutable, so a tick acts on one consistent picture even while the API is unreachable.
 *
 * @param key {@code namespace/name}
 * @param instanceName {@code status.instanceName}
 * @param phase {@code status.phase}
 * @param host {@code status.host}
 * @param migrationTarget {@code status.migration.targetHost}, or null
 * @param resources what to start it with: {@code status.appliedResources}, else the spec and
 *     template
 * @param image its disk image, from the spec or the template
 * @param problem why it cannot be started (template missing ...), or null
 * @param templateImage whether {@code image} is its template's, shared with the template's other
 *     instances (each then boots from an overlay of its own)
 * @param storageErrorPolicy what to do with it once paused by a storage loss: the spec's, else the
 *     template's, else AutoResume
 * @param monitoring its VM monitoring (M1), the spec's else the template's; null when not enabled
 * @param recordedResets the resets of its current instance the operator recorded from reports (a
 *     restarted agent counts them with its own)
 */
record PlacedVm(
    String key,
    String instanceName,
    String phase,
    String host,
    String migrationTarget,
    Resources resources,
    ImageRef image,
    String problem,
    boolean templateImage,
    io.vmha.core.model.StorageErrorPolicy storageErrorPolicy,
    io.vmha.core.model.GuestMonitoring monitoring,
    List<java.time.Instant> recordedResets) {

  static final String STARTING = "Starting";
  static final String RUNNING = "Running";
  static final String PAUSED = "Paused";
  static final String STOPPING = "Stopping";

  /** The operator placed it and waits for its instance to start. */
  boolean startRequested() {
    return STARTING.equals(phase);
  }

  /** The operator wants its instance to run on {@code host} (and it is not migrating away). */
  boolean shouldRunOn(String me) {
    return me.equals(host)
        && migrationTarget == null
        && (STARTING.equals(phase) || RUNNING.equals(phase) || PAUSED.equals(phase));
  }

  /** Its instance on a host: the instance name and this VM. */
  InstanceRef instance() {
    return new InstanceRef(key, instanceName);
  }

  boolean migratingAwayFrom(String me) {
    return me.equals(host) && migrationTarget != null && !me.equals(migrationTarget);
  }

  static PlacedVm of(VirtualMachine vm, BiFunction<String, String, VmTemplate> templates) {
    String namespace = vm.getMetadata().getNamespace();
    String key = namespace + "/" + vm.getMetadata().getName();
    VirtualMachineSpec spec = vm.getSpec();
    VirtualMachineStatus status =
        vm.getStatus() == null ? new VirtualMachineStatus() : vm.getStatus();
    MigrationStatus migration = status.getMigration();
    VmTemplateSpec template = null;
    String problem = null;
    if (spec != null && spec.getTemplateRef() != null) {
      VmTemplate found = templates.apply(namespace, spec.getTemplateRef().getName());
      if (found == null || found.getSpec() == null) {
        problem = "template " + namespace + "/" + spec.getTemplateRef().getName() + " not found";
      } else {
        template = found.getSpec();
      }
    }
    ImageRef image = spec == null ? null : spec.getImage();
    boolean templateImage = false;
    if (image == null && template != null) {
      image = template.getImage();
      templateImage = image != null;
    }
    if (image == null && problem == null) {
      problem = "VM " + key + " names no image";
    }
    Resources resources = status.getAppliedResources();
    if (resources == null || resources.getCpus() == null || resources.getMemoryMiB() == null) {
      Integer cpus = spec == null ? null : spec.getCpus();
      Long memory = spec == null ? null : spec.getMemoryMiB();
      if (cpus == null && template != null) {
        cpus = template.getCpus();
      }
      if (memory == null && template != null) {
        memory = template.getMemoryMiB();
      }
      resources = new Resources(cpus == null ? 1 : cpus, memory == null ? 512 : memory);
    }
    return new PlacedVm(
        key,
        status.getInstanceName(),
        status.getPhase(),
        status.getHost(),
        migration == null ? null : migration.getTargetHost(),
        resources,
        image,
        problem,
        templateImage,
        storageErrorPolicy(spec, template),
        MonitoringSettings.of(spec, template),
        MonitoringSettings.times(status.getRecentGuestResets()));
  }

  private static io.vmha.core.model.StorageErrorPolicy storageErrorPolicy(
      VirtualMachineSpec spec, VmTemplateSpec template) {
    StorageErrorPolicy policy = spec == null ? null : spec.getStorageErrorPolicy();
    if (policy == null && template != null) {
      policy = template.getStorageErrorPolicy();
    }
    return policy == null
        ? io.vmha.core.model.StorageErrorPolicy.AutoResume
        : io.vmha.core.model.StorageErrorPolicy.valueOf(policy.name());
  }

  /** Whether two lists place the same VMs here with the same instances and phases. */
  static boolean samePlacements(List<VirtualMachine> a, List<VirtualMachine> b) {
    return placements(a).equals(placements(b));
  }

  private static Set<String> placements(List<VirtualMachine> vms) {
    Set<String> keys = new HashSet<>();
    for (VirtualMachine vm : vms) {
      var status = vm.getStatus();
      keys.add(
          vm.getMetadata().getNamespace()
              + "/"
              + vm.getMetadata().getName()
              + "@"
              + (status == null ? null : status.getHost())
              + "/"
              + (status == null ? null : status.getInstanceName())
              + "/"
              + (status == null ? null : status.getPhase()));
    }
    return keys;
  }
}
