package io.vmha.agent.libvirt;

import static io.vmha.agent.libvirt.LibvirtErrors.is;
import static io.vmha.agent.libvirt.LibvirtErrors.message;

import io.vmha.agent.DriverException;
import io.vmha.agent.InstanceRef;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import java.nio.file.Path;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts an instance by defining its domain and creating it, and stops it by destroying and
 * undefining it. A start over a domain that is already running does nothing, and one over a domain
 * vmha did not define fails rather than replace it; a stop of a domain that is gone has done what
 * was asked.
 */
final class DomainLifecycle {
  // the driver's logger name: log configuration and readers filter on it
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtDriver.class);

  private final LibvirtDomains domains;
  private final ImageRepositories repositories;
  private final InstanceDisks instanceDisks;
  private final DomainLook look;

  /** What every domain of this host has in common, whatever instance it runs. */
  record DomainLook(String type, String bridge, String cpuMode, DomainXml.Boot boot) {}

  DomainLifecycle(
      LibvirtDomains domains,
      ImageRepositories repositories,
      InstanceDisks instanceDisks,
      DomainLook look) {
    this.domains = domains;
    this.repositories = repositories;
    this.instanceDisks = instanceDisks;
    this.look = look;
  }

  /**
   * Defines and starts the instance's domain on the image's disk, or, {@code fromTemplate}, on an
   * overlay of its own over it.
   */
  void start(InstanceRef instance, Resources resources, ImageRef image, boolean fromTemplate)
      throws DriverException {
    String instanceName = instance.name();
    String vmKey = instance.vmKey();
    String domainName = DomainXml.domainName(vmKey, instanceName);
    try {
      Domain existing = domains.lookup(domainName);
      if (existing != null) {
        DomainXml.Identity identity = domains.identity(existing);
        if (!identity.vmha()) {
          throw new DriverException(
              "a domain named " + domainName + " that vmha did not define exists on this host");
        }
        if (existing.isActive() == 1) {
          return;
        }
        // defined but shut off: define it anew (resources or image may have changed)
        existing.undefine();
      }
      ImageRepositories.ImageFile located = repositories.locate(image);
      Path disk =
          fromTemplate
              ? instanceDisks.overlay(located.mount(), located.file(), vmKey, instanceName)
              : located.file();
      String xml =
          DomainXml.define(
              new DomainXml.Spec(
                  look.type(),
                  domainName,
                  instanceName,
                  vmKey,
                  resources,
                  disk,
                  look.bridge(),
                  look.cpuMode(),
                  look.boot()));
      Domain domain = domains.conn().domainDefineXML(xml);
      try {
        domain.create();
      } catch (LibvirtException e) {
        undefineQuietly(domain);
        throw e;
      }
      LOG.info("libvirt: defined and started domain {} ({} on {})", domainName, vmKey, disk);
    } catch (LibvirtException e) {
      throw new DriverException(
          "libvirt could not start domain " + domainName + ": " + message(e), e);
    }
  }

  /** Destroys the instance's domain if it runs, and undefines it if it is persistent. */
  void stop(InstanceRef instance) throws DriverException {
    try {
      Domain domain = domains.find(instance);
      if (domain == null) {
        return;
      }
      String name = domain.getName();
      boolean persistent = domain.isPersistent() == 1;
      if (domain.isActive() == 1) {
        try {
          domain.destroy();
        } catch (LibvirtException e) {
          if (!is(e, ErrorNumber.VIR_ERR_OPERATION_INVALID)) {
            throw e;
          }
        }
      }
      if (persistent) {
        try {
          domain.undefine(
              Domain.UndefineFlags.MANAGED_SAVE | Domain.UndefineFlags.SNAPSHOTS_METADATA);
        } catch (LibvirtException e) {
          if (is(e, ErrorNumber.VIR_ERR_INVALID_ARG) || is(e, ErrorNumber.VIR_ERR_NO_SUPPORT)) {
            domain.undefine();
          } else {
            throw e;
          }
        }
      }
      LOG.info("libvirt: destroyed and undefined domain {}", name);
    } catch (LibvirtException e) {
      if (is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return; // gone meanwhile: stopped is what was asked
      }
      throw new DriverException("libvirt could not stop " + instance + ": " + message(e), e);
    }
  }

  private void undefineQuietly(Domain domain) {
    try {
      domain.undefine();
    } catch (LibvirtException e) {
      LOG.warn("libvirt: could not undefine a domain that failed to start: {}", message(e));
    }
  }
}
