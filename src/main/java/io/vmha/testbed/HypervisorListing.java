package io.vmha.testbed;

import io.vmha.agent.HypervisorUnavailable;
import io.vmha.agent.Instance;
import io.vmha.agent.libvirt.LibvirtDriver;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each libvirt daemon runs, asked over a connection of its own (not an agent's): the truth the
 * API server may not know yet. A daemon that does not answer (its host crashed, its QEMUs died with
 * it) runs nothing until it answers again; one that answers late (its QEMUs wait on storage) still
 * runs what it listed last, as far as anyone can tell. Not thread-safe: one caller at a time.
 */
public final class HypervisorListing implements AutoCloseable {
  private final Map<String, String> uris;
  private final Map<String, LibvirtDriver> connections = new HashMap<>();
  private final Map<String, List<Instance>> last = new HashMap<>();

  /** {@code uris}: host name → a URI of its libvirtd that works however its network is. */
  public HypervisorListing(Map<String, String> uris) {
    this.uris = new LinkedHashMap<>(uris);
  }

  /** Every host's instances, vmha's and others, now. */
  public Map<String, List<Instance>> instancesByHost() {
    Map<String, List<Instance>> now = new LinkedHashMap<>();
    uris.keySet().forEach(host -> now.put(host, instancesOn(host)));
    return now;
  }

  /** {@code host}'s instances now. */
  public List<Instance> instancesOn(String host) {
    List<Instance> instances;
    try {
      instances = List.copyOf(connection(host).instances());
    } catch (HypervisorUnavailable e) {
      instances = e.late() ? last.getOrDefault(host, List.of()) : dropped(host);
    } catch (Exception e) {
      instances = dropped(host);
    }
    last.put(host, instances);
    return instances;
  }

  private LibvirtDriver connection(String host) throws io.vmha.agent.DriverException {
    LibvirtDriver connection = connections.get(host);
    if (connection == null) {
      connection = LibvirtDriver.builder(uris.get(host)).domainType("qemu").build().connect();
      connections.put(host, connection);
    }
    return connection;
  }

  private List<Instance> dropped(String host) {
    LibvirtDriver broken = connections.remove(host);
    if (broken != null) {
      broken.close();
    }
    return List.of();
  }

  @Override
  public void close() {
    connections.values().forEach(LibvirtDriver::close);
    connections.clear();
  }
}
