package io.vmha.agent;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.api.VmhaApi;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** The agent's writes to Leases: its heartbeat and, while it holds the role, the SPM Lease. */
public final class Leases {
  static final String LEASE_KIND_LABEL = VmhaApi.LEASE_KIND_LABEL;
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);

  private final KubernetesClient client;
  private final String namespace;
  private final String host;
  private final int durationSeconds;
  private Instant lastRenewTime = Instant.EPOCH;

  /**
   * A client for heartbeat renewals: every request ends after {@code deadline} (connecting
   * included) and is never retried, so a renewal that cannot be acknowledged in time fails in time.
   * The agent's other client keeps the usual timeouts and retries for reads and reports.
   */
  public static KubernetesClient deadlineClient(
      KubernetesClient base, java.time.Duration deadline) {
    return new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(deadlineConfig(base.getConfiguration(), deadline))
        .build();
  }

  /** The configuration of {@link #deadlineClient}, for a client built with more to it. */
  public static io.fabric8.kubernetes.client.Config deadlineConfig(
      io.fabric8.kubernetes.client.Config base, java.time.Duration deadline) {
    int millis = (int) Math.max(100, deadline.toMillis());
    return new io.fabric8.kubernetes.client.ConfigBuilder(base)
        .withRequestTimeout(millis)
        .withConnectionTimeout(millis)
        .withRequestRetryBackoffLimit(0)
        .withRequestRetryBackoffInterval(0)
        // HTTP/1.1: after the API server sent a GOAWAY, Java 17's HTTP/2 client kept failing
        // every request on that connection ("GOAWAY received"), so a fenced agent never saw
        // the API server's answer again (a revoked credential went unreported for 30 s)
        .withHttp2Disable(true)
        .build();
  }

  Leases(KubernetesClient client, String namespace, String host, int durationSeconds) {
    this.client = client;
    this.namespace = namespace;
    this.host = host;
    this.durationSeconds = durationSeconds;
  }

  public static String microTime(Instant instant) {
    return MICRO_TIME.format(instant.truncatedTo(ChronoUnit.MICROS));
  }

  /**
   * Renews (or creates) {@code vmha-host-<host>}. Each renewal writes a later {@code renewTime}
   * than the last, even if the agent's clock stands still, so the operator always sees a change.
   *
   * @param runSince when the agent's current run began ({@link AgentRun}), written as {@code
   *     acquireTime}
   */
  void renewHeartbeat(Instant now, Instant runSince) {
    Instant renewTime = now.isAfter(lastRenewTime) ? now : lastRenewTime.plus(1, ChronoUnit.MICROS);
    renewOrCreate(
        client,
        namespace,
        VmhaApi.hostLeaseName(host),
        labels(),
        host,
        durationSeconds,
        renewTime,
        runSince);
    lastRenewTime = renewTime;
  }

  /**
   * Reads this host's heartbeat Lease: whether the API server answers this agent (a 404 counts). A
   * refused credential (401, 403) does not: the agent could renew nothing with it.
   */
  void probe() {
    try {
      client.leases().inNamespace(namespace).withName(VmhaApi.hostLeaseName(host)).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() <= 0 || e.getCode() >= 500 || e.getCode() == 401 || e.getCode() == 403) {
        throw e;
      }
    }
  }

  /**
   * Renews the SPM Lease if {@code cached} names this host as holder; the patch carries the cached
   * resourceVersion, so it cannot land after the operator reassigned or released the role.
   *
   * @return whether it renewed
   */
  boolean renewSpmIfHolder(Lease cached, Instant now) {
    if (cached == null
        || cached.getSpec() == null
        || !host.equals(cached.getSpec().getHolderIdentity())) {
      return false;
    }
    try {
      patchSpm(cached.getMetadata().getResourceVersion(), now);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // our cache lagged behind (often our own last renewal): read it fresh and try once more
      Lease fresh = client.leases().inNamespace(namespace).withName(VmhaApi.SPM_LEASE).get();
      if (fresh == null
          || fresh.getSpec() == null
          || !host.equals(fresh.getSpec().getHolderIdentity())) {
        return false;
      }
      patchSpm(fresh.getMetadata().getResourceVersion(), now);
      return true;
    }
  }

  /** Clears the SPM holder if it is this host, locked on the version we saw. */
  boolean releaseSpmIfHolder(Lease cached) {
    if (cached == null
        || cached.getSpec() == null
        || !host.equals(cached.getSpec().getHolderIdentity())) {
      return false;
    }
    var patch = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    patch.putObject("metadata").put("resourceVersion", cached.getMetadata().getResourceVersion());
    patch.putObject("spec").putNull("holderIdentity");
    try {
      client
          .leases()
          .inNamespace(namespace)
          .withName(VmhaApi.SPM_LEASE)
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false; // changed under us; the next tick looks again
      }
      throw e;
    }
  }

  private void patchSpm(String resourceVersion, Instant now) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("resourceVersion", resourceVersion);
    client
        .leases()
        .inNamespace(namespace)
        .withName(VmhaApi.SPM_LEASE)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            json(Map.of("metadata", metadata, "spec", Map.of("renewTime", microTime(now)))));
  }

  /**
   * Writes {@code holderIdentity}, {@code leaseDurationSeconds}, {@code renewTime} and the labels
   * of a Lease by JSON merge patch (one request, no read), creating the Lease if it is missing;
   * {@code acquireTime} too unless it is null (a Lease created then takes the renewal's time).
   */
  public static void renewOrCreate(
      KubernetesClient client,
      String namespace,
      String name,
      Map<String, String> labels,
      String holder,
      int durationSeconds,
      Instant renewTime,
      Instant acquireTime) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("holderIdentity", holder);
    spec.put("leaseDurationSeconds", durationSeconds);
    spec.put("renewTime", microTime(renewTime));
    if (acquireTime != null) {
      spec.put("acquireTime", microTime(acquireTime));
    }
    Map<String, Object> patch = Map.of("metadata", Map.of("labels", labels), "spec", spec);
    try {
      // named by a stub: Fabric8 reads a Lease named by withName(..) before patching it, a second
      // request on the heartbeats' priority level that spent half a renewal's deadline under load
      io.vmha.kube.Patches.target(client, Lease.class, namespace, name)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              client.getKubernetesSerialization().asJson(patch));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      Lease lease =
          new LeaseBuilder()
              .withNewMetadata()
              .withName(name)
              .withNamespace(namespace)
              .withLabels(labels)
              .endMetadata()
              .withNewSpec()
              .withHolderIdentity(holder)
              .withLeaseDurationSeconds(durationSeconds)
              .withAcquireTime(
                  (acquireTime == null ? renewTime : acquireTime)
                      .truncatedTo(ChronoUnit.MICROS)
                      .atZone(ZoneOffset.UTC))
              .withRenewTime(renewTime.atZone(ZoneOffset.UTC))
              .endSpec()
              .build();
      client.leases().inNamespace(namespace).resource(lease).create();
    }
  }

  private Map<String, String> labels() {
    return Map.of(LEASE_KIND_LABEL, "host", VmhaApi.HOST_LABEL, host);
  }

  private String json(Object value) {
    return client.getKubernetesSerialization().asJson(value);
  }
}
