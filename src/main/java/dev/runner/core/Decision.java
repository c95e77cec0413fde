package dev.runner.core;

import dev.runner.api.RunnerGroupStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What to do: the plan it was made for, the changes to make, the status to write, the events to record once it is written,
 * when to look again if nothing else happens, and whether a deletion has finished (every
 * Deployment and Pod gone: the finalizer may go).
 */
public record Decision(
    GroupPlan plan,
    List<Action> actions,
    RunnerGroupStatus status,
    List<EventNote> events,
    Optional<Duration> requeueAfter,
    boolean stopped) {}
