package dev.runner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import dev.runner.core.Names;
import dev.runner.sandbox.Behavior;
import dev.runner.scenario.RealClusterFixture;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chaos on the real control plane (docs/testing.md): 10 groups of 10 services (random small DAGs,
 * two services per group that crash once) are brought up, some restarted by hand and then
 * deleted, while the operator's process is killed with SIGKILL at 20 seeded moments and started again
 * each time. Afterwards every group reached its expected state with exact restart counts, the stop
 * order held on deletion, no Deployment was created twice, the finalizer went only when nothing of
 * its group was left, and nothing else in the namespace was touched. {@code -Dchaos.seed=N} replays a
 * run (the seed is printed first).
 */
@RealApiServerTest
class ChaosOnControlPlaneTest {
  private static final Logger log = LoggerFactory.getLogger(ChaosOnControlPlaneTest.class);
  private static final String NS = "chaos";
  /** The Lease identity of every operator process of the test (a restarted container keeps its name). */
  private static final String IDENTITY = "it-chaos";
  private static final int GROUPS = 10;
  private static final int SERVICES = 10;
  /** The kills in each phase: bring-up, manual restarts, deletion (20 in all). */
  private static final int[] KILLS = {8, 5, 7};
  /**
   * Longer than an operator restart, so every crash is the operator's to count and restart; short,
   * because kwok deletes a Pod in CrashLoopBackOff only once this delay is over.
   */
  private static final Duration KUBELET_BACKOFF = Duration.ofSeconds(15);

  private final long seed = Long.getLong("chaos.seed", System.nanoTime());
  private final Random random = new Random(seed);
  /** The pauses between kills: their own sequence, drawn on the chaos thread. */
  private final Random pauses = new Random(seed + 1);
  private final ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "chaos");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger kills = new AtomicInteger();
  private static final Path LOGS = Path.of("target", "operator-logs").toAbsolutePath();
  /** Every operator process started, in order; its log is ChaosOnControlPlaneTest-n.log. */
  private final List<OperatorProcess> started = new CopyOnWriteArrayList<>();
  /** The processes that lived through the API server's restart. */
  private final Set<OperatorProcess> throughRestart = ConcurrentHashMap.newKeySet();

  private RealApiServer server;
  private RealClusterFixture cluster;
  private KubernetesClient client;
  private volatile OperatorProcess operator;

  /** Per group: service -> its dependencies; and service -> how many times it crashes. */
  private final Map<String, Map<String, List<String>>> dags = new TreeMap<>();
  private final Map<String, Map<String, Integer>> crashes = new TreeMap<>();

  /** What the Deployment informer saw: uids per name, and the resourceVersion of each one's first stop. */
  private final Map<String, Set<String>> uids = new ConcurrentHashMap<>();
  private final Map<String, Long> firstStop = new ConcurrentHashMap<>();
  private volatile long deletionFrom = Long.MAX_VALUE;
  /** What was left of a group when its finalizer went (should be nothing). */
  private final List<String> leftAtFinalizer = new CopyOnWriteArrayList<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  @BeforeEach
  void setUp(RealApiServer server) {
    this.server = server;
    String replay = "chaos seed " + seed + " (replay: -Dchaos.seed=" + seed + ")";
    log.info(replay);
    System.out.println(replay);
    cluster = new RealClusterFixture(server, NS, "ChaosOnControlPlaneTest");
    try (var old = java.nio.file.Files.newDirectoryStream(LOGS, "ChaosOnControlPlaneTest-*.log")) {
      for (Path file : old) {
        java.nio.file.Files.delete(file);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // no logs yet
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    client = cluster.client();
  }

  /**
   * Always, also after a failure: the chaos thread stopped (a start it had under way ends with its
   * process killed), every operator process of the test SIGKILLed if still alive, the Lease freed if
   * one of them still holds it, and the namespace emptied and deleted; then none of them may be
   * alive and nothing of the test may be left, so the suite's next classes meet no operator of ours.
   */
  @AfterEach
  void tearDown() throws InterruptedException {
    try {
      chaos.shutdownNow();
      assertThat(chaos.awaitTermination(60, TimeUnit.SECONDS)).as("the chaos thread ended").isTrue();
      informers.forEach(SharedIndexInformer::close);
    } finally {
      operator = null;
      started.stream().filter(OperatorProcess::alive).forEach(OperatorProcess::kill);
      ourProcesses().forEach(ProcessHandle::destroyForcibly);
      freeLease();
      cluster.close();
      server.client().namespaces().withName(NS).delete();
      await("namespace " + NS + " gone").atMost(Duration.ofSeconds(60))
          .until(() -> server.client().namespaces().withName(NS).get() == null);
    }
    assertThat(started).as("operator processes of the test alive after it").noneMatch(OperatorProcess::alive);
    assertThat(ourProcesses().toList()).as("processes of this JVM that run the operator as " + IDENTITY).isEmpty();
  }

  /** This JVM's child processes that run the operator with the test's identity. */
  private static Stream<ProcessHandle> ourProcesses() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive)
        .filter(p -> p.info().arguments().map(List::of).orElse(List.of()).contains(IDENTITY));
  }

  /** A process killed while it led leaves the Lease held for 15 s: the next class's operator need not wait. */
  private void freeLease() {
    var lease = server.client().resources(Lease.class).inNamespace(OperatorAccount.NAMESPACE).withName(OperatorAccount.LEASE);
    Lease held = lease.get();
    if (held != null && held.getSpec() != null && IDENTITY.equals(held.getSpec().getHolderIdentity())) {
      lease.delete();
    }
  }

  @Test
  void groupsReachTheirStateThroughKillsOfTheOperator() throws Exception {
    ConfigMap foreignMap = client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder()
        .withNewMetadata().withName("foreign").endMetadata().addToData("k", "v").build()).create();
    client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName("foreign").endMetadata()
        .withNewSpec().withReplicas(0).withNewSelector().addToMatchLabels("app", "foreign").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "foreign").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("example/foreign:1").endContainer().endSpec()
        .endTemplate().endSpec().build()).create();
    // Settled once the Deployment controller has written its conditions for the new (empty) ReplicaSet.
    await("foreign Deployment settled").atMost(Duration.ofSeconds(30)).until(() -> {
      Deployment d = client.apps().deployments().inNamespace(NS).withName("foreign").get();
      return d.getStatus() != null && d.getStatus().getConditions() != null
          && d.getStatus().getConditions().stream().anyMatch(c -> "NewReplicaSetAvailable".equals(c.getReason()))
          && d.getStatus().getConditions().stream().anyMatch(c -> "Available".equals(c.getType()));
    });
    String foreignDeploymentVersion = client.apps().deployments().inNamespace(NS).withName("foreign").get()
        .getMetadata().getResourceVersion();

    List<String> yamls = new ArrayList<>();
    for (int g = 0; g < GROUPS; g++) {
      yamls.add(randomGroup("g" + g));
    }
    watchDeployments();
    watchGroups();
    operator = startOperator();

    // Bring-up, with crashes, while the operator is killed.
    yamls.forEach(this::apply);
    awaitAll("bring-up", Duration.ofSeconds(150), chaos(KILLS[0]), Map.of());

    // The API server goes away under the running operator and comes back on the same etcd. Now, while
    // no Pod is being made: StagedPods annotates a new Pod once, and a patch lost meanwhile would
    // leave that Pod unplayed.
    throughRestart.add(operator);
    server.restartApiServer();
    if (!operator.alive()) {
      // it gave up (its Lease could not be renewed): started again, as its container would be
      log.info("chaos seed {}: the operator exited during the API server's restart; starting it again", seed);
      operator = startOperator();
    }

    // Manual restarts of one service per group.
    Map<String, String> restarted = new TreeMap<>();
    for (String g : dags.keySet()) {
      String service = "s" + random.nextInt(SERVICES);
      restarted.put(g, service);
      client.resources(RunnerGroup.class).inNamespace(NS).withName(g).edit(x -> {
        x.getMetadata().getAnnotations().put(Names.SERVICE_RESTART_PREFIX + service, "chaos-1");
        return x;
      });
    }
    awaitAll("manual restarts", Duration.ofSeconds(120), chaos(KILLS[1]), restarted);

    // Deletion.
    deletionFrom = Long.parseLong(client.apps().deployments().inNamespace(NS).list().getMetadata().getResourceVersion());
    for (String g : dags.keySet()) {
      client.resources(RunnerGroup.class).inNamespace(NS).withName(g).delete();
    }
    CompletableFuture<Void> deletion = chaos(KILLS[2]);
    // 7 restarts of the operator of 4-20 s each (the latter at load 18 on 2 cores) in this phase.
    await(seeded("deletion")).atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      assertThat(phaseOver(deletion)).as("this phase's kills done").isTrue();
      assertThat(client.resources(RunnerGroup.class).inNamespace(NS).list().getItems()).as("groups left")
          .extracting(g -> g.getMetadata().getName()).isEmpty();
      assertThat(client.apps().deployments().inNamespace(NS).withLabel(Names.GROUP_LABEL).list().getItems())
          .as("Deployments left").extracting(d -> d.getMetadata().getName()).isEmpty();
      assertThat(client.pods().inNamespace(NS).withLabel(Names.GROUP_LABEL).list().getItems())
          .as("Pods left").extracting(pod -> pod.getMetadata().getName()).isEmpty();
    });
    assertThat(kills.get()).as(seeded("kills")).isEqualTo(KILLS[0] + KILLS[1] + KILLS[2]);

    // The stop order: a dependency stopped (scaled to 0 or deleted) only after each of its dependents.
    List<String> violations = new ArrayList<>();
    dags.forEach((g, dag) -> dag.forEach((service, deps) -> deps.forEach(dep -> {
      Long dependent = firstStop.get(g + "-" + service);
      Long dependency = firstStop.get(g + "-" + dep);
      if (dependent == null || dependency == null || dependency < dependent) {
        violations.add(g + ": " + dep + " stopped at " + dependency + ", its dependent " + service + " at " + dependent);
      }
    })));
    assertThat(violations).as(seeded("stop order on deletion")).isEmpty();
    assertThat(uids).as(seeded("one uid per Deployment name")).allSatisfy((name, ids) -> assertThat(ids).hasSize(1));
    assertThat(uids.keySet()).as(seeded("every service had its Deployment")).hasSize(GROUPS * SERVICES);
    assertThat(leftAtFinalizer).as(seeded("nothing left when the finalizer went")).isEmpty();
    assertThat(client.configMaps().inNamespace(NS).withName("foreign").get().getMetadata().getResourceVersion())
        .as(seeded("foreign ConfigMap untouched")).isEqualTo(foreignMap.getMetadata().getResourceVersion());
    assertThat(client.apps().deployments().inNamespace(NS).withName("foreign").get().getMetadata().getResourceVersion())
        .as(seeded("foreign Deployment untouched")).isEqualTo(foreignDeploymentVersion);

    // The last process is the one the last kill started (the phase is over only once it leads).
    OperatorProcess last = operator;
    operator = null;
    assertThat(last).as(seeded("the last process")).isSameAs(started.get(started.size() - 1));
    assertThat(last.stop()).as(seeded("exit code after SIGTERM")).isZero();
    assertThat(last.releasedLease()).as(seeded("the Lease released on SIGTERM, log " + last.log())).isTrue();
    // A restarted kube-apiserver answers before its RBAC cache is filled (a 403 then names a role of
    // the chart or even a bootstrap role as not found): only the process that lived through it is spared.
    for (OperatorProcess p : started) {
      if (!throughRestart.contains(p)) {
        assertThat(p.forbiddenLines()).as(seeded("403s in " + p.log())).isEmpty();
      }
    }
  }

  /** A group of {@link #SERVICES} services, each depending on up to two earlier ones; two of them crash. */
  private String randomGroup(String g) {
    Map<String, List<String>> dag = new LinkedHashMap<>();
    Map<String, Integer> crashing = new TreeMap<>();
    while (crashing.size() < 2) {
      // Once: a Pod deleted while kwok holds it in CrashLoopBackOff goes only when kwok's restart
      // delay is over, and that in-place start would take a second crash from the budget unplayed.
      crashing.put("s" + random.nextInt(SERVICES), 1);
    }
    StringBuilder services = new StringBuilder();
    for (int i = 0; i < SERVICES; i++) {
      String s = "s" + i;
      List<String> deps = new ArrayList<>();
      for (int d = random.nextInt(3); d > 0 && i > 0; d--) {
        String dep = "s" + random.nextInt(i);
        if (!deps.contains(dep)) {
          deps.add(dep);
        }
      }
      dag.put(s, deps);
      services.append("  - name: ").append(s).append('\n');
      if (!deps.isEmpty()) {
        services.append("    dependsOn: [").append(String.join(", ", deps)).append("]\n");
      }
      if (crashing.containsKey(s)) {
        services.append("    restartConfig: {maxRetries: 5, initialBackoff: 200ms, jitter: false}\n");
        cluster.kubelet().behave(NS, g + "-" + s, Behavior.builder().restartBackoff(KUBELET_BACKOFF)
            .exit(Duration.ofMillis(300), 1, crashing.get(s)).build());
      }
      services.append("    template: {spec: {containers: [{name: ").append(s).append(", image: example/")
          .append(s).append(":1}]}}\n");
    }
    dags.put(g, dag);
    crashes.put(g, crashing);
    return "apiVersion: runner.dev/v1alpha1\nkind: RunnerGroup\nmetadata: {name: " + g + "}\nspec:\n  services:\n"
        + services;
  }

  private void apply(String yaml) {
    RunnerGroup group = Serialization.unmarshal(yaml, RunnerGroup.class);
    group.getMetadata().setNamespace(NS);
    group.getMetadata().setAnnotations(new LinkedHashMap<>());
    client.resources(RunnerGroup.class).inNamespace(NS).resource(group).create();
  }

  /**
   * This phase's kills done (the last process they started leading), every group Ready, every
   * service Ready with its exact restart count, the manual restarts asked for acted on.
   */
  private void awaitAll(String phase, Duration atMost, CompletableFuture<Void> kills, Map<String, String> restarted) {
    await(seeded(phase)).atMost(atMost).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      assertThat(phaseOver(kills)).as("this phase's kills done").isTrue();
      for (RunnerGroup group : client.resources(RunnerGroup.class).inNamespace(NS).list().getItems()) {
        String g = group.getMetadata().getName();
        assertThat(group.getStatus()).as(g).isNotNull();
        assertThat(group.getStatus().getPhase()).as(g + " phase").isEqualTo(GroupPhase.Ready);
        for (String s : dags.get(g).keySet()) {
          ServiceStatus status = group.getStatus().getServices().get(s);
          assertThat(status).as(g + "/" + s).isNotNull();
          assertThat(status.getPhase()).as(g + "/" + s + " phase").isEqualTo(ServicePhase.Ready);
          // A manual restart forgets the count (docs/restarts.md); the crashes were all spent before it.
          assertThat(status.getRestarts()).as(g + "/" + s + " restarts")
              .isEqualTo(s.equals(restarted.get(g)) ? 0 : crashes.get(g).getOrDefault(s, 0));
          if (s.equals(restarted.get(g))) {
            assertThat(status.getRestartRequest()).as(g + "/" + s + " manual restart").isEqualTo("chaos-1");
          }
        }
      }
    });
  }

  /** Whether a phase's kills are all done; a kill or restart that failed fails the test at once. */
  private static boolean phaseOver(CompletableFuture<Void> kills) {
    if (kills.isCompletedExceptionally()) {
      kills.join(); // throws what failed
    }
    return kills.isDone();
  }

  /**
   * {@code n} kills, one after another on the chaos thread: a seeded pause (0.3 to 2.5 s), SIGKILL,
   * and a new process with the same identity (as a restarted container), which takes the Lease at
   * once. Completes once the last new process leads, so {@link #operator} is then the live one.
   */
  private CompletableFuture<Void> chaos(int n) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    killAfterAPause(n, done);
    return done;
  }

  private void killAfterAPause(int n, CompletableFuture<Void> done) {
    if (n == 0) {
      done.complete(null);
      return;
    }
    long pause = 300 + pauses.nextInt(2200);
    chaos.schedule(() -> {
      try {
        OperatorProcess victim = operator;
        victim.kill();
        int k = kills.incrementAndGet();
        log.info("chaos seed {}: kill {} of the operator (pid {}) after a pause of {} ms", seed, k, victim.pid(), pause);
        operator = startOperator();
        killAfterAPause(n - 1, done);
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    }, pause, TimeUnit.MILLISECONDS);
  }

  private OperatorProcess startOperator() {
    OperatorProcess p = OperatorProcess.start(server,
        LOGS.resolve("ChaosOnControlPlaneTest-" + (started.size() + 1) + ".log"), IDENTITY);
    started.add(p);
    return p;
  }

  private void watchDeployments() {
    informers.add(client.apps().deployments().inNamespace(NS).withLabel(Names.GROUP_LABEL)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Deployment d) {
            uids.computeIfAbsent(d.getMetadata().getName(), k -> ConcurrentHashMap.newKeySet()).add(d.getMetadata().getUid());
            seen(d, false);
          }

          @Override
          public void onUpdate(Deployment old, Deployment d) {
            onAdd(d);
          }

          @Override
          public void onDelete(Deployment d, boolean finalStateUnknown) {
            seen(d, true);
          }
        }));
  }

  /** Records the first stop after the deletion began: scaled to 0, marked for deletion or gone. */
  private void seen(Deployment d, boolean gone) {
    long version = Long.parseLong(d.getMetadata().getResourceVersion());
    boolean stopped = gone || d.getMetadata().getDeletionTimestamp() != null
        || Integer.valueOf(0).equals(d.getSpec().getReplicas());
    if (stopped && version > deletionFrom) {
      firstStop.merge(d.getMetadata().getName(), version, Math::min);
    }
  }

  private void watchGroups() {
    informers.add(client.resources(RunnerGroup.class).inNamespace(NS).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(RunnerGroup g) {
        // nothing: the finalizer is added, not removed
      }

      @Override
      public void onUpdate(RunnerGroup old, RunnerGroup g) {
        if (!old.getMetadata().getFinalizers().isEmpty() && g.getMetadata().getFinalizers().isEmpty()) {
          leftOf(g.getMetadata().getName());
        }
      }

      @Override
      public void onDelete(RunnerGroup g, boolean finalStateUnknown) {
        leftOf(g.getMetadata().getName());
      }
    }));
  }

  private void leftOf(String g) {
    List<String> left = new ArrayList<>();
    client.apps().deployments().inNamespace(NS).withLabel(Names.GROUP_LABEL, g).list().getItems()
        .forEach(d -> left.add("Deployment " + d.getMetadata().getName()));
    client.pods().inNamespace(NS).withLabel(Names.GROUP_LABEL, g).list().getItems()
        .forEach(p -> left.add("Pod " + p.getMetadata().getName()));
    if (!left.isEmpty()) {
      leftAtFinalizer.add(g + ": " + left);
    }
  }

  private String seeded(String what) {
    return what + " (chaos seed " + seed + ", replay with -Dchaos.seed=" + seed + ")";
  }
}
