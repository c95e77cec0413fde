package dev.runner.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The services of a group and who depends on whom: the Go runner's ordering, validated.
 * Built only through {@link #check}, so an instance is always a valid acyclic graph.
 */
public final class DependencyGraph {
  /** One service and the names it depends on, as the user wrote them. */
  public record Node(String name, List<String> dependsOn) {
    public Node {
      dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
    }
  }

  /** The graph when the input is valid, otherwise every error found, not only the first. */
  public record Check(DependencyGraph graph, List<String> errors) {
    public boolean valid() {
      return errors.isEmpty();
    }
  }

  private final Map<String, List<String>> dependencies;
  private final Map<String, Set<String>> dependents;
  private final List<List<String>> startWaves;

  private DependencyGraph(Map<String, List<String>> dependencies) {
    this.dependencies = dependencies;
    this.dependents = new TreeMap<>();
    dependencies.keySet().forEach(name -> dependents.put(name, new TreeSet<>()));
    dependencies.forEach((name, deps) -> deps.forEach(dep -> dependents.get(dep).add(name)));
    this.startWaves = computeWaves();
  }

  /** Validates the nodes: duplicate names, unknown dependencies, self-dependencies, cycles. */
  public static Check check(List<Node> nodes) {
    List<String> errors = new ArrayList<>();
    Map<String, List<String>> dependencies = new TreeMap<>();
    Set<String> duplicates = new TreeSet<>();
    for (Node node : nodes) {
      if (dependencies.putIfAbsent(node.name(), new ArrayList<>(new LinkedHashSet<>(node.dependsOn()))) != null) {
        duplicates.add(node.name());
      }
    }
    duplicates.forEach(name -> errors.add("duplicate service name \"" + name + "\": service names must be unique"));
    dependencies.forEach((name, deps) -> {
      for (String dep : deps) {
        if (dep.equals(name)) {
          errors.add("service \"" + name + "\" depends on itself");
        } else if (!dependencies.containsKey(dep)) {
          errors.add("service \"" + name + "\" depends on \"" + dep + "\", which is not a service of this group");
        }
      }
    });
    // Cycles are looked for among the edges that are otherwise valid.
    Map<String, List<String>> edges = new TreeMap<>();
    dependencies.forEach((name, deps) -> edges.put(name,
        deps.stream().filter(d -> !d.equals(name) && dependencies.containsKey(d)).sorted().toList()));
    for (List<String> cycle : cycles(edges)) {
      errors.add("dependency cycle: " + String.join(" -> ", cycle));
    }
    return errors.isEmpty() ? new Check(new DependencyGraph(edges), List.of()) : new Check(null, List.copyOf(errors));
  }

  /** The services in start waves: each wave depends only on earlier ones; sorted by name inside. */
  public List<List<String>> startWaves() {
    return startWaves;
  }

  /**
   * The order the operator stops in (Teardown): a service stops as soon as every service that
   * depends on it has stopped, so wave 0 holds the services nothing depends on, and a service is
   * in the wave after the latest of its dependents. This is not the start waves reversed: a
   * service with no dependents stops at once, whatever wave it started in.
   */
  public List<List<String>> stopWaves() {
    Map<String, Integer> level = new HashMap<>();
    List<String> reverse = new ArrayList<>(startWaves.stream().flatMap(List::stream).toList());
    Collections.reverse(reverse); // dependents come before their dependencies
    List<List<String>> waves = new ArrayList<>();
    for (String service : reverse) {
      int wave = dependents.getOrDefault(service, Set.of()).stream().mapToInt(level::get).map(l -> l + 1).max().orElse(0);
      level.put(service, wave);
      while (waves.size() <= wave) {
        waves.add(new ArrayList<>());
      }
      waves.get(wave).add(service);
    }
    return waves.stream().map(w -> List.copyOf(new TreeSet<>(w))).toList();
  }

  /** Every service, stop order, flattened. */
  public List<String> stopOrder() {
    return stopWaves().stream().flatMap(List::stream).toList();
  }

  public Set<String> services() {
    return Collections.unmodifiableSet(dependencies.keySet());
  }

  /** What {@code service} depends on directly, sorted by name. */
  public List<String> dependenciesOf(String service) {
    return dependencies.getOrDefault(service, List.of());
  }

  /** The services that depend directly on {@code service}, sorted by name. */
  public Set<String> dependentsOf(String service) {
    return Collections.unmodifiableSet(dependents.getOrDefault(service, Set.of()));
  }

  private List<List<String>> computeWaves() {
    Map<String, Integer> level = new HashMap<>();
    List<List<String>> waves = new ArrayList<>();
    Set<String> remaining = new TreeSet<>(dependencies.keySet());
    while (!remaining.isEmpty()) {
      List<String> wave = remaining.stream()
          .filter(name -> dependencies.get(name).stream().allMatch(level::containsKey))
          .toList();
      int index = waves.size();
      wave.forEach(name -> level.put(name, index));
      waves.add(List.copyOf(wave));
      wave.forEach(remaining::remove);
    }
    return List.copyOf(waves);
  }

  /**
   * One cycle for each strongly connected component of more than one service (Tarjan), written as
   * a path that starts and ends at the component's first name: {@code a -> b -> a}.
   */
  private static List<List<String>> cycles(Map<String, List<String>> edges) {
    List<List<String>> found = new ArrayList<>();
    for (Set<String> component : stronglyConnected(edges)) {
      if (component.size() < 2) {
        continue;
      }
      String start = component.iterator().next();
      found.add(pathBack(edges, component, start));
    }
    return found;
  }

  /** A shortest path start -> ... -> start inside the component (breadth first, by name). */
  private static List<String> pathBack(Map<String, List<String>> edges, Set<String> component, String start) {
    Map<String, String> parent = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>(List.of(start));
    while (!queue.isEmpty()) {
      String at = queue.removeFirst();
      for (String next : edges.get(at)) {
        if (!component.contains(next)) {
          continue;
        }
        if (next.equals(start)) {
          List<String> path = new ArrayList<>(List.of(start));
          for (String step = at; !step.equals(start); step = parent.get(step)) {
            path.add(1, step);
          }
          path.add(start);
          return path;
        }
        if (!parent.containsKey(next)) {
          parent.put(next, at);
          queue.addLast(next);
        }
      }
    }
    throw new IllegalStateException("no cycle through " + start);
  }

  private static List<Set<String>> stronglyConnected(Map<String, List<String>> edges) {
    // Iterative Tarjan, so that a deep chain cannot overflow the stack.
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new java.util.HashSet<>();
    List<Set<String>> components = new ArrayList<>();
    int counter = 0;
    for (String root : edges.keySet()) {
      if (index.containsKey(root)) {
        continue;
      }
      Deque<Object[]> work = new ArrayDeque<>();
      work.push(new Object[] {root, 0});
      while (!work.isEmpty()) {
        Object[] frame = work.peek();
        String v = (String) frame[0];
        int i = (Integer) frame[1];
        if (i == 0 && !index.containsKey(v)) {
          index.put(v, counter);
          low.put(v, counter);
          counter++;
          stack.push(v);
          onStack.add(v);
        }
        List<String> next = edges.get(v);
        if (i < next.size()) {
          frame[1] = i + 1;
          String w = next.get(i);
          if (!index.containsKey(w)) {
            work.push(new Object[] {w, 0});
          } else if (onStack.contains(w)) {
            low.put(v, Math.min(low.get(v), index.get(w)));
          }
          continue;
        }
        work.pop();
        if (!work.isEmpty()) {
          String parent = (String) work.peek()[0];
          low.put(parent, Math.min(low.get(parent), low.get(v)));
        }
        if (low.get(v).equals(index.get(v))) {
          Set<String> component = new TreeSet<>();
          String w;
          do {
            w = stack.pop();
            onStack.remove(w);
            component.add(w);
          } while (!w.equals(v));
          components.add(component);
        }
      }
    }
    components.sort((a, b) -> a.iterator().next().compareTo(b.iterator().next()));
    return components;
  }
}
