package io.vmha.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.api.VirtualMachine;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API server's raw write throughput for the same kind of request the operator makes: JSON merge
 * patches of VirtualMachine status, from the operator's client, on VMs nothing else writes (a field
 * the operator does not read, so no operator logic runs). The failover's re-placement rate is
 * judged against it.
 */
final class ApiBaseline {
  private ApiBaseline() {}

  static void measure(
      KubernetesClient operatorClient, int threads, int total, BenchResult result, BenchLog log)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    String stamp = OffsetDateTime.now().toString();
    long t0 = System.nanoTime();
    Work.parallel(
        threads,
        t -> {
          int i;
          while ((i = next.getAndIncrement()) < total) {
            // one request each: a patch by name alone would read the VM first (kube/Patches)
            io.vmha.kube.Patches.target(
                    operatorClient,
                    VirtualMachine.class,
                    BenchFleet.BASELINE_NAMESPACE,
                    BenchFleet.baselineVmName(t))
                .subresource("status")
                .patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"status\":{\"lastMigrationTime\":\"" + stamp + "#" + i + "\"}}");
          }
        });
    long elapsed = System.nanoTime() - t0;
    result.baselinePatches = total;
    result.baselineThreads = threads;
    result.baselineSeconds = Figures.seconds(elapsed);
    result.baselinePatchesPerSecond = total / Figures.seconds(elapsed);
    log.accept(
        String.format(
            "baseline: %d status merge patches over %d threads in %.2f s = %.0f patches/s",
            total, threads, result.baselineSeconds, result.baselinePatchesPerSecond));
  }
}
