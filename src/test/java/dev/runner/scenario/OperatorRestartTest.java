package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import dev.runner.core.Times;
import dev.runner.sandbox.Behavior;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, "operator restarts at every phase": the operator is stopped and started again while a
 * service waits, delays, backs off, and while the group stops and suspends. It converges to the same
 * end state; no delay or backoff starts over, and no failure is counted twice.
 */
class OperatorRestartTest extends ScenarioTest {
  private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/" + NS + "/deployments";

  private FaultyDispatcher server() {
    return ((MockClusterFixture) cluster).faults();
  }

  /**
   * Stops the operator for {@code down}, then starts a new one. Meanwhile no RunnerGroup changes:
   * only the operator writes them, and it is down (a stopped operator has finished its writes).
   */
  private void restartOperator(Duration down) {
    cluster.stopOperator();
    Map<String, String> versions = groupVersions();
    await().during(down).atMost(down.plus(PATIENCE)).until(() -> groupVersions().equals(versions));
    cluster.startOperator();
  }

  /** Each RunnerGroup of the namespace and its resourceVersion. */
  private Map<String, String> groupVersions() {
    return client.resources(RunnerGroup.class).inNamespace(NS).list().getItems().stream()
        .collect(Collectors.toMap(g -> g.getMetadata().getName(), g -> g.getMetadata().getResourceVersion()));
  }

  @Test
  void waiting_aDependencyThatBecameReadyWhileTheOperatorWasDownIsSeen() {
    cluster.kubelet().behave(NS, "wait-db", Behavior.builder().startupTime(Duration.ofSeconds(1)).build());
    apply(group("wait", svc("db", "") + svc("api", "    dependsOn: [db]\n")));
    awaitService("wait", "api", ServicePhase.Waiting);
    cluster.stopOperator();
    await().atMost(PATIENCE).until(() -> timeline.available("wait-db") != null);
    Instant back = Instant.now();
    cluster.startOperator();

    awaitPhase("wait", GroupPhase.Ready);
    assertThat(timeline.created("wait-api")).isAfterOrEqualTo(back);
    assertThat(server().acceptedCreates(DEPLOYMENTS, "wait-db")).isEqualTo(1);
    assertThat(server().acceptedCreates(DEPLOYMENTS, "wait-api")).isEqualTo(1);
    assertThat(status("wait").getServices().values()).allSatisfy(s -> assertThat(s.getRestarts()).isZero());
  }

  @Test
  void delaying_theDelayGoesOnFromWhenItBegan() {
    apply(group("later", svc("db", "") + svc("api", "    dependsOn: [db]\n    startDelay: 3s\n")));
    awaitService("later", "api", ServicePhase.Delaying);
    restartOperator(Duration.ofMillis(1500));

    awaitPhase("later", GroupPhase.Ready);
    Duration waited = Duration.between(timeline.available("later-db"), timeline.created("later-api"));
    // Never shortened; started over it would be >= 1.5s down + 3s.
    assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(2900)).isLessThan(Duration.ofMillis(4400));
  }

  @Test
  void backingOff_theRestartComesAtTheRecordedTimeAndCountsOnce() {
    cluster.kubelet().behave(NS, "back-worker", Behavior.builder().exit(Duration.ofMillis(300), 1, 1).build());
    apply(group("back", svc("worker", "    restartConfig: {initialBackoff: 4s, maxBackoff: 10s, jitter: false}\n")));
    awaitService("back", "worker", ServicePhase.BackingOff);
    Instant due = Times.parse(service("back", "worker").orElseThrow().getNextRestartAt());
    assertThat(service("back", "worker").orElseThrow().getRestarts()).isEqualTo(1);
    restartOperator(Duration.ofSeconds(2));

    awaitService("back", "worker", ServicePhase.Ready);
    ServiceStatus worker = service("back", "worker").orElseThrow();
    assertThat(worker.getRestarts()).isEqualTo(1);
    assertThat(worker.getLastExit().getCode()).isEqualTo(1);
    // Restarted when it was due, not a fresh 4s after the operator came back (that is >= due + 2s).
    Instant restarted = Times.parse(worker.getStartedAt());
    assertThat(restarted).isAfterOrEqualTo(due).isBefore(due.plusMillis(1500));
    assertThat(eventReasons("back")).filteredOn("ServiceFailed"::equals).hasSize(1);
    assertThat(server().acceptedCreates(DEPLOYMENTS, "back-worker")).isEqualTo(1);
  }

  @Test
  void stopping_aDeletionGoesOnInOrderAndTheFinalizerGoesLast() {
    cluster.kubelet().defaults(Behavior.builder().terminationTime(Duration.ofMillis(1200)).build());
    apply(group("gone", svc("a", "") + svc("b", "    dependsOn: [a]\n") + svc("c", "    dependsOn: [b]\n")));
    awaitPhase("gone", GroupPhase.Ready);
    client.resources(RunnerGroup.class).inNamespace(NS).withName("gone").delete();
    await().atMost(PATIENCE).until(() -> deployment("gone-c") == null);
    restartOperator(Duration.ofSeconds(1));

    await().atMost(PATIENCE).until(() -> group("gone") == null);
    assertThat(client.apps().deployments().inNamespace(NS).list().getItems()).isEmpty();
    assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    assertThat(timeline.deleted("gone-b")).isAfterOrEqualTo(timeline.lastPodGone("gone-c"));
    assertThat(timeline.deleted("gone-a")).isAfterOrEqualTo(timeline.lastPodGone("gone-b"));
  }

  @Test
  void suspending_goesOnInOrderAndResumes() {
    cluster.kubelet().defaults(Behavior.builder().terminationTime(Duration.ofMillis(1200)).build());
    String spec = svc("a", "") + svc("b", "    dependsOn: [a]\n") + svc("c", "    dependsOn: [b]\n");
    apply(group("nap", spec));
    awaitPhase("nap", GroupPhase.Ready);
    apply(group("nap", "  suspend: true\n", spec));
    await().atMost(PATIENCE).until(() -> deployment("nap-c").getSpec().getReplicas() == 0);
    assertThat(status("nap").getPhase()).isEqualTo(GroupPhase.Stopping);
    restartOperator(Duration.ofSeconds(1));

    awaitPhase("nap", GroupPhase.Suspended);
    assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    assertThat(timeline.scaledToZero("nap-b")).isAfterOrEqualTo(timeline.lastPodGone("nap-c"));
    assertThat(timeline.scaledToZero("nap-a")).isAfterOrEqualTo(timeline.lastPodGone("nap-b"));

    apply(group("nap", spec));
    awaitPhase("nap", GroupPhase.Ready);
    assertThat(status("nap").getServices().values()).allSatisfy(s -> assertThat(s.getRestarts()).isZero());
    for (String d : new String[] {"nap-a", "nap-b", "nap-c"}) {
      assertThat(server().acceptedCreates(DEPLOYMENTS, d)).isEqualTo(1);
    }
  }
}
