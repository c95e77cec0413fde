package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 on the mock server, with the simulated kubelet: init containers and native sidecars,
 * an eviction (the Failed pod left in place), one crashing replica of three, Never + exit 0, and
 * the per-service restart annotation gated on dependencies.
 */
class PodJudgementTest extends ScenarioTest {
  private static final Duration QUIET = Duration.ofSeconds(2);

  private ServiceStatus svcStatus(String group, String service) {
    return service(group, service).orElseThrow();
  }

  @Test
  void initContainersAndANativeSidecarDoNotEndTheService() {
    apply(group("init", """
          - name: web
            template:
              spec:
                initContainers:
                - {name: migrate, image: example/migrate:1}
                - {name: proxy, image: example/proxy:1, restartPolicy: Always}
                containers: [{name: web, image: example/web:1}]
        """));
    awaitService("init", "web", ServicePhase.Ready);
    assertThat(pods("init-web")).singleElement().satisfies(p -> {
      assertThat(p.getStatus().getInitContainerStatuses()).hasSize(2);
      assertThat(p.getStatus().getInitContainerStatuses().get(0).getState().getTerminated().getExitCode()).isZero();
    });
    await().during(QUIET).atMost(QUIET.plus(PATIENCE)).until(() -> svcStatus("init", "web").getPhase() == ServicePhase.Ready);
    assertThat(deployment("init-web").getSpec().getReplicas()).isEqualTo(1);
    assertThat(svcStatus("init", "web").getLastExit()).isNull();
  }

  @Test
  void anEvictionIsNotCountedAndTheFailedPodHoldsUpNeitherTheServiceNorTheDeletion() {
    apply(group("evict", svc("db", "")));
    awaitService("evict", "db", ServicePhase.Ready);
    cluster.kubelet().evictOne(NS, "evict-db");
    // The ReplicaSet's replacement runs; the evicted pod stays, phase Failed.
    await().atMost(PATIENCE).until(() -> pods("evict-db").size() == 2
        && pods("evict-db").stream().anyMatch(p -> "Failed".equals(p.getStatus().getPhase())));
    await().atMost(PATIENCE).until(() -> svcStatus("evict", "db").getLastDisruption() != null);
    awaitService("evict", "db", ServicePhase.Ready);
    ServiceStatus db = svcStatus("evict", "db");
    assertThat(db.getRestarts()).isZero();
    assertThat(db.getLastDisruption().getReason()).isEqualTo("Evicted");
    assertThat(db.getLastExit()).isNull();
    assertThat(deployment("evict-db").getSpec().getReplicas()).isEqualTo(1);

    // Deleting the group does not wait for the Failed pod (its owner's deletion takes it along).
    client.resources(RunnerGroup.class).inNamespace(NS).withName("evict").delete();
    await().atMost(PATIENCE).until(() -> group("evict") == null);
  }

  @Test
  void oneCrashingReplicaOfThreeIsLeftToKubeletAndNothingIsScaledDown() {
    cluster.kubelet().behave(NS, "part-db", Behavior.builder().restartBackoff(Duration.ofMillis(500)).build());
    apply(group("part", svc("db", "    replicas: 3\n")));
    awaitService("part", "db", ServicePhase.Ready);
    cluster.kubelet().exitOneNow(NS, "part-db", 137);
    await().atMost(PATIENCE).until(() -> svcStatus("part", "db").getReason() == ServiceReason.ReplicaCrashed);
    ServiceStatus db = svcStatus("part", "db");
    assertThat(db.getPhase()).isEqualTo(ServicePhase.Unhealthy);
    assertThat(db.getError()).matches("pod part-db-\\S+: container db exited with code 137 \\(Error\\); "
        + "2/3 replicas ready, kubelet restarts it");
    assertThat(status("part").getPhase()).isEqualTo(GroupPhase.Degraded);
    // kubelet restarts it in place: Ready again, never scaled down, no restart counted.
    awaitService("part", "db", ServicePhase.Ready);
    assertThat(svcStatus("part", "db").getRestarts()).isZero();
    assertThat(timeline.replicaHistory("part-db")).containsExactly(3);
    assertThat(eventReasons("part")).contains("ServiceUnhealthy").doesNotContain("ServiceFailed", "RestartScheduled");
  }

  @Test
  void neverAndExitZeroIsCompletedAndItsDependentStarts() {
    cluster.kubelet().behave(NS, "once-job", Behavior.builder().exit(Duration.ofMillis(300), 0).build());
    apply(group("once", svc("job", "    restartConfig: {policy: Never}\n") + svc("api", "    dependsOn: [job]\n")));
    awaitService("once", "job", ServicePhase.Completed);
    awaitService("once", "api", ServicePhase.Ready);
    awaitPhase("once", GroupPhase.Ready);
  }

  @Test
  void aServicesRestartAnnotationRestartsACompletedServiceOnce() {
    cluster.kubelet().behave(NS, "again-job", Behavior.builder().exit(Duration.ofMillis(300), 0, 1).build());
    apply(group("again", svc("job", "")));
    awaitService("again", "job", ServicePhase.Completed);
    // A merge patch of the annotation, as kubectl annotate makes: an update of the group as read
    // (resourceVersion and all) could meet the operator's next status write, 409 on a real API server.
    client.resources(RunnerGroup.class).inNamespace(NS).withName("again").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\": {\"annotations\": {\"runner.dev/restart-job\": \"1\"}}}");
    awaitService("again", "job", ServicePhase.Ready);
    assertThat(svcStatus("again", "job").getRestartRequest()).isEqualTo("1");
    assertThat(eventReasons("again")).contains("ServiceCompleted", "ServiceRestarted");
  }
}
