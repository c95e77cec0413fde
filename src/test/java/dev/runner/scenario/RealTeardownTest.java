package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.it.RealApiServerTest;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The teardown scenarios of {@link TeardownTest} (deletion through the finalizer, suspend, resume),
 * unchanged, on the real control plane (the garbage collector racing the operator's reverse
 * order), against the operator as its own process with the Helm chart's ServiceAccount token
 * ({@link RealClusterFixture}).
 */
@RealApiServerTest
class RealTeardownTest extends TeardownTest {
  /** JOSDK's finalizer removal refused by the API server, and its retries running out. */
  static final Pattern FINALIZER_PATCH_REFUSED =
      Pattern.compile("Exceeded maximum \\(\\d+\\) retry attempts|code=422\\b|Unprocessable Entity");

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }

  /**
   * Regression: the status written during cleanup changed JOSDK's primary in place, and the JSON
   * patch that removes the finalizer then carried stale status operations the API server refused
   * (422), ten times, before a later reconcile got through.
   */
  @Test
  void theFinalizerIsRemovedWithoutARefusedPatch() {
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: fin}
        spec:
          services:
        """ + svc("db", "") + svc("api", "    dependsOn: [db]\n"));
    awaitPhase("fin", GroupPhase.Ready);
    client.resources(RunnerGroup.class).inNamespace(NS).withName("fin").delete();
    await().atMost(PATIENCE).until(() -> group("fin") == null);
    assertThat(((RealClusterFixture) cluster).operatorLogLines(FINALIZER_PATCH_REFUSED)).isEmpty();
  }
}
