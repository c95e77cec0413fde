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
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
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

  /**
   * The claims and the volume go after the test: their protection finalizers (the
   * StorageObjectInUseProtection admission plugin adds them; their controllers are not run) are
   * removed with a merge patch, which no concurrent status write of the binder can make conflict.
   */
  @AfterEach
  void removeVolumes() {
    String noFinalizers = "{\"metadata\":{\"finalizers\":null}}";
    PatchContext merge = PatchContext.of(PatchType.JSON_MERGE);
    client.persistentVolumeClaims().inNamespace(NS).list().getItems().forEach(c -> {
      client.persistentVolumeClaims().inNamespace(NS).withName(c.getMetadata().getName()).patch(merge, noFinalizers);
      client.persistentVolumeClaims().inNamespace(NS).withName(c.getMetadata().getName()).delete();
    });
    if (client.persistentVolumes().withName(VOLUME).get() != null) {
      client.persistentVolumes().withName(VOLUME).patch(merge, noFinalizers);
      client.persistentVolumes().withName(VOLUME).delete();
    }
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

  /**
   * A Job service on the real Job controller: its Job has backoffLimit 0 and one pod; a suspend
   * deletes the running Job, the garbage collector its pod, and the group is Suspended. (kwok's
   * stages here play no pod that ends, so a Job does not complete on this control plane.)
   */
  @Test
  void suspendDeletesARunningJobAndTheGarbageCollectorItsPod() {
    apply(group("once", svc("migrate", "    kind: Job\n    restartConfig: {policy: OnFailure}\n")));
    await().atMost(SLOW).until(() -> client.batch().v1().jobs().inNamespace(NS).withName("once-migrate").get() != null
        && !pods("once-migrate").isEmpty());
    io.fabric8.kubernetes.api.model.batch.v1.Job job = client.batch().v1().jobs().inNamespace(NS).withName("once-migrate").get();
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(pods("once-migrate")).singleElement().satisfies(p ->
        assertThat(p.getMetadata().getName()).matches("once-migrate-[a-z0-9]{5}"));
    assertThat(service("once", "migrate").orElseThrow().getPhase()).isEqualTo(dev.runner.api.ServicePhase.Starting);

    client.resources(RunnerGroup.class).inNamespace(NS).withName("once").edit(g -> {
      g.getSpec().setSuspend(true);
      return g;
    });
    await().atMost(SLOW).until(() -> status("once").getPhase() == GroupPhase.Suspended);
    assertThat(client.batch().v1().jobs().inNamespace(NS).withName("once-migrate").get()).isNull();
    assertThat(pods("once-migrate")).isEmpty();
  }
}
