package dev.runner.core;

/** How a running service stopped. */
public enum Outcome {
  /** A container exited with code 0. */
  EXIT_ZERO,
  /** A container exited with a non-zero code, or was killed. */
  EXIT_NON_ZERO,
  /** The Deployment reported ProgressDeadlineExceeded. */
  ROLLOUT_FAILED
}
