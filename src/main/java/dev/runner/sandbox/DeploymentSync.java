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
final class DeploymentSync extends PodSync {

  private static final Logger log = LoggerFactory.getLogger(DeploymentSync.class);

  DeploymentSync(SimulatedKubelet kubelet, String key, Instant now) {
    super(kubelet, key, now);
  }

  void run() {
    Deployment d = kubelet.cachedDeployment(key);
    DeploymentMemo memo = kubelet.memo(key);
    refreshFromCache();
    List<PodState> states = deleteOrphans(d);
    if (d != null && d.getMetadata().getDeletionTimestamp() == null) {
      scale(d, states);
    }
    Instant next = advancePods(memo);
    if (d != null) {
      next = earliest(next, writeStatus(d, memo));
    } else if (kubelet.statesOf(namespace, name).isEmpty()) {
      kubelet.memoRemove(key);
    }
    kubelet.scheduleWakeUp(key, next, now);
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
    create(PodFactory.newPod(d, hash, podName, s), s);
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

}
