package dev.runner.api;

/** When a service is restarted after it stops (the Go runner's RestartPolicy). */
public enum RestartPolicy {
  /** Restart after any exit, zero or not. */
  Always,
  /** Restart after a non-zero exit or a failed rollout; an exit 0 completes the service. */
  OnFailure,
  /** Never restart. */
  Never
}
