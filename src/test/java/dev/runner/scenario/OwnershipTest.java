package dev.runner.scenario;

import static dev.runner.scenario.FaultyDispatcher.Fault.FORBIDDEN;
import static dev.runner.scenario.FaultyDispatcher.method;
import static dev.runner.scenario.FaultyDispatcher.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.RunnerGroup;
import dev.runner.api.ServicePhase;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, "Ownership and permissions": names that collide between groups, a look-alike Deployment
 * someone else owns, and an API server that forbids the operator's writes. The operator reports
 * each, and changes nothing that is not its own.
 */
class OwnershipTest extends ScenarioTest {
  private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/" + NS + "/deployments";

  private FaultyDispatcher server() {
    return ((MockClusterFixture) cluster).faults();
  }

  @Test
  void twoGroupsWhoseDeploymentNamesCollide() {
    apply(group("a", svc("b-c", "")));
    awaitPhase("a", GroupPhase.Ready);
    Deployment first = deployment("a-b-c");

    apply(group("a-b", svc("c", "") + svc("d", "    dependsOn: [c]\n")));
    awaitService("a-b", "c", ServicePhase.Failed);
    assertThat(service("a-b", "c").orElseThrow().getError())
        .contains("Deployment a-b-c already exists and is not owned by this group");
    assertThat(service("a-b", "d").orElseThrow().getPhase()).isEqualTo(ServicePhase.Waiting);
    assertThat(status("a-b").getPhase()).isEqualTo(GroupPhase.Failed);

    // Deleting the second group leaves the first one's Deployment alone.
    client.resources(RunnerGroup.class).inNamespace(NS).withName("a-b").delete();
    await().atMost(PATIENCE).until(() -> group("a-b") == null);
    Deployment after = deployment("a-b-c");
    assertThat(after.getMetadata().getGeneration()).isEqualTo(first.getMetadata().getGeneration());
    assertThat(after.getMetadata().getOwnerReferences()).isEqualTo(first.getMetadata().getOwnerReferences());
    assertThat(after.getMetadata().getLabels()).isEqualTo(first.getMetadata().getLabels());
    assertThat(server().answers()).noneSatisfy(a -> {
      assertThat(a.operator()).isTrue();
      assertThat(a.method()).isNotEqualTo("GET");
      assertThat(a.path()).contains("/deployments/a-b-c");
    });
    assertThat(status("a").getPhase()).isEqualTo(GroupPhase.Ready);
    assertThat(pods("a-b-c")).isNotEmpty();
  }

  @Test
  void aLookAlikeWithOurLabelsButAnotherOwnerIsLeftAlone() {
    Deployment lookalike = new DeploymentBuilder()
        .withNewMetadata().withName("look-db").withNamespace(NS)
          .addToLabels("app.kubernetes.io/managed-by", "runner-operator")
          .addToLabels("runner.dev/group", "look").addToLabels("runner.dev/service", "db")
          .addNewOwnerReference().withApiVersion("runner.dev/v1alpha1").withKind("RunnerGroup").withName("look")
            .withUid("00000000-0000-0000-0000-000000000000").withController(true).endOwnerReference()
        .endMetadata()
        .withNewSpec().withReplicas(2)
          .withNewSelector().addToMatchLabels("runner.dev/group", "look").addToMatchLabels("runner.dev/service", "db").endSelector()
          .withNewTemplate().withNewMetadata()
              .addToLabels("app.kubernetes.io/managed-by", "runner-operator")
              .addToLabels("runner.dev/group", "look").addToLabels("runner.dev/service", "db").endMetadata()
            .withNewSpec().addNewContainer().withName("x").withImage("theirs:1").endContainer().endSpec()
          .endTemplate()
        .endSpec().build();
    client.resource(lookalike).create();
    await().atMost(PATIENCE).until(() -> pods("look-db").size() == 2);

    apply(group("look", svc("db", "") + svc("api", "    dependsOn: [db]\n")));
    awaitService("look", "db", ServicePhase.Failed);
    assertThat(service("look", "db").orElseThrow().getError())
        .contains("Deployment look-db already exists and is not owned by this group");
    assertThat(service("look", "api").orElseThrow().getPhase()).isEqualTo(ServicePhase.Waiting);
    assertThat(deployment("look-api")).isNull();

    // Deleting the group neither touches the look-alike nor waits for its Pods.
    client.resources(RunnerGroup.class).inNamespace(NS).withName("look").delete();
    await().atMost(PATIENCE).until(() -> group("look") == null);
    Deployment after = deployment("look-db");
    // (its resourceVersion moves with the kubelet's status writes: the mock has no status subresource)
    assertThat(after.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(after.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(ref -> assertThat(ref.getUid()).isEqualTo("00000000-0000-0000-0000-000000000000"));
    assertThat(after.getSpec().getReplicas()).isEqualTo(2);
    assertThat(pods("look-db")).hasSize(2).allSatisfy(p -> assertThat(p.getMetadata().getDeletionTimestamp()).isNull());
    assertThat(server().answers()).noneSatisfy(a -> {
      assertThat(a.operator()).isTrue();
      assertThat(a.method()).isNotEqualTo("GET");
      assertThat(a.path()).contains("look-db");
    });
  }

  @Test
  void aForbiddenCreateIsReportedInTheStatusAndLogWithoutAHotLoop() {
    server().fail(method("POST").and(path(DEPLOYMENTS)), 1.0, FORBIDDEN);
    apply(group("deny", svc("web", "")));

    // The service's error is the API server's own message, and its reason is typed.
    await().atMost(PATIENCE).until(() -> status("deny") != null && status("deny").getServices().containsKey("web")
        && status("deny").getServices().get("web").getReason() == ServiceReason.WriteRefused);
    assertThat(status("deny").getServices().get("web").getError())
        .isEqualTo("deployments.apps is forbidden: User \"system:serviceaccount:runner:runner-operator\" cannot "
            + "create resource \"deployments\" in API group \"apps\"");
    assertThat(status("deny").getMessage()).startsWith("unhealthy services: web: deployments.apps is forbidden");
    assertThat(status("deny").getPhase()).isEqualTo(GroupPhase.Progressing);
    int mark = server().answers().size();
    // For 5s: JOSDK's retry backs off (a handful of attempts, not a hot loop), and nothing else is written.
    await().during(Duration.ofSeconds(5)).atMost(PATIENCE).until(() -> {
      List<FaultyDispatcher.Answer> answers = server().answers();
      List<FaultyDispatcher.Answer> meanwhile = answers.subList(mark, answers.size());
      return meanwhile.stream().filter(a -> a.operator() && "POST".equals(a.method()) && a.path().startsWith(DEPLOYMENTS))
          .count() < 8
          && meanwhile.stream().noneMatch(a -> a.operator() && !"GET".equals(a.method()) && !a.path().startsWith(DEPLOYMENTS)
              && !a.path().contains("/events"));
    });
    List<FaultyDispatcher.Answer> since = server().answers().subList(mark, server().answers().size());
    // JOSDK's retry backs off (200ms doubling): a handful of attempts, not a hot loop.
    assertThat(since.stream().filter(a -> a.operator() && "POST".equals(a.method()) && a.path().startsWith(DEPLOYMENTS)))
        .hasSizeLessThan(8);
    // The status says it once; nothing else is written.
    assertThat(since).filteredOn(a -> a.operator() && !"GET".equals(a.method()) && !a.path().startsWith(DEPLOYMENTS)
        && !a.path().contains("/events")).isEmpty();
    assertThat(client.apps().deployments().inNamespace(NS).list().getItems()).isEmpty();

    // Once allowed, the group comes up and the error goes.
    server().heal();
    apply(group("deny", svc("web", "    replicas: 2\n")));
    awaitPhase("deny", GroupPhase.Ready);
    assertThat(status("deny").getMessage()).isEmpty();
  }

  @Test
  void aCreateRefusedAsInvalidIsThatServicesErrorAndOneWarningUntilAWriteSucceeds() {
    server().fail(method("POST").and(path(DEPLOYMENTS)), 1.0, FaultyDispatcher.Fault.INVALID);
    apply(group("bad", svc("web", "")));
    await().atMost(PATIENCE).until(() -> status("bad") != null && status("bad").getServices().containsKey("web")
        && status("bad").getServices().get("web").getReason() == ServiceReason.WriteRefused);
    assertThat(status("bad").getServices().get("web").getError())
        .isEqualTo("Deployment.apps \"bad-web\" is invalid: spec.template.spec.containers[0].image: Required value");
    // Retried with JOSDK's backoff, refused each time: one Warning, no status written again.
    int mark = server().answers().size();
    await().during(Duration.ofSeconds(3)).atMost(PATIENCE).until(() -> eventReasons("bad").stream()
        .filter("WriteRefused"::equals).count() == 1);
    List<FaultyDispatcher.Answer> since = server().answers().subList(mark, server().answers().size());
    assertThat(since).filteredOn(a -> a.operator() && !"GET".equals(a.method()) && !a.path().startsWith(DEPLOYMENTS)
        && !a.path().contains("/events")).isEmpty();

    server().heal();
    apply(group("bad", svc("web", "    replicas: 2\n")));
    awaitPhase("bad", GroupPhase.Ready);
    assertThat(status("bad").getServices().get("web").getReason()).isEqualTo(ServiceReason.Healthy);
  }
}
