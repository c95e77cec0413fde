package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.core.GroupDependencies;
import dev.runner.reconcile.RunnerOperator;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, "a group that depends on other groups": {@code spec.dependsOn} names other
 * RunnerGroups; none of the group's services starts until each of them is Ready. Two and three
 * groups, across namespaces, a cycle, a dependency deleted, an operator restart while waiting.
 */
class GroupDependsOnTest extends ScenarioTest {
  /** Another namespace, for the groups across namespaces. */
  protected static final String OTHER = "infra";

  /** How long a dependency's readiness may take to start its dependent (a poll would be seconds). */
  protected static final Duration WAKE_UP = Duration.ofMillis(1000);

  @Test
  void twoGroups_theDependentWaitsThenStartsAsSoonAsTheDependencyIsReady() {
    cluster.kubelet().behave(NS, "infra-db", Behavior.builder().startupTime(Duration.ofMillis(2000)).build());
    try (GroupWatch infra = new GroupWatch(client, NS, "infra")) {
      apply(group("app", "  dependsOn: [{name: infra}]\n", svc("api", "") + svc("web", "    dependsOn: [api]\n")));
      apply(group("infra", "", svc("db", "")));

      await().atMost(PATIENCE).until(() -> service("app", "api").map(s -> s.getWaitingFor().contains("group " + NS + "/infra"))
          .orElse(false) && Optional.ofNullable(status("infra")).map(RunnerGroupStatus::getPhase).orElse(null) == GroupPhase.Progressing);
      RunnerGroupStatus waiting = status("app");
      assertThat(waiting.getPhase()).isEqualTo(GroupPhase.Pending);
      assertThat(waiting.getServices().get("api").getPhase()).isEqualTo(ServicePhase.Waiting);
      assertThat(waiting.getServices().get("api").getError()).isEqualTo("waiting for dependencies: group " + NS + "/infra");
      assertThat(waiting.getServices().get("web").getWaitingFor()).containsExactly("api", "group " + NS + "/infra");
      assertThat(condition(waiting, GroupDependencies.CONDITION)).satisfies(c -> {
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("NotReady");
      });
      assertThat(deployment("app-api")).as("nothing of app starts before infra is Ready").isNull();

      awaitPhase("app", GroupPhase.Ready);
      Instant infraReady = infra.snapshots().stream()
          .filter(s -> s.status().getPhase() == GroupPhase.Ready).map(GroupWatch.Snapshot::at).findFirst().orElseThrow();
      Instant apiCreated = timeline.created("app-api");
      assertThat(apiCreated).isAfterOrEqualTo(timeline.available("infra-db"));
      // Event driven: the status write that makes infra Ready wakes app; no poll in between.
      assertThat(Duration.between(infraReady, apiCreated)).isLessThan(WAKE_UP);
      assertThat(condition(status("app"), GroupDependencies.CONDITION).getStatus()).isEqualTo("True");
      assertThat(status("app").getMessage()).isEmpty();
    }
  }

  @Test
  void threeGroups_comeUpInOrder() {
    cluster.kubelet().defaults(Behavior.builder().startupTime(Duration.ofMillis(500)).build());
    apply(group("front", "  dependsOn: [{name: middle}]\n", svc("web", "")));
    apply(group("middle", "  dependsOn: [{name: base}]\n", svc("api", "")));
    apply(group("base", "", svc("db", "")));

    awaitPhase("front", GroupPhase.Ready);
    assertThat(timeline.created("middle-api")).isAfterOrEqualTo(timeline.available("base-db"));
    assertThat(timeline.created("front-web")).isAfterOrEqualTo(timeline.available("middle-api"));
    assertThat(status("base").getPhase()).isEqualTo(GroupPhase.Ready);
    assertThat(status("middle").getPhase()).isEqualTo(GroupPhase.Ready);
  }

  @Test
  void acrossNamespaces_anOperatorWatchingBothWakesTheDependent() {
    try (RunnerOperator operator = namespacedOperator(Set.of(NS, OTHER))) {
      cluster.kubelet().behave(OTHER, "platform-db", Behavior.builder().startupTime(Duration.ofMillis(1000)).build());
      try (GroupWatch platform = new GroupWatch(client, OTHER, "platform")) {
        apply(group("app", "  dependsOn: [{name: platform, namespace: " + OTHER + "}]\n", svc("api", "")));
        applyIn(OTHER, group("platform", "", svc("db", "")));

        await().atMost(PATIENCE).until(() -> service("app", "api")
            .map(s -> s.getWaitingFor().equals(List.of("group " + OTHER + "/platform"))).orElse(false));
        awaitPhase("app", GroupPhase.Ready);
        Instant platformReady = platform.snapshots().stream()
            .filter(s -> s.status().getPhase() == GroupPhase.Ready).map(GroupWatch.Snapshot::at).findFirst().orElseThrow();
        assertThat(Duration.between(platformReady, timeline.created("app-api"))).isBetween(Duration.ZERO, WAKE_UP);
      }
    }
  }

  @Test
  void aDependencyInANamespaceTheOperatorDoesNotWatchIsAnError() {
    try (RunnerOperator operator = namespacedOperator(Set.of(NS))) {
      apply(group("app", "  dependsOn: [{name: platform, namespace: elsewhere}]\n", svc("api", "")));
      awaitPhase("app", GroupPhase.Invalid);
      assertThat(status("app").getMessage()).isEqualTo("invalid spec, nothing running was changed: spec.dependsOn: "
          + "group elsewhere/platform is in a namespace this operator does not watch (it watches " + NS + ")");
      assertThat(deployment("app-api")).isNull();
      await().atMost(PATIENCE).until(() -> eventReasons("app").contains("InvalidSpec"));
    }
  }

  @Test
  void aCycleBetweenGroupsMakesBothInvalidAndStartsNothing() {
    apply(group("app", "  dependsOn: [{name: infra}]\n", svc("api", "")));
    apply(group("infra", "  dependsOn: [{name: app}]\n", svc("db", "")));

    awaitPhase("app", GroupPhase.Invalid);
    awaitPhase("infra", GroupPhase.Invalid);
    assertThat(status("app").getMessage())
        .isEqualTo("invalid spec, nothing running was changed: group dependency cycle: " + NS + "/app -> " + NS + "/infra -> " + NS + "/app");
    assertThat(status("infra").getMessage())
        .isEqualTo("invalid spec, nothing running was changed: group dependency cycle: " + NS + "/infra -> " + NS + "/app -> " + NS + "/infra");
    assertThat(condition(status("app"), GroupDependencies.CONDITION).getReason()).isEqualTo("Cycle");
    // Quiet: each group's Invalid status wakes the other once, then nothing changes; nothing is created.
    int decisions = cluster.decisions();
    await().during(Duration.ofSeconds(2)).atMost(PATIENCE).until(() ->
        deployment("app-api") == null && deployment("infra-db") == null && cluster.decisions() - decisions <= 2);

    // Broken: infra no longer depends on app; both come up, infra first.
    apply(group("infra", "", svc("db", "")));
    awaitPhase("app", GroupPhase.Ready);
    assertThat(timeline.created("app-api")).isAfterOrEqualTo(timeline.available("infra-db"));
  }

  @Test
  void aDependencyDeletedIsNotBlockedAndTheDependentSaysItIsGone() {
    apply(group("infra", "", svc("db", "")));
    apply(group("app", "  dependsOn: [{name: infra}]\n", svc("api", "")));
    awaitPhase("app", GroupPhase.Ready);
    String api = deployment("app-api").getMetadata().getResourceVersion();

    client.resources(RunnerGroup.class).inNamespace(NS).withName("infra").delete();
    await().atMost(PATIENCE).until(() -> group("infra") == null);
    await().atMost(PATIENCE).until(() -> status("app").getMessage()
        .equals("group " + NS + "/infra is not found (not created yet, or deleted)"));
    RunnerGroupStatus app = status("app");
    assertThat(app.getPhase()).as("its own services still run").isEqualTo(GroupPhase.Ready);
    assertThat(condition(app, GroupDependencies.CONDITION)).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("NotFound");
    });
    Deployment still = deployment("app-api");
    assertThat(still.getMetadata().getResourceVersion()).as("nothing of app is stopped").isEqualTo(api);
    assertThat(still.getSpec().getReplicas()).isEqualTo(1);
  }

  @Test
  void anOperatorRestartWhileWaitingStartsTheDependentOnceTheDependencyIsReady() {
    apply(group("app", "  dependsOn: [{name: infra}]\n", svc("api", "")));
    awaitService("app", "api", ServicePhase.Waiting);
    assertThat(status("app").getMessage()).endsWith("group " + NS + "/infra is not found (not created yet, or deleted)");
    cluster.stopOperator();
    apply(group("infra", "", svc("db", "")));
    cluster.startOperator();

    awaitPhase("app", GroupPhase.Ready);
    assertThat(timeline.created("app-api")).isAfterOrEqualTo(timeline.available("infra-db"));
    assertThat(status("app").getServices().get("api").getRestarts()).isZero();
  }

  // ---- helpers ----

  /** The fixture's operator replaced by one that watches only {@code namespaces}; closed by the caller. */
  private RunnerOperator namespacedOperator(Set<String> namespaces) {
    cluster.stopOperator();
    return RunnerOperator.builder(cluster.operatorClient()).namespaces(namespaces).build().start();
  }

  protected RunnerGroup applyIn(String namespace, String yaml) {
    RunnerGroup group = Serialization.unmarshal(yaml, RunnerGroup.class);
    group.getMetadata().setNamespace(namespace);
    return client.resource(group).create();
  }

  protected static Condition condition(RunnerGroupStatus status, String type) {
    return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }
}
