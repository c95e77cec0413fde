package dev.runner.core;

import static dev.runner.core.DeploymentHealth.count;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The health of a service's StatefulSet, by kstatus's rules for the kind: the controller has
 * observed the latest generation, every desired replica exists, is ready, current and updated,
 * and the rollout is over ({@code currentRevision == updateRevision}). With minReadySeconds, a
 * replica counts once it is available.
 */
public final class StatefulSetHealth {
  private StatefulSetHealth() {}

  public static boolean healthy(StatefulSet set, int replicas) {
    if (set == null || set.getStatus() == null || set.getSpec() == null) {
      return false;
    }
    StatefulSetStatus status = set.getStatus();
    return observed(set)
        && Objects.equals(set.getSpec().getReplicas(), replicas)
        && count(status.getReplicas()) == replicas
        && count(status.getReadyReplicas()) >= replicas
        && available(set) >= replicas
        && count(status.getCurrentReplicas()) >= replicas
        && count(status.getUpdatedReplicas()) >= replicas
        && Objects.equals(status.getCurrentRevision(), status.getUpdateRevision());
  }

  public static int readyReplicas(StatefulSet set) {
    return set == null || set.getStatus() == null ? 0 : count(set.getStatus().getReadyReplicas());
  }

  /**
   * Why it is not healthy, with the words a Deployment's explanation uses ("starting: 0/1 replicas
   * available") so a service reads the same whatever its kind.
   */
  public static String explain(StatefulSet set, List<Pod> pods, int replicas, boolean starting) {
    Optional<String> waiting = DeploymentHealth.waiting(pods);
    if (waiting.isPresent()) {
      return waiting.get();
    }
    String prefix = starting ? "starting: " : "";
    if (set == null || set.getStatus() == null || set.getStatus().getObservedGeneration() == null) {
      return prefix + "0/" + replicas + " replicas available";
    }
    if (!observed(set)) {
      return "rollout in progress";
    }
    StatefulSetStatus status = set.getStatus();
    int updated = count(status.getUpdatedReplicas());
    if (!Objects.equals(status.getCurrentRevision(), status.getUpdateRevision()) && count(status.getReplicas()) > 0
        && updated < replicas && count(status.getReplicas()) > updated) {
      return "rollout in progress: " + updated + "/" + replicas + " replicas updated";
    }
    return prefix + Math.min(count(status.getReadyReplicas()), available(set)) + "/" + replicas + " replicas available";
  }

  private static boolean observed(StatefulSet set) {
    Long generation = set.getMetadata().getGeneration();
    Long observed = set.getStatus().getObservedGeneration();
    return generation == null || (observed != null && observed >= generation);
  }

  /** Ready replicas, or available ones when minReadySeconds asks a replica to stay ready a while first. */
  private static int available(StatefulSet set) {
    Integer minReady = set.getSpec().getMinReadySeconds();
    return minReady != null && minReady > 0 ? count(set.getStatus().getAvailableReplicas()) : count(set.getStatus().getReadyReplicas());
  }
}
