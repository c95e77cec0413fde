package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.api.WorkloadKind;
import dev.runner.core.GroupPlan;
import dev.runner.core.Observed;
import dev.runner.core.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;
import java.util.Map;

/**
 * The operator's own workload building, opened to the simulation ({@code dev.runner.sim}): the
 * simulated shell writes what {@link WorkloadFactory} builds and rewrites, not a copy of it.
 */
public final class SimWorkloads {
  private SimWorkloads() {}

  /** {@link WorkloadFactory#build}: the workload of the plan's kind. */
  public static HasMetadata build(RunnerGroup group, GroupPlan.ServicePlan plan, int replicas) {
    return WorkloadFactory.build(group, plan, replicas);
  }

  /** {@link WorkloadFactory#rewrite}: {@code current} rewritten to {@code wanted} (throws for a Job). */
  public static HasMetadata rewrite(HasMetadata current, HasMetadata wanted) {
    return WorkloadFactory.rewrite(current, wanted);
  }

  /** {@link WorkloadFactory#headlessService}: the Service a StatefulSet names. */
  public static Service headlessService(RunnerGroup group, GroupPlan.ServicePlan plan) {
    return WorkloadFactory.headlessService(group, plan);
  }

  /** {@link WorkloadFactory#ownedBy}: its controller owner reference is the group's. */
  public static boolean ownedBy(HasMetadata object, RunnerGroup group) {
    return WorkloadFactory.ownedBy(object, group);
  }

  /** {@link ClusterView#with}: the observation with workloads found by a direct read added, and names held by others. */
  public static Observed with(Observed observed, Map<String, Workload> ours, java.util.Collection<String> foreign) {
    return ClusterView.with(observed, ours, foreign);
  }

  /** {@link ClusterView#withListed}: the group's workloads a direct list found that the caches did not show, added. */
  public static Observed withListed(Observed observed, RunnerGroup group, Map<WorkloadKind, List<HasMetadata>> listed) {
    return ClusterView.withListed(observed, group, listed);
  }
}
