package io.vmha.agent.libvirt;

import static io.vmha.agent.libvirt.LibvirtErrors.message;

import io.vmha.agent.AgentThreads;
import io.vmha.agent.DriverException;
import io.vmha.agent.InstanceRef;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live migration of an instance to another host: to the target host's {@code
 * status.reported.migrationUri}, found with {@code migrationUris}, by the driver's {@link
 * DomainMigrator} (default {@link DomainMigrator#PEER_TO_PEER}). While it runs a watcher samples
 * the libvirt job and aborts it when it overruns its {@link MigrationLimits}: a migration to a hung
 * target or over a stalled link would otherwise hold the guest in a migration for ever.
 */
final class LiveMigration implements AutoCloseable {
  // the driver's logger name: log configuration and readers filter on it
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtDriver.class);

  private final Function<String, String> migrationUris;
  private final DomainMigrator migrator;
  private final LibvirtDomains domains;
  private final MigrationLimits limits;
  private final ScheduledExecutorService watcher;
  private final BoundedCalls calls = new BoundedCalls();

  /** How long one look at a migration's job, or the abort of it, may take. */
  static final java.time.Duration LOOK_LIMIT = java.time.Duration.ofSeconds(2);

  LiveMigration(
      Function<String, String> migrationUris,
      DomainMigrator migrator,
      LibvirtDomains domains,
      MigrationLimits limits) {
    this.migrationUris = migrationUris;
    this.migrator = migrator;
    this.domains = domains;
    this.limits = limits;
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(1, AgentThreads.daemon("migration-watch"));
    executor.setRemoveOnCancelPolicy(true);
    this.watcher = executor;
  }

  void migrate(InstanceRef instance, String targetHost) throws DriverException {
    String instanceName = instance.toString();
    String destination = migrationUris == null ? null : migrationUris.apply(targetHost);
    if (destination == null || destination.isBlank()) {
      throw new DriverException(
          "host "
              + targetHost
              + " reports no migrationUri: cannot live-migrate "
              + instanceName
              + " there");
    }
    if (migrator == null) {
      throw new DriverException("live migration is not configured for this driver");
    }
    AtomicReference<String> overrun = new AtomicReference<>();
    ScheduledFuture<?> watch = null;
    try {
      Domain domain = domains.require(instance);
      LOG.info("libvirt: live-migrating {} to {} ({})", domain.getName(), targetHost, destination);
      MigrationProgress progress =
          new MigrationProgress(limits, domain.getMaxMemory() * 1024L, System.nanoTime());
      watch =
          watcher.scheduleWithFixedDelay(
              () -> watch(domain, progress, overrun), 500, 500, TimeUnit.MILLISECONDS);
      migrator.migrate(domain, destination);
    } catch (LibvirtException e) {
      String why = overrun.get() != null ? "aborted: it " + overrun.get() : "failed: " + message(e);
      throw new DriverException(
          "live migration of "
              + instanceName
              + " to "
              + targetHost
              + " ("
              + destination
              + ") "
              + why,
          e);
    } finally {
      if (watch != null) {
        watch.cancel(false);
      }
    }
  }

  /**
   * One look at a running migration's job: aborts it, once, when it overran its limits. A look that
   * libvirt does not answer within {@link #LOOK_LIMIT} (its QEMU stuck on slow storage) counts as
   * no progress, so a migration that hangs is aborted like one that stalls.
   */
  private void watch(Domain domain, MigrationProgress progress, AtomicReference<String> overrun) {
    if (overrun.get() != null) {
      return;
    }
    String name = domain.toString();
    try {
      name = domain.getName();
      long remaining;
      try {
        remaining =
            calls.call(
                "job of " + name,
                "reporting the migration of " + name,
                LOOK_LIMIT,
                () -> domain.getJobInfo().getDataRemaining());
      } catch (BoundedCalls.Late e) {
        remaining = 0;
      }
      Optional<String> verdict = progress.sample(System.nanoTime(), remaining);
      if (verdict.isPresent() && overrun.compareAndSet(null, verdict.get())) {
        LOG.warn("libvirt: the live migration of {} {}: aborting it", name, verdict.get());
        calls.call(
            "abort of " + name,
            "aborting the migration of " + name,
            LOOK_LIMIT,
            () -> {
              domain.abortJob();
              return null;
            });
      }
    } catch (BoundedCalls.Overran e) {
      LOG.warn("libvirt: {}", e.getMessage());
    } catch (LibvirtException | io.vmha.agent.DriverException e) {
      // the job ended between two looks, or libvirt is briefly busy: the next look decides
      LOG.debug("libvirt: could not sample a migration: {}", e.getMessage());
    } catch (RuntimeException e) {
      // a task that throws is never run again: this one must keep watching
      LOG.warn("libvirt: migration watch failed", e);
    }
  }

  @Override
  public void close() {
    watcher.shutdownNow();
    calls.close();
  }

  /**
   * Aborts the domain's job ({@code virDomainAbortJob}): an outgoing migration then fails and the
   * domain runs on here. No job (or no domain) is nothing to abort. An abort libvirt has not
   * answered within {@link #LOOK_LIMIT} carries on; the migration ends when it is through.
   */
  void abort(InstanceRef instance) throws DriverException {
    try {
      calls.call(
          "abort of " + instance,
          "aborting the migration of " + instance,
          LOOK_LIMIT,
          () -> {
            Domain domain = domains.find(instance);
            if (domain != null) {
              domain.abortJob();
              LOG.info("libvirt: aborted the migration of {}", domain.getName());
            }
            return null;
          });
    } catch (BoundedCalls.Late e) {
      LOG.info("libvirt: {}", e.getMessage());
    } catch (LibvirtException e) {
      if (LibvirtErrors.is(e, org.libvirt.Error.ErrorNumber.VIR_ERR_OPERATION_INVALID)
          || LibvirtErrors.is(e, org.libvirt.Error.ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return; // no job active: finished or never began
      }
      throw new DriverException(
          "could not abort the migration of " + instance + ": " + message(e), e);
    }
  }
}
