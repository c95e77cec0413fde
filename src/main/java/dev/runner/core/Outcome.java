package dev.runner.core;

/** How a running service, or one of its pods, stopped. */
public enum Outcome {
  /** A pod completed: all its regular containers exited with code 0. */
  EXIT_ZERO,
  /** A container (or an init container) exited with a non-zero code, or was killed; or a pod failed. */
  EXIT_NON_ZERO,
  /** The Deployment reported ProgressDeadlineExceeded. */
  ROLLOUT_FAILED,
  /**
   * The pod was taken away by the cluster, not ended by the application: evicted, preempted, shut
   * down with its node, or rejected at admission. Not counted against maxRetries.
   */
  DISRUPTED
}
