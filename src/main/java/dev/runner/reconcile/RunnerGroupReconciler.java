package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import dev.runner.api.WorkloadKind;
import dev.runner.core.Action;
import dev.runner.core.Backoff;
import dev.runner.core.Decision;
import dev.runner.core.EventNote;
import dev.runner.core.GroupDependencies;
import dev.runner.core.GroupRef;
import dev.runner.core.Names;
import dev.runner.core.Observed;
import dev.runner.core.Supervisor;
import dev.runner.core.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RunnerGroup controller: observe (informer caches), decide ({@link Supervisor}, pure), record
 * (status, only when it changed; then events), apply (workloads). Deployment, StatefulSet, Job and
 * Pod events of a group wake its reconcile at once; timers (start delays, backoff) use JOSDK's reschedule.
 */
@ControllerConfiguration(name = RunnerGroupReconciler.NAME,
    // The restart annotation changes no generation: the filter lets it through, and only what matters.
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = GroupUpdateFilter.class))
public class RunnerGroupReconciler implements Reconciler<RunnerGroup>, Cleaner<RunnerGroup> {
  public static final String NAME = "runnergroup";
  private static final Logger LOG = LoggerFactory.getLogger(RunnerGroupReconciler.class);
  private static final String DEPENDS_ON_INDEX = "runner.dev/depends-on-group";
  /** Events waiting to be sent, at most (each is only its own fields, not its group). */
  static final int EVENTS_QUEUED = 10_000;

  /** For the API calls of one reconcile that can go out together (creates of a wave, their reads). */
  private final ThreadPoolExecutor executor = pool("runnergroup-writer", 8, Integer.MAX_VALUE);
  /**
   * Events go out from one thread, in order, without holding up the reconcile; past
   * {@link #EVENTS_QUEUED} waiting, a new one is dropped (EventRecorder).
   */
  private final ThreadPoolExecutor events = pool("runnergroup-events", 1, EVENTS_QUEUED);
  private final Clock clock;
  private final Supervisor supervisor;
  private final BiConsumer<ResourceID, Decision> observer;
  /** The workloads of each kind the operator owns (by its label). */
  private final Map<WorkloadKind, InformerEventSource<? extends HasMetadata, RunnerGroup>> workloads =
      new EnumMap<>(WorkloadKind.class);
  private InformerEventSource<Pod, RunnerGroup> pods;
  /** The StatefulSets' headless Services the operator owns: a deletion wakes the group, which creates it again. */
  private InformerEventSource<Service, RunnerGroup> services;
  /** The RunnerGroups again, as dependencies of others: a change of one wakes the groups that depend on it. */
  private InformerEventSource<RunnerGroup, RunnerGroup> dependencies;
  /** The namespaces watched; empty for all. */
  private Set<String> watched = Set.of();
  private StatusRecorder recorder;

  /** @param observer told of every decision made (metrics) */
  public RunnerGroupReconciler(Clock clock, Backoff backoff, Consumer<Decision> observer) {
    this(clock, backoff, (group, decision) -> observer.accept(decision));
  }

  /** @param observer told of every decision made, with the group it was made for (metrics) */
  public RunnerGroupReconciler(Clock clock, Backoff backoff, BiConsumer<ResourceID, Decision> observer) {
    this.clock = clock;
    this.supervisor = new Supervisor(backoff);
    this.observer = observer;
  }

  private static ThreadPoolExecutor pool(String name, int threads, int queued) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(queued), runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  @Override
  public List<EventSource<?, RunnerGroup>> prepareEventSources(EventSourceContext<RunnerGroup> context) {
    recorder = new StatusRecorder(new EventRecorder(context.getClient(), clock, EventRecorder.COMPONENT, events));
    Set<String> namespaces = context.getControllerConfiguration().getInformerConfig().getNamespaces();
    watched = InformerConfiguration.allNamespacesWatched(namespaces) ? Set.of() : Set.copyOf(namespaces);
    // One informer per kind when all namespaces or one are watched: then each can have a trimmed store.
    boolean trim = watched.size() <= 1;
    workloads.put(WorkloadKind.Deployment, owned(Deployment.class, "deployments", context, trim ? new TrimmedItemStore<>() : null));
    workloads.put(WorkloadKind.StatefulSet, owned(StatefulSet.class, "statefulsets", context, trim ? new TrimmedItemStore<>() : null));
    workloads.put(WorkloadKind.Job, owned(Job.class, "jobs", context, trim ? new TrimmedItemStore<>() : null));
    pods = owned(Pod.class, "pods", context, trim ? TrimmedItemStore.pods() : null);
    services = owned(Service.class, "services", context, trim ? new TrimmedItemStore<>() : null);
    dependencies = dependencies(context, trim);
    List<EventSource<?, RunnerGroup>> sources = new ArrayList<>(workloads.values());
    sources.addAll(List.of(pods, services, dependencies));
    return sources;
  }

  /**
   * The groups that name a group in {@code spec.dependsOn} are found through an index on the
   * primary cache (key {@code namespace/name} of each dependency); an informer on RunnerGroups in
   * the same namespaces maps a dependency's change to them. Only a change of what a dependent
   * looks at (its state as a dependency, or its own dependsOn, for cycles) wakes them; its
   * creation and its deletion always do.
   */
  private static InformerEventSource<RunnerGroup, RunnerGroup> dependencies(EventSourceContext<RunnerGroup> context, boolean trim) {
    context.getPrimaryCache().addIndexer(DEPENDS_ON_INDEX, group ->
        GroupDependencies.refs(group.getMetadata().getNamespace(), group.getSpec()).stream().map(GroupRef::toString).toList());
    return new InformerEventSource<>(InformerEventSourceConfiguration.from(RunnerGroup.class, RunnerGroup.class)
        .withItemStore(trim ? TrimmedItemStore.dependencies() : null)
        .withName("dependencies")
        .withSecondaryToPrimaryMapper(dependency -> context.getPrimaryCache()
            .byIndex(DEPENDS_ON_INDEX, new GroupRef(dependency.getMetadata().getNamespace(), dependency.getMetadata().getName()).toString())
            .stream()
            .map(ResourceID::fromResource)
            .collect(Collectors.toSet()))
        .withOnUpdateFilter((updated, old) -> !ClusterView.seen(updated).equals(ClusterView.seen(old)))
        .withNamespacesInheritedFromController()
        .build(), context);
  }

  /** The groups the operator sees, from the dependencies' informer. */
  private GroupDependencies.Cluster groups() {
    return new GroupDependencies.Cluster() {
      @Override
      public java.util.Optional<GroupDependencies.Seen> find(GroupRef group) {
        return dependencies.get(new ResourceID(group.name(), group.namespace())).map(ClusterView::seen);
      }

      @Override
      public Set<String> watched() {
        return watched;
      }
    };
  }

  /** An informer on the objects of a kind that carry our label, each mapped to its group by label. */
  private static <R extends io.fabric8.kubernetes.api.model.HasMetadata> InformerEventSource<R, RunnerGroup> owned(
      Class<R> kind, String name, EventSourceContext<RunnerGroup> context, ItemStore<R> store) {
    return new InformerEventSource<>(InformerEventSourceConfiguration.from(kind, RunnerGroup.class)
        .withName(name)
        .withItemStore(store)
        .withLabelSelector(Names.MANAGED_BY + "=" + Names.OPERATOR)
        .withSecondaryToPrimaryMapper(byGroupLabel())
        .withNamespacesInheritedFromController()
        .build(), context);
  }

  private static <R extends io.fabric8.kubernetes.api.model.HasMetadata> SecondaryToPrimaryMapper<R> byGroupLabel() {
    return resource -> {
      String group = ClusterView.label(resource.getMetadata().getLabels(), Names.GROUP_LABEL);
      return group == null ? Set.of() : Set.of(new ResourceID(group, resource.getMetadata().getNamespace()));
    };
  }

  @Override
  public UpdateControl<RunnerGroup> reconcile(RunnerGroup group, Context<RunnerGroup> context) {
    Decision decision = converge(group, context, false);
    UpdateControl<RunnerGroup> control = UpdateControl.noUpdate();
    decision.requeueAfter().ifPresent(control::rescheduleAfter);
    return control;
  }

  @Override
  public DeleteControl cleanup(RunnerGroup group, Context<RunnerGroup> context) {
    RunnerGroupStatus before = group.getStatus();
    Decision decision = converge(group, context, true);
    if (decision.stopped()) {
      if (StatusRecorder.changed(before, decision.status())) {
        // This call wrote the status ("all services stopped"). JOSDK's JSON patch that removes the
        // finalizer is diffed against the group as this call received it, so it would carry status
        // operations for fields that write just changed: 422, ten times over. The next cleanup
        // writes nothing and removes the finalizer.
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(0);
      }
      return DeleteControl.defaultDelete();
    }
    DeleteControl control = DeleteControl.noFinalizerRemoval();
    decision.requeueAfter().ifPresent(control::rescheduleAfter);
    return control;
  }

  private Decision converge(RunnerGroup group, Context<RunnerGroup> context, boolean deleting) {
    KubernetesClient client = context.getClient();
    ResourceID id = ResourceID.fromResource(group);
    ClusterView view = new ClusterView(workloads, pods);
    Observed observed = view.observe(group, deleting, clock.instant(), groups());
    Decision decision = supervisor.decide(observed);
    Observed checked = readHeldNames(client, group, observed, decision);
    if (checked != observed) {
      observed = checked;
      decision = supervisor.decide(observed);
    }
    if (deleting && decision.stopped() && !StatusRecorder.changed(group.getStatus(), decision.status())) {
      // Before the finalizer goes (this cleanup writes no status, so it removes it), what is left
      // is read from the API server, not the caches: a create whose answer was lost, its watch
      // event not come yet, is in no cache.
      Observed listed = ClusterView.withListed(observed, group, listWorkloads(client, group));
      if (listed != observed) {
        Set<String> missed = new java.util.TreeSet<>(listed.workloads().keySet());
        missed.removeAll(observed.workloads().keySet());
        LOG.info("{}/{}: the API server holds workloads of {} that the caches do not show yet; stopping them first",
            group.getMetadata().getNamespace(), group.getMetadata().getName(), missed);
        observed = listed;
        decision = supervisor.decide(observed);
      }
    }
    RunnerGroupStatus previous = group.getStatus();
    Decision decided = decision;
    // The status first, then the workloads: the status holds what cannot be observed again (restart
    // counts, backoff deadlines, the phase a stop was made for). Written after the Deployments, a
    // failed status write lost a failure whose stop had already been made, and the next reconcile
    // saw a stopped Deployment of a "running" service and scaled it straight back up. A decision
    // that only creates first starts holds nothing of that kind (Decision.Order.TOGETHER): its
    // status goes out beside the creates, one round trip less on the way from a dependency ready
    // to its dependent's create.
    CompletableFuture<RunnerGroupStatus> statusWrite = decided.order() == Decision.Order.TOGETHER
        ? CompletableFuture.supplyAsync(() -> recorder.write(group, context, previous, decided.status()), executor)
        : CompletableFuture.completedFuture(recorder.write(group, context, previous, decided.status()));
    WorkloadWriter writer = new WorkloadWriter(client, workloads, services, executor);
    WorkloadWriter.Applied applied = null;
    RuntimeException writeFailed = null;
    try {
      applied = writer.apply(group, decision, observed.workloads());
    } catch (RuntimeException e) {
      writeFailed = e;
    }
    RunnerGroupStatus written;
    try {
      // Awaited before anything else is written or judged: a failed status write fails the
      // reconcile (once the creates beside it are made), and JOSDK's retry decides again.
      written = Parallel.await(statusWrite);
    } catch (RuntimeException e) {
      if (writeFailed != null) {
        e.addSuppressed(writeFailed);
      }
      throw e;
    }
    // The events of what was written, recorded once the workload writes are made (or have failed).
    List<EventNote> notes = new ArrayList<>(written != previous ? decision.events() : List.of());
    try {
      if (writeFailed != null) {
        throw writeFailed;
      }
      if (!applied.conflicts().isEmpty()) {
        // A create met an object holding the name: decided again with it judged (ours: observed;
        // foreign: the service's collision, never adopted or changed), written, and what that
        // decision does to the workloads found to be ours is done (the other services' writes are made).
        observed = judge(group, observed, applied.conflicts());
        Decision again = supervisor.decide(observed);
        RunnerGroupStatus before = written;
        written = recorder.write(group, context, written, again.status());
        if (written != before) {
          notes = new ArrayList<>(again.events());
        }
        Set<String> ours = applied.conflicts().stream().map(WorkloadWriter.Conflict::service)
            .filter(observed.workloads()::containsKey).collect(Collectors.toSet());
        Decision theirs = new Decision(again.plan(), again.actions().stream().filter(a -> ours.contains(a.service())).toList(),
            again.status(), again.events(), again.requeueAfter(), again.stopped());
        Map<String, String> refused = new java.util.TreeMap<>(applied.refused());
        refused.putAll(writer.apply(group, theirs, observed.workloads()).refused());
        applied = new WorkloadWriter.Applied(refused, List.of());
        decision = again;
      }
      if (!applied.refused().isEmpty()) {
        // A write the API server refuses (RBAC too narrow, an invalid template) is that service's
        // error until a write succeeds; the core carries it over, so a retry refused again writes
        // no status. JOSDK's retry backs off.
        Decision denied = supervisor.refused(observed, decision, applied.refused());
        if (StatusRecorder.changed(written, denied.status())) {
          LOG.error("{}/{}: the API server refused writes: {} (retrying with backoff)",
              group.getMetadata().getNamespace(), group.getMetadata().getName(), applied.refused());
        }
        RunnerGroupStatus before = written;
        written = recorder.write(group, context, written, denied.status());
        if (written != before) {
          notes.addAll(denied.events());
        }
        observer.accept(id, denied);
        throw new WorkloadWriteRefused(applied.refused());
      }
      writer.restoreHeadlessServices(group, decision, observed.workloads(), deleting);
    } finally {
      recorder.record(group, notes);
    }
    observer.accept(id, decision);
    return decision;
  }

  /** The group's workloads of every kind as the API server lists them now (by the operator's labels). */
  private Map<WorkloadKind, List<? extends HasMetadata>> listWorkloads(KubernetesClient client, RunnerGroup group) {
    List<WorkloadKind> kinds = List.of(WorkloadKind.values());
    List<List<? extends HasMetadata>> lists = Parallel.map(kinds, executor, kind -> client.resources(WorkloadFactory.type(kind))
        .inNamespace(group.getMetadata().getNamespace())
        .withLabel(Names.MANAGED_BY, Names.OPERATOR)
        .withLabel(Names.GROUP_LABEL, group.getMetadata().getName())
        .list().getItems());
    Map<WorkloadKind, List<? extends HasMetadata>> listed = new EnumMap<>(WorkloadKind.class);
    for (int i = 0; i < kinds.size(); i++) {
      listed.put(kinds.get(i), lists.get(i));
    }
    return listed;
  }

  /** Thrown after refused workload writes were recorded, so that JOSDK retries with its backoff. */
  static final class WorkloadWriteRefused extends RuntimeException {
    WorkloadWriteRefused(Map<String, String> refusals) {
      super("workload writes refused: " + refusals);
    }
  }

  /**
   * A service whose name an object not ours held at the last look (its status says NameCollision)
   * has that name read before a create (for a StatefulSet, the name of its headless Service too):
   * while the object stays, the collision stays as written, with no status write and no create.
   * Any other create goes out without a read, and a 409 is judged then.
   */
  private Observed readHeldNames(KubernetesClient client, RunnerGroup group, Observed observed, Decision decision) {
    Map<String, ServiceStatus> known = observed.previous() == null ? Map.of() : observed.previous().getServices();
    List<String> creates = decision.actions().stream()
        .filter(action -> action instanceof Action.Create)
        .map(Action::service)
        .filter(service -> known.containsKey(service) && known.get(service).getReason() == ServiceReason.NameCollision)
        .toList();
    if (creates.isEmpty()) {
      return observed;
    }
    String namespace = group.getMetadata().getNamespace();
    List<WorkloadWriter.Conflict> held = Parallel.map(creates, executor, service -> {
      String name = Names.deploymentName(group.getMetadata().getName(), service);
      WorkloadKind kind = decision.plan().services().get(service).spec().kind();
      HasMetadata workload = client.resources(WorkloadFactory.type(kind)).inNamespace(namespace).withName(name).get();
      if (workload == null && kind == WorkloadKind.StatefulSet) {
        workload = client.services().inNamespace(namespace).withName(name).get();
      }
      return new WorkloadWriter.Conflict(service, workload);
    }).stream().filter(conflict -> conflict.holder() != null).toList();
    return held.isEmpty() ? observed : judge(group, observed, held);
  }

  /**
   * The observation with the objects that held the names of creates added: ours (an object the
   * informer had not delivered yet) as the service's workload, any other as a collision.
   */
  private static Observed judge(RunnerGroup group, Observed observed, List<WorkloadWriter.Conflict> conflicts) {
    Map<String, Workload> ours = new HashMap<>();
    List<String> foreign = new ArrayList<>();
    for (WorkloadWriter.Conflict conflict : conflicts) {
      HasMetadata holder = conflict.holder();
      if (holder == null) {
        // Deleted between the 409 and the read: JOSDK's retry creates it again.
        throw new IllegalStateException(group.getMetadata().getName() + ": the object holding the name of service "
            + conflict.service() + " was gone when read after its create met 409; retrying");
      }
      if (!WorkloadFactory.ownedBy(holder, group)) {
        foreign.add(conflict.service());
      } else if (!(holder instanceof Service)) {
        ours.put(conflict.service(), Workload.of(holder));
      }
    }
    return ClusterView.with(observed, ours, foreign);
  }
}
