package io.vmha.agent.libvirt;

import static io.vmha.agent.libvirt.LibvirtErrors.is;

import io.vmha.agent.DriverException;
import io.vmha.agent.Instance;
import io.vmha.api.Resources;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/**
 * A libvirt domain as the {@link Instance} the agent reports: libvirt's state mapped to an instance
 * state with a reason, its resources, and since when it is in that state. libvirt keeps no such
 * time, so it is when this driver first saw the domain in that state.
 */
final class DomainInstances {
  private final Clock clock;
  private final LibvirtDomains domains;
  private final Map<String, Since> since = new ConcurrentHashMap<>();

  private record Since(Instance.State state, Instant at) {}

  DomainInstances(Clock clock, LibvirtDomains domains) {
    this.clock = clock;
    this.domains = domains;
  }

  /** libvirt's domain state as an instance state. */
  static Instance.State state(DomainInfo.DomainState state) {
    if (state == null) {
      return Instance.State.Starting;
    }
    return switch (state) {
      case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED, VIR_DOMAIN_SHUTDOWN -> Instance.State.Running;
      case VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED -> Instance.State.Paused;
      case VIR_DOMAIN_SHUTOFF -> Instance.State.Stopped;
      case VIR_DOMAIN_CRASHED -> Instance.State.Failed;
      case VIR_DOMAIN_NOSTATE -> Instance.State.Starting;
    };
  }

  Instance instance(String uuid, Domain domain) throws LibvirtException, DriverException {
    DomainInfo info = domain.getInfo();
    DomainXml.Identity identity = domains.identity(uuid, domain);
    Instance.State state = state(info.state);
    String reason =
        switch (info.state) {
          case VIR_DOMAIN_PAUSED -> identity.pauseReason();
          case VIR_DOMAIN_PMSUSPENDED -> "PMSuspended";
          case VIR_DOMAIN_SHUTDOWN -> "ShuttingDown";
          case VIR_DOMAIN_SHUTOFF -> "ShutOff";
          case VIR_DOMAIN_CRASHED -> "Crashed";
          default -> null;
        };
    Since entered =
        since.compute(
            uuid,
            (k, old) ->
                old != null && old.state() == state ? old : new Since(state, clock.instant()));
    Resources resources = new Resources(info.nrVirtCpu, info.maxMem / 1024);
    return new Instance(
        identity.instanceName(), identity.vmKey(), state, reason, resources, entered.at());
  }

  /**
   * Every domain libvirt knows, running or not, by name; what is kept of domains that are gone is
   * forgotten.
   */
  List<Instance> all() throws LibvirtException, DriverException {
    Domain[] all = domains.conn().listAllDomains(0);
    List<Instance> list = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Domain domain : all) {
      try {
        String uuid = domain.getUUIDString();
        seen.add(uuid);
        list.add(instance(uuid, domain));
      } catch (LibvirtException e) {
        if (!is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
          throw e;
        }
      }
    }
    domains.keepOnly(seen);
    since.keySet().retainAll(seen);
    list.sort(Comparator.comparing(Instance::name));
    return list;
  }
}
