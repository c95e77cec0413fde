package dev.runner.core;

import dev.runner.api.WorkloadKind;

/**
 * A change to one service's workload that the reconciler is to make. A Job is never scaled nor
 * updated (its template is immutable): it is stopped by deleting it and started by creating it.
 */
public sealed interface Action {
  String service();

  /** Create the workload with the given replicas (a StatefulSet with its headless Service). */
  record Create(String service, int replicas) implements Action {}

  /** Rewrite the workload's template, labels and annotations to the current spec (a rollout). */
  record Update(String service, int replicas) implements Action {}

  /** Set the workload's replicas (a Deployment or StatefulSet). */
  record Scale(String service, int replicas) implements Action {}

  /** Delete the workload (a StatefulSet with its headless Service), its pods after it. */
  record Delete(String service) implements Action {}

  /** What stops a running workload of this kind: a scale to zero, or for a Job its deletion. */
  static Action stop(String service, WorkloadKind kind) {
    return kind == WorkloadKind.Job ? new Delete(service) : new Scale(service, 0);
  }
}
