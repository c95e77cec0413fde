package dev.runner.api;

/** Where one service is in its life. */
public enum ServicePhase {
  /** Its dependencies are not all healthy yet. */
  Waiting,
  /** Its dependencies are met; its start delay runs. */
  Delaying,
  /** Its Deployment is scaled up and not yet healthy. */
  Starting,
  /** Healthy. */
  Ready,
  /** It was healthy and is not any more, without having exited. */
  Unhealthy,
  /** It failed and is stopped until its next restart. */
  BackingOff,
  /** It failed and will not be restarted. */
  Failed,
  /** It exited 0 under the OnFailure policy: stopped, healthy, not restarted. */
  Completed,
  /** Stopped by suspend, deletion or removal. */
  Stopped
}
