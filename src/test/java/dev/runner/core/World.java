package dev.runner.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A RunnerGroup and the cluster around it, as the reconciler sees them, for driving
 * {@link Supervisor#decide} through time. The clock is whatever {@code now} a test passes.
 *
 * <p>{@link #decideAt} observes, decides and records the decision's status as the next previous
 * status (round-tripped through JSON, as the status subresource would). {@link #apply} plays the
 * reconciler's WorkloadWriter: Deployments are built as WorkloadFactory builds them (spec-hash
 * and depends-on annotations, replicas) and a spec change bumps the generation, as the API server
 * does. The methods in "the cluster" play the Deployment controller and kubelet.
 */
final class World {
  static final String GROUP = "app";
  static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** {@code seconds} after {@link #T0}, to the millisecond. */
  static Instant t(double seconds) {
    return T0.plusMillis(Math.round(seconds * 1000));
  }

  RunnerGroupSpec spec;
  long generation = 1;
  boolean deleting;
  String restartRequest;
  /** What is seen of the groups of spec.dependsOn (none by default). */
  GroupDependencies.Observation groups = GroupDependencies.Observation.NONE;
  final Map<String, String> serviceRestarts = new TreeMap<>();
  RunnerGroupStatus status;
  final Map<String, Deployment> deployments = new TreeMap<>();
  final Map<String, StatefulSet> statefulSets = new TreeMap<>();
  final Map<String, Job> jobs = new TreeMap<>();
  final Set<String> foreign = new TreeSet<>();
  final Map<String, List<Pod>> pods = new TreeMap<>();
  private final Map<String, Integer> podCounter = new HashMap<>();
  private Supervisor supervisor = new Supervisor(new Backoff(() -> 0.5));
  Decision decision;
  Observed observed;
  Instant now;

  private World(RunnerGroupSpec spec) {
    this.spec = spec;
  }

  static World of(RunnerGroupSpec spec) {
    return new World(spec);
  }

  /** For a spec of db and api (depending on db): db healthy, then api; the group Ready at t=2. */
  World dbThenApiReady() {
    step(t(0));
    healthy("db");
    step(t(1));
    healthy("api");
    step(t(2));
    assertThat(status.getPhase()).isEqualTo(dev.runner.api.GroupPhase.Ready);
    return this;
  }

  World withBackoff(Backoff backoff) {
    this.supervisor = new Supervisor(backoff);
    return this;
  }

  // ---- the operator -------------------------------------------------------------------------

  Observed observed(Instant at) {
    Map<String, List<Pod>> podsCopy = new TreeMap<>();
    pods.forEach((service, list) -> podsCopy.put(service, List.copyOf(list)));
    Map<String, Workload> workloads = new TreeMap<>();
    deployments.forEach((service, d) -> workloads.put(service, Workload.of(d)));
    statefulSets.forEach((service, d) -> workloads.put(service, Workload.of(d)));
    jobs.forEach((service, d) -> workloads.put(service, Workload.of(d)));
    return new Observed(GROUP, generation, spec, deleting, restartRequest, new TreeMap<>(serviceRestarts), status,
        workloads, new TreeSet<>(foreign), podsCopy, at, groups);
  }

  /** One reconcile at {@code at}: its status becomes the previous status of the next one. */
  Decision decideAt(Instant at) {
    now = at;
    observed = observed(at);
    decision = supervisor.decide(observed);
    status = JSON.unmarshal(JSON.asJson(decision.status()), RunnerGroupStatus.class);
    return decision;
  }

  /** An operator restart: a new Supervisor with nothing but the written status. */
  Decision restartOperatorAndDecideAt(Instant at) {
    supervisor = new Supervisor(new Backoff(() -> 0.5));
    return decideAt(at);
  }

  /** decideAt and then apply its actions. */
  Decision step(Instant at) {
    Decision d = decideAt(at);
    apply();
    return d;
  }

  /**
   * The last reconcile once more, on the same observation but with the status it just wrote (as
   * when the status write itself triggers a reconcile, or an event changes nothing the decision
   * reads): nothing new to do, nothing to say, the same status. The last decision must have had
   * no actions (otherwise the cluster is about to change).
   */
  void assertNoOpAgain() {
    assertThat(decision.actions()).as("the last decision's actions").isEmpty();
    String before = JSON.asJson(status);
    Observed same = new Observed(observed.group(), observed.generation(), observed.spec(), observed.deleting(),
        observed.restartRequest(), observed.serviceRestarts(), status, observed.workloads(), observed.foreign(), observed.pods(), observed.now(), observed.groups());
    Decision again = supervisor.decide(same);
    assertThat(again.actions()).as("actions of an identical reconcile").isEmpty();
    assertThat(again.events()).as("events of an identical reconcile").isEmpty();
    assertThat(JSON.asJson(again.status())).as("status of an identical reconcile").isEqualTo(before);
  }

  // ---- the reconciler's writes ----------------------------------------------------------------

  /** Applies the last decision's actions the way WorkloadWriter does. */
  World apply() {
    for (Action action : decision.actions()) {
      GroupPlan.ServicePlan plan = decision.plan().services().get(action.service());
      if (statefulSets.containsKey(action.service()) || jobs.containsKey(action.service())
          || (plan != null && plan.spec().kind() != dev.runner.api.WorkloadKind.Deployment && !deployments.containsKey(action.service()))) {
        applyOtherKind(action, plan);
        continue;
      }
      if (action instanceof Action.Create create) {
        assertThat(deployments).as("create of an existing Deployment").doesNotContainKey(create.service());
        deployments.put(create.service(), built(plan, create.replicas(), 1L));
      } else if (action instanceof Action.Update update) {
        Deployment current = deployments.get(update.service());
        Deployment wanted = built(plan, update.replicas(), current.getMetadata().getGeneration() + 1);
        wanted.setStatus(current.getStatus());
        deployments.put(update.service(), wanted);
        if (update.replicas() == 0) {
          terminatePods(update.service());
        }
      } else if (action instanceof Action.Scale scale) {
        Deployment current = deployments.get(scale.service());
        if (!Integer.valueOf(scale.replicas()).equals(current.getSpec().getReplicas())) {
          current.getSpec().setReplicas(scale.replicas());
          current.getMetadata().setGeneration(current.getMetadata().getGeneration() + 1);
        }
        if (scale.replicas() == 0) {
          terminatePods(scale.service());
        }
      } else if (action instanceof Action.Delete delete) {
        // Background propagation: the Deployment goes at once, its Pods terminate afterwards.
        deployments.remove(delete.service());
        terminatePods(delete.service());
      }
    }
    return this;
  }

  /** A StatefulSet's or a Job's action, as WorkloadWriter makes it (a Job is only ever created and deleted). */
  private void applyOtherKind(Action action, GroupPlan.ServicePlan plan) {
    String service = action.service();
    if (action instanceof Action.Delete) {
      statefulSets.remove(service);
      jobs.remove(service);
      terminatePods(service);
      return;
    }
    boolean job = plan.spec().kind() == dev.runner.api.WorkloadKind.Job;
    assertThat(job && !(action instanceof Action.Create)).as("a Job is only created or deleted: " + action).isFalse();
    if (action instanceof Action.Create create) {
      assertThat(statefulSets.containsKey(service) || jobs.containsKey(service)).as("create of an existing workload").isFalse();
      if (job) {
        jobs.put(service, new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
            .withMetadata(built(plan, 1, 1L).getMetadata())
            .withNewSpec().withBackoffLimit(0).withTemplate(JSON.clone(plan.spec().getTemplate())).endSpec()
            .build());
      } else {
        statefulSets.put(service, statefulSet(plan, create.replicas(), 1L));
      }
      return;
    }
    StatefulSet current = statefulSets.get(service);
    int replicas = action instanceof Action.Update u ? u.replicas() : ((Action.Scale) action).replicas();
    if (action instanceof Action.Update) {
      StatefulSet wanted = statefulSet(plan, replicas, current.getMetadata().getGeneration() + 1);
      wanted.setStatus(current.getStatus());
      statefulSets.put(service, wanted);
    } else if (!Integer.valueOf(replicas).equals(current.getSpec().getReplicas())) {
      current.getSpec().setReplicas(replicas);
      current.getMetadata().setGeneration(current.getMetadata().getGeneration() + 1);
    }
    if (replicas == 0) {
      terminatePods(service);
    }
  }

  private static StatefulSet statefulSet(GroupPlan.ServicePlan plan, int replicas, long generation) {
    return new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder()
        .withMetadata(built(plan, replicas, generation).getMetadata())
        .withNewSpec().withReplicas(replicas).withServiceName(Names.deploymentName(GROUP, plan.name()))
          .withTemplate(JSON.clone(plan.spec().getTemplate())).endSpec()
        .build();
  }

  /** The StatefulSet controller catches up: every replica ready, current and updated at one revision. */
  World statefulSetHealthy(String service, String revision) {
    StatefulSet s = statefulSets.get(service);
    int replicas = s.getSpec().getReplicas();
    s.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder()
        .withObservedGeneration(s.getMetadata().getGeneration()).withReplicas(replicas).withReadyReplicas(replicas)
        .withAvailableReplicas(replicas).withCurrentReplicas(replicas).withUpdatedReplicas(replicas)
        .withCurrentRevision(revision).withUpdateRevision(revision).build());
    List<Pod> all = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      all.add(TestData.pod(GROUP, service, Names.deploymentName(GROUP, service) + "-" + i, "Running",
          TestData.running(service, 0, now == null ? T0 : now)));
    }
    pods.put(service, all);
    return this;
  }

  /** The service's Job has one pod running. */
  World jobRunning(String service) {
    pods.put(service, new ArrayList<>(List.of(runningPod(service))));
    return this;
  }

  /** The Job's pod ended with {@code code} (phase Succeeded or Failed) and the Job controller set Complete or Failed. */
  World jobEnded(String service, int code, Instant at) {
    Pod pod = livePods(service).stream().findFirst().orElseThrow();
    pod.getStatus().setContainerStatuses(List.of(TestData.terminated(service, code, code == 0 ? "Completed" : "Error", 0, at)));
    pod.getStatus().setPhase(code == 0 ? "Succeeded" : "Failed");
    return jobCondition(service, code == 0 ? "Complete" : "Failed", code == 0 ? null : "BackoffLimitExceeded", at);
  }

  /** The Job controller sets a condition (Complete, Failed) to True. */
  World jobCondition(String service, String type, String reason, Instant at) {
    Job job = jobs.get(service);
    job.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
        .addNewCondition().withType(type).withStatus("True").withReason(reason)
          .withLastTransitionTime(TestData.k8sTime(at)).endCondition()
        .build());
    return this;
  }

  /** The Deployment as WorkloadFactory builds it. */
  static Deployment built(GroupPlan.ServicePlan plan, int replicas, long generation) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Names.MANAGED_BY, Names.OPERATOR);
    labels.put(Names.GROUP_LABEL, GROUP);
    labels.put(Names.SERVICE_LABEL, plan.name());
    return new DeploymentBuilder()
        .withNewMetadata()
          .withName(Names.deploymentName(GROUP, plan.name()))
          .withNamespace("test")
          .withGeneration(generation)
          .withLabels(labels)
          .addToAnnotations(Names.SPEC_HASH, TemplateHash.of(plan))
          .addToAnnotations(Names.DEPENDS_ON, TemplateHash.dependsOn(plan))
        .endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withNewSelector().addToMatchLabels(Names.GROUP_LABEL, GROUP).addToMatchLabels(Names.SERVICE_LABEL, plan.name()).endSelector()
          .withTemplate(JSON.clone(plan.spec().getTemplate()))
        .endSpec()
        .build();
  }

  /** A Deployment recorded with these dependencies (e.g. written by an earlier, valid spec). */
  World existingDeployment(String service, int replicas, String dependsOn) {
    Deployment d = new DeploymentBuilder()
        .withNewMetadata()
          .withName(Names.deploymentName(GROUP, service)).withNamespace("test").withGeneration(1L)
          .addToLabels(Names.MANAGED_BY, Names.OPERATOR).addToLabels(Names.GROUP_LABEL, GROUP).addToLabels(Names.SERVICE_LABEL, service)
          .addToAnnotations(Names.SPEC_HASH, "old").addToAnnotations(Names.DEPENDS_ON, dependsOn)
        .endMetadata()
        .withNewSpec().withReplicas(replicas).withTemplate(new PodTemplateSpec()).endSpec()
        .build();
    deployments.put(service, d);
    return this;
  }

  // ---- the user -------------------------------------------------------------------------------

  World edit(Consumer<RunnerGroupSpec> change) {
    change.accept(spec);
    generation++;
    return this;
  }

  World replaceSpec(RunnerGroupSpec newSpec) {
    spec = newSpec;
    generation++;
    return this;
  }

  World delete() {
    deleting = true;
    return this;
  }

  World suspend(boolean suspend) {
    spec.setSuspend(suspend);
    generation++;
    return this;
  }

  World annotateRestart(String value) {
    restartRequest = value;
    return this;
  }

  World annotateRestart(String service, String value) {
    serviceRestarts.put(service, value);
    return this;
  }

  // ---- the cluster (Deployment controller and kubelet) -----------------------------------------

  Deployment deployment(String service) {
    return deployments.get(service);
  }

  ServiceStatus service(String name) {
    return status.getServices().get(name);
  }

  /** The Deployment controller catches up and every desired replica runs, updated and available. */
  World healthy(String... services) {
    for (String service : services) {
      Deployment d = deployments.get(service);
      int replicas = d.getSpec().getReplicas();
      d.setStatus(statusOf(d.getMetadata().getGeneration(), replicas, replicas, replicas, replicas));
      List<Pod> live = livePods(service);
      List<Pod> all = new ArrayList<>(pods.getOrDefault(service, List.of()));
      for (int i = live.size(); i < replicas; i++) {
        all.add(runningPod(service));
      }
      pods.put(service, all);
    }
    return this;
  }

  /** Sets the Deployment's status as given. */
  World deploymentStatus(String service, long observedGeneration, int replicas, int updated, int available) {
    deployments.get(service).setStatus(statusOf(observedGeneration, replicas, updated, available, available));
    return this;
  }

  /** The replicas stop being available (without any container exiting). */
  World unavailable(String service) {
    Deployment d = deployments.get(service);
    int replicas = d.getSpec().getReplicas();
    d.setStatus(statusOf(d.getMetadata().getGeneration(), replicas, replicas, 0, 0));
    return this;
  }

  World progressDeadlineExceeded(String service, Instant at) {
    Deployment d = deployments.get(service);
    int replicas = d.getSpec().getReplicas();
    DeploymentStatus s = statusOf(d.getMetadata().getGeneration(), replicas, replicas, 0, 0);
    s.setConditions(List.of(new DeploymentConditionBuilder()
        .withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
        .withMessage("ReplicaSet has timed out progressing.")
        .withLastUpdateTime(TestData.k8sTime(at)).withLastTransitionTime(TestData.k8sTime(at))
        .build()));
    d.setStatus(s);
    return this;
  }

  private static DeploymentStatus statusOf(long observedGeneration, int replicas, int updated, int available, int ready) {
    return new DeploymentStatusBuilder()
        .withObservedGeneration(observedGeneration)
        .withReplicas(replicas)
        .withUpdatedReplicas(updated)
        .withAvailableReplicas(available)
        .withReadyReplicas(ready)
        .build();
  }

  Pod runningPod(String service) {
    return TestData.pod(GROUP, service, nextPodName(service), "Running", TestData.running(service, 0, now == null ? T0 : now));
  }

  String nextPodName(String service) {
    int n = podCounter.merge(service, 1, Integer::sum);
    return Names.deploymentName(GROUP, service) + "-" + n;
  }

  /** Replaces the container status of the service's first live Pod. */
  World container(String service, ContainerStatus container, String podPhase) {
    List<Pod> list = pods.get(service);
    Pod pod = livePods(service).stream().findFirst().orElseThrow();
    pod.getStatus().setContainerStatuses(List.of(container));
    pod.getStatus().setPhase(podPhase);
    return this;
  }

  /**
   * The service's container exits and stays terminated (current state). The pod stays Running, as
   * kubelet keeps a pod of a Deployment (restartPolicy Always) while it restarts the container.
   */
  World exits(String service, int code, String reason, Instant at) {
    return container(service, TestData.terminated(service, code, reason, 0, at), "Running");
  }

  /** The service's container exited and kubelet already restarted it (last state). */
  World exitedAndRestarted(String service, int code, String reason, int restartCount, Instant at) {
    return container(service, TestData.restartedAfter(service, code, reason, restartCount, at), "Running");
  }

  /** Adds a Pod as given. */
  World pod(String service, Pod pod) {
    pods.computeIfAbsent(service, k -> new ArrayList<>()).add(pod);
    return this;
  }

  /** kubelet is asked to stop the service's Pods: they get a deletionTimestamp and are still listed. */
  World terminatePods(String service) {
    pods.getOrDefault(service, List.of()).forEach(p -> {
      // A ReplicaSet deletes its active pods only: one in phase Failed or Succeeded stays.
      if (p.getMetadata().getDeletionTimestamp() == null && !Pods.history(p)) {
        p.getMetadata().setDeletionTimestamp(TestData.k8sTime(now == null ? T0 : now));
      }
    });
    return this;
  }

  /** The service's Pods have terminated and are gone. */
  World podsGone(String... services) {
    for (String service : services) {
      pods.remove(service);
    }
    return this;
  }

  /** The active pods, as a ReplicaSet counts them: not terminating, not history (phase Failed/Succeeded). */
  List<Pod> livePods(String service) {
    return pods.getOrDefault(service, List.of()).stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null && !Pods.history(p)).toList();
  }
}
