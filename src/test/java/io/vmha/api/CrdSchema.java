package io.vmha.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Judges an object against a generated CRD the way the API server does before admission: the
 * structural schema (types, enums, minimums, required, patterns) and the CEL rules in {@code
 * x-kubernetes-validations}. The real API server check runs in the end-to-end suite; this one keeps
 * the fast suite honest about every example.
 */
final class CrdSchema {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final CelCompiler CEL =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  final String kind;
  private final JsonNode openApiSchema;
  private final JsonSchema jsonSchema;

  private CrdSchema(String kind, JsonNode openApiSchema) {
    this.kind = kind;
    this.openApiSchema = openApiSchema;
    this.jsonSchema =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
            .getSchema(withoutKubernetesExtensions(openApiSchema.deepCopy()));
  }

  static CrdSchema load(Path crdFile) throws IOException {
    JsonNode crd = YAML.readTree(crdFile.toFile());
    String kind = crd.at("/spec/names/kind").asText();
    return new CrdSchema(kind, crd.at("/spec/versions/0/schema/openAPIV3Schema"));
  }

  /** Every reason the API server would refuse {@code object}; empty when it is valid. */
  List<String> violations(JsonNode object) {
    List<String> problems = new ArrayList<>();
    for (ValidationMessage message : jsonSchema.validate(object)) {
      problems.add(inApiServerWords(message));
    }
    if (problems.isEmpty()) {
      checkRules(openApiSchema, object, "", problems);
    }
    return problems;
  }

  /** The API server's wording of a structural error, so examples document what kubectl prints. */
  private static String inApiServerWords(ValidationMessage message) {
    String path = message.getInstanceLocation().toString().replaceFirst("^\\$\\.?", "");
    JsonNode value = message.getInstanceNode();
    return switch (message.getType()) {
      case "required" ->
          (path.isEmpty() ? "" : path + ".") + message.getProperty() + ": Required value";
      case "enum" -> path + ": Unsupported value: " + value;
      case "minimum" ->
          path
              + ": Invalid value: "
              + value
              + ": "
              + path
              + " in body should be greater than or equal to "
              + message.getArguments()[0];
      case "maximum" ->
          path
              + ": Invalid value: "
              + value
              + ": "
              + path
              + " in body should be less than or equal to "
              + message.getArguments()[0];
      default -> path + ": " + message.getMessage();
    };
  }

  private static void checkRules(JsonNode schema, JsonNode value, String path, List<String> out) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      if (!evaluate(rule.get("rule").asText(), value)) {
        out.add(path + ": Invalid value: " + rule.path("message").asText());
      }
    }
    Iterator<Map.Entry<String, JsonNode>> properties = schema.path("properties").fields();
    while (properties.hasNext()) {
      Map.Entry<String, JsonNode> property = properties.next();
      String child = path.isEmpty() ? property.getKey() : path + "." + property.getKey();
      checkRules(property.getValue(), value.get(property.getKey()), child, out);
    }
    if (schema.has("items") && value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        checkRules(schema.get("items"), value.get(i), path + "[" + i + "]", out);
      }
    }
  }

  private static boolean evaluate(String rule, JsonNode self) {
    try {
      CelRuntime.Program program = RUNTIME.createProgram(CEL.compile(rule).getAst());
      return Boolean.TRUE.equals(program.eval(Map.of("self", toCel(self))));
    } catch (Exception e) {
      throw new IllegalStateException("CEL rule does not evaluate: " + rule, e);
    }
  }

  private static Object toCel(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), toCel(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(element -> list.add(toCel(element)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }

  private static JsonNode withoutKubernetesExtensions(JsonNode node) {
    if (node instanceof ObjectNode object) {
      List<String> extensions = new ArrayList<>();
      object
          .fieldNames()
          .forEachRemaining(
              name -> {
                if (name.startsWith("x-kubernetes-")) {
                  extensions.add(name);
                }
              });
      object.remove(extensions);
      object.forEach(CrdSchema::withoutKubernetesExtensions);
    } else if (node.isArray()) {
      node.forEach(CrdSchema::withoutKubernetesExtensions);
    }
    return node;
  }
}
