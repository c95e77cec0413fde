package dev.runner.core;

import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.RunnerGroupStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the reconciler saw, as plain data: the group, the workloads it owns (by service name,
 * including those of services no longer in the spec; a Deployment, StatefulSet or Job), the names
 * it cannot use because another object holds them, the Pods of each service, and the time.
 *
 * @param restartRequest the value of the {@link Names#RESTART_ANNOTATION} annotation, or null
 * @param serviceRestarts the values of the {@link Names#SERVICE_RESTART_PREFIX} annotations, by service
 * @param groups what was seen of the groups this one depends on ({@code spec.dependsOn})
 */
public record Observed(
    String group,
    long generation,
    RunnerGroupSpec spec,
    boolean deleting,
    String restartRequest,
    Map<String, String> serviceRestarts,
    RunnerGroupStatus previous,
    Map<String, Workload> workloads,
    Set<String> foreign,
    Map<String, List<Pod>> pods,
    Instant now,
    GroupDependencies.Observation groups) {

  public List<Pod> podsOf(String service) {
    return pods.getOrDefault(service, List.of());
  }
}
