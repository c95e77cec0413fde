package dev.runner.api;

/**
 * Why a service is in its phase, as a value: events and conditions are chosen from it, and the
 * {@code error} words are rendered beside it. Rewording a message changes no behaviour.
 */
public enum ServiceReason {
  /** Healthy (or Completed): nothing to say. */
  Healthy,
  /** Some dependency is not healthy yet. */
  DependenciesNotReady,
  /** Its start delay runs. */
  StartDelay,
  /** Scaled up, no replica available yet. */
  Starting,
  /** A new template is rolling out. */
  RollingOut,
  /**
   * Healthy, while a replica count changed by someone else is put back: not a failure, so the
   * service stays Ready (no Degraded, no Warning) until the Deployment has settled.
   */
  ReplicasPutBack,
  /** Not healthy for a reason its Deployment and Pods show (availability, image pull, crash loop). */
  NotAvailable,
  /** A replica crashed while others stay ready: kubelet and the ReplicaSet restart it. */
  ReplicaCrashed,
  /** A pod was evicted, preempted or shut down with its node: not counted against maxRetries. */
  Disrupted,
  /** It exited (or its rollout failed) and is stopped until its restart. */
  Exited,
  /** A restart waits for the old pods to terminate. */
  RestartStopping,
  /** Exited 0 and is not restarted. */
  Completed,
  /** maxRetries restarts were spent. */
  RestartLimitReached,
  /** Its restart policy says no restart. */
  NotRestarted,
  /** Its Deployment name is held by an object this group does not own. */
  NameCollision,
  /** The API server refused a write of its workload (403, 422). */
  WriteRefused,
  /** Being stopped (suspend, deletion, removal). */
  Stopping,
  /** Waiting for its dependents to stop first. */
  StoppingAfterDependents,
  /** Stopped. */
  Stopped
}
