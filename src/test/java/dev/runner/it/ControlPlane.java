package dev.runner.it;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rest of a cluster around the test API server: kube-controller-manager (the Deployment,
 * ReplicaSet, StatefulSet, Job, garbage collector and namespace controllers), kube-scheduler, and
 * kwok managing {@value #NODES} fake Nodes whose Pods are played by the stages in {@code it/kwok/}
 * ({@link StagedPods} says which stage a Pod gets). All built by it/cluster/build.sh.
 *
 * <p>Each process logs to {@code target/control-plane/<name>.log}. They are stopped by
 * {@link #close()} (SIGTERM, then SIGKILL), which the test JVM's shutdown hook calls too. A JVM that
 * is killed outright cannot run its hook: every process this class or kube-api-test started is
 * therefore written to {@code target/control-plane/pids}, and {@link #reapOrphans} kills what a
 * previous JVM left there before a new cluster starts.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);
  static final int NODES = 3;
  static final Path DIR = Path.of("target", "control-plane").toAbsolutePath();
  private static final Path PIDS = DIR.resolve("pids");
  /** The kwok stages and config, relative to the project directory (where Maven runs the tests). */
  static final Path KWOK = Path.of("it", "kwok").toAbsolutePath();

  private final List<Process> processes = new ArrayList<>();
  private final KubernetesClient client;
  private final StagedPods pods;
  private volatile boolean closed;

  private ControlPlane(KubernetesClient client) {
    this.client = client;
    this.pods = new StagedPods(client);
  }

  /** Kills the processes a previous test JVM recorded and that still run the same binaries. */
  static void reapOrphans() {
    if (!Files.exists(PIDS)) {
      return;
    }
    try {
      for (String line : Files.readAllLines(PIDS, StandardCharsets.UTF_8)) {
        String[] parts = line.split(" ", 2);
        if (parts.length != 2) {
          continue;
        }
        long pid = Long.parseLong(parts[0]);
        String command = parts[1];
        // Only a process that still runs the recorded binary: a pid may have been reused since.
        ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
            .filter(p -> p.info().command().map(command::equals).orElse(false))
            .ifPresent(p -> {
              log.warn("killing {} (pid {}), left running by an earlier test JVM", command, pid);
              p.destroyForcibly();
              p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
            });
      }
      Files.delete(PIDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Records a child process of this JVM (also etcd and kube-apiserver, started by kube-api-test). */
  static synchronized void record(ProcessHandle process) {
    try {
      Files.createDirectories(DIR);
      String command = process.info().command().orElse("?");
      Files.writeString(PIDS, process.pid() + " " + command + "\n", StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts the controllers, the scheduler and kwok against the API server of {@code kubeconfig},
   * creates the Nodes and returns once they are Ready and schedulable.
   */
  static ControlPlane start(KubernetesClient client, Path binaries, Path kubeconfig) {
    long started = System.nanoTime();
    ControlPlane plane = new ControlPlane(client);
    try {
      Files.createDirectories(DIR);
      String kc = "--kubeconfig=" + kubeconfig;
      plane.spawn(binaries, "kube-controller-manager", kc,
          // persistentvolume-binder: a StatefulSet's claims bind to the static PersistentVolumes a test creates
          // (kwok's nodes provision nothing), so the scheduler places their pods.
          "--controllers=deployment,replicaset,statefulset,job,garbagecollector,namespace,persistentvolume-binder",
          "--leader-elect=false", "--secure-port=0",
          // The suite writes in bursts (a chain of Deployments at once); the defaults (20/30) throttle.
          "--kube-api-qps=500", "--kube-api-burst=1000",
          "--concurrent-deployment-syncs=10", "--concurrent-replicaset-syncs=10", "--concurrent-gc-syncs=20");
      plane.spawn(binaries, "kube-scheduler", kc, "--leader-elect=false", "--secure-port=0");
      plane.spawn(binaries, "kwok", kc,
          "--config=" + KWOK.resolve("kwok.yaml"), "--config=" + KWOK.resolve("node-stages.yaml"),
          "--config=" + KWOK.resolve("stages.yaml"),
          "--manage-all-nodes=true", "--node-ip=10.1.0.1");
      plane.createNodes();
      plane.pods.start();
    } catch (IOException e) {
      plane.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      plane.close();
      throw e;
    }
    log.info("control plane up in {} ms: kube-controller-manager, kube-scheduler, kwok with {} nodes; logs in {}",
        (System.nanoTime() - started) / 1_000_000, NODES, DIR);
    return plane;
  }

  private void spawn(Path binaries, String name, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(binaries.resolve(name).toString());
    command.addAll(List.of(args));
    Path logFile = DIR.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(logFile.toFile());
    // kwok keeps its work files under $HOME/.kwok: this run's own directory, not the user's.
    builder.environment().put("HOME", DIR.toString());
    Process process = builder.start();
    processes.add(process);
    record(process.toHandle());
    log.info("started {} (pid {}), log {}", name, process.pid(), logFile);
    // A process that exits at once (a bad flag) says so in its log: fail here, not in a later wait.
    try {
      if (process.waitFor(300, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + " exited with code " + process.exitValue() + " at start; log "
            + logFile + ":\n" + tail(logFile));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The fake Nodes kwok plays (every Node here: --manage-all-nodes). The apiserver's
   * TaintNodesByCondition admission gives a new Node the not-ready taint and only the node-lifecycle
   * controller (not run) would remove it: the taints are cleared after creating the Node.
   */
  private void createNodes() {
    Map<String, Quantity> capacity = Map.of("cpu", new Quantity("32"), "memory", new Quantity("256Gi"),
        "pods", new Quantity("250"));
    for (int i = 0; i < NODES; i++) {
      String name = "kwok-node-" + i;
      Node node = new NodeBuilder()
          .withNewMetadata().withName(name)
          .addToAnnotations("kwok.x-k8s.io/node", "fake")
          .addToLabels("type", "kwok").addToLabels("kubernetes.io/hostname", name)
          .addToLabels("kubernetes.io/os", "linux").addToLabels("kubernetes.io/arch", "amd64")
          .endMetadata()
          .withNewStatus().withCapacity(capacity).withAllocatable(capacity).endStatus()
          .build();
      client.nodes().resource(node).createOr(r -> r.update());
      // A merge patch: kwok writes the Node's status at the same time, an update would conflict.
      client.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"taints\":null}}");
    }
    Awaitility.await("kwok's " + NODES + " nodes Ready and untainted").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> client.nodes().list().getItems().stream().filter(ControlPlane::readyAndUntainted).count() == NODES);
  }

  private static boolean readyAndUntainted(Node n) {
    boolean ready = n.getStatus() != null && n.getStatus().getConditions() != null
        && n.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return ready && (n.getSpec().getTaints() == null || n.getSpec().getTaints().isEmpty());
  }

  /** What the stages do with the Pods: per Deployment, from a {@link dev.runner.sandbox.Behavior}. */
  public StagedPods pods() {
    return pods;
  }

  /** The processes still running (for a test that checks nothing is left). */
  List<ProcessHandle> running() {
    return processes.stream().filter(Process::isAlive).map(Process::toHandle).toList();
  }

  /** The log of one component, e.g. "kube-controller-manager". */
  public static Path logOf(String component) {
    return DIR.resolve(component + ".log");
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    pods.close();
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** The binary name of a recorded child, for tests. */
  static Optional<String> nameOf(ProcessHandle p) {
    return p.info().command().map(c -> Path.of(c).getFileName().toString());
  }
}
