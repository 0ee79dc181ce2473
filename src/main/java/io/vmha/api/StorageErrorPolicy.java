package io.vmha.api;

/**
 * What happens to a VM whose guest the agent paused because its host lost the storage it needs.
 * Whatever the policy, the operator first tries to live-migrate it to a host that reaches its
 * storage (S1).
 */
public enum StorageErrorPolicy {
  /** Resume it where it is once the storage is back (or where a migration took it). */
  AutoResume,
  /** Leave it paused, where it is or where a migration took it, until an admin decides. */
  LeavePaused,
  /**
   * Resume it if the storage is back within a host grace period; if not, stop it and restart it as
   * its high availability says, on a host that reaches its storage.
   */
  Kill;

  /** The field's description in the CRDs, where the VM and the template carry it. */
  public static final String DESCRIPTION =
      "When its host loses the storage it needs, the agent pauses the VM and the operator tries to live-migrate it."
          + " Then: AutoResume resumes it when the storage is back (where it is, or where a migration took it);"
          + " LeavePaused leaves it paused until an admin sets AutoResume; Kill resumes it if the storage is back"
          + " within a host grace period, else stops it and restarts it per its high availability on a host"
          + " with the storage.";
}
