package dev.runner.core;

import static dev.runner.core.TestData.spec;
import static dev.runner.core.TestData.svc;
import static dev.runner.core.World.t;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Ordered bring-up, gating, start delays, status and events of {@link Supervisor#decide}. */
class SupervisorBringUpTest {

  static Map<String, Condition> conditions(World world) {
    return world.status.getConditions().stream().collect(Collectors.toMap(Condition::getType, Function.identity()));
  }

  static List<String> eventReasons(Decision decision) {
    return decision.events().stream().map(EventNote::reason).toList();
  }

  @Nested
  class Order {
    @Test
    void chainCreatesEachServiceOnlyOnceItsDependencyIsHealthy() {
      World world = World.of(spec(svc("a"), svc("b").dependsOn("a"), svc("c").dependsOn("b")));

      // t0: only a is created; b and c wait.
      Decision d = world.step(t(0));
      assertThat(d.actions()).containsExactly(new Action.Create("a", 1));
      assertThat(world.service("b").getPhase()).isEqualTo(ServicePhase.Waiting);
      assertThat(world.service("c").getPhase()).isEqualTo(ServicePhase.Waiting);
      assertThat(d.requeueAfter()).isEmpty();

      // t1: a exists but is not healthy yet: nothing more.
      d = world.step(t(1));
      assertThat(d.actions()).isEmpty();
      world.assertNoOpAgain();

      // t2: a is healthy: b is created in this very decision, c still waits.
      world.healthy("a");
      d = world.step(t(2));
      assertThat(d.actions()).containsExactly(new Action.Create("b", 1));
      assertThat(world.service("a").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.service("c").getWaitingFor()).containsExactly("b");

      world.healthy("b");
      d = world.step(t(3));
      assertThat(d.actions()).containsExactly(new Action.Create("c", 1));

      world.healthy("c");
      d = world.step(t(4));
      assertThat(d.actions()).isEmpty();
      assertThat(world.status.isHealthy()).isTrue();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
      world.assertNoOpAgain();
    }

    @Test
    void healthRequiresTheLatestGenerationObservedAndAllReplicasUpdatedAndAvailable() {
      World world = World.of(spec(svc("a").replicas(2), svc("b").dependsOn("a")));
      assertThat(world.step(t(0)).actions()).containsExactly(new Action.Create("a", 2));

      // The controller has not observed generation 1 yet, although the counts look right.
      world.deploymentStatus("a", 0, 2, 2, 2);
      assertThat(world.step(t(1)).actions()).isEmpty();
      assertThat(world.service("a").getError()).isEqualTo("rollout in progress");

      // Observed, but only one replica updated.
      world.deploymentStatus("a", 1, 2, 1, 2);
      assertThat(world.step(t(2)).actions()).isEmpty();
      assertThat(world.service("a").getError()).isEqualTo("rollout in progress: 1/2 replicas updated");

      // Updated, but only one available.
      world.deploymentStatus("a", 1, 2, 2, 1);
      assertThat(world.step(t(3)).actions()).isEmpty();
      assertThat(world.service("a").getError()).isEqualTo("starting: 1/2 replicas available");
      assertThat(world.service("a").isHealthy()).isFalse();

      world.deploymentStatus("a", 1, 2, 2, 2);
      assertThat(world.step(t(4)).actions()).containsExactly(new Action.Create("b", 1));
      assertThat(world.service("a").isHealthy()).isTrue();
    }

    /**
     * The real Deployment controller's first status of a new Deployment: generation observed, no
     * Pods yet, no updatedReplicas. That is the start, not a rollout: the message stays "starting",
     * so the status is not written three times (starting, rollout in progress, starting again).
     */
    @Test
    void theDeploymentControllersFirstStatusIsStillStartingNotARollout() {
      World world = World.of(spec(svc("a")));
      world.step(t(0));
      assertThat(world.service("a").getError()).isEqualTo("starting: 0/1 replicas available");

      world.deploymentStatus("a", 1, 0, 0, 0);
      world.step(t(1));
      assertThat(world.service("a").getError()).isEqualTo("starting: 0/1 replicas available");

      world.deploymentStatus("a", 1, 1, 1, 0);
      world.step(t(2));
      assertThat(world.service("a").getError()).isEqualTo("starting: 0/1 replicas available");
    }

    @Test
    void diamondStartsBothMiddlesInTheSameDecision() {
      World world = World.of(spec(svc("top"), svc("left").dependsOn("top"), svc("right").dependsOn("top"),
          svc("bottom").dependsOn("left", "right")));
      assertThat(world.step(t(0)).actions()).containsExactly(new Action.Create("top", 1));
      assertThat(world.status.getStartOrder()).containsExactly(List.of("top"), List.of("left", "right"), List.of("bottom"));

      world.healthy("top");
      Decision d = world.step(t(1));
      assertThat(d.actions()).containsExactlyInAnyOrder(new Action.Create("left", 1), new Action.Create("right", 1));
      assertThat(world.service("bottom").getWaitingFor()).containsExactly("left", "right");
      assertThat(world.service("bottom").getError()).isEqualTo("waiting for dependencies: left, right");

      // One middle is not enough.
      world.healthy("right");
      assertThat(world.step(t(2)).actions()).isEmpty();
      assertThat(world.service("bottom").getError()).isEqualTo("waiting for dependencies: left");

      world.healthy("left");
      assertThat(world.step(t(3)).actions()).containsExactly(new Action.Create("bottom", 1));
    }

    @Test
    void independentServicesStartTogether() {
      World world = World.of(spec(svc("x"), svc("y"), svc("z").dependsOn("x")));
      assertThat(world.step(t(0)).actions()).containsExactlyInAnyOrder(new Action.Create("x", 1), new Action.Create("y", 1));
    }

    @Test
    void completedDependencyCountsAsMet() {
      // The dependency exits 0 (OnFailure: Completed) before it was ever seen Ready.
      World fresh = World.of(spec(svc("migrate"), svc("api").dependsOn("migrate")));
      fresh.step(t(0));
      fresh.healthy("migrate").unavailable("migrate").exits("migrate", 0, "Completed", t(1));
      Decision d = fresh.step(t(2));
      assertThat(fresh.service("migrate").getPhase()).isEqualTo(ServicePhase.Completed);
      assertThat(fresh.service("migrate").isHealthy()).isTrue();
      assertThat(d.actions()).containsExactlyInAnyOrder(new Action.Scale("migrate", 0), new Action.Create("api", 1));
    }

    @Test
    void aDependencyThatFlapsAfterTheDependentStartedDoesNotStopIt() {
      World world = World.of(spec(svc("db"), svc("api").dependsOn("db")));
      world.dbThenApiReady();

      world.unavailable("db");
      Decision d = world.step(t(3));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Unhealthy);
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.service("api").isHealthy()).isTrue();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Degraded);
      assertThat(world.status.getMessage()).isEqualTo("unhealthy services: db: 0/1 replicas available");
      assertThat(eventReasons(d)).containsExactly("ServiceUnhealthy", "GroupDegraded");

      // Also while the dependent is still starting.
      World starting = World.of(spec(svc("db"), svc("api").dependsOn("db")));
      starting.step(t(0));
      starting.healthy("db");
      starting.step(t(1));
      starting.unavailable("db");
      assertThat(starting.step(t(2)).actions()).isEmpty();
      assertThat(starting.service("api").getPhase()).isEqualTo(ServicePhase.Starting);
    }
  }

  @Nested
  class StartDelay {
    World world = World.of(spec(svc("db"), svc("api").dependsOn("db").startDelay("5s")));

    @Test
    void delaysExactlyFromWhenDependenciesWereMetAndIsNeverShortened() {
      world.step(t(0));
      world.healthy("db");

      // Dependencies met at t=3: Delaying, requeue exactly 5s.
      Decision d = world.step(t(3));
      assertThat(d.actions()).isEmpty();
      ServiceStatus api = world.service("api");
      assertThat(api.getPhase()).isEqualTo(ServicePhase.Delaying);
      assertThat(api.getDependenciesMetAt()).isEqualTo("2025-03-01T10:00:03Z");
      assertThat(api.getError()).isEqualTo("start delay 5s: starting at 2025-03-01T10:00:08Z");
      assertThat(d.requeueAfter()).contains(Duration.ofSeconds(5));
      assertThat(eventReasons(d)).containsExactly("ServiceReady");
      world.assertNoOpAgain();

      // An early wake-up (a Pod event) at t=4.5 waits only what remains, from t=3, not from now.
      d = world.step(t(4.5));
      assertThat(d.actions()).isEmpty();
      assertThat(d.requeueAfter()).contains(Duration.ofMillis(3500));
      assertThat(world.service("api").getDependenciesMetAt()).isEqualTo("2025-03-01T10:00:03Z");

      // One millisecond before: still waiting.
      d = world.step(t(7.999));
      assertThat(d.actions()).isEmpty();
      assertThat(d.requeueAfter()).contains(Duration.ofMillis(1));

      d = world.step(t(8));
      assertThat(d.actions()).containsExactly(new Action.Create("api", 1));
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Starting);
      assertThat(world.service("api").getStartedAt()).isEqualTo("2025-03-01T10:00:08Z");
      assertThat(eventReasons(d)).containsExactly("ServiceStarted");
    }

    @Test
    void survivesAnOperatorRestartWithoutStartingOver() {
      world.step(t(0));
      world.healthy("db");
      world.step(t(3));

      // The operator restarts at t=6 with nothing but the written status.
      Decision d = world.restartOperatorAndDecideAt(t(6));
      assertThat(d.actions()).isEmpty();
      assertThat(d.requeueAfter()).contains(Duration.ofSeconds(2));
      assertThat(d.events()).isEmpty();

      // Restarted again, after the delay ran out while it was down: create at once.
      d = world.restartOperatorAndDecideAt(t(20));
      assertThat(d.actions()).containsExactly(new Action.Create("api", 1));
    }

    @Test
    void aDelayWithoutDependenciesRunsFromTheFirstDecision() {
      World solo = World.of(spec(svc("a").startDelay("1m30s")));
      Decision d = solo.step(t(0));
      assertThat(d.actions()).isEmpty();
      assertThat(d.requeueAfter()).contains(Duration.ofSeconds(90));
      assertThat(solo.status.getPhase()).isEqualTo(GroupPhase.Pending);
      assertThat(solo.step(t(90)).actions()).containsExactly(new Action.Create("a", 1));
    }

    @Test
    void parallelServicesEachWaitTheirOwnDelay() {
      World w = World.of(spec(svc("db"), svc("fast").dependsOn("db").startDelay("1s"), svc("slow").dependsOn("db").startDelay("3s")));
      w.step(t(0));
      w.healthy("db");
      assertThat(w.step(t(1)).requeueAfter()).contains(Duration.ofSeconds(1));
      Decision d = w.step(t(2));
      assertThat(d.actions()).containsExactly(new Action.Create("fast", 1));
      assertThat(d.requeueAfter()).contains(Duration.ofSeconds(2));
      assertThat(w.step(t(4)).actions()).containsExactly(new Action.Create("slow", 1));
    }
  }

  @Nested
  class Status {
    @Test
    void theStatusAtEveryStage() {
      World world = World.of(spec(svc("db"), svc("api").dependsOn("db").startDelay("2s")));

      // Stage 1: db starting, api waiting.
      Decision d = world.step(t(0));
      assertThat(d.actions()).containsExactly(new Action.Create("db", 1));
      assertThat(world.status.getObservedGeneration()).isEqualTo(1L);
      assertThat(world.status.isHealthy()).isFalse();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Progressing);
      assertThat(world.status.getReady()).isEqualTo("0/2");
      assertThat(world.status.getStartOrder()).containsExactly(List.of("db"), List.of("api"));
      assertThat(world.status.getMessage())
          .isEqualTo("unhealthy services: api: waiting for dependencies: db, db: starting: 0/1 replicas available");
      ServiceStatus api = world.service("api");
      assertThat(api.isHealthy()).isFalse();
      assertThat(api.isRunning()).isFalse();
      assertThat(api.getPhase()).isEqualTo(ServicePhase.Waiting);
      assertThat(api.getWaitingFor()).containsExactly("db");
      assertThat(api.getError()).isEqualTo("waiting for dependencies: db");
      assertThat(api.getReadyReplicas()).isNull();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Starting);
      Map<String, Condition> c = conditions(world);
      assertThat(c.get("Ready").getStatus()).isEqualTo("False");
      assertThat(c.get("Progressing").getStatus()).isEqualTo("True");
      assertThat(c.get("Degraded").getStatus()).isEqualTo("False");
      assertThat(c.values()).allSatisfy(cond -> {
        assertThat(cond.getObservedGeneration()).isEqualTo(1L);
        assertThat(cond.getLastTransitionTime()).isEqualTo("2025-03-01T10:00:00Z");
        assertThat(cond.getReason()).isEqualTo("Progressing");
      });
      assertThat(eventReasons(d)).containsExactly("ServiceStarted");

      // The Deployment appears in the cache: its status is not there yet. Nothing changed for the
      // user, so the words stay the same (and the status is not written again).
      String words = world.service("db").getError();
      d = world.step(t(0.5));
      assertThat(d.actions()).isEmpty();
      assertThat(d.events()).isEmpty();
      assertThat(world.service("db").getError()).isEqualTo("starting: 0/1 replicas available").isEqualTo(words);
      world.assertNoOpAgain();

      // Stage 2: db's Deployment exists, pods running but not yet available.
      world.deploymentStatus("db", 1, 1, 1, 0);
      world.pod("db", world.runningPod("db"));
      world.step(t(1));
      assertThat(world.service("db").isRunning()).isTrue();
      assertThat(world.service("db").getReadyReplicas()).isEqualTo(0);
      assertThat(world.service("db").getError()).isEqualTo("starting: 0/1 replicas available");
      world.assertNoOpAgain();

      // Stage 3: db ready, api delaying. Conditions unchanged keep their transition time.
      world.healthy("db");
      d = world.step(t(5));
      assertThat(world.status.getReady()).isEqualTo("1/2");
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Progressing);
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.service("db").isHealthy()).isTrue();
      assertThat(world.service("db").getError()).isEmpty();
      assertThat(world.service("db").getReadyReplicas()).isEqualTo(1);
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Delaying);
      assertThat(world.service("api").getWaitingFor()).isEmpty();
      assertThat(world.status.getMessage()).isEqualTo("unhealthy services: api: start delay 2s: starting at 2025-03-01T10:00:07Z");
      assertThat(conditions(world).values()).allSatisfy(cond -> assertThat(cond.getLastTransitionTime()).isEqualTo("2025-03-01T10:00:00Z"));
      assertThat(eventReasons(d)).containsExactly("ServiceReady");
      world.assertNoOpAgain();

      // Stage 4: api started.
      d = world.step(t(7));
      assertThat(d.actions()).containsExactly(new Action.Create("api", 1));
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Starting);
      assertThat(world.step(t(7.5)).actions()).isEmpty();
      world.assertNoOpAgain();

      // Stage 5: all ready: Ready flips (new transition time), Progressing flips, Degraded keeps its time.
      world.healthy("api");
      d = world.step(t(9.5));
      assertThat(world.status.isHealthy()).isTrue();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
      assertThat(world.status.getReady()).isEqualTo("2/2");
      assertThat(world.status.getMessage()).isEmpty();
      c = conditions(world);
      assertThat(c.get("Ready").getStatus()).isEqualTo("True");
      assertThat(c.get("Ready").getLastTransitionTime()).isEqualTo("2025-03-01T10:00:09Z");
      assertThat(c.get("Ready").getReason()).isEqualTo("Ready");
      assertThat(c.get("Ready").getMessage()).isEqualTo("all services are healthy");
      assertThat(c.get("Progressing").getStatus()).isEqualTo("False");
      assertThat(c.get("Progressing").getLastTransitionTime()).isEqualTo("2025-03-01T10:00:09Z");
      assertThat(c.get("Degraded").getLastTransitionTime()).isEqualTo("2025-03-01T10:00:00Z");
      assertThat(eventReasons(d)).containsExactly("ServiceReady", "GroupReady");
      world.assertNoOpAgain();

      // Nothing changes for a long time: the same status, no actions, no events.
      String before = World.JSON.asJson(world.status);
      d = world.step(t(300));
      assertThat(d.actions()).isEmpty();
      assertThat(d.events()).isEmpty();
      assertThat(World.JSON.asJson(world.status)).isEqualTo(before);

      // A new generation of the spec that changes nothing for the services: only observedGeneration moves.
      world.edit(s -> s.setRestartConfig(null));
      world.step(t(301));
      assertThat(world.status.getObservedGeneration()).isEqualTo(2L);
      assertThat(conditions(world).values()).allSatisfy(cond -> assertThat(cond.getObservedGeneration()).isEqualTo(2L));
    }

    @Test
    void messageListsUnhealthyServicesSortedByName() {
      World world = World.of(spec(svc("zeta"), svc("alpha"), svc("mid").dependsOn("alpha", "zeta")));
      world.step(t(0));
      assertThat(world.status.getMessage()).isEqualTo("unhealthy services: "
          + "alpha: starting: 0/1 replicas available, "
          + "mid: waiting for dependencies: alpha, zeta, "
          + "zeta: starting: 0/1 replicas available");
    }
  }

  @Nested
  class SpecEdits {
    World world = World.of(spec(svc("db"), svc("api").dependsOn("db")));

    void bringUp() {
      world.dbThenApiReady();
    }

    @Test
    void templateEditRollsTheDeploymentAndTheServiceIsNotHealthyUntilTheRolloutIsObserved() {
      bringUp();
      world.edit(s -> s.getServices().get(0).getTemplate().getSpec().getContainers().get(0).setImage("db:2"));
      Decision d = world.step(t(3));
      assertThat(d.actions()).containsExactly(new Action.Update("db", 1));
      assertThat(world.service("db").isHealthy()).isFalse();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Starting);
      assertThat(world.deployment("db").getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("db:2");

      // The controller has not observed generation 2 yet: still not healthy, no second update.
      d = world.step(t(4));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").isHealthy()).isFalse();
      assertThat(world.service("db").getError()).isEqualTo("rollout in progress");
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Ready);
      world.assertNoOpAgain();

      world.healthy("db");
      d = world.step(t(5));
      assertThat(d.actions()).isEmpty();
      assertThat(world.service("db").isHealthy()).isTrue();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
    }

    @Test
    void aChangedDependencyListIsATemplateChangeToo() {
      bringUp();
      world.replaceSpec(spec(svc("db"), svc("cache"), svc("api").dependsOn("db", "cache")));
      Decision d = world.step(t(3));
      // cache is new and starts; api's recorded dependencies change (the annotation is rewritten).
      assertThat(d.actions()).containsExactlyInAnyOrder(new Action.Create("cache", 1), new Action.Update("api", 1));
      assertThat(world.deployment("api").getMetadata().getAnnotations()).containsEntry(Names.DEPENDS_ON, "cache,db");
    }

    @Test
    void aRemovedServiceIsDeletedOnlyAfterItsRecordedDependentsAreGone() {
      World w = World.of(spec(svc("db"), svc("api").dependsOn("db"), svc("web")));
      w.step(t(0));
      w.healthy("db", "web");
      w.step(t(1));
      w.healthy("api");
      w.step(t(2));

      // db and api are removed: api stops first (scaled to zero); db waits for api's Pods.
      w.replaceSpec(spec(svc("web")));
      Decision d = w.step(t(3));
      assertThat(d.actions()).containsExactly(new Action.Scale("api", 0));
      assertThat(w.status.getServices()).containsOnlyKeys("web");
      assertThat(eventReasons(d)).containsExactlyInAnyOrder("ServiceRemoved", "ServiceRemoved");

      // api's Pods still terminate: db waits.
      assertThat(w.step(t(4)).actions()).isEmpty();
      w.assertNoOpAgain();

      w.podsGone("api");
      assertThat(w.step(t(5)).actions()).containsExactlyInAnyOrder(new Action.Delete("api"), new Action.Scale("db", 0));
      w.podsGone("db");
      assertThat(w.step(t(6)).actions()).containsExactly(new Action.Delete("db"));
      assertThat(w.step(t(7)).actions()).isEmpty();
      w.assertNoOpAgain();
    }

    @Test
    void removingADependencyAndTheServiceRewritesTheDependentFirst() {
      bringUp();
      world.replaceSpec(spec(svc("api")));
      Decision d = world.step(t(3));
      // api's Deployment still records db as a dependency: it is rewritten, db waits for that.
      assertThat(d.actions()).containsExactly(new Action.Update("api", 1));
      d = world.step(t(4));
      assertThat(d.actions()).containsExactly(new Action.Scale("db", 0));
      world.podsGone("db");
      assertThat(world.step(t(5)).actions()).containsExactly(new Action.Delete("db"));
    }

    @Test
    void anAddedServiceStartsWhenItsDependenciesAreMet() {
      bringUp();
      world.edit(s -> s.getServices().add(svc("worker").dependsOn("api").startDelay("1s").build()));
      Decision d = world.step(t(3));
      assertThat(d.actions()).isEmpty();
      assertThat(d.requeueAfter()).contains(Duration.ofSeconds(1));
      assertThat(world.step(t(4)).actions()).containsExactly(new Action.Create("worker", 1));
    }
  }

  @Nested
  class Invalid {
    World world = World.of(spec(svc("db"), svc("api").dependsOn("db")));

    @Test
    void aCycleChangesNothingThatRunsAndIsReportedOnce() {
      world.dbThenApiReady();
      Map<String, ServiceStatus> running = world.status.getServices();

      world.replaceSpec(spec(svc("db").dependsOn("api"), svc("api").dependsOn("db")));
      Decision d = world.step(t(3));
      assertThat(d.actions()).isEmpty();
      assertThat(d.requeueAfter()).isEmpty();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Invalid);
      assertThat(world.status.isHealthy()).isFalse();
      assertThat(world.status.getMessage()).contains("dependency cycle: api -> db -> api");
      assertThat(world.status.getStartOrder()).containsExactly(List.of("db"), List.of("api"));
      assertThat(World.JSON.asJson(world.status.getServices())).isEqualTo(World.JSON.asJson(running));
      Map<String, Condition> c = conditions(world);
      assertThat(c.get("Ready").getStatus()).isEqualTo("False");
      assertThat(c.get("Ready").getReason()).isEqualTo("Invalid");
      assertThat(c.get("Ready").getMessage()).contains("api -> db -> api");
      assertThat(d.events()).singleElement().satisfies(e -> {
        assertThat(e.type()).isEqualTo(EventNote.Type.Warning);
        assertThat(e.reason()).isEqualTo("InvalidSpec");
        assertThat(e.message()).contains("api -> db -> api");
      });

      // The same invalid spec again (a later reconcile): no event, no action, same status.
      world.assertNoOpAgain();
      d = world.step(t(60));
      assertThat(d.events()).isEmpty();
      assertThat(d.actions()).isEmpty();

      // Fixing the spec resumes.
      world.replaceSpec(spec(svc("db"), svc("api").dependsOn("db")));
      d = world.step(t(61));
      assertThat(d.actions()).isEmpty();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
    }

    @Test
    void anUnknownDependencyIsInvalidAndNothingIsCreated() {
      World fresh = World.of(spec(svc("api").dependsOn("db", "cache")));
      Decision d = fresh.step(t(0));
      assertThat(d.actions()).isEmpty();
      assertThat(fresh.status.getPhase()).isEqualTo(GroupPhase.Invalid);
      assertThat(fresh.status.getMessage())
          .contains("service \"api\" depends on \"cache\", which is not a service of this group")
          .contains("service \"api\" depends on \"db\", which is not a service of this group");
      assertThat(eventReasons(d)).containsExactly("InvalidSpec");
      fresh.assertNoOpAgain();
    }

    @Test
    void anInvalidEditKeepsRemovedServicesRunning() {
      world.step(t(0));
      world.healthy("db");
      world.step(t(1));
      world.replaceSpec(spec(svc("api").dependsOn("db")));
      assertThat(world.step(t(2)).actions()).isEmpty();
      assertThat(world.status.getServices()).containsKeys("db", "api");
    }
  }

  @Nested
  class Collision {
    @Test
    void aForeignNameFailsThatServiceAndNothingIsDoneToIt() {
      World world = World.of(spec(svc("db"), svc("api").dependsOn("db")));
      world.foreign.add("db");
      Decision d = world.step(t(0));
      assertThat(d.actions()).isEmpty();
      ServiceStatus db = world.service("db");
      assertThat(db.getPhase()).isEqualTo(ServicePhase.Failed);
      assertThat(db.getError()).isEqualTo("Deployment app-db already exists and is not owned by this group: "
          + "rename the service or remove that Deployment");
      assertThat(world.service("api").getPhase()).isEqualTo(ServicePhase.Waiting);
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Failed);
      assertThat(d.events()).extracting(EventNote::reason).contains("ServiceFailed");
      world.assertNoOpAgain();

      // The other object goes away: db starts.
      world.foreign.clear();
      assertThat(world.step(t(1)).actions()).containsExactly(new Action.Create("db", 1));
    }

    @Test
    void aCollisionOnOneServiceDoesNotStopTheOthers() {
      World world = World.of(spec(svc("db"), svc("other")));
      world.foreign.add("other");
      assertThat(world.step(t(0)).actions()).containsExactly(new Action.Create("db", 1));
    }
  }

  /**
   * Which decisions may write their status beside their creates ({@link Decision.Order#TOGETHER}):
   * those whose every change is a first start, so that a status write lost while a create lands
   * loses nothing the next reconcile cannot observe again.
   */
  @Nested
  class WriteOrder {
    @Test
    void everyCreateOfABringUpGoesBesideItsStatus() {
      World world = World.of(spec(svc("a"), svc("b").dependsOn("a"), svc("c").dependsOn("a")));
      Decision d = world.step(t(0));
      assertThat(d.actions()).containsExactly(new Action.Create("a", 1));
      assertThat(d.order()).isEqualTo(Decision.Order.TOGETHER);
      assertThat(world.step(t(1)).order()).as("no change: the status alone").isEqualTo(Decision.Order.STATUS_FIRST);
      world.healthy("a");
      d = world.step(t(2));
      assertThat(d.actions()).containsExactlyInAnyOrder(new Action.Create("b", 1), new Action.Create("c", 1));
      assertThat(d.order()).isEqualTo(Decision.Order.TOGETHER);
    }

    @Test
    void aCreateAfterAStartDelayOrARetriedCreateIsStillAFirstStart() {
      World world = World.of(spec(svc("a"), svc("b").dependsOn("a").startDelay("5s")));
      world.step(t(0));
      world.healthy("a");
      assertThat(world.step(t(1)).actions()).isEmpty();
      assertThat(world.service("b").getPhase()).isEqualTo(ServicePhase.Delaying);
      Decision d = world.decideAt(t(6));
      assertThat(d.actions()).containsExactly(new Action.Create("b", 1));
      assertThat(d.order()).isEqualTo(Decision.Order.TOGETHER);
      // The create failed (not applied): tried again from Starting, still a first start.
      d = world.decideAt(t(7));
      assertThat(d.actions()).containsExactly(new Action.Create("b", 1));
      assertThat(d.order()).isEqualTo(Decision.Order.TOGETHER);
    }

    @Test
    void aWorkloadCreatedAgainAfterAnExitWritesItsStatusFirst() {
      World world = World.of(spec(svc("db"), svc("api").dependsOn("db").jitter(false).backoff("10s", "60s", 2.0)))
          .dbThenApiReady();
      world.unavailable("api").exits("api", 1, "Error", t(5));
      world.step(t(5));
      world.deployments.remove("api");
      world.podsGone("api");
      Decision d = world.step(t(16));
      assertThat(d.actions()).containsExactly(new Action.Create("api", 1));
      assertThat(d.order()).as("its restart count and last exit are on record").isEqualTo(Decision.Order.STATUS_FIRST);
    }

    @Test
    void aCreateWhileAPodOfTheServiceIsSeenWritesItsStatusFirst() {
      // Never started by this group, but a Pod with its labels is seen (one of an earlier group of the name).
      World world = World.of(spec(svc("a")));
      world.pod("a", world.runningPod("a"));
      Decision d = world.decideAt(t(0));
      assertThat(d.actions()).containsExactly(new Action.Create("a", 1));
      assertThat(d.order()).as("what the Pod shows becomes history at the start").isEqualTo(Decision.Order.STATUS_FIRST);
    }

    @Test
    void aCreateDecidedWithAnyOtherChangeWritesItsStatusFirst() {
      World world = World.of(spec(svc("a"), svc("b").dependsOn("a")));
      world.step(t(0));
      world.healthy("a");
      world.edit(s -> s.getServices().removeIf(svc -> svc.getName().equals("a")));
      world.edit(s -> s.getServices().get(0).setDependsOn(List.of()));
      Decision d = world.decideAt(t(1));
      assertThat(d.actions()).contains(new Action.Create("b", 1));
      assertThat(d.actions()).anyMatch(a -> !(a instanceof Action.Create));
      assertThat(d.order()).isEqualTo(Decision.Order.STATUS_FIRST);
    }

    @Test
    void aRestartAskedForWritesItsStatusFirst() {
      World world = World.of(spec(svc("a"), svc("b").dependsOn("a")));
      world.step(t(0));
      world.annotateRestart("b", "1");
      world.healthy("a");
      Decision d = world.decideAt(t(1));
      assertThat(d.actions()).containsExactly(new Action.Create("b", 1));
      assertThat(d.order()).as("the restart asked for is recorded before the start").isEqualTo(Decision.Order.STATUS_FIRST);

      world = World.of(spec(svc("a"), svc("b").dependsOn("a")));
      world.step(t(0));
      world.annotateRestart("1");
      world.healthy("a");
      d = world.decideAt(t(1));
      assertThat(d.actions()).containsExactly(new Action.Create("b", 1));
      assertThat(d.order()).isEqualTo(Decision.Order.STATUS_FIRST);
    }

    @Test
    void aDeletionOrASuspendNeverWritesBeside() {
      World world = World.of(spec(svc("a"), svc("b").dependsOn("a")));
      world.step(t(0));
      assertThat(world.delete().decideAt(t(1)).order()).isEqualTo(Decision.Order.STATUS_FIRST);
    }
  }
}
