package dev.runner.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * What the simulated kubelet knows about one Pod it runs: a small state machine, no I/O.
 * Everything time-dependent is stored as an instant, so the Pod's status can be recomputed at any
 * time and comes out the same ({@link PodFactory#status}); {@link #advance} moves it through the
 * transitions whose time has come and says when it next needs to be looked at.
 */
final class PodState {

  enum Stage {
    /** Pending, containers waiting with ContainerCreating. */
    CREATING,
    /** Pending, containers waiting with ErrImagePull / ImagePullBackOff. */
    PULL_FAILED,
    /** Containers running (ready from {@link #readyAt} on, unless the behaviour says never). */
    RUNNING,
    /** Containers terminated, waiting with CrashLoopBackOff until {@link #restartAt}. */
    CRASHED,
    /** Deleted: containers not ready; the finalizer is removed at {@link #finalizeAt}. */
    TERMINATING,
    /**
     * Evicted by the node: phase Failed, reason Evicted, containers terminated. The Pod object
     * stays (as a ReplicaSet leaves it) and no longer counts as one of the Deployment's replicas.
     */
    EVICTED,
    /**
     * A Pod with {@code restartPolicy: Never} (a Job's) whose containers exited: phase Succeeded
     * (exit 0) or Failed, containers terminated; it never runs again.
     */
    EXITED
  }

  final String namespace;
  final String name;
  final String deploymentName;
  final String deploymentUid;
  final String templateHash;
  final List<ContainerRef> containers;
  final Instant createdAt;

  Stage stage = Stage.CREATING;
  Instant stageSince;
  /** The stage the Pod was in when it began terminating. */
  Stage stageBeforeTermination;
  Instant runStartedAt;
  Instant readyAt;
  Instant exitAt;
  int pendingExitCode;
  Instant restartAt;
  int restartCount;
  String containerIdPrefix;
  LastExit lastExit;
  Instant finalizeAt;
  boolean seenOnServer;
  /** restartPolicy Never (a Job's pod): an exit ends the Pod; a start the behaviour does not make exit succeeds. */
  boolean restartNever;
  boolean finalizerRemoved;

  record ContainerRef(String name, String image) {
  }

  /** An init container of the template; a native sidecar when its restartPolicy is Always. */
  record InitRef(String name, String image, boolean sidecar) {
  }

  /** The template's init containers: completed (or, sidecars, running) once the Pod has started. */
  List<InitRef> initContainers = List.of();

  record LastExit(int exitCode, Instant startedAt, Instant finishedAt, String containerIdPrefix) {
    String reason() {
      return exitCode == 0 ? "Completed" : "Error";
    }
  }

  PodState(String namespace, String name, String deploymentName, String deploymentUid,
      String templateHash, List<ContainerRef> containers, Instant createdAt) {
    this.namespace = namespace;
    this.name = name;
    this.deploymentName = deploymentName;
    this.deploymentUid = deploymentUid;
    this.templateHash = templateHash;
    this.containers = List.copyOf(containers);
    this.createdAt = createdAt;
    this.stageSince = createdAt;
  }

  String key() {
    return namespace + "/" + name;
  }

  boolean terminating() {
    return stage == Stage.TERMINATING;
  }

  /** Whether the Pod is Ready (all its containers ready) at {@code now}. */
  boolean ready(Instant now, Behavior behavior) {
    return stage == Stage.RUNNING && !behavior.neverReady() && readyAt != null
        && !now.isBefore(readyAt);
  }

  /** Whether the containers are running (also while terminating after having run). */
  boolean running() {
    return stage == Stage.RUNNING
        || (stage == Stage.TERMINATING && stageBeforeTermination == Stage.RUNNING);
  }

  /** Marks the Pod deleted; it goes away after the behaviour's termination time. */
  void terminate(Instant now, Behavior behavior) {
    if (stage == Stage.TERMINATING) {
      return;
    }
    stageBeforeTermination = stage;
    stage = Stage.TERMINATING;
    stageSince = now;
    finalizeAt = now.plus(behavior.terminationTime());
  }

  /** The node evicts the Pod now, if it is not terminating already. */
  boolean evict(Instant now) {
    if (stage == Stage.TERMINATING || stage == Stage.EVICTED) {
      return false;
    }
    if (stage == Stage.RUNNING) {
      lastExit = new LastExit(137, runStartedAt, now, containerIdPrefix);
    }
    exitAt = null;
    readyAt = null;
    enter(Stage.EVICTED, now);
    return true;
  }

  /** Phase Failed: it never runs again and is not one of the Deployment's replicas. */
  boolean history() {
    return stage == Stage.EVICTED || stage == Stage.EXITED
        || (stage == Stage.TERMINATING && (stageBeforeTermination == Stage.EVICTED || stageBeforeTermination == Stage.EXITED));
  }

  /** Ended with exit 0 (phase Succeeded): a Job's pod that did its work. */
  boolean succeeded() {
    Stage shown = stage == Stage.TERMINATING ? stageBeforeTermination : stage;
    return shown == Stage.EXITED && lastExit != null && lastExit.exitCode() == 0;
  }

  /** Ended with a non-zero exit (phase Failed). */
  boolean failed() {
    Stage shown = stage == Stage.TERMINATING ? stageBeforeTermination : stage;
    return shown == Stage.EXITED && lastExit != null && lastExit.exitCode() != 0;
  }

  /** The containers exit now with {@code exitCode}, if they are running. */
  boolean exitNow(Instant now, int exitCode, Behavior behavior) {
    if (stage != Stage.RUNNING) {
      return false;
    }
    crash(now, exitCode, behavior);
    return true;
  }

  /**
   * Applies every transition due at {@code now}.
   *
   * @param exitDecision called once per container start; answers whether this start exits
   *                     (it counts the starts of the Deployment's Pods)
   * @return when the Pod next needs to be advanced, or null when nothing is scheduled
   */
  Instant advance(Instant now, Behavior behavior, BooleanSupplier exitDecision) {
    for (int guard = 0; guard < 10; guard++) {
      Stage before = stage;
      switch (stage) {
        case CREATING -> {
          if (behavior.imagePullError() != null) {
            enter(Stage.PULL_FAILED, now);
          } else if (!now.isBefore(stageSince.plus(behavior.startupTime()))) {
            start(now, now, behavior, exitDecision);
          }
        }
        case PULL_FAILED -> {
          if (behavior.imagePullError() == null) {
            // the image became pullable: the containers get created now
            enter(Stage.CREATING, now);
          }
        }
        case RUNNING -> {
          if (exitAt != null && !now.isBefore(exitAt)) {
            crash(exitAt, pendingExitCode, behavior);
          }
        }
        case CRASHED -> {
          if (!now.isBefore(restartAt)) {
            start(now, now.plus(behavior.startupTime()), behavior, exitDecision);
          }
        }
        case TERMINATING -> {
          // the caller removes the finalizer once finalizeAt has passed
        }
        case EVICTED, EXITED -> {
          // stays until it is deleted
        }
      }
      if (stage == before) {
        break;
      }
    }
    return nextWakeUp(now, behavior);
  }

  private Instant nextWakeUp(Instant now, Behavior behavior) {
    return switch (stage) {
      case CREATING -> stageSince.plus(behavior.startupTime());
      case PULL_FAILED -> {
        Instant backOff = stageSince.plus(behavior.restartBackoff());
        yield now.isBefore(backOff) ? backOff : null;
      }
      case RUNNING -> earliest(exitAt, readyAt != null && now.isBefore(readyAt) ? readyAt : null);
      case CRASHED -> restartAt;
      case TERMINATING -> finalizerRemoved ? null : finalizeAt;
      case EVICTED, EXITED -> null;
    };
  }

  private void start(Instant now, Instant readyFrom, Behavior behavior,
      BooleanSupplier exitDecision) {
    enter(Stage.RUNNING, now);
    runStartedAt = now;
    readyAt = readyFrom;
    containerIdPrefix = UUID.randomUUID().toString().replace("-", "")
        + UUID.randomUUID().toString().replace("-", "");
    if (exitDecision.getAsBoolean()) {
      exitAt = now.plus(behavior.exitAfter());
      pendingExitCode = behavior.exitCode();
    } else if (restartNever) {
      // A Job's work: it runs as long as it took to start, then succeeds.
      exitAt = now.plus(behavior.startupTime());
      pendingExitCode = 0;
    } else {
      exitAt = null;
    }
  }

  private void crash(Instant at, int exitCode, Behavior behavior) {
    lastExit = new LastExit(exitCode, runStartedAt, at, containerIdPrefix);
    if (restartNever) {
      exitAt = null;
      readyAt = null;
      enter(Stage.EXITED, at);
      return;
    }
    restartCount++;
    exitAt = null;
    readyAt = null;
    enter(Stage.CRASHED, at);
    restartAt = at.plus(behavior.restartBackoff());
  }

  private void enter(Stage next, Instant now) {
    stage = next;
    stageSince = now;
  }

  /** True once the ImagePullBackOff part of a pull failure has been reached. */
  boolean pullBackedOff(Instant now, Behavior behavior) {
    return stage == Stage.PULL_FAILED
        && !now.isBefore(stageSince.plus(behavior.restartBackoff()));
  }

  private static Instant earliest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.isBefore(b) ? a : b;
  }
}
