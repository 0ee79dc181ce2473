package io.vmha.bench;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.api.Condition;
import io.vmha.api.HighAvailability;
import io.vmha.api.ImageRef;
import io.vmha.api.Priority;
import io.vmha.api.RepositoryType;
import io.vmha.api.Resources;
import io.vmha.api.StorageRepository;
import io.vmha.api.StorageRepositorySpec;
import io.vmha.api.TemplateRef;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VirtualMachineSpec;
import io.vmha.api.VmHost;
import io.vmha.api.VmHostSpec;
import io.vmha.api.VmTemplate;
import io.vmha.api.VmTemplateSpec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The fleet a benchmark places and crashes, created through the bench's own client: one shared
 * repository, one template, {@code --hosts} hosts and {@code --vms} highly available VMs (half from
 * the template, half standalone), plus the VMs only the baseline writes to.
 *
 * <p>With {@code --failed-host-vms} the fleet is phased: the hosts to crash are sized for exactly
 * that many VMs and are filled on their own after the rest is placed, so that a crash hits a known
 * number of VMs.
 */
final class BenchFleet {
  static final String NAMESPACE = "vmha-bench";
  static final String BASELINE_NAMESPACE = "vmha-bench-baseline";
  static final String REPOSITORY = "shared";
  static final String TEMPLATE = "small";
  static final int VM_CPUS = 1;
  static final long VM_MEMORY_MIB = 1024;

  private final BenchOptions options;
  private final KubernetesClient client;
  private final BenchLog log;

  BenchFleet(BenchOptions options, KubernetesClient client, BenchLog log) {
    this.options = options;
    this.client = client;
    this.log = log;
  }

  static String hostName(int i) {
    return String.format("host-%04d", i);
  }

  static String vmName(int i) {
    return String.format("vm-%05d", i);
  }

  /** Capacity of an ordinary host. */
  private int hostCpus() {
    int perHost = (options.vms() + options.hosts() - 1) / options.hosts();
    return Math.max(16, 3 * perHost);
  }

  /**
   * How many VMs each host to be crashed carries: {@code --failed-host-vms}, as far as the fleet
   * allows (each crashed host at most the share of one host more than the others); 0 for hosts like
   * the others.
   */
  private int victimsPerCrashedHost() {
    int target = options.failedHostVms();
    int k = options.fail();
    if (options.scenario() != BenchOptions.Scenario.FAILOVER
        || target <= 0
        || (long) target * options.hosts() <= options.vms()) {
      return 0;
    }
    return Math.min(target, options.vms() / (k + 1));
  }

  boolean phased() {
    return victimsPerCrashedHost() > 0;
  }

  /** The VMs of the hosts that do not crash: all of them unless the fleet is phased. */
  int ordinaryVms() {
    return options.vms() - options.fail() * victimsPerCrashedHost();
  }

  /**
   * Creates the repository, the template, every host and the ordinary VMs; returns the seconds it
   * took.
   */
  double create() throws Exception {
    long t0 = System.nanoTime();
    StorageRepository repository = new StorageRepository();
    repository.setMetadata(new ObjectMetaBuilder().withName(REPOSITORY).build());
    StorageRepositorySpec rs = new StorageRepositorySpec();
    rs.setType(RepositoryType.Shared);
    rs.setUrl("nfs://filer.bench/vms");
    rs.setMountPath("/var/lib/vmha/repositories/shared");
    repository.setSpec(rs);
    client.resource(repository).create();
    VmTemplate template = new VmTemplate();
    template.setMetadata(
        new ObjectMetaBuilder().withName(TEMPLATE).withNamespace(NAMESPACE).build());
    VmTemplateSpec ts = new VmTemplateSpec();
    ts.setImage(new ImageRef(REPOSITORY, "images/small.qcow2"));
    ts.setCpus(VM_CPUS);
    ts.setMemoryMiB(VM_MEMORY_MIB);
    ts.setHighAvailability(new HighAvailability(true, Priority.Medium));
    template.setSpec(ts);
    client.resource(template).create();

    int cpus = hostCpus();
    int victims = victimsPerCrashedHost();
    Work.parallel(
        options.hosts(),
        i -> {
          VmHost host = new VmHost();
          host.setMetadata(
              new ObjectMetaBuilder()
                  .withName(hostName(i))
                  .addToLabels("vmha.io/rack", "r" + (i % 20))
                  .build());
          VmHostSpec spec = new VmHostSpec();
          boolean toCrash = i < options.fail() && victims > 0;
          int c = toCrash ? victims * VM_CPUS : cpus;
          spec.setCapacity(new Resources(c, c * VM_MEMORY_MIB * 2));
          if (toCrash) {
            spec.setUnschedulable(true); // filled on their own, after the rest of the fleet
          }
          host.setSpec(spec);
          client.resource(host).create();
        });
    int ordinary = ordinaryVms();
    createVms(0, ordinary);
    double seconds = Figures.seconds(System.nanoTime() - t0);
    log.accept(
        phased()
            ? String.format(
                "created %d hosts and %d VMs in %.1f s; the %d host(s) to crash stay"
                    + " unschedulable until the others are placed, then get their %d VMs each",
                options.hosts(), ordinary, seconds, options.fail(), victims)
            : String.format(
                "created %d hosts and %d VMs in %.1f s", options.hosts(), options.vms(), seconds));
    return seconds;
  }

  private void createVms(int from, int to) throws Exception {
    Work.parallel(
        to - from,
        i ->
            client
                .resource(
                    vm(NAMESPACE, vmName(from + i), (from + i) % 2 == 0, true, priority(from + i)))
                .create());
  }

  /**
   * The priority of VM {@code i}: the template's Medium for template VMs (even numbers); in a power
   * loss the standalone ones are High and Low by turns, so that the order of the restart shows.
   */
  Priority priority(int i) {
    if (i % 2 == 0 || options.scenario() != BenchOptions.Scenario.POWER_LOSS) {
      return Priority.Medium;
    }
    return i % 4 == 1 ? Priority.High : Priority.Low;
  }

  /** The priority of the VM called {@code name}, as {@link #priority(int)} gave it. */
  Priority priorityOf(String name) {
    return priority(Integer.parseInt(name.substring("vm-".length())));
  }

  /**
   * The second phase of a phased fleet: only the hosts to crash are schedulable while their VMs are
   * created and placed, so each gets exactly its share; then every host is schedulable again.
   *
   * @param watch the bench's watch of the fleet
   */
  void fillHostsToCrash(FleetWatch watch) throws Exception {
    long t0 = System.nanoTime();
    int ordinary = ordinaryVms();
    setUnschedulable(options.fail(), options.hosts(), true);
    setUnschedulable(0, options.fail(), false);
    // the operator watches hosts and VMs on separate streams: VMs created before it has seen the
    // cordons could land on a cordoned host, and the hosts to crash would carry fewer than their
    // share
    Work.await(
        "the operator has seen which hosts are cordoned",
        Duration.ofSeconds(60 + options.hosts() / 20),
        () -> operatorSawTheCordons(watch.hosts()));
    double cordonsSeen = Figures.seconds(System.nanoTime() - t0);
    createVms(ordinary, options.vms());
    Work.await(
        "the hosts to crash are full",
        Duration.ofSeconds(120 + options.vms() / 100),
        () -> watch.running() == options.vms());
    setUnschedulable(options.fail(), options.hosts(), false);
    log.accept(
        String.format(
            "%d VMs placed on the %d host(s) to crash alone, every host schedulable again, in %.1f"
                + " s (the operator showed the cordons after %.1f s)",
            options.vms() - ordinary,
            options.fail(),
            Figures.seconds(System.nanoTime() - t0),
            cordonsSeen));
  }

  /**
   * Whether every host's Schedulable condition judges its current spec, and says cordoned exactly
   * for the hosts not to crash.
   */
  private boolean operatorSawTheCordons(List<VmHost> hosts) {
    if (hosts.size() != options.hosts()) {
      return false;
    }
    for (VmHost host : hosts) {
      Condition schedulable =
          Condition.find(
              host.getStatus() == null ? null : host.getStatus().getConditions(), "Schedulable");
      if (schedulable == null
          || !Objects.equals(
              schedulable.getObservedGeneration(), host.getMetadata().getGeneration())) {
        return false;
      }
      boolean toCrash = hostIndex(host.getMetadata().getName()) < options.fail();
      if (toCrash == "Cordoned".equals(schedulable.getReason())) {
        return false;
      }
    }
    return true;
  }

  private static int hostIndex(String name) {
    return Integer.parseInt(name.substring("host-".length()));
  }

  /** A merge patch of the spec alone: the hosts' status changes all the time, their spec not. */
  private void setUnschedulable(int fromHost, int toHost, boolean unschedulable) throws Exception {
    String patch = "{\"spec\":{\"unschedulable\":" + (unschedulable ? "true" : "null") + "}}";
    Work.parallel(
        toHost - fromHost,
        i ->
            client
                .resources(VmHost.class)
                .withName(hostName(fromHost + i))
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch));
  }

  static VirtualMachine vm(String namespace, String name, boolean fromTemplate, boolean running) {
    return vm(namespace, name, fromTemplate, running, Priority.Medium);
  }

  static VirtualMachine vm(
      String namespace, String name, boolean fromTemplate, boolean running, Priority priority) {
    VirtualMachine vm = new VirtualMachine();
    vm.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    VirtualMachineSpec spec = new VirtualMachineSpec();
    if (fromTemplate) {
      spec.setTemplateRef(new TemplateRef(TEMPLATE));
    } else {
      spec.setImage(new ImageRef(REPOSITORY, "images/" + name + ".qcow2"));
      spec.setCpus(VM_CPUS);
      spec.setMemoryMiB(VM_MEMORY_MIB);
      spec.setHighAvailability(new HighAvailability(true, priority));
    }
    spec.setRunning(running);
    vm.setSpec(spec);
    return vm;
  }

  /** VMs only the baseline writes to: not running, so nothing places or starts them. */
  void createBaselineVms() throws Exception {
    Work.parallel(
        options.baselineThreads(),
        i -> client.resource(vm(BASELINE_NAMESPACE, baselineVmName(i), false, false)).create());
  }

  static String baselineVmName(int thread) {
    return "baseline-" + thread;
  }

  /** Whether every baseline VM is Stopped: the operator has seen them all and is done with them. */
  boolean baselineVmsStopped() {
    for (VirtualMachine vm :
        client.resources(VirtualMachine.class).inNamespace(BASELINE_NAMESPACE).list().getItems()) {
      if (vm.getStatus() == null || !"Stopped".equals(vm.getStatus().getPhase())) {
        return false;
      }
    }
    return true;
  }
}
