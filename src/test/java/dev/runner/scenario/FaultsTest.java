package dev.runner.scenario;

import static dev.runner.scenario.FaultyDispatcher.Fault.CONFLICT;
import static dev.runner.scenario.FaultyDispatcher.Fault.LOST_RESPONSE;
import static dev.runner.scenario.FaultyDispatcher.Fault.SERVER_ERROR;
import static dev.runner.scenario.FaultyDispatcher.Fault.SLOW;
import static dev.runner.scenario.FaultyDispatcher.Fault.TOO_MANY_REQUESTS;
import static dev.runner.scenario.FaultyDispatcher.method;
import static dev.runner.scenario.FaultyDispatcher.notWatch;
import static dev.runner.scenario.FaultyDispatcher.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import dev.runner.sandbox.Behavior;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/guarantees.md, "under faults": the API server fails a share of the operator's requests (500,
 * 409 on updates and status writes, 429 with Retry-After, slow answers, and writes whose answer is
 * lost) during bring-up, a restart cycle and teardown. Each scenario runs once without and once
 * with faults, and must reach the same end state: the same phases, the exact same restart counts,
 * one Deployment per service created once, the status complete, the finalizer gone only at the end.
 *
 * <p>The operator's client makes no request retries of its own here, so every fault reaches the
 * reconciler (in production fabric8 retries 5xx a few times first).
 */
class FaultsTest extends ScenarioTest {
  private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/" + NS + "/deployments";
  /** A fifth of the operator's requests fail, in every way but a wrong answer. */
  private static final double SHARE = 0.2;

  @Override
  protected ClusterFixture newFixture() {
    return new MockClusterFixture(config -> config.withRequestRetryBackoffLimit(0));
  }

  private FaultyDispatcher faults() {
    return ((MockClusterFixture) cluster).faults();
  }

  private void injectFaults() {
    faults()
        .slowness(Duration.ofMillis(250))
        // Status writes first, and more often: the status is where restart counts live.
        .fail(method("PUT").and(path("/status")), 0.35, SERVER_ERROR, CONFLICT, TOO_MANY_REQUESTS, LOST_RESPONSE)
        .fail(method("PUT", "PATCH"), SHARE, SERVER_ERROR, CONFLICT, TOO_MANY_REQUESTS, SLOW, LOST_RESPONSE)
        .fail(method("POST", "DELETE"), SHARE, SERVER_ERROR, TOO_MANY_REQUESTS, SLOW, LOST_RESPONSE)
        .fail(method("GET").and(notWatch()), SHARE, SERVER_ERROR, TOO_MANY_REQUESTS, SLOW);
  }

  @ParameterizedTest(name = "faults: {0}")
  @ValueSource(booleans = {false, true})
  void bringUpConverges(boolean faulty) {
    if (faulty) {
      injectFaults();
    }
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: up}
        spec:
          services:
        """ + svc("db", "") + svc("cache", "") + svc("api", "    dependsOn: [db, cache]\n")
        + svc("web", "    dependsOn: [api]\n    startDelay: 500ms\n"));

    await().atMost(PATIENCE.multipliedBy(2)).until(() -> endState("up").equals(readyState(4)));
    if (faulty) {
      assertThat(faults().injected()).isGreaterThan(5);
    }
    for (String service : List.of("db", "cache", "api", "web")) {
      assertThat(faults().acceptedCreates(DEPLOYMENTS, "up-" + service)).as("creates of up-" + service).isEqualTo(1);
      assertThat(timeline.deleted("up-" + service)).isNull();
    }
    assertThat(timeline.created("up-api")).isAfterOrEqualTo(timeline.available("up-db")).isAfterOrEqualTo(timeline.available("up-cache"));
    assertThat(timeline.created("up-web")).isAfterOrEqualTo(timeline.available("up-api").plusMillis(450));
    RunnerGroupStatus status = status("up");
    assertThat(status.getObservedGeneration()).isEqualTo(1L);
    assertThat(status.getStartOrder()).containsExactly(List.of("cache", "db"), List.of("api"), List.of("web"));
    assertThat(group("up").getMetadata().getFinalizers()).hasSize(1);
  }

  @ParameterizedTest(name = "faults: {0}")
  @ValueSource(booleans = {false, true})
  void restartCycleCountsEveryFailureOnce(boolean faulty) {
    cluster.kubelet().behave(NS, "cycle-worker", Behavior.builder().exit(Duration.ofMillis(400), 3, 2).build());
    if (faulty) {
      injectFaults();
    }
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: cycle}
        spec:
          services:
        """ + svc("db", "") + svc("worker", """
            dependsOn: [db]
            restartConfig: {policy: OnFailure, maxRetries: 5, initialBackoff: 300ms, maxBackoff: 2s, jitter: false}
        """));

    // Two stops, two backoffs and two starts, each write of which may fail: a run of failed
    // reconciles backs off (JOSDK's retry, 200ms doubling to 30s), so one unlucky run alone can wait
    // 25s. The faulty run gets room for that; the end state is what is checked, not the time.
    await().atMost(PATIENCE.multipliedBy(faulty ? 4 : 2)).until(() -> service("cycle", "worker")
        .filter(s -> s.getPhase() == ServicePhase.Ready && s.getRestarts() >= 2).isPresent());
    // Settled: no third restart comes (the worker exits on its first two starts only).
    await().during(Duration.ofSeconds(1)).atMost(PATIENCE)
        .until(() -> service("cycle", "worker").orElseThrow().getRestarts() == 2);
    ServiceStatus worker = service("cycle", "worker").orElseThrow();
    assertThat(worker.getRestarts()).isEqualTo(2);
    assertThat(worker.getLastExit().getCode()).isEqualTo(3);
    assertThat(worker.getPhase()).isEqualTo(ServicePhase.Ready);
    assertThat(status("cycle").getPhase()).isEqualTo(GroupPhase.Ready);
    assertThat(service("cycle", "db").orElseThrow().getRestarts()).isZero();
    assertThat(faults().acceptedCreates(DEPLOYMENTS, "cycle-worker")).isEqualTo(1);
    assertThat(timeline.deleted("cycle-worker")).isNull();
    if (faulty) {
      assertThat(faults().injected()).isGreaterThan(5);
    } else {
      // Without faults, exactly one RestartScheduled event per restart.
      assertThat(eventReasons("cycle")).filteredOn("RestartScheduled"::equals).hasSize(2);
    }
  }

  @ParameterizedTest(name = "faults: {0}")
  @ValueSource(booleans = {false, true})
  void teardownRemovesTheFinalizerLast(boolean faulty) {
    cluster.kubelet().defaults(Behavior.builder().terminationTime(Duration.ofMillis(300)).build());
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: down}
        spec:
          services:
        """ + svc("a", "") + svc("b", "    dependsOn: [a]\n") + svc("c", "    dependsOn: [b]\n"));
    awaitPhase("down", GroupPhase.Ready);
    if (faulty) {
      injectFaults();
    }
    client.resources(RunnerGroup.class).inNamespace(NS).withName("down").delete();

    await().atMost(PATIENCE.multipliedBy(2)).until(() -> group("down") == null);
    // The mock server has no garbage collector: had the finalizer gone early, these would remain.
    assertThat(client.apps().deployments().inNamespace(NS).list().getItems()).isEmpty();
    assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    assertThat(timeline.deleted("down-b")).isAfterOrEqualTo(timeline.lastPodGone("down-c"));
    assertThat(timeline.deleted("down-a")).isAfterOrEqualTo(timeline.lastPodGone("down-b"));
    if (faulty) {
      assertThat(faults().injected()).isPositive();
    }
  }

  /**
   * A create went through but its answer was lost, and no watch has shown the Deployment since (the
   * Deployments' watch is down): no cache holds it. The group is deleted then; the finalizer must
   * not go before the Deployment does (the mock server has no garbage collector to take it after).
   * The watch comes back once the operator has written to the Deployment it listed, so that its
   * delete is seen; without the list the Deployment is never stopped and the group never goes.
   */
  @Test
  void aWorkloadNoCacheShowsIsStoppedBeforeTheFinalizerGoes() {
    // No pods either (the kubelet is stopped): a Deployment its controllers have not acted on yet.
    ((MockClusterFixture) cluster).kubelet().close();
    faults().dropWatches(watch -> watch.contains("/deployments"));
    AtomicBoolean first = new AtomicBoolean(true);
    faults().fail(method("POST").and(path("/deployments")).and(request -> first.getAndSet(false)), 1.0, LOST_RESPONSE);
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: lost}
        spec:
          services:
        """ + svc("a", ""));
    await().atMost(PATIENCE).until(() -> faults().injected(LOST_RESPONSE) == 1
        && client.apps().deployments().inNamespace(NS).withName("lost-a").get() != null);

    client.resources(RunnerGroup.class).inNamespace(NS).withName("lost").delete();

    // The operator stops what it listed; the watch comes back after that, so its delete is seen.
    await().atMost(PATIENCE).until(() -> faults().answers().stream()
        .anyMatch(a -> a.operator() && a.path().startsWith(DEPLOYMENTS + "/lost-a") && !"GET".equals(a.method())));
    faults().resumeWatches();
    await().atMost(PATIENCE).until(() -> group("lost") == null);
    assertThat(client.apps().deployments().inNamespace(NS).withName("lost-a").get()).isNull();
    assertThat(faults().acceptedCreates(DEPLOYMENTS, "lost-a")).isEqualTo(1);
  }

  /**
   * A status write answered 409 although nothing changed the group (as a proxy may answer, or a
   * fault): the operator reads the group again and writes the status onto it in the same
   * reconcile, rather than waiting for its cache to show a newer version that never comes.
   */
  @Test
  void aStatusConflictIsWrittenAgainOnTheGroupReadAfresh() {
    java.util.concurrent.atomic.AtomicInteger conflicts = new java.util.concurrent.atomic.AtomicInteger();
    faults().fail(method("PUT").and(path("/status")).and(request -> conflicts.getAndIncrement() < 3), 1.0, CONFLICT);
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: clash}
        spec:
          services:
        """ + svc("a", "") + svc("b", "    dependsOn: [a]\n"));
    awaitPhase("clash", GroupPhase.Ready);

    assertThat(faults().injected(CONFLICT)).isEqualTo(3);
    String group = "/apis/runner.dev/v1alpha1/namespaces/" + NS + "/runnergroups/clash";
    List<FaultyDispatcher.Answer> writes = faults().answers().stream()
        .filter(a -> a.operator() && a.path().startsWith(group) && !a.path().contains("watch="))
        .toList();
    for (int i = 0; i < writes.size(); i++) {
      if (writes.get(i).fault() == CONFLICT) {
        // Each conflict is followed at once by a read of the group, then the write again.
        assertThat(writes.subList(i + 1, Math.min(i + 3, writes.size())))
            .extracting(FaultyDispatcher.Answer::method, FaultyDispatcher.Answer::path)
            .as("after the conflict at %d of %s", i, writes)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("GET", group), org.assertj.core.groups.Tuple.tuple("PUT", group + "/status"));
      }
    }
    assertThat(eventReasons("clash")).filteredOn("ServiceStarted"::equals).hasSize(2);
  }

  /** What "converged" means for a group: the status of every service as a user reads it. */
  private Map<String, String> endState(String group) {
    RunnerGroupStatus status = status(group);
    Map<String, String> state = new TreeMap<>();
    if (status == null) {
      return state;
    }
    state.put("group", status.getPhase() + " " + status.getReady() + " healthy=" + status.isHealthy()
        + " generation=" + status.getObservedGeneration());
    status.getServices().forEach((name, s) -> state.put(name, s.getPhase() + " healthy=" + s.isHealthy()
        + " running=" + s.isRunning() + " restarts=" + s.getRestarts() + " ready=" + s.getReadyReplicas()
        + " error=" + s.getError()));
    return state;
  }

  private static Map<String, String> readyState(int services) {
    Map<String, String> state = new TreeMap<>();
    state.put("group", "Ready " + services + "/" + services + " healthy=true generation=1");
    for (String name : List.of("db", "cache", "api", "web")) {
      state.put(name, "Ready healthy=true running=true restarts=0 ready=1 error=");
    }
    return state;
  }
}
