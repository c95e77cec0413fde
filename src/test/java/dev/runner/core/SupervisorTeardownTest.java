package dev.runner.core;

import static dev.runner.core.TestData.spec;
import static dev.runner.core.TestData.svc;
import static dev.runner.core.World.t;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServicePhase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Stopping in reverse dependency order: deletion (finalizer) and suspend. */
class SupervisorTeardownTest {

  /** Brings every service of {@code spec} up (each wave healthy before the next) and returns at t=10. */
  static World runningGroup(RunnerGroupSpec spec) {
    World world = World.of(spec);
    for (int second = 0; second < 9; second++) {
      world.step(t(second));
      if (world.status.getPhase() == GroupPhase.Ready) {
        break;
      }
      world.deployments.keySet().forEach(world::healthy);
    }
    world.step(t(9));
    assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
    return world;
  }

  static World chain() {
    return runningGroup(spec(svc("a"), svc("b").dependsOn("a"), svc("c").dependsOn("b")));
  }

  static List<String> reasons(Decision d) {
    return d.events().stream().map(EventNote::reason).toList();
  }

  @Nested
  class Deletion {
    @Test
    void chainStopsLeavesFirstAndWaitsForEachServicesPods() {
      World world = chain().delete();

      Decision d = world.step(t(10));
      // Stopping is scaling to zero; the Deployment is deleted once its Pods are gone.
      assertThat(d.actions()).containsExactly(new Action.Scale("c", 0));
      assertThat(d.stopped()).isFalse();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Stopping);
      assertThat(world.status.getMessage()).isEqualTo("stopping in reverse dependency order; still running: a, b, c");
      assertThat(world.service("c").getPhase()).isEqualTo(ServicePhase.Stopped);
      assertThat(world.service("b").getError()).isEqualTo("stopping after its dependents: c");
      assertThat(world.service("b").getWaitingFor()).containsExactly("c");
      assertThat(reasons(d)).containsExactly("ServiceStopping", "GroupStopping");

      // c's Pod still terminates: b waits.
      d = world.step(t(11));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("c").getError()).isEqualTo("stopping: waiting for 1 pod(s) to terminate");
      world.assertNoOpAgain();

      world.podsGone("c");
      d = world.step(t(12));
      assertThat(d.actions()).containsExactlyInAnyOrder(new Action.Delete("c"), new Action.Scale("b", 0));
      assertThat(world.status.getMessage()).isEqualTo("stopping in reverse dependency order; still running: a, b, c");

      assertThat(world.step(t(13)).actions()).isEmpty();
      world.podsGone("b");
      assertThat(world.step(t(14)).actions()).containsExactlyInAnyOrder(new Action.Delete("b"), new Action.Scale("a", 0));
      assertThat(world.status.getMessage()).isEqualTo("stopping in reverse dependency order; still running: a, b");

      // a is scaled down but its Pod is not gone: not stopped yet.
      d = world.step(t(15));
      assertThat(d.actions()).isEmpty();
      assertThat(d.stopped()).isFalse();
      assertThat(world.status.getMessage()).isEqualTo("stopping in reverse dependency order; still running: a");

      world.podsGone("a");
      assertThat(world.step(t(16)).actions()).containsExactly(new Action.Delete("a"));
      d = world.step(t(17));
      assertThat(d.actions()).isEmpty();
      assertThat(d.stopped()).isTrue();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Stopping);
      assertThat(world.status.getMessage()).isEqualTo("all services stopped");
      assertThat(world.status.getServices().values()).allSatisfy(s -> assertThat(s.getPhase()).isEqualTo(ServicePhase.Stopped));
      assertThat(reasons(d)).contains("GroupStopped");
    }

    @Test
    void diamondStopsTheBottomThenBothMiddlesTogetherThenTheTop() {
      World world = runningGroup(spec(svc("top"), svc("left").dependsOn("top"), svc("right").dependsOn("top"),
          svc("bottom").dependsOn("left", "right"))).delete();
      assertThat(world.step(t(10)).actions()).containsExactly(new Action.Scale("bottom", 0));
      world.podsGone("bottom");
      assertThat(world.step(t(11)).actions()).containsExactlyInAnyOrder(new Action.Delete("bottom"),
          new Action.Scale("left", 0), new Action.Scale("right", 0));
      world.podsGone("left");
      assertThat(world.step(t(12)).actions()).containsExactly(new Action.Delete("left"));
      assertThat(world.service("top").getWaitingFor()).containsExactly("right");
      world.podsGone("right");
      assertThat(world.step(t(13)).actions()).containsExactlyInAnyOrder(new Action.Delete("right"), new Action.Scale("top", 0));
      world.podsGone("top");
      assertThat(world.step(t(14)).actions()).containsExactly(new Action.Delete("top"));
      assertThat(world.step(t(15)).stopped()).isTrue();
    }

    @Test
    void independentBranchesStopInParallel() {
      World world = runningGroup(spec(svc("x"), svc("y").dependsOn("x"), svc("p"), svc("q").dependsOn("p"), svc("solo"))).delete();
      assertThat(world.step(t(10)).actions())
          .containsExactlyInAnyOrder(new Action.Scale("y", 0), new Action.Scale("q", 0), new Action.Scale("solo", 0));
      world.podsGone("y");
      assertThat(world.step(t(11)).actions()).containsExactlyInAnyOrder(new Action.Delete("y"), new Action.Scale("x", 0));
    }

    @Test
    void anOperatorRestartMidTeardownContinuesWhereItWas() {
      World world = chain().delete();
      world.step(t(10));
      world.podsGone("c");
      assertThat(world.restartOperatorAndDecideAt(t(20)).actions())
          .containsExactlyInAnyOrder(new Action.Delete("c"), new Action.Scale("b", 0));
    }

    @Test
    void stoppedOnlyWhenNoPodOfAnyServiceRemains() {
      // A service removed from the spec earlier: its Deployment is gone, a Pod of it still terminates.
      World world = runningGroup(spec(svc("a"), svc("b").dependsOn("a")));
      world.pod("old", TestData.pod(World.GROUP, "old", "app-old-1", "Running", TestData.running("old", 0, t(0))));
      world.terminatePods("old");
      world.delete();
      // Nobody knows what old depended on: the others wait for its Pods.
      Decision d = world.step(t(10));
      assertThat(d.actions()).isEmpty();
      assertThat(world.status.getMessage()).isEqualTo("stopping in reverse dependency order; still running: a, b, old");
      world.podsGone("old");
      assertThat(world.step(t(11)).actions()).containsExactly(new Action.Scale("b", 0));
    }

    @Test
    void notStoppedWhileAPodOfAServiceWithoutDeploymentRemains() {
      World world = runningGroup(spec(svc("a")));
      // a's Deployment was deleted by hand; a Pod of a long removed service is still terminating.
      world.deployments.remove("a");
      world.podsGone("a");
      world.pod("old", TestData.pod(World.GROUP, "old", "app-old-1", "Running", TestData.running("old", 0, t(0))));
      world.terminatePods("old");
      world.delete();
      Decision d = world.step(t(10));
      assertThat(d.actions()).isEmpty();
      assertThat(d.stopped()).isFalse();
      world.podsGone("old");
      assertThat(world.step(t(11)).stopped()).isTrue();
    }

    @Test
    void deletionDuringBackoffStopsTheDependentsFirst() {
      World world = runningGroup(spec(svc("db").jitter(false).backoff("30s", "60s", 2.0), svc("api").dependsOn("db")));
      world.unavailable("db").exits("db", 1, "Error", t(10));
      world.step(t(10));
      world.podsGone("db");
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.BackingOff);

      world.delete();
      Decision d = world.step(t(11));
      // No restart of db (no Scale, no timer): it waits for api, then goes.
      // db is already scaled down with no Pods: stopped; its Deployment goes after api's.
      assertThat(d.actions()).containsExactly(new Action.Scale("api", 0));
      assertThat(d.requeueAfter()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Stopped);
      assertThat(world.service("db").getError()).isEqualTo("stopping: its Deployment is deleted after those of api");
      assertThat(world.step(t(45)).actions()).isEmpty();
      world.podsGone("api");
      assertThat(world.step(t(46)).actions()).containsExactly(new Action.Delete("api"));
      assertThat(world.step(t(47)).actions()).containsExactly(new Action.Delete("db"));
      assertThat(world.step(t(48)).stopped()).isTrue();
    }

    @Test
    void anInvalidGroupIsStoppedInTheOrderItsDeploymentsRecord() {
      World world = chain();
      world.replaceSpec(spec(svc("a").dependsOn("c"), svc("b").dependsOn("a"), svc("c").dependsOn("b")));
      world.step(t(10));
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Invalid);

      world.delete();
      Decision d = world.step(t(11));
      assertThat(d.actions()).containsExactly(new Action.Scale("c", 0));
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Stopping);
      world.podsGone("c");
      assertThat(world.step(t(12)).actions()).containsExactlyInAnyOrder(new Action.Delete("c"), new Action.Scale("b", 0));
      world.podsGone("b");
      assertThat(world.step(t(13)).actions()).containsExactlyInAnyOrder(new Action.Delete("b"), new Action.Scale("a", 0));
      world.podsGone("a");
      assertThat(world.step(t(14)).actions()).containsExactly(new Action.Delete("a"));
      assertThat(world.step(t(15)).stopped()).isTrue();
    }

    @Test
    void aCycleInTheRecordedDependenciesStopsEverythingAtOnce() {
      World world = World.of(spec(svc("x").dependsOn("y"), svc("y").dependsOn("x")));
      world.existingDeployment("x", 1, "y").existingDeployment("y", 1, "x");
      world.delete();
      Decision d = world.step(t(0));
      assertThat(d.actions()).containsExactlyInAnyOrder(new Action.Scale("x", 0), new Action.Scale("y", 0));
      assertThat(d.stopped()).isFalse();
      world.podsGone("x");
      world.podsGone("y");
      assertThat(world.step(t(1)).actions()).containsExactlyInAnyOrder(new Action.Delete("x"), new Action.Delete("y"));
      assertThat(world.step(t(2)).stopped()).isTrue();
    }

    @Test
    void aGroupThatNeverRanStopsAtOnce() {
      World world = World.of(spec(svc("a"), svc("b").dependsOn("a"))).delete();
      Decision d = world.step(t(0));
      assertThat(d.actions()).isEmpty();
      assertThat(d.stopped()).isTrue();
    }
  }

  @Nested
  class Suspend {
    @Test
    void suspendScalesToZeroInReverseOrderThenResumeStartsInOrderWithDelays() {
      World world = runningGroup(spec(svc("a"), svc("b").dependsOn("a").startDelay("3s"), svc("c").dependsOn("b")));

      world.suspend(true);
      Decision d = world.step(t(10));
      assertThat(d.actions()).containsExactly(new Action.Scale("c", 0));
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Stopping);
      assertThat(world.status.getReady()).isEqualTo("0/3");
      assertThat(d.stopped()).isFalse();

      // c scaled to zero, its Pod still there: b waits.
      assertThat(world.step(t(11)).actions()).isEmpty();
      world.assertNoOpAgain();
      world.podsGone("c");
      assertThat(world.step(t(12)).actions()).containsExactly(new Action.Scale("b", 0));
      world.podsGone("b");
      assertThat(world.step(t(13)).actions()).containsExactly(new Action.Scale("a", 0));
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Stopping);
      world.podsGone("a");
      d = world.step(t(14));
      assertThat(d.actions()).isEmpty();
      assertThat(d.stopped()).isFalse();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Suspended);
      assertThat(world.status.getMessage()).isEqualTo("suspended: all services stopped");
      assertThat(world.status.getServices().values()).allSatisfy(s -> {
        assertThat(s.getPhase()).isEqualTo(ServicePhase.Stopped);
        assertThat(s.isRunning()).isFalse();
      });
      assertThat(reasons(d)).contains("GroupSuspended");
      assertThat(world.deployments).hasSize(3);
      world.assertNoOpAgain();

      // Resume: a first; b after a is healthy and its start delay; then c.
      world.suspend(false);
      d = world.step(t(20));
      assertThat(d.actions()).extracting(Action::service).containsExactly("a");
      assertThat(world.deployment("a").getSpec().getReplicas()).isEqualTo(1);
      assertThat(world.service("b").getPhase()).isEqualTo(ServicePhase.Waiting);
      world.healthy("a");
      d = world.step(t(21));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("b").getPhase()).isEqualTo(ServicePhase.Delaying);
      assertThat(d.requeueAfter()).contains(Duration.ofSeconds(3));
      d = world.step(t(24));
      assertThat(d.actions()).extracting(Action::service).containsExactly("b");
      assertThat(world.deployment("b").getSpec().getReplicas()).isEqualTo(1);
      world.healthy("b");
      d = world.step(t(25));
      assertThat(d.actions()).extracting(Action::service).containsExactly("c");
      world.healthy("c");
      world.step(t(26));
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
    }

    @Test
    void deletingASuspendedGroupDeletesInReverseOrder() {
      World world = runningGroup(spec(svc("a"), svc("b").dependsOn("a")));
      world.suspend(true);
      world.step(t(10));
      world.podsGone("b");
      world.step(t(11));
      world.podsGone("a");
      world.step(t(12));
      world.delete();
      assertThat(world.step(t(13)).actions()).containsExactly(new Action.Delete("b"));
      assertThat(world.step(t(14)).actions()).containsExactly(new Action.Delete("a"));
      assertThat(world.step(t(15)).stopped()).isTrue();
    }
  }
}
