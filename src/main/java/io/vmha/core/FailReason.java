package io.vmha.core;

/** Why a VM is {@code Failed}; it stays so until a user acts (sets running false, then true). */
public enum FailReason {
  /** Its host failed and the VM is not highly available (F5). */
  HostFailed,
  /** It failed to start {@code maxRestarts} times within {@code restartWindow} (F6). */
  TooManyRestarts
}
