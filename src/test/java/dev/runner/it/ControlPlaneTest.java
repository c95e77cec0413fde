package dev.runner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The control plane itself: the real Deployment and ReplicaSet controllers make Pods, the real
 * scheduler puts them on kwok's Nodes, and kwok's stages (it/kwok/stages.yaml) play each
 * {@link Behavior} as kubelet would write it: ready after a while, never ready, an exit once or on
 * every start (restartCount, lastState.terminated, CrashLoopBackOff), an image pull failure, init
 * containers and native sidecars, an eviction.
 */
@RealApiServerTest
class ControlPlaneTest {
  static final String NS = "kwok-stages";
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @BeforeAll
  static void namespace(RealApiServer server) {
    server.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .createOr(r -> r.update());
  }

  @AfterEach
  void clean(RealApiServer server) {
    server.controlPlane().pods().reset();
    server.client().apps().deployments().inNamespace(NS).delete();
    await("namespace " + NS + " empty").atMost(PATIENCE)
        .until(() -> server.client().pods().inNamespace(NS).list().getItems().isEmpty());
  }

  @Test
  void theComponentsRunAndAreRecordedForTheReaper(RealApiServer server) throws Exception {
    List<ProcessHandle> running = server.controlPlane().running();
    assertThat(running).extracting(p -> ControlPlane.nameOf(p).orElse("?"))
        .containsExactlyInAnyOrder("kube-controller-manager", "kube-scheduler", "kwok");
    String pids = Files.readString(ControlPlane.DIR.resolve("pids"), StandardCharsets.UTF_8);
    for (ProcessHandle p : running) {
      assertThat(pids).contains(p.pid() + " ");
    }
    assertThat(pids).contains("/etcd").contains("/kube-apiserver");
    for (String component : List.of("kube-controller-manager", "kube-scheduler", "kwok")) {
      assertThat(ControlPlane.logOf(component)).exists();
    }
  }

  @Test
  void readyAfterTheStartupTimeOnAKwokNode(RealApiServer server) {
    server.controlPlane().pods().behave(NS, "slow", Behavior.builder().startupTime(Duration.ofSeconds(2)).build());
    Instant created = Instant.now();
    deployment(server, "slow");
    Pod pod = awaitPod(server, "slow", DeploymentPods::ready);
    assertThat(Duration.between(created, Instant.now())).isGreaterThanOrEqualTo(Duration.ofMillis(1800));
    assertThat(pod.getSpec().getNodeName()).startsWith("kwok-node-");
    assertThat(pod.getMetadata().getName()).startsWith("slow-" + pod.getMetadata().getLabels().get("pod-template-hash") + "-");
    await("the real Deployment controller counts it available").atMost(PATIENCE).until(() -> {
      Deployment d = server.client().apps().deployments().inNamespace(NS).withName("slow").get();
      return d.getStatus() != null && Integer.valueOf(1).equals(d.getStatus().getAvailableReplicas());
    });
  }

  @Test
  void neverReadyRunsButStaysNotReady(RealApiServer server) {
    server.controlPlane().pods().behave(NS, "stuck", Behavior.builder().neverReady().build());
    deployment(server, "stuck");
    awaitPod(server, "stuck", p -> "Running".equals(p.getStatus().getPhase()));
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
        .until(() -> pods(server, "stuck").stream().noneMatch(DeploymentPods::ready));
  }

  @Test
  void anExitOnceIsOneRestartWithTheExitInLastState(RealApiServer server) {
    server.controlPlane().pods().behave(NS, "once", Behavior.builder().restartBackoff(Duration.ofMillis(500))
        .exit(Duration.ofMillis(300), 3, 1).build());
    deployment(server, "once");
    Pod pod = awaitPod(server, "once", p -> DeploymentPods.ready(p) && container(p).getRestartCount() == 1);
    ContainerStatus c = container(pod);
    assertThat(c.getLastState().getTerminated().getExitCode()).isEqualTo(3);
    assertThat(c.getLastState().getTerminated().getReason()).isEqualTo("Error");
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
        .until(() -> pods(server, "once").stream().allMatch(p -> container(p).getRestartCount() == 1 && DeploymentPods.ready(p)));
  }

  @Test
  void anExitOnEveryStartCrashLoops(RealApiServer server) {
    server.controlPlane().pods().behave(NS, "loop", Behavior.builder().restartBackoff(Duration.ofMillis(700))
        .exit(Duration.ofMillis(200), 1).build());
    deployment(server, "loop");
    Pod backingOff = awaitPod(server, "loop", p -> container(p).getState().getWaiting() != null
        && "CrashLoopBackOff".equals(container(p).getState().getWaiting().getReason()));
    assertThat(container(backingOff).getLastState().getTerminated().getExitCode()).isEqualTo(1);
    assertThat(container(backingOff).getState().getWaiting().getMessage()).startsWith("back-off 700ms restarting failed container=loop");
    awaitPod(server, "loop", p -> container(p).getRestartCount() >= 2);
  }

  @Test
  void exitNowEndsTheRunningContainersOnce(RealApiServer server) {
    deployment(server, "now");
    awaitPod(server, "now", DeploymentPods::ready);
    server.controlPlane().pods().exitNow(NS, "now", 7);
    Pod pod = awaitPod(server, "now", p -> DeploymentPods.ready(p) && container(p).getRestartCount() == 1);
    assertThat(container(pod).getLastState().getTerminated().getExitCode()).isEqualTo(7);
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
        .until(() -> pods(server, "now").stream().allMatch(p -> container(p).getRestartCount() == 1));
  }

  @Test
  void anImagePullFailureIsErrImagePullThenImagePullBackOff(RealApiServer server) {
    server.controlPlane().pods().behave(NS, "pull", Behavior.builder().restartBackoff(Duration.ofMillis(800))
        .imagePullError("not found").build());
    deployment(server, "pull");
    Pod first = awaitPod(server, "pull", p -> waiting(p).filter("ErrImagePull"::equals).isPresent());
    assertThat(container(first).getState().getWaiting().getMessage()).contains("not found");
    awaitPod(server, "pull", p -> waiting(p).filter("ImagePullBackOff"::equals).isPresent());
    // The image becomes pullable: the Pod starts.
    server.controlPlane().pods().behave(NS, "pull", Behavior.DEFAULT);
    awaitPod(server, "pull", DeploymentPods::ready);
  }

  @Test
  void initContainersCompleteAndNativeSidecarsRun(RealApiServer server) {
    deployment(server, "init", container("migrate", null), container("proxy", "Always"));
    Pod pod = awaitPod(server, "init", DeploymentPods::ready);
    List<ContainerStatus> init = pod.getStatus().getInitContainerStatuses();
    assertThat(init).extracting(ContainerStatus::getName).containsExactly("migrate", "proxy");
    assertThat(init.get(0).getState().getTerminated().getReason()).isEqualTo("Completed");
    assertThat(init.get(0).getState().getTerminated().getExitCode()).isZero();
    assertThat(init.get(1).getState().getRunning()).isNotNull();
    assertThat(init.get(1).getReady()).isTrue();
  }

  @Test
  void anEvictedPodFailsAndItsReplicaSetReplacesIt(RealApiServer server) {
    create(server.client(), "evict", Map.of("kwok.runner.dev/evict-after", "1s"));
    Pod evicted = awaitPod(server, "evict", p -> "Failed".equals(p.getStatus().getPhase()));
    assertThat(evicted.getStatus().getReason()).isEqualTo("Evicted");
    assertThat(evicted.getStatus().getMessage()).startsWith("The node was low on resource: memory.");
    assertThat(evicted.getStatus().getConditions()).anyMatch(c -> "DisruptionTarget".equals(c.getType())
        && "True".equals(c.getStatus()) && "TerminationByKubelet".equals(c.getReason()));
    await("the ReplicaSet controller makes a replacement").atMost(PATIENCE)
        .until(() -> pods(server, "evict").stream().anyMatch(p -> !p.getMetadata().getName().equals(evicted.getMetadata().getName())));
  }

  // ---- helpers ----

  /** Pod predicates. */
  static final class DeploymentPods {
    static boolean ready(Pod p) {
      return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
          .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
  }

  private static ContainerStatus container(Pod p) {
    return p.getStatus().getContainerStatuses().get(0);
  }

  private static Optional<String> waiting(Pod p) {
    if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null || p.getStatus().getContainerStatuses().isEmpty()) {
      return Optional.empty();
    }
    var w = container(p).getState().getWaiting();
    return Optional.ofNullable(w == null ? null : w.getReason());
  }

  private static List<Pod> pods(RealApiServer server, String deployment) {
    return server.client().pods().inNamespace(NS).withLabel("app", deployment).list().getItems();
  }

  private static Pod awaitPod(RealApiServer server, String deployment, Predicate<Pod> condition) {
    Predicate<Pod> started = p -> p.getStatus() != null && p.getStatus().getContainerStatuses() != null
        && !p.getStatus().getContainerStatuses().isEmpty();
    return await(deployment + "'s Pod").atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
        .until(() -> pods(server, deployment).stream().filter(p -> started.test(p) && condition.test(p)).findFirst(),
            Optional::isPresent)
        .orElseThrow();
  }

  private static void deployment(RealApiServer server, String name, Container... initContainers) {
    create(server.client(), name, Map.of(), initContainers);
  }

  private static Container container(String name, String restartPolicy) {
    return new ContainerBuilder().withName(name).withImage("example/" + name + ":1").withRestartPolicy(restartPolicy).build();
  }

  private static void create(KubernetesClient client, String name, Map<String, String> podAnnotations,
      Container... initContainers) {
    Deployment d = new DeploymentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withReplicas(1)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate()
        .withNewMetadata().addToLabels("app", name).addToAnnotations(podAnnotations).endMetadata()
        .withNewSpec().withInitContainers(initContainers).withContainers(container(name, null)).endSpec()
        .endTemplate()
        .endSpec().build();
    client.apps().deployments().inNamespace(NS).resource(d).create();
  }
}
