package dev.runner.sandbox;

/**
 * Where a test says how the Pods of a Deployment behave. The simulated kubelet is one
 * implementation (it runs the Pods itself); on a real control plane the test fixture turns the same
 * {@link Behavior} into the annotations that kwok's stages read, so that one scenario runs on both.
 */
public interface PodBehaviors {

  /** The behaviour of Deployments that have none of their own (initially {@link Behavior#DEFAULT}). */
  PodBehaviors defaults(Behavior behavior);

  /**
   * Sets the behaviour of one Deployment, before or after it exists; null removes it. Setting a
   * behaviour restarts its count of exiting starts.
   */
  PodBehaviors behave(String namespace, String deployment, Behavior behavior);

  /** The containers of the Deployment's running Pods terminate now with {@code exitCode}. */
  void exitNow(String namespace, String deployment, int exitCode);

  /**
   * The containers of one running Pod of the Deployment (the first by name) terminate now with
   * {@code exitCode}; kubelet restarts them in place, as for any exit.
   */
  void exitOneNow(String namespace, String deployment, int exitCode);

  /**
   * The node evicts one Pod of the Deployment (the first by name): phase Failed, reason Evicted; the
   * Pod object stays, and the ReplicaSet creates a replacement.
   */
  void evictOne(String namespace, String deployment);

  /**
   * The Deployment's rollout fails: condition Progressing=False, reason ProgressDeadlineExceeded,
   * until its {@code metadata.generation} changes (a scale or template change).
   */
  void failRollout(String namespace, String deployment);
}
