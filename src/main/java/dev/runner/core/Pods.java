package dev.runner.core;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Pods read as kubelet and the ReplicaSet controller read them: which are history (phase Failed
 * or Succeeded: a ReplicaSet leaves such a pod in place and creates a replacement), which the
 * cluster took away (eviction, preemption, node shutdown, admission rejection), which are ready,
 * which init containers are native sidecars, and which pods a stop still has to wait for.
 */
public final class Pods {
  /**
   * How long past its deletion deadline a terminating pod is still waited for. The API server sets
   * {@code deletionTimestamp} to the end of the grace period; by then kubelet has killed the
   * containers, and a healthy node removes the pod within seconds. A pod still there a minute later
   * is on a node that no longer answers (the node controller only gives up on those after minutes),
   * and waiting for it would block a restart or a deletion for as long as the node is lost.
   */
  public static final Duration TERMINATING_MARGIN = Duration.ofSeconds(60);

  /** Pod {@code status.reason} values for a pod the cluster stopped, not the application. */
  private static final Set<String> DISRUPTION_REASONS = Set.of(
      "Evicted", "Preempting", "Shutdown", "NodeShutdown", "Terminated", "NodeAffinity", "NodeLost", "UnexpectedAdmissionError");

  private Pods() {}

  /** Phase Failed or Succeeded: the pod will never run again; nothing waits for it. */
  public static boolean history(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Failed".equals(phase) || "Succeeded".equals(phase);
  }

  /**
   * The cluster took the pod away: its reason says eviction, preemption, node shutdown or an
   * admission rejection ({@code OutOfcpu}, {@code OutOfmemory}, ...), or it carries the
   * {@code DisruptionTarget} condition.
   */
  public static boolean disrupted(Pod pod) {
    if (pod.getStatus() == null) {
      return false;
    }
    String reason = pod.getStatus().getReason();
    if (reason != null && (DISRUPTION_REASONS.contains(reason) || reason.startsWith("OutOf"))) {
      return true;
    }
    return conditions(pod).anyMatch(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /**
   * Ready as the ReplicaSet counts it: running, not terminating, and its Ready condition true (or,
   * where a pod status has no conditions, every regular container ready).
   */
  public static boolean ready(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null
        || !"Running".equals(pod.getStatus().getPhase())) {
      return false;
    }
    List<PodCondition> conditions = pod.getStatus().getConditions();
    if (conditions != null && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()))) {
      return conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
    List<ContainerStatus> containers = pod.getStatus().getContainerStatuses();
    return containers != null && !containers.isEmpty() && containers.stream().allMatch(c -> Boolean.TRUE.equals(c.getReady()));
  }

  public static int readyCount(List<Pod> pods) {
    return (int) pods.stream().filter(Pods::ready).count();
  }

  /**
   * The pods a stop waits for: not history, and not terminating for longer than its grace period
   * plus {@link #TERMINATING_MARGIN} (a pod on a lost node).
   */
  public static List<Pod> blocking(List<Pod> pods, Instant now) {
    return pods.stream().filter(p -> !history(p)).filter(p -> !stuckTerminating(p, now)).toList();
  }

  /** {@link #blocking} for every service. */
  public static Map<String, List<Pod>> blocking(Map<String, List<Pod>> pods, Instant now) {
    Map<String, List<Pod>> blocking = new TreeMap<>();
    pods.forEach((service, list) -> {
      List<Pod> left = blocking(list, now);
      if (!left.isEmpty()) {
        blocking.put(service, left);
      }
    });
    return blocking;
  }

  static boolean stuckTerminating(Pod pod, Instant now) {
    Instant deadline = Times.parse(pod.getMetadata().getDeletionTimestamp());
    return deadline != null && now.isAfter(deadline.plus(TERMINATING_MARGIN));
  }

  /** An init container with {@code restartPolicy: Always}: it runs beside the regular containers. */
  static boolean sidecar(Pod pod, String initContainer) {
    if (pod.getSpec() == null || pod.getSpec().getInitContainers() == null) {
      return false;
    }
    return pod.getSpec().getInitContainers().stream()
        .filter(c -> initContainer.equals(c.getName()))
        .map(Container::getRestartPolicy)
        .anyMatch("Always"::equals);
  }

  /** The pod's identity: its UID, or its name where it has none (a pod built by hand). */
  static String id(Pod pod) {
    String uid = pod.getMetadata().getUid();
    return uid == null || uid.isEmpty() ? pod.getMetadata().getName() : uid;
  }

  private static Stream<PodCondition> conditions(Pod pod) {
    return pod.getStatus().getConditions() == null ? Stream.empty() : pod.getStatus().getConditions().stream();
  }
}
