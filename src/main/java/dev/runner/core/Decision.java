package dev.runner.core;

import dev.runner.api.RunnerGroupStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What to do: the plan it was made for, the changes to make, the status to write, the events to record once it is written,
 * when to look again if nothing else happens, whether a deletion has finished (every
 * Deployment and Pod gone: the finalizer may go), and in which order the status and the changes
 * may be written.
 */
public record Decision(
    GroupPlan plan,
    List<Action> actions,
    RunnerGroupStatus status,
    List<EventNote> events,
    Optional<Duration> requeueAfter,
    boolean stopped,
    Order order) {

  /** A decision whose status is written before its changes ({@link Order#STATUS_FIRST}). */
  public Decision(GroupPlan plan, List<Action> actions, RunnerGroupStatus status, List<EventNote> events,
      Optional<Duration> requeueAfter, boolean stopped) {
    this(plan, actions, status, events, requeueAfter, stopped, Order.STATUS_FIRST);
  }

  /** The order of the status write and the workload writes of one decision. */
  public enum Order {
    /**
     * The status is on record before any workload is written: it holds what the writes make
     * impossible to observe again (exits that become history at a restart, restart counts and
     * backoff deadlines of a stop, the restart asked for).
     */
    STATUS_FIRST,
    /**
     * Every change is the create of a first start (a service never started, no Pod of it seen, no
     * restart asked for): the status may be written beside the creates. If the status write fails
     * and a create lands, the next reconcile sees the workload of a service its status calls
     * Waiting and supervises it as running; nothing the lost status held is needed (its start's
     * instant is taken again, later by one reconcile; no exit was counted).
     */
    TOGETHER
  }
}
