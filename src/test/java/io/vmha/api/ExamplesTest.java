package io.vmha.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The examples a user applies first: the valid ones pass the schema, the invalid ones do not. */
class ExamplesTest {
  static final Path PROJECT = Path.of(System.getProperty("vmha.projectDir", "."));
  private static final Map<String, CrdSchema> SCHEMAS = new HashMap<>();
  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of(
          "VmHost", VmHost.class,
          "StorageRepository", StorageRepository.class,
          "VmTemplate", VmTemplate.class,
          "VirtualMachine", VirtualMachine.class);

  @BeforeAll
  static void loadSchemas() throws IOException {
    try (Stream<Path> files = Files.list(PROJECT.resolve("crds"))) {
      for (Path file : files.toList()) {
        CrdSchema schema = CrdSchema.load(file);
        SCHEMAS.put(schema.kind, schema);
      }
    }
    assertThat(SCHEMAS)
        .containsOnlyKeys("VmHost", "StorageRepository", "VmTemplate", "VirtualMachine");
  }

  static Stream<Path> validExamples() throws IOException {
    // power-fencing/ is kept apart: its host names a BMC only a real site has
    return Stream.concat(
        yamlFiles(PROJECT.resolve("examples")),
        yamlFiles(PROJECT.resolve("examples/power-fencing")));
  }

  static Stream<Path> invalidExamples() throws IOException {
    return yamlFiles(PROJECT.resolve("examples/invalid"));
  }

  @ParameterizedTest
  @MethodSource("validExamples")
  void validExampleIsAcceptedBySchema(Path file) throws IOException {
    for (JsonNode object : documents(file)) {
      assertThat(schemaOf(object).violations(object))
          .as("%s %s", object.at("/kind").asText(), object.at("/metadata/name").asText())
          .isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("validExamples")
  void validExampleRoundTripsThroughTheJavaModel(Path file) throws IOException {
    for (JsonNode object : documents(file)) {
      HasMetadata typed =
          Serialization.unmarshal(object.toString(), KINDS.get(object.at("/kind").asText()));
      JsonNode back = CrdSchema.YAML.readTree(Serialization.asYaml(typed));
      assertThat(back).isEqualTo(object);
    }
  }

  @ParameterizedTest
  @MethodSource("invalidExamples")
  void invalidExampleIsRefusedWithTheMessageItDocuments(Path file) throws IOException {
    String expected = expectLine(file);
    List<JsonNode> objects = documents(file);
    assertThat(objects).hasSize(1);
    List<String> violations = schemaOf(objects.get(0)).violations(objects.get(0));
    assertThat(violations).as("violations of %s", file.getFileName()).isNotEmpty();
    assertThat(violations).anySatisfy(v -> assertThat(v).contains(expected));
  }

  static String expectLine(Path file) throws IOException {
    return Files.readAllLines(file).stream()
        .filter(line -> line.startsWith("# expect: "))
        .map(line -> line.substring("# expect: ".length()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(file + " has no '# expect:' line"));
  }

  private static CrdSchema schemaOf(JsonNode object) {
    CrdSchema schema = SCHEMAS.get(object.at("/kind").asText());
    assertThat(schema).as("a CRD for kind %s", object.at("/kind").asText()).isNotNull();
    return schema;
  }

  static List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (MappingIterator<JsonNode> it =
        CrdSchema.YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNext()) {
        JsonNode node = it.next();
        if (node != null && !node.isNull() && !node.isEmpty()) {
          out.add(node);
        }
      }
    }
    return out;
  }

  private static Stream<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }
}
