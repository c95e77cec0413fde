package dev.runner.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.sim.SimEvent.AddService;
import dev.runner.sim.SimEvent.Advance;
import dev.runner.sim.SimEvent.Controllers;
import dev.runner.sim.SimEvent.Delete;
import dev.runner.sim.SimEvent.EditDependencies;
import dev.runner.sim.SimEvent.EditImage;
import dev.runner.sim.SimEvent.Evict;
import dev.runner.sim.SimEvent.Exit;
import dev.runner.sim.SimEvent.ForeignAppears;
import dev.runner.sim.SimEvent.OtherDelete;
import dev.runner.sim.SimEvent.OtherScale;
import dev.runner.sim.SimEvent.Reconcile;
import dev.runner.sim.SimEvent.RemoveService;
import dev.runner.sim.SimEvent.RestartService;
import dev.runner.sim.SimEvent.Suspend;
import dev.runner.sim.SimEvent.SyncAll;
import dev.runner.sim.SimEvent.SyncKind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The worlds the simulation broke, each as the shortest event sequence its minimiser found, named
 * after the seed and what it showed. Each broke the invariant named in its comment before the fix
 * of {@code dev.runner.core} it came with.
 */
class SimRegressionTest {
  private static final Reconcile RECONCILE = new Reconcile(SimOperator.Fault.NONE, 0);

  private static void holds(long seed, int services, SimEvent... events) {
    // As the world was when it broke: every service a Deployment (the worlds before the kinds).
    Optional<Invariants.Violation> violation = Simulation.run(Simulation.Script.deploymentsOnly(seed, services, List.of(events)),
        SimWorld::real).violation();
    assertThat(violation).as("the invariants of world " + seed).isEmpty();
  }

  /**
   * START_GATED: s0 and its new dependent n7 crash together; n7's backoff ends first and it was
   * scaled back up while s0 still backed off. A restart is a start: it waits for its dependencies.
   */
  @Test
  void seed_6_aRestartAfterItsBackoffWaitsForItsDependencies() {
    holds(6, 1, RECONCILE, new Controllers(), new Controllers(), new AddService(6873441547819024844L), new SyncAll(),
        RECONCILE, new Advance(1662), RECONCILE, new Controllers(), new Controllers(), new Exit(221, 7, 1, false),
        new Exit(690, 9, 137, false));
  }

  /**
   * START_GATED: s0, Ready, is scaled to 0 by someone else; the operator puts it back and keeps
   * calling it healthy meanwhile (reason ReplicasPutBack), and s3, which depends on it, was
   * started while s0 had no replica available. A start now waits until the replicas are back.
   */
  @Test
  void seed_1086_aDependencyScaledToZeroByHandHoldsBackItsDependentsUntilPutBack() {
    holds(1086, 4, new AddService(-3526718683718715511L), RECONCILE, new Controllers(), new Controllers(), new SyncAll(),
        new OtherScale(605, 0), RECONCILE, new Controllers());
  }

  /**
   * START_GATED: s17 runs; an edit makes it depend on s10 (not started yet) and someone scales it
   * to 0; the operator rolled the new template out with its replicas put back: a start while s10
   * has no Deployment. Scaled to 0 by another hand, a service waits like a re-created one.
   */
  @Test
  void seed_1127_aServiceScaledToZeroByHandWaitsForANewDependency() {
    holds(1127, 25, RECONCILE, new EditDependencies(467, -3091230154220197849L), new OtherScale(517, 0));
  }

  /**
   * LIVENESS: s0 is removed from the spec while a dependent waits (scaled to 0, its Deployment
   * still recording s0); s0's Deployment waited for that dependent's to be deleted, which never
   * happens to a service that stays. It now waits for the dependent to be stopped.
   */
  @Test
  void seed_1056_aRemovedServiceIsDeletedOnceItsRemainingDependentsAreStopped() {
    holds(1056, 5, RECONCILE, new Controllers(), new Controllers(), new AddService(8044650836923799384L), new SyncAll(),
        RECONCILE, new Controllers(), new Controllers(), new ForeignAppears(45, true), new Exit(905, 4, 143, false),
        new EditDependencies(191, -6833000300577364528L), new AddService(-2319458616576191868L), new RemoveService(581));
  }

  /**
   * STOP_ORDERED: n1 is edited to depend on s0, and the update that rolls this out fails (409,
   * its cache behind); the group is deleted, and s0 was scaled to 0 together with n1, because the
   * stop order came only from the Deployments' recorded dependencies. The spec's count too.
   */
  @Test
  void seed_5295_aDeletionWaitsForADependencyAddedByAnEditNotYetRolledOut() {
    holds(5295, 5, new AddService(6082485683362358244L), new RemoveService(602), RECONCILE, new Controllers(),
        new Advance(240000), new EditDependencies(64, -8253205219797398702L), RECONCILE, new Delete());
  }

  /**
   * NO_OP_WRITES_NOTHING: s0's scale-up after a restart request failed (its status said Starting,
   * its Deployment stayed at 0); a second restart request set it BackingOff "until now" and did
   * nothing, and only another reconcile (which nothing would trigger: no pod, no requeue) started
   * it. A restart of a service already at 0 with no pod left now starts it in the same reconcile.
   */
  @Test
  void seed_20022_aRestartRequestOnAServiceAlreadyAtZeroStartsItAtOnce() {
    holds(20022, 1, RECONCILE, new RestartService(770), RECONCILE, new Reconcile(SimOperator.Fault.WRITE_BEFORE, 445),
        new RestartService(918));
  }

  /**
   * NO_OP_WRITES_NOTHING: s0, scaled to 0 by someone else with its pods still terminating, gets a
   * restart request: the decision said "restarting on request", the same observation again said
   * "restarting: waiting for 2 pod(s) to terminate" (a second status write for nothing).
   */
  @Test
  void seed_100402_aRestartRequestWhilePodsStillTerminateIsSaidOnce() {
    holds(100402, 1, RECONCILE, new Advance(2999), RECONCILE, new Controllers(), new OtherScale(476, 0),
        new RestartService(786));
  }

  /**
   * NO_OP_WRITES_NOTHING: s0, a Job, has completed; the operator's pod cache still shows its pod
   * running when its own restart annotation asks for a re-run. The restart waited for that pod
   * and said so, but did not delete the finished Job (a finished Job asks for no pods, so "scale to
   * 0" was nothing), leaving the delete to a second reconcile with the same observation. A re-run
   * now deletes the Job at once, as a restart after its backoff does.
   */
  @Test
  void seed_30250_aRestartOfACompletedJobWhosePodIsStillSeenDeletesTheJobAtOnce() {
    holdsWithKinds(30250, 1, RECONCILE, new Controllers(), new Controllers(), new Exit(934, 9, 0, true),
        new SyncKind(false), new Controllers(), new SyncKind(true), RECONCILE, new RestartService(604), RECONCILE);
  }

  /**
   * NO_OP_WRITES_NOTHING: s6, a running Job, gets new dependencies (a new template hash); the
   * operator deletes its Job to run it anew, and the next reconcile, its cache still showing the
   * Job, restarted it as a start: Waiting for the new dependencies, with no delete. The same
   * observation then said BackingOff and deleted it: two statuses in turn. A Job still seen
   * running is deleted first and waited for, as pods still stopping are.
   */
  @Test
  void seed_30817_aJobReRunForANewTemplateWaitsForItsOldJobWhileTheCacheStillShowsIt() {
    holdsWithKinds(30817, 11, new Advance(1999), new Exit(229, 6, 0, true), RECONCILE, new Advance(2211),
        new EditDependencies(556, 4052292271160995651L), new SyncKind(true), new SyncAll(), RECONCILE, new Advance(1612),
        RECONCILE, new Advance(2422));
  }

  /**
   * NO_OP_WRITES_NOTHING (found by the soak): s1, a Job that has completed, is restarted by hand
   * while its dependency s0 (a StatefulSet) is still starting. The restart said Waiting for s0 and
   * left the finished Job in place; the next reconcile, with the same observation, saw that Job
   * complete and called the service Completed again (and its new dependent n15 Delaying): two
   * statuses in turn. The old Job is now deleted first, whether or not the dependencies are met.
   */
  @Test
  void seed_101345_aManualRestartOfACompletedJobWaitingForADependencyDeletesTheOldJobFirst() {
    holdsWithKinds(101345, 2, RECONCILE, new Controllers(), new Controllers(), new SyncAll(), RECONCILE,
        new Controllers(), new EditImage(226), new Controllers(), new Advance(120_000), new Controllers(),
        new SyncKind(true), new AddService(8256447055822810929L), RECONCILE, new RestartService(610));
  }

  /**
   * FINALIZER_LAST (found by the soak; six more worlds broke it the same way): s0's StatefulSet is
   * created but the answer is lost, so the operator's cache never held it; the group is deleted,
   * and the cache, holding nothing of the group, said stopped: the finalizer went while the
   * StatefulSet stayed. Before the finalizer goes, the operator now lists the group's workloads
   * from the API server and stops what the caches did not show.
   */
  @Test
  void seed_203038_aWorkloadWhoseCreateAnswerWasLostIsStoppedBeforeTheFinalizerGoes() {
    holdsWithKinds(203038, 1, RECONCILE, new Advance(1845), new Advance(350), new Advance(1818),
        new Reconcile(SimOperator.Fault.WRITE_AFTER, 798), new Delete(), RECONCILE, RECONCILE);
  }

  /**
   * RESTART_COUNT (found by the soak, with 229487 and 233349): s0, a Job restarted once, is removed
   * from the spec, and the delete of its Job is refused (422); the decision no longer listed s0,
   * and the refusal wrote it a new status entry, its restart count 0. A refusal now starts from
   * what the service's status held.
   */
  @Test
  void seed_212720_aRefusedDeleteOfARemovedServiceKeepsItsRestartCount() {
    holdsWithKinds(212720, 2, RECONCILE, new Controllers(), new Controllers(), new Exit(760, 8, 143, false),
        new SyncKind(false), RECONCILE, new RemoveService(480), new Reconcile(SimOperator.Fault.WRITE_REFUSED, 755));
  }

  /**
   * NO_OP_WRITES_NOTHING (found by the soak): s1, restarted by hand and stopping for it, gets a new
   * image while its Deployment (deleted by someone else, the cache not told yet) still shows 1
   * replica; the restart waited for its dependency s0 with no scale to 0, and the same observation
   * then rolled the new template out to the replica it saw. A start that waits now takes the
   * workload to 0 first.
   */
  @Test
  void seed_201321_aRestartWaitingForADependencyScalesItsWorkloadToZeroFirst() {
    holdsWithKinds(201321, 4, RECONCILE, new Controllers(), new RemoveService(191), new Controllers(), new SyncKind(true),
        RECONCILE, new RemoveService(578), new Evict(822, 0), new EditImage(117), new Controllers(),
        new AddService(8900203092707023901L), new SyncAll(), new OtherDelete(1), new AddService(-7018427039736588771L),
        new Controllers(), new Controllers(), new RestartService(957), new SyncKind(false), RECONCILE, RECONCILE);
  }

  /**
   * NO_OP_WRITES_NOTHING (found by the soak, with 204390 211131 215475): s0, running, is scaled to 0
   * by someone else, its container is OOM-killed and its image is edited, all before one
   * reconcile. It counted the failure and backed off; the same observation then restarted it for
   * the new template (the count reset): two statuses in turn. A failure seen with a new template
   * now restarts the service for the template in the same reconcile.
   */
  @Test
  void seed_202413_aFailureSeenWithANewTemplateRestartsForTheTemplateAtOnce() {
    holdsWithKinds(202413, 1, RECONCILE, new Controllers(), new Controllers(), new OtherScale(466, 0),
        new Exit(624, 4, 137, false), new SyncAll(), new EditImage(42), new Reconcile(SimOperator.Fault.WRITE_BEFORE, 611));
  }

  /**
   * JOB_NOT_RERUN (found by the soak, with 214180): s0, a Job that has completed, is suspended with
   * its group, and someone deletes the finished Job meanwhile; the suspend had called the service
   * Stopped, so un-suspending created its Job again. A suspend now leaves a Completed Job's service
   * Completed (as it leaves the Job), and a Completed Job someone deleted is not re-created.
   */
  @Test
  void seed_211964_aCompletedJobDeletedWhileSuspendedIsNotRunAgainOnResume() {
    holdsWithKinds(211964, 3, new AddService(-3701406348020939187L), RECONCILE, new Controllers(), new Controllers(),
        new Advance(2233), new Controllers(), new SyncAll(), RECONCILE, new AddService(-7608801161358811714L),
        new Suspend(true), new OtherDelete(70), RECONCILE, new Suspend(false));
  }

  /** A world of every kind, as the simulation plays it since the kinds. */
  private static void holdsWithKinds(long seed, int services, SimEvent... events) {
    Optional<Invariants.Violation> violation = Simulation.run(new Simulation.Script(seed, services, List.of(events)),
        SimWorld::real).violation();
    assertThat(violation).as("the invariants of world " + seed).isEmpty();
  }
}
