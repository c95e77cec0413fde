package dev.runner.view;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runner.core.Durations;
import dev.runner.core.GroupPlan;
import dev.runner.core.RestartSettings;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code plan} says about one RunnerGroup, as text or as one line of JSON.
 *
 * @param dependsOn the groups of its spec.dependsOn, {@code namespace/name}
 * @param notes what is worth knowing but not an error (a group it depends on that none of the files holds)
 */
public record PlanReport(String name, String source, List<String> errors, GroupPlan plan, List<String> dependsOn,
    List<String> notes) {
  public PlanReport(String name, String source, List<String> errors, GroupPlan plan) {
    this(name, source, errors, plan, List.of(), List.of());
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  public boolean valid() {
    return errors.isEmpty();
  }

  public void printText(PrintWriter out) {
    if (!valid()) {
      out.printf("%s (%s): INVALID, %d error%s%n", name, source, errors.size(), errors.size() == 1 ? "" : "s");
      errors.forEach(error -> out.println("  - " + error));
      notes.forEach(note -> out.println("  note: " + note));
      return;
    }
    out.printf("%s (%s): valid, %d service%s%n", name, source, plan.services().size(), plan.services().size() == 1 ? "" : "s");
    if (!dependsOn.isEmpty()) {
      out.println("  depends on groups (none of its services starts before they are Ready): " + String.join(", ", dependsOn));
    }
    notes.forEach(note -> out.println("  note: " + note));
    out.println("  start waves:");
    printWaves(out, plan.graph().startWaves());
    out.println("  stop order:");
    printWaves(out, plan.graph().stopWaves());
    out.println("  services:");
    for (GroupPlan.ServicePlan service : servicesInStartOrder()) {
      out.printf("    %s: %s, replicas %d, startDelay %s, dependsOn [%s]%n", service.name(), service.spec().kind(), service.replicas(),
          Durations.format(service.startDelay()), String.join(", ", service.dependsOn()));
      RestartSettings restart = service.restart();
      out.printf("      restart: %s, maxRetries %s, backoff %s to %s x%s, jitter %s, resetAfter %s%n",
          restart.policy(), restart.unlimited() ? "0 (unlimited)" : restart.maxRetries(),
          Durations.format(restart.initialBackoff()), Durations.format(restart.maxBackoff()), restart.multiplier(),
          restart.jitter() ? "on" : "off", Durations.format(restart.resetAfter()));
    }
  }

  public void printJson(PrintWriter out) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", name);
    json.put("source", source);
    json.put("valid", valid());
    json.put("errors", errors);
    json.put("dependsOn", dependsOn);
    json.put("notes", notes);
    json.put("startOrder", valid() ? plan.graph().startWaves() : List.of());
    json.put("stopOrder", valid() ? plan.graph().stopWaves() : List.of());
    List<Map<String, Object>> services = new ArrayList<>();
    if (valid()) {
      for (GroupPlan.ServicePlan service : servicesInStartOrder()) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", service.name());
        entry.put("kind", service.spec().kind().name());
        entry.put("dependsOn", service.dependsOn());
        entry.put("replicas", service.replicas());
        entry.put("startDelay", Durations.format(service.startDelay()));
        RestartSettings restart = service.restart();
        Map<String, Object> restartConfig = new LinkedHashMap<>();
        restartConfig.put("policy", restart.policy().name());
        restartConfig.put("maxRetries", restart.maxRetries());
        restartConfig.put("initialBackoff", Durations.format(restart.initialBackoff()));
        restartConfig.put("maxBackoff", Durations.format(restart.maxBackoff()));
        restartConfig.put("multiplier", restart.multiplier());
        restartConfig.put("jitter", restart.jitter());
        restartConfig.put("resetAfter", Durations.format(restart.resetAfter()));
        entry.put("restartConfig", restartConfig);
        services.add(entry);
      }
    }
    json.put("services", services);
    try {
      out.println(JSON.writeValueAsString(json));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The dependency graph of a valid group, services in start order, for {@link GraphPicture}. */
  public GraphPicture.Graph graph() {
    Map<String, List<String>> dependsOn = new LinkedHashMap<>();
    servicesInStartOrder().forEach(service -> dependsOn.put(service.name(), service.dependsOn()));
    Map<String, dev.runner.api.WorkloadKind> kinds = new LinkedHashMap<>();
    servicesInStartOrder().forEach(service -> kinds.put(service.name(), service.spec().kind()));
    return new GraphPicture.Graph(name, dependsOn, plan.graph().startWaves(), Map.of(), kinds);
  }

  private List<GroupPlan.ServicePlan> servicesInStartOrder() {
    return plan.graph().startWaves().stream().flatMap(List::stream).map(plan.services()::get).toList();
  }

  private static void printWaves(PrintWriter out, List<List<String>> waves) {
    for (int i = 0; i < waves.size(); i++) {
      out.printf("    %d. %s%n", i + 1, String.join(", ", waves.get(i)));
    }
  }
}
