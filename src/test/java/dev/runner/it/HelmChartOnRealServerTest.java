package dev.runner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart, installed into the real server with helm-java and uninstalled again: every
 * rendered object (CRD, ServiceAccount, RBAC, Deployment, Service) is accepted and exists as
 * rendered; the real controllers make the operator's Pod and the real scheduler puts it on one of
 * kwok's Nodes (it runs nothing there: the operator under test is a process of its own); uninstall
 * removes all of it but the CRD (Helm never deletes CRDs from crds/).
 */
@RealApiServerTest
class HelmChartOnRealServerTest {
  static final String RELEASE = "chart-check";
  static final String NAMESPACE = "chart-check";

  @Test
  void installThenUninstall(RealApiServer server) {
    KubernetesClient client = server.client();
    List<HasMetadata> rendered = render(server);
    assertThat(rendered).extracting(HasMetadata::getKind)
        .contains("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service");

    Release release = new Helm(OperatorAccount.CHART).install()
        .withName(RELEASE).withNamespace(NAMESPACE).createNamespace()
        .withKubeConfig(server.kubeconfig())
        .call();
    assertThat(release.getStatus()).isEqualTo("deployed");

    assertThat(Crds.awaitEstablished(server)).isNotNull();
    for (HasMetadata object : rendered) {
      HasMetadata live = live(client, object);
      assertThat(live).as("%s %s installed", object.getKind(), object.getMetadata().getName()).isNotNull();
      assertThat(live.getMetadata().getLabels()).as("labels of %s", object.getKind())
          .containsAllEntriesOf(object.getMetadata().getLabels());
    }
    ClusterRole role = client.rbac().clusterRoles().withName(RELEASE + "-runner-operator").get();
    ClusterRole renderedRole = rendered.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
        .findFirst().orElseThrow();
    assertThat(role.getRules()).isEqualTo(renderedRole.getRules());
    Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).withName(RELEASE + "-runner-operator").get();
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(RELEASE + "-runner-operator");
    assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    await("the operator's Pod scheduled onto a kwok Node").atMost(Duration.ofSeconds(60))
        .until(() -> client.pods().inNamespace(NAMESPACE).list().getItems().stream()
            .anyMatch(p -> p.getSpec().getNodeName() != null && p.getSpec().getNodeName().startsWith("kwok-node-")
                && p.getMetadata().getName().startsWith(RELEASE + "-runner-operator-")));

    String uninstalled = new Helm(OperatorAccount.CHART).uninstall(RELEASE)
        .withNamespace(NAMESPACE).withKubeConfig(server.kubeconfig()).call();
    assertThat(uninstalled).contains(RELEASE);
    await("uninstall removes what install made").atMost(Duration.ofSeconds(30))
        .until(() -> rendered.stream().map(o -> live(client, o)).allMatch(Objects::isNull));
    assertThat(Crds.get(server)).as("the CRD stays: Helm never deletes CRDs").isNotNull();
  }

  private static List<HasMetadata> render(RealApiServer server) {
    String manifest = new Helm(OperatorAccount.CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
        .withKubeVersion(server.version()).call();
    return Arrays.stream(manifest.split("(?m)^---\\s*$"))
        .filter(doc -> doc.lines().anyMatch(l -> !l.isBlank() && !l.startsWith("#")))
        .map(doc -> (HasMetadata) Serialization.unmarshal(doc))
        .toList();
  }

  private static HasMetadata live(KubernetesClient client, HasMetadata object) {
    var resources = client.genericKubernetesResources(object.getApiVersion(), object.getKind());
    String name = object.getMetadata().getName();
    if (clusterScoped(object)) {
      return resources.withName(name).get();
    }
    String namespace = object.getMetadata().getNamespace();
    return resources.inNamespace(namespace == null ? NAMESPACE : namespace).withName(name).get();
  }

  private static boolean clusterScoped(HasMetadata object) {
    return List.of("ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace").contains(object.getKind());
  }
}
