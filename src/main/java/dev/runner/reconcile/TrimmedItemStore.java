package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.RunnerGroupStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.List;
import java.util.function.Consumer;

/**
 * An informer's cache that keeps of each object only what the operator reads. Always dropped:
 * {@code metadata.managedFields}, the API server's record of which client set which field (a third
 * to half of a Deployment's or a Pod's JSON and most of a RunnerGroup's with a large status), read
 * by nothing of the operator. A kind may drop more ({@link #pods()}, {@link #dependencies()}); the
 * Deployments, StatefulSets, Jobs and Services keep every other field (their pod templates are
 * compared with the wanted ones). The object is trimmed in place as it is stored, before the
 * informer hands it to the event handlers: the handlers and the cache see the same object.
 *
 * <p>One store serves one informer: JOSDK gives the store of a configuration to the informer of
 * each namespace it watches, and an informer's re-list removes from its store what the list did
 * not return, so the reconciler uses it only when it watches all namespaces or one.
 */
final class TrimmedItemStore<R extends HasMetadata> extends BasicItemStore<R> {
  private final Consumer<R> trim;

  /** Drops only {@code metadata.managedFields}. */
  TrimmedItemStore() {
    this(object -> { });
  }

  private TrimmedItemStore(Consumer<R> trim) {
    super(Cache::metaNamespaceKeyFunc);
    this.trim = trim;
  }

  /**
   * Pods: metadata and status whole (how a pod is judged: its phase, conditions, container
   * statuses, owner, deletion), and of the spec only the node, the restart policy and each
   * container's name, with an init container's restart policy (a sidecar is one with
   * {@code Always}). Its containers' images, commands, environment, probes, mounts and volumes
   * are read from the workload's template, never from a Pod.
   */
  static TrimmedItemStore<Pod> pods() {
    return new TrimmedItemStore<>(pod -> {
      PodSpec spec = pod.getSpec();
      if (spec != null) {
        PodSpec kept = new PodSpec();
        kept.setNodeName(spec.getNodeName());
        kept.setRestartPolicy(spec.getRestartPolicy());
        kept.setContainers(names(spec.getContainers(), false));
        kept.setInitContainers(names(spec.getInitContainers(), true));
        pod.setSpec(kept);
      }
    });
  }

  /**
   * RunnerGroups as dependencies of others (the primary cache holds each group, managedFields
   * apart): what
   * {@link ClusterView#seen} reads, the group's {@code spec.dependsOn} (for cycles), its
   * generation and deletion, and of its status the generation observed, health, phase and ready
   * count. Its services, their pod templates and their statuses, nearly all of a group, go.
   */
  static TrimmedItemStore<RunnerGroup> dependencies() {
    return new TrimmedItemStore<>(group -> {
      // Empty, not null: JOSDK's event source reads an annotation of its own from every object.
      group.getMetadata().setAnnotations(new java.util.HashMap<>());
      RunnerGroupSpec spec = new RunnerGroupSpec();
      spec.setDependsOn(group.getSpec() == null ? null : group.getSpec().getDependsOn());
      group.setSpec(spec);
      RunnerGroupStatus status = group.getStatus();
      if (status != null) {
        RunnerGroupStatus kept = new RunnerGroupStatus();
        kept.setObservedGeneration(status.getObservedGeneration());
        kept.setHealthy(status.isHealthy());
        kept.setPhase(status.getPhase());
        kept.setReady(status.getReady());
        group.setStatus(kept);
      }
    });
  }

  private static List<Container> names(List<Container> containers, boolean withRestartPolicy) {
    if (containers == null) {
      return null;
    }
    return containers.stream().map(c -> {
      Container kept = new Container();
      kept.setName(c.getName());
      if (withRestartPolicy) {
        kept.setRestartPolicy(c.getRestartPolicy());
      }
      return kept;
    }).toList();
  }

  @Override
  public R put(String key, R object) {
    if (object.getMetadata() != null) {
      object.getMetadata().setManagedFields(null);
      trim.accept(object);
    }
    return super.put(key, object);
  }
}
