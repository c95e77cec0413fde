package dev.runner.scenario;

import dev.runner.api.RunnerGroup;
import dev.runner.it.OperatorAccount;
import dev.runner.it.OperatorProcess;
import dev.runner.it.RealApiServer;
import dev.runner.it.StagedPods;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.TestInfo;

/**
 * A scenario's cluster on the real control plane ({@link RealApiServer}: kube-apiserver,
 * kube-controller-manager, kube-scheduler, kwok's Nodes): the real Deployment and ReplicaSet
 * controllers make the Pods, kwok's stages play them, and the scenario's {@link
 * dev.runner.sandbox.Behavior}s reach the stages through {@link StagedPods}. The test uses the
 * admin client; the operator is the packaged jar's {@code run} command in a
 * process of its own ({@link OperatorProcess}) with only a token of the Helm chart's ServiceAccount
 * and leader election on the chart's Lease. Its log goes to {@code target/operator-logs/<test>.log};
 * stopping it (SIGTERM) fails the test when it does not exit 0 or when its log shows a 403.
 * The server is shared by the whole suite, so the scenario namespace is emptied before and after.
 */
public final class RealClusterFixture extends ClusterFixture {
  static final Path LOGS = Path.of("target", "operator-logs");

  private final RealApiServer server;
  private final KubernetesClient client;
  private final StagedPods kubelet;
  private final String namespace;
  private final String name;
  private final List<Path> logs = new ArrayList<>();
  private OperatorProcess operator;
  /** Reconciles of the processes already stopped: {@link #decisions()} counts on across restarts. */
  private int earlierDecisions;

  /** @param name the test, for the operator's log file */
  public RealClusterFixture(RealApiServer server, String namespace, String name) {
    this.server = server;
    this.namespace = namespace;
    this.name = name.replaceAll("[^A-Za-z0-9_.-]+", "_");
    OperatorAccount.install(server);
    client = new KubernetesClientBuilder().withConfig(server.client().getConfiguration()).build();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .createOr(r -> r.update());
    kubelet = server.controlPlane().pods();
    kubelet.reset();
    clean();
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  /** The fixture of a scenario class's test on the shared server, in namespace {@code namespace}. */
  static RealClusterFixture forTest(TestInfo test, String namespace) {
    String method = test.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test");
    String display = test.getDisplayName();
    String name = test.getTestClass().map(Class::getSimpleName).orElse("Scenario") + "." + method
        + (display.startsWith(method + "(") ? "" : "-" + display);
    return new RealClusterFixture(RealApiServer.current(), namespace, name);
  }

  /** Starts the operator's process and waits until it serves /readyz as the leader. */
  @Override
  public synchronized void startOperator() {
    if (operator == null) {
      int n = logs.size() + 1;
      Path log = LOGS.resolve(name + (n == 1 ? "" : "-" + n) + ".log").toAbsolutePath();
      try {
        Files.deleteIfExists(log);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      logs.add(log);
      operator = OperatorProcess.start(server, log, "it-" + name + "-" + n);
    }
  }

  /**
   * SIGTERM; the process must exit 0, its log must show no 403 (the chart's RBAC too narrow), and it
   * must have released the Lease it held.
   */
  @Override
  public synchronized void stopOperator() {
    if (operator == null) {
      return;
    }
    OperatorProcess stopping = operator;
    try {
      earlierDecisions += stopping.reconciles();
    } catch (RuntimeException e) {
      // not serving any more: nothing to add
    }
    operator = null;
    int exit = stopping.stop();
    if (exit != 0) {
      throw new AssertionError("the operator exited with code " + exit + " after SIGTERM (expected 0); log "
          + stopping.log());
    }
    List<String> forbidden = stopping.forbiddenLines();
    if (!forbidden.isEmpty()) {
      throw new AssertionError("the operator was refused (403) with the chart's RBAC; log " + stopping.log() + ":\n"
          + String.join("\n", forbidden));
    }
    // It led (start waits for that), so it must have handed the Lease back: LeaseRelease is quiet on a 403.
    if (!stopping.releasedLease()) {
      throw new AssertionError("the operator led but did not release the Lease on SIGTERM; log " + stopping.log());
    }
  }

  /** A JVM to stop and one to start, informers to sync, the Lease to take: seconds on a loaded machine. */
  @Override
  public Duration operatorRestartTime() {
    return Duration.ofSeconds(8);
  }

  /** Round trips to a real server from another JVM, on a loaded machine: seen up to 330 ms. */
  @Override
  public Duration writeLag() {
    return Duration.ofMillis(500);
  }

  /** Reconciles the operator's processes finished, read from their /metrics. */
  @Override
  public synchronized int decisions() {
    return earlierDecisions + (operator == null ? 0 : operator.reconciles());
  }

  @Override
  public StagedPods kubelet() {
    return kubelet;
  }

  /** The lines of every log of this test's operator processes so far that match {@code pattern}. */
  public synchronized List<String> operatorLogLines(java.util.regex.Pattern pattern) {
    List<String> found = new ArrayList<>();
    for (Path log : logs) {
      try (var lines = Files.lines(log)) {
        lines.filter(l -> pattern.matcher(l).find()).forEach(found::add);
      } catch (java.nio.file.NoSuchFileException e) {
        // not started yet
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return found;
  }

  /** The real server keeps no request log for us. */
  @Override
  public Optional<RequestLog> requests() {
    return Optional.empty();
  }

  @Override
  public void close() {
    try {
      super.close();
    } finally {
      clean();
      kubelet.reset();
      client.close();
    }
  }

  /**
   * Empties the namespace: RunnerGroups (without their finalizer: the operator may be gone), then
   * Deployments in the foreground (the garbage collector removes their ReplicaSets and Pods), Pods
   * left over with grace 0, and the Events.
   */
  private void clean() {
    for (RunnerGroup g : client.resources(RunnerGroup.class).inNamespace(namespace).list().getItems()) {
      var r = client.resources(RunnerGroup.class).inNamespace(namespace).withName(g.getMetadata().getName());
      if (g.getMetadata().getFinalizers() != null && !g.getMetadata().getFinalizers().isEmpty()) {
        r.edit(x -> {
          x.getMetadata().setFinalizers(List.of());
          return x;
        });
      }
      r.delete();
    }
    client.apps().deployments().inNamespace(namespace).withPropagationPolicy(
        io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
    client.apps().replicaSets().inNamespace(namespace).withPropagationPolicy(
        io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
    deletePods();
    client.v1().events().inNamespace(namespace).delete();
    Awaitility.await("namespace " + namespace + " empty").atMost(Duration.ofSeconds(30)).until(() ->
        client.resources(RunnerGroup.class).inNamespace(namespace).list().getItems().isEmpty()
            && client.apps().deployments().inNamespace(namespace).list().getItems().isEmpty()
            && client.apps().replicaSets().inNamespace(namespace).list().getItems().isEmpty()
            && deletePods());
  }

  /** Deletes the namespace's Pods at once (grace 0); true when there were none. */
  private boolean deletePods() {
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
    for (Pod p : pods) {
      var r = client.pods().inNamespace(namespace).withName(p.getMetadata().getName());
      if (p.getMetadata().getFinalizers() != null && !p.getMetadata().getFinalizers().isEmpty()) {
        r.edit(x -> {
          x.getMetadata().setFinalizers(List.of());
          return x;
        });
      }
      r.withGracePeriod(0).delete();
    }
    return pods.isEmpty();
  }
}
