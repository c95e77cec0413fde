package dev.runner.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.compose.ComposeConverter;
import dev.runner.compose.ComposeException;
import dev.runner.compose.ComposeReader;
import dev.runner.core.GroupPlan;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What {@code convert} writes for the Compose test resources (src/test/resources/compose/), applied
 * with {@code kubectl apply} on the real server: the RunnerGroup passes the CRD's schema and CEL
 * rules (kinds, claims, restart policies of Jobs), the Services pass the API server's validation,
 * and the group is valid by the operator's own checks (what {@code plan} prints).
 */
@RealApiServerTest
class ComposeOnRealServerTest {
  static final String NAMESPACE = "compose";
  static final Path COMPOSE = Path.of("src/test/resources/compose");

  @BeforeAll
  static void setUp(RealApiServer server) {
    Crds.install(server);
    server.kubectl("create", "namespace", NAMESPACE);
  }

  static Stream<Arguments> projects() {
    return Stream.of(
        Arguments.of(List.of("webapp-db/docker-compose.yml"), List.of(), List.of("db", "web")),
        Arguments.of(List.of("migration/compose.yaml"), List.of(), List.of("db", "cache", "migrate", "api", "worker")),
        Arguments.of(List.of("replicas/compose.yaml"), List.of(), List.of("proxy", "api")),
        Arguments.of(List.of("dotenv/compose.yaml"), List.of(), List.of("app")),
        Arguments.of(List.of("merged/compose.yaml", "merged/compose.prod.yaml"), List.of("debug"),
            List.of("web", "cache", "debugger")),
        // Converted with an error (build without image): what is written for the rest applies too.
        Arguments.of(List.of("build-only/compose.yaml"), List.of(), List.of("db")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("projects")
  void theConvertedGroupAndServicesAreAccepted(List<String> files, List<String> profiles, List<String> services,
      RealApiServer server) throws ComposeException {
    ComposeConverter.Conversion conversion = ComposeConverter.convert(new ComposeReader(Map.of()).read(
        files.stream().map(COMPOSE::resolve).toList(), new ComposeReader.Options(null, profiles)), null);
    String group = conversion.group().getMetadata().getName();
    assertThat(GroupPlan.of(group, conversion.group().getSpec()).errors()).isEmpty();
    RealApiServer.Kubectl.Result apply = server.kubectlWithInput(conversion.yaml(), "apply", "-n", NAMESPACE, "-f", "-");
    assertThat(apply.ok()).as("kubectl apply of%n%s%n%s", conversion.yaml(), apply).isTrue();
    assertThat(apply.stdout()).contains("runnergroup.runner.dev/" + group + " created");
    for (String service : services) {
      assertThat(apply.stdout()).contains("service/" + service + " created");
    }
    RealApiServer.Kubectl.Result stored = server.kubectl("get", "rg", group, "-n", NAMESPACE,
        "-o", "jsonpath={range .spec.services[*]}{.name}={.kind} {end}");
    assertThat(Arrays.stream(stored.stdout().trim().split(" ")).map(s -> s.substring(0, s.indexOf('='))).toList())
        .containsExactlyElementsOf(services);
    server.kubectlWithInput(conversion.yaml(), "delete", "-n", NAMESPACE, "-f", "-");
  }
}
