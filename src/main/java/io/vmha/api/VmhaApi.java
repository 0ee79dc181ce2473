package io.vmha.api;

/** Names shared by the operator, the agent and the CRDs. */
public final class VmhaApi {
  public static final String GROUP = "vmha.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;
  public static final String CATEGORY = "vmha";

  /** Label on a host's heartbeat Lease naming the host. */
  public static final String HOST_LABEL = "vmha.io/host";

  /** Label on vmha's Leases: {@code host} (heartbeat) or {@code guest}. */
  public static final String LEASE_KIND_LABEL = "vmha.io/lease-kind";

  /**
   * Selectable field of a VirtualMachine: the host its instance is placed on. An agent watches its
   * VMs with {@code fieldSelector=status.host=<me>}.
   */
  public static final String HOST_FIELD = "status.host";

  /** Selectable field of a VirtualMachine: the host it is migrating to (the target's watch). */
  public static final String MIGRATION_TARGET_FIELD = "status.migration.targetHost";

  /** Finalizer that keeps a VirtualMachine until its instance is stopped and removed (L2). */
  public static final String VM_FINALIZER = "vmha.io/instance-cleanup";

  /** Finalizer that keeps a VmHost until it is drained (L3). */
  public static final String HOST_FINALIZER = "vmha.io/drain";

  /** Finalizer that keeps a StorageRepository or VmTemplate while VMs use it (L3). */
  public static final String IN_USE_FINALIZER = "vmha.io/in-use-protection";

  /**
   * The namespace of vmha's Leases and settings where the demo and the benchmark run them, and the
   * one the install guide uses for the chart.
   */
  public static final String SYSTEM_NAMESPACE = "vmha-system";

  /** Prefix of the per-host heartbeat Lease, renewed by the host agent. */
  public static final String HOST_LEASE_PREFIX = "vmha-host-";

  /** Prefix of the per-VM guest heartbeat Lease, renewed by the agent inside the guest. */
  public static final String GUEST_LEASE_PREFIX = "vmha-guest-";

  /** The Lease whose holder is the Storage Pool Manager host (S3). */
  public static final String SPM_LEASE = "vmha-spm";

  /** ConfigMap in the operator's namespace with the settings every agent must run (R6). */
  public static final String SETTINGS_CONFIG_MAP = "vmha-settings";

  private VmhaApi() {}

  public static String hostLeaseName(String host) {
    return HOST_LEASE_PREFIX + host;
  }

  public static String guestLeaseName(String vmName) {
    return GUEST_LEASE_PREFIX + vmName;
  }
}
