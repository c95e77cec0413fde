package dev.runner.core;

import static dev.runner.core.TestData.spec;
import static dev.runner.core.TestData.svc;
import static dev.runner.core.World.t;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import dev.runner.api.GroupReference;
import dev.runner.api.Limits;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** {@link GroupDependencies}: a group that depends on other groups, and what {@link Supervisor} makes of it. */
class GroupDependenciesTest {
  static final GroupRef APP = new GroupRef("default", "app");
  static final GroupRef INFRA = new GroupRef("infra", "platform");
  static final DependencyState READY = new DependencyState.Ready();
  static final DependencyState PROGRESSING = new DependencyState.NotReady(DependencyState.Why.UNHEALTHY, GroupPhase.Progressing, "0/2");

  /** The groups an operator sees: by reference, in the namespaces it watches (all when none are named). */
  static final class Groups implements GroupDependencies.Cluster {
    final Map<GroupRef, GroupDependencies.Seen> seen = new HashMap<>();
    final Set<String> watched;

    Groups(String... watched) {
      this.watched = Set.of(watched);
    }

    Groups add(GroupRef group, DependencyState state, GroupRef... dependsOn) {
      seen.put(group, new GroupDependencies.Seen(List.of(dependsOn), state));
      return this;
    }

    @Override
    public Optional<GroupDependencies.Seen> find(GroupRef group) {
      return Optional.ofNullable(seen.get(group));
    }

    @Override
    public Set<String> watched() {
      return watched;
    }
  }

  static RunnerGroupSpec dependingOn(GroupReference... references) {
    RunnerGroupSpec spec = spec(svc("db"));
    spec.setDependsOn(new ArrayList<>(List.of(references)));
    return spec;
  }

  static GroupReference ref(String name, String namespace) {
    return new GroupReference(name, namespace);
  }

  @Nested
  class References {
    @Test
    void theNamespaceDefaultsToTheGroupsOwnAndEachGroupCountsOnce() {
      RunnerGroupSpec spec = dependingOn(ref("platform", "infra"), ref("cache", null), ref("cache", "default"), ref("platform", "infra"));
      assertThat(GroupDependencies.refs("default", spec))
          .containsExactly(INFRA, new GroupRef("default", "cache"));
      assertThat(GroupDependencies.refs("default", spec(svc("db")))).isEmpty();
      assertThat(GroupDependencies.refs("default", null)).isEmpty();
    }

    @Test
    void checkRepeatsWhatTheSchemaSays() {
      assertThat(GroupDependencies.check("app", dependingOn(ref("platform", "infra"), ref("cache", null)))).isEmpty();
      assertThat(GroupDependencies.check("app", dependingOn(ref("app", null))))
          .containsExactly("a group cannot depend on itself: remove its own name from spec.dependsOn");
      assertThat(GroupDependencies.check("app", dependingOn(ref("app", "other")))).as("another namespace's app").isEmpty();
      assertThat(GroupDependencies.check("app", dependingOn(ref("cache", null), ref("cache", null), ref("x", "ns"), ref("x", "ns"))))
          .containsExactly("spec.dependsOn names the group cache twice: list each group once",
              "spec.dependsOn names the group ns/x twice: list each group once");
      assertThat(GroupDependencies.check("app", dependingOn(ref("Bad_Name", null), ref("ok", "no.dots"), ref(null, "ns"))))
          .containsExactly(
              "spec.dependsOn[0]: \"Bad_Name\" is not a valid name (a DNS label of at most 63 characters)",
              "spec.dependsOn[1]: \"no.dots\" is not a valid name (a DNS label of at most 63 characters)",
              "spec.dependsOn[2]: name is required");
      GroupReference[] many = IntStream.rangeClosed(0, Limits.GROUP_DEPENDS_ON_MAX).mapToObj(i -> ref("g" + i, null))
          .toArray(GroupReference[]::new);
      assertThat(GroupDependencies.check("app", dependingOn(many)))
          .containsExactly("spec.dependsOn lists 33 groups; at most 32 are allowed");
    }

    @Test
    void groupPlanIncludesTheChecks() {
      assertThat(GroupPlan.of("app", dependingOn(ref("app", null))).errors())
          .containsExactly("a group cannot depend on itself: remove its own name from spec.dependsOn");
    }
  }

  @Nested
  class States {
    @Test
    void readyMeansHealthyForTheCurrentGeneration() {
      assertThat(GroupDependencies.stateOf(3L, false, status(3L, true, GroupPhase.Ready, "2/2"))).isEqualTo(READY);
      assertThat(GroupDependencies.stateOf(4L, false, status(3L, true, GroupPhase.Ready, "2/2")))
          .as("the status of the generation before").isEqualTo(new DependencyState.NotReady(DependencyState.Why.STALE, null, null));
      assertThat(GroupDependencies.stateOf(1L, false, null))
          .as("never reconciled").isEqualTo(new DependencyState.NotReady(DependencyState.Why.STALE, null, null));
      assertThat(GroupDependencies.stateOf(3L, false, status(3L, false, GroupPhase.Degraded, "1/2")))
          .isEqualTo(new DependencyState.NotReady(DependencyState.Why.UNHEALTHY, GroupPhase.Degraded, "1/2"));
      assertThat(GroupDependencies.stateOf(3L, true, status(3L, true, GroupPhase.Ready, "2/2")))
          .isEqualTo(new DependencyState.NotReady(DependencyState.Why.DELETING, GroupPhase.Ready, "2/2"));
    }

    @Test
    void eachStateSaysWhatItIs() {
      assertThat(PROGRESSING.describe()).isEqualTo("is not Ready (phase Progressing, 0/2 services ready)");
      assertThat(new DependencyState.NotReady(DependencyState.Why.STALE, null, null).describe())
          .isEqualTo("is not Ready (its status is not for its latest spec yet)");
      assertThat(new DependencyState.NotReady(DependencyState.Why.DELETING, GroupPhase.Ready, "2/2").describe()).isEqualTo("is being deleted");
      assertThat(new DependencyState.Missing().describe()).isEqualTo("is not found (not created yet, or deleted)");
      assertThat(new DependencyState.NotWatched(Set.of("team-a")).describe())
          .isEqualTo("is in a namespace this operator does not watch (it watches team-a)");
    }

    private RunnerGroupStatus status(Long observedGeneration, boolean healthy, GroupPhase phase, String ready) {
      RunnerGroupStatus status = new RunnerGroupStatus();
      status.setObservedGeneration(observedGeneration);
      status.setHealthy(healthy);
      status.setPhase(phase);
      status.setReady(ready);
      return status;
    }
  }

  @Nested
  class Observing {
    @Test
    void eachDependencyIsReadyNotReadyMissingOrNotWatched() {
      GroupRef cache = new GroupRef("default", "cache");
      GroupRef gone = new GroupRef("default", "gone");
      GroupRef elsewhere = new GroupRef("other", "x");
      Groups groups = new Groups("default", "infra").add(INFRA, READY).add(cache, PROGRESSING);
      GroupDependencies.Observation seen = GroupDependencies.observe(APP, List.of(INFRA, cache, gone, elsewhere), groups);
      assertThat(seen.states()).containsExactly(
          Map.entry(INFRA, READY), Map.entry(cache, PROGRESSING), Map.entry(gone, new DependencyState.Missing()),
          Map.entry(elsewhere, new DependencyState.NotWatched(Set.of("default", "infra"))));
      assertThat(seen.waitingFor()).containsExactly("group default/cache", "group default/gone", "group other/x");
      assertThat(seen.errors()).containsExactly(
          "spec.dependsOn: group other/x is in a namespace this operator does not watch (it watches default, infra)");
      assertThat(seen.allReady()).isFalse();
      assertThat(seen.cycle()).isEmpty();
    }

    @Test
    void noDependenciesIsNone() {
      assertThat(GroupDependencies.observe(APP, List.of(), new Groups())).isEqualTo(GroupDependencies.Observation.NONE);
      assertThat(GroupDependencies.Observation.NONE.allReady()).isTrue();
    }

    @Test
    void aCycleIsFoundByFollowingTheDependsOnOfTheGroupsSeen() {
      Groups two = new Groups().add(INFRA, READY, APP);
      assertThat(GroupDependencies.observe(APP, List.of(INFRA), two).errors())
          .containsExactly("group dependency cycle: default/app -> infra/platform -> default/app");

      GroupRef b = new GroupRef("default", "b");
      GroupRef c = new GroupRef("default", "c");
      GroupRef d = new GroupRef("default", "d");
      // app -> b -> c -> app and app -> d -> app: the shortest is reported.
      Groups three = new Groups().add(b, READY, c).add(c, READY, APP).add(d, READY, APP);
      assertThat(GroupDependencies.observe(APP, List.of(b, d), three).cycle()).containsExactly(APP, d, APP);
      assertThat(GroupDependencies.observe(APP, List.of(b), three).cycle()).containsExactly(APP, b, c, APP);
    }

    @Test
    void aCycleNotThroughThisGroupIsNotItsCycle() {
      GroupRef x = new GroupRef("default", "x");
      Groups groups = new Groups().add(APP, new DependencyState.NotReady(DependencyState.Why.UNHEALTHY, GroupPhase.Invalid, "0/1"), INFRA)
          .add(INFRA, new DependencyState.NotReady(DependencyState.Why.UNHEALTHY, GroupPhase.Invalid, "0/1"), APP);
      GroupDependencies.Observation seen = GroupDependencies.observe(x, List.of(APP), groups);
      assertThat(seen.cycle()).isEmpty();
      assertThat(seen.errors()).as("x waits for app, which is Invalid").isEmpty();
      assertThat(seen.waitingFor()).containsExactly("group default/app");
    }

    @Test
    void groupsInNamespacesNotWatchedAreNotFollowed() {
      GroupRef hidden = new GroupRef("hidden", "h");
      Groups groups = new Groups("default").add(hidden, READY, APP);
      assertThat(GroupDependencies.observe(APP, List.of(hidden), groups).cycle()).isEmpty();
    }

    @Test
    void aGroupNamingItselfWithItsOwnNamespaceIsAnError() {
      GroupDependencies.Observation seen = GroupDependencies.observe(APP, List.of(APP), new Groups());
      assertThat(seen.errors()).containsExactly("spec.dependsOn: the group depends on itself (default/app)");
      assertThat(seen.cycle()).isEmpty();
    }
  }

  /** Through {@link Supervisor#decide}: a group of db and api (depending on db) that depends on infra/platform. */
  @Nested
  class Gating {
    final World world = World.of(spec(svc("db"), svc("api").dependsOn("db")));

    void infra(DependencyState state, GroupRef... infraDependsOn) {
      world.groups = GroupDependencies.observe(new GroupRef("default", World.GROUP), List.of(INFRA),
          new Groups().add(INFRA, state, infraDependsOn));
    }

    Condition dependenciesReady() {
      return world.status.getConditions().stream().filter(c -> GroupDependencies.CONDITION.equals(c.getType())).findFirst().orElseThrow();
    }

    @Test
    void nothingStartsUntilTheGroupItDependsOnIsReady() {
      infra(PROGRESSING);
      Decision d = world.step(t(0));
      assertThat(d.actions()).isEmpty();
      assertThat(d.requeueAfter()).as("woken by the dependency's change, not a timer").isEmpty();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Pending);
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Waiting);
      assertThat(world.service("db").getWaitingFor()).containsExactly("group infra/platform");
      assertThat(world.service("db").getError()).isEqualTo("waiting for dependencies: group infra/platform");
      assertThat(world.service("api").getWaitingFor()).containsExactly("db", "group infra/platform");
      assertThat(world.status.getMessage()).isEqualTo("unhealthy services: api: waiting for dependencies: db, group infra/platform, "
          + "db: waiting for dependencies: group infra/platform; group infra/platform is not Ready (phase Progressing, 0/2 services ready)");
      assertThat(dependenciesReady().getStatus()).isEqualTo("False");
      assertThat(dependenciesReady().getReason()).isEqualTo("NotReady");
      assertThat(dependenciesReady().getMessage()).isEqualTo("group infra/platform is not Ready (phase Progressing, 0/2 services ready)");
      world.assertNoOpAgain();

      // An operator restart while waiting: still waiting, nothing started.
      assertThat(world.restartOperatorAndDecideAt(t(1)).actions()).isEmpty();
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Waiting);

      infra(READY);
      d = world.step(t(2));
      assertThat(d.actions()).containsExactly(new Action.Create("db", 1));
      assertThat(dependenciesReady().getStatus()).isEqualTo("True");
      assertThat(dependenciesReady().getReason()).isEqualTo("Ready");
      assertThat(world.service("api").getWaitingFor()).containsExactly("db");
      world.healthy("db");
      world.step(t(3));
      world.healthy("api");
      world.step(t(4));
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
      assertThat(world.status.getMessage()).isEmpty();
    }

    @Test
    void aDependencyThatIsNoLongerReadyStopsNothingAndTheStatusSaysSo() {
      infra(READY);
      world.dbThenApiReady();
      infra(new DependencyState.NotReady(DependencyState.Why.UNHEALTHY, GroupPhase.Degraded, "1/2"));
      Decision d = world.step(t(3));
      assertThat(d.actions()).isEmpty();
      assertThat(world.status.getPhase()).as("its own services are healthy").isEqualTo(GroupPhase.Ready);
      assertThat(world.status.getMessage()).isEqualTo("group infra/platform is not Ready (phase Degraded, 1/2 services ready)");
      assertThat(dependenciesReady().getStatus()).isEqualTo("False");
      world.assertNoOpAgain();

      // Deleted: not blocked, nothing stopped here, the status says it is gone.
      infra(new DependencyState.Missing());
      d = world.step(t(4));
      assertThat(d.actions()).isEmpty();
      assertThat(world.status.getMessage()).isEqualTo("group infra/platform is not found (not created yet, or deleted)");
      assertThat(dependenciesReady().getReason()).isEqualTo("NotFound");
    }

    @Test
    void aCycleMakesTheGroupInvalidAndChangesNothing() {
      infra(READY);
      world.dbThenApiReady();
      String db = world.deployment("db").getMetadata().getResourceVersion();
      infra(READY, new GroupRef("default", World.GROUP));
      Decision d = world.step(t(3));
      assertThat(d.actions()).isEmpty();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Invalid);
      assertThat(world.status.getMessage()).isEqualTo(
          "invalid spec, nothing running was changed: group dependency cycle: default/app -> infra/platform -> default/app");
      assertThat(d.events()).extracting(EventNote::reason).containsExactly("InvalidSpec");
      assertThat(dependenciesReady().getReason()).isEqualTo("Cycle");
      assertThat(world.service("db").getPhase()).isEqualTo(ServicePhase.Ready);
      assertThat(world.deployment("db").getMetadata().getResourceVersion()).isEqualTo(db);

      // The cycle broken: running again.
      infra(READY);
      world.step(t(4));
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Ready);
    }

    @Test
    void aNewGroupInACycleStartsNothing() {
      infra(new DependencyState.NotReady(DependencyState.Why.STALE, null, null), new GroupRef("default", World.GROUP));
      Decision d = world.step(t(0));
      assertThat(d.actions()).isEmpty();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Invalid);
      assertThat(world.status.getServices()).isEmpty();
    }

    @Test
    void aDependencyInANamespaceNotWatchedIsAnError() {
      world.groups = GroupDependencies.observe(new GroupRef("default", World.GROUP), List.of(INFRA), new Groups("default"));
      Decision d = world.step(t(0));
      assertThat(d.actions()).isEmpty();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Invalid);
      assertThat(world.status.getMessage()).isEqualTo("invalid spec, nothing running was changed: "
          + "spec.dependsOn: group infra/platform is in a namespace this operator does not watch (it watches default)");
      assertThat(dependenciesReady().getReason()).isEqualTo("Invalid");
    }

    @Test
    void aGroupWithoutDependenciesHasNoSuchCondition() {
      world.step(t(0));
      assertThat(world.status.getConditions()).extracting(Condition::getType).doesNotContain(GroupDependencies.CONDITION);
    }

    @Test
    void deletionIsNotHeldUpByADependency() {
      infra(READY);
      world.dbThenApiReady();
      infra(new DependencyState.Missing());
      world.delete();
      Decision d = world.step(t(3));
      assertThat(d.actions()).isNotEmpty();
      assertThat(world.status.getPhase()).isEqualTo(GroupPhase.Stopping);
    }
  }
}
