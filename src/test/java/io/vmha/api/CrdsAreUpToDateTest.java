package io.vmha.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed CRDs (and the Helm chart's copy) are exactly what the Java classes generate, so a
 * model change cannot ship without its schema. Refresh both with {@code ./mvnw -Pupdate-crds
 * process-classes}.
 */
class CrdsAreUpToDateTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");

  @ParameterizedTest
  @ValueSource(strings = {"vmhosts", "storagerepositories", "vmtemplates", "virtualmachines"})
  void committedCrdMatchesGenerated(String plural) throws IOException {
    String generated =
        Files.readString(
            ExamplesTest.PROJECT.resolve(GENERATED).resolve(plural + ".vmha.io-v1.yml"));
    for (String dir : new String[] {"crds", "helm/vmha/crds"}) {
      Path committed = ExamplesTest.PROJECT.resolve(dir).resolve(plural + ".vmha.io.yaml");
      assertThat(Files.readString(committed))
          .as("%s is stale: run ./mvnw -Pupdate-crds process-classes", committed)
          .isEqualTo(generated);
    }
  }
}
