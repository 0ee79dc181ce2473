package io.vmha.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator process: one JOSDK controller per kind, leader election on a Lease, probes and
 * metrics. Wired by hand here so every collaborator is visible in one place.
 */
public final class VmhaOperator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmhaOperator.class);

  private final Operator operator;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final OperatorOptions options;
  private final io.micrometer.core.instrument.binder.jvm.JvmGcMetrics jvmGc =
      new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics();
  private final FleetLoop fleet;
  private HealthServer health;
  private boolean closed;
  private volatile boolean closing;
  private final KubernetesClient client;
  private final Clock clock;
  private final io.fabric8.kubernetes.client.Config apiConfig;
  private QuietWatches quietWatches;
  private volatile long leaderLeaseEventNanos = System.nanoTime();

  /**
   * The leader elector's timings, written out because the write guard depends on them: a replica
   * writes only within {@link #RENEW_DEADLINE} of its own last renewal, well inside the {@link
   * #LEASE_DURATION} a follower waits before it takes over.
   */
  static final java.time.Duration LEASE_DURATION = java.time.Duration.ofSeconds(15);

  static final java.time.Duration RENEW_DEADLINE = java.time.Duration.ofSeconds(10);

  /**
   * How often the leader renews and a follower tries to take the Lease: a Lease released on SIGTERM
   * is taken within this (plus a request), well inside the 2 s a hand-over may take.
   */
  static final java.time.Duration RETRY_PERIOD = java.time.Duration.ofMillis(750);

  /** Null without leader election. */
  private final Leadership leadership;

  private io.fabric8.kubernetes.client.informers.SharedIndexInformer<
          io.fabric8.kubernetes.api.model.coordination.v1.Lease>
      leaderLease;

  /**
   * @param overrides extra JOSDK configuration, e.g. for an API server without server-side apply
   */
  public VmhaOperator(
      KubernetesClient client,
      OperatorOptions options,
      Consumer<ConfigurationServiceOverrider> overrides) {
    this(client, options, Clock.systemUTC(), overrides);
  }

  public VmhaOperator(
      KubernetesClient given,
      OperatorOptions options,
      Clock clock,
      Consumer<ConfigurationServiceOverrider> overrides) {
    this.options = options;
    this.clock = clock;
    this.apiConfig = given.getConfiguration();
    if (options.leaderElection()) {
      this.leadership =
          new Leadership(
              options.identity(),
              options.leaseNamespace(),
              options.leaseName(),
              RENEW_DEADLINE,
              System::nanoTime,
              clock);
      this.client = guarded(given, options.identity(), leadership);
    } else {
      this.leadership = null;
      this.client = given;
    }
    // heap, GC, threads, CPU: what sizing the Deployment's memory limit and -Xmx is judged by
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
    jvmGc.bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
    fleet =
        new FleetLoop(
            client,
            options,
            clock,
            registry,
            leadership == null ? () -> true : leadership::certain);
    operator =
        new Operator(
            o -> {
              // Finalizers by JSON patch, not server-side apply, which also records the framework
              // as a field manager on every VM. At a cold start the framework adds one per VM from
              // 50 threads; 5,000 took 45-51 s this way against 53 s by apply
              o.withKubernetesClient(client)
                  .withUseSSAToPatchPrimaryResource(false)
                  .withCloseClientOnStop(false)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
              if (options.leaderElection()) {
                // JOSDK's own exit on lost leadership calls System.exit from the leader elector,
                // which deadlocks with a SIGTERM shutdown hook that is stopping that elector: the
                // process then hung until killed. Exit from a thread of its own instead, and not
                // at all while closing.
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                            options.leaseName())
                        .withLeaseNamespace(options.leaseNamespace())
                        .withIdentity(options.identity())
                        .withLeaseDuration(LEASE_DURATION)
                        .withRenewDeadline(RENEW_DEADLINE)
                        .withRetryPeriod(RETRY_PERIOD)
                        .withLeaderCallbacks(
                            new io.fabric8.kubernetes.client.extended.leaderelection
                                .LeaderCallbacks(() -> {}, this::lostLeadership, leader -> {}))
                        .withExitOnStopLeading(false)
                        .build());
              }
              overrides.accept(o);
            });
    fleet.firstPlanWaitsFor(this::unsyncedEventSources);
    operator.register(new VmHostReconciler(fleet, options.leaseNamespace()));
    operator.register(new StorageRepositoryReconciler(fleet));
    operator.register(new VmTemplateReconciler(fleet));
    operator.register(new VirtualMachineReconciler(fleet, client));
  }

  /**
   * This replica's own client: every write passes the {@link Leadership} guard, and the API server
   * records it under this replica's name ({@code vmha-operator-<identity>} in managedFields), so
   * who wrote what is visible.
   */
  static KubernetesClient guarded(KubernetesClient given, String identity, Leadership leadership) {
    io.fabric8.kubernetes.client.Config config =
        new io.fabric8.kubernetes.client.ConfigBuilder(
                io.vmha.kube.ApiClients.http11(given.getConfiguration()))
            .withUserAgent("vmha-operator-" + identity + "/" + version())
            .build();
    return new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientBuilderConsumer(
            b -> b.addOrReplaceInterceptor("vmha-leadership", leadership))
        .build();
  }

  private static String version() {
    String version = VmhaOperator.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  public VmhaOperator start() throws IOException {
    if (leadership != null) {
      leaderLease =
          client
              .leases()
              .inNamespace(options.leaseNamespace())
              .withName(options.leaseName())
              .inform(
                  io.vmha.kube.AddOrUpdate.handler(
                      lease -> {
                        leaderLeaseEventNanos = System.nanoTime();
                        leadership.observe(lease);
                      }));
    }
    operator.start();
    quietWatches = new QuietWatches(guardedWatches(), this::watchesDead).start();
    if (options.httpPort() >= 0) {
      health =
          new HealthServer(
              options.httpPort(),
              () -> operator.getRuntimeInfo().isStarted() && quietWatches.dead() == null,
              () ->
                  operator.getRuntimeInfo().isStarted()
                      && operator.getRuntimeInfo().allEventSourcesAreHealthy(),
              registry);
      log.info("probes and metrics on port {}", health.port());
    }
    return this;
  }

  private List<QuietWatchGuard.Watched> guardedWatches() {
    FreshConnection fresh = new FreshConnection(apiConfig);
    List<QuietWatchGuard.Watched> watched = new ArrayList<>();
    if (leaderLease != null) {
      watched.add(
          QuietWatches.leaderLease(
              leaderLease,
              () -> leaderLeaseEventNanos,
              fresh,
              options.leaseNamespace(),
              options.leaseName()));
    }
    watched.add(
        QuietWatches.heartbeats(fleet.heartbeats(), clock, fresh, options.leaseNamespace()));
    FleetCaches caches = fleet.caches();
    watched.add(QuietWatches.kind(io.vmha.api.VmHost.class, () -> caches.hosts, fresh));
    watched.add(QuietWatches.kind(io.vmha.api.VirtualMachine.class, () -> caches.vms, fresh));
    return watched;
  }

  /**
   * A watch went quiet for good: this replica decides from a view that no longer moves, or refuses
   * every write as a leader. Only fresh connections mend that, so the process exits and its
   * Deployment starts it again; the liveness probe fails too, for a process that cannot exit.
   */
  private void watchesDead(String why) {
    if (closing || !options.exitToRestart()) {
      return;
    }
    log.error("exiting, so that a fresh process watches anew: {}", why);
    exit();
  }

  /** How long the shutdown (handing over the leader Lease) may take before the process halts. */
  static final java.time.Duration EXIT_WITHIN = java.time.Duration.ofSeconds(10);

  /**
   * Exits from a thread of its own, running the shutdown that hands the leader Lease over; that
   * shutdown writes through connections that may be the very ones gone quiet, so the process halts
   * if it has not ended within {@link #EXIT_WITHIN}.
   */
  private static void exit() {
    Thread halt =
        new Thread(
            () -> {
              try {
                Thread.sleep(EXIT_WITHIN.toMillis());
              } catch (InterruptedException e) {
                return;
              }
              log.error("the shutdown did not end within {}: halting", EXIT_WITHIN);
              Runtime.getRuntime().halt(1);
            },
            "vmha-halt");
    halt.setDaemon(true);
    halt.start();
    Thread exit = new Thread(() -> System.exit(1), "vmha-exit");
    exit.setDaemon(true);
    exit.start();
  }

  /** The event sources not yet running, synced and watching, as "controller/source". */
  private List<String> unsyncedEventSources() {
    List<String> names = new ArrayList<>();
    operator
        .getRuntimeInfo()
        .unhealthyEventSources()
        .forEach(
            (controller, sources) ->
                sources.keySet().forEach(s -> names.add(controller + "/" + s)));
    return names;
  }

  public Operator josdk() {
    return operator;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public int httpPort() {
    return health == null ? -1 : health.port();
  }

  /** Leadership lost while running: exit, so the Deployment starts a fresh follower. */
  private void lostLeadership() {
    if (closing || !options.exitToRestart()) {
      return;
    }
    log.warn("lost the leader Lease {}: exiting", options.leaseName());
    exit();
  }

  /**
   * Stops deciding and hands the leader Lease over at once (SIGTERM: a rolling update, a drain):
   * the follower would otherwise wait for the Lease to expire, and the fleet would have no decider
   * meanwhile.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    if (health != null) {
      health.close();
    }
    if (quietWatches != null) {
      quietWatches.close();
    }
    operator.stop();
    fleet.close();
    if (options.leaderElection()) {
      LeaderLeaseRelease.release(client, options);
    }
    if (leaderLease != null) {
      leaderLease.close();
    }
    if (leadership != null) {
      client.close(); // its own, derived from the one it was given
    }
    jvmGc.close();
  }

  public FleetLoop fleet() {
    return fleet;
  }
}
