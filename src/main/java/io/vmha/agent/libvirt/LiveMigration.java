package io.vmha.agent.libvirt;

import static io.vmha.agent.libvirt.LibvirtErrors.message;

import io.vmha.agent.DriverException;
import io.vmha.agent.InstanceRef;
import java.util.function.Function;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live migration of an instance to another host: to the target host's {@code
 * status.reported.migrationUri}, found with {@code migrationUris}, by the driver's {@link
 * LibvirtDriver.Migrator} (default {@link LibvirtDriver#PEER_TO_PEER}).
 */
final class LiveMigration {
  // the driver's logger name: log configuration and readers filter on it
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtDriver.class);

  private final Function<String, String> migrationUris;
  private final LibvirtDriver.Migrator migrator;
  private final LibvirtDomains domains;

  LiveMigration(
      Function<String, String> migrationUris,
      LibvirtDriver.Migrator migrator,
      LibvirtDomains domains) {
    this.migrationUris = migrationUris;
    this.migrator = migrator;
    this.domains = domains;
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
    try {
      Domain domain = domains.require(instance);
      LOG.info("libvirt: live-migrating {} to {} ({})", domain.getName(), targetHost, destination);
      migrator.migrate(domain, destination);
    } catch (LibvirtException e) {
      throw new DriverException(
          "live migration of "
              + instanceName
              + " to "
              + targetHost
              + " ("
              + destination
              + ") failed: "
              + message(e),
          e);
    }
  }

  /**
   * Aborts the domain's job ({@code virDomainAbortJob}): an outgoing migration then fails and the
   * domain runs on here. No job (or no domain) is nothing to abort.
   */
  void abort(InstanceRef instance) throws DriverException {
    try {
      Domain domain = domains.find(instance);
      if (domain == null) {
        return;
      }
      domain.abortJob();
      LOG.info("libvirt: aborted the migration of {}", domain.getName());
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
