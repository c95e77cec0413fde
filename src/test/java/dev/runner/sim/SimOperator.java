package dev.runner.sim;

import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServiceSpec;
import dev.runner.api.WorkloadKind;
import dev.runner.core.Action;
import dev.runner.core.Decision;
import dev.runner.core.GroupDependencies;
import dev.runner.core.GroupPlan;
import dev.runner.core.Names;
import dev.runner.core.Observed;
import dev.runner.core.Workload;
import dev.runner.reconcile.SimWorkloads;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.EnumMap;
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
 * names of workloads to create directly from the API server (a StatefulSet's Service name too),
 * write the status (only when it changed), then the workload writes as {@code WorkloadWriter}
 * makes them, with the objects {@code WorkloadFactory} builds (each write also put into the cache,
 * as the writer hands it to the informer), then the refusals, then the headless Services put back;
 * on deletion, remove the finalizer once the decision says stopped and it wrote no status. Faults
 * make one of the writes fail, before or after it took effect. The order of the writes is
 * {@link #reconcile}'s alone: a change of the reconciler's order is made there.
 */
final class SimOperator {
  /** A reconcile's fault: which write fails, and whether it took effect. */
  enum Fault { NONE, STATUS_BEFORE, STATUS_AFTER, WRITE_BEFORE, WRITE_AFTER, WRITE_REFUSED }

  /** The decision function: the real Supervisor, or a mutant of it in the invariants' own tests. */
  interface Decider {
    Decision decide(Observed observed);

    Decision refused(Observed observed, Decision decision, Map<String, String> refusals);

    /**
     * What the shell does besides the write of an action; nothing for the real shell (a mutant of
     * the shell in the invariants' own tests).
     */
    default void afterWrite(SimCluster cluster, Action action) {}
  }

  /** What one reconcile saw, decided and did. */
  record Reconcile(Observed observed, Decision decision, List<Action> applied, Map<String, HasMetadata> before,
      RunnerGroupStatus statusBefore, RunnerGroupStatus statusAfter, boolean finalizerRemoved, boolean failed,
      List<String> leftAtRemoval) {
    Reconcile(Observed observed, Decision decision, List<Action> applied, Map<String, HasMetadata> before,
        RunnerGroupStatus statusBefore, RunnerGroupStatus statusAfter, boolean finalizerRemoved, boolean failed) {
      this(observed, decision, applied, before, statusBefore, statusAfter, finalizerRemoved, failed, List.of());
    }
  }

  private final Decider decider;
  /** The informers' caches: only objects with the managed-by label, as the label selector sees them. */
  final Map<String, HasMetadata> workloads = new TreeMap<>();
  final Map<String, Service> services = new TreeMap<>();
  final Map<String, Pod> pods = new TreeMap<>();

  SimOperator(Decider decider, SimCluster cluster) {
    this.decider = decider;
    syncAll(cluster);
  }

  Decider decider() {
    return decider;
  }

  // ---- the informers ----------------------------------------------------------------------------

  /** The workloads' watches (and the Services') have caught up. */
  void syncWorkloads(SimCluster cluster) {
    workloads.clear();
    cluster.workloads.forEach((name, w) -> {
      if (managed(w.getMetadata())) {
        workloads.put(name, w);
      }
    });
    services.clear();
    cluster.services.forEach((name, s) -> {
      if (managed(s.getMetadata())) {
        services.put(name, s);
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
    HasMetadata w = cluster.workloads.get(name);
    if (w != null && managed(w.getMetadata())) {
      workloads.put(name, w);
    } else {
      workloads.remove(name);
    }
    Service s = cluster.services.get(name);
    if (s != null && managed(s.getMetadata())) {
      services.put(name, s);
    } else {
      services.remove(name);
    }
    pods.values().removeIf(p -> service.equals(SimCluster.service(p)));
    cluster.pods.forEach((podName, p) -> {
      if (managed(p.getMetadata()) && service.equals(SimCluster.service(p))) {
        pods.put(podName, p);
      }
    });
  }

  void syncAll(SimCluster cluster) {
    syncWorkloads(cluster);
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
    Map<String, WorkloadKind> kinds = new TreeMap<>();
    cluster.spec.getServices().forEach(s -> kinds.put(s.getName(), s.kind()));
    Map<String, HasMetadata> owned = new TreeMap<>();
    Set<String> foreign = new HashSet<>();
    for (HasMetadata w : workloads.values()) {
      String service = SimCluster.service(w);
      if (service == null || !w.getMetadata().getName().equals(SimCluster.deploymentName(service))) {
        continue;
      }
      // A service in the spec is its workload of the spec's kind (ClusterView reads one informer per kind).
      if (kinds.containsKey(service) && kinds.get(service) != Workload.of(w).kind()) {
        continue;
      }
      if (SimCluster.owned(w)) {
        owned.put(service, w);
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
    Map<String, Workload> views = new TreeMap<>();
    owned.forEach((service, w) -> views.put(service, Workload.of(w)));
    return new Observed(SimCluster.GROUP, cluster.generation, cluster.spec, cluster.deleting,
        cluster.annotations.get(Names.RESTART_ANNOTATION), restarts, cluster.statusCopy(), views, foreign, byService,
        cluster.now.plus(cluster.operatorClock), GroupDependencies.Observation.NONE);
  }

  // ---- reconcile ----------------------------------------------------------------------------------

  /**
   * One reconcile, in the reconciler's order: observe, decide, check names, status, workloads,
   * refusals, headless Services, finalizer.
   *
   * @param target the service whose workload write fails (for the WRITE_* faults), by index into the decision's writes
   */
  Reconcile reconcile(SimCluster cluster, Fault fault, int target) {
    RunnerGroupStatus before = cluster.statusCopy();
    Observed observed = observe(cluster);
    Decision decision = decider.decide(observed);
    Observed checked = checkNamesBeforeCreating(cluster, observed, decision);
    if (checked != observed) {
      observed = checked;
      decision = decider.decide(observed);
    }
    if (cluster.deleting && decision.stopped() && !changed(before, decision.status())) {
      Observed listed = listBeforeTheFinalizerGoes(cluster, observed);
      if (listed != observed) {
        observed = listed;
        decision = decider.decide(observed);
      }
    }
    Map<String, HasMetadata> objectsBefore = new TreeMap<>(cluster.workloads);
    List<Action> applied = new ArrayList<>();
    // A decision of first starts only writes its status beside its creates: a failed status write
    // fails the reconcile once the creates are made.
    boolean beside = decision.order() == Decision.Order.TOGETHER;
    boolean statusFailed = fault == Fault.STATUS_BEFORE || fault == Fault.STATUS_AFTER;
    if (statusFailed && !beside) {
      if (fault == Fault.STATUS_AFTER) {
        record(cluster, before, decision.status());
      }
      return new Reconcile(observed, decision, applied, objectsBefore, before, cluster.statusCopy(), false, true);
    }
    RunnerGroupStatus written = fault == Fault.STATUS_BEFORE ? before : record(cluster, before, decision.status());
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
        decider.afterWrite(cluster, action);
        applied.add(action);
      }
      if (service.equals(failing) && fault == Fault.WRITE_AFTER) {
        failed = true;
        // The writes took effect; their answers were lost, so the cache did not get them.
        syncBack(cluster, service, objectsBefore);
      }
    }
    if (statusFailed) {
      return new Reconcile(observed, decision, applied, objectsBefore, before, cluster.statusCopy(), false, true);
    }
    if (!refusals.isEmpty()) {
      Decision denied = decider.refused(observed, decision, refusals);
      record(cluster, written, denied.status());
      return new Reconcile(observed, denied, applied, objectsBefore, before, cluster.statusCopy(), false, true);
    }
    if (failed) {
      // The reconcile threw at the failed write: the headless Services are not looked at either.
      return new Reconcile(observed, decision, applied, objectsBefore, before, cluster.statusCopy(), false, true);
    }
    restoreHeadlessServices(cluster, decision, observed);
    boolean finalizerRemoved = false;
    List<String> left = new ArrayList<>();
    if (cluster.deleting && decision.stopped() && !changed(before, decision.status())) {
      cluster.workloads.values().stream().filter(SimCluster::owned)
          .forEach(w -> left.add(w.getKind() + " " + w.getMetadata().getName()));
      cluster.groupGone();
      finalizerRemoved = true;
    }
    return new Reconcile(observed, decision, applied, objectsBefore, before, cluster.statusCopy(), finalizerRemoved, false, left);
  }

  private static boolean sameUid(HasMetadata seen, HasMetadata current) {
    return java.util.Objects.equals(seen.getMetadata().getUid(), current.getMetadata().getUid());
  }

  /**
   * The reconciler's list before the finalizer goes: the group's workloads as the cluster holds
   * them (not the cache), classified by the reconciler's own code.
   */
  private static Observed listBeforeTheFinalizerGoes(SimCluster cluster, Observed observed) {
    RunnerGroup group = new RunnerGroup();
    group.setMetadata(SimCluster.GROUP_OBJECT.getMetadata());
    group.setSpec(cluster.spec);
    Map<WorkloadKind, List<HasMetadata>> listed = new EnumMap<>(WorkloadKind.class);
    cluster.workloads.values().stream().filter(w -> w.getMetadata().getLabels() != null
            && SimCluster.GROUP.equals(w.getMetadata().getLabels().get(Names.GROUP_LABEL)))
        .forEach(w -> listed.computeIfAbsent(Workload.of(w).kind(), k -> new ArrayList<>()).add(w));
    return SimWorkloads.withListed(observed, group, listed);
  }

  private void syncBack(SimCluster cluster, String service, Map<String, HasMetadata> objectsBefore) {
    String name = SimCluster.deploymentName(service);
    HasMetadata was = objectsBefore.get(name);
    if (was != null && managed(was.getMetadata())) {
      workloads.put(name, was);
    } else {
      workloads.remove(name);
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

  /**
   * The direct read of a name before its create (a StatefulSet's Service name too): an object the
   * group does not own is never adopted.
   */
  private Observed checkNamesBeforeCreating(SimCluster cluster, Observed observed, Decision decision) {
    Map<String, Workload> ours = new HashMap<>();
    List<String> foreign = new ArrayList<>();
    for (Action action : decision.actions()) {
      if (action instanceof Action.Create) {
        String name = SimCluster.deploymentName(action.service());
        WorkloadKind kind = decision.plan().services().get(action.service()).spec().kind();
        HasMetadata found = cluster.workloads.get(name);
        if (found != null && Workload.of(found).kind() != kind) {
          found = null; // another kind's object: the read of this kind finds nothing
        }
        Service headless = kind == WorkloadKind.StatefulSet ? cluster.services.get(name) : null;
        if ((found != null && !SimCluster.owned(found)) || (headless != null && !SimCluster.owned(headless))) {
          foreign.add(action.service());
        } else if (found != null) {
          ours.put(action.service(), Workload.of(found));
        }
      }
    }
    return ours.isEmpty() && foreign.isEmpty() ? observed : SimWorkloads.with(observed, ours, foreign);
  }

  /** One write as WorkloadWriter makes it; false when the API server answered 404 or 409 (the reconcile fails). */
  private boolean write(SimCluster cluster, Decision decision, Observed observed, Action action) {
    String name = SimCluster.deploymentName(action.service());
    HasMetadata current = cluster.workloads.get(name);
    Workload seen = observed.workloads().get(action.service());
    GroupPlan.ServicePlan plan = decision.plan().services().get(action.service());
    // The kind of what is there (a removed service's too), else the one the spec asks for.
    WorkloadKind kind = seen != null ? seen.kind() : plan.spec().kind();
    if (action instanceof Action.Create create) {
      if (kind == WorkloadKind.StatefulSet) {
        createIfAbsent(cluster, SimWorkloads.headlessService(SimCluster.GROUP_OBJECT, plan));
      }
      if (current != null) {
        return true; // 409: the next reconcile reads it
      }
      cluster.write(SimWorkloads.build(SimCluster.GROUP_OBJECT, plan, create.replicas()));
    } else if (action instanceof Action.Update update) {
      if (kind == WorkloadKind.StatefulSet) {
        createIfAbsent(cluster, SimWorkloads.headlessService(SimCluster.GROUP_OBJECT, plan));
      }
      if (current == null || !java.util.Objects.equals(seen.object().getMetadata().getResourceVersion(),
          current.getMetadata().getResourceVersion())) {
        return false; // 404, or 409: the update carries the resourceVersion the cache had
      }
      HasMetadata wanted = SimWorkloads.build(SimCluster.GROUP_OBJECT, plan, update.replicas());
      cluster.write(SimWorkloads.rewrite(seen.object(), wanted));
    } else if (action instanceof Action.Scale scale) {
      if (current == null) {
        return seen != null; // 404: a scale of what was seen writes nothing; one by name (nothing seen) throws
      }
      if (seen != null && !sameUid(seen.object(), current)) {
        return true; // the UID test of the patch fails (422, the name read: not ours): nothing scaled
      }
      HasMetadata scaled = SimCluster.copy(current);
      if (scaled instanceof Deployment d) {
        d.getSpec().setReplicas(scale.replicas());
      } else if (scaled instanceof StatefulSet s) {
        s.getSpec().setReplicas(scale.replicas());
      } // a Job has no replicas: the merge patch's field is dropped, the write changes nothing
      cluster.write(scaled);
    } else if (action instanceof Action.Delete) {
      if (current != null && seen != null && sameUid(seen.object(), current)) { // else 404 or 409 (the UID precondition): nothing deleted
        cluster.deleteWorkload(name);
      }
      if (kind == WorkloadKind.StatefulSet) {
        // Its headless Service goes with it; its claims stay (unless its retention policy says otherwise).
        Service service = cluster.services.get(name);
        if (service != null && SimCluster.owned(service)) {
          cluster.services.remove(name);
        }
      }
      return true; // the cache learns of it from the watch
    }
    HasMetadata now = cluster.workloads.get(name);
    if (managed(now.getMetadata())) {
      workloads.put(name, now);
    }
    return true;
  }

  private void createIfAbsent(SimCluster cluster, Service service) {
    if (cluster.createService(service)) {
      services.put(service.getMetadata().getName(), cluster.services.get(service.getMetadata().getName()));
    }
  }

  /**
   * As {@code WorkloadWriter.restoreHeadlessServices}: a StatefulSet of the spec that is observed,
   * in a group not being deleted and not written by this decision, whose Service is missing from
   * the Services' cache, gets it created again (a Service of that name that is not ours: 409, left).
   */
  private void restoreHeadlessServices(SimCluster cluster, Decision decision, Observed observed) {
    if (observed.deleting()) {
      return;
    }
    List<String> written = decision.actions().stream()
        .filter(a -> a instanceof Action.Create || a instanceof Action.Update || a instanceof Action.Delete)
        .map(Action::service).toList();
    decision.plan().services().forEach((service, plan) -> {
      Workload current = observed.workloads().get(service);
      if (plan.spec().kind() != WorkloadKind.StatefulSet || current == null || current.kind() != WorkloadKind.StatefulSet
          || current.deleting() || written.contains(service)) {
        return;
      }
      if (!services.containsKey(SimCluster.deploymentName(service))) {
        createIfAbsent(cluster, SimWorkloads.headlessService(SimCluster.GROUP_OBJECT, plan));
      }
    });
  }

  /** The spec's service of that name, or null. */
  static ServiceSpec specOf(SimCluster cluster, String service) {
    return cluster.spec.getServices().stream().filter(s -> s.getName().equals(service)).findFirst().orElse(null);
  }
}
