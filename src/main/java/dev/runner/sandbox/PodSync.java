package dev.runner.sandbox;

import dev.runner.sandbox.SimulatedKubelet.DeploymentMemo;
import dev.runner.sandbox.SimulatedKubelet.Registration;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the sync of every workload kind shares: the Pods it runs (adopted from the cache after a
 * restart, deleted when their owner is gone, as the garbage collector would), their life cycle
 * and status, and their termination. One sync runs on the kubelet's executor thread only; the
 * kind's own controller logic is in {@link DeploymentSync}, {@link StatefulSetSync} and {@link JobSync}.
 */
abstract class PodSync {
  private static final Logger log = LoggerFactory.getLogger(PodSync.class);

  final SimulatedKubelet kubelet;
  final String key;
  final String namespace;
  final String name;
  final Instant now;
  final Registration registration;
  final Behavior behavior;

  PodSync(SimulatedKubelet kubelet, String key, Instant now) {
    this.kubelet = kubelet;
    this.key = key;
    int slash = key.indexOf('/');
    this.namespace = key.substring(0, slash);
    this.name = key.substring(slash + 1);
    this.now = now;
    this.registration = kubelet.registration(namespace, name);
    this.behavior = registration.behavior();
  }

  abstract void run();

  /**
   * Deletes the Pods whose owner is gone or being deleted (the garbage collector's part: the
   * mock server has none) and answers the Pods that remain.
   */
  List<PodState> deleteOrphans(HasMetadata owner) {
    String uid = owner == null || owner.getMetadata().getDeletionTimestamp() != null ? null : owner.getMetadata().getUid();
    for (PodState s : kubelet.statesOf(namespace, name)) {
      if (!s.terminating() && !s.deploymentUid.equals(uid)) {
        delete(s, "its " + (owner == null ? "owner" : owner.getKind()) + " is gone");
      }
    }
    return kubelet.statesOf(namespace, name);
  }

  /** Moves every Pod through the transitions that are due and writes its status; answers the next wake-up. */
  Instant advancePods(DeploymentMemo memo) {
    Instant next = null;
    for (PodState s : kubelet.statesOf(namespace, name)) {
      next = earliest(next, s.advance(now, behavior, () -> memo.countStart(registration)));
      if (s.terminating() && !now.isBefore(s.finalizeAt)) {
        removeFinalizer(s);
      } else if (!s.finalizerRemoved) {
        kubelet.writePodStatus(s, PodFactory.status(s, now, behavior));
      }
    }
    return next;
  }

  /** Adopts Pods of ours the memory lacks, notices deletions and Pods that are gone. */
  void refreshFromCache() {
    for (Pod p : kubelet.cachedPods()) {
      OwnerReference owner = SimulatedKubelet.owner(p);
      if (owner == null || !namespace.equals(p.getMetadata().getNamespace())
          || !name.equals(owner.getName())) {
        continue;
      }
      String podKey = SimulatedKubelet.key(p);
      PodState s = kubelet.podStates().get(podKey);
      if (s == null) {
        String hash = p.getMetadata().getLabels().getOrDefault(PodFactory.TEMPLATE_HASH_LABEL,
            p.getMetadata().getLabels().getOrDefault(PodFactory.REVISION_LABEL, ""));
        s = new PodState(namespace, p.getMetadata().getName(), name, owner.getUid(), hash,
            p.getSpec().getContainers().stream()
                .map(c -> new PodState.ContainerRef(c.getName(), c.getImage())).toList(), now);
        s.initContainers = PodFactory.initContainers(p.getSpec());
        s.restartNever = "Never".equals(p.getSpec().getRestartPolicy());
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

  void create(Pod pod, PodState s) {
    kubelet.client().pods().inNamespace(namespace).resource(pod).create();
    kubelet.podStates().put(s.key(), s);
    log.debug("pod {}: created for {}", s.key(), key);
  }

  void delete(PodState s, String why) {
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

  static Instant earliest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isBefore(b) ? a : b;
  }
}
