package dev.runner.sim;

import dev.runner.api.RunnerGroupStatus;
import dev.runner.core.Action;
import dev.runner.core.Decision;
import dev.runner.core.GroupDependencies;
import dev.runner.core.GroupPlan;
import dev.runner.core.Names;
import dev.runner.core.Observed;
import dev.runner.core.TemplateHash;
import dev.runner.core.Workload;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The operator's shell as {@code RunnerGroupReconciler} runs it, over informer caches that lag
 * behind the cluster: observe (from the caches, as ClusterView reads them), decide, read the
 * names of Deployments to create directly from the API server, write the status (only when it
 * changed), then the Deployment writes (each also put into the cache, as DeploymentWriter hands
 * them to the informer), then the refusals; on deletion, remove the finalizer once the decision
 * says stopped and it wrote no status. Faults make one of the writes fail, before or after it took
 * effect.
 */
final class SimOperator {
  /** A reconcile's fault: which write fails, and whether it took effect. */
  enum Fault { NONE, STATUS_BEFORE, STATUS_AFTER, WRITE_BEFORE, WRITE_AFTER, WRITE_REFUSED }

  /** The decision function: the real Supervisor, or a mutant of it in the invariants' own tests. */
  interface Decider {
    Decision decide(Observed observed);

    Decision refused(Observed observed, Decision decision, Map<String, String> refusals);
  }

  /** What one reconcile saw, decided and did. */
  record Reconcile(Observed observed, Decision decision, List<Action> applied, Map<String, Deployment> before,
      RunnerGroupStatus statusBefore, RunnerGroupStatus statusAfter, boolean finalizerRemoved, boolean failed,
      List<String> leftAtRemoval) {
    Reconcile(Observed observed, Decision decision, List<Action> applied, Map<String, Deployment> before,
        RunnerGroupStatus statusBefore, RunnerGroupStatus statusAfter, boolean finalizerRemoved, boolean failed) {
      this(observed, decision, applied, before, statusBefore, statusAfter, finalizerRemoved, failed, List.of());
    }
  }

  private final Decider decider;
  /** The informers' caches: only objects with the managed-by label, as the label selector sees them. */
  final Map<String, Deployment> deployments = new TreeMap<>();
  final Map<String, Pod> pods = new TreeMap<>();

  SimOperator(Decider decider, SimCluster cluster) {
    this.decider = decider;
    syncAll(cluster);
  }

  Decider decider() {
    return decider;
  }

  // ---- the informers ----------------------------------------------------------------------------

  void syncDeployments(SimCluster cluster) {
    deployments.clear();
    cluster.deployments.forEach((name, d) -> {
      if (managed(d.getMetadata())) {
        deployments.put(name, d);
      }
    });
  }

  void syncPods(SimCluster cluster) {
    pods.clear();
    cluster.pods.forEach((name, p) -> {
      if (managed(p.getMetadata())) {
        pods.put(name, p);
      }
    });
  }

  /** The watch events of one service's objects arrive before the others'. */
  void syncService(SimCluster cluster, String service) {
    String name = SimCluster.deploymentName(service);
    Deployment d = cluster.deployments.get(name);
    if (d != null && managed(d.getMetadata())) {
      deployments.put(name, d);
    } else {
      deployments.remove(name);
    }
    pods.values().removeIf(p -> service.equals(SimCluster.service(p)));
    cluster.pods.forEach((podName, p) -> {
      if (managed(p.getMetadata()) && service.equals(SimCluster.service(p))) {
        pods.put(podName, p);
      }
    });
  }

  void syncAll(SimCluster cluster) {
    syncDeployments(cluster);
    syncPods(cluster);
  }

  private static boolean managed(ObjectMeta meta) {
    return meta.getLabels() != null && Names.OPERATOR.equals(meta.getLabels().get(Names.MANAGED_BY))
        && SimCluster.GROUP.equals(meta.getLabels().get(Names.GROUP_LABEL));
  }

  // ---- observe ----------------------------------------------------------------------------------

  /** The Deployments among what the operator saw, by service. */
  static Map<String, Deployment> deployments(Observed observed) {
    Map<String, Deployment> deployments = new TreeMap<>();
    observed.workloads().forEach((service, w) -> {
      if (w.object() instanceof Deployment d) {
        deployments.put(service, d);
      }
    });
    return deployments;
  }

  Observed observe(SimCluster cluster) {
    Map<String, Deployment> owned = new TreeMap<>();
    Set<String> foreign = new HashSet<>();
    for (Deployment d : deployments.values()) {
      String service = SimCluster.service(d);
      if (service == null || !d.getMetadata().getName().equals(SimCluster.deploymentName(service))) {
        continue;
      }
      if (SimCluster.owned(d)) {
        owned.put(service, d);
      } else {
        foreign.add(service);
      }
    }
    Map<String, List<Pod>> byService = new TreeMap<>();
    for (Pod pod : pods.values()) {
      byService.computeIfAbsent(SimCluster.service(pod), k -> new ArrayList<>()).add(pod);
    }
    byService.keySet().removeAll(foreign);
    Map<String, String> restarts = new TreeMap<>();
    cluster.annotations.forEach((key, value) -> {
      if (key.startsWith(Names.SERVICE_RESTART_PREFIX) && key.length() > Names.SERVICE_RESTART_PREFIX.length()) {
        restarts.put(key.substring(Names.SERVICE_RESTART_PREFIX.length()), value);
      }
    });
    // The spec as it is now: events change it only after this reconcile and its checks.
    Map<String, Workload> workloads = new TreeMap<>();
    owned.forEach((service, d) -> workloads.put(service, Workload.of(d)));
    return new Observed(SimCluster.GROUP, cluster.generation, cluster.spec, cluster.deleting,
        cluster.annotations.get(Names.RESTART_ANNOTATION), restarts, cluster.statusCopy(), workloads, foreign, byService,
        cluster.now, GroupDependencies.Observation.NONE);
  }

  // ---- reconcile ----------------------------------------------------------------------------------

  /** @param target the service whose Deployment write fails (for the WRITE_* faults), by index into the decision's writes */
  Reconcile reconcile(SimCluster cluster, Fault fault, int target) {
    RunnerGroupStatus before = cluster.statusCopy();
    Observed observed = observe(cluster);
    Decision decision = decider.decide(observed);
    Observed checked = checkNamesBeforeCreating(cluster, observed, decision);
    if (checked != observed) {
      observed = checked;
      decision = decider.decide(observed);
    }
    Map<String, Deployment> objectsBefore = new TreeMap<>(cluster.deployments);
    List<Action> applied = new ArrayList<>();
    if (fault == Fault.STATUS_BEFORE) {
      return new Reconcile(observed, decision, applied, objectsBefore, before, cluster.statusCopy(), false, true);
    }
    RunnerGroupStatus written = record(cluster, before, decision.status());
    if (fault == Fault.STATUS_AFTER) {
      return new Reconcile(observed, decision, applied, objectsBefore, before, cluster.statusCopy(), false, true);
    }
    Map<String, List<Action>> byService = new LinkedHashMap<>();
    decision.actions().forEach(a -> byService.computeIfAbsent(a.service(), k -> new ArrayList<>()).add(a));
    List<String> services = List.copyOf(byService.keySet());
    String failing = fault.name().startsWith("WRITE") && !services.isEmpty() ? services.get(Math.floorMod(target, services.size())) : null;
    boolean failed = false;
    Map<String, String> refusals = new TreeMap<>();
    for (String service : services) {
      if (service.equals(failing) && fault == Fault.WRITE_REFUSED) {
        refusals.put(service, "Deployment.apps \"" + SimCluster.deploymentName(service) + "\" is invalid: (simulated 422)");
        continue;
      }
      if (service.equals(failing) && fault == Fault.WRITE_BEFORE) {
        failed = true;
        continue;
      }
      for (Action action : byService.get(service)) {
        if (!write(cluster, decision, observed, action)) {
          failed = true;
          break;
        }
        applied.add(action);
      }
      if (service.equals(failing) && fault == Fault.WRITE_AFTER) {
        failed = true;
        // The writes took effect; their answers were lost, so the cache did not get them.
        syncBack(cluster, service, objectsBefore);
      }
    }
    if (!refusals.isEmpty()) {
      Decision denied = decider.refused(observed, decision, refusals);
      record(cluster, written, denied.status());
      return new Reconcile(observed, denied, applied, objectsBefore, before, cluster.statusCopy(), false, true);
    }
    boolean finalizerRemoved = false;
    List<String> left = new ArrayList<>();
    if (!failed && cluster.deleting && decision.stopped() && !changed(before, decision.status())) {
      cluster.deployments.values().stream().filter(SimCluster::owned).forEach(d -> left.add("Deployment " + d.getMetadata().getName()));
      cluster.groupGone();
      finalizerRemoved = true;
    }
    return new Reconcile(observed, decision, applied, objectsBefore, before, cluster.statusCopy(), finalizerRemoved, failed, left);
  }

  private void syncBack(SimCluster cluster, String service, Map<String, Deployment> objectsBefore) {
    String name = SimCluster.deploymentName(service);
    Deployment was = objectsBefore.get(name);
    if (was != null && managed(was.getMetadata())) {
      deployments.put(name, was);
    } else {
      deployments.remove(name);
    }
  }

  private static RunnerGroupStatus record(SimCluster cluster, RunnerGroupStatus written, RunnerGroupStatus wanted) {
    if (!changed(written, wanted)) {
      return written;
    }
    cluster.status = SimCluster.JSON.unmarshal(SimCluster.JSON.asJson(wanted), RunnerGroupStatus.class);
    return wanted;
  }

  static boolean changed(RunnerGroupStatus before, RunnerGroupStatus after) {
    return before == null || !SimCluster.JSON.asJson(before).equals(SimCluster.JSON.asJson(after));
  }

  /** The direct read of a name before its create: an object the group does not own is never adopted. */
  private Observed checkNamesBeforeCreating(SimCluster cluster, Observed observed, Decision decision) {
    Map<String, Deployment> ours = new HashMap<>();
    List<String> foreign = new ArrayList<>();
    for (Action action : decision.actions()) {
      if (action instanceof Action.Create) {
        Deployment found = cluster.deployments.get(SimCluster.deploymentName(action.service()));
        if (found != null && SimCluster.owned(found)) {
          ours.put(action.service(), found);
        } else if (found != null) {
          foreign.add(action.service());
        }
      }
    }
    if (ours.isEmpty() && foreign.isEmpty()) {
      return observed;
    }
    Map<String, Workload> owned = new TreeMap<>(observed.workloads());
    ours.forEach((service, d) -> owned.put(service, Workload.of(d)));
    Set<String> notOurs = new HashSet<>(observed.foreign());
    notOurs.addAll(foreign);
    Map<String, List<Pod>> pods = new TreeMap<>(observed.pods());
    pods.keySet().removeAll(notOurs);
    return new Observed(observed.group(), observed.generation(), observed.spec(), observed.deleting(),
        observed.restartRequest(), observed.serviceRestarts(), observed.previous(), owned, notOurs, pods, observed.now(),
        observed.groups());
  }

  /** One write as DeploymentWriter makes it; false when the API server answered 404 (the reconcile fails). */
  private boolean write(SimCluster cluster, Decision decision, Observed observed, Action action) {
    String name = SimCluster.deploymentName(action.service());
    Deployment current = cluster.deployments.get(name);
    GroupPlan.ServicePlan plan = decision.plan().services().get(action.service());
    if (action instanceof Action.Create create) {
      if (current != null) {
        return true; // 409: the next reconcile reads it
      }
      cluster.write(built(plan, create.replicas()));
    } else if (action instanceof Action.Update update) {
      Deployment seen = SimOperator.deployments(observed).get(action.service());
      if (current == null || seen == null || !java.util.Objects.equals(seen.getMetadata().getResourceVersion(),
          current.getMetadata().getResourceVersion())) {
        return false; // 404, or 409: the update carries the resourceVersion the cache had
      }
      Deployment rewritten = new DeploymentBuilder(seen).build();
      Deployment wanted = built(plan, update.replicas());
      rewritten.getMetadata().getLabels().putAll(wanted.getMetadata().getLabels());
      Map<String, String> annotations = new TreeMap<>(rewritten.getMetadata().getAnnotations() == null ? Map.of()
          : rewritten.getMetadata().getAnnotations());
      annotations.putAll(wanted.getMetadata().getAnnotations());
      rewritten.getMetadata().setAnnotations(annotations);
      rewritten.getSpec().setTemplate(wanted.getSpec().getTemplate());
      rewritten.getSpec().setReplicas(update.replicas());
      cluster.write(rewritten);
    } else if (action instanceof Action.Scale scale) {
      if (current == null) {
        return false;
      }
      Deployment scaled = new DeploymentBuilder(current).build();
      scaled.getSpec().setReplicas(scale.replicas());
      cluster.write(scaled);
    } else if (action instanceof Action.Delete) {
      if (current == null) {
        return true; // 404 on delete: fabric8 returns false, no exception
      }
      cluster.deleteDeployment(name);
      return true; // the cache learns of it from the watch
    }
    Deployment now = cluster.deployments.get(name);
    if (managed(now.getMetadata())) {
      deployments.put(name, now);
    }
    return true;
  }

  /** The Deployment as DeploymentFactory builds it. */
  static Deployment built(GroupPlan.ServicePlan plan, int replicas) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Names.MANAGED_BY, Names.OPERATOR);
    labels.put(Names.GROUP_LABEL, SimCluster.GROUP);
    labels.put(Names.SERVICE_LABEL, plan.name());
    PodTemplateSpec template = SimCluster.JSON.clone(plan.spec().getTemplate());
    template.setMetadata(new ObjectMeta());
    template.getMetadata().setLabels(new LinkedHashMap<>(labels));
    return new DeploymentBuilder()
        .withNewMetadata()
          .withName(SimCluster.deploymentName(plan.name()))
          .withNamespace(SimCluster.NAMESPACE)
          .withLabels(labels)
          .addToAnnotations(Names.SPEC_HASH, TemplateHash.of(plan))
          .addToAnnotations(Names.DEPENDS_ON, TemplateHash.dependsOn(plan))
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("runner.dev/v1alpha1").withKind("RunnerGroup")
              .withName(SimCluster.GROUP).withUid(SimCluster.UID).withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withNewSelector().addToMatchLabels(Names.GROUP_LABEL, SimCluster.GROUP).addToMatchLabels(Names.SERVICE_LABEL, plan.name()).endSelector()
          .withTemplate(template)
        .endSpec()
        .build();
  }
}
