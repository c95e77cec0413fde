package dev.runner.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * How the simulated kubelet treats the Pods of one Deployment. Immutable; build it with
 * {@link #builder()} or derive one with {@link #toBuilder()}.
 *
 * <p>The containers of a Pod are simulated as one unit: they start, become ready, exit and restart
 * together. A "container start" below means one such start of a Pod's containers (the first start
 * of a new Pod, or a restart after an exit).
 *
 * @param startupTime     time from Pod creation (or a container restart) until the containers are
 *                        ready; the first start keeps the Pod {@code Pending} (ContainerCreating)
 *                        for that long, a restart keeps the containers running but not ready
 * @param terminationTime time from a Pod's deletion ({@code deletionTimestamp}) until it is gone
 * @param restartBackoff  kubelet back-off before a terminated container is restarted (also the
 *                        time from {@code ErrImagePull} to {@code ImagePullBackOff})
 * @param exitAfter       null: containers never exit by themselves; else, how long a container
 *                        runs before it exits with {@link #exitCode()}
 * @param exitCode        exit code used by {@code exitAfter}
 * @param exitTimes       how many container starts (counted across all Pods of the Deployment,
 *                        from the moment this behaviour was set) exit; -1 = every start
 * @param neverReady      containers run but never become ready
 * @param imagePullError  null: images pull fine; else the pull error message (e.g. "not found"):
 *                        containers stay waiting with ErrImagePull / ImagePullBackOff
 */
public record Behavior(
    Duration startupTime,
    Duration terminationTime,
    Duration restartBackoff,
    Duration exitAfter,
    int exitCode,
    int exitTimes,
    boolean neverReady,
    String imagePullError) {

  /** Ready at once, gone at once on delete, 1s restart back-off, never exits. */
  public static final Behavior DEFAULT = builder().build();

  public Behavior {
    Objects.requireNonNull(startupTime, "startupTime");
    Objects.requireNonNull(terminationTime, "terminationTime");
    Objects.requireNonNull(restartBackoff, "restartBackoff");
    requireNotNegative(startupTime, "startupTime");
    requireNotNegative(terminationTime, "terminationTime");
    requireNotNegative(restartBackoff, "restartBackoff");
    if (exitAfter != null) {
      requireNotNegative(exitAfter, "exitAfter");
    }
    if (exitTimes < -1) {
      throw new IllegalArgumentException("exitTimes must be -1 (always) or >= 0: " + exitTimes);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.startupTime = startupTime;
    b.terminationTime = terminationTime;
    b.restartBackoff = restartBackoff;
    b.exitAfter = exitAfter;
    b.exitCode = exitCode;
    b.exitTimes = exitTimes;
    b.neverReady = neverReady;
    b.imagePullError = imagePullError;
    return b;
  }

  /** Whether a container start that is the {@code startsSoFar}-th (from 0) should exit. */
  boolean exitsOnStart(int startsSoFar) {
    return exitAfter != null && (exitTimes < 0 || startsSoFar < exitTimes);
  }

  private static void requireNotNegative(Duration d, String name) {
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + d);
    }
  }

  public static final class Builder {
    private Duration startupTime = Duration.ZERO;
    private Duration terminationTime = Duration.ZERO;
    private Duration restartBackoff = Duration.ofSeconds(1);
    private Duration exitAfter;
    private int exitCode;
    private int exitTimes = -1;
    private boolean neverReady;
    private String imagePullError;

    private Builder() {
    }

    public Builder startupTime(Duration d) {
      this.startupTime = d;
      return this;
    }

    public Builder terminationTime(Duration d) {
      this.terminationTime = d;
      return this;
    }

    public Builder restartBackoff(Duration d) {
      this.restartBackoff = d;
      return this;
    }

    /** After running for {@code after}, containers exit with {@code code}, on every start. */
    public Builder exit(Duration after, int code) {
      return exit(after, code, -1);
    }

    /**
     * After running for {@code after}, containers exit with {@code code}, for the first
     * {@code times} container starts of the Deployment's Pods (-1: every start).
     */
    public Builder exit(Duration after, int code, int times) {
      this.exitAfter = Objects.requireNonNull(after, "after");
      this.exitCode = code;
      this.exitTimes = times;
      return this;
    }

    /** Containers never exit by themselves (the default). */
    public Builder noExit() {
      this.exitAfter = null;
      this.exitCode = 0;
      this.exitTimes = -1;
      return this;
    }

    public Builder neverReady(boolean neverReady) {
      this.neverReady = neverReady;
      return this;
    }

    public Builder neverReady() {
      return neverReady(true);
    }

    /** Image pulls fail with this message (e.g. "not found"); null: pulls succeed. */
    public Builder imagePullError(String message) {
      this.imagePullError = message;
      return this;
    }

    public Behavior build() {
      return new Behavior(startupTime, terminationTime, restartBackoff, exitAfter, exitCode,
          exitTimes, neverReady, imagePullError);
    }
  }
}
