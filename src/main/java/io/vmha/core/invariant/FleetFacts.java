package io.vmha.core.invariant;

import io.vmha.core.health.InstanceKey;
import io.vmha.core.model.FencingPolicy;
import io.vmha.core.model.InstanceReport;
import io.vmha.core.model.LabelSelector;
import io.vmha.core.model.Resources;
import io.vmha.core.model.VmStatusView;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the fleet runs and what is recorded about it at one moment, as the invariant checks read it.
 * The hypervisors' instances are what really runs (I1-I6 are judged on them, not only on what the
 * API says); the rest is what the operator recorded. A watcher that cannot see a fact passes null
 * where the fact says so, and the checks that need it are skipped.
 *
 * @param fencing decides I1: under {@code SelfFence} a second live copy is a violation, under
 *     {@code None} (F4) only a copy nothing tracks is
 * @param hosts every machine that may run instances, registered or not
 * @param vms every VM that exists
 * @param operator what the operator knew when it last decided; null when unknown
 */
public record FleetFacts(
    FencingPolicy fencing, List<Host> hosts, List<Vm> vms, Spm spm, OperatorKnowledge operator) {

  public FleetFacts {
    hosts = List.copyOf(hosts);
    vms = List.copyOf(vms);
  }

  /**
   * One machine.
   *
   * @param capacity its registered capacity (the VmHost's spec); null for a machine no VmHost
   *     stands for (any more), which has no capacity to exceed and cannot be the SPM
   * @param instances every instance its hypervisor holds now, in any state
   */
  public record Host(String name, Resources capacity, List<InstanceReport> instances) {
    public Host {
      instances = List.copyOf(instances);
    }

    boolean registered() {
      return capacity != null;
    }
  }

  /**
   * One VM.
   *
   * @param key {@code namespace/name}
   * @param status as the operator recorded it
   * @param running its spec's {@code running}
   * @param deleting its deletion has been asked for
   * @param freshName a template counter handed its instance name out since the last check; false
   *     where unknown
   * @param labels its metadata labels
   * @param requiredAntiAffinity its required anti-affinity terms (its own, else its template's),
   *     for I6
   */
  public record Vm(
      String key,
      VmStatusView status,
      boolean running,
      boolean deleting,
      boolean freshName,
      Map<String, String> labels,
      List<LabelSelector> requiredAntiAffinity) {

    public Vm {
      labels = labels == null ? Map.of() : Map.copyOf(labels);
      requiredAntiAffinity =
          requiredAntiAffinity == null ? List.of() : List.copyOf(requiredAntiAffinity);
    }

    /** A VM without labels or anti-affinity, where I6 has nothing to judge. */
    public Vm(
        String key, VmStatusView status, boolean running, boolean deleting, boolean freshName) {
      this(key, status, running, deleting, freshName, Map.of(), List.of());
    }

    String namespace() {
      return key.substring(0, key.indexOf('/'));
    }
  }

  /**
   * Who holds the SPM role, by each account (I4).
   *
   * @param leaseHolder the holder the SPM Lease names; null when none
   * @param marked the hosts the operator marked SPM in their status
   * @param acting the hosts whose agents act as SPM; null when unknown
   */
  public record Spm(String leaseHolder, Set<String> marked, Set<String> acting) {
    public Spm {
      marked = Set.copyOf(marked);
      acting = acting == null ? null : Set.copyOf(acting);
    }
  }

  /**
   * What the operator knew when it last decided, which I1 needs under fencing {@code None}: a copy
   * it could not have known about yet is no violation.
   *
   * @param heardHosts the hosts whose report of what they run now it has read
   * @param stopOrders per host, the instances it has ordered stopped
   */
  public record OperatorKnowledge(
      Set<String> heardHosts, Map<String, Set<InstanceKey>> stopOrders) {
    public OperatorKnowledge {
      heardHosts = Set.copyOf(heardHosts);
      stopOrders = Map.copyOf(stopOrders);
    }

    boolean ordersStop(String host, InstanceKey instance) {
      return stopOrders.getOrDefault(host, Set.of()).contains(instance);
    }
  }
}
