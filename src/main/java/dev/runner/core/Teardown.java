package dev.runner.core;

import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Stopping services in reverse dependency order (the Go runner's Stop): a service is stopped only
 * when every service that depends on it is stopped and its Pods are gone. Stopping is scaling to
 * zero (a running Job: deleting it); in DELETE mode a workload is then deleted once its Pods are
 * gone and the workloads of its dependents are deleted. A finished Job asks for no pods: it counts
 * as scaled down, and a suspend leaves it as it is. The dependencies come
 * from the {@link Names#DEPENDS_ON} annotation each workload carries, so the order is known even
 * when the spec no longer says it (a removed service, an invalid spec). Independent branches stop
 * in parallel. Should the recorded dependencies ever form a cycle, what is blocked stops at once.
 */
final class Teardown {
  /** Stop by deleting the Deployment, or by scaling it to zero. */
  enum Mode { DELETE, SCALE_TO_ZERO }

  record Result(Map<String, ServiceStatus> statuses, List<Action> actions, Set<String> remaining) {
    boolean done() {
      return remaining.isEmpty();
    }
  }

  private Teardown() {}

  /**
   * @param toStop the services to stop
   * @param previous their previous statuses (may lack some)
   * @param declared the dependencies the spec declares (when it is valid), for services whose
   *     Deployment is already gone while their Pods still terminate: the annotation went with it
   */
  static Result stop(Set<String> toStop, Mode mode, Map<String, Workload> deployments, Map<String, List<Pod>> pods,
      Map<String, ServiceStatus> previous, Map<String, List<String>> declared) {
    return stop(toStop, mode, deployments, pods, previous, declared, Set.of());
  }

  /**
   * @param jobs the services of the spec that are Jobs: a suspend leaves a Completed one Completed
   */
  static Result stop(Set<String> toStop, Mode mode, Map<String, Workload> deployments, Map<String, List<Pod>> pods,
      Map<String, ServiceStatus> previous, Map<String, List<String>> declared, Set<String> jobs) {
    Set<String> known = new TreeSet<>(toStop);
    known.addAll(deployments.keySet());
    pods.forEach((service, list) -> {
      if (!list.isEmpty()) {
        known.add(service);
      }
    });
    Map<String, Set<String>> dependents = new TreeMap<>();
    deployments.forEach((service, deployment) -> dependencies(deployment)
        .forEach(dep -> dependents.computeIfAbsent(dep, k -> new TreeSet<>()).add(service)));
    // And those of the current spec: a dependency added by an edit whose rollout has not been
    // written yet (its Deployment still records the old ones) is waited for too.
    declared.forEach((service, deps) -> deps.forEach(dep -> dependents.computeIfAbsent(dep, k -> new TreeSet<>()).add(service)));
    // A service whose Deployment is deleted but whose Pods still terminate: its dependencies are
    // the spec's if it declares them; if not (a removed service, an invalid spec), it may depend on
    // anything, so everything else waits for its Pods.
    for (String service : known) {
      if (deployments.containsKey(service) || pods.getOrDefault(service, List.of()).isEmpty()) {
        continue;
      }
      List<String> deps = declared.get(service);
      (deps != null ? deps : known).stream()
          .filter(dep -> !dep.equals(service))
          .forEach(dep -> dependents.computeIfAbsent(dep, k -> new TreeSet<>()).add(service));
    }

    Map<String, ServiceStatus> statuses = new TreeMap<>();
    List<Action> actions = new ArrayList<>();
    Set<String> remaining = new TreeSet<>();
    Map<String, List<String>> blocked = new TreeMap<>();
    boolean inProgress = false;
    for (String service : toStop) {
      Workload deployment = deployments.get(service);
      List<Pod> servicePods = pods.getOrDefault(service, List.of());
      ServiceStatus status = ServiceStatuses.copy(previous.get(service));
      statuses.put(service, status);
      status.setWaitingFor(List.of());
      status.setRunning(DeploymentHealth.running(servicePods));
      status.setReadyReplicas(deployment == null ? null : deployment.readyReplicas());
      if (done(deployment, servicePods, mode)) {
        ServiceStatus was = previous.get(service);
        if (mode == Mode.SCALE_TO_ZERO && jobs.contains(service) && was != null && was.getPhase() == ServicePhase.Completed) {
          // A suspend leaves a finished Job as it is, and its service Completed: un-suspended, it
          // is not run again, also when someone deleted the Job meanwhile (seed 211964).
          continue;
        }
        stoppedStatus(status, "");
        continue;
      }
      remaining.add(service);
      Set<String> dependentsOf = dependents.getOrDefault(service, Set.of());
      if (!scaledDown(deployment)) {
        // Its workload stops once every dependent's workload has stopped.
        List<String> waitingFor = waiting(service, dependentsOf, known, d -> !workloadStopped(d, deployments, pods));
        if (waitingFor.isEmpty()) {
          inProgress = true;
          actions.add(Action.stop(service, deployment.kind()));
          stoppedStatus(status, "stopping");
        } else {
          blocked.put(service, waitingFor);
          status.setWaitingFor(waitingFor);
          status.setReason(ServiceReason.StoppingAfterDependents);
          status.setError("stopping after its dependents: " + String.join(", ", waitingFor));
        }
      } else if (!servicePods.isEmpty()) {
        inProgress = true;
        stoppedStatus(status, "stopping: waiting for " + servicePods.size() + " pod(s) to terminate");
      } else {
        // DELETE mode, scaled down, no Pods left: the Deployment goes once its dependents' have gone.
        // A dependent that is not being stopped (a service removed from the spec, its dependent
        // kept) is never gone: once stopped it no longer uses this one (its Deployment may still
        // record the old dependency while it waits or backs off at 0 replicas).
        List<String> waitingFor = waiting(service, dependentsOf, known,
            d -> toStop.contains(d) ? !gone(d, deployments, pods) : !workloadStopped(d, deployments, pods));
        stoppedStatus(status, waitingFor.isEmpty() ? "stopping" : "stopping: its " + deployment.kind() + " is deleted after those of "
            + String.join(", ", waitingFor));
        if (waitingFor.isEmpty()) {
          inProgress = true;
          if (!deployment.deleting()) {
            actions.add(new Action.Delete(service));
          }
        } else {
          blocked.put(service, waitingFor);
        }
      }
    }
    // Blocked services that wait only on each other (not on a service that is not being stopped,
    // such as a running dependent still recorded as depending on a removed service).
    Set<String> stuck = new TreeSet<>(blocked.keySet());
    boolean shrunk = true;
    while (shrunk) {
      shrunk = stuck.removeIf(service -> !stuck.containsAll(blocked.get(service)));
    }
    if (!inProgress && !stuck.isEmpty()) {
      // Nothing can move: the recorded dependencies form a cycle. Stop what is left at once.
      stuck.forEach(service -> {
        Workload deployment = deployments.get(service);
        actions.add(mode == Mode.DELETE && scaledDown(deployment) && pods.getOrDefault(service, List.of()).isEmpty()
            ? new Action.Delete(service) : Action.stop(service, deployment == null ? dev.runner.api.WorkloadKind.Deployment : deployment.kind()));
        stoppedStatus(statuses.get(service), "stopping");
        statuses.get(service).setWaitingFor(List.of());
      });
    }
    return new Result(statuses, actions, remaining);
  }

  private static void stoppedStatus(ServiceStatus status, String error) {
    status.setPhase(ServicePhase.Stopped);
    status.setHealthy(false);
    status.setHealthySince(null);
    status.setNextRestartAt(null);
    status.setDependenciesMetAt(null);
    status.setStartedAt(null);
    status.setError(error);
    status.setReason(error.isEmpty() ? ServiceReason.Stopped : ServiceReason.Stopping);
  }

  private static List<String> waiting(String service, Set<String> dependents, Set<String> known,
      java.util.function.Predicate<String> notYet) {
    return dependents.stream().filter(d -> !d.equals(service)).filter(known::contains).filter(notYet).toList();
  }

  private static boolean workloadStopped(String service, Map<String, Workload> deployments, Map<String, List<Pod>> pods) {
    return scaledDown(deployments.get(service)) && pods.getOrDefault(service, List.of()).isEmpty();
  }

  private static boolean gone(String service, Map<String, Workload> deployments, Map<String, List<Pod>> pods) {
    return deployments.get(service) == null && pods.getOrDefault(service, List.of()).isEmpty();
  }

  private static boolean scaledDown(Workload workload) {
    return workload == null || workload.scaledDown();
  }

  /**
   * Stopped: no Pods left, and the Deployment deleted (DELETE) or scaled to zero (SCALE_TO_ZERO).
   * A Deployment is deleted only after its Pods are gone, so the dependencies it records stay
   * readable for as long as they matter.
   */
  private static boolean done(Workload deployment, List<Pod> pods, Mode mode) {
    return pods.isEmpty() && (deployment == null || (mode == Mode.SCALE_TO_ZERO && scaledDown(deployment)));
  }

  static List<String> dependencies(Workload workload) {
    String value = workload.annotation(Names.DEPENDS_ON);
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
