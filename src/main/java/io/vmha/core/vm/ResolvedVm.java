package io.vmha.core.vm;

import io.vmha.core.PendingReason;
import io.vmha.core.model.Priority;
import io.vmha.core.model.RepositoryType;
import io.vmha.core.model.RepositoryView;
import io.vmha.core.model.Resources;
import io.vmha.core.model.StartReadiness;
import io.vmha.core.model.TemplateView;
import io.vmha.core.model.VmAffinity;
import io.vmha.core.model.VmStatusView;
import io.vmha.core.model.VmView;

/**
 * A VM with its template defaults applied.
 *
 * @param affinity the VM's own rules, else its template's
 * @param readiness the VM's own, else its template's; null when neither sets one (the VM then holds
 *     no priority tier back)
 * @param template null for standalone VMs, or when the template is missing
 * @param repository null when it cannot be resolved
 * @param problem why the VM cannot be placed at all, or null
 */
public record ResolvedVm(
    VmView view,
    TemplateView template,
    RepositoryView repository,
    Resources resources,
    boolean ha,
    Priority priority,
    boolean guestAgent,
    VmAffinity affinity,
    StartReadiness readiness,
    PendingReason problem,
    String problemMessage) {

  public String key() {
    return view.key();
  }

  public VmStatusView status() {
    return view.status();
  }

  public boolean isLocal() {
    return repository != null && repository.type() == RepositoryType.Local;
  }

  /** Whether failover would re-place it elsewhere, so its load counts toward the reserve (P5). */
  public boolean isFailoverProtected() {
    return ha && repository != null && repository.type() == RepositoryType.Shared;
  }
}
