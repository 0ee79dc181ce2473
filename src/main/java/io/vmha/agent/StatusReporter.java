package io.vmha.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.api.AgentReport;
import io.vmha.api.AgentSettingsReport;
import io.vmha.api.InstanceReport;
import io.vmha.api.VmHost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes {@code VmHost.status.reported} (step 5 of docs/agent-protocol.md): the agent's only field
 * of its host's status, replaced whole and only when its content changed.
 */
final class StatusReporter {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HostAgent.class);
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final List<String> peerKeys;
  private final KubernetesClient client;
  private final String me;
  private final HypervisorDriver driver;
  private final ApiLink api;
  private final String agentVersion;
  private final AgentSettingsReport settingsReport;
  private String lastReport;
  private List<InstanceReport> lastInstances;
  private volatile boolean statusWritten;

  private final java.util.function.Supplier<Map<InstanceRef, Boolean>> guestAgents;
  private final AgentRun run;
  private final GuestMonitor monitor;
  private final OverwrittenReport overwritten;

  StatusReporter(
      KubernetesClient client,
      String me,
      HypervisorDriver driver,
      ApiLink api,
      String agentVersion,
      AgentSettingsReport settingsReport,
      List<String> peerKeys,
      java.util.function.Supplier<Map<InstanceRef, Boolean>> guestAgents,
      GuestMonitor monitor,
      AgentRun run,
      java.time.Duration heartbeatInterval) {
    this.run = run;
    this.overwritten = new OverwrittenReport(heartbeatInterval.multipliedBy(2));
    this.monitor = monitor;
    this.peerKeys = List.copyOf(peerKeys);
    this.guestAgents = guestAgents;
    this.client = client;
    this.me = me;
    this.driver = driver;
    this.api = api;
    this.agentVersion = agentVersion;
    this.settingsReport = settingsReport;
  }

  /** Writes the next report whatever its content (after a fence or a restart). */
  void forget() {
    lastReport = null;
  }

  /**
   * Writes the report if its content changed (or the field was wiped).
   *
   * @param instances every instance to report (the keeper's {@link InstanceKeeper#toReport}), or
   *     null when the hypervisor could not list them (it did not answer in time): the instances
   *     last reported are reported again, and what the agent can still tell (its storage and
   *     network above all) goes out. Before any listing there is nothing to report.
   * @param selfFencedAt the self-fence awaiting the operator's acknowledgement, or null
   * @param migratingAway the instances whose live migration away from here may still land, by
   *     target host ({@link InstanceKeeper#migratingAway})
   */
  void report(
      AgentWork work,
      boolean fenced,
      Instant now,
      String endpoint,
      String selfFencedAt,
      Map<InstanceRef, Instance> instances,
      Map<InstanceRef, io.vmha.api.MigrationFailureReport> migrationFailures,
      Map<InstanceRef, String> migratingAway) {
    AgentReport report = new AgentReport();
    report.setAgentVersion(agentVersion);
    report.setDriver(driver.name());
    report.setEndpoint(endpoint);
    report.setPeerKeys(peerKeys);
    report.setMigrationUri(driver.migrationUri());
    report.setStorageConnected(driver.storageConnected());
    report.setNetworkConnected(driver.networkConnected());
    report.setReachableRepositories(new ArrayList<>(new TreeSet<>(driver.reachableRepositories())));
    if (instances != null) {
      lastInstances = instanceReports(instances, migrationFailures, guestAgents.get());
      reportResets(lastInstances);
    } else if (lastInstances == null) {
      return;
    }
    for (InstanceReport instance : lastInstances) {
      // from the keeper now, not from the listing: a listing reported again may predate the start
      // or the end of a migration
      instance.setMigratingTo(
          instance.getVm() == null
              ? null
              : migratingAway.get(new InstanceRef(instance.getVm(), instance.getName())));
    }
    report.setInstances(lastInstances);
    report.setFenced(fenced);
    report.setSettings(settingsReport);
    report.setSelfFencedAt(selfFencedAt);
    report.setRunSince(Leases.microTime(run.since()));
    String content = toJson(report);
    AgentReport seen = work.status().getReported();
    boolean wiped = seen == null || seen.getEndpoint() == null;
    boolean older = seen != null && overwritten.mustRewrite(seen.getReportTime(), now);
    if (content.equals(lastReport) && !wiped && !older) {
      return;
    }
    if (older && content.equals(lastReport)) {
      LOG.warn(
          "agent of {}: the API server holds an older report ({}) than the one it last wrote, a"
              + " write that arrived late: writing its report again",
          me,
          seen.getReportTime());
    }
    api.check();
    report.setReportTime(now.toString());
    writeReport(report, work.self() != null && work.self().getStatus() != null);
    lastReport = content;
    overwritten.wrote(now);
  }

  /**
   * Replaces {@code status.reported} and nothing else. A JSON Patch {@code add} replaces the field
   * whole; a JSON merge patch would do the same on a real API server, but the Fabric8 mock server
   * merges lists element by element, so a stopped instance would stay reported there. While the
   * host has no status yet (as far as the cache knows) a merge patch, which has nothing to merge
   * with, writes it; a JSON Patch to a missing status, if the cache lagged, is refused (422) and
   * the merge patch is used too.
   */
  private void writeReport(AgentReport report, boolean statusExists) {
    // one request: named by a stub, Fabric8 does not read the host before patching it
    var status = io.vmha.kube.Patches.target(client, VmHost.class, null, me).subresource("status");
    if (!statusExists && !statusWritten) {
      status.patch(
          PatchContext.of(PatchType.JSON_MERGE),
          toJson(Map.of("status", Map.of("reported", report))));
      statusWritten = true; // from now on replace the field whole, even before the cache shows it
      return;
    }
    try {
      status.patch(
          PatchContext.of(PatchType.JSON),
          toJson(List.of(Map.of("op", "add", "path", "/status/reported", "value", report))));
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 422 && e.getCode() != 400) {
        throw e;
      }
      status.patch(
          PatchContext.of(PatchType.JSON_MERGE),
          toJson(Map.of("status", Map.of("reported", report))));
    }
  }

  /**
   * Plain Jackson, not the client's serializer: that one drops empty lists, and in a merge patch a
   * missing list keeps the old one (an instance would stay reported after it stopped).
   */
  private static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize the report", e);
    }
  }

  /** M1: the resets of each monitored instance within its window, and whether it is left alone. */
  private void reportResets(List<InstanceReport> reports) {
    Map<InstanceRef, List<Instant>> resets = monitor.resets();
    for (InstanceReport r : reports) {
      if (r.getVm() == null || r.getVm().isEmpty()) {
        continue;
      }
      InstanceRef ref = new InstanceRef(r.getVm(), r.getName());
      List<Instant> times = resets.get(ref);
      if (times != null) {
        r.setGuestResets(times.stream().map(Instant::toString).toList());
      }
      if (monitor.leftAlone(ref)) {
        r.setGuestLeftAlone(true);
      }
    }
  }

  private static List<InstanceReport> instanceReports(
      Map<InstanceRef, Instance> all,
      Map<InstanceRef, io.vmha.api.MigrationFailureReport> migrationFailures,
      Map<InstanceRef, Boolean> guestAgents) {
    List<InstanceReport> reports = new ArrayList<>();
    for (var entry : all.entrySet()) {
      Instance instance = entry.getValue();
      InstanceReport r = new InstanceReport();
      r.setMigrationFailure(migrationFailures.get(entry.getKey()));
      r.setGuestAgent(guestAgents.get(entry.getKey()));
      r.setName(instance.name());
      r.setVm(instance.vmKey());
      r.setState(instance.state().name());
      r.setReason(instance.reason());
      r.setResources(instance.resources());
      r.setSince(instance.since() == null ? null : instance.since().toString());
      reports.add(r);
    }
    reports.sort(
        Comparator.comparing(InstanceReport::getName)
            .thenComparing(
                InstanceReport::getVm, Comparator.nullsFirst(Comparator.naturalOrder())));
    return reports;
  }
}
