package dev.runner.bench;

import dev.runner.api.RunnerGroup;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;

/**
 * The shapes the benchmark brings up, as RunnerGroups (and, in {@link KroGraphs}, as kro graphs):
 * a service is its name followed by the names it depends on.
 */
final class Groups {
  private Groups() {}

  /** A service: name then its dependencies. */
  static String[] svc(String name, String... deps) {
    String[] s = new String[deps.length + 1];
    s[0] = name;
    System.arraycopy(deps, 0, s, 1, deps.length);
    return s;
  }

  /** s0 <- s1 <- ... <- s(depth-1). */
  static List<String[]> chain(int depth) {
    List<String[]> services = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      services.add(i == 0 ? svc("s0") : svc("s" + i, "s" + (i - 1)));
    }
    return services;
  }

  static List<List<String>> chainLevels(int depth) {
    List<List<String>> levels = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      levels.add(List.of("s" + i));
    }
    return levels;
  }

  /** {@code levels} levels of {@code width} services l{L}s{K}, each depending on {@code deps} of the level before (0: all). */
  static List<String[]> dag(int levels, int width, int deps) {
    List<List<String>> names = dagLevels(levels, width);
    List<String[]> services = new ArrayList<>();
    for (int l = 0; l < levels; l++) {
      for (int k = 0; k < width; k++) {
        List<String> on = new ArrayList<>();
        if (l > 0) {
          List<String> previous = names.get(l - 1);
          int n = deps <= 0 ? previous.size() : Math.min(deps, previous.size());
          for (int d = 0; d < n; d++) {
            on.add(previous.get((k + d) % previous.size()));
          }
        }
        services.add(svc(names.get(l).get(k), on.toArray(String[]::new)));
      }
    }
    return services;
  }

  static List<List<String>> dagLevels(int levels, int width) {
    List<List<String>> names = new ArrayList<>();
    for (int l = 0; l < levels; l++) {
      List<String> level = new ArrayList<>();
      for (int k = 0; k < width; k++) {
        level.add("l" + l + "s" + k);
      }
      names.add(level);
    }
    return names;
  }

  static RunnerGroup runnerGroup(String namespace, String name, List<String[]> services) {
    StringBuilder y = new StringBuilder();
    y.append("apiVersion: runner.dev/v1alpha1\nkind: RunnerGroup\nmetadata: {name: ").append(name)
        .append(", namespace: ").append(namespace).append("}\nspec:\n  services:\n");
    for (String[] s : services) {
      y.append("  - name: ").append(s[0]).append('\n');
      if (s.length > 1) {
        y.append("    dependsOn: [").append(String.join(", ", List.of(s).subList(1, s.length))).append("]\n");
      }
      y.append("    template: {spec: {containers: [{name: app, image: example/").append(s[0]).append(":1}]}}\n");
    }
    return Serialization.unmarshal(y.toString(), RunnerGroup.class);
  }
}
