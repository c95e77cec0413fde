package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/behaviour.md: order, gating on readiness, start delays, and the status on the way. */
class BringUpTest extends ScenarioTest {

  @Test
  void chainStartsEachServiceOnlyAfterItsDependencyIsReady() {
    cluster.kubelet().defaults(Behavior.builder().startupTime(Duration.ofMillis(700)).build());
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: chain}
        spec:
          services:
        """ + svc("a", "") + svc("b", "    dependsOn: [a]\n") + svc("c", "    dependsOn: [b]\n"));

    awaitPhase("chain", GroupPhase.Ready);

    assertThat(timeline.created("chain-b")).isAfterOrEqualTo(timeline.available("chain-a"));
    assertThat(timeline.created("chain-c")).isAfterOrEqualTo(timeline.available("chain-b"));
    // Event driven: the dependent is created right after its dependency is ready, not at a poll.
    assertThat(Duration.between(timeline.available("chain-a"), timeline.created("chain-b"))).isLessThan(Duration.ofMillis(500));
    assertThat(Duration.between(timeline.available("chain-b"), timeline.created("chain-c"))).isLessThan(Duration.ofMillis(500));
    RunnerGroupStatus status = status("chain");
    assertThat(status.getStartOrder()).containsExactly(List.of("a"), List.of("b"), List.of("c"));
    assertThat(status.isHealthy()).isTrue();
    assertThat(status.getReady()).isEqualTo("3/3");
    assertThat(status.getMessage()).isEmpty();
  }

  @Test
  void diamondStartsBothMiddleServicesTogether() {
    cluster.kubelet().defaults(Behavior.builder().startupTime(Duration.ofMillis(500)).build());
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: diamond}
        spec:
          services:
        """ + svc("top", "") + svc("left", "    dependsOn: [top]\n") + svc("right", "    dependsOn: [top]\n")
        + svc("bottom", "    dependsOn: [left, right]\n"));

    awaitPhase("diamond", GroupPhase.Ready);

    assertThat(Duration.between(timeline.created("diamond-left"), timeline.created("diamond-right")).abs())
        .isLessThan(Duration.ofMillis(300));
    assertThat(timeline.created("diamond-left")).isAfterOrEqualTo(timeline.available("diamond-top"));
    assertThat(timeline.created("diamond-bottom"))
        .isAfterOrEqualTo(timeline.available("diamond-left"))
        .isAfterOrEqualTo(timeline.available("diamond-right"));
    assertThat(status("diamond").getStartOrder())
        .containsExactly(List.of("top"), List.of("left", "right"), List.of("bottom"));
  }

  @Test
  void statusAndConditionsAtEveryStage() {
    cluster.kubelet().behave(NS, "stages-db", Behavior.builder().startupTime(Duration.ofSeconds(2)).build());
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: stages}
        spec:
          services:
        """ + svc("db", "") + svc("api", "    dependsOn: [db]\n"));

    awaitService("stages", "db", ServicePhase.Starting);
    RunnerGroupStatus early = status("stages");
    assertThat(early.getPhase()).isEqualTo(GroupPhase.Progressing);
    assertThat(early.isHealthy()).isFalse();
    assertThat(early.getReady()).isEqualTo("0/2");
    assertThat(early.getObservedGeneration()).isEqualTo(1L);
    assertThat(early.getServices().get("api").getPhase()).isEqualTo(ServicePhase.Waiting);
    assertThat(early.getServices().get("api").getWaitingFor()).containsExactly("db");
    assertThat(early.getServices().get("api").getError()).isEqualTo("waiting for dependencies: db");
    assertThat(early.getMessage()).startsWith("unhealthy services: api: waiting for dependencies: db, db: ");
    assertThat(condition(early, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(early, "Progressing").getStatus()).isEqualTo("True");
    assertThat(condition(early, "Degraded").getStatus()).isEqualTo("False");
    assertThat(early.getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(1L));
    assertThat(deployment("stages-api")).isNull();

    awaitPhase("stages", GroupPhase.Ready);
    RunnerGroupStatus ready = status("stages");
    assertThat(ready.isHealthy()).isTrue();
    assertThat(ready.getReady()).isEqualTo("2/2");
    assertThat(ready.getServices().values()).allSatisfy(s -> {
      assertThat(s.getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(s.isHealthy()).isTrue();
      assertThat(s.isRunning()).isTrue();
      assertThat(s.getReadyReplicas()).isEqualTo(1);
      assertThat(s.getError()).isEmpty();
    });
    assertThat(condition(ready, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(ready, "Progressing").getStatus()).isEqualTo("False");
    // Events are recorded just after the status write that a reader may see first.
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(eventReasons("stages")).containsSubsequence(
        "ServiceStarted", "ServiceReady", "ServiceStarted", "ServiceReady", "GroupReady"));
    assertThat(eventReasons("stages")).filteredOn("GroupReady"::equals).hasSize(1);
  }

  @Test
  void startDelayIsMeasuredFromWhenDependenciesWereMet() {
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: delay}
        spec:
          services:
        """ + svc("db", "") + svc("api", "    dependsOn: [db]\n    startDelay: 2s\n"));

    awaitService("delay", "api", ServicePhase.Delaying);
    assertThat(service("delay", "api").orElseThrow().getError()).startsWith("start delay 2s: starting at ");
    awaitPhase("delay", GroupPhase.Ready);

    assertThat(Duration.between(timeline.available("delay-db"), timeline.created("delay-api")))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1900))
        .isLessThan(Duration.ofMillis(3000));
  }

  @Test
  void startDelaySurvivesAnOperatorRestartWithoutStartingOver() {
    Duration delay = Duration.ofSeconds(4).plus(cluster.operatorRestartTime());
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: survive}
        spec:
          services:
        """ + svc("db", "") + svc("api", "    dependsOn: [db]\n    startDelay: " + delay.toMillis() + "ms\n"));
    awaitService("survive", "api", ServicePhase.Delaying);
    cluster.stopOperator();
    // Down for 1s, within the delay: api is not started meanwhile.
    await().during(Duration.ofSeconds(1)).atMost(PATIENCE).until(() -> deployment("survive-api") == null);
    cluster.startOperator();

    awaitPhase("survive", GroupPhase.Ready);
    Duration waited = Duration.between(timeline.available("survive-db"), timeline.created("survive-api"));
    // Never shortened; and not restarted from zero (that would be >= 1s down + the delay again).
    assertThat(waited).isGreaterThanOrEqualTo(delay.minusMillis(100)).isLessThan(delay.plusMillis(1000));
  }

  @Test
  void aReconcileThatFindsNothingNewWritesNothing() {
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: quiet}
        spec:
          services:
        """ + svc("db", "") + svc("api", "    dependsOn: [db]\n"));
    awaitPhase("quiet", GroupPhase.Ready);
    RequestLog requests = cluster.requests().orElseThrow();
    int decisions = cluster.decisions();
    // Wake the reconciler with an event that changes nothing it cares about: a label on a Pod.
    String pod = pods("quiet-db").get(0).getMetadata().getName();
    client.pods().inNamespace(NS).withName(pod)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");
    int mark = requests.mark();
    await().atMost(PATIENCE).until(() -> cluster.decisions() > decisions);
    assertThat(requests.count(mark, RequestLog.Entry::write)).isZero();
  }

  @Test
  void templateEditRollsTheDeployment() {
    String before = """
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: roll}
        spec:
          services:
          - name: web
            template: {spec: {containers: [{name: web, image: example/web:1}]}}
        """;
    apply(before);
    awaitPhase("roll", GroupPhase.Ready);
    String hash = deployment("roll-web").getMetadata().getAnnotations().get("runner.dev/spec-hash");

    apply(before.replace("example/web:1", "example/web:2"));
    await().atMost(PATIENCE).until(() ->
        "example/web:2".equals(deployment("roll-web").getSpec().getTemplate().getSpec().getContainers().get(0).getImage()));
    Deployment rolled = deployment("roll-web");
    assertThat(rolled.getMetadata().getAnnotations().get("runner.dev/spec-hash")).isNotEqualTo(hash);
    await().atMost(PATIENCE).until(() -> status("roll").getObservedGeneration() == 2L
        && status("roll").getPhase() == GroupPhase.Ready);
    assertThat(pods("roll-web")).allSatisfy(p ->
        assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo("example/web:2"));
  }

  @Test
  void removedServicesStopAfterWhatDependsOnThem() {
    cluster.kubelet().defaults(Behavior.builder().terminationTime(Duration.ofMillis(500)).build());
    String all = """
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: shrink}
        spec:
          services:
        """ + svc("a", "") + svc("b", "    dependsOn: [a]\n") + svc("c", "    dependsOn: [b]\n");
    apply(all);
    awaitPhase("shrink", GroupPhase.Ready);

    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: shrink}
        spec:
          services:
        """ + svc("a", ""));
    await().atMost(PATIENCE).until(() -> deployment("shrink-b") == null && deployment("shrink-c") == null
        && pods("shrink-b").isEmpty() && pods("shrink-c").isEmpty());
    assertThat(timeline.deleted("shrink-b")).isAfterOrEqualTo(timeline.lastPodGone("shrink-c"));
    assertThat(deployment("shrink-a")).isNotNull();
    awaitPhase("shrink", GroupPhase.Ready);
    assertThat(status("shrink").getServices()).containsOnlyKeys("a");
  }

  @Test
  void anInvalidEditChangesNothingThatRuns() {
    String valid = """
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: edit}
        spec:
          services:
        """ + svc("db", "") + svc("api", "    dependsOn: [db]\n");
    apply(valid);
    awaitPhase("edit", GroupPhase.Ready);
    String dbVersion = deployment("edit-db").getMetadata().getResourceVersion();
    String apiVersion = deployment("edit-api").getMetadata().getResourceVersion();

    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: edit}
        spec:
          services:
        """ + svc("db", "    dependsOn: [api]\n") + svc("api", "    dependsOn: [db]\n"));
    awaitPhase("edit", GroupPhase.Invalid);
    RunnerGroupStatus invalid = status("edit");
    assertThat(invalid.getMessage()).contains("dependency cycle: api -> db -> api");
    assertThat(condition(invalid, "Ready").getReason()).isEqualTo("Invalid");
    assertThat(invalid.getStartOrder()).containsExactly(List.of("db"), List.of("api"));
    // The event is written after the status: on a real server, a moment later.
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(eventReasons("edit")).contains("InvalidSpec"));
    assertThat(deployment("edit-db").getMetadata().getResourceVersion()).isEqualTo(dbVersion);
    assertThat(deployment("edit-api").getMetadata().getResourceVersion()).isEqualTo(apiVersion);

    apply(valid);
    awaitPhase("edit", GroupPhase.Ready);
  }

  @Test
  void aForeignDeploymentWithAManagedNameIsLeftAlone() {
    Deployment foreign = new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
        .withNewMetadata().withName("own-db").withNamespace(NS).addToLabels("team", "someone-else").endMetadata()
        .withNewSpec().withReplicas(3)
          .withNewSelector().addToMatchLabels("app", "theirs").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "theirs").endMetadata()
            .withNewSpec().addNewContainer().withName("x").withImage("theirs:1").endContainer().endSpec()
          .endTemplate()
        .endSpec().build();
    cluster.kubelet().behave(NS, "own-db", Behavior.builder().neverReady().build());
    client.resource(foreign).create();
    String version = deployment("own-db").getMetadata().getResourceVersion();
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: own}
        spec:
          services:
        """ + svc("db", "") + svc("api", "    dependsOn: [db]\n"));

    awaitService("own", "db", ServicePhase.Failed);
    assertThat(service("own", "db").orElseThrow().getError())
        .contains("Deployment own-db already exists and is not owned by this group");
    assertThat(service("own", "api").orElseThrow().getPhase()).isEqualTo(ServicePhase.Waiting);
    Deployment after = deployment("own-db");
    assertThat(after.getMetadata().getLabels()).doesNotContainKey("runner.dev/group");
    assertThat(after.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(after.getSpec().getReplicas()).isEqualTo(3);
    assertThat(after.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(version).isNotNull();
  }

  /**
   * The create goes out without a read of the name first; its 409 is judged then. The service that
   * met someone else's object records the collision, not a start, and while the object stays, a
   * later reconcile reads the name before creating and writes nothing.
   */
  @Test
  void aNameHeldByAForeignObjectIsJudgedOnTheCreatesConflictAndStaysACollisionWithoutWrites() {
    client.resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
        .withNewMetadata().withName("held-db").withNamespace(NS).endMetadata()
        .withNewSpec().withReplicas(0)
          .withNewSelector().addToMatchLabels("app", "theirs").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "theirs").endMetadata()
            .withNewSpec().addNewContainer().withName("x").withImage("theirs:1").endContainer().endSpec()
          .endTemplate()
        .endSpec().build()).create();
    apply(group("held", svc("db", "") + svc("web", "")));
    awaitService("held", "db", ServicePhase.Failed);
    awaitService("held", "web", ServicePhase.Ready);
    assertThat(service("held", "db").orElseThrow().getReason()).isEqualTo(ServiceReason.NameCollision);
    assertThat(events("held")).map(e -> e.getMessage()).noneMatch(m -> m.startsWith("started service db"));
    assertThat(deployment("held-db").getMetadata().getOwnerReferences()).isNullOrEmpty();

    String version = group("held").getMetadata().getResourceVersion();
    int decisions = cluster.decisions();
    int mark = cluster.requests().map(RequestLog::mark).orElse(0);
    // Wake the reconciler with an event that changes nothing it cares about: a label on web's Pod.
    String pod = pods("held-web").get(0).getMetadata().getName();
    client.pods().inNamespace(NS).withName(pod)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");
    await().atMost(PATIENCE).until(() -> cluster.decisions() > decisions);
    assertThat(group("held").getMetadata().getResourceVersion()).as("no status write").isEqualTo(version);
    cluster.requests().ifPresent(log -> {
      assertThat(log.since(mark)).as("writes but the test's own patch of the Pod")
          .noneMatch(e -> e.write() && !e.path().contains("/pods/" + pod));
      assertThat(log.count(mark, e -> e.method().equals("GET") && e.path().contains("/deployments/held-db")))
          .as("the read of the held name").isPositive();
    });
    assertThat(deployment("held-db").getSpec().getReplicas()).isZero();
  }

  private static Condition condition(RunnerGroupStatus status, String type) {
    return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }
}
