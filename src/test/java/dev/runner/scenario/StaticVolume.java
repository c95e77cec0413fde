package dev.runner.scenario;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;

/**
 * A PersistentVolume made by hand (static provisioning) for a StatefulSet's claim on the real
 * control plane: there is no provisioner, so kube-controller-manager's PersistentVolume binder binds
 * the claim to this one (1Gi, ReadWriteOnce, no storage class: it also binds a claim that names no
 * class while the cluster has no default StorageClass), and the scheduler can then place the pod.
 */
final class StaticVolume {
  private StaticVolume() {}

  static void create(KubernetesClient client, String name) {
    PersistentVolume volume = new PersistentVolumeBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withCapacity(Map.of("storage", new Quantity("1Gi"))).withAccessModes("ReadWriteOnce")
          .withStorageClassName("").withPersistentVolumeReclaimPolicy("Retain")
          .withNewHostPath().withPath("/tmp/" + name).endHostPath()
        .endSpec().build();
    client.resource(volume).createOr(r -> r.update());
  }

  /**
   * The claims of {@code namespace} and the volume go after a test: their protection finalizers (the
   * StorageObjectInUseProtection admission plugin adds them; their controllers are not run) are
   * removed with a merge patch, which no concurrent status write of the binder can make conflict.
   */
  static void removeWithClaims(KubernetesClient client, String namespace, String name) {
    String noFinalizers = "{\"metadata\":{\"finalizers\":null}}";
    PatchContext merge = PatchContext.of(PatchType.JSON_MERGE);
    client.persistentVolumeClaims().inNamespace(namespace).list().getItems().forEach(c -> {
      client.persistentVolumeClaims().inNamespace(namespace).withName(c.getMetadata().getName()).patch(merge, noFinalizers);
      client.persistentVolumeClaims().inNamespace(namespace).withName(c.getMetadata().getName()).delete();
    });
    if (client.persistentVolumes().withName(name).get() != null) {
      client.persistentVolumes().withName(name).patch(merge, noFinalizers);
      client.persistentVolumes().withName(name).delete();
    }
  }
}
