package dev.runner.core;

import static dev.runner.core.TestData.spec;
import static dev.runner.core.TestData.svc;
import static dev.runner.core.World.t;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import dev.runner.api.RestartPolicy;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.WorkloadKind;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Supervisor#decide} for services of kind Job and StatefulSet: health, failure, restart, stop. */
class SupervisorKindsTest {

  /** db (a Deployment), migrate (a Job after db) and api (after migrate). */
  static World migrating(RestartPolicy policy, int maxRetries) {
    return World.of(spec(
        svc("db"),
        svc("migrate").kind(WorkloadKind.Job).dependsOn("db").policy(policy).maxRetries(maxRetries)
            .backoff("1s", "10s", 2.0).jitter(false),
        svc("api").dependsOn("migrate")));
  }

  /** As {@link #migrating}, with db Ready and the migration's Job created at t=1. */
  static World jobCreated() {
    World w = migrating(RestartPolicy.OnFailure, 2);
    w.step(t(0));
    w.healthy("db");
    Decision d = w.step(t(1));
    assertThat(d.actions()).containsExactly(new Action.Create("migrate", 1));
    return w;
  }

  /** As {@link #jobCreated}, the Job succeeded at t=3 and api started. */
  static World migrated() {
    World w = jobCreated().jobRunning("migrate");
    w.step(t(2));
    w.jobEnded("migrate", 0, t(3));
    Decision d = w.step(t(3));
    assertThat(d.actions()).containsExactly(new Action.Create("api", 1));
    return w;
  }

  @Nested
  class Job {
    @Test
    void runningJobIsStartingAndItsDependentsWait() {
      World w = jobCreated().jobRunning("migrate");
      Decision d = w.step(t(2));

      assertThat(d.actions()).isEmpty();
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.Starting);
      assertThat(w.service("migrate").getError()).isEqualTo(JobHealth.RUNNING);
      assertThat(w.service("migrate").isRunning()).isTrue();
      assertThat(w.service("api").getPhase()).isEqualTo(ServicePhase.Waiting);
      w.assertNoOpAgain();
    }

    @Test
    void succeededJobIsCompletedHealthyAndItsDependentsStart() {
      World w = migrated();

      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.Completed);
      assertThat(w.service("migrate").isHealthy()).isTrue();
      assertThat(w.service("migrate").getLastExit().getCode()).isZero();
      assertThat(w.jobs).containsKey("migrate"); // the finished Job stays, with its pod and logs
      w.healthy("api");
      w.step(t(4));
      assertThat(w.status.getPhase()).isEqualTo(GroupPhase.Ready);
      w.assertNoOpAgain();
    }

    @Test
    void podExitZeroBeforeTheJobSaysCompleteIsStillStarting() {
      World w = jobCreated().jobRunning("migrate");
      w.step(t(2));
      w.jobEnded("migrate", 0, t(3));
      w.jobs.get("migrate").setStatus(null); // the Job controller has not seen the pod yet

      Decision d = w.step(t(3));
      assertThat(d.actions()).isEmpty();
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.Starting);
      assertThat(w.service("api").getPhase()).isEqualTo(ServicePhase.Waiting);
    }

    @Test
    void completedJobIsNotRerunByOperatorRestartResyncOrEditOfAnotherService() {
      World w = migrated();
      w.healthy("api");
      w.step(t(4));

      Decision afterRestart = w.restartOperatorAndDecideAt(t(5));
      assertThat(afterRestart.actions()).isEmpty();
      w.assertNoOpAgain();

      w.edit(s -> s.getServices().get(2).getTemplate().getSpec().getContainers().get(0).setImage("api:2"));
      Decision edited = w.step(t(6));
      assertThat(edited.actions()).containsExactly(new Action.Update("api", 1));
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.Completed);
    }

    @Test
    void failedJobIsDeletedThenCreatedAnewAfterItsBackoffCountedAndLimited() {
      World w = jobCreated().jobRunning("migrate");
      w.step(t(2));
      w.jobEnded("migrate", 1, t(3));

      Decision failed = w.step(t(3));
      assertThat(failed.actions()).containsExactly(new Action.Delete("migrate"));
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.BackingOff);
      assertThat(w.service("migrate").getRestarts()).isEqualTo(1);
      assertThat(w.service("migrate").getLastExit().getCode()).isEqualTo(1);
      assertThat(w.service("migrate").getError()).startsWith("container migrate exited with code 1 (Error); restarting in 1s");
      assertThat(failed.requeueAfter()).contains(java.time.Duration.ofSeconds(1));

      assertThat(w.step(t(3.5)).actions()).isEmpty(); // the backoff runs; the Job is gone
      Decision again = w.step(t(4));
      assertThat(again.actions()).containsExactly(new Action.Create("migrate", 1));
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.Starting);

      // The old pod (Failed: history) is still listed while the new Job's pod runs: only the new exit counts.
      w.jobRunning("migrate");
      w.jobEnded("migrate", 1, t(5));
      assertThat(w.step(t(5)).actions()).containsExactly(new Action.Delete("migrate"));
      assertThat(w.service("migrate").getRestarts()).isEqualTo(2);
      w.step(t(7));
      w.jobRunning("migrate");
      w.jobEnded("migrate", 3, t(8));

      Decision limit = w.step(t(8));
      assertThat(limit.actions()).as("a Job failed for good is kept, with its pod's logs").isEmpty();
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.Failed);
      assertThat(w.service("migrate").getReason()).isEqualTo(ServiceReason.RestartLimitReached);
      assertThat(w.service("migrate").getLastExit().getCode()).isEqualTo(3);
      assertThat(w.service("api").getPhase()).isEqualTo(ServicePhase.Waiting);
      w.assertNoOpAgain();
    }

    @Test
    void policyNeverFailsAtOnceAndKeepsTheJob() {
      World w = migrating(RestartPolicy.Never, 5);
      w.step(t(0));
      w.healthy("db");
      w.step(t(1));
      w.jobRunning("migrate").jobEnded("migrate", 2, t(2));

      Decision d = w.step(t(2));
      assertThat(d.actions()).isEmpty();
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.Failed);
      assertThat(w.service("migrate").getReason()).isEqualTo(ServiceReason.NotRestarted);
    }

    @Test
    void activeDeadlineExceededIsAFailureWithTheJobsReason() {
      World w = jobCreated().jobRunning("migrate");
      w.step(t(2));
      // The Job controller kills the pod (it terminates) and says why on the Job.
      w.terminatePods("migrate");
      w.jobCondition("migrate", "Failed", "DeadlineExceeded", t(3));

      Decision d = w.step(t(3));
      assertThat(d.actions()).containsExactly(new Action.Delete("migrate"));
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.BackingOff);
      assertThat(w.service("migrate").getError()).startsWith("the Job failed (DeadlineExceeded); restarting in 1s");
      // Its pod is still terminating when the backoff is over: the new Job waits for it.
      assertThat(w.step(t(4)).actions()).isEmpty();
      assertThat(w.service("migrate").getError()).isEqualTo("restarting: waiting for 1 pod(s) to terminate");
      w.podsGone("migrate");
      assertThat(w.step(t(4.5)).actions()).containsExactly(new Action.Create("migrate", 1));
    }

    @Test
    void templateEditOfACompletedJobRerunsItGatedOnItsDependencies() {
      World w = migrated();
      w.unavailable("db");
      w.edit(s -> s.getServices().get(1).getTemplate().getSpec().getContainers().get(0).setImage("migrate:2"));

      Decision waiting = w.step(t(5));
      assertThat(waiting.actions()).as("db is not healthy: nothing is re-run yet").isEmpty();
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.Waiting);

      w.healthy("db");
      assertThat(w.step(t(6)).actions()).containsExactly(new Action.Delete("migrate"));
      assertThat(w.step(t(6.1)).actions()).containsExactly(new Action.Create("migrate", 1));
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.Starting);
    }

    @Test
    void serviceRestartAnnotationRerunsACompletedJob() {
      World w = migrated();
      w.annotateRestart("migrate", "1");

      assertThat(w.step(t(5)).actions()).containsExactly(new Action.Delete("migrate"));
      assertThat(w.step(t(5.1)).actions()).containsExactly(new Action.Create("migrate", 1));
      // The same value again does nothing.
      w.jobRunning("migrate").jobEnded("migrate", 0, t(6));
      assertThat(w.step(t(6)).actions()).isEmpty();
      assertThat(w.service("migrate").getPhase()).isEqualTo(ServicePhase.Completed);
    }

    @Test
    void templateEditOfARunningJobDeletesItAndCreatesTheNewOne() {
      World w = jobCreated().jobRunning("migrate");
      w.step(t(2));
      w.edit(s -> s.getServices().get(1).getTemplate().getSpec().getContainers().get(0).setImage("migrate:2"));

      assertThat(w.step(t(3)).actions()).containsExactly(new Action.Delete("migrate"));
      assertThat(w.step(t(3.1)).actions()).as("its pod still terminates").isEmpty();
      w.podsGone("migrate");
      assertThat(w.step(t(3.2)).actions()).containsExactly(new Action.Create("migrate", 1));
    }

    @Test
    void suspendDeletesARunningJobAndLeavesACompletedOne() {
      World running = jobCreated().jobRunning("migrate");
      running.step(t(2));
      running.suspend(true);
      Decision d = running.step(t(3));
      assertThat(d.actions()).contains(new Action.Delete("migrate")).doesNotContain(new Action.Scale("db", 0));

      World done = migrated();
      done.healthy("api");
      done.step(t(4));
      done.suspend(true);
      // A Completed Job runs nothing that needs db: db stops beside api; the Job stays as it is.
      assertThat(done.step(t(5)).actions()).containsExactlyInAnyOrder(new Action.Scale("api", 0), new Action.Scale("db", 0));
      done.podsGone("api", "db");
      assertThat(done.step(t(6)).actions()).isEmpty();
      done.step(t(7));
      assertThat(done.status.getPhase()).isEqualTo(GroupPhase.Suspended);

      done.suspend(false);
      Decision resumed = done.step(t(8));
      // The Completed Job is not re-run, and counts as met at once: api starts beside db.
      assertThat(resumed.actions()).containsExactly(new Action.Update("db", 1), new Action.Update("api", 1));
      assertThat(done.service("migrate").getPhase()).isEqualTo(ServicePhase.Completed);
      assertThat(done.service("migrate").isHealthy()).isTrue();
    }

    @Test
    void deletingTheGroupDeletesTheJobInReverseOrder() {
      World w = migrated();
      w.healthy("api");
      w.step(t(4));
      w.delete();
      // The Completed Job runs nothing that needs db: db stops beside api; the Job goes before db's Deployment.
      assertThat(w.step(t(5)).actions()).containsExactlyInAnyOrder(new Action.Scale("api", 0), new Action.Scale("db", 0));
      w.podsGone("api", "db");
      // Each workload is deleted after those of its dependents.
      assertThat(w.step(t(6)).actions()).containsExactly(new Action.Delete("api"));
      assertThat(w.step(t(7)).actions()).containsExactly(new Action.Delete("migrate"));
      assertThat(w.step(t(8)).actions()).containsExactly(new Action.Delete("db"));
      assertThat(w.step(t(9)).stopped()).isTrue();
    }
  }

  @Nested
  class StatefulSets {
    static World database() {
      World w = World.of(spec(svc("db").kind(WorkloadKind.StatefulSet).replicas(2), svc("api").dependsOn("db")));
      assertThat(w.step(t(0)).actions()).containsExactly(new Action.Create("db", 2));
      return w;
    }

    @Test
    void healthyByKstatusRulesThenDependentsStart() {
      World w = database();
      assertThat(w.service("db").getError()).isEqualTo("starting: 0/2 replicas available");
      w.statefulSetHealthy("db", "db-r1");
      Decision d = w.step(t(1));
      assertThat(d.actions()).containsExactly(new Action.Create("api", 1));
      assertThat(w.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(w.service("db").getReadyReplicas()).isEqualTo(2);
    }

    @Test
    void exitOfItsOnlyReadyReplicaStopsItByScalingToZero() {
      World w = database();
      w.statefulSetHealthy("db", "r1");
      w.step(t(1));
      w.statefulSets.get("db").getStatus().setReadyReplicas(0);
      w.pods.get("db").forEach(p -> p.getStatus().setContainerStatuses(java.util.List.of(
          TestData.terminated("db", 1, "Error", 0, t(2)))));
      Decision d = w.step(t(2));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 0));
      assertThat(w.service("db").getPhase()).isEqualTo(ServicePhase.BackingOff);
    }

    @Test
    void templateChangedByHandIsPutBack() {
      World w = database();
      w.statefulSetHealthy("db", "r1");
      w.step(t(1));
      w.statefulSets.get("db").getSpec().getTemplate().getSpec().getContainers().get(0).setImage("db:evil");
      assertThat(w.step(t(2)).actions()).containsExactly(new Action.Update("db", 2));
    }

    @Test
    void suspendScalesItToZeroAndWaitsForItsPods() {
      World w = database();
      w.statefulSetHealthy("db", "r1");
      w.step(t(1));
      w.suspend(true);
      assertThat(w.step(t(2)).actions()).containsExactly(new Action.Scale("api", 0));
      assertThat(w.step(t(3)).actions()).containsExactly(new Action.Scale("db", 0));
      assertThat(w.status.getPhase()).isNotEqualTo(GroupPhase.Suspended);
      w.podsGone("db");
      w.step(t(4));
      assertThat(w.status.getPhase()).isEqualTo(GroupPhase.Suspended);
      assertThat(w.statefulSets).containsKey("db");
    }
  }

  @Nested
  class StatefulSetHealthRules {
    @ParameterizedTest(name = "gen {0}/{1} replicas {2} ready {3} current {4} updated {5} {6}->{7}: {8}")
    @CsvSource({
        "2, 2, 2, 2, 2, 2, r1, r1, true",
        "2, 1, 2, 2, 2, 2, r1, r1, false",   // generation not observed yet
        "2, 2, 1, 1, 1, 1, r1, r1, false",   // a replica missing
        "2, 2, 2, 1, 2, 2, r1, r1, false",   // one not ready
        "2, 2, 2, 2, 1, 2, r1, r1, false",   // one not current
        "2, 2, 2, 2, 2, 1, r1, r1, false",   // one not updated
        "2, 2, 2, 2, 2, 2, r1, r2, false",   // the rollout is not over
        "2, 2, 3, 2, 2, 2, r1, r1, false",   // one more still terminating
    })
    void healthy(long generation, long observed, int replicas, int ready, int current, int updated, String currentRevision,
        String updateRevision, boolean healthy) {
      StatefulSet set = new StatefulSetBuilder()
          .withNewMetadata().withGeneration(generation).endMetadata()
          .withNewSpec().withReplicas(2).endSpec()
          .withStatus(new StatefulSetStatusBuilder().withObservedGeneration(observed).withReplicas(replicas)
              .withReadyReplicas(ready).withCurrentReplicas(current).withUpdatedReplicas(updated)
              .withCurrentRevision(currentRevision).withUpdateRevision(updateRevision).build())
          .build();
      assertThat(StatefulSetHealth.healthy(set, 2)).isEqualTo(healthy);
    }
  }

  @Nested
  class PlanChecks {
    GroupPlan plan(TestData.Svc service) {
      return GroupPlan.of("app", spec(service));
    }

    @Test
    void jobRules() {
      assertThat(plan(svc("m").kind(WorkloadKind.Job).replicas(2)).errors())
          .containsExactly("service m: a Job service runs one pod: remove replicas or set it to 1 (parallel Jobs are not supported)");
      assertThat(plan(svc("m").kind(WorkloadKind.Job).policy(RestartPolicy.Always)).errors()).singleElement()
          .asString().startsWith("service m: restartConfig.policy Always is not allowed for a Job");
      dev.runner.api.RunnerGroupSpec inherited = spec(svc("m").kind(WorkloadKind.Job));
      dev.runner.api.RestartConfig always = new dev.runner.api.RestartConfig();
      always.setPolicy(RestartPolicy.Always);
      inherited.setRestartConfig(always);
      assertThat(GroupPlan.of("app", inherited).errors()).singleElement().asString().contains("also not from the group's");
      TestData.Svc restartAlways = svc("m").kind(WorkloadKind.Job);
      restartAlways.build().getTemplate().getSpec().setRestartPolicy("Always");
      assertThat(plan(restartAlways).errors()).singleElement().asString()
          .contains("a Job service's pod runs with Never");
      assertThat(plan(svc("m").kind(WorkloadKind.Job)).valid()).isTrue();
    }

    @Test
    void fieldsOfOneKindOnly() {
      TestData.Svc claims = svc("d");
      claims.build().setVolumeClaimTemplates(java.util.List.of(new io.fabric8.kubernetes.api.model.PersistentVolumeClaim()));
      assertThat(plan(claims).errors()).containsExactly(
          "service d: volumeClaimTemplates is only for kind StatefulSet, not Deployment: remove volumeClaimTemplates or change the kind");
      TestData.Svc deadline = svc("d").kind(WorkloadKind.StatefulSet);
      deadline.build().setProgressDeadlineSeconds(60);
      deadline.build().setMinReadySeconds(5);
      assertThat(plan(deadline).errors()).containsExactly(
          "service d: progressDeadlineSeconds is only for kind Deployment, not StatefulSet: remove progressDeadlineSeconds or change the kind");
      TestData.Svc active = svc("d").kind(WorkloadKind.StatefulSet);
      active.build().setActiveDeadlineSeconds(60L);
      assertThat(plan(active).errors()).singleElement().asString().contains("activeDeadlineSeconds is only for kind Job");
    }
  }
}
