package dev.runner.scenario;

import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every status a RunnerGroup had, as a watcher saw it, with the time it was seen, and when the
 * group itself went away (its finalizer removed).
 */
public final class GroupWatch implements AutoCloseable {
  /** One status as seen at {@code at}. */
  public record Snapshot(Instant at, RunnerGroupStatus status, boolean deleting) {
    public ServiceStatus service(String name) {
      return status == null ? null : status.getServices().get(name);
    }
  }

  private final List<Snapshot> snapshots = new CopyOnWriteArrayList<>();
  private final Map<String, Instant> gone = new ConcurrentHashMap<>();
  private final String group;
  private final SharedIndexInformer<RunnerGroup> informer;

  public GroupWatch(KubernetesClient client, String namespace, String group) {
    this.group = group;
    informer = client.resources(RunnerGroup.class).inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(RunnerGroup g) {
        seen(g);
      }

      @Override
      public void onUpdate(RunnerGroup before, RunnerGroup g) {
        seen(g);
      }

      @Override
      public void onDelete(RunnerGroup g, boolean unknown) {
        gone.putIfAbsent(g.getMetadata().getName(), Instant.now());
      }
    });
  }

  private void seen(RunnerGroup g) {
    if (!group.equals(g.getMetadata().getName()) || g.getStatus() == null) {
      return;
    }
    snapshots.add(new Snapshot(Instant.now(), g.getStatus(), g.getMetadata().getDeletionTimestamp() != null));
  }

  public List<Snapshot> snapshots() {
    return List.copyOf(snapshots);
  }

  /** When the group was deleted from the server, or null. */
  public Instant gone() {
    return gone.get(group);
  }

  @Override
  public void close() {
    informer.close();
  }
}
