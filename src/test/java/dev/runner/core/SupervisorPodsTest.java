package dev.runner.core;

import static dev.runner.core.TestData.spec;
import static dev.runner.core.TestData.svc;
import static dev.runner.core.World.t;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import dev.runner.api.RestartPolicy;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The cluster states of issue 13, driven through {@link Supervisor#decide}: pods judged as kubelet
 * judges them, history that is not waited for, partial failures, gated restarts.
 */
class SupervisorPodsTest {

  static List<String> reasons(Decision d) {
    return d.events().stream().map(EventNote::reason).toList();
  }

  /** db alone, Ready at t=1, with the given replicas. */
  static World ready(TestData.Svc db) {
    World world = World.of(spec(db));
    world.step(t(0));
    world.healthy("db");
    world.step(t(1));
    assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
    return world;
  }

  static Pod evicted(World world, Pod pod) {
    pod.getStatus().setPhase("Failed");
    pod.getStatus().setReason("Evicted");
    pod.getStatus().setMessage("The node was low on resource: memory.");
    pod.getStatus().setContainerStatuses(List.of(TestData.terminated("db", 137, "Error", 0, world.now)));
    return pod;
  }

  @Nested
  class JudgedAsKubelet {
    @Test
    void aCompletedInitContainerDoesNotEndTheService() {
      World world = ready(svc("db"));
      Pod pod = world.livePods("db").get(0);
      FailureDetectorTest.withInit(pod, "istio-init", false, TestData.terminated("istio-init", 0, "Completed", 0, t(0)));
      Decision d = world.step(t(2));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      world.assertNoOpAgain();
    }

    @Test
    void aFailingInitContainerIsAFailure() {
      World world = World.of(spec(svc("db")));
      world.step(t(0));
      Pod pod = world.runningPod("db");
      pod.getStatus().setPhase("Pending");
      pod.getStatus().setContainerStatuses(List.of(TestData.waiting("db", "PodInitializing", null)));
      FailureDetectorTest.withInit(pod, "migrate", false, TestData.restartedAfter("migrate", 2, "Error", 1, t(3)));
      world.pod("db", pod);
      Decision d = world.step(t(4));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 0));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.BackingOff);
      assertThat(world.service("db").getError()).startsWith("container migrate exited with code 2 (Error); restarting in");
    }

    @Test
    void oneOfTwoContainersExitingZeroIsNotTheServiceCompleting() {
      World world = ready(svc("db"));
      world.livePods("db").get(0).getStatus().setContainerStatuses(List.of(
          TestData.terminated("db", 0, "Completed", 0, t(2)), TestData.running("log", 0, t(0))));
      Decision d = world.step(t(2));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isNotEqualTo(ServicePhase.Completed);
    }

    @Test
    void aSingleContainerExitingZeroUnderNeverCompletes() {
      World world = ready(svc("db").policy(RestartPolicy.Never));
      world.unavailable("db").exits("db", 0, "Completed", t(5));
      Decision d = world.step(t(5));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 0));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Completed);
      assertThat(world.service("db").isHealthy()).isTrue();
      assertThat(reasons(d)).contains("ServiceCompleted");
    }
  }

  @Nested
  class History {
    @Test
    void anEvictionIsNotCountedAndSaysSoUntilTheReplacementIsReady() {
      World world = ready(svc("db"));
      evicted(world, world.livePods("db").get(0));
      world.unavailable("db");
      Decision d = world.step(t(5));
      assertThat(d.actions()).isEmpty();
      ServiceStatus db = world.service("db");
      assertThat(db.getRestarts()).isZero();
      assertThat(db.getPhase()).isEqualTo(ServicePhase.Unhealthy);
      assertThat(db.getReason()).isEqualTo(ServiceReason.Disrupted);
      assertThat(db.getError()).endsWith("; pod app-db-1 was stopped by the cluster (Evicted); not counted against maxRetries, "
          + "its replacement is waited for");
      assertThat(db.getLastExit()).isNull();
      world.assertNoOpAgain();

      // The ReplicaSet's replacement runs; the evicted pod stays, and is not counted again.
      world.healthy("db");
      d = world.step(t(6));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.pods.get("db")).hasSize(2);
      world.assertNoOpAgain();
    }

    @Test
    void aFailedPodDoesNotHoldUpARestart() {
      World world = ready(svc("db").jitter(false));
      evicted(world, world.runningPod("db"));
      world.pod("db", evicted(world, world.runningPod("db")));
      world.unavailable("db").exits("db", 1, "Error", t(5));
      world.step(t(5));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.BackingOff);
      world.pods.get("db").removeIf(p -> !Pods.history(p)); // the crashed pod is gone, the evicted one stays
      Decision d = world.step(t(7));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 1));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Starting);
    }

    @Test
    void aDeletionDoesNotWaitForFailedPodsNorForAPodStuckTerminating() {
      World world = ready(svc("db"));
      world.pod("db", evicted(world, world.runningPod("db")));
      world.delete();
      world.step(t(2)); // scale to 0: the live pod terminates
      Pod stuck = world.pods.get("db").stream().filter(p -> p.getMetadata().getDeletionTimestamp() != null).findFirst().orElseThrow();
      assertThat(Pods.history(world.pods.get("db").get(1))).isTrue();
      Decision d = world.step(t(30));
      assertThat(d.stopped()).isFalse();
      assertThat(world.service("db").getError()).isEqualTo("stopping: waiting for 1 pod(s) to terminate");
      // The node is lost: the pod stays past its grace period and the margin.
      d = world.step(t(2).plus(Pods.TERMINATING_MARGIN).plusSeconds(1));
      assertThat(d.actions()).containsExactly(new Action.Delete("db"));
      assertThat(stuck.getMetadata().getDeletionTimestamp()).isNotNull();
      d = world.step(t(100));
      assertThat(d.stopped()).isTrue();
    }
  }

  @Nested
  class PartialFailure {
    @Test
    void oneCrashingReplicaOfThreeIsLeftToKubeletAndTheServiceIsDegraded() {
      World world = ready(svc("db").replicas(3));
      world.exitedAndRestarted("db", 137, "OOMKilled", 1, t(5));
      world.deploymentStatus("db", world.deployment("db").getMetadata().getGeneration(), 3, 3, 2);
      Decision d = world.step(t(5));
      assertThat(d.actions()).isEmpty();
      ServiceStatus db = world.service("db");
      assertThat(db.getPhase()).isEqualTo(ServicePhase.Unhealthy);
      assertThat(db.getReason()).isEqualTo(ServiceReason.ReplicaCrashed);
      assertThat(db.getRestarts()).isZero();
      assertThat(db.getError()).isEqualTo("pod app-db-1: container db exited with code 137 (OOMKilled); "
          + "2/3 replicas ready, kubelet restarts it");
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Degraded);
      assertThat(d.events()).filteredOn(e -> e.type() == EventNote.Type.Warning).extracting(EventNote::reason)
          .containsExactly("ServiceUnhealthy", "GroupDegraded");
      world.assertNoOpAgain();

      // kubelet restarted it and it is ready again: the service is Ready, nothing was scaled.
      world.container("db", TestData.running("db", 1, t(6)), "Running");
      world.healthy("db");
      d = world.step(t(7));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.service("db").getRestarts()).isZero();
    }

    @Test
    void whenNoReadyReplicaIsLeftTheServiceIsRestarted() {
      World world = ready(svc("db").replicas(2));
      List<Pod> live = world.livePods("db");
      live.get(0).getStatus().setContainerStatuses(List.of(TestData.restartedAfter("db", 1, "Error", 1, t(5))));
      world.step(t(5));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Unhealthy);
      live.get(1).getStatus().setContainerStatuses(List.of(TestData.restartedAfter("db", 1, "Error", 1, t(6))));
      world.unavailable("db");
      Decision d = world.step(t(6));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 0));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.BackingOff);
      assertThat(world.service("db").getRestarts()).isEqualTo(1);
    }

    @Test
    void aSingleReplicaRestartedInPlaceIsRestartedByTheOperator() {
      // Ready again before the operator looked: no other replica served meanwhile.
      World world = ready(svc("db"));
      world.container("db", TestData.restartedAfter("db", 1, "Error", 1, t(5)), "Running");
      world.livePods("db").get(0).getStatus().getContainerStatuses().get(0).setReady(true);
      assertThat(world.step(t(5)).actions()).containsExactly(new Action.Scale("db", 0));
    }
  }

  @Nested
  class GatedStarts {
    /** db and api (depending on db), both Never, both Failed at t=20. */
    World bothFailed() {
      World world = World.of(spec(svc("db").policy(RestartPolicy.Never), svc("api").policy(RestartPolicy.Never).dependsOn("db")))
          .dbThenApiReady();
      world.unavailable("db").exits("db", 1, "Error", t(10));
      world.unavailable("api").exits("api", 1, "Error", t(10));
      world.step(t(10));
      world.podsGone("db", "api");
      world.step(t(20));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Failed);
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Failed);
      return world;
    }

    @Test
    void theRestartAnnotationRestartsFailedServicesInDependencyOrder() {
      World world = bothFailed();
      world.annotateRestart("1");
      Decision d = world.step(t(30));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 1));
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Waiting);
      assertThat(world.service("api").getRestarts()).isZero();
      world.healthy("db");
      d = world.step(t(31));
      assertThat(d.actions()).containsExactly(new Action.Update("api", 1));
      // The same value again does nothing.
      world.healthy("api");
      world.step(t(32));
      world.unavailable("db").exits("db", 1, "Error", t(40));
      world.step(t(40));
      world.podsGone("db");
      assertThat(world.step(t(50)).actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Failed);
    }

    @Test
    void aDeletedDeploymentOfAFailedServiceIsNotRecreated() {
      World world = bothFailed();
      world.deployments.remove("api");
      Decision d = world.step(t(30));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Failed);
    }

    @Test
    void aDeletedDeploymentOfABackingOffServiceIsRecreatedOnlyWhenDueAndGated() {
      World world = World.of(spec(svc("db"), svc("api").dependsOn("db").jitter(false).backoff("10s", "60s", 2.0)))
          .dbThenApiReady();
      world.unavailable("api").exits("api", 1, "Error", t(5));
      world.step(t(5));
      world.deployments.remove("api");
      world.podsGone("api");
      assertThat(world.step(t(6)).actions()).isEmpty();
      world.unavailable("db");
      Decision d = world.step(t(15));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Waiting);
      world.healthy("db");
      assertThat(world.step(t(16)).actions()).containsExactly(new Action.Create("api", 1));
    }

    @Test
    void anEditOfAFailedServiceStartsItGatedOnItsNewDependencies() {
      World world = bothFailed();
      world.edit(s -> {
        s.getServices().add(svc("cache").build());
        s.getServices().get(1).setDependsOn(List.of("db", "cache"));
        s.getServices().get(1).getTemplate().getSpec().getContainers().get(0).setImage("api:2");
      });
      Decision d = world.step(t(30));
      assertThat(d.actions()).containsExactly(new Action.Create("cache", 1));
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Waiting);
      assertThat(world.service("api").getWaitingFor()).containsExactly("cache", "db");
    }

    @Test
    void aServicesOwnAnnotationRestartsItWhileItRuns() {
      World world = ready(svc("db"));
      world.annotateRestart("db", "1");
      Decision d = world.step(t(5));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 0));
      assertThat(reasons(d)).contains("ServiceRestarting");
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.BackingOff);
      world.podsGone("db");
      assertThat(world.step(t(6)).actions()).containsExactly(new Action.Scale("db", 1));
      world.healthy("db");
      world.step(t(7));
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.step(t(8)).actions()).isEmpty();
    }
  }

  @Nested
  class OtherHands {
    @Test
    void anImageSetOnTheLiveDeploymentIsPutBack() {
      World world = ready(svc("db"));
      world.deployment("db").getSpec().getTemplate().getSpec().getContainers().get(0).setImage("db:hacked");
      Decision d = world.step(t(5));
      assertThat(d.actions()).containsExactly(new Action.Update("db", 1));
      assertThat(world.deployment("db").getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("db:1");
      assertThat(world.service("db").getError()).isEqualTo("putting back the template changed on its Deployment");
    }

    @Test
    void fieldsTheSpecLeavesOutAreNotDrift() {
      World world = ready(svc("db"));
      var container = world.deployment("db").getSpec().getTemplate().getSpec().getContainers().get(0);
      container.setImagePullPolicy("IfNotPresent");
      container.setTerminationMessagePath("/dev/termination-log");
      assertThat(world.step(t(5)).actions()).isEmpty();
      world.assertNoOpAgain();
    }

    @Test
    void aReplicaCountChangedByHandIsPutBackWithoutCallingTheServiceUnhealthy() {
      World world = ready(svc("db").replicas(2));
      world.deployment("db").getSpec().setReplicas(5);
      world.healthy("db"); // the Deployment controller made 5
      Decision d = world.step(t(5));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 2));
      assertThat(d.events()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.service("db").isHealthy()).isTrue();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
      // The surplus pods still terminate: still Ready, nothing said.
      world.deploymentStatus("db", world.deployment("db").getMetadata().getGeneration(), 5, 5, 5);
      d = world.step(t(6));
      assertThat(d.actions()).isEmpty();
      assertThat(d.events()).isEmpty();
      assertThat(world.service("db").getReason()).isEqualTo(ServiceReason.ReplicasPutBack);
      world.healthy("db");
      world.step(t(7));
      assertThat(world.service("db").getReason()).isEqualTo(ServiceReason.Healthy);
    }

    @Test
    void anAutoscaledServicesReplicasAreNeverWritten() {
      World world = World.of(spec(svc("db").replicas(2)));
      world.spec.getServices().get(0).setAutoscaled(true);
      world.step(t(0));
      assertThat(world.deployment("db").getSpec().getReplicas()).isEqualTo(2);
      world.healthy("db");
      world.step(t(1));
      // The HPA scales to 4: left alone, and healthy once the 4 are available.
      world.deployment("db").getSpec().setReplicas(4);
      Decision d = world.step(t(2));
      assertThat(d.actions()).isEmpty();
      world.healthy("db");
      d = world.step(t(3));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      // A template edit keeps the HPA's count.
      world.edit(s -> s.getServices().get(0).getTemplate().getSpec().getContainers().get(0).setImage("db:2"));
      assertThat(world.step(t(4)).actions()).containsExactly(new Action.Update("db", 4));
    }
  }
}
