package dev.runner.core;

import dev.runner.api.ExitRecord;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds a new way a running service has stopped: a container of its Pods that terminated (its
 * current state, or the last state of a container kubelet already restarted), or the Deployment
 * reporting ProgressDeadlineExceeded. "New" means since the service was started and not the one
 * already recorded, so a re-delivered event or a second reconcile never counts it twice.
 */
public final class FailureDetector {
  static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  private FailureDetector() {}

  public static Optional<Termination> detect(Deployment deployment, List<Pod> pods, ExitRecord last, Instant startedAt) {
    // Kubernetes writes times in whole seconds: compare at that precision.
    Instant since = startedAt == null ? Instant.EPOCH : startedAt.truncatedTo(ChronoUnit.SECONDS);
    List<Termination> found = new ArrayList<>();
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null) {
        continue; // a Pod being deleted stops because it was asked to
      }
      Stream.concat(statuses(pod.getStatus().getInitContainerStatuses()), statuses(pod.getStatus().getContainerStatuses()))
          .map(status -> termination(pod, status))
          .flatMap(Optional::stream)
          .forEach(found::add);
    }
    rolloutFailure(deployment).ifPresent(found::add);
    return found.stream()
        .filter(t -> !t.at().isBefore(since))
        .filter(t -> !t.sameAs(last))
        .max(Comparator.comparing(Termination::at)
            .thenComparing(t -> t.pod() == null ? "" : t.pod())
            .thenComparing(t -> t.container() == null ? "" : t.container()));
  }

  private static Stream<ContainerStatus> statuses(List<ContainerStatus> list) {
    return list == null ? Stream.empty() : list.stream();
  }

  private static Optional<Termination> termination(Pod pod, ContainerStatus status) {
    ContainerStateTerminated terminated = null;
    if (status.getState() != null && status.getState().getTerminated() != null) {
      terminated = status.getState().getTerminated();
    } else if (status.getLastState() != null && status.getLastState().getTerminated() != null) {
      terminated = status.getLastState().getTerminated();
    }
    if (terminated == null) {
      return Optional.empty();
    }
    Instant at = Times.parse(terminated.getFinishedAt());
    if (at == null) {
      at = Times.parse(terminated.getStartedAt());
    }
    if (at == null) {
      return Optional.empty();
    }
    int code = terminated.getExitCode() == null ? -1 : terminated.getExitCode();
    return Optional.of(new Termination(code == 0 ? Outcome.EXIT_ZERO : Outcome.EXIT_NON_ZERO, code,
        terminated.getReason(), at, pod.getMetadata().getName(), status.getName(), status.getRestartCount()));
  }

  private static Optional<Termination> rolloutFailure(Deployment deployment) {
    if (deployment == null || deployment.getStatus() == null || deployment.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    for (DeploymentCondition condition : deployment.getStatus().getConditions()) {
      if ("Progressing".equals(condition.getType()) && "False".equals(condition.getStatus())
          && PROGRESS_DEADLINE_EXCEEDED.equals(condition.getReason())) {
        Instant at = Times.parse(condition.getLastUpdateTime());
        if (at == null) {
          at = Times.parse(condition.getLastTransitionTime());
        }
        if (at != null) {
          return Optional.of(new Termination(Outcome.ROLLOUT_FAILED, null, PROGRESS_DEADLINE_EXCEEDED, at,
              null, null, null));
        }
      }
    }
    return Optional.empty();
  }
}
