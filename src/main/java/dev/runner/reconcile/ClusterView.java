package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.core.GroupDependencies;
import dev.runner.core.GroupRef;
import dev.runner.core.Names;
import dev.runner.core.Observed;
import dev.runner.api.WorkloadKind;
import dev.runner.core.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Reads what the operator needs of the cluster from the informers' caches into an {@link Observed}. */
final class ClusterView {
  private final Map<WorkloadKind, InformerEventSource<? extends HasMetadata, RunnerGroup>> workloads;
  private final InformerEventSource<Pod, RunnerGroup> pods;

  ClusterView(Map<WorkloadKind, InformerEventSource<? extends HasMetadata, RunnerGroup>> workloads,
      InformerEventSource<Pod, RunnerGroup> pods) {
    this.workloads = workloads;
    this.pods = pods;
  }

  /** @param groups the RunnerGroups the operator sees, for the groups this one depends on */
  Observed observe(RunnerGroup group, boolean deleting, Instant now, GroupDependencies.Cluster groups) {
    String name = group.getMetadata().getName();
    String namespace = group.getMetadata().getNamespace();
    Map<String, WorkloadKind> kinds = kinds(group);
    Map<String, Workload> owned = new TreeMap<>();
    Set<String> foreign = new HashSet<>();
    workloads.forEach((kind, informer) -> sort(group, kinds, kind, informer.getSecondaryResources(group), owned, foreign));
    // A managed-looking workload of another group can hold one of our names.
    kinds.forEach((service, kind) -> {
      if (!owned.containsKey(service) && !foreign.contains(service)
          && workloads.get(kind).get(new ResourceID(Names.deploymentName(name, service), namespace))
              .filter(d -> !WorkloadFactory.ownedBy(d, group)).isPresent()) {
        foreign.add(service);
      }
    });
    Map<String, List<Pod>> byService = new TreeMap<>();
    for (Pod pod : pods.getSecondaryResources(group)) {
      String service = label(pod.getMetadata().getLabels(), Names.SERVICE_LABEL);
      if (service != null) {
        byService.computeIfAbsent(service, k -> new ArrayList<>()).add(pod);
      }
    }
    // Pods labelled for a service whose Deployment name another object holds are that object's
    // (same selector): they are not ours to count, and a teardown must not wait for them.
    byService.keySet().removeAll(foreign);
    byService.values().forEach(list -> list.sort((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName())));
    Map<String, String> annotations = group.getMetadata().getAnnotations();
    return new Observed(name, generation(group), group.getSpec(), deleting,
        annotations == null ? null : annotations.get(Names.RESTART_ANNOTATION), serviceRestarts(annotations),
        group.getStatus(), owned, foreign, byService, now,
        GroupDependencies.observe(new GroupRef(namespace, name), GroupDependencies.refs(namespace, group.getSpec()), groups));
  }

  /** The kinds of the services of a group's spec, by service name. */
  private static Map<String, WorkloadKind> kinds(RunnerGroup group) {
    Map<String, WorkloadKind> kinds = new TreeMap<>();
    if (group.getSpec() != null) {
      group.getSpec().getServices().stream().filter(s -> s.getName() != null).forEach(s -> kinds.put(s.getName(), s.kind()));
    }
    return kinds;
  }

  /**
   * Sorts objects of one kind labelled for the group into its own workloads (by service) and the
   * services whose name something else holds; an object not named as its service's workload, or
   * not of the kind the spec gives its service, is neither (a service's kind cannot change).
   */
  private static void sort(RunnerGroup group, Map<String, WorkloadKind> kinds, WorkloadKind kind,
      Collection<? extends HasMetadata> objects, Map<String, Workload> owned, Set<String> foreign) {
    for (HasMetadata object : objects) {
      String service = label(object.getMetadata().getLabels(), Names.SERVICE_LABEL);
      if (service == null || !object.getMetadata().getName().equals(Names.deploymentName(group.getMetadata().getName(), service))
          || (kinds.containsKey(service) && kinds.get(service) != kind)) {
        continue;
      }
      if (WorkloadFactory.ownedBy(object, group)) {
        owned.put(service, Workload.of(object));
      } else {
        foreign.add(service);
      }
    }
  }

  /**
   * The observation with the group's own workloads that a direct list (not the caches) found and
   * the caches did not show added: a create whose answer was lost, and whose watch event has not
   * come yet, is in no cache.
   */
  static Observed withListed(Observed observed, RunnerGroup group, Map<WorkloadKind, ? extends Collection<? extends HasMetadata>> listed) {
    Map<String, WorkloadKind> kinds = kinds(group);
    Map<String, Workload> owned = new TreeMap<>();
    listed.forEach((kind, objects) -> sort(group, kinds, kind, objects, owned, new HashSet<>()));
    owned.keySet().removeAll(observed.workloads().keySet());
    owned.keySet().removeAll(observed.foreign());
    return owned.isEmpty() ? observed : with(observed, owned, List.of());
  }

  /** A group as a dependency of others: what it depends on and its state. */
  static GroupDependencies.Seen seen(RunnerGroup group) {
    return new GroupDependencies.Seen(GroupDependencies.refs(group.getMetadata().getNamespace(), group.getSpec()),
        GroupDependencies.stateOf(group.getMetadata().getGeneration(), group.getMetadata().getDeletionTimestamp() != null,
            group.getStatus()));
  }

  /** The same observation with workloads found by a direct read added. */
  static Observed with(Observed observed, Map<String, Workload> found, Collection<String> foreign) {
    Map<String, Workload> owned = new TreeMap<>(observed.workloads());
    owned.putAll(found);
    Set<String> notOurs = new HashSet<>(observed.foreign());
    notOurs.addAll(foreign);
    Map<String, List<Pod>> pods = new TreeMap<>(observed.pods());
    pods.keySet().removeAll(notOurs);
    return new Observed(observed.group(), observed.generation(), observed.spec(), observed.deleting(),
        observed.restartRequest(), observed.serviceRestarts(), observed.previous(), owned, notOurs, pods, observed.now(), observed.groups());
  }

  /** The {@link Names#SERVICE_RESTART_PREFIX} annotations, by service name. */
  static Map<String, String> serviceRestarts(Map<String, String> annotations) {
    Map<String, String> restarts = new TreeMap<>();
    if (annotations != null) {
      annotations.forEach((key, value) -> {
        if (key.startsWith(Names.SERVICE_RESTART_PREFIX) && key.length() > Names.SERVICE_RESTART_PREFIX.length()) {
          restarts.put(key.substring(Names.SERVICE_RESTART_PREFIX.length()), value);
        }
      });
    }
    return restarts;
  }

  static String label(Map<String, String> labels, String key) {
    return labels == null ? null : labels.get(key);
  }

  private static long generation(RunnerGroup group) {
    Long generation = group.getMetadata().getGeneration();
    return generation == null ? 0 : generation;
  }
}
