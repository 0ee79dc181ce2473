package io.vmha.agent.libvirt;

import static io.vmha.agent.libvirt.LibvirtErrors.is;
import static io.vmha.agent.libvirt.LibvirtErrors.message;

import io.vmha.agent.DriverException;
import io.vmha.agent.InstanceRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The domains of one libvirt, over one connection, opened lazily and reopened when libvirt drops
 * it, and the vmha identity of each.
 *
 * <p>A domain's identity (instance name, VM key, pause reason) lives in its {@code <metadata>} (see
 * {@link DomainXml}), so an agent restart loses none of it and a live migration carries it to the
 * target host. Reading it means fetching the domain's XML, so identities are cached by domain UUID;
 * the cache is emptied on every new connection (the domains may have changed meanwhile), an entry
 * is dropped when vmha rewrites that domain's metadata, and {@link #keepOnly} drops domains a
 * listing no longer sees.
 */
final class LibvirtDomains implements AutoCloseable {
  // the driver's logger name: log configuration and readers filter on it
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtDriver.class);

  /**
   * libvirt prints every error to stderr unless an error callback is set; the driver turns errors
   * into exceptions anyway. A static field: JNA must keep the callback reachable.
   */
  private static final org.libvirt.jna.Libvirt.VirErrorCallback QUIET =
      (userData, error) -> LOG.trace("libvirt error reported (turned into an exception)");

  private final String uri;
  private final Map<String, DomainXml.Identity> identities = new ConcurrentHashMap<>();
  private Connect connection;

  LibvirtDomains(String uri) {
    this.uri = uri;
  }

  /**
   * The domain of an instance: by name and VM when vmha defined it; a domain without vmha's
   * metadata (its VM key null) by its instance name alone, refused if that is ambiguous.
   */
  Domain find(InstanceRef instance) throws LibvirtException, DriverException {
    String instanceName = instance.name();
    List<Domain> matches = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Domain domain : conn().listAllDomains(0)) {
      DomainXml.Identity identity;
      try {
        identity = identity(domain);
      } catch (LibvirtException e) {
        if (is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
          continue;
        }
        throw e;
      }
      if (instanceName.equals(identity.instanceName())
          && (instance.vmKey() == null || instance.vmKey().equals(identity.vmKey()))) {
        matches.add(domain);
        names.add(identity.domainName());
      }
    }
    if (matches.size() > 1) {
      throw new DriverException(
          "instance name "
              + instanceName
              + " is ambiguous on this host: domains "
              + String.join(", ", names));
    }
    return matches.isEmpty() ? null : matches.get(0);
  }

  Domain require(InstanceRef instance) throws LibvirtException, DriverException {
    Domain domain = find(instance);
    if (domain == null) {
      throw new DriverException("no instance " + instance + " on this host");
    }
    return domain;
  }

  /** The domain of that name; null if there is none. */
  Domain lookup(String domainName) throws LibvirtException, DriverException {
    try {
      return conn().domainLookupByName(domainName);
    } catch (LibvirtException e) {
      if (is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return null;
      }
      throw e;
    }
  }

  DomainXml.Identity identity(Domain domain) throws LibvirtException {
    return identity(domain.getUUIDString(), domain);
  }

  DomainXml.Identity identity(String uuid, Domain domain) throws LibvirtException {
    DomainXml.Identity known = identities.get(uuid);
    if (known != null) {
      return known;
    }
    DomainXml.Identity read = DomainXml.identity(domain.getXMLDesc(0));
    identities.put(uuid, read);
    return read;
  }

  /**
   * Records the pause reason (null: none) in the domain's metadata, live and in its persistent
   * definition. Best effort: a pause must not fail because its reason could not be written.
   */
  void setPauseReason(Domain domain, DomainXml.Identity identity, String reason) {
    int flags = 0;
    try {
      flags |= domain.isActive() == 1 ? Domain.ModificationImpact.LIVE : 0;
      flags |= domain.isPersistent() == 1 ? Domain.ModificationImpact.CONFIG : 0;
      domain.setMetadata(
          Domain.MetadataType.ELEMENT,
          DomainXml.metadata(identity.instanceName(), identity.vmKey(), reason, false),
          DomainXml.PREFIX,
          DomainXml.NAMESPACE,
          flags);
    } catch (LibvirtException e) {
      LOG.warn(
          "libvirt: could not record the pause reason of {}: {}",
          identity.domainName(),
          message(e));
    }
    try {
      identities.remove(domain.getUUIDString());
    } catch (LibvirtException e) {
      identities.clear();
    }
  }

  /** Forgets the identities of domains other than these (by UUID). */
  void keepOnly(Set<String> uuids) {
    identities.keySet().retainAll(uuids);
  }

  /** The connection, (re)opened if needed. */
  synchronized Connect conn() throws DriverException {
    try {
      if (connection != null && connection.isAlive()) {
        return connection;
      }
    } catch (LibvirtException e) {
      LOG.warn("libvirt: connection to {} lost: {}", uri, message(e));
    }
    if (connection != null) {
      try {
        connection.close();
      } catch (LibvirtException e) {
        LOG.debug("libvirt: closing a dead connection: {}", message(e));
      }
      connection = null;
    }
    try {
      Connect.setErrorCallback(QUIET);
      connection = new Connect(uri);
      identities.clear();
      LOG.info("libvirt: connected to {}", uri);
      return connection;
    } catch (LibvirtException e) {
      throw new DriverException("cannot connect to libvirt at " + uri + ": " + message(e), e);
    } catch (LinkageError e) {
      throw new DriverException(
          "the native libvirt library (libvirt.so.0) is not installed: " + e, e);
    }
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (LibvirtException e) {
        LOG.debug("libvirt: closing the connection: {}", e.getMessage());
      }
      connection = null;
    }
  }
}
