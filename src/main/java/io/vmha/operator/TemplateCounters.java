package io.vmha.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmha.api.VmTemplate;
import io.vmha.core.Action;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Advances a template's instance counter by compare-and-set: a JSON Patch whose {@code test} fails
 * when another writer moved the counter, so no instance name is ever handed out twice (I5), even by
 * two operators at once.
 */
final class TemplateCounters {
  private static final Logger log = LoggerFactory.getLogger(TemplateCounters.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final OwnWrites ownWrites;
  private final FleetMetrics metrics;

  TemplateCounters(KubernetesClient client, OwnWrites ownWrites, FleetMetrics metrics) {
    this.client = client;
    this.ownWrites = ownWrites;
    this.metrics = metrics;
  }

  /**
   * True when the counter moved from {@code expected} to {@code next}; false when it had moved
   * already.
   */
  boolean advance(VmTemplate template, Action.AdvanceTemplateCounter counter) {
    if (template == null) {
      return false;
    }
    Long recorded = template.getStatus() == null ? null : template.getStatus().getInstanceCounter();
    try {
      VmTemplate written;
      var status =
          io.vmha.kube.Patches.target(
                  client,
                  VmTemplate.class,
                  template.getMetadata().getNamespace(),
                  template.getMetadata().getName())
              .subresource("status");
      if (recorded != null) {
        ArrayNode ops = JSON.createArrayNode();
        ops.addObject()
            .put("op", "test")
            .put("path", "/status/instanceCounter")
            .put("value", counter.expected());
        ops.addObject()
            .put("op", "replace")
            .put("path", "/status/instanceCounter")
            .put("value", counter.next());
        written = status.patch(PatchContext.of(PatchType.JSON), ops.toString());
      } else if (counter.expected() == 0) {
        // No counter yet: lock on the whole object's version instead.
        ObjectNode patch = JSON.createObjectNode();
        patch
            .putObject("metadata")
            .put("resourceVersion", template.getMetadata().getResourceVersion());
        patch.putObject("status").put("instanceCounter", counter.next());
        written = status.patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
      } else {
        return false;
      }
      ownWrites.record(written);
      Long after = written.getStatus() == null ? null : written.getStatus().getInstanceCounter();
      return after != null && after == counter.next();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409 || e.getCode() == 422 || e.getCode() == 404) {
        metrics.conflict();
        log.info("template {} counter moved ({}), planning again", counter.template(), e.getCode());
        return false;
      }
      throw e;
    }
  }
}
