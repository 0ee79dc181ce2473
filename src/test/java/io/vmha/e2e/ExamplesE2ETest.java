package io.vmha.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's first steps, with the real kubectl against a real API server: the CRDs and the
 * examples apply, and every file in {@code examples/invalid/} is refused by the server's own schema
 * and CEL validation with the message its {@code # expect:} line documents.
 */
class ExamplesE2ETest {
  static final String NAMESPACE = "examples";
  static RealApiServer api;

  @BeforeAll
  static void start() {
    api = RealApiServer.startWithCrds();
    api.createNamespace(NAMESPACE);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void crdsAreEstablishedWithTheirShortNamesAndCategory() {
    var resources = api.kubectl("api-resources", "--api-group", "vmha.io", "-o", "wide");
    assertThat(resources.ok()).as(resources.output()).isTrue();
    assertThat(resources.stdout())
        .contains(
            "vmhosts",
            "vmh",
            "storagerepositories",
            "vmrepo",
            "vmtemplates",
            "vmtpl",
            "virtualmachines",
            "havm",
            "vmha");
  }

  @Test
  void examplesApplyCleanly() {
    var applied =
        api.kubectl(
            "apply", "--namespace", NAMESPACE, "-f", Tools.PROJECT.resolve("examples").toString());
    assertThat(applied.ok()).as(applied.output()).isTrue();
    assertThat(applied.stderr()).as("warnings from the server").isBlank();
    var listed = api.kubectl("get", "vmha", "--namespace", NAMESPACE, "-o", "name");
    assertThat(listed.stdout())
        .contains(
            "vmhost.vmha.io/atlantic",
            "storagerepository.vmha.io/zos",
            "vmtemplate.vmha.io/sles10template",
            "virtualmachine.vmha.io/web");
    // Applying again changes nothing: what kubectl (and GitOps tools) see is what the files say.
    var again =
        api.kubectl(
            "apply", "--namespace", NAMESPACE, "-f", Tools.PROJECT.resolve("examples").toString());
    assertThat(again.stdout()).doesNotContain("configured").doesNotContain("created");
  }

  static Stream<Path> invalidExamples() throws IOException {
    try (Stream<Path> files = Files.list(Tools.PROJECT.resolve("examples/invalid"))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("invalidExamples")
  void invalidExampleIsRefusedByTheApiServerWithItsDocumentedMessage(Path file) throws IOException {
    String expect =
        Files.readAllLines(file).stream()
            .filter(l -> l.startsWith("# expect:"))
            .map(l -> l.substring("# expect:".length()).trim())
            .findFirst()
            .orElseThrow(() -> new AssertionError(file + " has no '# expect:' line"));
    var refused = api.kubectl("apply", "--namespace", NAMESPACE, "-f", file.toString());
    assertThat(refused.ok())
        .as("kubectl apply -f %s must fail: %s", file.getFileName(), refused.output())
        .isFalse();
    assertThat(refused.stderr()).contains(expect);
  }
}
