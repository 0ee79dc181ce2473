package io.vmha.agent.libvirt;

import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.TypedParameter;
import org.libvirt.TypedStringParameter;

/**
 * Performs a live migration of a domain to another host's libvirt. Tests give the driver one that
 * moves the domain between test hypervisors; hosts use {@link #PEER_TO_PEER}.
 */
@FunctionalInterface
public interface DomainMigrator {
  /**
   * Flags of a vmha live migration: live, peer to peer, persistent on the target, gone here, and
   * auto-converge: a guest that dirties memory faster than the link carries it is slowed down until
   * the migration completes, instead of the migration never ending.
   */
  int FLAGS =
      Domain.MigrateFlags.LIVE
          | Domain.MigrateFlags.PEER2PEER
          | Domain.MigrateFlags.PERSIST_DEST
          | Domain.MigrateFlags.UNDEFINE_SOURCE
          | Domain.MigrateFlags.ABORT_ON_ERROR
          | Domain.MigrateFlags.AUTO_CONVERGE;

  /**
   * {@code virDomainMigrateToURI3} peer to peer with {@link #FLAGS}: the source libvirtd connects
   * to the destination itself (with its own TLS certificates or SSH keys), so the agent needs no
   * credentials for other hosts.
   *
   * <p>The call waits on a connection of its own for as long as the migration runs: libvirtd serves
   * few requests at once per connection ({@code max_client_requests}, 5 by default), and calls
   * waiting on migrations would hold back the agent's listing, probes and stops on its own
   * connection, and the watching and aborting of those very migrations.
   */
  DomainMigrator PEER_TO_PEER =
      (domain, destinationUri) -> {
        Connect own = new Connect(domain.getConnect().getURI());
        try {
          Domain migrating = own.domainLookupByUUIDString(domain.getUUIDString());
          // at least one parameter: the binding fails on an empty array
          TypedParameter[] params = {
            new TypedStringParameter("destination_name", domain.getName())
          };
          migrating.migrateToURI(destinationUri, params, FLAGS);
        } finally {
          own.close();
        }
      };

  void migrate(Domain domain, String destinationUri) throws LibvirtException;
}
