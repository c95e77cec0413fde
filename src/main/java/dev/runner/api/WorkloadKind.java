package dev.runner.api;

/** What a service runs as. */
public enum WorkloadKind {
  /** Stateless and long-running (the default). */
  Deployment,
  /** Stateful: stable pod names, volumeClaimTemplates, and a headless Service owned with it. */
  StatefulSet,
  /** One-shot work (a migration): healthy once it has succeeded. */
  Job
}
