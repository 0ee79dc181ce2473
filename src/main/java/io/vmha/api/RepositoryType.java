package io.vmha.api;

/** Where a repository's images can be reached from. */
public enum RepositoryType {
  /** Reachable from many hosts (NFS, iSCSI, FC, Ceph ...): VMs on it fail over. */
  Shared,
  /** Disk of exactly one host: VMs on it wait for that host (F2). */
  Local
}
