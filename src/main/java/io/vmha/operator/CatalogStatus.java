package io.vmha.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmha.api.Condition;
import io.vmha.api.RepositoryType;
import io.vmha.api.StorageRepository;
import io.vmha.api.VmTemplate;
import io.vmha.kube.StatusFields;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Status of the catalogue kinds, repositories and templates: whether they can be used ({@code
 * Ready}) and who uses them ({@code InUse}, which also holds back their deletion, L3). Written only
 * when it changes; a template's instance counter is left alone.
 */
final class CatalogStatus {
  private static final Logger log = LoggerFactory.getLogger(CatalogStatus.class);
  private final KubernetesClient client;
  private final OwnWrites ownWrites;

  CatalogStatus(KubernetesClient client, OwnWrites ownWrites) {
    this.client = client;
    this.ownWrites = ownWrites;
  }

  int write(SnapshotBuilder.Sources sources, Usage usage, Instant now) {
    int writes = 0;
    for (StorageRepository repository : sources.repositories().values()) {
      writes += writeRepository(repository, sources, usage, now);
    }
    for (VmTemplate template : sources.templates().values()) {
      writes += writeTemplate(template, sources, usage, now);
    }
    return writes;
  }

  private int writeRepository(
      StorageRepository repository, SnapshotBuilder.Sources sources, Usage usage, Instant now) {
    var spec = repository.getSpec();
    var status = repository.getStatus();
    List<String> users = usage.usersOfRepository(repository.getMetadata().getName());
    int reaching = usage.hostsReaching(repository);
    Conditions.Desired ready;
    if (spec.getType() == RepositoryType.Local && !sources.hosts().containsKey(spec.getHost())) {
      ready =
          new Conditions.Desired(
              "Ready",
              "False",
              "HostNotFound",
              "local repository of host " + spec.getHost() + ", which is not a VmHost");
    } else if (reaching == 0) {
      ready =
          new Conditions.Desired(
              "Ready", "False", "Unreachable", "no host reports reaching this repository");
    } else {
      ready =
          new Conditions.Desired(
              "Ready", "True", "Reachable", reaching + " host(s) reach this repository");
    }
    List<Condition> conditions =
        Conditions.merge(
            status == null ? null : status.getConditions(),
            List.of(ready, inUse(users)),
            now,
            repository.getMetadata().getGeneration());
    boolean same =
        status != null
            && !Conditions.differ(status.getConditions(), conditions)
            && Objects.equals(status.getReachableHosts(), reaching)
            && Objects.equals(status.getVmCount(), vmCount(users));
    if (same) {
      return 0;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("conditions", conditions);
    fields.put("observedGeneration", repository.getMetadata().getGeneration());
    fields.put("reachableHosts", reaching);
    fields.put("vmCount", vmCount(users));
    return patch(
        () ->
            StatusFields.write(
                io.vmha.kube.Patches.target(
                        client, StorageRepository.class, null, repository.getMetadata().getName())
                    .subresource("status"),
                status != null,
                fields,
                StatusFields.present(status)));
  }

  private int writeTemplate(
      VmTemplate template, SnapshotBuilder.Sources sources, Usage usage, Instant now) {
    var status = template.getStatus();
    List<String> users =
        usage.usersOfTemplate(
            template.getMetadata().getNamespace(), template.getMetadata().getName());
    String repository = template.getSpec().getImage().getRepository();
    Conditions.Desired ready =
        sources.repositories().containsKey(repository)
            ? new Conditions.Desired(
                "Ready", "True", "RepositoryFound", "image on repository " + repository)
            : new Conditions.Desired(
                "Ready",
                "False",
                "RepositoryNotFound",
                "repository " + repository + " does not exist");
    List<Condition> conditions =
        Conditions.merge(
            status == null ? null : status.getConditions(),
            List.of(ready, inUse(users)),
            now,
            template.getMetadata().getGeneration());
    boolean same =
        status != null
            && !Conditions.differ(status.getConditions(), conditions)
            && Objects.equals(status.getVmCount(), users.size());
    if (same) {
      return 0;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("conditions", conditions);
    fields.put("observedGeneration", template.getMetadata().getGeneration());
    fields.put("vmCount", users.size());
    return patch(
        () ->
            StatusFields.write(
                io.vmha.kube.Patches.target(
                        client,
                        VmTemplate.class,
                        template.getMetadata().getNamespace(),
                        template.getMetadata().getName())
                    .subresource("status"),
                status != null,
                fields,
                StatusFields.present(status)));
  }

  private static Conditions.Desired inUse(List<String> users) {
    return users.isEmpty()
        ? new Conditions.Desired("InUse", "False", "NotInUse", "")
        : new Conditions.Desired("InUse", "True", "InUse", "used by " + Usage.describe(users));
  }

  private static int vmCount(List<String> users) {
    return (int) users.stream().filter(u -> !u.startsWith("template ")).count();
  }

  private int patch(
      java.util.function.Supplier<io.fabric8.kubernetes.api.model.HasMetadata> write) {
    try {
      ownWrites.record(write.get());
      return 1;
    } catch (KubernetesClientException e) {
      log.debug("catalogue status write refused ({}), next plan retries", e.getCode());
      return 0;
    }
  }
}
