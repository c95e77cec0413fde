package dev.runner.core;

import dev.runner.api.GroupPhase;
import dev.runner.api.GroupReference;
import dev.runner.api.Limits;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.RunnerGroupStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A group that depends on other groups ({@code spec.dependsOn}): what the operator sees of each
 * of them, the cycles through this group, and what that means for its services. Pure: the
 * cluster is handed in as a {@link Cluster} (the reconciler's informer cache, or the files of
 * {@code plan}).
 *
 * <p>The rules: no service of the group starts until every group it depends on is
 * {@link DependencyState.Ready}; a service that runs is never stopped because a dependency is no
 * longer Ready (the status says so); a cycle through the group, a dependency on itself or a
 * dependency in a namespace the operator does not watch make the group {@code Invalid}.
 */
public final class GroupDependencies {
  /** The condition, present when the group depends on other groups. */
  public static final String CONDITION = "DependenciesReady";
  private static final Pattern DNS_LABEL = Pattern.compile(Limits.DNS_LABEL);

  private GroupDependencies() {}

  /** One group the operator sees: the groups it depends on (namespaces filled in) and its state. */
  public record Seen(List<GroupRef> dependsOn, DependencyState state) {}

  /** The groups the operator can see. */
  public interface Cluster {
    /** The group, when it exists in a namespace that is watched. */
    Optional<Seen> find(GroupRef group);

    /** The namespaces watched, empty when all are. */
    Set<String> watched();

    default boolean watches(String namespace) {
      return watched().isEmpty() || watched().contains(namespace);
    }
  }

  /**
   * What was seen of one group's dependencies: the state of each, in the order of its
   * {@code dependsOn}, and a cycle through the group (empty when there is none).
   */
  public record Observation(GroupRef self, Map<GroupRef, DependencyState> states, List<GroupRef> cycle) {
    /** A group that depends on no group. */
    public static final Observation NONE = new Observation(null, Map.of(), List.of());

    public Observation {
      states = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(states));
      cycle = List.copyOf(cycle);
    }

    /** Why the group cannot run at all: empty when it can. */
    public List<String> errors() {
      List<String> errors = new ArrayList<>();
      if (states.containsKey(self)) {
        errors.add("spec.dependsOn: the group depends on itself (" + self + ")");
      }
      if (!cycle.isEmpty()) {
        errors.add("group dependency cycle: " + path(cycle));
      }
      states.forEach((group, state) -> {
        if (state instanceof DependencyState.NotWatched) {
          errors.add("spec.dependsOn: group " + group + " " + state.describe());
        }
      });
      return errors;
    }

    /** What the services wait for: {@code group ns/name} for each dependency not Ready. */
    public List<String> waitingFor() {
      return states.entrySet().stream()
          .filter(e -> !e.getValue().isReady())
          .map(e -> "group " + e.getKey())
          .toList();
    }

    public boolean allReady() {
      return states.values().stream().allMatch(DependencyState::isReady) && errors().isEmpty();
    }

    /** "group a/b is not found ...; group c/d is not Ready (...)", for the dependencies not Ready. */
    String problems() {
      List<String> parts = new ArrayList<>();
      states.forEach((group, state) -> {
        if (!state.isReady()) {
          parts.add("group " + group + " " + state.describe());
        }
      });
      return String.join("; ", parts);
    }
  }

  /** {@code a/x -> b/y -> a/x}. */
  public static String path(List<GroupRef> cycle) {
    return String.join(" -> ", cycle.stream().map(GroupRef::toString).toList());
  }

  /** The groups a spec depends on, the namespace defaulted to {@code namespace}, each once, in order. */
  public static List<GroupRef> refs(String namespace, RunnerGroupSpec spec) {
    if (spec == null || spec.getDependsOn() == null) {
      return List.of();
    }
    Set<GroupRef> refs = new LinkedHashSet<>();
    for (GroupReference reference : spec.getDependsOn()) {
      if (reference != null && reference.getName() != null) {
        String ns = reference.getNamespace() == null || reference.getNamespace().isEmpty() ? namespace : reference.getNamespace();
        refs.add(new GroupRef(ns, reference.getName()));
      }
    }
    return List.copyOf(refs);
  }

  /**
   * The rules the CRD schema states for {@code spec.dependsOn}, checked again (a mock or an old API
   * server may not have enforced them). The namespace is not known here: a group naming itself with
   * its own namespace written out is found by {@link #observe}.
   */
  public static List<String> check(String groupName, RunnerGroupSpec spec) {
    List<String> errors = new ArrayList<>();
    List<GroupReference> dependsOn = spec == null || spec.getDependsOn() == null ? List.of() : spec.getDependsOn();
    if (dependsOn.size() > Limits.GROUP_DEPENDS_ON_MAX) {
      errors.add("spec.dependsOn lists " + dependsOn.size() + " groups; at most " + Limits.GROUP_DEPENDS_ON_MAX + " are allowed");
    }
    Set<List<String>> seen = new HashSet<>();
    Set<String> duplicates = new java.util.TreeSet<>();
    for (int i = 0; i < dependsOn.size(); i++) {
      GroupReference reference = dependsOn.get(i);
      String where = "spec.dependsOn[" + i + "]";
      if (reference == null || reference.getName() == null || reference.getName().isEmpty()) {
        errors.add(where + ": name is required");
        continue;
      }
      for (String value : new String[] {reference.getName(), reference.getNamespace()}) {
        if (value != null && (!DNS_LABEL.matcher(value).matches() || value.length() > Limits.DEPLOYMENT_NAME_MAX)) {
          errors.add(where + ": \"" + value + "\" is not a valid name (a DNS label of at most "
              + Limits.DEPLOYMENT_NAME_MAX + " characters)");
        }
      }
      if (reference.getNamespace() == null && reference.getName().equals(groupName)) {
        errors.add("a group cannot depend on itself: remove its own name from spec.dependsOn");
      }
      String namespace = reference.getNamespace() == null ? "" : reference.getNamespace();
      if (!seen.add(List.of(namespace, reference.getName()))) {
        duplicates.add((namespace.isEmpty() ? "" : namespace + "/") + reference.getName());
      }
    }
    duplicates.forEach(name -> errors.add("spec.dependsOn names the group " + name + " twice: list each group once"));
    return errors;
  }

  /** The state of a group seen in the cluster, as a dependency. */
  public static DependencyState stateOf(Long generation, boolean deleting, RunnerGroupStatus status) {
    if (deleting) {
      return new DependencyState.NotReady(DependencyState.Why.DELETING, status == null ? null : status.getPhase(),
          status == null ? null : status.getReady());
    }
    if (status == null || status.getObservedGeneration() == null || !status.getObservedGeneration().equals(generation)) {
      return new DependencyState.NotReady(DependencyState.Why.STALE, null, null);
    }
    if (status.isHealthy() && status.getPhase() == GroupPhase.Ready) {
      return new DependencyState.Ready();
    }
    return new DependencyState.NotReady(DependencyState.Why.UNHEALTHY, status.getPhase(), status.getReady());
  }

  /** The state of each of {@code dependsOn}, and the shortest cycle back to {@code self} (empty if none). */
  public static Observation observe(GroupRef self, List<GroupRef> dependsOn, Cluster cluster) {
    if (dependsOn.isEmpty()) {
      return Observation.NONE;
    }
    Map<GroupRef, DependencyState> states = new LinkedHashMap<>();
    for (GroupRef group : dependsOn) {
      if (group.equals(self)) {
        states.put(group, new DependencyState.Missing());
      } else if (!cluster.watches(group.namespace())) {
        states.put(group, new DependencyState.NotWatched(new java.util.TreeSet<>(cluster.watched())));
      } else {
        states.put(group, cluster.find(group).map(Seen::state).orElse(new DependencyState.Missing()));
      }
    }
    return new Observation(self, states, cycle(self, dependsOn, cluster));
  }

  /**
   * The shortest path {@code self -> ... -> self} following the dependsOn of the groups the
   * cluster shows (breadth first, dependencies in the order listed); empty when there is none.
   * A group naming itself directly is not a cycle here: {@link Observation#errors()} says so.
   */
  static List<GroupRef> cycle(GroupRef self, List<GroupRef> dependsOn, Cluster cluster) {
    Map<GroupRef, GroupRef> parent = new HashMap<>();
    Deque<GroupRef> queue = new ArrayDeque<>();
    for (GroupRef group : dependsOn) {
      if (!group.equals(self) && !parent.containsKey(group)) {
        parent.put(group, self);
        queue.addLast(group);
      }
    }
    while (!queue.isEmpty()) {
      GroupRef at = queue.removeFirst();
      List<GroupRef> next = cluster.watches(at.namespace())
          ? cluster.find(at).map(Seen::dependsOn).orElse(List.of()) : List.of();
      for (GroupRef group : next) {
        if (group.equals(self)) {
          List<GroupRef> path = new ArrayList<>(List.of(self));
          for (GroupRef step = at; !step.equals(self); step = parent.get(step)) {
            path.add(1, step);
          }
          path.add(self);
          return path;
        }
        if (!parent.containsKey(group)) {
          parent.put(group, at);
          queue.addLast(group);
        }
      }
    }
    return List.of();
  }

  /**
   * A running group whose dependencies are not all Ready says so in its message: its services
   * that run go on running (gating applies to starting only), those not started wait.
   */
  static void summarize(RunnerGroupStatus status, Observation observation) {
    if (observation.states().isEmpty() || observation.allReady()) {
      return;
    }
    String problems = observation.problems();
    status.setMessage(status.getMessage().isEmpty() ? problems : status.getMessage() + "; " + problems);
  }

  /** The {@link #CONDITION} condition, when the group depends on other groups; it keeps its transition time while its status stays. */
  static void condition(RunnerGroupStatus status, RunnerGroupStatus previous, Observation observation, long generation,
      Instant now) {
    if (observation.states().isEmpty()) {
      return;
    }
    boolean ready = observation.allReady();
    String reason;
    String message;
    List<String> errors = observation.errors();
    if (ready) {
      reason = "Ready";
      message = "all " + observation.states().size() + " groups this group depends on are Ready";
    } else if (!observation.cycle().isEmpty()) {
      reason = "Cycle";
      message = "group dependency cycle: " + path(observation.cycle());
    } else if (!errors.isEmpty()) {
      reason = "Invalid";
      message = String.join("; ", errors);
    } else if (observation.states().values().stream().anyMatch(s -> s instanceof DependencyState.Missing)) {
      reason = "NotFound";
      message = observation.problems();
    } else {
      reason = "NotReady";
      message = observation.problems();
    }
    List<Condition> conditions = new ArrayList<>(status.getConditions());
    conditions.add(GroupSummary.condition(previous, CONDITION, ready, reason, message, generation, now));
    status.setConditions(conditions);
  }
}
