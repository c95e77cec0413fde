package dev.runner.core;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every ending of a service's pods that is visible now, judged as kubelet judges it:
 * <ul>
 *   <li>an init container that exited 0 did its job; one that exited non-zero is a failure;
 *       a native sidecar (an init container with {@code restartPolicy: Always}) runs beside the
 *       service, kubelet restarts it whatever it exits with, and its exits are not the service's;
 *   <li>a regular container that exited non-zero (now, or before kubelet restarted it in place)
 *       is a failure; an exit 0 is the pod completing only when every regular container of the
 *       pod has terminated (a single container restarted in place after exit 0 counts too);
 *   <li>a pod the cluster took away (evicted, preempted, shut down with its node, rejected at
 *       admission) is a disruption, whatever its containers say;
 *   <li>a pod in phase Failed without a container that says why (e.g. its active deadline) is a
 *       failure of the pod;
 *   <li>the Deployment reporting ProgressDeadlineExceeded is a failed rollout;
 *   <li>a Job whose {@code Failed} condition is True has failed; its pod's exit says why when it
 *       is visible, the condition (DeadlineExceeded) when it is not.
 * </ul>
 * A pod being deleted is skipped: it stops because it was asked to. Each ending carries a key that
 * identifies it, so that the caller counts it once, whatever the clocks of nodes say.
 */
public final class FailureDetector {
  static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  private FailureDetector() {}

  public static List<Termination> visible(Workload workload, List<Pod> pods) {
    List<Termination> found = new ArrayList<>();
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null || ofAnotherJob(workload, pod)) {
        continue;
      }
      if (Pods.disrupted(pod)) {
        found.add(disruption(pod));
        continue;
      }
      List<Termination> ofPod = new ArrayList<>();
      for (ContainerStatus status : list(pod.getStatus().getInitContainerStatuses())) {
        if (!Pods.sidecar(pod, status.getName())) {
          termination(pod, status).filter(t -> t.outcome() == Outcome.EXIT_NON_ZERO).ifPresent(ofPod::add);
        }
      }
      List<ContainerStatus> regular = list(pod.getStatus().getContainerStatuses());
      boolean completed = completed(regular);
      for (ContainerStatus status : regular) {
        termination(pod, status).filter(t -> t.outcome() == Outcome.EXIT_NON_ZERO || completed).ifPresent(ofPod::add);
      }
      if (ofPod.isEmpty() && "Failed".equals(pod.getStatus().getPhase())) {
        ofPod.add(new Termination(Pods.id(pod) + "/failed", Outcome.EXIT_NON_ZERO, null, pod.getStatus().getReason(),
            pod.getStatus().getMessage(), null, pod.getMetadata().getName(), null, null));
      }
      found.addAll(ofPod);
    }
    if (workload != null) {
      boolean podFailed = found.stream().anyMatch(t -> t.outcome() == Outcome.EXIT_NON_ZERO);
      workload.failure().filter(t -> t.outcome() == Outcome.ROLLOUT_FAILED || !podFailed).ifPresent(found::add);
    }
    return found;
  }

  /**
   * A pod the Job controller made for another Job than the one seen (its controller owner
   * reference names a Job of another UID): the service's previous Job, replaced or deleted by
   * someone else, whose pod is still there. Its ending is that Job's, not the current one's.
   */
  private static boolean ofAnotherJob(Workload workload, Pod pod) {
    if (!(workload instanceof Workload.OfJob job) || pod.getMetadata().getOwnerReferences() == null) {
      return false;
    }
    String uid = job.object().getMetadata().getUid();
    return uid != null && pod.getMetadata().getOwnerReferences().stream()
        .anyMatch(ref -> Boolean.TRUE.equals(ref.getController()) && "Job".equals(ref.getKind()) && !uid.equals(ref.getUid()));
  }

  /**
   * Every regular container has ended with exit 0: terminated now, or (a pod of one container,
   * restarted in place by kubelet) last terminated with 0.
   */
  private static boolean completed(List<ContainerStatus> regular) {
    if (regular.isEmpty()) {
      return false;
    }
    if (regular.size() == 1) {
      return last(regular.get(0)).map(t -> Integer.valueOf(0).equals(t.getExitCode())).orElse(false);
    }
    return regular.stream().allMatch(c -> c.getState() != null && c.getState().getTerminated() != null
        && Integer.valueOf(0).equals(c.getState().getTerminated().getExitCode()));
  }

  private static Optional<ContainerStateTerminated> last(ContainerStatus status) {
    if (status.getState() != null && status.getState().getTerminated() != null) {
      return Optional.of(status.getState().getTerminated());
    }
    if (status.getLastState() != null && status.getLastState().getTerminated() != null) {
      return Optional.of(status.getLastState().getTerminated());
    }
    return Optional.empty();
  }

  private static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static Optional<Termination> termination(Pod pod, ContainerStatus status) {
    Optional<ContainerStateTerminated> last = last(status);
    if (last.isEmpty()) {
      return Optional.empty();
    }
    ContainerStateTerminated terminated = last.get();
    // The container runtime's ID names this very container instance. Without one (a pod status
    // written by hand), its ordinal: restartCount counts the restarts made, so a termination not yet
    // restarted is number restartCount + 1, and the same one seen after the restart is restartCount.
    int restarts = status.getRestartCount() == null ? 0 : status.getRestartCount();
    boolean current = status.getState() != null && status.getState().getTerminated() != null;
    String instance = terminated.getContainerID() != null && !terminated.getContainerID().isEmpty()
        ? terminated.getContainerID()
        : "#" + (current ? restarts + 1 : restarts);
    int code = terminated.getExitCode() == null ? -1 : terminated.getExitCode();
    String key = Pods.id(pod) + "/" + status.getName() + "/" + instance;
    return Optional.of(new Termination(key, code == 0 ? Outcome.EXIT_ZERO : Outcome.EXIT_NON_ZERO, code,
        terminated.getReason(), terminated.getMessage(), Times.parse(terminated.getFinishedAt()),
        pod.getMetadata().getName(), status.getName(), status.getRestartCount()));
  }

  private static Termination disruption(Pod pod) {
    String reason = pod.getStatus().getReason();
    if (reason == null) {
      reason = pod.getStatus().getConditions().stream()
          .filter(c -> "DisruptionTarget".equals(c.getType()))
          .map(c -> c.getReason())
          .findFirst().orElse("DisruptionTarget");
    }
    return new Termination(Pods.id(pod) + "/disrupted", Outcome.DISRUPTED, null, reason, pod.getStatus().getMessage(),
        null, pod.getMetadata().getName(), null, null);
  }

  static Optional<Termination> rolloutFailure(Deployment deployment) {
    if (deployment == null || deployment.getStatus() == null || deployment.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    for (DeploymentCondition condition : deployment.getStatus().getConditions()) {
      if ("Progressing".equals(condition.getType()) && "False".equals(condition.getStatus())
          && PROGRESS_DEADLINE_EXCEEDED.equals(condition.getReason())) {
        String since = condition.getLastTransitionTime() != null ? condition.getLastTransitionTime() : condition.getLastUpdateTime();
        return Optional.of(new Termination("deployment/" + PROGRESS_DEADLINE_EXCEEDED + "/" + since,
            Outcome.ROLLOUT_FAILED, null, PROGRESS_DEADLINE_EXCEEDED, condition.getMessage(), Times.parse(since),
            null, null, null));
      }
    }
    return Optional.empty();
  }
}
