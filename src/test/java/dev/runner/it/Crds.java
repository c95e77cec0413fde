package dev.runner.it;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionCondition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The committed, generated CRD, installed on the real server as a user would: kubectl apply. */
public final class Crds {
  static final Path RUNNER_GROUP_CRD = Path.of("crds/runnergroups.runner.dev-v1.yml");
  static final String RUNNER_GROUP_CRD_NAME = "runnergroups.runner.dev";

  private Crds() {}

  /** kubectl apply of the committed CRD (idempotent); returns kubectl's answer. */
  static RealApiServer.Kubectl.Result apply(RealApiServer server) {
    return server.kubectl("apply", "-f", RUNNER_GROUP_CRD.toAbsolutePath().toString());
  }

  /** Installs the CRD and waits until it is Established. */
  public static void install(RealApiServer server) {
    RealApiServer.Kubectl.Result result = apply(server);
    if (!result.ok()) {
      throw new AssertionError("the API server rejected " + RUNNER_GROUP_CRD + ":\n" + result);
    }
    awaitEstablished(server);
  }

  static CustomResourceDefinition awaitEstablished(RealApiServer server) {
    await("CRD " + RUNNER_GROUP_CRD_NAME + " Established").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> condition(server, "Established").map(c -> "True".equals(c.getStatus())).orElse(false));
    return get(server);
  }

  static CustomResourceDefinition get(RealApiServer server) {
    return server.client().apiextensions().v1().customResourceDefinitions().withName(RUNNER_GROUP_CRD_NAME).get();
  }

  static Optional<CustomResourceDefinitionCondition> condition(RealApiServer server, String type) {
    CustomResourceDefinition crd = get(server);
    if (crd == null || crd.getStatus() == null) {
      return Optional.empty();
    }
    List<CustomResourceDefinitionCondition> conditions = crd.getStatus().getConditions();
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
