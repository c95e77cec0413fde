package dev.runner.sim;

import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.core.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The cluster as it is (what etcd holds), played as Kubernetes plays it: the API server (a
 * spec change bumps the generation, status writes do not; the group's finalizer; garbage
 * collection of what the group owns once it is gone), the Deployment and ReplicaSet controllers
 * ({@link #controllers}: observedGeneration, pods created and deleted to the replica count, old
 * pods replaced after a template change, replicas/updated/available counted) and kubelet (pods
 * start, init containers complete, native sidecars run, a terminated container is restarted in
 * place, a deleted pod goes unless its node is lost). The disturbances (crashes, evictions, other
 * hands) are methods the events call.
 */
final class SimCluster {
  static final String NAMESPACE = "sim";
  static final String GROUP = "g";
  static final String UID = "uid-g";
  static final String GRACE = "PT30S";
  static final KubernetesSerialization JSON = new KubernetesSerialization();
  static final String DEPLOYMENT_LABEL = "sim/deployment-uid";
  static final String TEMPLATE_LABEL = "sim/template";

  /** What a termination the world made is, judged independently of the operator. */
  enum Ending {
    /** A regular container or an init container exited non-zero, or a rollout missed its deadline. */
    FAILURE,
    /** The pod's one regular container exited 0: the service completed (a restart only under Always). */
    EXIT_ZERO,
    /** A sidecar's exit, an init container's exit 0, an eviction: not the application ending. */
    NOT_APPLICATION
  }

  RunnerGroupSpec spec;
  long generation = 1;
  boolean deleting;
  /** The group exists (its finalizer is on it); false once the operator removed the finalizer of a deleted group. */
  boolean exists = true;
  final Map<String, String> annotations = new TreeMap<>();
  RunnerGroupStatus status;
  final Map<String, Deployment> deployments = new TreeMap<>();
  final Map<String, Pod> pods = new TreeMap<>();
  /** Services whose pods sit on a lost node: deleted, they never go away. */
  final Set<String> lostNodes = new TreeSet<>();
  /** Every termination the world made, by the key the operator identifies it with, and what it is. */
  final Map<String, Ending> endings = new TreeMap<>();
  /** Names of every Deployment the group ever owned. */
  final Set<String> everOwned = new TreeSet<>();
  Instant now;
  private int counter;

  SimCluster(RunnerGroupSpec spec, Instant now) {
    this.spec = spec;
    this.now = now;
  }

  String next(String prefix) {
    return prefix + (++counter);
  }

  static String deploymentName(String service) {
    return Names.deploymentName(GROUP, service);
  }

  static String service(Deployment deployment) {
    Map<String, String> labels = deployment.getMetadata().getLabels();
    return labels == null ? null : labels.get(Names.SERVICE_LABEL);
  }

  static boolean owned(Deployment deployment) {
    return deployment.getMetadata().getOwnerReferences() != null && deployment.getMetadata().getOwnerReferences().stream()
        .anyMatch(ref -> Boolean.TRUE.equals(ref.getController()) && UID.equals(ref.getUid()));
  }

  static String service(Pod pod) {
    return pod.getMetadata().getLabels().get(Names.SERVICE_LABEL);
  }

  RunnerGroupStatus statusCopy() {
    return status == null ? null : JSON.unmarshal(JSON.asJson(status), RunnerGroupStatus.class);
  }

  Deployment owned(String service) {
    Deployment d = deployments.get(deploymentName(service));
    return d != null && owned(d) ? d : null;
  }

  List<Pod> podsOf(String service) {
    return pods.values().stream().filter(p -> service.equals(service(p))).toList();
  }

  static boolean terminating(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  static boolean history(Pod pod) {
    String phase = pod.getStatus().getPhase();
    return "Failed".equals(phase) || "Succeeded".equals(phase);
  }

  static boolean live(Pod pod) {
    return !terminating(pod) && !history(pod);
  }

  // ---- the API server's writes -----------------------------------------------------------------

  /** A spec change of the group: the generation goes up, as the API server does. */
  void specChanged() {
    generation++;
  }

  /** Writes a Deployment; its generation goes up when its spec changed. */
  void write(Deployment wanted) {
    String name = wanted.getMetadata().getName();
    Deployment before = deployments.get(name);
    Deployment written = new DeploymentBuilder(wanted).build();
    if (before == null) {
      written.getMetadata().setUid(next("uid-d"));
      written.getMetadata().setGeneration(1L);
      written.setStatus(null);
    } else {
      written.getMetadata().setUid(before.getMetadata().getUid());
      long generation = before.getMetadata().getGeneration();
      written.getMetadata().setGeneration(Objects.equals(before.getSpec(), written.getSpec()) ? generation : generation + 1);
      written.setStatus(before.getStatus());
    }
    written.getMetadata().setResourceVersion(next(""));
    if (owned(written)) {
      everOwned.add(name);
    }
    deployments.put(name, written);
  }

  void deleteDeployment(String name) {
    deployments.remove(name);
  }

  /** The finalizer removed from a deleted group: it is gone, and the garbage collector takes what it owned. */
  void groupGone() {
    exists = false;
    deployments.values().removeIf(SimCluster::owned);
  }

  // ---- the Deployment and ReplicaSet controllers, and kubelet -----------------------------------

  /** One round of the controllers and kubelet. */
  void controllers() {
    kubelet();
    for (Deployment deployment : List.copyOf(deployments.values())) {
      replicaSet(deployment);
    }
    // The garbage collector: pods whose Deployment is gone.
    for (Pod pod : List.copyOf(pods.values())) {
      String owner = pod.getMetadata().getLabels().get(DEPLOYMENT_LABEL);
      boolean ownerThere = deployments.values().stream().anyMatch(d -> d.getMetadata().getUid().equals(owner));
      if (!ownerThere) {
        if (history(pod)) {
          pods.remove(pod.getMetadata().getName());
        } else if (!terminating(pod)) {
          delete(pod);
        }
      }
    }
  }

  private void kubelet() {
    for (Pod pod : List.copyOf(pods.values())) {
      String name = pod.getMetadata().getName();
      if (terminating(pod)) {
        if (!lostNodes.contains(service(pod))) {
          pods.remove(name);
        }
        continue;
      }
      if (history(pod)) {
        continue;
      }
      Pod next = new PodBuilder(pod).build();
      if ("Pending".equals(next.getStatus().getPhase())) {
        start(next);
      } else {
        next.getStatus().setInitContainerStatuses(restarted(next.getStatus().getInitContainerStatuses(), true));
        next.getStatus().setContainerStatuses(restarted(next.getStatus().getContainerStatuses(), false));
        if (next.equals(pod)) {
          continue;
        }
      }
      pods.put(name, next);
    }
  }

  /** Init containers run to completion (sidecars keep running), then the regular containers run. */
  private void start(Pod pod) {
    List<ContainerStatus> init = new ArrayList<>();
    for (Container c : list(pod.getSpec().getInitContainers())) {
      ContainerStatus before = find(pod.getStatus().getInitContainerStatuses(), c.getName());
      int restarts = before == null ? 0 : before.getRestartCount() + (terminated(before) ? 1 : 0);
      String id = containerId(pod, c.getName(), restarts);
      if ("Always".equals(c.getRestartPolicy())) {
        init.add(running(c.getName(), restarts, id));
      } else {
        init.add(terminated(c.getName(), 0, "Completed", restarts, id));
        endings.put(key(pod, c.getName(), id), Ending.NOT_APPLICATION);
      }
    }
    pod.getStatus().setInitContainerStatuses(init);
    List<ContainerStatus> regular = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      ContainerStatus before = find(pod.getStatus().getContainerStatuses(), c.getName());
      int restarts = before == null ? 0 : before.getRestartCount() + 1;
      regular.add(running(c.getName(), restarts, containerId(pod, c.getName(), restarts)));
    }
    pod.getStatus().setContainerStatuses(regular);
    pod.getStatus().setPhase("Running");
  }

  /** A container that terminated is restarted in place (restartPolicy Always): its last state says how it ended. */
  private List<ContainerStatus> restarted(List<ContainerStatus> statuses, boolean init) {
    List<ContainerStatus> result = new ArrayList<>();
    for (ContainerStatus status : list(statuses)) {
      if (terminated(status) && !(init && "Completed".equals(status.getState().getTerminated().getReason())
          && status.getState().getTerminated().getExitCode() == 0)) {
        int restarts = status.getRestartCount() + 1;
        result.add(new ContainerStatusBuilder(status)
            .withReady(true).withRestartCount(restarts)
            .withNewLastState().withTerminated(status.getState().getTerminated()).endLastState()
            .withNewState().withNewRunning().withStartedAt(now.toString()).endRunning().endState()
            .build());
      } else {
        result.add(status);
      }
    }
    return result;
  }

  private void replicaSet(Deployment deployment) {
    int replicas = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
    String uid = deployment.getMetadata().getUid();
    String template = Integer.toHexString(Objects.hashCode(deployment.getSpec().getTemplate()));
    List<Pod> live = pods.values().stream().filter(p -> uid.equals(p.getMetadata().getLabels().get(DEPLOYMENT_LABEL)))
        .filter(SimCluster::live).toList();
    List<Pod> current = new ArrayList<>();
    for (Pod pod : live) {
      if (template.equals(pod.getMetadata().getLabels().get(TEMPLATE_LABEL))) {
        current.add(pod);
      } else {
        delete(pod); // a rollout replaces the old pods (as the Recreate strategy does)
      }
    }
    while (current.size() > replicas) {
      delete(current.remove(current.size() - 1));
    }
    while (current.size() < replicas) {
      current.add(create(deployment, template));
    }
    int ready = (int) current.stream().filter(SimCluster::ready).count();
    List<DeploymentCondition> conditions = deployment.getStatus() == null || deployment.getStatus().getConditions() == null
        ? List.of() : deployment.getStatus().getConditions();
    if (ready >= replicas) {
      conditions = List.of(); // progressing again: the deadline condition is replaced
    }
    io.fabric8.kubernetes.api.model.apps.DeploymentStatus status = new DeploymentStatusBuilder()
        .withObservedGeneration(deployment.getMetadata().getGeneration())
        .withReplicas(current.size())
        .withUpdatedReplicas(current.size())
        .withReadyReplicas(ready)
        .withAvailableReplicas(ready)
        .withConditions(conditions)
        .build();
    if (!status.equals(deployment.getStatus())) {
      Deployment next = new DeploymentBuilder(deployment).build();
      next.setStatus(status);
      next.getMetadata().setResourceVersion(next(""));
      deployments.put(deployment.getMetadata().getName(), next);
    }
  }

  private Pod create(Deployment deployment, String template) {
    String name = deployment.getMetadata().getName() + "-" + next("p");
    Map<String, String> labels = new TreeMap<>();
    if (deployment.getSpec().getTemplate().getMetadata() != null && deployment.getSpec().getTemplate().getMetadata().getLabels() != null) {
      labels.putAll(deployment.getSpec().getTemplate().getMetadata().getLabels());
    }
    labels.put(DEPLOYMENT_LABEL, deployment.getMetadata().getUid());
    labels.put(TEMPLATE_LABEL, template);
    Pod pod = new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(NAMESPACE).withUid(next("uid-p")).withLabels(labels).endMetadata()
        .withSpec(new io.fabric8.kubernetes.api.model.PodSpecBuilder(deployment.getSpec().getTemplate().getSpec()).build())
        .withNewStatus().withPhase("Pending").endStatus()
        .build();
    pods.put(name, pod);
    return pod;
  }

  void delete(Pod pod) {
    Pod next = new PodBuilder(pod).build();
    next.getMetadata().setDeletionTimestamp(now.plus(java.time.Duration.parse(GRACE)).toString());
    pods.put(pod.getMetadata().getName(), next);
  }

  static boolean ready(Pod pod) {
    return live(pod) && "Running".equals(pod.getStatus().getPhase())
        && pod.getStatus().getContainerStatuses().stream().allMatch(c -> Boolean.TRUE.equals(c.getReady()));
  }

  // ---- disturbances ---------------------------------------------------------------------------

  /** The live, running pods of a service, by name. */
  List<Pod> runningPods(String service) {
    return podsOf(service).stream().filter(SimCluster::live).filter(p -> "Running".equals(p.getStatus().getPhase())).toList();
  }

  /** The pod's main container exits with {@code code} (kubelet restarts it at its next round). */
  void exit(Pod pod, int code) {
    Pod next = new PodBuilder(pod).build();
    ContainerStatus main = next.getStatus().getContainerStatuses().get(0);
    if (terminated(main)) {
      return;
    }
    String id = containerId(next, main.getName(), main.getRestartCount());
    String reason = code == 0 ? "Completed" : code == 137 ? "OOMKilled" : "Error";
    next.getStatus().setContainerStatuses(List.of(terminated(main.getName(), code, reason, main.getRestartCount(), id)));
    endings.put(key(next, main.getName(), id), code == 0 ? Ending.EXIT_ZERO : Ending.FAILURE);
    pods.put(pod.getMetadata().getName(), next);
  }

  /** The pod's sidecar exits: kubelet restarts it; not the service ending. */
  void sidecarExit(Pod pod, int code) {
    Pod next = new PodBuilder(pod).build();
    List<ContainerStatus> init = new ArrayList<>();
    for (ContainerStatus status : list(next.getStatus().getInitContainerStatuses())) {
      if ("proxy".equals(status.getName()) && !terminated(status)) {
        String id = containerId(next, status.getName(), status.getRestartCount());
        init.add(terminated(status.getName(), code, "Error", status.getRestartCount(), id));
        endings.put(key(next, status.getName(), id), Ending.NOT_APPLICATION);
      } else {
        init.add(status);
      }
    }
    next.getStatus().setInitContainerStatuses(init);
    pods.put(pod.getMetadata().getName(), next);
  }

  /** The pod's init container fails: the pod goes back to initializing (kubelet retries it). */
  void initFails(Pod pod) {
    ContainerStatus init = find(pod.getStatus().getInitContainerStatuses(), "init");
    if (init == null) {
      return;
    }
    Pod next = new PodBuilder(pod).build();
    String id = containerId(next, "init", init.getRestartCount() + 1);
    List<ContainerStatus> statuses = new ArrayList<>();
    for (ContainerStatus status : next.getStatus().getInitContainerStatuses()) {
      statuses.add("init".equals(status.getName()) ? terminated("init", 1, "Error", status.getRestartCount() + 1, id) : status);
    }
    next.getStatus().setInitContainerStatuses(statuses);
    next.getStatus().setContainerStatuses(next.getStatus().getContainerStatuses().stream()
        .map(c -> new ContainerStatusBuilder().withName(c.getName()).withReady(false).withRestartCount(c.getRestartCount())
            .withNewState().withNewWaiting().withReason("PodInitializing").endWaiting().endState().build())
        .toList());
    next.getStatus().setPhase("Pending");
    endings.put(key(next, "init", id), Ending.FAILURE);
    pods.put(pod.getMetadata().getName(), next);
  }

  /** The kubelet evicts the pod (node pressure): phase Failed, reason Evicted; the ReplicaSet replaces it. */
  void evict(Pod pod) {
    Pod next = new PodBuilder(pod).build();
    next.getStatus().setPhase("Failed");
    next.getStatus().setReason("Evicted");
    next.getStatus().setMessage("The node was low on resource: memory.");
    next.getStatus().setContainerStatuses(next.getStatus().getContainerStatuses().stream()
        .map(c -> terminated(c.getName(), 137, "Error", c.getRestartCount(), containerId(next, c.getName(), c.getRestartCount())))
        .toList());
    endings.put(next.getMetadata().getUid() + "/disrupted", Ending.NOT_APPLICATION);
    pods.put(pod.getMetadata().getName(), next);
  }

  /** The Deployment controller reports ProgressDeadlineExceeded (only on a rollout that is not complete). */
  void progressDeadline(String name) {
    Deployment d = deployments.get(name);
    if (d == null || d.getStatus() == null || d.getSpec().getReplicas() == 0
        || d.getStatus().getAvailableReplicas() >= d.getSpec().getReplicas()) {
      return;
    }
    String at = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    Deployment next = new DeploymentBuilder(d).build();
    next.getMetadata().setResourceVersion(next(""));
    next.getStatus().setConditions(List.of(new DeploymentConditionBuilder()
        .withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
        .withMessage("ReplicaSet has timed out progressing.").withLastUpdateTime(at).withLastTransitionTime(at).build()));
    endings.put("deployment/ProgressDeadlineExceeded/" + at, Ending.FAILURE);
    deployments.put(name, next);
  }

  // ---- container statuses ---------------------------------------------------------------------

  static String key(Pod pod, String container, String containerId) {
    return pod.getMetadata().getUid() + "/" + container + "/" + containerId;
  }

  private static String containerId(Pod pod, String container, int restarts) {
    return "sim://" + pod.getMetadata().getUid() + "/" + container + "/" + restarts;
  }

  private static ContainerStatus running(String name, int restarts, String id) {
    return new ContainerStatusBuilder().withName(name).withReady(true).withRestartCount(restarts).withContainerID(id)
        .withNewState().withNewRunning().withStartedAt("2025-01-01T00:00:00Z").endRunning().endState().build();
  }

  private ContainerStatus terminated(String name, int code, String reason, int restarts, String id) {
    String at = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    return new ContainerStatusBuilder().withName(name).withReady(false).withRestartCount(restarts).withContainerID(id)
        .withNewState().withNewTerminated().withExitCode(code).withReason(reason).withContainerID(id)
          .withStartedAt(at).withFinishedAt(at).endTerminated().endState().build();
  }

  private static boolean terminated(ContainerStatus status) {
    return status.getState() != null && status.getState().getTerminated() != null;
  }

  private static ContainerStatus find(List<ContainerStatus> statuses, String name) {
    return list(statuses).stream().filter(s -> name.equals(s.getName())).findFirst().orElse(null);
  }

  private static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : list;
  }
}
