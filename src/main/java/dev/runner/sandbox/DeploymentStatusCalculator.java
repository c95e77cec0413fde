package dev.runner.sandbox;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.time.Instant;
import java.util.Objects;

/**
 * Computes a Deployment's status the way the Deployment controller does, from the Pods the
 * simulated kubelet runs for it. Zero counts are left out (null), as the real controller's
 * {@code omitempty} does.
 */
final class DeploymentStatusCalculator {

  static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  /** Counts of the Deployment's Pods (terminating Pods not included). */
  record Counts(int replicas, int updated, int ready, int available) {
  }

  private DeploymentStatusCalculator() {
  }

  static int desiredReplicas(Deployment d) {
    Integer replicas = d.getSpec().getReplicas();
    return replicas == null ? 1 : replicas;
  }

  /** Whether the rollout of the current template is complete (all updated, available, no old). */
  static boolean complete(Deployment d, Counts c) {
    int desired = desiredReplicas(d);
    return c.updated() == desired && c.replicas() == desired && c.available() == desired;
  }

  static DeploymentStatus compute(Deployment d, Counts c, boolean failed, String replicaSetName,
      Instant now) {
    int desired = desiredReplicas(d);
    DeploymentStatus old = d.getStatus();
    boolean available = c.available() >= desired - maxUnavailable(d, desired);
    DeploymentCondition availableCondition = condition(old, "Available", available,
        available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
        available ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.", now);
    DeploymentCondition progressing;
    if (failed) {
      progressing = condition(old, "Progressing", false, PROGRESS_DEADLINE_EXCEEDED,
          "ReplicaSet \"" + replicaSetName + "\" has timed out progressing.", now);
    } else if (complete(d, c)) {
      progressing = condition(old, "Progressing", true, "NewReplicaSetAvailable",
          "ReplicaSet \"" + replicaSetName + "\" has successfully progressed.", now);
    } else {
      progressing = condition(old, "Progressing", true, "ReplicaSetUpdated",
          "ReplicaSet \"" + replicaSetName + "\" is progressing.", now);
    }
    int unavailable = Math.max(0, desired - c.available());
    return new DeploymentStatusBuilder()
        .withObservedGeneration(d.getMetadata().getGeneration())
        .withReplicas(orNull(c.replicas()))
        .withUpdatedReplicas(orNull(c.updated()))
        .withReadyReplicas(orNull(c.ready()))
        .withAvailableReplicas(orNull(c.available()))
        .withUnavailableReplicas(orNull(unavailable))
        .withConditions(availableCondition, progressing)
        .build();
  }

  /** maxUnavailable of a RollingUpdate Deployment (default 25 %, rounded down); 0 otherwise. */
  static int maxUnavailable(Deployment d, int desired) {
    var strategy = d.getSpec().getStrategy();
    if (desired == 0 || (strategy != null && "Recreate".equals(strategy.getType()))) {
      return 0;
    }
    IntOrString value = strategy == null || strategy.getRollingUpdate() == null
        || strategy.getRollingUpdate().getMaxUnavailable() == null
        ? new IntOrString("25%") : strategy.getRollingUpdate().getMaxUnavailable();
    if (value.getIntVal() != null) {
      return Math.min(desired, value.getIntVal());
    }
    String s = value.getStrVal().trim();
    if (s.endsWith("%")) {
      int percent = Integer.parseInt(s.substring(0, s.length() - 1));
      return Math.min(desired, desired * percent / 100);
    }
    return Math.min(desired, Integer.parseInt(s));
  }

  /** A condition; its times are kept from the current one while nothing about it changes. */
  private static DeploymentCondition condition(DeploymentStatus old, String type, boolean status,
      String reason, String message, Instant now) {
    String statusText = status ? "True" : "False";
    DeploymentCondition previous = old == null ? null : old.getConditions().stream()
        .filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    String transition = PodFactory.time(now);
    String update = transition;
    if (previous != null && statusText.equals(previous.getStatus())) {
      transition = previous.getLastTransitionTime();
      if (Objects.equals(reason, previous.getReason())
          && Objects.equals(message, previous.getMessage())) {
        update = previous.getLastUpdateTime();
      }
    }
    return new DeploymentConditionBuilder()
        .withType(type)
        .withStatus(statusText)
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(transition)
        .withLastUpdateTime(update)
        .build();
  }

  private static Integer orNull(int n) {
    return n == 0 ? null : n;
  }
}
