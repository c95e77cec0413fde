package dev.runner.scenario;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When things happened on the server, to the millisecond, as a watcher saw them: a Deployment
 * created, available, scaled to zero, deleted; the last Pod of a Deployment gone. Kubernetes'
 * own timestamps have whole seconds only.
 */
public final class Timeline implements AutoCloseable {
  private final Map<String, Instant> created = new ConcurrentHashMap<>();
  private final Map<String, Instant> available = new ConcurrentHashMap<>();
  private final Map<String, Instant> scaledToZero = new ConcurrentHashMap<>();
  private final Map<String, Instant> deleted = new ConcurrentHashMap<>();
  private final Map<String, Instant> lastPodGone = new ConcurrentHashMap<>();
  private final Map<String, List<Change>> changes = new ConcurrentHashMap<>();
  private final Map<String, List<Instant>> podsGone = new ConcurrentHashMap<>();

  /**
   * A change of a Deployment's desired replicas or of whether it is available, as the watcher saw
   * it ({@code replicas} -1: the Deployment was deleted).
   */
  public record Change(Instant at, int replicas, boolean available) {}
  private final SharedIndexInformer<Deployment> deployments;
  private final SharedIndexInformer<Pod> pods;

  public Timeline(KubernetesClient client, String namespace) {
    deployments = client.apps().deployments().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Deployment d) {
        created.putIfAbsent(d.getMetadata().getName(), Instant.now());
        seen(d);
      }

      @Override
      public void onUpdate(Deployment before, Deployment d) {
        seen(d);
      }

      @Override
      public void onDelete(Deployment d, boolean unknown) {
        Instant now = Instant.now();
        deleted.putIfAbsent(d.getMetadata().getName(), now);
        changes.computeIfAbsent(d.getMetadata().getName(), k -> new CopyOnWriteArrayList<>())
            .add(new Change(now, -1, false));
      }
    });
    pods = client.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) { }

      @Override
      public void onUpdate(Pod before, Pod pod) { }

      @Override
      public void onDelete(Pod pod, boolean unknown) {
        Instant now = Instant.now();
        lastPodGone.put(owner(pod), now);
        podsGone.computeIfAbsent(owner(pod), k -> new CopyOnWriteArrayList<>()).add(now);
      }
    });
  }

  private void seen(Deployment d) {
    Instant now = Instant.now();
    String name = d.getMetadata().getName();
    Integer replicas = d.getSpec().getReplicas();
    if (replicas != null && replicas == 0) {
      scaledToZero.putIfAbsent(name, now);
    }
    boolean isAvailable = d.getStatus() != null && replicas != null && replicas > 0
        && d.getStatus().getAvailableReplicas() != null && d.getStatus().getAvailableReplicas() >= replicas
        && d.getStatus().getObservedGeneration() != null
        && d.getStatus().getObservedGeneration() >= d.getMetadata().getGeneration();
    if (isAvailable) {
      available.putIfAbsent(name, now);
    }
    List<Change> list = changes.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>());
    int wanted = replicas == null ? 1 : replicas;
    synchronized (list) {
      Change last = list.isEmpty() ? null : list.get(list.size() - 1);
      if (last == null || last.replicas() != wanted || last.available() != isAvailable) {
        list.add(new Change(now, wanted, isAvailable));
      }
    }
  }

  /**
   * The Deployment of a Pod: its owner, or its owner's owner when that is a ReplicaSet (the real
   * controllers: {@code <deployment>-<pod-template-hash>}; the simulated kubelet owns Pods by the
   * Deployment directly).
   */
  private static String owner(Pod pod) {
    String hash = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get("pod-template-hash");
    return pod.getMetadata().getOwnerReferences().stream()
        .map(r -> "ReplicaSet".equals(r.getKind()) && hash != null && r.getName().endsWith("-" + hash)
            ? r.getName().substring(0, r.getName().length() - hash.length() - 1) : r.getName())
        .filter(Objects::nonNull)
        .findFirst().orElse("");
  }

  public Instant created(String deployment) {
    return created.get(deployment);
  }

  public Instant available(String deployment) {
    return available.get(deployment);
  }

  public Instant scaledToZero(String deployment) {
    return scaledToZero.get(deployment);
  }

  public Instant deleted(String deployment) {
    return deleted.get(deployment);
  }

  /** When the last Pod of the Deployment that has gone so far went. */
  public Instant lastPodGone(String deployment) {
    return lastPodGone.get(deployment);
  }

  /** Every change of the Deployment's replicas or availability, oldest first. */
  public List<Change> changes(String deployment) {
    return List.copyOf(changes.getOrDefault(deployment, List.of()));
  }

  /** The replica counts the Deployment was set to, in order, repeats collapsed (-1: deleted). */
  public List<Integer> replicaHistory(String deployment) {
    List<Integer> out = new java.util.ArrayList<>();
    for (Change c : changes(deployment)) {
      if (out.isEmpty() || out.get(out.size() - 1) != c.replicas()) {
        out.add(c.replicas());
      }
    }
    return out;
  }

  /** When the Deployment was first set to {@code replicas} at or after {@code after}, or null. */
  public Instant scaledTo(String deployment, int replicas, Instant after) {
    return changes(deployment).stream()
        .filter(c -> c.replicas() == replicas && !c.at().isBefore(after))
        .map(Change::at).findFirst().orElse(null);
  }

  /** When the Deployment was first seen available at or after {@code after}, or null. */
  public Instant availableAfter(String deployment, Instant after) {
    return changes(deployment).stream()
        .filter(c -> c.available() && !c.at().isBefore(after))
        .map(Change::at).findFirst().orElse(null);
  }

  /** When each Pod of the Deployment went, oldest first. */
  public List<Instant> podsGone(String deployment) {
    return List.copyOf(podsGone.getOrDefault(deployment, List.of()));
  }

  @Override
  public void close() {
    deployments.close();
    pods.close();
  }
}
