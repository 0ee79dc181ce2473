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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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

  /** A restart lists every VmHost again: a fleet's agents must not do so in a loop. */
  static final Duration RESTART_AT_MOST_EVERY = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final Map<String, List<Runnable>> listeners = new ConcurrentHashMap<>();
  private final String onlyHost;
  private final String leaseNamespace;
  private volatile Informers informers;
  private Informers pending; // guarded by this
  private boolean closed; // guarded by this
  private volatile long lastRestart;
  private final AtomicInteger restarts = new AtomicInteger();

  /**
   * One generation of the view's informers. A restart builds the next generation beside the one
   * that serves reads, and swaps them once every new cache is filled: an empty cache would read as
   * "nothing is placed here".
   */
  private final class Informers {
    final List<SharedIndexInformer<VirtualMachine>> vms = new ArrayList<>();
    final SharedIndexInformer<VmHost> hosts;
    final SharedIndexInformer<VmTemplate> templates;
    final SharedIndexInformer<Lease> spm;

    Informers() {
      Map<String, java.util.function.Function<VirtualMachine, List<String>>> indexers =
          Map.of(
              BY_HOST, InformerClusterView::hostKeys, BY_TARGET, InformerClusterView::targetKeys);
      if (onlyHost == null) {
        vms.add(client.resources(VirtualMachine.class).inAnyNamespace().runnableInformer(0));
      } else {
        vms.add(
            client
                .resources(VirtualMachine.class)
                .inAnyNamespace()
                .withField(VmhaApi.HOST_FIELD, onlyHost)
                .runnableInformer(0));
        vms.add(
            client
                .resources(VirtualMachine.class)
                .inAnyNamespace()
                .withField(VmhaApi.MIGRATION_TARGET_FIELD, onlyHost)
                .runnableInformer(0));
      }
      for (SharedIndexInformer<VirtualMachine> informer : vms) {
        informer.addIndexers(indexers);
        informer.addEventHandler(handler(InformerClusterView::concernedHosts));
      }
      hosts = client.resources(VmHost.class).runnableInformer(0);
      hosts.addEventHandler(handler(h -> Set.of(h.getMetadata().getName())));
      templates = client.resources(VmTemplate.class).inAnyNamespace().runnableInformer(0);
      spm =
          client
              .leases()
              .inNamespace(leaseNamespace)
              .withName(VmhaApi.SPM_LEASE)
              .runnableInformer(0);
      spm.addEventHandler(handler(l -> holderOf(l)));
    }

    List<SharedIndexInformer<?>> all() {
      List<SharedIndexInformer<?>> all = new ArrayList<>(vms);
      all.add(hosts);
      all.add(templates);
      all.add(spm);
      return all;
    }

    /** Starts every informer, retrying whatever happens; completes when every cache is filled. */
    CompletableFuture<Void> startInBackground() {
      // the default handler gives up on an error before the first sync: retry whatever happens
      return CompletableFuture.allOf(
          all().stream()
              .map(i -> i.exceptionHandler((started, error) -> true).start().toCompletableFuture())
              .toArray(CompletableFuture[]::new));
    }

    boolean synced() {
      return all().stream().allMatch(SharedIndexInformer::hasSynced);
    }

    void stop() {
      all().forEach(SharedIndexInformer::stop);
    }
  }

  private InformerClusterView(KubernetesClient client, String leaseNamespace, String onlyHost) {
    this.client = client;
    this.onlyHost = onlyHost;
    this.leaseNamespace = leaseNamespace;
    this.informers = new Informers();
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
    informers.startInBackground();
    return this;
  }

  /** Whether every informer has filled its cache once. */
  public boolean isSynced() {
    return informers.synced();
  }

  /** Starts the informers and waits until their caches are filled. */
  public InformerClusterView start() {
    List<CompletableFuture<Void>> started = new ArrayList<>();
    informers.all().forEach(i -> started.add(i.start().toCompletableFuture()));
    try {
      CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
          .get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting informers", e);
    } catch (Exception e) {
      throw new IllegalStateException("informers did not sync within " + SYNC_TIMEOUT, e);
    }
    return this;
  }

  /**
   * Lists and watches everything anew, in new informers that take over once their caches are
   * filled; at most once per {@link #RESTART_AT_MOST_EVERY}, and never twice at once. A watch can
   * go quiet without an error (a middlebox forgot its connection; a reconnection the client never
   * completed after a partition), and the informer then neither follows nor notices; only new
   * watches on new connections make the caches follow again.
   *
   * @return whether a restart began now
   */
  @Override
  public boolean restartWatches() {
    long now = System.nanoTime();
    Informers next;
    synchronized (this) {
      if (closed
          || pending != null
          || (restarts.get() > 0 && now - lastRestart < RESTART_AT_MOST_EVERY.toNanos())) {
        return false;
      }
      lastRestart = now;
      restarts.incrementAndGet();
      next = new Informers();
      pending = next;
    }
    next.startInBackground()
        .whenComplete(
            (done, error) -> {
              Informers retired;
              synchronized (this) {
                if (error != null || closed || pending != next) {
                  retired = next; // never serve reads from caches that did not fill
                  if (pending == next) {
                    pending = null;
                  }
                } else {
                  retired = informers;
                  informers = next;
                  pending = null;
                }
              }
              retired.stop();
            });
    return true;
  }

  /** How many times {@link #restartWatches} began a restart. */
  public int watchRestarts() {
    return restarts.get();
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
    return informers.hosts.getStore().getByKey(name);
  }

  @Override
  public Collection<VmHost> hosts() {
    return informers.hosts.getStore().list();
  }

  @Override
  public VmTemplate template(String namespace, String name) {
    return informers.templates.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
  }

  /** Every VM this view holds (all of them in shared mode); for the simulation's guest agents. */
  public VirtualMachine vm(String namespace, String name) {
    String key = Cache.namespaceKeyFunc(namespace, name);
    for (SharedIndexInformer<VirtualMachine> informer : informers.vms) {
      VirtualMachine vm = informer.getStore().getByKey(key);
      if (vm != null) {
        return vm;
      }
    }
    return null;
  }

  @Override
  public Lease spmLease() {
    return informers
        .spm
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
    Informers current;
    Informers next;
    synchronized (this) {
      closed = true;
      current = informers;
      next = pending;
      pending = null;
    }
    current.stop();
    if (next != null) {
      next.stop();
    }
  }

  private List<VirtualMachine> byIndex(String index, String host) {
    List<SharedIndexInformer<VirtualMachine>> vmInformers = informers.vms;
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
