package io.vmha.core.vm;

import io.vmha.core.PendingReason;
import io.vmha.core.model.FleetSnapshot;
import io.vmha.core.model.HostView;
import io.vmha.core.model.Priority;
import io.vmha.core.model.RepositoryType;
import io.vmha.core.model.RepositoryView;
import io.vmha.core.model.Resources;
import io.vmha.core.model.StartReadiness;
import io.vmha.core.model.TemplateView;
import io.vmha.core.model.VmAffinity;
import io.vmha.core.model.VmView;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Applies template defaults to VMs. A VM's own values win; without a template, HA is on (opt-out:
 * it is what vmha is for), priority is Medium and there is no guest agent.
 */
public final class VmResolver {
  private final Map<String, TemplateView> templates = new HashMap<>();
  private final Map<String, RepositoryView> repositories = new HashMap<>();
  private final Set<String> hostNames = new HashSet<>();

  public VmResolver(FleetSnapshot snapshot) {
    snapshot.templates().forEach(t -> templates.put(t.key(), t));
    snapshot.repositories().forEach(r -> repositories.put(r.name(), r));
    snapshot.hosts().stream().map(HostView::name).forEach(hostNames::add);
  }

  public ResolvedVm resolve(VmView vm) {
    TemplateView template =
        vm.templateRef() == null ? null : templates.get(vm.namespace() + "/" + vm.templateRef());
    String repositoryName = template != null ? template.repository() : vm.imageRepository();
    RepositoryView repository = repositoryName == null ? null : repositories.get(repositoryName);
    Resources base = template != null ? template.resources() : Resources.ZERO;
    Resources resources =
        new Resources(
            vm.cpuMillis() != null ? vm.cpuMillis() : base.cpuMillis(),
            vm.memoryMiB() != null ? vm.memoryMiB() : base.memoryMiB());
    boolean ha = vm.haEnabled() != null ? vm.haEnabled() : template == null || template.haEnabled();
    Priority priority =
        vm.priority() != null
            ? vm.priority()
            : template != null ? template.priority() : Priority.Medium;
    boolean guestAgent =
        vm.guestAgent() != null ? vm.guestAgent() : template != null && template.guestAgent();

    VmAffinity affinity =
        vm.affinity() != null
            ? vm.affinity()
            : template != null ? template.affinity() : VmAffinity.NONE;

    StartReadiness readiness =
        vm.readiness() != null ? vm.readiness() : template != null ? template.readiness() : null;

    PendingReason problem = null;
    String message = null;
    if (vm.invalidReason() != null) {
      problem = PendingReason.Invalid;
      message = vm.invalidReason();
    } else if (vm.templateRef() != null && template == null) {
      problem = PendingReason.TemplateNotFound;
      message = "template " + vm.namespace() + "/" + vm.templateRef() + " not found";
    } else if (repository == null) {
      problem = PendingReason.RepositoryNotFound;
      message = "storage repository " + repositoryName + " not found";
    } else if (repository.type() == RepositoryType.Local
        && !hostNames.contains(repository.localHost())) {
      problem = PendingReason.LocalHostNotFound;
      message =
          "local repository "
              + repository.name()
              + " names host "
              + repository.localHost()
              + ", which does not exist";
    }
    return new ResolvedVm(
        vm,
        template,
        repository,
        resources,
        ha,
        priority,
        guestAgent,
        affinity,
        readiness,
        problem,
        message);
  }
}
