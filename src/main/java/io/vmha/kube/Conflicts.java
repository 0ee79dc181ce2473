package io.vmha.kube;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** How a user's edit meets the operator's status writes: read again and retry, as kubectl does. */
public final class Conflicts {
  private static final int ATTEMPTS = 10;

  private Conflicts() {}

  /** Runs a read-modify-write, again while the object changed in between (409). */
  public static void retry(Runnable edit) {
    for (int attempt = 1; ; attempt++) {
      try {
        edit.run();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
