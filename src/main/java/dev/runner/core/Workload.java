package dev.runner.core;

import dev.runner.api.WorkloadKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A service's workload as the core judges it, whatever its kind: what it asks for (replicas, the
 * pod template), whether it is healthy by the rules of its kind, why not, and a failure its own
 * status reports (a Deployment's missed progress deadline, a Job's {@code Failed} condition).
 * {@code Supervisor} and {@code ServiceRun} decide the same way for every kind through this view.
 */
public sealed interface Workload permits Workload.OfDeployment, Workload.OfStatefulSet, Workload.OfJob {

  /** The object as the API server holds it. */
  HasMetadata object();

  WorkloadKind kind();

  /**
   * The replicas it asks for now, or null when unset. A Job asks for its one pod while it is active
   * and for none once it has finished or is being deleted.
   */
  Integer replicas();

  PodTemplateSpec template();

  /** Healthy by the rules of its kind (kstatus's for Deployment and StatefulSet; a Job: it has completed). */
  boolean healthy(int replicas);

  int readyReplicas();

  /** Why it is not healthy, in a user's words (see {@link DeploymentHealth#explain}). */
  String explain(List<Pod> pods, int replicas, boolean starting);

  /** A failure the workload's own status reports, if any. */
  Optional<Termination> failure();

  default String annotation(String key) {
    Map<String, String> annotations = object().getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }

  default boolean deleting() {
    return object().getMetadata().getDeletionTimestamp() != null;
  }

  /** Asks for no pods: scaled to zero, a finished Job, or one being deleted. */
  default boolean scaledDown() {
    Integer replicas = replicas();
    return replicas != null && replicas == 0;
  }

  /** The view of a Deployment, StatefulSet or Job. */
  static Workload of(HasMetadata object) {
    if (object instanceof Deployment d) {
      return new OfDeployment(d);
    }
    if (object instanceof StatefulSet s) {
      return new OfStatefulSet(s);
    }
    if (object instanceof Job j) {
      return new OfJob(j);
    }
    throw new IllegalArgumentException("not a workload kind the operator runs: " + object.getKind());
  }

  record OfDeployment(Deployment deployment) implements Workload {
    @Override public HasMetadata object() { return deployment; }
    @Override public WorkloadKind kind() { return WorkloadKind.Deployment; }
    @Override public Integer replicas() { return deployment.getSpec() == null ? null : deployment.getSpec().getReplicas(); }
    @Override public PodTemplateSpec template() { return deployment.getSpec() == null ? null : deployment.getSpec().getTemplate(); }
    @Override public boolean healthy(int replicas) { return DeploymentHealth.healthy(deployment, replicas); }
    @Override public int readyReplicas() { return DeploymentHealth.readyReplicas(deployment); }
    @Override public String explain(List<Pod> pods, int replicas, boolean starting) {
      return DeploymentHealth.explain(deployment, pods, replicas, starting);
    }
    @Override public Optional<Termination> failure() { return FailureDetector.rolloutFailure(deployment); }
  }

  record OfStatefulSet(StatefulSet statefulSet) implements Workload {
    @Override public HasMetadata object() { return statefulSet; }
    @Override public WorkloadKind kind() { return WorkloadKind.StatefulSet; }
    @Override public Integer replicas() { return statefulSet.getSpec() == null ? null : statefulSet.getSpec().getReplicas(); }
    @Override public PodTemplateSpec template() { return statefulSet.getSpec() == null ? null : statefulSet.getSpec().getTemplate(); }
    @Override public boolean healthy(int replicas) { return StatefulSetHealth.healthy(statefulSet, replicas); }
    @Override public int readyReplicas() { return StatefulSetHealth.readyReplicas(statefulSet); }
    @Override public String explain(List<Pod> pods, int replicas, boolean starting) {
      return StatefulSetHealth.explain(statefulSet, pods, replicas, starting);
    }
    @Override public Optional<Termination> failure() { return Optional.empty(); }
  }

  record OfJob(Job job) implements Workload {
    @Override public HasMetadata object() { return job; }
    @Override public WorkloadKind kind() { return WorkloadKind.Job; }
    @Override public Integer replicas() { return deleting() || JobHealth.finished(job) ? 0 : 1; }
    @Override public PodTemplateSpec template() { return job.getSpec() == null ? null : job.getSpec().getTemplate(); }
    @Override public boolean healthy(int replicas) { return JobHealth.complete(job); }
    @Override public int readyReplicas() { return JobHealth.readyPods(job); }
    @Override public String explain(List<Pod> pods, int replicas, boolean starting) { return JobHealth.explain(job, pods); }
    @Override public Optional<Termination> failure() { return JobHealth.failure(job); }

    public boolean complete() { return JobHealth.complete(job); }
  }
}
