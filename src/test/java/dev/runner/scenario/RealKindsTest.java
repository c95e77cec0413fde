package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.runner.it.RealApiServerTest;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A StatefulSet service on the real control plane: the real StatefulSet controller makes its claim,
 * kube-controller-manager's PersistentVolume binder binds it to a static PersistentVolume the test
 * creates (kwok's nodes provision nothing), the scheduler places the pod once the claim is bound.
 * Deleting the group leaves the claim bound; a new group of the same name mounts the same claim.
 * The operator runs as its own process with the Helm chart's ServiceAccount (a 403 fails the test).
 */
@RealApiServerTest
class RealKindsTest extends ScenarioTest {
  private static final Duration SLOW = Duration.ofSeconds(90);
  private static final String VOLUME = "runner-kinds-test-pv";

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }

  @AfterEach
  void removeVolumes() {
    StaticVolume.removeWithClaims(client, NS, VOLUME);
  }

  static String keep() {
    return group("keep", svc("db", "    kind: StatefulSet\n    volumeClaimTemplates: [{metadata: {name: data}, spec: "
        + "{accessModes: [ReadWriteOnce], storageClassName: \"\", resources: {requests: {storage: 1Gi}}}}]\n"));
  }

  @Test
  void claimsOutliveTheGroupAndANewGroupOfTheSameNameMountsThemAgain() {
    StaticVolume.create(client, VOLUME);

    apply(keep());
    await().atMost(SLOW).until(() -> status("keep") != null && status("keep").getPhase() == GroupPhase.Ready);
    PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(NS).withName("data-keep-db-0").get();
    assertThat(claim.getStatus().getPhase()).isEqualTo("Bound");
    assertThat(claim.getSpec().getVolumeName()).isEqualTo(VOLUME);
    String uid = claim.getMetadata().getUid();

    client.resources(RunnerGroup.class).inNamespace(NS).withName("keep").delete();
    await().atMost(SLOW).until(() -> group("keep") == null
        && client.apps().statefulSets().inNamespace(NS).withName("keep-db").get() == null
        && client.pods().inNamespace(NS).withName("keep-db-0").get() == null);
    assertThat(client.services().inNamespace(NS).withName("keep-db").get()).as("the headless Service goes with it").isNull();
    PersistentVolumeClaim kept = client.persistentVolumeClaims().inNamespace(NS).withName("data-keep-db-0").get();
    assertThat(kept).as("the claim outlives the group").isNotNull();
    assertThat(kept.getMetadata().getUid()).isEqualTo(uid);
    assertThat(kept.getMetadata().getDeletionTimestamp()).isNull();

    apply(keep());
    await().atMost(SLOW).until(() -> status("keep") != null && status("keep").getPhase() == GroupPhase.Ready);
    Pod pod = client.pods().inNamespace(NS).withName("keep-db-0").get();
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v ->
        assertThat(v.getPersistentVolumeClaim() == null ? null : v.getPersistentVolumeClaim().getClaimName()).isEqualTo("data-keep-db-0"));
    PersistentVolumeClaim again = client.persistentVolumeClaims().inNamespace(NS).withName("data-keep-db-0").get();
    assertThat(again.getMetadata().getUid()).as("the same claim, bound to the same volume").isEqualTo(uid);
    assertThat(again.getSpec().getVolumeName()).isEqualTo(VOLUME);
  }

  /**
   * A Job service on the real Job controller: its Job has backoffLimit 0 and one pod; a suspend
   * deletes the running Job, the garbage collector its pod, and the group is Suspended. Its pod
   * stays Pending (a long start), so the Job is still running when the suspend comes.
   */
  @Test
  void suspendDeletesARunningJobAndTheGarbageCollectorItsPod() {
    cluster.kubelet().behave(NS, "once-migrate", Behavior.builder().startupTime(Duration.ofMinutes(10)).build());
    apply(group("once", svc("migrate", "    kind: Job\n    restartConfig: {policy: OnFailure}\n")));
    await().atMost(SLOW).until(() -> client.batch().v1().jobs().inNamespace(NS).withName("once-migrate").get() != null
        && !pods("once-migrate").isEmpty());
    io.fabric8.kubernetes.api.model.batch.v1.Job job = client.batch().v1().jobs().inNamespace(NS).withName("once-migrate").get();
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(pods("once-migrate")).singleElement().satisfies(p ->
        assertThat(p.getMetadata().getName()).matches("once-migrate-[a-z0-9]{5}"));
    assertThat(service("once", "migrate").orElseThrow().getPhase()).isEqualTo(dev.runner.api.ServicePhase.Starting);

    // A merge patch, as `kubectl patch --type merge` makes: no resourceVersion to conflict with the
    // operator's status writes (a read-modify-write here met a 409 in CI).
    client.resources(RunnerGroup.class).inNamespace(NS).withName("once")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":true}}");
    await().atMost(SLOW).until(() -> status("once").getPhase() == GroupPhase.Suspended);
    assertThat(client.batch().v1().jobs().inNamespace(NS).withName("once-migrate").get()).isNull();
    assertThat(pods("once-migrate")).isEmpty();
  }

  private Job job(String name) {
    return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
  }

  private static boolean conditionTrue(Job job, String type) {
    return job != null && job.getStatus() != null && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Each Job of one name as the test saw it: its uid, when it was added and when deleted (test clock). */
  private record Seen(String uid, Instant added, Instant[] deleted) {
  }

  /** Watches the Jobs of one name in the test namespace; close it after the test. */
  private SharedIndexInformer<Job> watchJobs(String name, List<Seen> seen) {
    return client.batch().v1().jobs().inNamespace(NS).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Job job) {
        if (name.equals(job.getMetadata().getName())) {
          seen.add(new Seen(job.getMetadata().getUid(), Instant.now(), new Instant[1]));
        }
      }

      @Override
      public void onUpdate(Job before, Job job) { }

      @Override
      public void onDelete(Job job, boolean unknown) {
        seen.stream().filter(j -> j.uid().equals(job.getMetadata().getUid())).forEach(j -> j.deleted()[0] = Instant.now());
      }
    });
  }

  /**
   * A Job whose pod succeeds (kwok's runner-pod-succeed: phase Succeeded, exit 0): the real Job
   * controller sets Complete, the service is Completed and healthy, and its dependent starts only
   * then. The operator's process is stopped (SIGTERM) and started again: the Completed Job is not
   * re-run (the same Job, its one pod, no new Job) and the service stays Completed.
   */
  @Test
  void completedJobGatesItsDependentAndSurvivesAnOperatorRestartWithoutRunningAgain() {
    List<Seen> seen = new CopyOnWriteArrayList<>();
    try (SharedIndexInformer<Job> watch = watchJobs("done-migrate", seen)) {
      apply(group("done", svc("migrate", "    kind: Job\n    restartConfig: {policy: OnFailure}\n")
          + svc("api", "    dependsOn: [migrate]\n")));
      await().atMost(SLOW).until(() -> status("done") != null && status("done").getPhase() == GroupPhase.Ready);

      Job done = job("done-migrate");
      assertThat(conditionTrue(done, "Complete")).as("the real Job controller's Complete condition").isTrue();
      assertThat(pods("done-migrate")).singleElement().satisfies(p -> {
        assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(p.getStatus().getContainerStatuses()).allSatisfy(c ->
            assertThat(c.getState().getTerminated().getExitCode()).isZero());
      });
      ServiceStatus migrate = service("done", "migrate").orElseThrow();
      assertThat(migrate.getPhase()).isEqualTo(ServicePhase.Completed);
      assertThat(migrate.isHealthy()).isTrue();
      assertThat(migrate.getLastExit().getCode()).isZero();
      assertThat(migrate.getRestarts()).isZero();
      // api's Deployment is created at or after the Job's completion (the server's clock, whole seconds)
      Instant completed = Instant.parse(done.getStatus().getCompletionTime());
      Instant apiCreated = Instant.parse(deployment("done-api").getMetadata().getCreationTimestamp());
      assertThat(apiCreated).as("api starts after migrate completed").isAfterOrEqualTo(completed);
      String uid = done.getMetadata().getUid();
      String pod = pods("done-migrate").get(0).getMetadata().getUid();

      cluster.stopOperator();
      cluster.startOperator();
      await().during(Duration.ofSeconds(3)).atMost(cluster.operatorRestartTime().plus(PATIENCE)).until(() ->
          job("done-migrate") != null && uid.equals(job("done-migrate").getMetadata().getUid())
              && pods("done-migrate").size() == 1 && pod.equals(pods("done-migrate").get(0).getMetadata().getUid())
              && service("done", "migrate").map(ServiceStatus::getPhase).orElse(null) == ServicePhase.Completed
              && status("done").getPhase() == GroupPhase.Ready);
      assertThat(seen).as("one Job, never re-created").extracting(Seen::uid).containsExactly(uid);
    }
  }

  /**
   * A Job whose pod fails every time with exit code 3 (kwok's runner-pod-end: phase Failed) under
   * OnFailure with maxRetries 2: the real Job controller sets Failed (backoffLimit 0); the operator
   * deletes that Job and, after the backoff, creates a new one, twice; then the service is Failed
   * (RestartLimitReached) with lastExit code 3, its last Job stays, and its dependent never starts.
   */
  @Test
  void failingJobIsRetriedByTheOperatorUntilItsLimitWithItsExitCode() {
    cluster.kubelet().behave(NS, "fail-migrate", Behavior.builder().exit(Duration.ofMillis(200), 3).build());
    List<Seen> seen = new CopyOnWriteArrayList<>();
    try (SharedIndexInformer<Job> watch = watchJobs("fail-migrate", seen)) {
      apply(group("fail", svc("migrate", "    kind: Job\n"
          + "    restartConfig: {policy: OnFailure, initialBackoff: 1s, maxBackoff: 2s, maxRetries: 2}\n")
          + svc("api", "    dependsOn: [migrate]\n")));
      await().atMost(SLOW).until(() -> service("fail", "migrate").map(ServiceStatus::getPhase).orElse(null) == ServicePhase.Failed);

      ServiceStatus migrate = service("fail", "migrate").orElseThrow();
      assertThat(migrate.getReason()).isEqualTo(ServiceReason.RestartLimitReached);
      assertThat(migrate.getRestarts()).isEqualTo(2);
      assertThat(migrate.getLastExit().getCode()).isEqualTo(3);
      assertThat(seen).as("one Job per run: the first and two retries").hasSize(3);
      for (int i = 1; i < seen.size(); i++) {
        Seen before = seen.get(i - 1);
        Seen next = seen.get(i);
        assertThat(before.deleted()[0]).as("Job %d deleted before the next is created", i).isNotNull()
            .isBefore(next.added());
        assertThat(Duration.between(before.added(), next.added())).as("the retry waits its backoff")
            .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      }
      Seen last = seen.get(2);
      assertThat(last.deleted()[0]).as("the last failed Job stays").isNull();
      // The operator judges by the pod's failure, which it may see before the Job controller's condition.
      await().atMost(PATIENCE).until(() -> conditionTrue(job("fail-migrate"), "Failed"));
      assertThat(job("fail-migrate").getMetadata().getUid()).isEqualTo(last.uid());
      assertThat(pods("fail-migrate")).singleElement().satisfies(p -> {
        assertThat(p.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(p.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(3);
      });
      assertThat(service("fail", "api").orElseThrow().getPhase()).isEqualTo(ServicePhase.Waiting);
      assertThat(deployment("fail-api")).isNull();
    }
  }
}
