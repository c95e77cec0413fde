package dev.runner.view;

import dev.runner.api.ServicePhase;
import dev.runner.api.WorkloadKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A group's dependency graph as a picture: Graphviz DOT or a Mermaid flowchart, left to right.
 * An arrow runs from a service to a service that depends on it (the direction things start in:
 * {@code database --> migrate}). Services are listed in start order; with start waves, DOT puts
 * each wave in a rank of its own (Mermaid's layout ranks them so by itself). With phases (from a
 * group's status), each node says its phase and is coloured by it, one {@code classDef} per phase.
 */
public final class GraphPicture {
  /** Words a Mermaid flowchart reserves: a node cannot be called that. */
  private static final Set<String> MERMAID_KEYWORDS = Set.of("end", "graph", "flowchart", "subgraph", "style",
      "class", "classdef", "click", "linkstyle", "direction", "call", "href");

  /** Fill and stroke of each phase's class: green is healthy, red failed, amber on its way, grey idle. */
  private static final Map<ServicePhase, String> COLOURS = new EnumMap<>(Map.of(
      ServicePhase.Waiting, "fill:#eeeeee,stroke:#9e9e9e,color:#424242",
      ServicePhase.Delaying, "fill:#fff3cd,stroke:#c9a227,color:#5c4400",
      ServicePhase.Starting, "fill:#fff3cd,stroke:#c9a227,color:#5c4400",
      ServicePhase.Ready, "fill:#d4edda,stroke:#2e7d32,color:#1b4d20",
      ServicePhase.Completed, "fill:#d4edda,stroke:#2e7d32,color:#1b4d20,stroke-dasharray:4 2",
      ServicePhase.Unhealthy, "fill:#f8d7da,stroke:#c62828,color:#5f1111",
      ServicePhase.BackingOff, "fill:#f8d7da,stroke:#c62828,color:#5f1111",
      ServicePhase.Failed, "fill:#f5a3a9,stroke:#8e0000,color:#3d0000,stroke-width:2px",
      ServicePhase.Stopped, "fill:#eeeeee,stroke:#616161,color:#616161,stroke-dasharray:4 2"));

  /**
   * What is drawn.
   *
   * @param group the group's name
   * @param dependsOn each service (in start order, or as declared) and the services it depends on
   * @param waves the start waves, empty when unknown (an invalid group)
   * @param phases each service's phase; empty for a plan (no colours)
   * @param kinds each service's kind where it is not a Deployment (named in its node)
   */
  public record Graph(String group, Map<String, List<String>> dependsOn, List<List<String>> waves,
      Map<String, ServicePhase> phases, Map<String, WorkloadKind> kinds) {
    public Graph {
      dependsOn = new LinkedHashMap<>(dependsOn);
      waves = List.copyOf(waves);
      phases = Map.copyOf(phases);
      kinds = Map.copyOf(kinds);
    }

    public Graph(String group, Map<String, List<String>> dependsOn, List<List<String>> waves, Map<String, ServicePhase> phases) {
      this(group, dependsOn, waves, phases, Map.of());
    }

    /** The service's name, with its kind when it is not a Deployment: "database (StatefulSet)". */
    String name(String service) {
      WorkloadKind kind = kinds.get(service);
      return kind == null || kind == WorkloadKind.Deployment ? service : service + " (" + kind + ")";
    }
  }

  private GraphPicture() {}

  /** A Mermaid flowchart: nodes in order, then the arrows, then (with phases) the classes. */
  public static String mermaid(Graph graph) {
    StringBuilder out = new StringBuilder("flowchart LR\n");
    Map<String, String> ids = mermaidIds(graph.dependsOn().keySet());
    for (String service : graph.dependsOn().keySet()) {
      String id = ids.get(service);
      ServicePhase phase = graph.phases().get(service);
      String label = phase == null ? graph.name(service) : graph.name(service) + ": " + phase;
      out.append("  ").append(id);
      if (!label.equals(id)) {
        out.append("[\"").append(label).append("\"]");
      }
      out.append('\n');
    }
    for (Map.Entry<String, List<String>> service : graph.dependsOn().entrySet()) {
      for (String dependency : service.getValue()) {
        out.append("  ").append(ids.getOrDefault(dependency, mermaidId(dependency))).append(" --> ")
            .append(ids.get(service.getKey())).append('\n');
      }
    }
    Map<ServicePhase, List<String>> byPhase = new EnumMap<>(ServicePhase.class);
    for (String service : graph.dependsOn().keySet()) {
      ServicePhase phase = graph.phases().get(service);
      if (phase != null) {
        byPhase.computeIfAbsent(phase, p -> new ArrayList<>()).add(ids.get(service));
      }
    }
    byPhase.keySet().forEach(phase -> out.append("  classDef ").append(phase).append(' ').append(COLOURS.get(phase)).append('\n'));
    byPhase.forEach((phase, nodes) -> out.append("  class ").append(String.join(",", nodes)).append(' ').append(phase).append('\n'));
    return out.toString();
  }

  /** A Graphviz digraph: one rank per start wave, boxes, arrows dependency -> dependent. */
  public static String dot(Graph graph) {
    StringBuilder out = new StringBuilder("digraph ").append(quoted(graph.group())).append(" {\n");
    out.append("  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=white];\n");
    for (String service : graph.dependsOn().keySet()) {
      ServicePhase phase = graph.phases().get(service);
      out.append("  ").append(quoted(service));
      String name = graph.name(service).replace(" (", "\\n(");
      if (phase != null) {
        out.append(" [label=").append(quoted(name + "\\n" + phase)).append(", ").append(dotColours(phase)).append(']');
      } else if (!name.equals(service)) {
        out.append(" [label=").append(quoted(name)).append(']');
      }
      out.append(";\n");
    }
    for (List<String> wave : graph.waves()) {
      if (wave.size() > 1) {
        out.append("  { rank=same;");
        wave.forEach(s -> out.append(' ').append(quoted(s)).append(';'));
        out.append(" }\n");
      }
    }
    for (Map.Entry<String, List<String>> service : graph.dependsOn().entrySet()) {
      for (String dependency : service.getValue()) {
        out.append("  ").append(quoted(dependency)).append(" -> ").append(quoted(service.getKey())).append(";\n");
      }
    }
    return out.append("}\n").toString();
  }

  private static String dotColours(ServicePhase phase) {
    Map<String, String> style = new LinkedHashMap<>();
    for (String part : COLOURS.get(phase).split(",")) {
      String[] kv = part.split(":", 2);
      style.put(kv[0], kv[1]);
    }
    return "fillcolor=" + quoted(style.get("fill")) + ", color=" + quoted(style.get("stroke"))
        + ", fontcolor=" + quoted(style.get("color"));
  }

  private static String quoted(String s) {
    return '"' + s.replace("\"", "\\\"") + '"';
  }

  /** Service names are DNS labels; a Mermaid id gets '_' for '-', and one more '_' if it is a keyword or taken. */
  private static Map<String, String> mermaidIds(Set<String> services) {
    Map<String, String> ids = new LinkedHashMap<>();
    Set<String> taken = new LinkedHashSet<>();
    for (String service : services) {
      String id = mermaidId(service);
      while (taken.contains(id)) {
        id = id + "_";
      }
      taken.add(id);
      ids.put(service, id);
    }
    return ids;
  }

  private static String mermaidId(String service) {
    String id = service.replace('-', '_');
    return MERMAID_KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT)) ? id + "_" : id;
  }
}
