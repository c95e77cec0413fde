package dev.runner.core;

import dev.runner.api.ExitRecord;
import java.time.Instant;

/**
 * One way a service's pod ended, or its rollout failed: a container that terminated (its pod,
 * container and restart count), a pod the cluster took away, or a missed progress deadline.
 *
 * @param key what identifies this termination among all that are visible: the pod's UID, the
 *     container and the kubelet's container ID (or its finishedAt). It is compared for identity
 *     only, never against the operator's clock.
 * @param at when the kubelet (or the Deployment controller) says it happened, for display only
 */
public record Termination(String key, Outcome outcome, Integer exitCode, String reason, String message, Instant at,
    String pod, String container, Integer restartCount) {

  public ExitRecord toRecord() {
    ExitRecord record = new ExitRecord();
    record.setCode(exitCode);
    record.setReason(reason);
    record.setAt(Times.format(at));
    record.setPod(pod);
    record.setContainer(container);
    record.setRestartCount(restartCount);
    return record;
  }

  boolean countsAsFailure() {
    return outcome != Outcome.DISRUPTED;
  }

  /** What happened, in a user's words: "container api exited with code 1 (Error)". */
  public String describe() {
    return describe(outcome, exitCode, reason, message, pod, container);
  }

  static String describe(ExitRecord record, boolean disrupted) {
    Outcome outcome = disrupted ? Outcome.DISRUPTED
        : record.getContainer() == null && record.getPod() == null
            && FailureDetector.PROGRESS_DEADLINE_EXCEEDED.equals(record.getReason()) ? Outcome.ROLLOUT_FAILED
        : Integer.valueOf(0).equals(record.getCode()) ? Outcome.EXIT_ZERO : Outcome.EXIT_NON_ZERO;
    return describe(outcome, record.getCode(), record.getReason(), null, record.getPod(), record.getContainer());
  }

  private static String describe(Outcome outcome, Integer exitCode, String reason, String message, String pod,
      String container) {
    String why = reason == null || reason.isEmpty() ? "" : " (" + reason + ")";
    return switch (outcome) {
      case ROLLOUT_FAILED -> "progress deadline exceeded";
      case DISRUPTED -> "pod " + pod + " was stopped by the cluster" + why
          + "; not counted against maxRetries, its replacement is waited for";
      default -> container == null && pod == null
          ? "the Job failed" + why + (message == null || message.isEmpty() ? "" : ": " + message)
          : container == null
          ? "pod " + pod + " failed" + why + (message == null || message.isEmpty() ? "" : ": " + message)
          : "container " + container + " exited with code " + exitCode + why;
    };
  }
}
