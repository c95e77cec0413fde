package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.api.WorkloadKind;
import dev.runner.core.Action;
import dev.runner.core.Decision;
import dev.runner.core.GroupPlan;
import dev.runner.core.Names;
import dev.runner.core.Workload;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
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
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
  private final InformerEventSource<Service, RunnerGroup> services;
  private final Executor executor;

  WorkloadWriter(KubernetesClient client, Map<WorkloadKind, InformerEventSource<? extends HasMetadata, RunnerGroup>> caches,
      InformerEventSource<Service, RunnerGroup> services, Executor executor) {
    this.client = client;
    this.caches = caches;
    this.services = services;
    this.executor = executor;
  }

  /**
   * A StatefulSet's headless Service someone deleted while the StatefulSet stays is created again:
   * its deletion, seen by the Service informer, wakes the group, and this finds it missing from
   * that informer's cache. Only for a StatefulSet of the spec that is observed, not terminating,
   * in a group not being deleted, and not written by this decision (a create or update writes its
   * Service itself, a delete removes it). A Service of that name the operator did not create is
   * not in the cache (it lacks our labels): the create meets 409 and it is left as it is.
   */
  void restoreHeadlessServices(RunnerGroup group, Decision decision, Map<String, Workload> observed, boolean deleting) {
    if (deleting) {
      return;
    }
    String namespace = group.getMetadata().getNamespace();
    List<String> written = decision.actions().stream()
        .filter(a -> a instanceof Action.Create || a instanceof Action.Update || a instanceof Action.Delete)
        .map(Action::service).toList();
    decision.plan().services().forEach((service, plan) -> {
      Workload current = observed.get(service);
      if (plan.spec().kind() != WorkloadKind.StatefulSet || current == null || current.kind() != WorkloadKind.StatefulSet
          || current.object().getMetadata().getDeletionTimestamp() != null || written.contains(service)) {
        return;
      }
      ResourceID id = new ResourceID(Names.deploymentName(group.getMetadata().getName(), service), namespace);
      if (services.get(id).isEmpty()) {
        LOG.info("{}/{}: the headless Service of StatefulSet {} is gone; creating it again", namespace,
            group.getMetadata().getName(), id.getName());
        createIfAbsent(WorkloadFactory.headlessService(group, plan), namespace);
      }
    });
  }

  /**
   * What a decision's writes met: the writes the API server refused (403 forbidden, 422 invalid),
   * by service, with the API server's own message, and the creates that met an object holding the
   * name (409), with that object as read after the 409 (null: gone by then). The other services'
   * writes were made.
   */
  record Applied(Map<String, String> refused, List<Conflict> conflicts) {}

  /** A create of a service's workload (or of a StatefulSet's headless Service) met an object of that name. */
  record Conflict(String service, HasMetadata holder) {}

  /**
   * Each action concerns another service's workload, so they go out in parallel: a wave of
   * twenty services costs one round trip, not twenty. Any failure but a refusal or a create's
   * 409 is thrown.
   */
  Applied apply(RunnerGroup group, Decision decision, Map<String, Workload> observed) {
    Map<String, List<Action>> byService = new LinkedHashMap<>();
    decision.actions().forEach(action -> byService.computeIfAbsent(action.service(), k -> new ArrayList<>()).add(action));
    Map<String, String> refused = new ConcurrentSkipListMap<>();
    List<Conflict> conflicts = new CopyOnWriteArrayList<>();
    Parallel.run(List.copyOf(byService.values()), executor, actions -> {
      try {
        actions.forEach(action -> apply(group, decision, observed, action, conflicts));
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_FORBIDDEN && e.getCode() != UNPROCESSABLE) {
          throw e;
        }
        refused.put(actions.get(0).service(), e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage() : e.getMessage());
      }
    });
    return new Applied(refused, List.copyOf(conflicts));
  }

  private void apply(RunnerGroup group, Decision decision, Map<String, Workload> observed, Action action,
      List<Conflict> conflicts) {
    String name = Names.deploymentName(group.getMetadata().getName(), action.service());
    String namespace = group.getMetadata().getNamespace();
    ResourceID id = new ResourceID(name, namespace);
    Workload current = observed.get(action.service());
    GroupPlan.ServicePlan plan = decision.plan().services().get(action.service());
    // The kind of what is there (a removed service's too), else the one the spec asks for.
    WorkloadKind kind = current != null ? current.kind() : plan.spec().kind();
    if (action instanceof Action.Create create) {
      // No read before the create: the informers see only objects with our labels, so a name held
      // by someone else's object shows as the create's 409, and only then is the object read.
      if (kind == WorkloadKind.StatefulSet) {
        Service headless = WorkloadFactory.headlessService(group, plan);
        if (!create(headless, namespace)) {
          Service holder = client.services().inNamespace(namespace).withName(name).get();
          if (holder == null || !WorkloadFactory.ownedBy(holder, group)) {
            conflicts.add(new Conflict(action.service(), holder));
            return; // the StatefulSet is not created beside a Service that is not ours
          }
        }
      }
      HasMetadata wanted = WorkloadFactory.build(group, plan, create.replicas());
      try {
        cache(kind).handleRecentResourceCreate(id, client.resource(wanted).create());
        LOG.debug("created {} {}/{}", kind, namespace, name);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        LOG.debug("{} {}/{} exists already; reading it", kind, namespace, name);
        conflicts.add(new Conflict(action.service(), client.resources(WorkloadFactory.type(kind)).inNamespace(namespace)
            .withName(name).get()));
      }
    } else if (action instanceof Action.Update update) {
      if (kind == WorkloadKind.StatefulSet) {
        createIfAbsent(WorkloadFactory.headlessService(group, plan), namespace);
      }
      HasMetadata wanted = WorkloadFactory.build(group, plan, update.replicas());
      HasMetadata updated = client.resource(WorkloadFactory.rewrite(current.object(), wanted)).update();
      cache(kind).handleRecentResourceUpdate(id, updated, current.object());
    } else if (action instanceof Action.Scale scale) {
      if (current == null) {
        client.resources(WorkloadFactory.type(kind)).inNamespace(namespace).withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + scale.replicas() + "}}");
        return;
      }
      scaleIfSame(client, kind, current.object(), scale.replicas())
          .ifPresent(updated -> cache(kind).handleRecentResourceUpdate(id, updated, current.object()));
    } else if (action instanceof Action.Delete) {
      // Background: the workload goes at once, the garbage collector deletes its pods; the core
      // waits for the pods it must (those not yet history) before it goes on.
      // With the UID seen as precondition: a repeated delete (the cache not yet told of the first)
      // must not reach an object someone else has created under the name since.
      if (current != null) {
        deleteIfSame(client, kind, current.object());
      }
      if (kind == WorkloadKind.StatefulSet) {
        // Its headless Service goes with it; its PersistentVolumeClaims stay (unless its retention policy says otherwise).
        Service service = client.services().inNamespace(namespace).withName(name).get();
        if (service != null && WorkloadFactory.ownedBy(service, group)) {
          client.resource(service).delete();
        }
      }
    }
  }

  /**
   * Scales the object of that name only if it is still the one given: a JSON patch whose first
   * operation tests the UID. A failed test is a 422, as a refusal is; only then is the name read,
   * and an object of another UID there (or none) means nothing of ours was scaled.
   *
   * @return the object as scaled, or empty when the name is free or held by another object
   */
  static Optional<HasMetadata> scaleIfSame(KubernetesClient client, WorkloadKind kind, HasMetadata object, int replicas) {
    String uid = object.getMetadata().getUid();
    var resource = client.resources(WorkloadFactory.type(kind)).inNamespace(object.getMetadata().getNamespace())
        .withName(object.getMetadata().getName());
    try {
      return Optional.of(resource.patch(PatchContext.of(PatchType.JSON),
          "[{\"op\":\"test\",\"path\":\"/metadata/uid\",\"value\":\"" + uid + "\"},"
              + "{\"op\":\"add\",\"path\":\"/spec/replicas\",\"value\":" + replicas + "}]"));
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND && e.getCode() != UNPROCESSABLE) {
        throw e;
      }
      HasMetadata there = e.getCode() == UNPROCESSABLE ? resource.get() : null;
      if (there != null && uid.equals(there.getMetadata().getUid())) {
        throw e; // the same object, and the API server refuses the write: a refusal
      }
      LOG.info("{} {}/{} is not the object seen (UID {}) any more; not scaled", kind, object.getMetadata().getNamespace(),
          object.getMetadata().getName(), uid);
      return Optional.empty();
    }
  }

  /**
   * Deletes the object of that name only if it is still the one given (its UID as the delete's
   * precondition; fabric8's delete can only make a resourceVersion one, which a status write of
   * the workload's controller breaks), in the background (the garbage collector takes its pods).
   *
   * @return false when nothing was deleted: the name is free (404) or held by another object (409)
   */
  static boolean deleteIfSame(KubernetesClient client, WorkloadKind kind, HasMetadata object) {
    Class<? extends HasMetadata> type = WorkloadFactory.type(kind);
    DeleteOptions options = new DeleteOptionsBuilder()
        .withPropagationPolicy(DeletionPropagation.BACKGROUND.toString())
        .withNewPreconditions().withUid(object.getMetadata().getUid()).endPreconditions()
        .build();
    String path = "/apis/" + HasMetadata.getApiVersion(type) + "/namespaces/" + object.getMetadata().getNamespace() + "/"
        + HasMetadata.getPlural(type) + "/" + object.getMetadata().getName();
    try {
      client.raw(path, "DELETE", options);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return false;
      }
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        LOG.info("{} {}/{} is not the object seen (UID {}) any more; not deleted", kind, object.getMetadata().getNamespace(),
            object.getMetadata().getName(), object.getMetadata().getUid());
        return false;
      }
      throw e;
    }
  }

  /**
   * Creates the Service unless one of that name exists (for an update or a restore: the
   * StatefulSet is ours and so is, as the create judged, its Service).
   */
  private void createIfAbsent(Service object, String namespace) {
    create(object, namespace);
  }

  /** @return false if an object of that name exists (409) */
  private boolean create(Service object, String namespace) {
    try {
      Service created = client.resource(object).inNamespace(namespace).create();
      services.handleRecentResourceCreate(ResourceID.fromResource(created), created);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      return false;
    }
  }

  @SuppressWarnings("unchecked")
  private <R extends HasMetadata> InformerEventSource<R, RunnerGroup> cache(WorkloadKind kind) {
    return (InformerEventSource<R, RunnerGroup>) caches.get(kind);
  }
}
