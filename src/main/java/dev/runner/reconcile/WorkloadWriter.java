package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.api.WorkloadKind;
import dev.runner.core.Action;
import dev.runner.core.Decision;
import dev.runner.core.GroupPlan;
import dev.runner.core.Names;
import dev.runner.core.Workload;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a decision's changes to the workloads (Deployments, StatefulSets with their headless
 * Services, Jobs). Each write is handed to the informer cache of its kind too, so the next
 * reconcile sees it even before its watch event arrives. It never touches a
 * PersistentVolumeClaim: a StatefulSet's claims are the StatefulSet controller's, kept or deleted
 * by its retention policy.
 */
final class WorkloadWriter {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadWriter.class);
  private static final int UNPROCESSABLE = 422;
  private final KubernetesClient client;
  private final Map<WorkloadKind, InformerEventSource<? extends HasMetadata, RunnerGroup>> caches;
  private final Executor executor;

  WorkloadWriter(KubernetesClient client, Map<WorkloadKind, InformerEventSource<? extends HasMetadata, RunnerGroup>> caches,
      Executor executor) {
    this.client = client;
    this.caches = caches;
    this.executor = executor;
  }

  /**
   * Each action concerns another service's workload, so they go out in parallel: a wave of
   * twenty services costs one round trip, not twenty.
   *
   * @return the writes the API server refused (403 forbidden, 422 invalid), by service, with the
   *     API server's own message; the other services' writes were made. Any other failure is thrown.
   */
  Map<String, String> apply(RunnerGroup group, Decision decision, Map<String, Workload> observed) {
    Map<String, List<Action>> byService = new LinkedHashMap<>();
    decision.actions().forEach(action -> byService.computeIfAbsent(action.service(), k -> new ArrayList<>()).add(action));
    Map<String, String> refused = new ConcurrentSkipListMap<>();
    Parallel.run(List.copyOf(byService.values()), executor, actions -> {
      try {
        actions.forEach(action -> apply(group, decision, observed, action));
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_FORBIDDEN && e.getCode() != UNPROCESSABLE) {
          throw e;
        }
        refused.put(actions.get(0).service(), e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage() : e.getMessage());
      }
    });
    return refused;
  }

  private void apply(RunnerGroup group, Decision decision, Map<String, Workload> observed, Action action) {
    String name = Names.deploymentName(group.getMetadata().getName(), action.service());
    String namespace = group.getMetadata().getNamespace();
    ResourceID id = new ResourceID(name, namespace);
    Workload current = observed.get(action.service());
    GroupPlan.ServicePlan plan = decision.plan().services().get(action.service());
    // The kind of what is there (a removed service's too), else the one the spec asks for.
    WorkloadKind kind = current != null ? current.kind() : plan.spec().kind();
    if (action instanceof Action.Create create) {
      if (kind == WorkloadKind.StatefulSet) {
        createIfAbsent(WorkloadFactory.headlessService(group, plan), namespace);
      }
      HasMetadata wanted = WorkloadFactory.build(group, plan, create.replicas());
      try {
        cache(kind).handleRecentResourceCreate(id, client.resource(wanted).create());
        LOG.debug("created {} {}/{}", kind, namespace, name);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        LOG.debug("{} {}/{} exists already; the next reconcile reads it", kind, namespace, name);
      }
    } else if (action instanceof Action.Update update) {
      if (kind == WorkloadKind.StatefulSet) {
        createIfAbsent(WorkloadFactory.headlessService(group, plan), namespace);
      }
      HasMetadata wanted = WorkloadFactory.build(group, plan, update.replicas());
      HasMetadata updated = client.resource(WorkloadFactory.rewrite(current.object(), wanted)).update();
      cache(kind).handleRecentResourceUpdate(id, updated, current.object());
    } else if (action instanceof Action.Scale scale) {
      HasMetadata updated = client.resources(WorkloadFactory.type(kind)).inNamespace(namespace).withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + scale.replicas() + "}}");
      if (current != null) {
        cache(kind).handleRecentResourceUpdate(id, updated, current.object());
      }
    } else if (action instanceof Action.Delete) {
      // Background: the workload goes at once, the garbage collector deletes its pods; the core
      // waits for the pods it must (those not yet history) before it goes on.
      client.resources(WorkloadFactory.type(kind)).inNamespace(namespace).withName(name)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
      if (kind == WorkloadKind.StatefulSet) {
        // Its headless Service goes with it; its PersistentVolumeClaims stay (unless its retention policy says otherwise).
        Service service = client.services().inNamespace(namespace).withName(name).get();
        if (service != null && WorkloadFactory.ownedBy(service, group)) {
          client.resource(service).delete();
        }
      }
    }
  }

  /** Creates the object unless it exists (ours: the name was checked before the create, see the reconciler). */
  private void createIfAbsent(HasMetadata object, String namespace) {
    try {
      client.resource(object).inNamespace(namespace).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private <R extends HasMetadata> InformerEventSource<R, RunnerGroup> cache(WorkloadKind kind) {
    return (InformerEventSource<R, RunnerGroup>) caches.get(kind);
  }
}
