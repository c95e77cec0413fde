package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.core.Action;
import dev.runner.core.Decision;
import dev.runner.core.GroupPlan;
import dev.runner.core.Names;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.apps.Deployment;
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
 * Applies a decision's changes to the Deployments. Each write is handed to the informer cache
 * too, so the next reconcile sees it even before its watch event arrives.
 */
final class DeploymentWriter {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentWriter.class);
  private static final int UNPROCESSABLE = 422;
  private final KubernetesClient client;
  private final InformerEventSource<Deployment, RunnerGroup> cache;
  private final Executor executor;

  DeploymentWriter(KubernetesClient client, InformerEventSource<Deployment, RunnerGroup> cache, Executor executor) {
    this.client = client;
    this.cache = cache;
    this.executor = executor;
  }

  /**
   * Each action concerns another service's Deployment, so they go out in parallel: a wave of
   * twenty services costs one round trip, not twenty.
   *
   * @return the writes the API server refused (403 forbidden, 422 invalid), by service, with the
   *     API server's own message; the other services' writes were made. Any other failure is thrown.
   */
  Map<String, String> apply(RunnerGroup group, Decision decision, Map<String, Deployment> observed) {
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

  private void apply(RunnerGroup group, Decision decision, Map<String, Deployment> observed, Action action) {
    String name = Names.deploymentName(group.getMetadata().getName(), action.service());
    String namespace = group.getMetadata().getNamespace();
    ResourceID id = new ResourceID(name, namespace);
    if (action instanceof Action.Create create) {
      Deployment wanted = DeploymentFactory.build(group, plan(decision, action), create.replicas());
      try {
        cache.handleRecentResourceCreate(id, client.resource(wanted).create());
        LOG.debug("created {}/{}", namespace, name);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        LOG.debug("{}/{} exists already; the next reconcile reads it", namespace, name);
      }
    } else if (action instanceof Action.Update update) {
      Deployment current = observed.get(action.service());
      Deployment wanted = DeploymentFactory.build(group, plan(decision, action), update.replicas());
      Deployment updated = client.resource(DeploymentFactory.rewrite(current, wanted)).update();
      cache.handleRecentResourceUpdate(id, updated, current);
    } else if (action instanceof Action.Scale scale) {
      Deployment updated = client.apps().deployments().inNamespace(namespace).withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + scale.replicas() + "}}");
      Deployment current = observed.get(action.service());
      if (current != null) {
        cache.handleRecentResourceUpdate(id, updated, current);
      }
    } else if (action instanceof Action.Delete) {
      client.apps().deployments().inNamespace(namespace).withName(name)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    }
  }

  private static GroupPlan.ServicePlan plan(Decision decision, Action action) {
    return decision.plan().services().get(action.service());
  }
}
