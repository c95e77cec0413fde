package dev.runner.sandbox;

import dev.runner.sandbox.SimulatedKubelet.DeploymentMemo;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One level-triggered sync of one StatefulSet, as its controller does it with podManagementPolicy
 * OrderedReady and a RollingUpdate: pods {@code <name>-0 .. <name>-(n-1)}, each created once the
 * ones before it are ready; a scale-down deletes the highest ordinal first and waits for it to go
 * before the next; a new template replaces the pods from the highest ordinal down, one at a time;
 * a pod that failed (evicted) is deleted and made again under the same name. Status: replicas,
 * ready, available, current and updated replicas, currentRevision and updateRevision (the
 * revision is the template's hash; currentRevision becomes updateRevision once every replica runs
 * it). The kubelet creates no PersistentVolumeClaims: the mock server binds none either.
 */
final class StatefulSetSync extends PodSync {
  private static final Logger log = LoggerFactory.getLogger(StatefulSetSync.class);

  StatefulSetSync(SimulatedKubelet kubelet, String key, Instant now) {
    super(kubelet, key, now);
  }

  @Override
  void run() {
    StatefulSet set = kubelet.cachedStatefulSet(key);
    DeploymentMemo memo = kubelet.memo(key);
    refreshFromCache();
    List<PodState> states = deleteOrphans(set);
    if (set != null && set.getMetadata().getDeletionTimestamp() == null) {
      scale(set, states);
    }
    Instant next = advancePods(memo);
    if (set != null) {
      writeStatus(set, memo);
      Integer minReady = set.getSpec().getMinReadySeconds();
      if (minReady != null && minReady > 0) {
        // The moment a ready replica becomes available.
        for (PodState s : ours(set)) {
          if (s.ready(now, behavior) && now.isBefore(s.readyAt.plusSeconds(minReady))) {
            next = earliest(next, s.readyAt.plusSeconds(minReady));
          }
        }
      }
    }
    kubelet.scheduleWakeUp(key, next, now);
  }

  private List<PodState> ours(StatefulSet set) {
    return kubelet.statesOf(namespace, name).stream().filter(s -> s.deploymentUid.equals(set.getMetadata().getUid())).toList();
  }

  private void scale(StatefulSet set, List<PodState> states) {
    String revision = revision(set);
    int desired = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
    List<PodState> ours = ours(set);
    if (ours.stream().anyMatch(PodState::terminating)) {
      return; // OrderedReady: one pod at a time; its deletion brings us back
    }
    Optional<PodState> failed = ours.stream().filter(PodState::history).findFirst();
    if (failed.isPresent()) {
      delete(failed.get(), "failed: made again");
      return;
    }
    Optional<PodState> extra = ours.stream().filter(s -> ordinal(s) >= desired).max(java.util.Comparator.comparingInt(this::ordinal));
    if (extra.isPresent()) {
      delete(extra.get(), "scale down to " + desired);
      return;
    }
    for (int i = 0; i < desired; i++) {
      int ordinal = i;
      Optional<PodState> pod = ours.stream().filter(s -> ordinal(s) == ordinal).findFirst();
      if (pod.isEmpty()) {
        if (kubelet.podStates().containsKey(namespace + "/" + podName(ordinal))) {
          return; // the previous pod of that name is not gone from the server yet
        }
        create(set, ordinal, revision);
        return;
      }
      if (!pod.get().ready(now, behavior)) {
        return;
      }
    }
    // All there and ready: roll the highest ordinal that runs an old revision.
    ours.stream().filter(s -> !s.templateHash.equals(revision)).max(java.util.Comparator.comparingInt(this::ordinal))
        .ifPresent(s -> delete(s, "replaced by revision " + revision));
  }

  private void create(StatefulSet set, int ordinal, String revision) {
    String podName = podName(ordinal);
    PodState s = new PodState(namespace, podName, name, set.getMetadata().getUid(), revision,
        PodFactory.containers(set.getSpec().getTemplate()), now);
    s.initContainers = PodFactory.initContainers(set.getSpec().getTemplate().getSpec());
    Pod pod = PodFactory.newPod(set, "apps/v1", set.getSpec().getTemplate(), Map.of(
        PodFactory.REVISION_LABEL, revision,
        "statefulset.kubernetes.io/pod-name", podName,
        "apps.kubernetes.io/pod-index", Integer.toString(ordinal)), podName, s);
    pod.getSpec().setHostname(podName);
    pod.getSpec().setSubdomain(set.getSpec().getServiceName());
    create(pod, s);
    log.debug("pod {}: ordinal {} of {}", s.key(), ordinal, key);
  }

  private String podName(int ordinal) {
    return name + "-" + ordinal;
  }

  private int ordinal(PodState s) {
    try {
      return Integer.parseInt(s.name.substring(s.name.lastIndexOf('-') + 1));
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  private String revision(StatefulSet set) {
    return name + "-" + PodFactory.templateHash(set.getSpec().getTemplate());
  }

  private void writeStatus(StatefulSet set, DeploymentMemo memo) {
    String revision = revision(set);
    int desired = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
    Integer minReady = set.getSpec().getMinReadySeconds();
    Duration minReadyFor = Duration.ofSeconds(minReady == null ? 0 : minReady);
    int replicas = 0;
    int ready = 0;
    int available = 0;
    int updated = 0;
    for (PodState s : ours(set)) {
      if (s.terminating() || s.history()) {
        continue;
      }
      replicas++;
      boolean isReady = s.ready(now, behavior);
      ready += isReady ? 1 : 0;
      available += isReady && !now.isBefore(s.readyAt.plus(minReadyFor)) ? 1 : 0;
      updated += s.templateHash.equals(revision) ? 1 : 0;
    }
    if (memo.currentRevision == null || (updated == desired && replicas == desired)) {
      memo.currentRevision = revision;
    }
    String current = memo.currentRevision;
    int currentReplicas = (int) ours(set).stream()
        .filter(s -> !s.terminating() && !s.history() && s.templateHash.equals(current)).count();
    StatefulSetStatus status = new StatefulSetStatusBuilder()
        .withObservedGeneration(set.getMetadata().getGeneration())
        .withReplicas(replicas)
        .withReadyReplicas(ready)
        .withAvailableReplicas(available)
        .withCurrentReplicas(currentReplicas)
        .withUpdatedReplicas(updated)
        .withCurrentRevision(current)
        .withUpdateRevision(revision)
        .withCollisionCount(0)
        .build();
    kubelet.writeStatefulSetStatus(set, status);
  }
}
