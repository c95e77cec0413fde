package dev.runner.scenario;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.Map;
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
        deleted.putIfAbsent(d.getMetadata().getName(), Instant.now());
      }
    });
    pods = client.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) { }

      @Override
      public void onUpdate(Pod before, Pod pod) { }

      @Override
      public void onDelete(Pod pod, boolean unknown) {
        lastPodGone.put(owner(pod), Instant.now());
      }
    });
  }

  private void seen(Deployment d) {
    String name = d.getMetadata().getName();
    Integer replicas = d.getSpec().getReplicas();
    if (replicas != null && replicas == 0) {
      scaledToZero.putIfAbsent(name, Instant.now());
    }
    if (d.getStatus() != null && replicas != null && replicas > 0
        && d.getStatus().getAvailableReplicas() != null && d.getStatus().getAvailableReplicas() >= replicas
        && d.getStatus().getObservedGeneration() != null
        && d.getStatus().getObservedGeneration() >= d.getMetadata().getGeneration()) {
      available.putIfAbsent(name, Instant.now());
    }
  }

  private static String owner(Pod pod) {
    return pod.getMetadata().getOwnerReferences().stream().map(r -> r.getName()).filter(Objects::nonNull)
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

  @Override
  public void close() {
    deployments.close();
    pods.close();
  }
}
