package dev.runner.core;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.List;
import java.util.Optional;

/**
 * A service's Job, as the Job controller reports it: healthy once its {@code Complete} condition is
 * True; failed once its {@code Failed} condition is True (its pod failed, with backoffLimit 0, or
 * its activeDeadlineSeconds passed). While it runs, it is starting.
 */
public final class JobHealth {
  /** The words of a running Job: the same from its creation until it ends, so nothing is written meanwhile. */
  static final String RUNNING = "starting: the Job runs; healthy once it has succeeded";

  private JobHealth() {}

  public static boolean complete(Job job) {
    return condition(job, "Complete").isPresent();
  }

  public static boolean failed(Job job) {
    return condition(job, "Failed").isPresent();
  }

  /** Complete or failed: the Job controller runs no more pods for it. */
  public static boolean finished(Job job) {
    return complete(job) || failed(job);
  }

  public static int readyPods(Job job) {
    return job == null || job.getStatus() == null || job.getStatus().getReady() == null ? 0 : job.getStatus().getReady();
  }

  public static String explain(Job job, List<Pod> pods) {
    return DeploymentHealth.waiting(pods).orElse(RUNNING);
  }

  /** The Job's {@code Failed} condition, as a failure: its reason (DeadlineExceeded, BackoffLimitExceeded) and message. */
  static Optional<Termination> failure(Job job) {
    return condition(job, "Failed").map(c -> {
      String since = c.getLastTransitionTime();
      return new Termination("job/" + job.getMetadata().getUid() + "/Failed", Outcome.EXIT_NON_ZERO, null, c.getReason(),
          c.getMessage(), Times.parse(since), null, null, null);
    });
  }

  private static Optional<JobCondition> condition(Job job, String type) {
    if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }
}
