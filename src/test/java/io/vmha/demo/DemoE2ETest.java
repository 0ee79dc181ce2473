package io.vmha.demo;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed scenarios of the demo, with simulated agents, on a real kube-apiserver and etcd: real
 * optimistic locking, CEL, server-side apply and watches, with the invariants I1-I6 checked.
 */
class DemoE2ETest {

  @Test
  void theDemoPassesEveryScenarioOnARealApiServer(@TempDir Path dir) throws Exception {
    boolean present = LocalKubeApiServer.binaries().isPresent();
    if (!present) {
      System.out.println(
          "SKIPPED DemoE2ETest: no kube-apiserver under ~/.kubeapitest: run hack/build-k8s-binaries.sh");
    }
    assumeTrue(present, "no kube-apiserver under ~/.kubeapitest: run hack/build-k8s-binaries.sh");
    DemoTest.playAndCheck(dir, "real");
  }
}
