package dev.runner.sim;

import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.core.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
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
 * collection of what the group owns once it is gone, and of what a deleted workload owned), the
 * controllers ({@link #controllers}): the Deployment and ReplicaSet controllers (observedGeneration,
 * pods created and deleted to the replica count, old pods replaced after a template change,
 * replicas/updated/available counted), the StatefulSet controller (pods {@code <name>-0..n-1},
 * OrderedReady: one at a time, each after the ones before it are ready, removed from the highest
 * ordinal down, a pod replaced by one of the same name, a rollout from the highest ordinal down,
 * the claims {@code <template>-<name>-<i>} created with the pods and deleted only as the
 * StatefulSet's retention policy says) and the Job controller (backoffLimit 0: one pod, the
 * {@code Complete} or {@code Failed} condition, {@code DeadlineExceeded} after
 * activeDeadlineSeconds, the finished pod left as history); and kubelet (pods start, init
 * containers complete, native sidecars run, a terminated container is restarted in place unless
 * the pod's restartPolicy is Never, a deleted pod goes unless its node is lost). The disturbances
 * (crashes, evictions, other hands) are methods the events call.
 */
final class SimCluster {
  static final String NAMESPACE = "sim";
  static final String GROUP = "g";
  static final String UID = "uid-g";
  static final String GRACE = "PT30S";
  static final KubernetesSerialization JSON = new KubernetesSerialization();
  /** The uid of the workload that made a pod (its controller owner reference, in short). */
  static final String OWNER_LABEL = "sim/owner-uid";
  static final String TEMPLATE_LABEL = "sim/template";
  /** When kubelet started the pod's containers. */
  static final String STARTED = "sim/started-at";
  /**
   * How long after its deletion deadline a pod on a lost node is force-deleted (the node's object
   * removed, the pod garbage collector taking its pods). Until then a StatefulSet cannot replace it:
   * the new pod has the same name.
   */
  static final Duration LOST_NODE_GONE = Duration.ofMinutes(5);

  /** The group as the operator's writes name it (its owner references, its namespace). */
  static final RunnerGroup GROUP_OBJECT = group();

  /** What a termination the world made is, judged independently of the operator. */
  enum Ending {
    /** A regular container or an init container exited non-zero, a rollout missed its deadline, a Job failed. */
    FAILURE,
    /** The pod's one regular container exited 0: the service completed (a restart only under Always). */
    EXIT_ZERO,
    /** A sidecar's exit, an init container's exit 0, an eviction: not the application ending. */
    NOT_APPLICATION
  }

  /** A PersistentVolumeClaim a StatefulSet's template made: whose it is, and the uid that owns it (null: none, kept). */
  record Claim(String service, String statefulSet, int ordinal, String ownerUid) {}

  /** Why the StatefulSet controller (or the garbage collector for it) deleted a claim. */
  enum ClaimDeletion { STATEFULSET_DELETED, SCALED_DOWN }

  /** One claim deletion the controllers made, and why. */
  record ClaimDeleted(String claim, String service, ClaimDeletion why) {}

  RunnerGroupSpec spec;
  long generation = 1;
  boolean deleting;
  /** The group exists (its finalizer is on it); false once the operator removed the finalizer of a deleted group. */
  boolean exists = true;
  final Map<String, String> annotations = new TreeMap<>();
  RunnerGroupStatus status;
  /** The workloads (Deployments, StatefulSets, Jobs) by name; a name holds one object of one kind. */
  final Map<String, HasMetadata> workloads = new TreeMap<>();
  /** The Services (a StatefulSet's headless Service) by name. */
  final Map<String, Service> services = new TreeMap<>();
  final Map<String, Pod> pods = new TreeMap<>();
  final Map<String, Claim> claims = new TreeMap<>();
  /** Every claim ever created; those no longer in {@link #claims} were deleted by someone. */
  final Set<String> claimsEver = new TreeSet<>();
  /** The claim deletions the StatefulSet controller and the garbage collector made. */
  final List<ClaimDeleted> claimDeletions = new ArrayList<>();
  /** Services whose pods sit on a lost node: deleted, they never go away. */
  final Set<String> lostNodes = new TreeSet<>();
  /** Every termination the world made, by the key the operator identifies it with, and what it is. */
  final Map<String, Ending> endings = new TreeMap<>();
  /** The terminations that end a Job (its pod's exit, its Failed condition), by key: the Job's uid. */
  final Map<String, String> jobOf = new TreeMap<>();
  Instant now;
  /** When each Deployment (by uid) last reported ProgressDeadlineExceeded. */
  private final Map<String, Instant> deadlines = new TreeMap<>();
  /** How far the operator's machine clock is from the cluster's: steps (NTP, a VM resumed) move it either way. */
  java.time.Duration operatorClock = java.time.Duration.ZERO;
  private int counter;

  SimCluster(RunnerGroupSpec spec, Instant now) {
    this.spec = spec;
    this.now = now;
  }

  private static RunnerGroup group() {
    RunnerGroup group = new RunnerGroup();
    group.setMetadata(new ObjectMetaBuilder().withName(GROUP).withNamespace(NAMESPACE).withUid(UID).build());
    return group;
  }

  String next(String prefix) {
    return prefix + (++counter);
  }

  static String deploymentName(String service) {
    return Names.deploymentName(GROUP, service);
  }

  static String service(HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    return labels == null ? null : labels.get(Names.SERVICE_LABEL);
  }

  static boolean owned(HasMetadata object) {
    return object.getMetadata().getOwnerReferences() != null && object.getMetadata().getOwnerReferences().stream()
        .anyMatch(ref -> Boolean.TRUE.equals(ref.getController()) && UID.equals(ref.getUid()));
  }

  RunnerGroupStatus statusCopy() {
    return status == null ? null : JSON.unmarshal(JSON.asJson(status), RunnerGroupStatus.class);
  }

  /** The workload of the service that the group owns, or null. */
  HasMetadata owned(String service) {
    HasMetadata w = workloads.get(deploymentName(service));
    return w != null && owned(w) ? w : null;
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

  // ---- the objects, whatever their kind ----------------------------------------------------------

  static HasMetadata copy(HasMetadata object) {
    if (object instanceof Deployment d) {
      return new DeploymentBuilder(d).build();
    }
    if (object instanceof StatefulSet s) {
      return new StatefulSetBuilder(s).build();
    }
    if (object instanceof Job j) {
      return new JobBuilder(j).build();
    }
    throw new IllegalArgumentException("not a workload: " + object.getKind());
  }

  static Object specOf(HasMetadata object) {
    return object instanceof Deployment d ? d.getSpec() : object instanceof StatefulSet s ? s.getSpec() : ((Job) object).getSpec();
  }

  static PodTemplateSpec templateOf(HasMetadata object) {
    return object instanceof Deployment d ? d.getSpec().getTemplate()
        : object instanceof StatefulSet s ? s.getSpec().getTemplate() : ((Job) object).getSpec().getTemplate();
  }

  private static void statusFrom(HasMetadata target, HasMetadata source) {
    if (target instanceof Deployment d) {
      d.setStatus(source == null ? null : ((Deployment) source).getStatus());
    } else if (target instanceof StatefulSet s) {
      s.setStatus(source == null ? null : ((StatefulSet) source).getStatus());
    } else {
      ((Job) target).setStatus(source == null ? null : ((Job) source).getStatus());
    }
  }

  // ---- the API server's writes -----------------------------------------------------------------

  /** A spec change of the group: the generation goes up, as the API server does. */
  void specChanged() {
    generation++;
  }

  /** Writes a workload; its generation goes up when its spec changed. */
  void write(HasMetadata wanted) {
    String name = wanted.getMetadata().getName();
    HasMetadata before = workloads.get(name);
    HasMetadata written = copy(wanted);
    if (before == null) {
      written.getMetadata().setUid(next("uid-w"));
      written.getMetadata().setGeneration(1L);
      statusFrom(written, null);
    } else {
      written.getMetadata().setUid(before.getMetadata().getUid());
      long generation = before.getMetadata().getGeneration();
      written.getMetadata().setGeneration(Objects.equals(specOf(before), specOf(written)) ? generation : generation + 1);
      statusFrom(written, before);
    }
    written.getMetadata().setResourceVersion(next(""));
    workloads.put(name, written);
  }

  /** Deletes a workload (propagation Background: what it owns goes at the controllers' next round). */
  void deleteWorkload(String name) {
    workloads.remove(name);
  }

  /** Creates a Service; false when the name is taken (409). */
  boolean createService(Service service) {
    String name = service.getMetadata().getName();
    if (services.containsKey(name)) {
      return false;
    }
    Service created = JSON.clone(service);
    created.getMetadata().setUid(next("uid-s"));
    created.getMetadata().setResourceVersion(next(""));
    services.put(name, created);
    return true;
  }

  /** The finalizer removed from a deleted group: it is gone, and the garbage collector takes what it owned. */
  void groupGone() {
    exists = false;
    workloads.values().removeIf(SimCluster::owned);
    services.values().removeIf(SimCluster::owned);
    collectClaims();
  }

  // ---- the controllers and kubelet ---------------------------------------------------------------

  /** One round of the controllers and kubelet. */
  void controllers() {
    kubelet();
    for (HasMetadata workload : List.copyOf(workloads.values())) {
      if (workload instanceof Deployment d) {
        replicaSet(d);
      } else if (workload instanceof StatefulSet s) {
        statefulSet(s);
      } else {
        job((Job) workload);
      }
    }
    // The garbage collector: pods whose workload is gone, claims whose owner is gone.
    Set<String> uids = new TreeSet<>();
    workloads.values().forEach(w -> uids.add(w.getMetadata().getUid()));
    for (Pod pod : List.copyOf(pods.values())) {
      if (!uids.contains(pod.getMetadata().getLabels().get(OWNER_LABEL))) {
        if (history(pod)) {
          pods.remove(pod.getMetadata().getName());
        } else if (!terminating(pod)) {
          delete(pod);
        }
      }
    }
    collectClaims();
  }

  /** The garbage collector deletes a claim whose owner (a StatefulSet with whenDeleted: Delete) is gone. */
  private void collectClaims() {
    Set<String> uids = new TreeSet<>();
    workloads.values().forEach(w -> uids.add(w.getMetadata().getUid()));
    // (the names copied first: a TreeMap's entries change under a removal)
    for (String name : List.copyOf(claims.keySet())) {
      Claim claim = claims.get(name);
      if (claim.ownerUid() != null && !uids.contains(claim.ownerUid())) {
        claims.remove(name);
        claimDeletions.add(new ClaimDeleted(name, claim.service(), ClaimDeletion.STATEFULSET_DELETED));
      }
    }
  }

  private void kubelet() {
    for (Pod pod : List.copyOf(pods.values())) {
      String name = pod.getMetadata().getName();
      if (terminating(pod)) {
        Instant deadline = Instant.parse(pod.getMetadata().getDeletionTimestamp());
        if (!lostNodes.contains(service(pod)) || now.isAfter(deadline.plus(LOST_NODE_GONE))) {
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
        if (never(next) && ranItsTime(next)) {
          next = exited(next, 0); // a Job's work is done: its container exits 0 by itself
        }
        if (never(next)) {
          List<ContainerStatus> regular = next.getStatus().getContainerStatuses();
          if (regular.stream().allMatch(SimCluster::terminated)) {
            boolean zero = regular.stream().allMatch(c -> c.getState().getTerminated().getExitCode() == 0);
            next.getStatus().setPhase(zero ? "Succeeded" : "Failed");
          }
        } else {
          next.getStatus().setContainerStatuses(restarted(next.getStatus().getContainerStatuses(), false));
        }
        if (next.equals(pod)) {
          continue;
        }
      }
      pods.put(name, next);
    }
  }

  /** A Job's pod that has run for its {@link RandomGroups#RUNS_FOR} since it started. */
  private boolean ranItsTime(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String runsFor = annotations == null ? null : annotations.get(RandomGroups.RUNS_FOR);
    String started = annotations == null ? null : annotations.get(STARTED);
    return runsFor != null && started != null && !now.isBefore(Instant.parse(started).plusMillis(Long.parseLong(runsFor)))
        && !terminated(pod.getStatus().getContainerStatuses().get(0));
  }

  /** The pod's restartPolicy is Never (a Job's): kubelet restarts no regular container of it. */
  static boolean never(Pod pod) {
    return "Never".equals(pod.getSpec().getRestartPolicy());
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
    pod.getMetadata().getAnnotations().put(STARTED, now.toString());
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

  /** The pods a workload made, by its uid. */
  private List<Pod> podsOwnedBy(String uid) {
    return pods.values().stream().filter(p -> uid.equals(p.getMetadata().getLabels().get(OWNER_LABEL))).toList();
  }

  private static String revision(PodTemplateSpec template) {
    return Integer.toHexString(Objects.hashCode(template));
  }

  private void replicaSet(Deployment deployment) {
    int replicas = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
    String template = revision(deployment.getSpec().getTemplate());
    List<Pod> live = podsOwnedBy(deployment.getMetadata().getUid()).stream().filter(SimCluster::live).toList();
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
      current.add(create(deployment, deployment.getMetadata().getName() + "-" + next("p"), template));
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
      workloads.put(deployment.getMetadata().getName(), next);
    }
  }

  /**
   * The StatefulSet controller, OrderedReady: at most one pod created or deleted a round, and only
   * while no pod of it is terminating. A missing ordinal below the replica count is created once
   * every ordinal before it is ready; then the highest ordinal at or above the count is deleted
   * (once those below it are ready); then, all ready, the highest pod of an old revision is deleted
   * (its replacement, of the same name, comes at the next round). A pod that failed (evicted) is
   * deleted and replaced. Its claims: created with each pod, owned by the StatefulSet when
   * whenDeleted is Delete (the garbage collector takes them with it), deleted once their pod is
   * gone after a scale-down when whenScaled is Delete; otherwise kept.
   */
  private void statefulSet(StatefulSet set) {
    String name = set.getMetadata().getName();
    String uid = set.getMetadata().getUid();
    int replicas = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
    String update = revision(set.getSpec().getTemplate());
    StatefulSetPersistentVolumeClaimRetentionPolicy policy = set.getSpec().getPersistentVolumeClaimRetentionPolicy();
    boolean deleteWithSet = policy != null && "Delete".equals(policy.getWhenDeleted());
    boolean deleteWhenScaled = policy != null && "Delete".equals(policy.getWhenScaled());
    List<Pod> owned = podsOwnedBy(uid);
    owned.stream().filter(SimCluster::history).filter(p -> !terminating(p)).forEach(this::delete);
    owned = podsOwnedBy(uid);
    boolean settling = owned.stream().anyMatch(SimCluster::terminating) || owned.stream().anyMatch(SimCluster::history);
    TreeMap<Integer, Pod> byOrdinal = new TreeMap<>();
    owned.stream().filter(SimCluster::live).forEach(p -> byOrdinal.put(ordinal(p), p));
    if (!settling) {
      Integer missing = null;
      for (int i = 0; i < replicas; i++) {
        if (!byOrdinal.containsKey(i)) {
          missing = i;
          break;
        }
      }
      int highest = byOrdinal.isEmpty() ? -1 : byOrdinal.lastKey();
      if (missing != null && readyBelow(byOrdinal, missing)) {
        String podName = name + "-" + missing;
        if (!pods.containsKey(podName)) { // a pod of that name (another StatefulSet's, stuck) holds it
          for (PersistentVolumeClaim template : list(set.getSpec().getVolumeClaimTemplates())) {
            String claim = template.getMetadata().getName() + "-" + name + "-" + missing;
            claims.putIfAbsent(claim, new Claim(service(set), name, missing, null));
            claimsEver.add(claim);
          }
          byOrdinal.put(missing, create(set, podName, update));
        }
      } else if (missing == null && highest >= replicas && byOrdinal.headMap(highest).values().stream().allMatch(SimCluster::ready)) {
        // Condemned, from the highest ordinal down, while every other pod there is is ready (a missing one does not hold it).
        delete(byOrdinal.remove(highest));
      } else if (missing == null && byOrdinal.values().stream().allMatch(SimCluster::ready)) {
        byOrdinal.values().stream().filter(p -> !update.equals(p.getMetadata().getLabels().get(TEMPLATE_LABEL)))
            .reduce((a, b) -> b).ifPresent(this::delete);
      }
    }
    // The claims' owners as the retention policy says; those of ordinals scaled away, once their pod is gone.
    for (String claimName : List.copyOf(claims.keySet())) {
      Claim claim = claims.get(claimName);
      if (!claim.statefulSet().equals(name)) {
        continue;
      }
      if (deleteWhenScaled && claim.ordinal() >= replicas && !pods.containsKey(name + "-" + claim.ordinal())) {
        claims.remove(claimName);
        claimDeletions.add(new ClaimDeleted(claimName, claim.service(), ClaimDeletion.SCALED_DOWN));
      } else if (!Objects.equals(claim.ownerUid(), deleteWithSet ? uid : null)) {
        claims.put(claimName, new Claim(claim.service(), name, claim.ordinal(), deleteWithSet ? uid : null));
      }
    }
    List<Pod> live = podsOwnedBy(uid).stream().filter(SimCluster::live).toList();
    int ready = (int) live.stream().filter(SimCluster::ready).count();
    int updated = (int) live.stream().filter(p -> update.equals(p.getMetadata().getLabels().get(TEMPLATE_LABEL))).count();
    String current = set.getStatus() == null || set.getStatus().getCurrentRevision() == null ? update
        : set.getStatus().getCurrentRevision();
    if (updated == live.size() && live.size() == replicas) {
      current = update; // the rollout is over
    }
    String currentRevision = current;
    int atCurrent = (int) live.stream().filter(p -> currentRevision.equals(p.getMetadata().getLabels().get(TEMPLATE_LABEL))).count();
    StatefulSetStatus status = new StatefulSetStatusBuilder()
        .withObservedGeneration(set.getMetadata().getGeneration())
        .withReplicas(live.size())
        .withReadyReplicas(ready)
        .withAvailableReplicas(ready)
        .withCurrentReplicas(atCurrent)
        .withUpdatedReplicas(updated)
        .withCurrentRevision(currentRevision)
        .withUpdateRevision(update)
        .build();
    if (!status.equals(set.getStatus())) {
      StatefulSet next = new StatefulSetBuilder(set).build();
      next.setStatus(status);
      next.getMetadata().setResourceVersion(next(""));
      workloads.put(name, next);
    }
  }

  /** Every ordinal below {@code ordinal} has a ready pod (OrderedReady's condition for the next one). */
  private static boolean readyBelow(Map<Integer, Pod> byOrdinal, int ordinal) {
    for (int i = 0; i < ordinal; i++) {
      Pod pod = byOrdinal.get(i);
      if (pod == null || !ready(pod)) {
        return false;
      }
    }
    return true;
  }

  private static int ordinal(Pod pod) {
    String name = pod.getMetadata().getName();
    return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
  }

  /**
   * The Job controller with backoffLimit 0: one pod; the Job {@code Complete} once it succeeded,
   * {@code Failed} once it failed (BackoffLimitExceeded) or its activeDeadlineSeconds passed
   * (DeadlineExceeded, its pod deleted); a finished Job's pod stays as history.
   */
  private void job(Job job) {
    String uid = job.getMetadata().getUid();
    JobStatus before = job.getStatus();
    if (finished(before)) {
      return;
    }
    JobStatus status = before == null ? new JobStatusBuilder().withStartTime(at()).build() : new JobStatusBuilder(before).build();
    List<Pod> owned = podsOwnedBy(uid);
    Long deadline = job.getSpec().getActiveDeadlineSeconds();
    Instant started = Instant.parse(status.getStartTime());
    if (deadline != null && !now.isBefore(started.plusSeconds(deadline))) {
      owned.stream().filter(SimCluster::live).forEach(this::delete);
      fail(job, status, "DeadlineExceeded", "Job was active longer than specified deadline");
    } else if (owned.stream().anyMatch(p -> "Succeeded".equals(p.getStatus().getPhase()))) {
      status.setConditions(List.of(new JobConditionBuilder().withType("Complete").withStatus("True")
          .withLastTransitionTime(at()).withLastProbeTime(at()).build()));
      status.setCompletionTime(at());
      status.setSucceeded(1);
      status.setActive(0);
      status.setReady(0);
    } else if (owned.stream().anyMatch(p -> "Failed".equals(p.getStatus().getPhase()))) {
      status.setFailed(1);
      fail(job, status, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    } else {
      if (owned.stream().noneMatch(SimCluster::live)) {
        String suffix = Integer.toString(++counter, 36);
        create(job, job.getMetadata().getName() + "-" + "aaaaa".substring(Math.min(5, suffix.length())) + suffix,
            revision(job.getSpec().getTemplate()));
      }
      List<Pod> live = podsOwnedBy(uid).stream().filter(SimCluster::live).toList();
      status.setActive(live.size());
      status.setReady((int) live.stream().filter(SimCluster::ready).count());
    }
    if (!status.equals(before)) {
      Job next = new JobBuilder(job).build();
      next.setStatus(status);
      next.getMetadata().setResourceVersion(next(""));
      workloads.put(job.getMetadata().getName(), next);
    }
  }

  private void fail(Job job, JobStatus status, String reason, String message) {
    status.setConditions(List.of(new JobConditionBuilder().withType("Failed").withStatus("True").withReason(reason)
        .withMessage(message).withLastTransitionTime(at()).withLastProbeTime(at()).build()));
    status.setActive(0);
    status.setReady(0);
    String key = "job/" + job.getMetadata().getUid() + "/Failed";
    endings.put(key, Ending.FAILURE);
    jobOf.put(key, job.getMetadata().getUid());
  }

  static boolean finished(JobStatus status) {
    return status != null && status.getConditions() != null && status.getConditions().stream()
        .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
  }

  static boolean complete(Job job) {
    return job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions().stream()
        .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private String at() {
    return now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  private Pod create(HasMetadata workload, String name, String template) {
    PodTemplateSpec spec = templateOf(workload);
    Map<String, String> labels = new TreeMap<>();
    if (spec.getMetadata() != null && spec.getMetadata().getLabels() != null) {
      labels.putAll(spec.getMetadata().getLabels());
    }
    labels.put(OWNER_LABEL, workload.getMetadata().getUid());
    labels.put(TEMPLATE_LABEL, template);
    Map<String, String> annotations = new TreeMap<>();
    if (spec.getMetadata() != null && spec.getMetadata().getAnnotations() != null) {
      annotations.putAll(spec.getMetadata().getAnnotations());
    }
    // The Job and StatefulSet controllers own their pods (a Deployment's are its ReplicaSets', not played).
    List<io.fabric8.kubernetes.api.model.OwnerReference> owners = workload instanceof Deployment ? List.of()
        : List.of(new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder().withApiVersion(workload.getApiVersion())
            .withKind(workload.getKind()).withName(workload.getMetadata().getName()).withUid(workload.getMetadata().getUid())
            .withController(true).withBlockOwnerDeletion(true).build());
    Pod pod = new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(NAMESPACE).withUid(next("uid-p")).withLabels(labels)
          .withAnnotations(annotations).withOwnerReferences(owners).endMetadata()
        .withSpec(new io.fabric8.kubernetes.api.model.PodSpecBuilder(spec.getSpec()).build())
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

  /** The pod's main container exits with {@code code} (kubelet restarts it at its next round, unless restartPolicy Never). */
  void exit(Pod pod, int code) {
    if (!terminated(pod.getStatus().getContainerStatuses().get(0))) {
      pods.put(pod.getMetadata().getName(), exited(pod, code));
    }
  }

  private Pod exited(Pod pod, int code) {
    Pod next = new PodBuilder(pod).build();
    ContainerStatus main = next.getStatus().getContainerStatuses().get(0);
    String id = containerId(next, main.getName(), main.getRestartCount());
    String reason = code == 0 ? "Completed" : code == 137 ? "OOMKilled" : "Error";
    next.getStatus().setContainerStatuses(List.of(terminated(main.getName(), code, reason, main.getRestartCount(), id)));
    endings.put(key(next, main.getName(), id), code == 0 ? Ending.EXIT_ZERO : Ending.FAILURE);
    ofJob(next, key(next, main.getName(), id));
    return next;
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
    // Under restartPolicy Never (a Job's pod) the pod fails; otherwise kubelet retries the init container.
    next.getStatus().setPhase(never(next) ? "Failed" : "Pending");
    endings.put(key(next, "init", id), Ending.FAILURE);
    ofJob(next, key(next, "init", id));
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

  /**
   * The Deployment controller reports ProgressDeadlineExceeded (only on a rollout that is not
   * complete, and at least a second after the last time it did for that Deployment: a deadline is
   * progressDeadlineSeconds, at least 1, without progress, and the condition's time has seconds
   * only, so two deadlines of one Deployment never carry the same time; seed 535873 played two in
   * the same second, which the world then took for one).
   */
  void progressDeadline(String name) {
    if (!(workloads.get(name) instanceof Deployment d) || d.getStatus() == null || d.getSpec().getReplicas() == 0
        || d.getStatus().getAvailableReplicas() >= d.getSpec().getReplicas()) {
      return;
    }
    Instant last = deadlines.get(d.getMetadata().getUid());
    if (last != null && now.isBefore(last.plusSeconds(1))) {
      return;
    }
    deadlines.put(d.getMetadata().getUid(), now);
    String at = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    Deployment next = new DeploymentBuilder(d).build();
    next.getMetadata().setResourceVersion(next(""));
    next.getStatus().setConditions(List.of(new DeploymentConditionBuilder()
        .withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
        .withMessage("ReplicaSet has timed out progressing.").withLastUpdateTime(at).withLastTransitionTime(at).build()));
    endings.put("deployment/ProgressDeadlineExceeded/" + at, Ending.FAILURE);
    workloads.put(name, next);
  }

  /** A termination of a Job's pod belongs to that Job. */
  private void ofJob(Pod pod, String key) {
    // Also for a Job already deleted (by someone else) while its pod still runs: the pod's exit is
    // that run's failure, whether the operator still saw the Job (and counts it) or not.
    if (pod.getMetadata().getOwnerReferences().stream().anyMatch(ref -> "Job".equals(ref.getKind()))) {
      jobOf.put(key, pod.getMetadata().getLabels().get(OWNER_LABEL));
    }
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
