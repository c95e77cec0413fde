package dev.runner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
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
    TrimmedItemStore<Pod> store = new TrimmedItemStore<>();
    store.put(store.getKey(pod), pod);
    Pod stored = store.get("ns/p");
    assertThat(stored.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(stored.getSpec()).isEqualTo(expected.getSpec());
    assertThat(stored.getStatus()).isEqualTo(expected.getStatus());
    assertThat(stored.getMetadata().getLabels()).isEqualTo(expected.getMetadata().getLabels());
    assertThat(stored.getMetadata().getUid()).isEqualTo("u1");
    assertThat(stored.getMetadata().getResourceVersion()).isEqualTo("7");
  }
}
