package dev.runner.core;

import dev.runner.api.ExitRecord;
import java.time.Instant;
import java.util.Objects;

/**
 * One way a running service stopped: a container that terminated (with its pod, container and
 * restart count, which identify it) or a rollout that missed its progress deadline.
 */
public record Termination(Outcome outcome, Integer exitCode, String reason, Instant at, String pod, String container,
    Integer restartCount) {

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

  /** Whether {@code record} is this very termination, already counted. */
  public boolean sameAs(ExitRecord record) {
    return record != null
        && Objects.equals(record.getPod(), pod)
        && Objects.equals(record.getContainer(), container)
        && Objects.equals(record.getRestartCount(), restartCount)
        && Objects.equals(record.getReason(), reason)
        && Objects.equals(record.getAt(), Times.format(at));
  }

  /** What happened, in a user's words: "container api exited with code 1 (Error)". */
  public String describe() {
    if (outcome == Outcome.ROLLOUT_FAILED) {
      return "progress deadline exceeded";
    }
    return "container " + container + " exited with code " + exitCode
        + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")");
  }
}
