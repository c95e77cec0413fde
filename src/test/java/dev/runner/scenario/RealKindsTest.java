package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.it.RealApiServerTest;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A StatefulSet service on the real control plane: the real StatefulSet controller makes its claim,
 * kube-controller-manager's PersistentVolume binder binds it to a static PersistentVolume the test
 * creates (kwok's nodes provision nothing), the scheduler places the pod once the claim is bound.
 * Deleting the group leaves the claim bound; a new group of the same name mounts the same claim.
 * The operator runs as its own process with the Helm chart's ServiceAccount (a 403 fails the test).
 */
@RealApiServerTest
class RealKindsTest extends ScenarioTest {
  private static final Duration SLOW = Duration.ofSeconds(90);
  private static final String VOLUME = "runner-kinds-test-pv";

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }

  @AfterEach
  void removeVolumes() {
    client.persistentVolumeClaims().inNamespace(NS).list().getItems().forEach(c ->
        client.persistentVolumeClaims().inNamespace(NS).withName(c.getMetadata().getName()).edit(x -> {
          x.getMetadata().setFinalizers(java.util.List.of());
          return x;
        }));
    client.persistentVolumeClaims().inNamespace(NS).delete();
    client.persistentVolumes().withName(VOLUME).edit(x -> {
      x.getMetadata().setFinalizers(java.util.List.of());
      return x;
    });
    client.persistentVolumes().withName(VOLUME).delete();
  }

  static String keep() {
    return group("keep", svc("db", "    kind: StatefulSet\n    volumeClaimTemplates: [{metadata: {name: data}, spec: "
        + "{accessModes: [ReadWriteOnce], storageClassName: \"\", resources: {requests: {storage: 1Gi}}}}]\n"));
  }

  @Test
  void claimsOutliveTheGroupAndANewGroupOfTheSameNameMountsThemAgain() {
    PersistentVolume volume = new PersistentVolumeBuilder()
        .withNewMetadata().withName(VOLUME).endMetadata()
        .withNewSpec().withCapacity(java.util.Map.of("storage", new Quantity("1Gi"))).withAccessModes("ReadWriteOnce")
          .withStorageClassName("").withPersistentVolumeReclaimPolicy("Retain")
          .withNewHostPath().withPath("/tmp/runner-kinds-test").endHostPath()
        .endSpec().build();
    client.resource(volume).createOr(r -> r.update());

    apply(keep());
    await().atMost(SLOW).until(() -> status("keep") != null && status("keep").getPhase() == GroupPhase.Ready);
    PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(NS).withName("data-keep-db-0").get();
    assertThat(claim.getStatus().getPhase()).isEqualTo("Bound");
    assertThat(claim.getSpec().getVolumeName()).isEqualTo(VOLUME);
    String uid = claim.getMetadata().getUid();

    client.resources(RunnerGroup.class).inNamespace(NS).withName("keep").delete();
    await().atMost(SLOW).until(() -> group("keep") == null
        && client.apps().statefulSets().inNamespace(NS).withName("keep-db").get() == null
        && client.pods().inNamespace(NS).withName("keep-db-0").get() == null);
    assertThat(client.services().inNamespace(NS).withName("keep-db").get()).as("the headless Service goes with it").isNull();
    PersistentVolumeClaim kept = client.persistentVolumeClaims().inNamespace(NS).withName("data-keep-db-0").get();
    assertThat(kept).as("the claim outlives the group").isNotNull();
    assertThat(kept.getMetadata().getUid()).isEqualTo(uid);
    assertThat(kept.getMetadata().getDeletionTimestamp()).isNull();

    apply(keep());
    await().atMost(SLOW).until(() -> status("keep") != null && status("keep").getPhase() == GroupPhase.Ready);
    Pod pod = client.pods().inNamespace(NS).withName("keep-db-0").get();
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v ->
        assertThat(v.getPersistentVolumeClaim() == null ? null : v.getPersistentVolumeClaim().getClaimName()).isEqualTo("data-keep-db-0"));
    PersistentVolumeClaim again = client.persistentVolumeClaims().inNamespace(NS).withName("data-keep-db-0").get();
    assertThat(again.getMetadata().getUid()).as("the same claim, bound to the same volume").isEqualTo(uid);
    assertThat(again.getSpec().getVolumeName()).isEqualTo(VOLUME);
  }
}
