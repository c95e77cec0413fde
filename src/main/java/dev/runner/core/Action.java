package dev.runner.core;

/** A change to one service's Deployment that the reconciler is to make. */
public sealed interface Action {
  String service();

  /** Create the Deployment with the given replicas. */
  record Create(String service, int replicas) implements Action {}

  /** Rewrite the Deployment's template, labels and annotations to the current spec (a rollout). */
  record Update(String service, int replicas) implements Action {}

  /** Set the Deployment's replicas. */
  record Scale(String service, int replicas) implements Action {}

  /** Delete the Deployment. */
  record Delete(String service) implements Action {}
}
