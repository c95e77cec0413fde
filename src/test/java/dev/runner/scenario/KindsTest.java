package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Services of kind StatefulSet and Job, end to end: the operator with the simulated kubelet (or,
 * in a subclass, the real controllers). A StatefulSet with its headless Service and claims, a Job
 * whose success gates its dependents and whose failures restartConfig retries.
 */
class KindsTest extends ScenarioTest {

  /** db (a StatefulSet with a claim), migrate (a Job after db), api (after migrate). */
  static String shop(String name, String migrateExtra) {
    return group(name,
        svc("db", "    kind: StatefulSet\n    volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], "
            + "resources: {requests: {storage: 1Mi}}}}]\n")
        + svc("migrate", "    kind: Job\n    dependsOn: [db]\n" + migrateExtra)
        + svc("api", "    dependsOn: [migrate]\n"));
  }

  protected StatefulSet statefulSet(String name) {
    return client.apps().statefulSets().inNamespace(NS).withName(name).get();
  }

  protected Job job(String name) {
    return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
  }

  @Test
  void statefulSetAndJobComeUpInOrderNamedAsTheirControllersNameThem() {
    apply(shop("k1", "    restartConfig: {policy: OnFailure}\n"));
    awaitPhase("k1", GroupPhase.Ready);

    StatefulSet db = statefulSet("k1-db");
    assertThat(db.getSpec().getServiceName()).isEqualTo("k1-db");
    assertThat(db.getSpec().getPodManagementPolicy()).isEqualTo("OrderedReady");
    assertThat(db.getSpec().getVolumeClaimTemplates()).extracting(c -> c.getMetadata().getName()).containsExactly("data");
    Service headless = client.services().inNamespace(NS).withName("k1-db").get();
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getSelector()).containsEntry("runner.dev/service", "db");
    assertThat(headless.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(ref -> assertThat(ref.getKind()).isEqualTo("RunnerGroup"));
    assertThat(pods("k1-db")).extracting(p -> p.getMetadata().getName()).containsExactly("k1-db-0");

    Job migrate = job("k1-migrate");
    assertThat(migrate.getSpec().getBackoffLimit()).isZero();
    assertThat(migrate.getSpec().getTtlSecondsAfterFinished()).isNull();
    assertThat(migrate.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    List<Pod> migratePods = pods("k1-migrate");
    assertThat(migratePods).singleElement().satisfies(p -> {
      assertThat(p.getMetadata().getName()).matches("k1-migrate-[bcdfghjklmnpqrstvwxz2456789]{5}");
      assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded");
    });
    ServiceStatus done = service("k1", "migrate").orElseThrow();
    assertThat(done.getPhase()).isEqualTo(ServicePhase.Completed);
    assertThat(done.isHealthy()).isTrue();
    assertThat(done.getLastExit().getCode()).isZero();
    java.time.Instant apiCreated = timeline.created("k1-api");
    assertThat(jobs.completedAt("k1-migrate")).as("api's Deployment is created after the Job completed").isBefore(apiCreated);
  }

  @Test
  void failedJobIsRetriedByRestartConfigWithItsExitCode() {
    cluster.kubelet().behave(NS, "k2-migrate", Behavior.builder().exit(Duration.ofMillis(200), 3, 2).build());
    apply(shop("k2", "    restartConfig: {policy: OnFailure, initialBackoff: 200ms, maxBackoff: 1s, maxRetries: 5}\n"));
    awaitPhase("k2", GroupPhase.Ready);

    ServiceStatus migrate = service("k2", "migrate").orElseThrow();
    assertThat(migrate.getPhase()).isEqualTo(ServicePhase.Completed);
    assertThat(migrate.getRestarts()).isEqualTo(2);
    assertThat(jobs.created("k2-migrate")).as("one Job per run").isEqualTo(3);
    assertThat(eventReasons("k2")).contains("RestartScheduled");
  }

  @Test
  void jobFailingEveryTimeReachesItsLimitAndItsDependentsWait() {
    cluster.kubelet().behave(NS, "k3-migrate", Behavior.builder().exit(Duration.ofMillis(100), 1).build());
    apply(shop("k3", "    restartConfig: {policy: OnFailure, initialBackoff: 100ms, maxBackoff: 200ms, maxRetries: 1}\n"));
    awaitService("k3", "migrate", ServicePhase.Failed);

    ServiceStatus migrate = service("k3", "migrate").orElseThrow();
    assertThat(migrate.getReason()).isEqualTo(ServiceReason.RestartLimitReached);
    assertThat(migrate.getLastExit().getCode()).isEqualTo(1);
    assertThat(job("k3-migrate")).as("the failed Job stays, with its pod").isNotNull();
    assertThat(service("k3", "api").orElseThrow().getPhase()).isEqualTo(ServicePhase.Waiting);
    assertThat(client.apps().deployments().inNamespace(NS).withName("k3-api").get()).isNull();
  }

  @Test
  void completedJobSurvivesAnOperatorRestartWithoutRunningAgain() {
    apply(shop("k4", "    restartConfig: {policy: OnFailure}\n"));
    awaitPhase("k4", GroupPhase.Ready);
    String uid = job("k4-migrate").getMetadata().getUid();

    cluster.stopOperator();
    cluster.startOperator();
    await().during(Duration.ofSeconds(2)).atMost(PATIENCE).until(() ->
        job("k4-migrate") != null && uid.equals(job("k4-migrate").getMetadata().getUid())
            && service("k4", "migrate").map(ServiceStatus::getPhase).orElse(null) == ServicePhase.Completed);
    assertThat(status("k4").getPhase()).isEqualTo(GroupPhase.Ready);
  }

  @Test
  void restartAnnotationRerunsACompletedJob() {
    apply(shop("k5", "    restartConfig: {policy: OnFailure}\n"));
    awaitPhase("k5", GroupPhase.Ready);
    String uid = job("k5-migrate").getMetadata().getUid();

    client.resources(dev.runner.api.RunnerGroup.class).inNamespace(NS).withName("k5")
        .edit(g -> {
          g.getMetadata().getAnnotations().put("runner.dev/restart-migrate", "1");
          return g;
        });
    await().atMost(PATIENCE).until(() -> job("k5-migrate") != null && !uid.equals(job("k5-migrate").getMetadata().getUid())
        && service("k5", "migrate").map(ServiceStatus::getPhase).orElse(null) == ServicePhase.Completed);
  }

  @Test
  void deletingTheGroupDeletesTheStatefulSetItsServiceAndTheJobButNeverAClaim() {
    apply(shop("k6", "    restartConfig: {policy: OnFailure}\n"));
    awaitPhase("k6", GroupPhase.Ready);
    // As the StatefulSet controller would have made it (the mock server has none).
    PersistentVolumeClaim claim = client.resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("data-k6-db-0").withNamespace(NS).addToLabels("runner.dev/service", "db").endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage",
            new io.fabric8.kubernetes.api.model.Quantity("1Mi")).endResources().endSpec()
        .build()).create();
    int mark = cluster.requests().map(RequestLog::mark).orElse(0);

    client.resources(dev.runner.api.RunnerGroup.class).inNamespace(NS).withName("k6").delete();
    await().atMost(PATIENCE).until(() -> group("k6") == null);

    assertThat(statefulSet("k6-db")).isNull();
    assertThat(client.services().inNamespace(NS).withName("k6-db").get()).isNull();
    assertThat(job("k6-migrate")).isNull();
    assertThat(requestsTouchingClaims(mark)).as("the operator never touches a PersistentVolumeClaim").isEmpty();
    assertThat(client.persistentVolumeClaims().inNamespace(NS).withName(claim.getMetadata().getName()).get()).isNotNull();
  }

  @Test
  void aServiceNameHeldByAnotherObjectIsACollisionAndNothingIsCreated() {
    client.resource(new ServiceBuilder().withNewMetadata().withName("k7-db").withNamespace(NS).endMetadata()
        .withNewSpec().withClusterIP("None").endSpec().build()).create();
    apply(shop("k7", "    restartConfig: {policy: OnFailure}\n"));
    await().atMost(PATIENCE).until(() -> service("k7", "db").map(ServiceStatus::getReason).orElse(null)
        == ServiceReason.NameCollision);
    assertThat(service("k7", "db").orElseThrow().getError())
        .isEqualTo("StatefulSet or Service k7-db already exists and is not owned by this group: rename the service or remove that object");
    assertThat(statefulSet("k7-db")).isNull();
    assertThat(client.services().inNamespace(NS).withName("k7-db").get().getMetadata().getOwnerReferences()).isEmpty();
  }

  /** The operator's requests on persistentvolumeclaims, where the fixture logs requests. */
  protected List<String> requestsTouchingClaims(int mark) {
    return cluster.requests().map(log -> log.since(mark).stream().map(RequestLog.Entry::path)
        .filter(p -> p.contains("persistentvolumeclaims")).toList()).orElse(List.of());
  }

  private JobWatch jobs;

  @org.junit.jupiter.api.BeforeEach
  void watchJobs() {
    jobs = new JobWatch();
  }

  @org.junit.jupiter.api.AfterEach
  void stopWatchingJobs() {
    jobs.close();
  }

  /** How many Jobs of each name were created, and when each was first seen Complete. */
  final class JobWatch implements AutoCloseable {
    private final java.util.Map<String, java.util.Set<String>> uids = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, java.time.Instant> completed = new java.util.concurrent.ConcurrentHashMap<>();
    private final io.fabric8.kubernetes.client.informers.SharedIndexInformer<Job> informer;

    JobWatch() {
      informer = client.batch().v1().jobs().inNamespace(NS).inform(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
        @Override
        public void onAdd(Job job) {
          seen(job);
        }

        @Override
        public void onUpdate(Job before, Job job) {
          seen(job);
        }

        @Override
        public void onDelete(Job job, boolean unknown) { }
      });
    }

    private void seen(Job job) {
      String name = job.getMetadata().getName();
      uids.computeIfAbsent(name, k -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(job.getMetadata().getUid());
      if (dev.runner.core.JobHealth.complete(job)) {
        completed.putIfAbsent(name, java.time.Instant.now());
      }
    }

    int created(String name) {
      return uids.getOrDefault(name, java.util.Set.of()).size();
    }

    java.time.Instant completedAt(String name) {
      return completed.get(name);
    }

    @Override
    public void close() {
      informer.close();
    }
  }
}
