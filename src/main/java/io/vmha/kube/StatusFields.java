package io.vmha.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.EditReplacePatchable;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;

/**
 * Writes some top-level fields of a status subresource and leaves the others alone, so the operator
 * and a host agent can share {@code VmHost.status} without overwriting each other. A JSON Patch
 * replaces each field whole (lists included); where the status does not exist yet, a merge patch
 * creates it.
 */
public final class StatusFields {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusFields() {}

  /**
   * @param fields field name to new value; a null value removes the field
   * @param present which of the fields the current status has (a remove needs one to exist)
   */
  public static <T extends HasMetadata> T write(
      EditReplacePatchable<T> status,
      boolean statusExists,
      Map<String, ?> fields,
      java.util.Set<String> present) {
    return write(status, statusExists, fields, present, Map.of());
  }

  /**
   * As {@link #write(EditReplacePatchable, boolean, Map, java.util.Set)}, refused by the API server
   * (422) unless each of {@code expected}'s fields still has the value the writer decided from: a
   * writer that decided from an old view (a stale leader) changes nothing another changed since.
   */
  public static <T extends HasMetadata> T write(
      EditReplacePatchable<T> status,
      boolean statusExists,
      Map<String, ?> fields,
      java.util.Set<String> present,
      Map<String, ?> expected) {
    if (!statusExists) {
      ObjectNode body = JSON.createObjectNode();
      ObjectNode values = body.putObject("status");
      fields.forEach(
          (name, value) -> {
            if (value != null) {
              values.set(name, JSON.valueToTree(value));
            }
          });
      return status.patch(PatchContext.of(PatchType.JSON_MERGE), body.toString());
    }
    ArrayNode ops = JSON.createArrayNode();
    expected.forEach(
        (name, value) ->
            ops.addObject()
                .put("op", "test")
                .put("path", "/status/" + name)
                .set("value", JSON.valueToTree(value)));
    fields.forEach(
        (name, value) -> {
          String path = "/status/" + name;
          if (value != null) {
            ops.addObject()
                .put("op", "add")
                .put("path", path)
                .set("value", JSON.valueToTree(value));
          } else if (present.contains(name)) {
            ops.addObject().put("op", "remove").put("path", path);
          }
        });
    return status.patch(PatchContext.of(PatchType.JSON), ops.toString());
  }

  /** The top-level field names a status object has, as its JSON shows them. */
  public static java.util.Set<String> present(Object status) {
    java.util.Set<String> names = new java.util.HashSet<>();
    if (status != null) {
      JsonNode tree = JSON.valueToTree(status);
      tree.fieldNames().forEachRemaining(names::add);
    }
    return names;
  }
}
