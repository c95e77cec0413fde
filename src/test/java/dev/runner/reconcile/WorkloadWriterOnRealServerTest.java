package dev.runner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.WorkloadKind;
import dev.runner.it.RealApiServer;
import dev.runner.it.RealApiServerTest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's delete on a real kube-apiserver (the mock server does not check preconditions):
 * it takes the object it saw, and leaves one created under the same name since.
 */
@RealApiServerTest
class WorkloadWriterOnRealServerTest {
  private static final String NS = "workload-writer";

  @BeforeAll
  static void namespace(RealApiServer server) {
    server.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
  }

  @Test
  void aDeleteTakesTheObjectSeenAndNotOneCreatedUnderItsNameSince(RealApiServer server) {
    KubernetesClient client = server.client();
    Deployment seen = client.resource(deployment("d1", "first")).create();
    assertThat(WorkloadWriter.deleteIfSame(client, WorkloadKind.Deployment, seen)).isTrue();
    await(client, Deployment.class, "d1");
    Deployment other = client.resource(deployment("d1", "second")).create();

    // The same delete again, as a reconcile whose cache still shows the first one makes it.
    assertThat(WorkloadWriter.deleteIfSame(client, WorkloadKind.Deployment, seen)).isFalse();
    Deployment left = client.apps().deployments().inNamespace(NS).withName("d1").get();
    assertThat(left).isNotNull();
    assertThat(left.getMetadata().getUid()).isEqualTo(other.getMetadata().getUid()).isNotEqualTo(seen.getMetadata().getUid());

    assertThat(WorkloadWriter.deleteIfSame(client, WorkloadKind.Deployment, left)).isTrue();
    await(client, Deployment.class, "d1");
    // A name that is free: nothing to delete, no error.
    assertThat(WorkloadWriter.deleteIfSame(client, WorkloadKind.Deployment, left)).isFalse();
  }

  @Test
  void aScaleTakesTheObjectSeenAndNotOneCreatedUnderItsNameSince(RealApiServer server) {
    KubernetesClient client = server.client();
    Deployment seen = client.resource(deployment("s1", "first")).create();
    assertThat(WorkloadWriter.scaleIfSame(client, WorkloadKind.Deployment, seen, 0))
        .hasValueSatisfying(scaled -> assertThat(((Deployment) scaled).getSpec().getReplicas()).isZero());
    assertThat(WorkloadWriter.deleteIfSame(client, WorkloadKind.Deployment, seen)).isTrue();
    await(client, Deployment.class, "s1");
    Deployment other = client.resource(deployment("s1", "second")).create();

    assertThat(WorkloadWriter.scaleIfSame(client, WorkloadKind.Deployment, seen, 3)).isEmpty();
    Deployment left = client.apps().deployments().inNamespace(NS).withName("s1").get();
    assertThat(left.getMetadata().getUid()).isEqualTo(other.getMetadata().getUid());
    assertThat(left.getSpec().getReplicas()).isEqualTo(1);
    // A name that is free: nothing scaled, no error.
    client.resource(left).delete();
    await(client, Deployment.class, "s1");
    assertThat(WorkloadWriter.scaleIfSame(client, WorkloadKind.Deployment, left, 2)).isEmpty();
  }

  @Test
  void aJobsDeleteChecksItsUidToo(RealApiServer server) {
    KubernetesClient client = server.client();
    Job seen = client.resource(new JobBuilder().withNewMetadata().withName("j1").withNamespace(NS).endMetadata()
        .withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never").addNewContainer().withName("c")
        .withImage("busybox").endContainer().endSpec().endTemplate().endSpec().build()).create();
    Job changed = new JobBuilder(seen).editMetadata().withUid("00000000-0000-0000-0000-000000000000").endMetadata().build();
    assertThat(WorkloadWriter.deleteIfSame(client, WorkloadKind.Job, changed)).isFalse();
    assertThat(client.batch().v1().jobs().inNamespace(NS).withName("j1").get()).isNotNull();
    assertThat(WorkloadWriter.deleteIfSame(client, WorkloadKind.Job, seen)).isTrue();
  }

  private static Deployment deployment(String name, String marker) {
    return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(NS).addToLabels("marker", marker).endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
        .endSpec().build();
  }

  /** Until the name is free (a background delete of an object without finalizers is immediate, but read it back). */
  private static void await(KubernetesClient client, Class<? extends HasMetadata> type, String name) {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
        .until(() -> client.resources(type).inNamespace(NS).withName(name).get() == null);
  }
}
