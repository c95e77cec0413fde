package dev.runner.core;

import static dev.runner.core.World.t;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pods judged as kubelet judges them: {@link FailureDetector#visible} and {@link Pods}. */
class FailureDetectorTest {

  static Pod pod(String phase, ContainerStatus... containers) {
    return TestData.pod(World.GROUP, "api", "app-api-1", phase, containers);
  }

  static List<Outcome> outcomes(Pod... pods) {
    return FailureDetector.visible(null, List.of(pods)).stream().map(Termination::outcome).toList();
  }

  /** A pod whose spec declares {@code init} as an init container, a native sidecar if {@code sidecar}. */
  static Pod withInit(Pod pod, String init, boolean sidecar, ContainerStatus status) {
    pod.setSpec(new io.fabric8.kubernetes.api.model.PodSpec());
    pod.getSpec().setInitContainers(List.of(new ContainerBuilder().withName(init).withImage("x")
        .withRestartPolicy(sidecar ? "Always" : null).build()));
    pod.getStatus().setInitContainerStatuses(List.of(status));
    return pod;
  }

  @Nested
  class InitContainers {
    @Test
    void anInitContainerThatCompletedIsNotTheServiceEnding() {
      Pod p = withInit(pod("Running", TestData.running("api", 0, t(0))), "istio-init", false,
          TestData.terminated("istio-init", 0, "Completed", 0, t(1)));
      assertThat(outcomes(p)).isEmpty();
    }

    @Test
    void anInitContainerThatFailedIsAFailure() {
      Pod p = withInit(pod("Pending"), "migrate", false, TestData.restartedAfter("migrate", 3, "Error", 1, t(1)));
      List<Termination> found = FailureDetector.visible(null, List.of(p));
      assertThat(found).singleElement().satisfies(t -> {
        assertThat(t.outcome()).isEqualTo(Outcome.EXIT_NON_ZERO);
        assertThat(t.container()).isEqualTo("migrate");
        assertThat(t.describe()).isEqualTo("container migrate exited with code 3 (Error)");
      });
    }

    @Test
    void aNativeSidecarsExitsAreNotTheServices() {
      Pod p = withInit(pod("Running", TestData.running("api", 0, t(0))), "proxy", true,
          TestData.restartedAfter("proxy", 1, "Error", 1, t(1)));
      assertThat(outcomes(p)).isEmpty();
      Pod done = withInit(pod("Running", TestData.running("api", 0, t(0))), "proxy", true,
          TestData.terminated("proxy", 0, "Completed", 0, t(1)));
      assertThat(outcomes(done)).isEmpty();
    }
  }

  @Nested
  class RegularContainers {
    @Test
    void oneContainerEndingWhileAnotherRunsIsNotThePodCompleting() {
      Pod p = pod("Running", TestData.terminated("api", 0, "Completed", 0, t(1)), TestData.running("log", 0, t(0)));
      assertThat(outcomes(p)).isEmpty();
    }

    @Test
    void aPodIsCompleteWhenAllItsRegularContainersHaveTerminated() {
      Pod p = pod("Succeeded", TestData.terminated("api", 0, "Completed", 0, t(1)), TestData.terminated("log", 0, "Completed", 0, t(2)));
      assertThat(outcomes(p)).containsOnly(Outcome.EXIT_ZERO).hasSize(2);
    }

    @Test
    void aSingleContainerRestartedInPlaceAfterExitZeroCompletedThePod() {
      assertThat(outcomes(pod("Running", TestData.restartedAfter("api", 0, "Completed", 1, t(1)))))
          .containsExactly(Outcome.EXIT_ZERO);
    }

    @Test
    void aNonZeroExitOfOneContainerIsAFailureEvenWhileOthersRun() {
      Pod p = pod("Running", TestData.restartedAfter("api", 137, "OOMKilled", 1, t(1)), TestData.running("log", 0, t(0)));
      assertThat(outcomes(p)).containsExactly(Outcome.EXIT_NON_ZERO);
    }

    @Test
    void theSameTerminationHasTheSameKeyBeforeAndAfterKubeletRestartedTheContainer() {
      String before = FailureDetector.visible(null, List.of(pod("Running", TestData.terminated("api", 1, "Error", 0, t(1)))))
          .get(0).key();
      String after = FailureDetector.visible(null, List.of(pod("Running", TestData.restartedAfter("api", 1, "Error", 1, t(1)))))
          .get(0).key();
      String next = FailureDetector.visible(null, List.of(pod("Running", TestData.restartedAfter("api", 1, "Error", 2, t(1)))))
          .get(0).key();
      assertThat(after).isEqualTo(before);
      assertThat(next).isNotEqualTo(before);
    }

    @Test
    void theRuntimesContainerIdIsTheIdentityWhenThereIsOne() {
      ContainerStatus status = TestData.restartedAfter("api", 1, "Error", 1, t(1));
      status.getLastState().getTerminated().setContainerID("containerd://abc");
      Pod p = pod("Running", status);
      p.getMetadata().setUid("uid-1");
      assertThat(FailureDetector.visible(null, List.of(p)).get(0).key()).isEqualTo("uid-1/api/containerd://abc");
    }

    @Test
    void aPodBeingDeletedIsSkipped() {
      Pod p = pod("Running", TestData.terminated("api", 137, "Error", 0, t(1)));
      p.getMetadata().setDeletionTimestamp(TestData.k8sTime(t(1)));
      assertThat(outcomes(p)).isEmpty();
    }

    @Test
    void aFailedPodWithoutAContainerThatSaysWhyIsAFailureOfThePod() {
      Pod p = pod("Failed");
      p.getStatus().setReason("DeadlineExceeded");
      p.getStatus().setMessage("Pod was active on the node longer than the specified deadline");
      assertThat(FailureDetector.visible(null, List.of(p))).singleElement().satisfies(t -> {
        assertThat(t.outcome()).isEqualTo(Outcome.EXIT_NON_ZERO);
        assertThat(t.describe()).isEqualTo("pod app-api-1 failed (DeadlineExceeded): "
            + "Pod was active on the node longer than the specified deadline");
      });
    }
  }

  @Nested
  class Disruptions {
    @ParameterizedTest
    @ValueSource(strings = {"Evicted", "Preempting", "Shutdown", "NodeShutdown", "Terminated", "NodeAffinity", "OutOfcpu", "OutOfmemory"})
    void aPodTheClusterTookAwayIsADisruptionWhateverItsContainersSay(String reason) {
      Pod p = pod("Failed", TestData.terminated("api", 137, "Error", 0, t(1)));
      p.getStatus().setReason(reason);
      assertThat(outcomes(p)).containsExactly(Outcome.DISRUPTED);
      assertThat(Pods.disrupted(p)).isTrue();
      assertThat(FailureDetector.visible(null, List.of(p)).get(0).describe())
          .isEqualTo("pod app-api-1 was stopped by the cluster (" + reason + "); not counted against maxRetries, "
              + "its replacement is waited for");
    }

    @Test
    void theDisruptionTargetConditionIsADisruption() {
      Pod p = pod("Failed", TestData.terminated("api", 143, "Error", 0, t(1)));
      p.getStatus().setConditions(List.of(new PodConditionBuilder().withType("DisruptionTarget").withStatus("True")
          .withReason("PreemptionByScheduler").build()));
      assertThat(FailureDetector.visible(null, List.of(p))).singleElement().satisfies(t -> {
        assertThat(t.outcome()).isEqualTo(Outcome.DISRUPTED);
        assertThat(t.reason()).isEqualTo("PreemptionByScheduler");
      });
    }
  }

  @Nested
  class Waiting {
    static final Instant NOW = t(100);

    @Test
    void historyIsNotWaitedFor() {
      Pod evicted = pod("Failed");
      Pod succeeded = pod("Succeeded");
      Pod running = pod("Running", TestData.running("api", 0, t(0)));
      assertThat(Pods.blocking(List.of(evicted, succeeded, running), NOW)).containsExactly(running);
    }

    @Test
    void aPodTerminatingPastItsGracePeriodPlusTheMarginNoLongerBlocks() {
      Pod leaving = pod("Running", TestData.running("api", 0, t(0)));
      // deletionTimestamp is the end of the grace period
      leaving.getMetadata().setDeletionTimestamp(TestData.k8sTime(NOW.minus(Pods.TERMINATING_MARGIN)));
      assertThat(Pods.blocking(List.of(leaving), NOW)).containsExactly(leaving);
      assertThat(Pods.blocking(List.of(leaving), NOW.plusSeconds(1))).isEmpty();
    }

    @Test
    void readyFollowsTheReadyConditionWhenThereIsOne() {
      Pod p = pod("Running", TestData.running("api", 0, t(0)));
      assertThat(Pods.ready(p)).isTrue();
      p.getStatus().setConditions(List.of(new PodConditionBuilder().withType("Ready").withStatus("False").build()));
      assertThat(Pods.ready(p)).isFalse();
      Pod gone = pod("Running", TestData.running("api", 0, t(0)));
      gone.getMetadata().setDeletionTimestamp(TestData.k8sTime(t(1)));
      assertThat(Pods.ready(gone)).isFalse();
    }
  }

  @Nested
  class Jobs {
    private Pod ofJob(String uid) {
      Pod p = pod("Failed", TestData.terminated("api", 137, "OOMKilled", 0, t(1)));
      p.getMetadata().setOwnerReferences(List.of(new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
          .withApiVersion("batch/v1").withKind("Job").withName("app-api").withUid(uid).withController(true).build()));
      return p;
    }

    private Workload job(String uid) {
      return Workload.of(new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder().withNewMetadata().withName("app-api")
          .withUid(uid).endMetadata().withNewSpec().endSpec().build());
    }

    @Test
    void aPodOfTheJobSeenIsItsEnding() {
      assertThat(FailureDetector.visible(job("uid-2"), List.of(ofJob("uid-2")))).extracting(Termination::outcome)
          .containsExactly(Outcome.EXIT_NON_ZERO);
    }

    /** The previous Job's pod (that Job deleted, by someone else or for a re-run) says nothing of the Job seen now. */
    @Test
    void aPodOfAnotherJobIsNotTheJobSeensEnding() {
      assertThat(FailureDetector.visible(job("uid-2"), List.of(ofJob("uid-1")))).isEmpty();
    }

    /** Without a Job seen (it is gone), the pod left is all there is to judge. */
    @Test
    void withoutAJobSeenItsPodIsJudged() {
      assertThat(outcomes(ofJob("uid-1"))).containsExactly(Outcome.EXIT_NON_ZERO);
    }
  }
}
