package dev.runner.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The committed CRDs are exactly what the build generates from the Java model. */
class CrdUpToDateTest {
  static final Path GENERATED = Path.of("target/crds/runnergroups.runner.dev-v1.yml");
  static final String REFRESH = "run `mvn -B process-test-classes && cp target/crds/runnergroups.runner.dev-v1.yml crds/ "
      + "&& cp target/crds/runnergroups.runner.dev-v1.yml helm/runner-operator/crds/` and commit the result";

  @ParameterizedTest
  @ValueSource(strings = {"crds/runnergroups.runner.dev-v1.yml", "helm/runner-operator/crds/runnergroups.runner.dev-v1.yml"})
  void committedCrdMatchesGenerated(String committed) throws IOException {
    assertThat(GENERATED).as("the build generates the CRD (exec-maven-plugin, process-test-classes)").exists();
    assertThat(Files.readString(Path.of(committed)))
        .as("%s differs from the CRD generated from the Java model: %s", committed, REFRESH)
        .isEqualTo(Files.readString(GENERATED));
  }
}
