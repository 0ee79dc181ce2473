package io.vmha.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vmha.core.model.FencingPolicy;
import io.vmha.demo.ApiTarget;
import io.vmha.demo.Demo;
import io.vmha.demo.DemoReport;
import io.vmha.demo.EmbeddedApiServer;
import io.vmha.demo.LocalKubeApiServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vmha demo}: the whole product on this machine, no cluster needed. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Start an API server in this process, the operator and simulated hosts for the examples/ fleet,",
      "play the seed scenarios one after the other, and print a timeline and the final state.",
      "Exits 1 if a scenario failed or an invariant (I1-I6) was broken."
    })
public final class DemoCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--real-timings",
      description = "Use the spec's timings (grace period 15 s) instead of compressed ones.")
  boolean realTimings;

  @Option(
      names = "--fencing",
      defaultValue = "SelfFence",
      description = "SelfFence or None (default ${DEFAULT-VALUE}).")
  FencingPolicy fencing;

  enum Api {
    embedded,
    real,
    auto
  }

  @Option(
      names = "--api",
      defaultValue = "auto",
      description =
          "embedded (an API server in this process), real (a kube-apiserver and etcd on localhost, built by"
              + " hack/build-k8s-binaries.sh), or auto: real when its binaries are present (default ${DEFAULT-VALUE}).")
  Api api;

  @Option(
      names = "--keep-running",
      description =
          "Keep the API server up afterwards and write a kubeconfig to look around with kubectl.")
  boolean keepRunning;

  @Option(
      names = "--kubeconfig",
      defaultValue = "vmha-demo-kubeconfig",
      description = "Where --keep-running writes the kubeconfig (default ${DEFAULT-VALUE}).")
  Path kubeconfig;

  @Option(
      names = "--report",
      description = "Write the timeline and each scenario's outcome as JSON to this file.")
  Path reportFile;

  @Option(
      names = "--hypervisor",
      defaultValue = "simulated",
      description =
          "simulated (hosts in this process) or libvirt: real libvirt daemons and QEMU guests, a vmha agent"
              + " process per host, on the hosts `sudo hack/libvirt-hosts.sh up 3` prepared (run from the"
              + " repository; always the spec's timings). Default ${DEFAULT-VALUE}.")
  String hypervisor;

  @Option(names = "--verbose", description = "Also print the operator's and agents' logs.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      // the timeline is the demo's output; component logs would drown it (read before any logger
      // exists)
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    boolean real =
        api == Api.real || (api == Api.auto && LocalKubeApiServer.binaries().isPresent());
    java.util.function.Supplier<ApiTarget> target =
        real ? LocalKubeApiServer::start : EmbeddedApiServer::start;
    Demo.Hypervisor hosts =
        switch (hypervisor) {
          case "simulated" -> Demo.Hypervisor.SIMULATED;
          case "libvirt" -> Demo.Hypervisor.LIBVIRT;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  spec.commandLine(),
                  "--hypervisor: simulated or libvirt, not '" + hypervisor + "'");
        };
    if (hosts == Demo.Hypervisor.LIBVIRT && !real) {
      // the agent processes select their VMs by field (the CRD's selectableFields), which the
      // embedded API server does not serve
      System.err.println(
          "vmha demo: --hypervisor libvirt runs real agent processes, which need a real"
              + " kube-apiserver: run hack/build-k8s-binaries.sh, then use --api real or auto");
      return 2;
    }
    Demo demo = new Demo(new Demo.Options(realTimings, fencing, System.out, hosts), target);
    if (hosts == Demo.Hypervisor.LIBVIRT) {
      // Ctrl-C: the agents and guests run outside this process and would outlive it
      Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "vmha-demo-cleanup"));
    }
    try {
      demo.start();
    } catch (Demo.NotPrepared e) {
      demo.close();
      System.err.println("vmha demo: " + e.getMessage());
      return 2;
    }
    try (demo) {
      DemoReport report = demo.play();
      if (reportFile != null) {
        new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .writeValue(reportFile.toFile(), report);
        System.out.println("report written to " + reportFile);
      }
      if (keepRunning) {
        demo.api().writeKubeconfig(kubeconfig);
        System.out.printf(
            "%nThe fleet keeps running. Look around:%n  kubectl --kubeconfig %s get vmha%n"
                + "  kubectl --kubeconfig %s describe vmhost atlantic%n"
                + "  kubectl --kubeconfig %s annotate vmhost indian sim.vmha.io/fault=host-crash%n"
                + "Press Ctrl-C to stop.%n",
            kubeconfig, kubeconfig, kubeconfig);
        new CountDownLatch(1).await();
      }
      return report.passed() ? 0 : 1;
    }
  }
}
