package dev.runner.core;

import dev.runner.api.RestartPolicy;
import java.time.Duration;

/** What to do when a service has stopped: the Go runner's shouldRestart, with Always done right. */
public sealed interface RestartDecision {
  /** Restart after {@code delay}; this will be restart number {@code attempt + 1}. */
  record Restart(Duration delay, int attempt) implements RestartDecision {}

  /** Exit 0 under OnFailure or Never: stopped, healthy, not restarted (a pod that Succeeded). */
  record Complete() implements RestartDecision {}

  /** Stopped for good; {@code reason} says why in words a user can act on. */
  record Fail(String reason) implements RestartDecision {}

  /**
   * @param restartsSoFar restarts already made (the attempt number of the next one)
   * @param exitCode the exit code, or null for a failed rollout
   */
  public static RestartDecision decide(RestartSettings settings, Outcome outcome, int restartsSoFar, Integer exitCode, Backoff backoff) {
    String last = exitCode != null ? "last exit: code " + exitCode
        : outcome == Outcome.ROLLOUT_FAILED ? "last: progress deadline exceeded" : "last: its pod or Job failed";
    boolean policyRestarts = switch (settings.policy()) {
      case Always -> true;
      case OnFailure -> outcome != Outcome.EXIT_ZERO;
      case Never -> false;
    };
    if (!policyRestarts) {
      if (outcome == Outcome.EXIT_ZERO) {
        return new Complete();
      }
      return new Fail("restart policy Never (" + last + ")");
    }
    if (!settings.unlimited() && restartsSoFar >= settings.maxRetries()) {
      return new Fail("restart limit " + settings.maxRetries() + " reached (" + last + ")");
    }
    return new Restart(backoff.delay(settings, restartsSoFar), restartsSoFar);
  }
}
