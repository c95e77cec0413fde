package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import dev.runner.it.RealApiServerTest;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pod-judgement scenarios of {@link PodJudgementTest}, unchanged, on the real control plane
 * ({@link RealClusterFixture}): init containers and native sidecars, an eviction, one crashing
 * replica of three, Never + exit 0 and the per-service restart annotation, with the Pods made by
 * the real ReplicaSet controller and played by kwok's stages ({@link dev.runner.it.StagedPods}).
 * One scenario more, which only a real API server can play: a pod template the CRD's schema
 * accepts and the apiserver's Deployment validation refuses (422).
 */
@RealApiServerTest
class RealPodJudgementTest extends PodJudgementTest {

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }

  /**
   * A cpu request above its limit: the CRD's schema takes any quantities, the apiserver's
   * Deployment validation refuses the create with 422. The service's error is the apiserver's own
   * message, its reason WriteRefused, with one Warning while JOSDK's retries are refused again.
   */
  @Test
  void aTemplateTheApiServerRefusesIsTheServicesErrorAndOneWarning() {
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: refused}
        spec:
          services:
          - name: web
            template:
              spec:
                containers:
                - name: web
                  image: example/web:1
                  resources: {requests: {cpu: "2"}, limits: {cpu: "1"}}
        """);
    await().atMost(PATIENCE).until(() -> service("refused", "web").map(ServiceStatus::getReason).orElse(null)
        == ServiceReason.WriteRefused);
    ServiceStatus web = service("refused", "web").orElseThrow();
    assertThat(web.getError())
        .startsWith("Deployment.apps \"refused-web\" is invalid: ")
        .contains("spec.template.spec.containers[0].resources.requests")
        .contains("must be less than or equal to cpu limit");
    assertThat(status("refused").getMessage()).contains("web: Deployment.apps \"refused-web\" is invalid");
    // Retried with JOSDK's backoff and refused each time: still one Warning, and no Deployment.
    await().during(Duration.ofSeconds(3)).atMost(PATIENCE).until(() -> warnings("refused").size() == 1);
    assertThat(warnings("refused")).singleElement().satisfies(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getMessage()).isEqualTo("service web: the API server refused a write of its workload: " + web.getError());
    });
    assertThat(service("refused", "web").orElseThrow().getError()).isEqualTo(web.getError());
    assertThat(deployment("refused-web")).isNull();
  }

  private List<Event> warnings(String group) {
    return events(group).stream().filter(e -> "WriteRefused".equals(e.getReason())).toList();
  }
}
