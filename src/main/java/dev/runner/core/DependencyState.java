package dev.runner.core;

import dev.runner.api.GroupPhase;
import java.util.Set;

/** What the operator sees of a group another group depends on. */
public sealed interface DependencyState {
  /** Healthy for its current generation: the only state that lets a dependent start. */
  record Ready() implements DependencyState {}

  /** It exists but is not Ready; {@code servicesReady} is its "x/y" services ready, when known. */
  record NotReady(Why why, GroupPhase phase, String servicesReady) implements DependencyState {}

  /** No such group in a namespace the operator watches (never created, or deleted). */
  record Missing() implements DependencyState {}

  /** Its namespace is not one the operator watches, so it can never be seen. */
  record NotWatched(Set<String> watched) implements DependencyState {}

  /** Why a group that exists is not Ready. */
  enum Why {
    /** Its status is not (yet) for its current generation: the operator has not looked at its latest spec. */
    STALE,
    /** Its status says it is not healthy. */
    UNHEALTHY,
    /** It is being deleted. */
    DELETING
  }

  default boolean isReady() {
    return this instanceof Ready;
  }

  /** In a message: "is not Ready (phase Progressing: ...)", "is not found", ... */
  default String describe() {
    if (this instanceof Ready) {
      return "is Ready";
    }
    if (this instanceof Missing) {
      return "is not found (not created yet, or deleted)";
    }
    if (this instanceof NotWatched notWatched) {
      return "is in a namespace this operator does not watch (it watches " + String.join(", ", notWatched.watched()) + ")";
    }
    NotReady notReady = (NotReady) this;
    return switch (notReady.why()) {
      case STALE -> "is not Ready (its status is not for its latest spec yet)";
      case DELETING -> "is being deleted";
      case UNHEALTHY -> "is not Ready (phase " + (notReady.phase() == null ? "unknown" : notReady.phase())
          + (notReady.servicesReady() == null ? "" : ", " + notReady.servicesReady() + " services ready") + ")";
    };
  }
}
