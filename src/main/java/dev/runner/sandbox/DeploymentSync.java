package dev.runner.sandbox;

import dev.runner.sandbox.DeploymentStatusCalculator.Counts;
import dev.runner.sandbox.SimulatedKubelet.DeploymentMemo;
import dev.runner.sandbox.SimulatedKubelet.Registration;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One level-triggered sync of one Deployment: its Pods (create, delete, roll), their life
 * cycle and status, and the Deployment's status. Runs on the kubelet's executor thread only.
 *
 * <p>Rollout (RollingUpdate, the default): surge, then delete. All Pods of the new template are
 * created at once; the old Pods are deleted when all new ones are ready (like maxSurge 100 %,
 * maxUnavailable 0), so a broken new template leaves the old Pods serving. Recreate: old Pods are
 * deleted first, new ones created once the old ones are gone.
 */
final class DeploymentSync {

  private static final Logger log = LoggerFactory.getLogger(DeploymentSync.class);

  private final SimulatedKubelet kubelet;
  private final String key;
  private final String namespace;
  private final String name;
  private final Instant now;
  private final Registration registration;
  private final Behavior behavior;

  DeploymentSync(SimulatedKubelet kubelet, String key, Instant now) {
    this.kubelet = kubelet;
    this.key = key;
    int slash = key.indexOf('/');
    this.namespace = key.substring(0, slash);
    this.name = key.substring(slash + 1);
    this.now = now;
    this.registration = kubelet.registration(namespace, name);
    this.behavior = registration.behavior();
  }

  void run() {
    Deployment d = kubelet.cachedDeployment(key);
    DeploymentMemo memo = kubelet.memo(key);
    refreshFromCache();
    List<PodState> states = kubelet.statesOf(namespace, name);
    String uid = d == null || d.getMetadata().getDeletionTimestamp() != null
        ? null : d.getMetadata().getUid();
    for (PodState s : states) {
      if (!s.terminating() && !s.deploymentUid.equals(uid)) {
        delete(s, "its Deployment is gone");
      }
    }
    if (uid != null) {
      scale(d, states);
    }
    Instant next = null;
    for (PodState s : kubelet.statesOf(namespace, name)) {
      next = earliest(next, s.advance(now, behavior, () -> memo.countStart(registration)));
      if (s.terminating() && !now.isBefore(s.finalizeAt)) {
        removeFinalizer(s);
      } else if (!s.finalizerRemoved) {
        kubelet.writePodStatus(s, PodFactory.status(s, now, behavior));
      }
    }
    if (d != null) {
      next = earliest(next, writeStatus(d, memo));
    } else if (kubelet.statesOf(namespace, name).isEmpty()) {
      kubelet.memoRemove(key);
    }
    kubelet.scheduleWakeUp(key, next, now);
  }

  /** Adopts Pods of ours the memory lacks, notices deletions and Pods that are gone. */
  private void refreshFromCache() {
    for (Pod p : kubelet.cachedPods()) {
      OwnerReference owner = SimulatedKubelet.deploymentOwner(p);
      if (owner == null || !namespace.equals(p.getMetadata().getNamespace())
          || !name.equals(owner.getName())) {
        continue;
      }
      String podKey = SimulatedKubelet.key(p);
      PodState s = kubelet.podStates().get(podKey);
      if (s == null) {
        String hash = p.getMetadata().getLabels().getOrDefault(PodFactory.TEMPLATE_HASH_LABEL, "");
        s = new PodState(namespace, p.getMetadata().getName(), name, owner.getUid(), hash,
            p.getSpec().getContainers().stream()
                .map(c -> new PodState.ContainerRef(c.getName(), c.getImage())).toList(), now);
        s.initContainers = PodFactory.initContainers(p.getSpec());
        kubelet.podStates().put(podKey, s);
        log.debug("pod {}: adopted", podKey);
      }
      s.seenOnServer = true;
      if (p.getMetadata().getDeletionTimestamp() != null && !s.terminating()) {
        log.debug("pod {}: deleted, terminating for {}", podKey, behavior.terminationTime());
        s.terminate(now, behavior);
      }
    }
    for (PodState s : kubelet.statesOf(namespace, name)) {
      if ((s.seenOnServer || s.finalizerRemoved) && kubelet.cachedPod(s.key()) == null) {
        log.debug("pod {}: gone", s.key());
        kubelet.podStates().remove(s.key());
      }
    }
  }

  private void scale(Deployment d, List<PodState> states) {
    String hash = PodFactory.templateHash(d.getSpec().getTemplate());
    int desired = DeploymentStatusCalculator.desiredReplicas(d);
    List<PodState> current = new ArrayList<>();
    List<PodState> old = new ArrayList<>();
    boolean oldTerminating = false;
    for (PodState s : states) {
      if (!s.deploymentUid.equals(d.getMetadata().getUid())) {
        continue;
      }
      boolean isCurrent = s.templateHash.equals(hash);
      if (s.terminating()) {
        oldTerminating |= !isCurrent;
      } else if (s.history()) {
        continue; // a ReplicaSet neither counts nor deletes its Failed pods
      } else {
        (isCurrent ? current : old).add(s);
      }
    }
    var strategy = d.getSpec().getStrategy();
    if (strategy != null && "Recreate".equals(strategy.getType())
        && (!old.isEmpty() || oldTerminating)) {
      old.forEach(s -> delete(s, "Recreate rollout"));
      return;
    }
    for (int i = current.size(); i < desired; i++) {
      create(d, hash);
    }
    if (current.size() > desired) {
      current.stream()
          .sorted(Comparator.comparing((PodState s) -> s.ready(now, behavior))
              .thenComparing((PodState s) -> s.createdAt, Comparator.reverseOrder()))
          .limit(current.size() - desired)
          .forEach(s -> delete(s, "scale down to " + desired));
    }
    long ready = current.stream().filter(s -> s.ready(now, behavior)).count();
    if (desired == 0 || ready >= desired) {
      old.forEach(s -> delete(s, "replaced by template " + hash));
    }
  }

  private void create(Deployment d, String hash) {
    String podName = PodFactory.podName(name, hash);
    PodState s = new PodState(namespace, podName, name, d.getMetadata().getUid(), hash,
        PodFactory.containers(d.getSpec().getTemplate()), now);
    s.initContainers = PodFactory.initContainers(d.getSpec().getTemplate().getSpec());
    kubelet.client().pods().inNamespace(namespace).resource(PodFactory.newPod(d, hash, podName, s))
        .create();
    kubelet.podStates().put(s.key(), s);
    log.debug("pod {}: created for deployment {}", s.key(), key);
  }

  private void delete(PodState s, String why) {
    log.debug("pod {}: deleting ({})", s.key(), why);
    s.terminate(now, behavior);
    kubelet.client().pods().inNamespace(namespace).withName(s.name).delete();
  }

  private void removeFinalizer(PodState s) {
    if (s.finalizerRemoved) {
      return;
    }
    Pod p = kubelet.client().pods().inNamespace(namespace).withName(s.name).get();
    if (p == null) {
      s.finalizerRemoved = true;
      return;
    }
    if (p.getMetadata().getDeletionTimestamp() == null) {
      kubelet.client().pods().inNamespace(namespace).withName(s.name).delete();
      return; // its deletion event brings us back
    }
    kubelet.client().pods().inNamespace(namespace).withName(s.name).edit(x -> new PodBuilder(x)
        .editMetadata().removeFromFinalizers(PodFactory.FINALIZER).endMetadata().build());
    // As the real kubelet does once the containers are gone: a delete with grace period 0. A real
    // API server keeps a Pod on a node that was deleted gracefully (deletionGracePeriodSeconds 30)
    // until then, finalizers or not; the mock server has already removed it (a no-op there).
    kubelet.client().pods().inNamespace(namespace).withName(s.name).withGracePeriod(0).delete();
    s.finalizerRemoved = true;
    log.debug("pod {}: terminated, finalizer removed", s.key());
  }

  /** Writes the Deployment's status if it changed; answers when the progress deadline is due. */
  private Instant writeStatus(Deployment d, DeploymentMemo memo) {
    String hash = PodFactory.templateHash(d.getSpec().getTemplate());
    int replicas = 0;
    int updated = 0;
    int ready = 0;
    for (PodState s : kubelet.statesOf(namespace, name)) {
      if (s.terminating() || s.history() || !s.deploymentUid.equals(d.getMetadata().getUid())) {
        continue;
      }
      replicas++;
      updated += s.templateHash.equals(hash) ? 1 : 0;
      ready += s.ready(now, behavior) ? 1 : 0;
    }
    Counts counts = new Counts(replicas, updated, ready, ready);
    Long generation = d.getMetadata().getGeneration();
    boolean complete = DeploymentStatusCalculator.complete(d, counts);
    if (!generation.equals(memo.progressGeneration) || complete || progressed(memo.lastCounts, counts)) {
      memo.progressGeneration = generation;
      memo.progressMark = now;
    }
    memo.lastCounts = counts;
    Integer deadlineSeconds = d.getSpec().getProgressDeadlineSeconds();
    Instant deadline = deadlineSeconds == null || complete
        ? null : memo.progressMark.plus(Duration.ofSeconds(deadlineSeconds));
    boolean timedOut = deadline != null && !now.isBefore(deadline);
    boolean failed = timedOut || generation.equals(memo.forcedFailGeneration);
    kubelet.writeDeploymentStatus(d, DeploymentStatusCalculator.compute(d, counts, failed,
        name + "-" + hash, now));
    return timedOut ? null : deadline;
  }

  private static boolean progressed(Counts before, Counts after) {
    return before == null || after.updated() > before.updated() || after.ready() > before.ready()
        || after.available() > before.available();
  }

  private static Instant earliest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isBefore(b) ? a : b;
  }
}
