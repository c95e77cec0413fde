package dev.runner.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatedKubeletTest {

  private static final String NS = "sandbox";

  private KubernetesMockServer server;
  private KubernetesClient client;
  private SimulatedKubelet kubelet;

  @BeforeEach
  void setUp() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init();
    client = server.createClient();
    kubelet = new SimulatedKubelet(client, NS).start();
  }

  @AfterEach
  void tearDown() {
    kubelet.close();
    client.close();
    server.destroy();
  }

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .ignoreExceptions();
  }

  private Deployment create(String name, int replicas) {
    return client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withNewSelector().addToMatchLabels("app", name).endSelector()
          .withNewTemplate()
            .withNewMetadata().addToLabels("app", name).endMetadata()
            .withNewSpec().addNewContainer().withName("main").withImage("example/app:1").endContainer()
            .endSpec()
          .endTemplate()
        .endSpec().build()).create();
  }

  private void scale(String name, int replicas) {
    edit(name, d -> new DeploymentBuilder(d).editSpec().withReplicas(replicas).endSpec().build());
  }

  /** An edit, retried on a 409: the kubelet writes the status concurrently, as a cluster would. */
  private Deployment edit(String name, UnaryOperator<Deployment> change) {
    AtomicReference<Deployment> result = new AtomicReference<>();
    eventually().until(() -> {
      result.set(client.apps().deployments().inNamespace(NS).withName(name).edit(change));
      return true;
    });
    return result.get();
  }

  private Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(NS).withName(name).get();
  }

  private List<Pod> pods(String name) {
    return client.pods().inNamespace(NS).withLabel("app", name).list().getItems();
  }

  private static ContainerStatus container(Pod pod) {
    return pod.getStatus().getContainerStatuses().get(0);
  }

  private static String podCondition(Pod pod, String type) {
    return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()))
        .map(PodCondition::getStatus).findFirst().orElse(null);
  }

  private static DeploymentCondition condition(Deployment d, String type) {
    return d.getStatus() == null ? null : d.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  private static boolean ready(Pod pod) {
    return "True".equals(podCondition(pod, "Ready"));
  }

  @Test
  void podsStartPendingThenBecomeReadyAndTheDeploymentReportsAvailable() {
    kubelet.behave("web", Behavior.builder().startupTime(Duration.ofMillis(600)).build());
    Deployment d = create("web", 2);

    eventually().until(() -> pods("web").size() == 2);
    List<Pod> pods = pods("web");
    String hash = PodFactory.templateHash(d.getSpec().getTemplate());
    assertThat(pods).allSatisfy(p -> {
      assertThat(p.getMetadata().getName()).matches("web-" + hash + "-[a-z0-9]{5}");
      assertThat(p.getMetadata().getLabels()).containsEntry("app", "web")
          .containsEntry("pod-template-hash", hash);
      assertThat(p.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(o -> assertThat(o.getUid()).isEqualTo(d.getMetadata().getUid()));
      assertThat(p.getMetadata().getFinalizers()).contains(PodFactory.FINALIZER);
      assertThat(p.getStatus().getPhase()).isEqualTo("Pending");
      assertThat(container(p).getState().getWaiting().getReason()).isEqualTo("ContainerCreating");
    });

    eventually().untilAsserted(() -> assertThat(pods("web")).hasSize(2).allSatisfy(p -> {
      assertThat(p.getStatus().getPhase()).isEqualTo("Running");
      assertThat(container(p).getReady()).isTrue();
      assertThat(container(p).getStarted()).isTrue();
      assertThat(container(p).getState().getRunning().getStartedAt()).isNotNull();
      assertThat(container(p).getContainerID()).startsWith("containerd://");
      assertThat(podCondition(p, "Ready")).isEqualTo("True");
      assertThat(podCondition(p, "ContainersReady")).isEqualTo("True");
    }));
    eventually().untilAsserted(() -> {
      Deployment now = deployment("web");
      assertThat(now.getStatus().getObservedGeneration()).isEqualTo(now.getMetadata().getGeneration());
      assertThat(now.getStatus().getReplicas()).isEqualTo(2);
      assertThat(now.getStatus().getUpdatedReplicas()).isEqualTo(2);
      assertThat(now.getStatus().getReadyReplicas()).isEqualTo(2);
      assertThat(now.getStatus().getAvailableReplicas()).isEqualTo(2);
      assertThat(now.getStatus().getUnavailableReplicas()).isNull();
      assertThat(condition(now, "Available").getStatus()).isEqualTo("True");
      assertThat(condition(now, "Progressing").getReason()).isEqualTo("NewReplicaSetAvailable");
    });

    // steady state: nothing is written any more
    String version = deployment("web").getMetadata().getResourceVersion();
    Set<String> podVersions = pods("web").stream().map(p -> p.getMetadata().getResourceVersion())
        .collect(Collectors.toSet());
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(deployment("web").getMetadata().getResourceVersion()).isEqualTo(version);
      assertThat(pods("web").stream().map(p -> p.getMetadata().getResourceVersion())
          .collect(Collectors.toSet())).isEqualTo(podVersions);
    });
  }

  @Test
  void scaleToZeroTerminatesPodsForTheTerminationTime() {
    kubelet.behave("web", Behavior.builder().terminationTime(Duration.ofMillis(700)).build());
    create("web", 2);
    eventually().until(() -> deployment("web").getStatus() != null
        && Integer.valueOf(2).equals(deployment("web").getStatus().getAvailableReplicas()));

    scale("web", 0);
    eventually().untilAsserted(() -> assertThat(pods("web")).hasSize(2).allSatisfy(p -> {
      assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull();
      assertThat(container(p).getReady()).isFalse();
      assertThat(podCondition(p, "Ready")).isEqualTo("False");
    }));
    eventually().until(() -> pods("web").isEmpty());
    eventually().untilAsserted(() -> {
      Deployment d = deployment("web");
      assertThat(d.getStatus().getObservedGeneration()).isEqualTo(2L);
      assertThat(d.getStatus().getReplicas()).isNull();
      assertThat(d.getStatus().getAvailableReplicas()).isNull();
      assertThat(condition(d, "Progressing").getReason()).isEqualTo("NewReplicaSetAvailable");
    });
  }

  @Test
  void deletingTheDeploymentDeletesItsPods() {
    create("web", 2);
    eventually().until(() -> pods("web").size() == 2 && pods("web").stream().allMatch(SimulatedKubeletTest::ready));
    client.apps().deployments().inNamespace(NS).withName("web").delete();
    eventually().until(() -> pods("web").isEmpty());
  }

  @Test
  void aTemplateChangeRollsThePods() {
    Deployment d = create("web", 2);
    eventually().until(() -> pods("web").size() == 2 && pods("web").stream().allMatch(SimulatedKubeletTest::ready));
    String oldHash = PodFactory.templateHash(d.getSpec().getTemplate());

    Deployment changed = edit("web", x -> new DeploymentBuilder(x).editSpec().editTemplate().editSpec().editFirstContainer()
            .withImage("example/app:2").endContainer().endSpec().endTemplate().endSpec().build());
    String newHash = PodFactory.templateHash(changed.getSpec().getTemplate());
    assertThat(newHash).isNotEqualTo(oldHash);

    eventually().untilAsserted(() -> assertThat(pods("web")).hasSize(2).allSatisfy(p -> {
      assertThat(p.getMetadata().getLabels()).containsEntry("pod-template-hash", newHash);
      assertThat(container(p).getImage()).isEqualTo("example/app:2");
      assertThat(ready(p)).isTrue();
    }));
    eventually().untilAsserted(() -> {
      Deployment now = deployment("web");
      assertThat(now.getStatus().getObservedGeneration()).isEqualTo(2L);
      assertThat(now.getStatus().getReplicas()).isEqualTo(2);
      assertThat(now.getStatus().getUpdatedReplicas()).isEqualTo(2);
      assertThat(now.getStatus().getAvailableReplicas()).isEqualTo(2);
      assertThat(condition(now, "Progressing").getMessage()).contains("web-" + newHash);
    });
  }

  @Test
  void aContainerExitIsRecordedAndTheContainerRestartedAfterTheBackOff() {
    kubelet.behave(NS, "web", Behavior.builder().exit(Duration.ofMillis(200), 1, 1)
        .restartBackoff(Duration.ofMillis(600)).build());
    create("web", 1);

    eventually().untilAsserted(() -> assertThat(pods("web")).singleElement().satisfies(p -> {
      ContainerStatus c = container(p);
      assertThat(c.getRestartCount()).isEqualTo(1);
      assertThat(c.getLastState().getTerminated().getExitCode()).isEqualTo(1);
      assertThat(c.getLastState().getTerminated().getReason()).isEqualTo("Error");
      assertThat(c.getLastState().getTerminated().getFinishedAt()).isNotNull();
      assertThat(c.getLastState().getTerminated().getContainerID()).startsWith("containerd://");
      assertThat(c.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
      assertThat(c.getReady()).isFalse();
      assertThat(podCondition(p, "Ready")).isEqualTo("False");
    }));
    eventually().untilAsserted(() -> assertThat(pods("web")).singleElement().satisfies(p -> {
      assertThat(container(p).getState().getRunning()).isNotNull();
      assertThat(container(p).getRestartCount()).isEqualTo(1);
      assertThat(ready(p)).isTrue();
    }));
  }

  @Test
  void exitNowTerminatesRunningContainers() {
    kubelet.behave("web", Behavior.builder().restartBackoff(Duration.ofSeconds(30)).build());
    create("web", 2);
    eventually().until(() -> pods("web").size() == 2 && pods("web").stream().allMatch(SimulatedKubeletTest::ready));

    kubelet.exitNow(NS, "web", 0);
    eventually().untilAsserted(() -> assertThat(pods("web")).hasSize(2).allSatisfy(p -> {
      assertThat(container(p).getLastState().getTerminated().getExitCode()).isZero();
      assertThat(container(p).getLastState().getTerminated().getReason()).isEqualTo("Completed");
      assertThat(container(p).getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
    }));
    eventually().until(() -> deployment("web").getStatus().getAvailableReplicas() == null);
  }

  @Test
  void exitTheFirstKTimesCountsStartsAcrossScaleToZeroAndBack() {
    kubelet.behave("web", Behavior.builder().exit(Duration.ofMillis(100), 1, 2)
        .restartBackoff(Duration.ofSeconds(30)).build());
    create("web", 1);
    for (int round = 0; round < 2; round++) {
      eventually().untilAsserted(() -> assertThat(pods("web")).singleElement().satisfies(p ->
          assertThat(container(p).getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff")));
      scale("web", 0);
      eventually().until(() -> pods("web").isEmpty());
      scale("web", 1);
    }
    eventually().until(() -> pods("web").size() == 1 && ready(pods("web").get(0)));
    await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2)).untilAsserted(() ->
        assertThat(pods("web")).singleElement().satisfies(p -> {
          assertThat(ready(p)).isTrue();
          assertThat(container(p).getRestartCount()).isZero();
        }));
  }

  @Test
  void anImagePullFailureKeepsContainersWaitingUntilItIsLifted() {
    kubelet.behave("web", Behavior.builder().imagePullError("not found")
        .restartBackoff(Duration.ofMillis(200)).build());
    create("web", 1);
    eventually().untilAsserted(() -> assertThat(pods("web")).singleElement().satisfies(p -> {
      assertThat(p.getStatus().getPhase()).isEqualTo("Pending");
      assertThat(container(p).getState().getWaiting().getReason()).isEqualTo("ImagePullBackOff");
      assertThat(container(p).getState().getWaiting().getMessage())
          .isEqualTo("Back-off pulling image \"example/app:1\": not found");
    }));
    assertThat(deployment("web").getStatus().getAvailableReplicas()).isNull();
    assertThat(condition(deployment("web"), "Available").getStatus()).isEqualTo("False");

    kubelet.behave("web", Behavior.DEFAULT);
    eventually().until(() -> ready(pods("web").get(0)));
  }

  @Test
  void aNeverReadyContainerRunsButIsNotReady() {
    kubelet.behave("web", Behavior.builder().neverReady().build());
    create("web", 1);
    eventually().untilAsserted(() -> assertThat(pods("web")).singleElement().satisfies(p -> {
      assertThat(p.getStatus().getPhase()).isEqualTo("Running");
      assertThat(container(p).getState().getRunning()).isNotNull();
      assertThat(container(p).getStarted()).isTrue();
      assertThat(container(p).getReady()).isFalse();
    }));
    eventually().until(() -> deployment("web").getStatus() != null
        && Integer.valueOf(1).equals(deployment("web").getStatus().getReplicas()));
    assertThat(deployment("web").getStatus().getReadyReplicas()).isNull();
    assertThat(deployment("web").getStatus().getUnavailableReplicas()).isEqualTo(1);
  }

  @Test
  void failRolloutSetsProgressDeadlineExceededUntilTheNextGeneration() {
    create("web", 1);
    eventually().until(() -> deployment("web").getStatus() != null
        && Integer.valueOf(1).equals(deployment("web").getStatus().getAvailableReplicas()));
    String hash = PodFactory.templateHash(deployment("web").getSpec().getTemplate());

    kubelet.failRollout(NS, "web");
    eventually().untilAsserted(() -> {
      DeploymentCondition c = condition(deployment("web"), "Progressing");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("ProgressDeadlineExceeded");
      assertThat(c.getMessage()).isEqualTo("ReplicaSet \"web-" + hash + "\" has timed out progressing.");
    });

    scale("web", 0);
    eventually().until(() -> "True".equals(condition(deployment("web"), "Progressing").getStatus()));
  }

  @Test
  void progressDeadlineSecondsIsHonoured() {
    kubelet.behave("web", Behavior.builder().neverReady().build());
    create("web", 1);
    edit("web", d -> new DeploymentBuilder(d)
        .editSpec().withProgressDeadlineSeconds(1).endSpec().build());
    eventually().untilAsserted(() ->
        assertThat(condition(deployment("web"), "Progressing").getReason())
            .isEqualTo("ProgressDeadlineExceeded"));
  }

  @Test
  void initContainersCompleteAndANativeSidecarRunsBesideTheContainers() {
    client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName("init").endMetadata()
        .withNewSpec()
          .withReplicas(1)
          .withNewSelector().addToMatchLabels("app", "init").endSelector()
          .withNewTemplate()
            .withNewMetadata().addToLabels("app", "init").endMetadata()
            .withNewSpec()
              .addNewInitContainer().withName("migrate").withImage("example/migrate:1").endInitContainer()
              .addNewInitContainer().withName("proxy").withImage("example/proxy:1").withRestartPolicy("Always").endInitContainer()
              .addNewContainer().withName("main").withImage("example/app:1").endContainer()
              .addNewContainer().withName("log").withImage("example/log:1").endContainer()
            .endSpec()
          .endTemplate()
        .endSpec().build()).create();
    eventually().untilAsserted(() -> assertThat(pods("init")).singleElement().satisfies(p -> {
      assertThat(ready(p)).isTrue();
      assertThat(p.getStatus().getContainerStatuses()).extracting(ContainerStatus::getName).containsExactly("main", "log");
      List<ContainerStatus> inits = p.getStatus().getInitContainerStatuses();
      assertThat(inits).extracting(ContainerStatus::getName).containsExactly("migrate", "proxy");
      assertThat(inits.get(0).getState().getTerminated().getExitCode()).isZero();
      assertThat(inits.get(0).getState().getTerminated().getReason()).isEqualTo("Completed");
      assertThat(inits.get(1).getState().getRunning()).isNotNull();
      assertThat(inits.get(1).getReady()).isTrue();
    }));
  }

  @Test
  void anEvictedPodStaysInPhaseFailedAndIsReplaced() {
    create("ev", 1);
    eventually().until(() -> pods("ev").size() == 1 && ready(pods("ev").get(0)));
    String evicted = pods("ev").get(0).getMetadata().getName();
    kubelet.evictOne(NS, "ev");
    eventually().untilAsserted(() -> {
      List<Pod> pods = pods("ev");
      assertThat(pods).hasSize(2);
      Pod gone = pods.stream().filter(p -> p.getMetadata().getName().equals(evicted)).findFirst().orElseThrow();
      assertThat(gone.getStatus().getPhase()).isEqualTo("Failed");
      assertThat(gone.getStatus().getReason()).isEqualTo("Evicted");
      assertThat(gone.getMetadata().getDeletionTimestamp()).isNull();
      assertThat(container(gone).getState().getTerminated().getExitCode()).isEqualTo(137);
      assertThat(pods.stream().filter(p -> !p.getMetadata().getName().equals(evicted))).singleElement()
          .satisfies(p -> assertThat(ready(p)).isTrue());
      assertThat(deployment("ev").getStatus().getReplicas()).isEqualTo(1);
      assertThat(deployment("ev").getStatus().getAvailableReplicas()).isEqualTo(1);
    });
    // A scale-down leaves the Failed pod alone (a ReplicaSet deletes active pods only).
    scale("ev", 0);
    eventually().untilAsserted(() -> assertThat(pods("ev")).singleElement()
        .satisfies(p -> assertThat(p.getMetadata().getName()).isEqualTo(evicted)));
  }

  @Test
  void oneReplicaExitsAndIsRestartedInPlaceWhileTheOthersStayReady() {
    kubelet.behave("one", Behavior.builder().restartBackoff(Duration.ofMillis(300)).build());
    create("one", 3);
    eventually().until(() -> pods("one").size() == 3 && pods("one").stream().allMatch(SimulatedKubeletTest::ready));
    kubelet.exitOneNow(NS, "one", 137);
    eventually().untilAsserted(() -> {
      List<Pod> pods = pods("one");
      assertThat(pods.stream().filter(p -> container(p).getRestartCount() == 1)).singleElement()
          .satisfies(p -> assertThat(container(p).getLastState().getTerminated().getExitCode()).isEqualTo(137));
      assertThat(pods.stream().filter(SimulatedKubeletTest::ready)).hasSize(3);
    });
    assertThat(pods("one")).hasSize(3);
  }
}
