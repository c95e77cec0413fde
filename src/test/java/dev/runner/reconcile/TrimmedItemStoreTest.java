package dev.runner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import dev.runner.api.GroupReference;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServiceSpec;
import dev.runner.api.ServiceStatus;
import dev.runner.core.FailureDetector;
import dev.runner.core.Pods;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrimmedItemStoreTest {
  @Test
  void storesTheObjectWithoutManagedFieldsAndEverythingElse() {
    Pod pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").addToLabels("runner.dev/service", "db")
          .withUid("u1").withResourceVersion("7")
          .addToManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").withOperation("Update").build())
        .endMetadata()
        .withNewSpec().withNodeName("n1").addNewContainer().withName("c").withImage("i").endContainer().endSpec()
        .withNewStatus().withPhase("Running").endStatus()
        .build();
    Pod expected = new PodBuilder(pod).editMetadata().withManagedFields().endMetadata().build();
    Pod stored = storedIn(new TrimmedItemStore<>(), pod, "ns/p");
    assertThat(stored.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(stored.getSpec()).isEqualTo(expected.getSpec());
    assertThat(stored.getStatus()).isEqualTo(expected.getStatus());
    assertThat(stored.getMetadata().getLabels()).isEqualTo(expected.getMetadata().getLabels());
    assertThat(stored.getMetadata().getUid()).isEqualTo("u1");
    assertThat(stored.getMetadata().getResourceVersion()).isEqualTo("7");
  }

  /** A pod with a native sidecar and a plain init container that both exited 1, each as kubelet reports them. */
  private static Pod scheduled() {
    return new PodBuilder().withNewMetadata().withName("web-1").withNamespace("ns").withUid("u2").withResourceVersion("9")
          .addToLabels("runner.dev/service", "web")
          .withOwnerReferences(new OwnerReferenceBuilder().withKind("ReplicaSet").withName("web-5d").withUid("rs")
              .withController(true).build())
          .addToManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").withOperation("Update").build())
        .endMetadata()
        .withNewSpec().withNodeName("n1").withRestartPolicy("Always").withServiceAccountName("default")
          .addNewInitContainer().withName("migrate").withImage("m:1").withCommand("migrate").endInitContainer()
          .addNewInitContainer().withName("proxy").withImage("p:1").withRestartPolicy("Always").endInitContainer()
          .addNewContainer().withName("web").withImage("w:1").addNewEnv().withName("K").withValue("V").endEnv()
            .addNewVolumeMount().withName("kube-api-access").withMountPath("/var/run/secrets").endVolumeMount().endContainer()
          .addNewVolume().withName("kube-api-access").withNewProjected().endProjected().endVolume()
          .addNewToleration().withKey("node.kubernetes.io/not-ready").withOperator("Exists").endToleration()
        .endSpec()
        .withNewStatus().withPhase("Running")
          .addNewCondition().withType("Ready").withStatus("True").endCondition()
          .withInitContainerStatuses(
              new ContainerStatusBuilder().withName("migrate").withRestartCount(1).withNewLastState().withNewTerminated()
                  .withExitCode(1).withReason("Error").withStartedAt("2026-12-02T10:00:00Z").withFinishedAt("2026-12-02T10:00:01Z")
                  .endTerminated().endLastState().build(),
              new ContainerStatusBuilder().withName("proxy").withRestartCount(1).withNewLastState().withNewTerminated()
                  .withExitCode(1).withReason("Error").withStartedAt("2026-12-02T10:00:00Z").withFinishedAt("2026-12-02T10:00:02Z")
                  .endTerminated().endLastState().build())
          .addNewContainerStatus().withName("web").withReady(true).withNewState().withNewRunning()
            .withStartedAt("2026-12-02T10:00:03Z").endRunning().endState().endContainerStatus()
        .endStatus()
        .build();
  }

  @Test
  void podsKeepWhatAPodIsJudgedByAndDropTheirContainersConfiguration() {
    Pod original = scheduled();
    Pod pod = scheduled();
    Pod stored = storedIn(TrimmedItemStore.pods(), pod, "ns/web-1");

    assertThat(stored.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(stored.getMetadata()).usingRecursiveComparison().ignoringFields("managedFields").isEqualTo(original.getMetadata());
    assertThat(stored.getStatus()).isEqualTo(original.getStatus());
    assertThat(stored.getSpec().getNodeName()).isEqualTo("n1");
    assertThat(stored.getSpec().getRestartPolicy()).isEqualTo("Always");
    assertThat(stored.getSpec().getInitContainers()).extracting("name", "restartPolicy", "image")
        .containsExactly(org.assertj.core.groups.Tuple.tuple("migrate", null, null), org.assertj.core.groups.Tuple.tuple("proxy", "Always", null));
    assertThat(stored.getSpec().getContainers()).singleElement().satisfies(c -> {
      assertThat(c.getName()).isEqualTo("web");
      assertThat(c.getImage()).isNull();
      assertThat(c.getEnv()).isEmpty();
      assertThat(c.getVolumeMounts()).isEmpty();
    });
    assertThat(stored.getSpec().getVolumes()).isEmpty();
    assertThat(stored.getSpec().getTolerations()).isEmpty();
    assertThat(stored.getSpec().getServiceAccountName()).isNull();
    // Judged the same: the plain init container's exit counts, the sidecar's does not.
    assertThat(FailureDetector.visible(null, List.of(stored))).isEqualTo(FailureDetector.visible(null, List.of(original)))
        .singleElement().satisfies(t -> assertThat(t.toString()).contains("migrate"));
    assertThat(Pods.ready(stored)).isEqualTo(Pods.ready(original)).isTrue();
    assertThat(Pods.history(stored)).isEqualTo(Pods.history(original));
  }

  private static RunnerGroup group() {
    RunnerGroup group = new RunnerGroup();
    group.setMetadata(new ObjectMetaBuilder().withName("app").withNamespace("ns").withGeneration(3L).withUid("g1")
        .withResourceVersion("11").addToAnnotations("kubectl.kubernetes.io/last-applied-configuration", "{...}")
        .addToManagedFields(new ManagedFieldsEntryBuilder().withManager("runner-operator").withOperation("Update").build())
        .build());
    RunnerGroupSpec spec = new RunnerGroupSpec();
    GroupReference db = new GroupReference();
    db.setName("db");
    spec.setDependsOn(List.of(db));
    ServiceSpec web = new ServiceSpec();
    web.setName("web");
    spec.setServices(List.of(web));
    group.setSpec(spec);
    RunnerGroupStatus status = new RunnerGroupStatus();
    status.setObservedGeneration(3L);
    status.setHealthy(true);
    status.setPhase(GroupPhase.Ready);
    status.setReady("1/1");
    status.setMessage("all services ready");
    status.setServices(Map.of("web", new ServiceStatus()));
    group.setStatus(status);
    return group;
  }

  @Test
  void dependenciesKeepWhatAGroupIsSeenByAsADependencyOnly() {
    RunnerGroup original = group();
    RunnerGroup group = group();
    RunnerGroup stored = storedIn(TrimmedItemStore.dependencies(), group, "ns/app");

    assertThat(ClusterView.seen(stored)).isEqualTo(ClusterView.seen(original));
    assertThat(stored.getSpec().getDependsOn()).usingRecursiveFieldByFieldElementComparator().isEqualTo(original.getSpec().getDependsOn());
    assertThat(stored.getSpec().getServices()).isEmpty();
    assertThat(stored.getStatus().getServices()).isEmpty();
    assertThat(stored.getStatus().getMessage()).isEmpty();
    assertThat(stored.getMetadata().getManagedFields()).isNullOrEmpty();
    // Empty, never null: JOSDK's event source reads an annotation from every object it is handed.
    assertThat(stored.getMetadata().getAnnotations()).isNotNull().isEmpty();
    assertThat(stored.getMetadata().getResourceVersion()).isEqualTo("11");
    assertThat(stored.getMetadata().getUid()).isEqualTo("g1");
  }

  @Test
  void aDependencyBeingDeletedOrWithoutStatusIsSeenAsBefore() {
    java.util.function.Supplier<RunnerGroup> deletedWithoutStatus = () -> {
      RunnerGroup group = group();
      group.getMetadata().setDeletionTimestamp("2026-12-02T10:00:00Z");
      group.setStatus(null);
      return group;
    };
    RunnerGroup stored = storedIn(TrimmedItemStore.dependencies(), deletedWithoutStatus.get(), "ns/app");
    assertThat(ClusterView.seen(stored)).isEqualTo(ClusterView.seen(deletedWithoutStatus.get()));
  }

  /** What the store holds under {@code key} (namespace/name) after {@code object} was put in it under its own key. */
  private static <R extends io.fabric8.kubernetes.api.model.HasMetadata> R storedIn(TrimmedItemStore<R> store, R object, String key) {
    store.put(store.getKey(object), object);
    return store.get(key);
  }
}
