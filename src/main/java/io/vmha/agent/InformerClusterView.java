package io.vmha.agent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.vmha.api.MigrationStatus;
import io.vmha.api.VirtualMachine;
import io.vmha.api.VmHost;
import io.vmha.api.VmTemplate;
import io.vmha.api.VmhaApi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@link ClusterView} over Fabric8 informers, in one of two shapes:
 *
 * <ul>
 *   <li>{@link #forHost}: what a real agent process runs — VM informers with the field selectors
 *       {@code status.host=<me>} and {@code status.migration.targetHost=<me>} (selectable fields of
 *       the CRD, Kubernetes 1.31+), so the API server sends it only its own VMs, the moment the
 *       operator writes its decision;
 *   <li>{@link #shared}: one VM informer over all hosts, indexed by those fields, for a simulation
 *       running hundreds of agents in one process (and for API servers without field selectors on
 *       custom resources, such as the Fabric8 mock server).
 * </ul>
 *
 * Both also inform on all VmHosts (peers' endpoints) and VmTemplates (image and size of template
 * VMs).
 */
public final class InformerClusterView implements ClusterView {
  private static final String BY_HOST = "byHost";
  private static final String BY_TARGET = "byTarget";
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final List<SharedIndexInformer<VirtualMachine>> vmInformers = new ArrayList<>();
  private final SharedIndexInformer<VmHost> hostInformer;
  private final SharedIndexInformer<VmTemplate> templateInformer;
  private final SharedIndexInformer<Lease> spmInformer;
  private final Map<String, List<Runnable>> listeners = new ConcurrentHashMap<>();
  private final String onlyHost;
  private final String leaseNamespace;

  private InformerClusterView(KubernetesClient client, String leaseNamespace, String onlyHost) {
    this.client = client;
    this.onlyHost = onlyHost;
    this.leaseNamespace = leaseNamespace;
    Map<String, java.util.function.Function<VirtualMachine, List<String>>> indexers =
        Map.of(BY_HOST, InformerClusterView::hostKeys, BY_TARGET, InformerClusterView::targetKeys);
    if (onlyHost == null) {
      vmInformers.add(client.resources(VirtualMachine.class).inAnyNamespace().runnableInformer(0));
    } else {
      vmInformers.add(
          client
              .resources(VirtualMachine.class)
              .inAnyNamespace()
              .withField(VmhaApi.HOST_FIELD, onlyHost)
              .runnableInformer(0));
      vmInformers.add(
          client
              .resources(VirtualMachine.class)
              .inAnyNamespace()
              .withField(VmhaApi.MIGRATION_TARGET_FIELD, onlyHost)
              .runnableInformer(0));
    }
    for (SharedIndexInformer<VirtualMachine> informer : vmInformers) {
      informer.addIndexers(indexers);
      informer.addEventHandler(handler(InformerClusterView::concernedHosts));
    }
    hostInformer = client.resources(VmHost.class).runnableInformer(0);
    hostInformer.addEventHandler(handler(h -> Set.of(h.getMetadata().getName())));
    templateInformer = client.resources(VmTemplate.class).inAnyNamespace().runnableInformer(0);
    spmInformer =
        client.leases().inNamespace(leaseNamespace).withName(VmhaApi.SPM_LEASE).runnableInformer(0);
    spmInformer.addEventHandler(handler(l -> holderOf(l)));
  }

  private static Set<String> holderOf(Lease lease) {
    String holder = lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    return holder == null ? Set.of() : Set.of(holder);
  }

  /** How a host's agent watches its VMs. */
  public enum VmWatch {
    /** Only its own VMs, selected by the API server on {@code status.host} (Kubernetes 1.31+). */
    FIELD_SELECTOR,
    /** Every VM, filtered in the agent: for API servers without selectable fields. */
    ALL
  }

  /** Informers for one host's agent; {@link #start()} before use. */
  public static InformerClusterView forHost(
      KubernetesClient client, String leaseNamespace, String host) {
    return new InformerClusterView(client, leaseNamespace, host);
  }

  /** Informers for one host's agent, watching VMs as {@code watch} says. */
  public static InformerClusterView forHost(
      KubernetesClient client, String leaseNamespace, String host, VmWatch watch) {
    return watch == VmWatch.ALL
        ? shared(client, leaseNamespace)
        : new InformerClusterView(client, leaseNamespace, host);
  }

  /** Informers shared by every simulated agent of a process; {@link #start()} before use. */
  public static InformerClusterView shared(KubernetesClient client, String leaseNamespace) {
    return new InformerClusterView(client, leaseNamespace, null);
  }

  /**
   * Starts the informers and returns at once: they list and watch in the background, retrying while
   * the API server cannot be reached; {@link #isSynced()} says when every cache is filled. An agent
   * started behind a partition must not wait for them before its fencing clock runs.
   */
  public InformerClusterView startInBackground() {
    // the default handler gives up on an error before the first sync: retry whatever happens
    vmInformers.forEach(i -> i.exceptionHandler((started, error) -> true).start());
    hostInformer.exceptionHandler((started, error) -> true).start();
    templateInformer.exceptionHandler((started, error) -> true).start();
    spmInformer.exceptionHandler((started, error) -> true).start();
    return this;
  }

  /** Whether every informer has filled its cache once. */
  public boolean isSynced() {
    return vmInformers.stream().allMatch(i -> i.hasSynced())
        && hostInformer.hasSynced()
        && templateInformer.hasSynced()
        && spmInformer.hasSynced();
  }

  /** Starts the informers and waits until their caches are filled. */
  public InformerClusterView start() {
    List<java.util.concurrent.CompletableFuture<Void>> started = new ArrayList<>();
    vmInformers.forEach(i -> started.add(i.start().toCompletableFuture()));
    started.add(hostInformer.start().toCompletableFuture());
    started.add(templateInformer.start().toCompletableFuture());
    started.add(spmInformer.start().toCompletableFuture());
    try {
      java.util.concurrent.CompletableFuture.allOf(
              started.toArray(java.util.concurrent.CompletableFuture[]::new))
          .get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting informers", e);
    } catch (Exception e) {
      throw new IllegalStateException("informers did not sync within " + SYNC_TIMEOUT, e);
    }
    return this;
  }

  @Override
  public List<VirtualMachine> placedOn(String host) {
    return byIndex(BY_HOST, host);
  }

  @Override
  public List<VirtualMachine> migratingTo(String host) {
    return byIndex(BY_TARGET, host);
  }

  private volatile boolean serverSelects;

  /**
   * The shared view's reads from the API server ask it to select a host's VMs by field, as a host's
   * own view does. For a real kube-apiserver (1.31+): there, a list of every VM for each agent that
   * reads from the API server (every agent back from a self-fence does) costs the server a copy of
   * every VM; a thousand simulated agents resuming at once held gigabytes of them.
   */
  public InformerClusterView serverSelectsFields() {
    serverSelects = true;
    return this;
  }

  @Override
  public List<VirtualMachine> listPlacedOnFromApi(String host) {
    if (onlyHost == null && !serverSelects) {
      // The shared view also serves API servers without field selectors on custom resources.
      return client.resources(VirtualMachine.class).inAnyNamespace().list().getItems().stream()
          .filter(vm -> hostKeys(vm).contains(host))
          .toList();
    }
    List<VirtualMachine> selected =
        client
            .resources(VirtualMachine.class)
            .inAnyNamespace()
            .withField(VmhaApi.HOST_FIELD, host)
            .list()
            .getItems();
    return onlyHost != null
        ? selected
        : selected.stream().filter(vm -> hostKeys(vm).contains(host)).toList();
  }

  @Override
  public VmHost host(String name) {
    return hostInformer.getStore().getByKey(name);
  }

  @Override
  public Collection<VmHost> hosts() {
    return hostInformer.getStore().list();
  }

  @Override
  public VmTemplate template(String namespace, String name) {
    return templateInformer.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
  }

  /** Every VM this view holds (all of them in shared mode); for the simulation's guest agents. */
  public VirtualMachine vm(String namespace, String name) {
    String key = Cache.namespaceKeyFunc(namespace, name);
    for (SharedIndexInformer<VirtualMachine> informer : vmInformers) {
      VirtualMachine vm = informer.getStore().getByKey(key);
      if (vm != null) {
        return vm;
      }
    }
    return null;
  }

  @Override
  public Lease spmLease() {
    return spmInformer
        .getStore()
        .getByKey(Cache.namespaceKeyFunc(leaseNamespace, VmhaApi.SPM_LEASE));
  }

  @Override
  public Subscription subscribe(String host, Runnable onChange) {
    if (onlyHost != null && !onlyHost.equals(host)) {
      throw new IllegalArgumentException("this view only watches host " + onlyHost);
    }
    listeners.computeIfAbsent(host, h -> new CopyOnWriteArrayList<>()).add(onChange);
    return () -> listeners.getOrDefault(host, List.of()).remove(onChange);
  }

  @Override
  public void close() {
    vmInformers.forEach(SharedIndexInformer::stop);
    hostInformer.stop();
    templateInformer.stop();
    spmInformer.stop();
  }

  private List<VirtualMachine> byIndex(String index, String host) {
    if (vmInformers.size() == 1) {
      return vmInformers.get(0).getIndexer().byIndex(index, host);
    }
    Map<String, VirtualMachine> unique = new java.util.LinkedHashMap<>();
    for (SharedIndexInformer<VirtualMachine> informer : vmInformers) {
      for (VirtualMachine vm : informer.getIndexer().byIndex(index, host)) {
        unique.put(Cache.metaNamespaceKeyFunc(vm), vm);
      }
    }
    return new ArrayList<>(unique.values());
  }

  private <T extends HasMetadata> ResourceEventHandler<T> handler(
      java.util.function.Function<T, Set<String>> hostsOf) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        notifyHosts(hostsOf.apply(obj));
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        Set<String> hosts = new HashSet<>(hostsOf.apply(oldObj));
        hosts.addAll(hostsOf.apply(newObj));
        notifyHosts(hosts);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        notifyHosts(hostsOf.apply(obj));
      }
    };
  }

  private void notifyHosts(Set<String> hosts) {
    for (String host : hosts) {
      for (Runnable listener : listeners.getOrDefault(host, List.of())) {
        listener.run();
      }
    }
  }

  private static List<String> hostKeys(VirtualMachine vm) {
    String host = vm.getStatus() == null ? null : vm.getStatus().getHost();
    return host == null ? List.of() : List.of(host);
  }

  private static List<String> targetKeys(VirtualMachine vm) {
    MigrationStatus migration = vm.getStatus() == null ? null : vm.getStatus().getMigration();
    return migration == null || migration.getTargetHost() == null
        ? List.of()
        : List.of(migration.getTargetHost());
  }

  private static Set<String> concernedHosts(VirtualMachine vm) {
    Set<String> hosts = new HashSet<>(hostKeys(vm));
    hosts.addAll(targetKeys(vm));
    return hosts;
  }
}
