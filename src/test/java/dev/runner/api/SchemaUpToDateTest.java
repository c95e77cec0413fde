package dev.runner.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed editor schema is exactly what the build generates from the CRD, and every example points at it. */
class SchemaUpToDateTest {
  static final Path GENERATED = Path.of("target/schemas/runnergroup.json");
  static final Path COMMITTED = Path.of("schemas/runnergroup.json");
  static final String REFRESH = "run `mvn -B process-test-classes && cp target/schemas/runnergroup.json schemas/` "
      + "and commit the result";
  static final String MODELINE = "# yaml-language-server: $schema=../schemas/runnergroup.json";

  @Test
  void committedSchemaMatchesGenerated() throws IOException {
    assertThat(GENERATED).as("the build generates the schema (exec-maven-plugin, process-test-classes)").exists();
    assertThat(COMMITTED).as("%s is missing: %s", COMMITTED, REFRESH).exists();
    assertThat(Files.readString(COMMITTED))
        .as("%s differs from the schema generated from the CRD: %s", COMMITTED, REFRESH)
        .isEqualTo(Files.readString(GENERATED));
  }

  @Test
  void schemaDescribesAFileNotTheStatus() throws IOException {
    JsonNode schema = new ObjectMapper().readTree(GENERATED.toFile());
    assertThat(schema.path("$schema").asText()).isEqualTo("http://json-schema.org/draft-07/schema#");
    assertThat(schema.path("properties").path("apiVersion").path("const").asText()).isEqualTo("runner.dev/v1alpha1");
    assertThat(schema.path("properties").path("kind").path("const").asText()).isEqualTo("RunnerGroup");
    assertThat(schema.path("properties").has("status")).isFalse();
    JsonNode service = schema.at("/properties/spec/properties/services/items");
    assertThat(service.path("required").toString()).contains("name", "template");
    assertThat(service.path("additionalProperties").asBoolean(true)).as("unknown fields are errors").isFalse();
    assertThat(service.at("/properties/replicas/minimum").isIntegralNumber()).isTrue();
    assertThat(schema.toString()).doesNotContain("x-kubernetes-");
  }

  @Test
  void everyExampleStartsWithTheModeline() throws IOException {
    List<Path> examples;
    try (Stream<Path> files = Files.list(Path.of("examples"))) {
      examples = files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
    }
    assertThat(examples).isNotEmpty();
    for (Path example : examples) {
      assertThat(Files.readAllLines(example).get(0)).as("first line of %s", example).isEqualTo(MODELINE);
    }
  }
}
