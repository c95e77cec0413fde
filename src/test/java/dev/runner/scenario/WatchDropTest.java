package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.ServicePhase;
import dev.runner.sandbox.Behavior;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, "a watch that drops and resumes loses no transition". The server closes the operator's
 * watches and refuses new ones for a while; when they come back it answers 410 Gone to the old
 * resourceVersion (as a real API server does for one it no longer has), so the informers list
 * again. What happened meanwhile is still acted on.
 */
class WatchDropTest extends ScenarioTest {

  @Override
  protected ClusterFixture newFixture() {
    // Reconnect quickly: fabric8's default backoff would only make the test slower.
    return new MockClusterFixture(config -> config.withWatchReconnectInterval(200));
  }

  private FaultyDispatcher server() {
    return ((MockClusterFixture) cluster).faults();
  }

  @Test
  void aDependencyThatBecomesReadyWhileTheWatchIsDownStillStartsItsDependent() {
    cluster.kubelet().behave(NS, "drop-db", Behavior.builder().startupTime(Duration.ofMillis(1500)).build());
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: drop}
        spec:
          services:
        """ + svc("db", "") + svc("api", "    dependsOn: [db]\n"));
    awaitService("drop", "db", ServicePhase.Starting);
    server().dropWatches();
    await().atMost(PATIENCE).until(() -> timeline.available("drop-db") != null);
    // The operator cannot see db ready while the watch is down: api is not created meanwhile.
    await().during(Duration.ofMillis(500)).atMost(PATIENCE).until(() -> timeline.created("drop-api") == null);
    Instant resumed = Instant.now();
    server().resumeWatches();

    awaitPhase("drop", GroupPhase.Ready);
    // The watch really was down: the dependent waited for it to come back.
    assertThat(timeline.created("drop-api")).isAfterOrEqualTo(resumed);
    assertThat(server().answers()).anySatisfy(a -> assertThat(a.code()).isEqualTo(410));
    assertThat(Duration.between(resumed, timeline.created("drop-api"))).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aCrashWhileTheWatchIsDownIsCountedOnceAfterItResumes() {
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: crash}
        spec:
          services:
        """ + svc("worker", "    restartConfig: {initialBackoff: 200ms, jitter: false}\n"));
    awaitPhase("crash", GroupPhase.Ready);
    server().dropWatches();
    cluster.kubelet().exitNow(NS, "crash-worker", 2);
    // Not seen while the watch is down: no restart is counted.
    await().during(Duration.ofMillis(800)).atMost(PATIENCE)
        .until(() -> service("crash", "worker").orElseThrow().getRestarts() == 0);
    server().resumeWatches();

    await().atMost(PATIENCE).until(() -> service("crash", "worker")
        .filter(s -> s.getRestarts() == 1 && s.getPhase() == ServicePhase.Ready).isPresent());
    assertThat(service("crash", "worker").orElseThrow().getLastExit().getCode()).isEqualTo(2);
    // Counted once: the resumed watch's replay does not count it again.
    await().during(Duration.ofMillis(500)).atMost(PATIENCE)
        .until(() -> service("crash", "worker").orElseThrow().getRestarts() == 1);
  }
}
