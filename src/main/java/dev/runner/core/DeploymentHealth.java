package dev.runner.core;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** The health of one service's Deployment and Pods, and why it is not healthy; what pods say of any kind. */
public final class DeploymentHealth {
  private static final Set<String> IMAGE_PULL = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull");

  private DeploymentHealth() {}

  /**
   * Healthy: the Deployment has observed its latest generation and all {@code replicas} desired
   * replicas are updated and available.
   */
  public static boolean healthy(Deployment deployment, int replicas) {
    if (deployment == null || deployment.getStatus() == null || deployment.getSpec() == null) {
      return false;
    }
    DeploymentStatus status = deployment.getStatus();
    Long generation = deployment.getMetadata().getGeneration();
    boolean observed = generation == null || (status.getObservedGeneration() != null && status.getObservedGeneration() >= generation);
    return observed
        && Objects.equals(deployment.getSpec().getReplicas(), replicas)
        && count(status.getUpdatedReplicas()) >= replicas
        && count(status.getAvailableReplicas()) >= replicas
        && count(status.getReplicas()) == replicas;
  }

  /** At least one of the Pods is running. */
  public static boolean running(List<Pod> pods) {
    return pods.stream().anyMatch(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()));
  }

  public static int readyReplicas(Deployment deployment) {
    return deployment == null || deployment.getStatus() == null ? 0 : count(deployment.getStatus().getReadyReplicas());
  }

  /**
   * Why the service is not healthy, in words a user can act on. While it is {@code starting}, a
   * mere count reads "starting: 0/2 replicas available": the same words from the moment the
   * Deployment is created until a replica is available, so that nothing changes in the status (and
   * nothing is written) until something did change.
   */
  public static String explain(Deployment deployment, List<Pod> pods, int replicas, boolean starting) {
    Optional<String> waiting = waiting(pods);
    if (waiting.isPresent()) {
      return waiting.get();
    }
    String prefix = starting ? "starting: " : "";
    if (deployment == null || deployment.getStatus() == null || deployment.getStatus().getObservedGeneration() == null) {
      return prefix + "0/" + replicas + " replicas available";
    }
    if (deployment.getMetadata().getGeneration() != null
        && deployment.getStatus().getObservedGeneration() < deployment.getMetadata().getGeneration()) {
      return "rollout in progress";
    }
    int available = count(deployment.getStatus().getAvailableReplicas());
    int updated = count(deployment.getStatus().getUpdatedReplicas());
    // A rollout replaces old Pods: only while some are left. The Deployment controller's first status
    // of a new Deployment (generation observed, no Pods, no updatedReplicas yet) is part of its start.
    if (updated < replicas && count(deployment.getStatus().getReplicas()) > updated) {
      return "rollout in progress: " + updated + "/" + replicas + " replicas updated";
    }
    return prefix + available + "/" + replicas + " replicas available";
  }

  /**
   * Why a container of the pods cannot run (image pull, crash loop, cannot be created), whatever
   * the kind of their workload.
   */
  static Optional<String> waiting(List<Pod> pods) {
    return pods.stream()
        .filter(p -> p.getStatus() != null)
        .flatMap(p -> Stream.concat(list(p.getStatus().getInitContainerStatuses()), list(p.getStatus().getContainerStatuses())))
        .filter(c -> c.getState() != null && c.getState().getWaiting() != null)
        .map(DeploymentHealth::waitingReason)
        .flatMap(Optional::stream)
        .findFirst();
  }

  private static Optional<String> waitingReason(ContainerStatus status) {
    String reason = status.getState().getWaiting().getReason();
    String message = status.getState().getWaiting().getMessage();
    if (reason == null) {
      return Optional.empty();
    }
    if (IMAGE_PULL.contains(reason)) {
      return Optional.of("image pull failed: " + (message == null || message.isEmpty() ? reason : message));
    }
    if ("CrashLoopBackOff".equals(reason)) {
      return Optional.of("container " + status.getName() + " is crash-looping");
    }
    if ("CreateContainerConfigError".equals(reason) || "CreateContainerError".equals(reason)) {
      return Optional.of("container " + status.getName() + " cannot be created: " + (message == null ? reason : message));
    }
    return Optional.empty();
  }

  private static Stream<ContainerStatus> list(List<ContainerStatus> statuses) {
    return statuses == null ? Stream.empty() : statuses.stream();
  }

  static int count(Integer value) {
    return value == null ? 0 : value;
  }
}
