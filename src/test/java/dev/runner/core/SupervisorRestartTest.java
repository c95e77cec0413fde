package dev.runner.core;

import static dev.runner.core.TestData.spec;
import static dev.runner.core.TestData.svc;
import static dev.runner.core.World.t;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.ExitRecord;
import dev.runner.api.GroupPhase;
import dev.runner.api.RestartPolicy;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Failure detection, restart policies, backoff and resets in {@link Supervisor#decide}. */
class SupervisorRestartTest {

  /** db (the service under test) and api, which depends on it; both running and Ready at t=2. */
  static World running(TestData.Svc db) {
    return World.of(spec(db, svc("api").dependsOn("db"))).dbThenApiReady();
  }

  static List<String> reasons(Decision d) {
    return d.events().stream().map(EventNote::reason).toList();
  }

  enum Failure {
    EXIT_0(w -> w.unavailable("db").exits("db", 0, "Completed", t(10))),
    EXIT_1(w -> w.unavailable("db").exits("db", 1, "Error", t(10))),
    EXIT_1_RESTARTED_BY_KUBELET(w -> w.unavailable("db").exitedAndRestarted("db", 1, "Error", 1, t(10))),
    PROGRESS_DEADLINE(w -> w.progressDeadlineExceeded("db", t(10)));

    final Consumer<World> happen;

    Failure(Consumer<World> happen) {
      this.happen = happen;
    }
  }

  @ParameterizedTest(name = "{0} x {1} -> {2}")
  @CsvSource({
      "Always,    EXIT_0,                      BackingOff",
      "Always,    EXIT_1,                      BackingOff",
      "Always,    EXIT_1_RESTARTED_BY_KUBELET, BackingOff",
      "Always,    PROGRESS_DEADLINE,           BackingOff",
      "OnFailure, EXIT_0,                      Completed",
      "OnFailure, EXIT_1,                      BackingOff",
      "OnFailure, EXIT_1_RESTARTED_BY_KUBELET, BackingOff",
      "OnFailure, PROGRESS_DEADLINE,           BackingOff",
      // A pod with restartPolicy Never that exits 0 has Succeeded: Completed, as under OnFailure.
      "Never,     EXIT_0,                      Completed",
      "Never,     EXIT_1,                      Failed",
      "Never,     EXIT_1_RESTARTED_BY_KUBELET, Failed",
      "Never,     PROGRESS_DEADLINE,           Failed",
  })
  void policyByOutcome(RestartPolicy policy, Failure failure, ServicePhase expected) {
    World world = running(svc("db").policy(policy).jitter(false));
    failure.happen.accept(world);

    Decision d = world.step(t(10.5));
    ServiceStatus db = world.service("db");
    assertThat(db.getPhase()).isEqualTo(expected);
    // Every outcome stops the service: kubelet must not restart it behind the policy's back.
    assertThat(d.actions()).containsExactly(new Action.Scale("db", 0));
    // Dependents keep running.
    assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Ready);

    ExitRecord exit = db.getLastExit();
    assertThat(exit.getAt()).isEqualTo("2025-03-01T10:00:10Z");
    switch (failure) {
      case EXIT_0 -> assertThat(exit.getCode()).isEqualTo(0);
      case EXIT_1, EXIT_1_RESTARTED_BY_KUBELET -> {
        assertThat(exit.getCode()).isEqualTo(1);
        assertThat(exit.getReason()).isEqualTo("Error");
        assertThat(exit.getContainer()).isEqualTo("db");
        assertThat(exit.getPod()).isEqualTo("app-db-1");
      }
      case PROGRESS_DEADLINE -> {
        assertThat(exit.getCode()).isNull();
        assertThat(exit.getReason()).isEqualTo("ProgressDeadlineExceeded");
      }
    }

    switch (expected) {
      case BackingOff -> {
        assertThat(db.getRestarts()).isEqualTo(1);
        assertThat(db.getNextRestartAt()).isEqualTo("2025-03-01T10:00:11.500Z");
        assertThat(d.requeueAfter()).contains(Duration.ofSeconds(1));
        assertThat(db.isHealthy()).isFalse();
        assertThat(db.getError()).endsWith("; restarting in 1s (restart 1 of 5)");
        assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Degraded);
        assertThat(reasons(d)).containsExactly("ServiceFailed", "RestartScheduled", "GroupDegraded");
      }
      case Completed -> {
        assertThat(db.getRestarts()).isZero();
        assertThat(db.getNextRestartAt()).isNull();
        assertThat(db.isHealthy()).isTrue();
        assertThat(db.getError()).isEmpty();
        assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
        assertThat(reasons(d)).containsExactly("ServiceCompleted");
      }
      case Failed -> {
        assertThat(db.getRestarts()).isZero();
        assertThat(db.getNextRestartAt()).isNull();
        assertThat(db.isHealthy()).isFalse();
        assertThat(db.getError()).endsWith("not restarted (restart policy Never)");
        assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Failed);
        assertThat(d.events()).anySatisfy(e -> {
          assertThat(e.type()).isEqualTo(EventNote.Type.Warning);
          assertThat(e.reason()).isEqualTo("ServiceFailed");
        });
      }
      default -> throw new AssertionError(expected);
    }

    // The Deployment scaled to zero, the Pods terminating: nothing more, nothing new, no double count.
    Decision again = world.step(t(10.7));
    assertThat(again.actions()).isEmpty();
    assertThat(again.events()).isEmpty();
    assertThat(world.service("db").getRestarts()).isEqualTo(db.getRestarts());
    world.assertNoOpAgain();
  }

  @Test
  void errorMessagesSayWhatHappened() {
    World world = running(svc("db").jitter(false));
    world.unavailable("db").exits("db", 137, "OOMKilled", t(10));
    world.step(t(10));
    assertThat(world.service("db").getError())
        .isEqualTo("container db exited with code 137 (OOMKilled); restarting in 1s (restart 1 of 5)");
    assertThat(world.status.getMessage())
        .isEqualTo("unhealthy services: db: container db exited with code 137 (OOMKilled); restarting in 1s (restart 1 of 5)");

    World rollout = running(svc("db").jitter(false).maxRetries(0));
    rollout.progressDeadlineExceeded("db", t(10));
    rollout.step(t(10));
    assertThat(rollout.service("db").getError()).isEqualTo("progress deadline exceeded; restarting in 1s (restart 1)");
  }

  @Nested
  class BackingOff {
    World world = running(svc("db").jitter(false).backoff("2s", "60s", 2.0));

    @Test
    void restartsWhenTheBackoffHasPassedAndNoPodsRemain() {
      world.unavailable("db").exits("db", 1, "Error", t(10));
      world.step(t(10)); // BackingOff, Scale 0, next restart at t=12
      assertThat(world.livePods("db")).isEmpty();

      // Before the time: waits, requeue at the restart time.
      Decision d = world.step(t(11));
      assertThat(d.actions()).isEmpty();
      assertThat(d.requeueAfter()).contains(Duration.ofSeconds(1));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.BackingOff);
      world.assertNoOpAgain();

      // Due, but the old Pod is still terminating: waits (its deletion wakes the operator).
      d = world.step(t(12));
      assertThat(d.actions()).isEmpty();
      assertThat(d.requeueAfter()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.BackingOff);
      assertThat(world.service("db").getError()).isEqualTo("restarting: waiting for 1 pod(s) to terminate");
      world.assertNoOpAgain();

      world.podsGone("db");
      d = world.step(t(13));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 1));
      ServiceStatus db = world.service("db");
      assertThat(db.getPhase()).isEqualTo(ServicePhase.Starting);
      assertThat(db.getRestarts()).isEqualTo(1);
      assertThat(db.getNextRestartAt()).isNull();
      assertThat(db.getStartedAt()).isEqualTo("2025-03-01T10:00:13Z");
      assertThat(d.events()).containsExactly(EventNote.normal("ServiceRestarted", "restarted service db (restart 1)"));

      // Ready again; api was never touched.
      world.healthy("db");
      d = world.step(t(14));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
      assertThat(reasons(d)).containsExactly("ServiceReady", "GroupReady");
    }

    @Test
    void anOperatorRestartMidBackoffWaitsOnlyWhatRemains() {
      world.unavailable("db").exits("db", 1, "Error", t(10));
      world.step(t(10)); // next restart at t=12
      world.podsGone("db");
      Decision d = world.restartOperatorAndDecideAt(t(11.25));
      assertThat(d.actions()).isEmpty();
      assertThat(d.requeueAfter()).contains(Duration.ofMillis(750));
      assertThat(world.service("db").getRestarts()).isEqualTo(1);
      d = world.restartOperatorAndDecideAt(t(12));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 1));
    }

    @Test
    void dependentsOfABackingOffServiceKeepRunning() {
      world.unavailable("db").exits("db", 1, "Error", t(10));
      Decision d = world.step(t(10));
      assertThat(d.actions()).extracting(Action::service).containsOnly("db");
      assertThat(world.service("api").isHealthy()).isTrue();
      assertThat(world.status.isHealthy()).isFalse();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Degraded);
      assertThat(world.status.getReady()).isEqualTo("1/2");
      assertThat(SupervisorBringUpTest.conditions(world).get("Degraded").getStatus()).isEqualTo("True");
    }
  }

  @Nested
  class BackoffSequence {
    /** Fails db right after every (re)start and returns the delay chosen each time. */
    List<Duration> delays(World world, int failures) {
      List<Duration> delays = new ArrayList<>();
      Instant now = t(10);
      for (int i = 0; i < failures; i++) {
        if (world.livePods("db").isEmpty()) {
          world.healthy("db");
        }
        world.unavailable("db").exits("db", 1, "Error", now);
        Decision d = world.step(now);
        ServiceStatus db = world.service("db");
        if (db.getPhase() != ServicePhase.BackingOff) {
          break;
        }
        Instant due = Times.parse(db.getNextRestartAt());
        // The status keeps milliseconds; the timer may be up to 1ms later, never earlier.
        Duration delay = Duration.between(now, due);
        delays.add(delay);
        assertThat(d.requeueAfter()).hasValueSatisfying(r -> assertThat(r).isBetween(delay, delay.plusMillis(1)));
        world.podsGone("db");
        assertThat(world.step(due).actions()).containsExactly(new Action.Scale("db", 1));
        now = due.plusSeconds(1);
      }
      return delays;
    }

    @Test
    void withoutJitterDoublesUpToTheCap() {
      World world = running(svc("db").jitter(false).maxRetries(0).backoff("1s", "20s", 2.0));
      assertThat(delays(world, 8)).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
          Duration.ofSeconds(8), Duration.ofSeconds(16), Duration.ofSeconds(20), Duration.ofSeconds(20), Duration.ofSeconds(20));
      assertThat(world.service("db").getRestarts()).isEqualTo(8);
    }

    @Test
    void maxRetriesZeroIsUnlimited() {
      World world = running(svc("db").jitter(false).maxRetries(0).backoff("1s", "1s", 2.0));
      assertThat(delays(world, 12)).hasSize(12).allMatch(Duration.ofSeconds(1)::equals);
      assertThat(world.service("db").getRestarts()).isEqualTo(12);
    }

    @Test
    void theLimitReachedLeavesTheServiceFailedAndSaysSo() {
      World world = running(svc("db").jitter(false).maxRetries(3).backoff("1s", "60s", 3.0));
      assertThat(delays(world, 3)).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(9));

      world.healthy("db");
      world.unavailable("db").exits("db", 2, "Error", t(100));
      Decision d = world.step(t(100));
      ServiceStatus db = world.service("db");
      assertThat(db.getPhase()).isEqualTo(ServicePhase.Failed);
      assertThat(db.getError()).isEqualTo("restart limit 3 reached (last exit: code 2)");
      assertThat(db.getRestarts()).isEqualTo(3);
      assertThat(db.getNextRestartAt()).isNull();
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 0));
      assertThat(d.requeueAfter()).isEmpty();
      assertThat(d.events()).contains(EventNote.warning("RestartLimitReached", "service db: restart limit 3 reached (last exit: code 2)"));
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Failed);
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Ready);

      // It stays Failed, once its Pods are gone too, and says nothing more.
      world.podsGone("db");
      d = world.step(t(1000));
      assertThat(d.actions()).isEmpty();
      assertThat(d.events()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Failed);
      world.assertNoOpAgain();
    }

    @Test
    void jitterStaysWithinAQuarterAndNeverAboveTheMaximum() {
      for (double random : new double[] {0.0, 0.1, 0.5, 0.9, 0.999999}) {
        World world = running(svc("db").jitter(true).maxRetries(0).backoff("1s", "6s", 2.0))
            .withBackoff(new Backoff(() -> random));
        List<Duration> delays = delays(world, 5);
        long[] base = {1000, 2000, 4000, 6000, 6000};
        for (int i = 0; i < base.length; i++) {
          long ms = delays.get(i).toMillis();
          assertThat(ms).as("attempt %d with random %s", i, random)
              .isBetween(Math.round(base[i] * 0.75), Math.round(base[i] * 1.25))
              .isLessThanOrEqualTo(6000);
        }
      }
      // The extremes exactly.
      World low = running(svc("db").jitter(true).backoff("4s", "60s", 2.0)).withBackoff(new Backoff(() -> 0.0));
      assertThat(delays(low, 1)).containsExactly(Duration.ofSeconds(3));
      World high = running(svc("db").jitter(true).backoff("4s", "4s", 2.0)).withBackoff(new Backoff(() -> 0.999999));
      assertThat(delays(high, 1)).containsExactly(Duration.ofSeconds(4));
    }
  }

  @Nested
  class CountingOnce {
    World world = running(svc("db").jitter(false).maxRetries(0).backoff("500ms", "10s", 2.0));

    @Test
    void aRedeliveredTerminationIsNotCountedTwice() {
      // db exits at t=10 (Kubernetes says 10:00:10) and kubelet restarted the container (restartCount 1).
      world.exitedAndRestarted("db", 1, "Error", 1, t(10));
      Pod stale = World.JSON.clone(world.pods.get("db").get(0));
      world.step(t(10.1)); // restart 1, due at t=10.6
      world.podsGone("db");
      assertThat(world.step(t(10.6)).actions()).containsExactly(new Action.Scale("db", 1));
      assertThat(world.service("db").getStartedAt()).isEqualTo("2025-03-01T10:00:10.600Z");

      // A stale cache re-delivers the very same termination (same pod, container, restartCount, finish).
      world.pod("db", stale);
      Decision d = world.step(t(10.8));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getRestarts()).isEqualTo(1);
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Starting);

      // A new termination of that container (restartCount 2) does count.
      world.podsGone("db");
      world.pod("db", TestData.pod(World.GROUP, "db", "app-db-1", "Running",
          TestData.restartedAfter("db", 1, "Error", 2, t(10.9))));
      d = world.step(t(10.9));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 0));
      assertThat(world.service("db").getRestarts()).isEqualTo(2);
    }

    @Test
    void aTerminationFromBeforeTheStartIsIgnored() {
      // A Pod of the service's earlier life (phase Failed, left by its ReplicaSet) is there when the
      // service starts: it is history, whatever its times say.
      World world = World.of(spec(svc("db")));
      world.pod("db", TestData.pod(World.GROUP, "db", "app-db-old", "Failed", TestData.terminated("db", 1, "Error", 0, t(+30))));
      world.step(t(0));
      world.healthy("db");
      Decision d = world.step(t(3));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.service("db").getLastExit()).isNull();
    }

    @Test
    void aPodBeingDeletedIsIgnored() {
      Pod leaving = TestData.pod(World.GROUP, "db", "app-db-leaving", "Running", TestData.terminated("db", 137, "Error", 0, t(5)));
      leaving.getMetadata().setDeletionTimestamp(TestData.k8sTime(t(4)));
      world.pod("db", leaving);
      Decision d = world.step(t(6));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
    }

    @Test
    void imagePullFailureIsExplainedWithoutCountingARestart() {
      World fresh = World.of(spec(svc("db")));
      fresh.step(t(0));
      fresh.deploymentStatus("db", 1, 1, 1, 0);
      fresh.pod("db", TestData.pod(World.GROUP, "db", "app-db-1", "Pending",
          TestData.waiting("db", "ImagePullBackOff", "Back-off pulling image \"db:1\"")));
      fresh.step(t(5));
      assertThat(fresh.service("db").getError()).isEqualTo("image pull failed: Back-off pulling image \"db:1\"");
      assertThat(fresh.service("db").getRestarts()).isZero();
      assertThat(fresh.service("db").getPhase()).isEqualTo(ServicePhase.Starting);
    }
  }

  @Nested
  class Resets {
    @Test
    void healthyForResetAfterResetsTheCount() {
      World world = running(svc("db").jitter(false).resetAfter("1m"));
      world.unavailable("db").exits("db", 1, "Error", t(10));
      world.step(t(10));
      world.podsGone("db");
      world.step(t(11)); // restarted
      world.healthy("db");

      // Healthy since t=12: requeue at t=72 for the reset.
      Decision d = world.step(t(12));
      assertThat(world.service("db").getHealthySince()).isEqualTo("2025-03-01T10:00:12Z");
      assertThat(world.service("db").getRestarts()).isEqualTo(1);
      assertThat(d.requeueAfter()).contains(Duration.ofSeconds(60));
      d = world.step(t(40));
      assertThat(d.requeueAfter()).contains(Duration.ofSeconds(32));
      assertThat(world.service("db").getRestarts()).isEqualTo(1);

      d = world.step(t(72));
      assertThat(world.service("db").getRestarts()).isZero();
      assertThat(d.requeueAfter()).isEmpty();
      assertThat(d.actions()).isEmpty();

      // The next failure starts the backoff over: 1s again.
      world.unavailable("db").exits("db", 1, "Error", t(80));
      world.step(t(80));
      assertThat(world.service("db").getNextRestartAt()).isEqualTo("2025-03-01T10:01:21Z");
      assertThat(world.service("db").getRestarts()).isEqualTo(1);
    }

    @Test
    void aFailureBeforeResetAfterKeepsCounting() {
      World world = running(svc("db").jitter(false).resetAfter("1m"));
      world.unavailable("db").exits("db", 1, "Error", t(10));
      world.step(t(10));
      world.podsGone("db");
      world.step(t(11));
      world.healthy("db");
      world.step(t(12));
      world.unavailable("db").exits("db", 1, "Error", t(30));
      world.step(t(30));
      assertThat(world.service("db").getRestarts()).isEqualTo(2);
      assertThat(world.service("db").getNextRestartAt()).isEqualTo("2025-03-01T10:00:32Z");
    }

    World failed() {
      World world = running(svc("db").policy(RestartPolicy.Never));
      world.unavailable("db").exits("db", 1, "Error", t(10));
      world.step(t(10));
      world.podsGone("db");
      world.step(t(11));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Failed);
      return world;
    }

    @Test
    void theRestartAnnotationResetsAFailedServiceAndStartsIt() {
      World world = failed();
      world.annotateRestart("2025-03-01T10:05:00Z");
      Decision d = world.step(t(300));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 1));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Starting);
      assertThat(world.service("db").getRestarts()).isZero();
      assertThat(world.status.getRestartRequest()).isEqualTo("2025-03-01T10:05:00Z");
      assertThat(reasons(d)).contains("ServiceRestarted");

      // The same annotation value is not a new request.
      world.healthy("db");
      world.unavailable("db").exits("db", 1, "Error", t(310));
      world.step(t(310));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Failed);
      world.podsGone("db");
      assertThat(world.step(t(320)).actions()).isEmpty();
    }

    @Test
    void aTemplateChangeRestartsAFailedService() {
      World world = failed();
      world.edit(s -> s.getServices().get(0).getTemplate().getSpec().getContainers().get(0).setImage("db:2"));
      Decision d = world.step(t(300));
      assertThat(d.actions()).containsExactly(new Action.Update("db", 1));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Starting);
      assertThat(world.deployment("db").getSpec().getReplicas()).isEqualTo(1);
    }

    @Test
    void aCompletedServiceIsNotRestartedUntilAsked() {
      World world = running(svc("db"));
      world.unavailable("db").exits("db", 0, "Completed", t(10));
      world.step(t(10));
      world.podsGone("db");
      Decision d = world.step(t(1000));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Completed);
      world.assertNoOpAgain();
      // The group's annotation restarts Failed services only; the service's own restarts it.
      world.annotateRestart("again");
      assertThat(world.step(t(1001)).actions()).isEmpty();
      world.annotateRestart("db", "again");
      assertThat(world.step(t(1002)).actions()).containsExactly(new Action.Scale("db", 1));
      assertThat(world.service("db").getRestartRequest()).isEqualTo("again");
      world.healthy("db");
      world.step(t(1003));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      world.assertNoOpAgain();
    }

    @Test
    void dependentsOfAFailedServiceKeepRunningAndTheGroupIsFailed() {
      World world = failed();
      assertThat(world.decision.actions()).isEmpty();
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Failed);
      assertThat(SupervisorBringUpTest.conditions(world).get("Degraded").getStatus()).isEqualTo("True");
      assertThat(world.status.getMessage()).startsWith("unhealthy services: db: container db exited with code 1 (Error)");
    }
  }
}
