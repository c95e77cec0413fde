package dev.runner.sandbox;

import dev.runner.sandbox.DeploymentStatusCalculator.Counts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated Deployment, StatefulSet and Job controller, garbage collector and kubelet, for an
 * API server that has none (fabric8's mock server in CRUD mode). It runs the Pods of every
 * workload it sees and writes their status and the workload's status as the real components do; it knows nothing of who made the
 * Deployments. See {@link Behavior} for what can be simulated per Deployment.
 *
 * <p>How it works: informers on Deployments and Pods only enqueue the Deployment's key; all work
 * happens on one single-threaded scheduled executor. Each run re-syncs a whole Deployment (level
 * triggered: compare what exists with what should), so a repeated or missed event cannot hurt.
 * Every delay is a scheduled wake-up of that sync, never a sleeping thread. Pod state the server
 * cannot hold (timers, restart history) lives in {@link PodState}.
 *
 * <p>What the fabric8 7.5.2 mock server (CRUD mode) does, found by experiment:
 * <ul>
 *   <li>{@code status} is not a subresource for built-in kinds: a PUT of the main resource
 *       replaces the status too (a PUT with a null status erases it), and a write to
 *       {@code /status} may change the whole object. So status is only written with
 *       {@code editStatus} (GET, then a JSON patch of the difference), never a full PUT.</li>
 *   <li>A PUT of the main resource with a stale resourceVersion answers 409; a PUT to
 *       {@code /status} with a stale one is accepted (and would silently clobber newer data);
 *       {@code patchStatus(item)} and {@code edit}/{@code editStatus} answer 409 when the object
 *       changed in between. A 409 here just means: sync again.</li>
 *   <li>{@code metadata.generation} rises on spec changes (also replicas, also via /scale), not
 *       on metadata or status changes.</li>
 *   <li>Deleting an object with finalizers sets {@code deletionTimestamp} (no grace period);
 *       removing the last finalizer then deletes it (watchers see DELETED). Without finalizers
 *       a delete is immediate. No garbage collection of owned objects.</li>
 *   <li>{@code generateName} yields UUID-like names, so Pod names are made here instead.</li>
 *   <li>A Pod created with a status keeps it (a real server drops it; the sync writes it anyway
 *       when it differs, so both work).</li>
 *   <li>Informers (also in all namespaces) work; events arrive asynchronously, after the write
 *       returns, so the cache can lag behind this class's own writes: Pods it created or deleted
 *       are therefore tracked in memory, not taken from the cache alone.</li>
 * </ul>
 */
public final class SimulatedKubelet implements PodBehaviors, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SimulatedKubelet.class);
  private static final String ANY_NAMESPACE = "*";
  private static final Duration RETRY = Duration.ofMillis(100);

  private final KubernetesClient client;
  private final String namespace;
  private final ScheduledThreadPoolExecutor executor;
  private final AtomicLong registrations = new AtomicLong();
  private final Map<String, Registration> behaviors = new ConcurrentHashMap<>();
  private volatile Registration defaults = new Registration(Behavior.DEFAULT, 0);
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  // confined to the executor thread:
  private final Map<String, PodState> pods = new HashMap<>();
  private final Map<String, DeploymentMemo> memos = new HashMap<>();
  private final Map<String, ScheduledFuture<?>> wakeUps = new HashMap<>();
  private volatile SharedIndexInformer<Pod> podInformer;
  private volatile SharedIndexInformer<Deployment> deploymentInformer;
  private volatile SharedIndexInformer<StatefulSet> statefulSetInformer;
  private volatile SharedIndexInformer<Job> jobInformer;

  record Registration(Behavior behavior, long id) {
  }

  /** A kubelet for the Deployments of all namespaces. */
  public SimulatedKubelet(KubernetesClient client) {
    this(client, null);
  }

  /** A kubelet for the Deployments of {@code namespace} (null: all namespaces). */
  public SimulatedKubelet(KubernetesClient client, String namespace) {
    this.client = Objects.requireNonNull(client, "client");
    this.namespace = namespace;
    this.executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "simulated-kubelet");
      t.setDaemon(true);
      return t;
    });
    this.executor.setRemoveOnCancelPolicy(true);
  }

  /** Starts watching; returns when the informers have synced. Returns {@code this}. */
  public synchronized SimulatedKubelet start() {
    if (deploymentInformer != null) {
      return this;
    }
    ResourceEventHandler<Pod> podHandler = handler(this::ownerKey);
    ResourceEventHandler<Deployment> deploymentHandler = handler(SimulatedKubelet::key);
    podInformer = namespace == null
        ? client.pods().inAnyNamespace().inform(podHandler)
        : client.pods().inNamespace(namespace).inform(podHandler);
    ResourceEventHandler<StatefulSet> statefulSetHandler = handler(SimulatedKubelet::key);
    ResourceEventHandler<Job> jobHandler = handler(SimulatedKubelet::key);
    statefulSetInformer = namespace == null
        ? client.apps().statefulSets().inAnyNamespace().inform(statefulSetHandler)
        : client.apps().statefulSets().inNamespace(namespace).inform(statefulSetHandler);
    jobInformer = namespace == null
        ? client.batch().v1().jobs().inAnyNamespace().inform(jobHandler)
        : client.batch().v1().jobs().inNamespace(namespace).inform(jobHandler);
    deploymentInformer = namespace == null
        ? client.apps().deployments().inAnyNamespace().inform(deploymentHandler)
        : client.apps().deployments().inNamespace(namespace).inform(deploymentHandler);
    log.debug("simulated kubelet started ({})", namespace == null ? "all namespaces" : namespace);
    return this;
  }

  @Override
  public synchronized void close() {
    if (deploymentInformer != null) {
      deploymentInformer.close();
      statefulSetInformer.close();
      jobInformer.close();
      podInformer.close();
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.debug("simulated kubelet stopped");
  }

  @Override
  public SimulatedKubelet defaults(Behavior behavior) {
    defaults = new Registration(Objects.requireNonNull(behavior), registrations.incrementAndGet());
    resyncAll();
    return this;
  }

  /** Sets the behaviour of the Deployments named {@code deployment} in any namespace; null removes it. */
  public SimulatedKubelet behave(String deployment, Behavior behavior) {
    return behave(ANY_NAMESPACE, deployment, behavior);
  }

  /**
   * Sets the behaviour of one Deployment, before or after it exists; null removes it. Setting a
   * behaviour restarts its count of exiting starts. It applies to the next transition of each Pod
   * (a Pod already running is not restarted; a Pod waiting on an image pull proceeds once the
   * pull error is removed).
   */
  @Override
  public SimulatedKubelet behave(String namespace, String deployment, Behavior behavior) {
    String key = namespace + "/" + deployment;
    if (behavior == null) {
      behaviors.remove(key);
    } else {
      behaviors.put(key, new Registration(behavior, registrations.incrementAndGet()));
    }
    resyncAll();
    return this;
  }

  /**
   * The containers of one running Pod of the Deployment (the first by name) terminate now with
   * {@code exitCode}; kubelet restarts them in place after its back-off, as for any exit.
   */
  @Override
  public void exitOneNow(String namespace, String deployment, int exitCode) {
    String key = namespace + "/" + deployment;
    executor.execute(guarded(key, () -> {
      Instant now = Instant.now();
      Behavior behavior = registration(namespace, deployment).behavior();
      statesOf(namespace, deployment).stream()
          .filter(PodState::running).filter(s -> !s.terminating())
          .min(java.util.Comparator.comparing(s -> s.name))
          .ifPresent(s -> {
            s.exitNow(now, exitCode, behavior);
            log.debug("pod {}: containers exit now with code {}", s.key(), exitCode);
          });
      sync(key);
    }));
  }

  /**
   * The node evicts one Pod of the Deployment (the first by name): phase Failed, reason Evicted;
   * the Pod object stays, and the ReplicaSet creates a replacement.
   */
  @Override
  public void evictOne(String namespace, String deployment) {
    String key = namespace + "/" + deployment;
    executor.execute(guarded(key, () -> {
      Instant now = Instant.now();
      statesOf(namespace, deployment).stream()
          .filter(s -> !s.terminating() && !s.history())
          .min(java.util.Comparator.comparing(s -> s.name))
          .ifPresent(s -> {
            s.evict(now);
            log.debug("pod {}: evicted", s.key());
          });
      sync(key);
    }));
  }

  /** The containers of the Deployment's running Pods terminate now with {@code exitCode}. */
  @Override
  public void exitNow(String namespace, String deployment, int exitCode) {
    String key = namespace + "/" + deployment;
    executor.execute(guarded(key, () -> {
      Instant now = Instant.now();
      Behavior behavior = registration(namespace, deployment).behavior();
      for (PodState s : statesOf(namespace, deployment)) {
        if (s.exitNow(now, exitCode, behavior)) {
          log.debug("pod {}: containers exit now with code {}", s.key(), exitCode);
        }
      }
      sync(key);
    }));
  }

  /**
   * The Deployment's rollout fails: condition Progressing=False, reason ProgressDeadlineExceeded,
   * until its {@code metadata.generation} changes (a scale or template change).
   */
  @Override
  public void failRollout(String namespace, String deployment) {
    String key = namespace + "/" + deployment;
    executor.execute(guarded(key, () -> {
      Deployment d = deploymentInformer == null ? null : deploymentInformer.getStore().getByKey(key);
      if (d == null) {
        log.warn("failRollout: no Deployment {}", key);
        return;
      }
      memo(key).forcedFailGeneration = d.getMetadata().getGeneration();
      log.debug("deployment {}: rollout fails (generation {})", key, d.getMetadata().getGeneration());
      sync(key);
    }));
  }

  // ---- event plumbing ----

  private <T extends HasMetadata> ResourceEventHandler<T> handler(
      java.util.function.Function<T, String> keyOf) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        enqueue(keyOf.apply(obj));
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        enqueue(keyOf.apply(newObj));
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        enqueue(keyOf.apply(obj));
      }
    };
  }

  private void enqueue(String key) {
    if (key != null && !executor.isShutdown() && queued.add(key)) {
      executor.execute(guarded(key, () -> {
        queued.remove(key);
        sync(key);
      }));
    }
  }

  private void resyncAll() {
    if (deploymentInformer != null) {
      deploymentInformer.getStore().listKeys().forEach(this::enqueue);
      statefulSetInformer.getStore().listKeys().forEach(this::enqueue);
      jobInformer.getStore().listKeys().forEach(this::enqueue);
    }
  }

  private Runnable guarded(String key, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.debug("sync of {} failed, retrying in {}: {}", key, RETRY, e.toString());
        if (!executor.isShutdown()) {
          executor.schedule(() -> enqueue(key), RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    };
  }

  static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  /** The key of the workload that owns a Pod of ours, or null. */
  private String ownerKey(Pod pod) {
    OwnerReference owner = owner(pod);
    return owner == null ? null : pod.getMetadata().getNamespace() + "/" + owner.getName();
  }

  /** The Deployment, StatefulSet or Job that owns a Pod this kubelet made, or null. */
  static OwnerReference owner(Pod pod) {
    if (!pod.getMetadata().getFinalizers().contains(PodFactory.FINALIZER)) {
      return null;
    }
    return pod.getMetadata().getOwnerReferences().stream()
        .filter(o -> OWNER_KINDS.contains(o.getKind())).findFirst().orElse(null);
  }

  private static final Set<String> OWNER_KINDS = Set.of("Deployment", "StatefulSet", "Job");

  Registration registration(String namespace, String deployment) {
    Registration r = behaviors.get(namespace + "/" + deployment);
    if (r == null) {
      r = behaviors.get(ANY_NAMESPACE + "/" + deployment);
    }
    return r == null ? defaults : r;
  }

  void memoRemove(String key) {
    DeploymentMemo memo = memos.get(key);
    if (memo != null && !memo.keep) {
      memos.remove(key);
    }
  }

  DeploymentMemo memo(String key) {
    return memos.computeIfAbsent(key, k -> new DeploymentMemo());
  }

  List<PodState> statesOf(String namespace, String deployment) {
    return pods.values().stream()
        .filter(s -> s.namespace.equals(namespace) && s.deploymentName.equals(deployment))
        .sorted(Comparator.comparing((PodState s) -> s.createdAt).thenComparing(s -> s.name))
        .toList();
  }

  // ---- the sync of one Deployment ----

  /** One sync of the workload of that name: the controller of its kind (a Deployment's when none is left). */
  private void sync(String key) {
    if (deploymentInformer == null) {
      return;
    }
    Instant now = Instant.now();
    PodSync sync = statefulSetInformer.getStore().getByKey(key) != null ? new StatefulSetSync(this, key, now)
        : jobInformer.getStore().getByKey(key) != null ? new JobSync(this, key, now)
        : new DeploymentSync(this, key, now);
    sync.run();
  }

  KubernetesClient client() {
    return client;
  }

  Pod cachedPod(String key) {
    return podInformer.getStore().getByKey(key);
  }

  List<Pod> cachedPods() {
    return podInformer.getStore().list();
  }

  Deployment cachedDeployment(String key) {
    return deploymentInformer.getStore().getByKey(key);
  }

  StatefulSet cachedStatefulSet(String key) {
    return statefulSetInformer.getStore().getByKey(key);
  }

  Job cachedJob(String key) {
    return jobInformer.getStore().getByKey(key);
  }

  void writeStatefulSetStatus(StatefulSet set, StatefulSetStatus desired) {
    if (sameJson(set.getStatus(), desired)) {
      return;
    }
    client.apps().statefulSets().inNamespace(set.getMetadata().getNamespace()).withName(set.getMetadata().getName())
        .editStatus(x -> new StatefulSetBuilder(x).withStatus(desired).build());
  }

  void writeJobStatus(Job job, JobStatus desired) {
    if (sameJson(job.getStatus(), desired)) {
      return;
    }
    client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName())
        .editStatus(x -> new JobBuilder(x).withStatus(desired).build());
  }

  Map<String, PodState> podStates() {
    return pods;
  }

  void scheduleWakeUp(String key, Instant at, Instant now) {
    ScheduledFuture<?> previous = wakeUps.remove(key);
    if (previous != null) {
      previous.cancel(false);
    }
    if (at != null && !executor.isShutdown()) {
      long delayMs = Math.max(0, Duration.between(now, at).toMillis()) + 1;
      wakeUps.put(key, executor.schedule(() -> enqueue(key), delayMs, TimeUnit.MILLISECONDS));
    }
  }

  static boolean sameJson(Object a, Object b) {
    var mapper = Serialization.jsonMapper();
    return Objects.equals(mapper.valueToTree(a), mapper.valueToTree(b));
  }

  void writePodStatus(PodState s, io.fabric8.kubernetes.api.model.PodStatus desired) {
    Pod cached = cachedPod(s.key());
    if (cached != null && sameJson(cached.getStatus(), desired)) {
      return;
    }
    log.debug("pod {}: status {} ready={}", s.key(), s.stage,
        desired.getConditions().stream().filter(c -> "Ready".equals(c.getType()))
            .map(c -> c.getStatus()).findFirst().orElse("?"));
    client.pods().inNamespace(s.namespace).withName(s.name)
        .editStatus(p -> new PodBuilder(p).withStatus(desired).build());
  }

  void writeDeploymentStatus(Deployment d, DeploymentStatus desired) {
    if (sameJson(d.getStatus(), desired)) {
      return;
    }
    log.debug("deployment {}: status replicas={} updated={} ready={} available={}", key(d),
        desired.getReplicas(), desired.getUpdatedReplicas(), desired.getReadyReplicas(),
        desired.getAvailableReplicas());
    client.apps().deployments().inNamespace(d.getMetadata().getNamespace())
        .withName(d.getMetadata().getName())
        .editStatus(x -> new DeploymentBuilder(x).withStatus(desired).build());
  }

  /** What is remembered per workload between syncs. */
  static final class DeploymentMemo {
    /** Kept when its workload is gone (a Job's: the starts a crash counts span the Jobs of the service). */
    boolean keep;
    /** A StatefulSet's revision all its replicas last ran. */
    String currentRevision;
    /** When a Job's first pod was created (its active deadline counts from then), by Job UID. */
    String jobUid;
    Instant jobStartedAt;
    Long forcedFailGeneration;
    Long progressGeneration;
    Instant progressMark;
    Counts lastCounts;
    long counterRegistration = -1;
    int starts;

    /** Counts one container start; answers whether it exits by the behaviour. */
    boolean countStart(Registration r) {
      if (counterRegistration != r.id()) {
        counterRegistration = r.id();
        starts = 0;
      }
      return r.behavior().exitsOnStart(starts++);
    }
  }
}
