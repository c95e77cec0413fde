package dev.runner.it;

import dev.runner.sandbox.Behavior;
import dev.runner.sandbox.PodBehaviors;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PodBehaviors} of the control plane: kwok plays the Pods by the stages in
 * {@code it/kwok/stages.yaml}, and this class writes on each Pod the annotations those stages read,
 * from the {@link Behavior} registered for the Pod's Deployment. The annotations go on the Pod, not
 * on the pod template: a template change would be a rollout (a new ReplicaSet) and would fight the
 * operator, which owns the Deployments. A Pod is annotated when it appears, and again when its
 * Deployment's behaviour changes; the stages play a Pod only once it is annotated.
 *
 * <p>How each {@link Behavior} field maps, and where the stages differ from the Java simulator:
 * <ul>
 *   <li>{@code startupTime}: {@code start-after} (Pending, ContainerCreating, then Running and
 *       Ready) and {@code ready-after} (a restarted container runs, not ready, this long).</li>
 *   <li>{@code exitAfter}, {@code exitCode}: {@code exit-after}, {@code exit-code}; kwok times the
 *       exit from readiness (the simulator from the start: the same when startupTime is 0).</li>
 *   <li>{@code exitTimes}: counted across the Deployment's Pods from the moment the behaviour was
 *       set, as the simulator does: a new Pod gets {@code exit-times} = what is left of the count
 *       after the starts its siblings made.</li>
 *   <li>{@code neverReady}, {@code imagePullError}, {@code restartBackoff},
 *       {@code terminationTime}: one annotation each.</li>
 *   <li>{@link #exitNow}, {@link #exitOneNow}: {@code exit-now-code} and {@code exit-now-below}
 *       (the restart count the exit is for, so it happens once).</li>
 *   <li>{@link #evictOne}: {@code evict-after: 0s} on that one Pod.</li>
 *   <li>A Job's pod ({@code restartPolicy: Never}, registered under the Job's name): {@code
 *       succeed-after} = {@code startupTime} (it then ends Succeeded, exit 0); with an exit
 *       behaviour it ends instead, phase Failed with {@code exit-code}, and is never restarted;
 *       {@code exitTimes} counts the pods of the Jobs of that name.</li>
 *   <li>{@link #failRollout}: not played (see there): the real Deployment controller never fails
 *       the rollout of a Deployment that completed.</li>
 * </ul>
 */
public final class StagedPods implements PodBehaviors, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StagedPods.class);
  static final String PREFIX = "kwok.runner.dev/";
  static final String BEHAVIOR = PREFIX + "behavior";
  private static final List<String> BEHAVIOR_KEYS = List.of("start-after", "ready-after", "never-ready",
      "exit-code", "exit-after", "exit-times", "restart-backoff", "image-pull-error", "termination-delay", "succeed-after");

  private record Registration(Behavior behavior, long id) {
  }

  private final KubernetesClient client;
  private final AtomicLong ids = new AtomicLong();
  private final Map<String, Registration> behaviors = new ConcurrentHashMap<>();
  private volatile Registration defaults = new Registration(Behavior.DEFAULT, ids.incrementAndGet());
  /** Per Pod uid: the registration it was annotated with and its starts at that moment. */
  private final Map<String, Baseline> baselines = new ConcurrentHashMap<>();
  private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "staged-pods");
    t.setDaemon(true);
    return t;
  });
  private SharedIndexInformer<Pod> informer;

  private record Baseline(long registration, int starts) {
  }

  /** Starts of Pods already deleted, per Deployment and registration (writer thread only). */
  private final Map<String, Integer> goneStarts = new HashMap<>();

  StagedPods(KubernetesClient client) {
    this.client = client;
  }

  synchronized void start() {
    informer = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        writer.execute(() -> annotate(pod));
      }

      @Override
      public void onUpdate(Pod oldPod, Pod pod) {
        writer.execute(() -> annotate(pod));
      }

      @Override
      public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        // its starts still count for the Deployment's exit budget
        writer.execute(() -> {
          Baseline base = baselines.remove(pod.getMetadata().getUid());
          if (base != null) {
            goneStarts.merge(pod.getMetadata().getNamespace() + "/" + deploymentOf(pod) + "#" + base.registration(),
                Math.max(0, starts(pod) - base.starts()), Integer::sum);
          }
        });
      }
    });
  }

  /** Back to the defaults for a new test: no behaviour per Deployment, {@link Behavior#DEFAULT}. */
  public void reset() {
    behaviors.clear();
    defaults = new Registration(Behavior.DEFAULT, ids.incrementAndGet());
  }

  @Override
  public StagedPods defaults(Behavior behavior) {
    defaults = new Registration(Objects.requireNonNull(behavior), ids.incrementAndGet());
    reannotateAll();
    return this;
  }

  @Override
  public StagedPods behave(String namespace, String deployment, Behavior behavior) {
    String key = namespace + "/" + deployment;
    if (behavior == null) {
      behaviors.remove(key);
    } else {
      behaviors.put(key, new Registration(behavior, ids.incrementAndGet()));
    }
    reannotateAll();
    return this;
  }

  @Override
  public void exitNow(String namespace, String deployment, int exitCode) {
    exit(namespace, deployment, exitCode, Integer.MAX_VALUE);
  }

  @Override
  public void exitOneNow(String namespace, String deployment, int exitCode) {
    exit(namespace, deployment, exitCode, 1);
  }

  /**
   * The first Pod of the Deployment by name that is neither terminating nor finished gets {@code
   * evict-after: 0s}: the {@code runner-pod-evict} stage evicts it once it is running and ready
   * (phase Failed, reason Evicted), and the ReplicaSet makes a replacement. The annotation is not
   * one of the behaviour's keys, so {@link #annotate} leaves it where it is when the behaviour
   * changes; the replacement, a new Pod, does not get it.
   */
  @Override
  public void evictOne(String namespace, String deployment) {
    writer.execute(() -> podsOf(namespace, deployment).stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> p.getStatus() == null || !"Failed".equals(p.getStatus().getPhase())
            && !"Succeeded".equals(p.getStatus().getPhase()))
        .min(java.util.Comparator.comparing(p -> p.getMetadata().getName()))
        .ifPresent(p -> patchAnnotations(p, Map.of(EVICT_AFTER, "0s"))));
  }

  /** The eviction stage's annotation (it/kwok/stages.yaml, {@code runner-pod-evict}). */
  static final String EVICT_AFTER = PREFIX + "evict-after";

  /** The first {@code pods} running Pods of the Deployment (by name) exit now with {@code exitCode}. */
  private void exit(String namespace, String deployment, int exitCode, int pods) {
    writer.execute(() -> {
      int left = pods;
      for (Pod pod : podsOf(namespace, deployment).stream()
          .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName())).toList()) {
        if (left == 0) {
          break;
        }
        ContainerStatus c = firstContainer(pod);
        if (c == null || c.getState() == null || c.getState().getRunning() == null) {
          continue;
        }
        Map<String, String> patch = new LinkedHashMap<>();
        patch.put(PREFIX + "exit-now-code", Integer.toString(exitCode));
        patch.put(PREFIX + "exit-now-below", Integer.toString(c.getRestartCount() + 1));
        patchAnnotations(pod, patch);
        left--;
      }
    });
  }

  /**
   * Not on a real control plane: the Deployment controller never reports ProgressDeadlineExceeded
   * for a Deployment whose rollout completed (it skips the deadline check once the Progressing
   * reason is NewReplicaSetAvailable), and a condition written into its status by hand is replaced
   * at the controller's next sync, which that very write triggers.
   */
  @Override
  public void failRollout(String namespace, String deployment) {
    throw new UnsupportedOperationException(NO_FAILED_ROLLOUT);
  }

  /** Why {@link #failRollout} cannot be played here. */
  public static final String NO_FAILED_ROLLOUT = "the real Deployment controller does not fail the rollout of a "
      + "Deployment that completed (no deadline check after NewReplicaSetAvailable), and replaces a hand-written "
      + "ProgressDeadlineExceeded at its next sync";

  private void reannotateAll() {
    writer.execute(() -> {
      if (informer != null) {
        informer.getStore().list().forEach(this::annotate);
      }
    });
  }

  private Registration registrationOf(String namespace, String deployment) {
    return deployment == null ? defaults : behaviors.getOrDefault(namespace + "/" + deployment, defaults);
  }

  /** Runs on the writer thread: writes the Pod's annotations when its registration changed. */
  private void annotate(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    String namespace = pod.getMetadata().getNamespace();
    String deployment = deploymentOf(pod);
    Registration r = registrationOf(namespace, deployment);
    String uid = pod.getMetadata().getUid();
    Map<String, String> current = pod.getMetadata().getAnnotations() == null ? Map.of()
        : pod.getMetadata().getAnnotations();
    if (Long.toString(r.id()).equals(current.get(BEHAVIOR))) {
      return;
    }
    Baseline before = baselines.get(uid);
    if (before != null && before.registration() == r.id()) {
      return; // patched already; the informer has not seen it yet
    }
    int ownStarts = starts(pod);
    baselines.put(uid, new Baseline(r.id(), ownStarts));
    Behavior b = r.behavior();
    Map<String, String> patch = new LinkedHashMap<>();
    for (String k : BEHAVIOR_KEYS) {
      patch.put(PREFIX + k, null);
    }
    patch.put(BEHAVIOR, Long.toString(r.id()));
    patch.put(PREFIX + "start-after", go(b.startupTime()));
    patch.put(PREFIX + "ready-after", go(b.startupTime()));
    patch.put(PREFIX + "restart-backoff", go(b.restartBackoff()));
    patch.put(PREFIX + "termination-delay", go(b.terminationTime()));
    if (b.neverReady()) {
      patch.put(PREFIX + "never-ready", "true");
    }
    if (b.imagePullError() != null) {
      patch.put(PREFIX + "image-pull-error", b.imagePullError());
    }
    if ("Never".equals(pod.getSpec().getRestartPolicy())) {
      // A Job's pod does its work as long as it took to start, then succeeds (as in the simulator).
      patch.put(PREFIX + "succeed-after", go(b.startupTime()));
    }
    if (b.exitAfter() != null) {
      int left = b.exitTimes() < 0 ? -1 : Math.max(0, b.exitTimes() - siblingStarts(namespace, deployment, uid, r.id()));
      if (left != 0) {
        patch.put(PREFIX + "exit-code", Integer.toString(b.exitCode()));
        patch.put(PREFIX + "exit-after", go(b.exitAfter()));
        if (left > 0) {
          patch.put(PREFIX + "exit-times", Integer.toString(restartCount(pod) + left));
        }
      }
    }
    patchAnnotations(pod, patch);
  }

  /** Container starts the Deployment's other Pods made since they got registration {@code id}. */
  private int siblingStarts(String namespace, String deployment, String uid, long id) {
    int sum = 0;
    for (Pod p : podsOf(namespace, deployment)) {
      Baseline base = baselines.get(p.getMetadata().getUid());
      if (!p.getMetadata().getUid().equals(uid) && base != null && base.registration() == id) {
        sum += Math.max(0, starts(p) - base.starts());
      }
    }
    return sum + goneStarts.getOrDefault(namespace + "/" + deployment + "#" + id, 0);
  }


  private List<Pod> podsOf(String namespace, String deployment) {
    if (informer == null) {
      return List.of();
    }
    return informer.getStore().list().stream()
        .filter(p -> namespace.equals(p.getMetadata().getNamespace()) && Objects.equals(deployment, deploymentOf(p)))
        .toList();
  }

  /** How many times the Pod's containers started: its restarts, plus one once it ran at all. */
  private static int starts(Pod pod) {
    ContainerStatus c = firstContainer(pod);
    if (c == null || c.getState() == null) {
      return 0;
    }
    var s = c.getState();
    boolean ran = s.getRunning() != null || s.getTerminated() != null
        || (s.getWaiting() != null && "CrashLoopBackOff".equals(s.getWaiting().getReason()));
    return ran ? c.getRestartCount() + 1 : 0;
  }

  private static int restartCount(Pod pod) {
    ContainerStatus c = firstContainer(pod);
    return c == null || c.getRestartCount() == null ? 0 : c.getRestartCount();
  }

  private static ContainerStatus firstContainer(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
        || pod.getStatus().getContainerStatuses().isEmpty()) {
      return null;
    }
    return pod.getStatus().getContainerStatuses().get(0);
  }

  /**
   * The workload a Pod belongs to, by the name a behaviour is registered under: a Deployment's is
   * its ReplicaSet's name without the pod-template-hash; a StatefulSet's or a Job's is its owner's
   * name (a Job re-created under the same name keeps its behaviour, and its exit budget); null if none.
   */
  static String deploymentOf(Pod pod) {
    if (pod.getMetadata().getOwnerReferences() == null) {
      return null;
    }
    String hash = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get("pod-template-hash");
    for (OwnerReference o : pod.getMetadata().getOwnerReferences()) {
      if ("ReplicaSet".equals(o.getKind()) && hash != null && o.getName().endsWith("-" + hash)) {
        return o.getName().substring(0, o.getName().length() - hash.length() - 1);
      }
      if ("StatefulSet".equals(o.getKind()) || "Job".equals(o.getKind())) {
        return o.getName();
      }
    }
    return null;
  }

  private void patchAnnotations(Pod pod, Map<String, String> annotations) {
    // A JSON merge patch: a null value removes that annotation.
    ObjectNode patch = Serialization.jsonMapper().createObjectNode();
    ObjectNode values = patch.putObject("metadata").putObject("annotations");
    annotations.forEach((k, v) -> {
      if (v == null) {
        values.putNull(k);
      } else {
        values.put(k, v);
      }
    });
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        log.warn("pod {}/{}: annotating failed: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
            e.getMessage());
      }
    }
  }

  /** A Go duration string, as kwok's durationFrom reads it. */
  private static String go(Duration d) {
    return d.toMillis() + "ms";
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
    }
    writer.shutdownNow();
    try {
      writer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
