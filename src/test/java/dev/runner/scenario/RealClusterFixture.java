package dev.runner.scenario;

import dev.runner.api.RunnerGroup;
import dev.runner.it.OperatorAccount;
import dev.runner.it.RealApiServer;
import dev.runner.sandbox.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;

/**
 * A scenario's cluster on a real kube-apiserver (no controllers, no nodes): the test and the
 * simulated kubelet use the admin client, the operator a token of the Helm chart's ServiceAccount.
 * The server is shared by the whole suite, so the scenario namespace is emptied before and after.
 */
public final class RealClusterFixture extends ClusterFixture {
  private final KubernetesClient client;
  private final KubernetesClient operatorClient;
  private final SimulatedKubelet kubelet;
  private final String namespace;

  public RealClusterFixture(RealApiServer server, String namespace) {
    this.namespace = namespace;
    OperatorAccount.install(server);
    client = new KubernetesClientBuilder().withConfig(server.client().getConfiguration()).build();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .createOr(r -> r.update());
    clean();
    operatorClient = OperatorAccount.client(server);
    kubelet = new SimulatedKubelet(client, namespace).start();
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public KubernetesClient operatorClient() {
    return operatorClient;
  }

  @Override
  public SimulatedKubelet kubelet() {
    return kubelet;
  }

  /** The real server keeps no request log for us. */
  @Override
  public Optional<RequestLog> requests() {
    return Optional.empty();
  }

  @Override
  public void close() {
    super.close();
    kubelet.close();
    clean();
    operatorClient.close();
    client.close();
  }

  /**
   * Empties the namespace. Nothing else would: without kube-controller-manager there is no garbage
   * collector, and without a kubelet a Pod on a node is only gone after a delete with grace 0.
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
    client.apps().deployments().inNamespace(namespace).delete();
    for (Pod p : client.pods().inNamespace(namespace).list().getItems()) {
      var r = client.pods().inNamespace(namespace).withName(p.getMetadata().getName());
      if (p.getMetadata().getFinalizers() != null && !p.getMetadata().getFinalizers().isEmpty()) {
        r.edit(x -> {
          x.getMetadata().setFinalizers(List.of());
          return x;
        });
      }
      r.withGracePeriod(0).delete();
    }
    client.v1().events().inNamespace(namespace).delete();
    Awaitility.await("namespace " + namespace + " empty").atMost(Duration.ofSeconds(30)).until(() ->
        client.resources(RunnerGroup.class).inNamespace(namespace).list().getItems().isEmpty()
            && client.apps().deployments().inNamespace(namespace).list().getItems().isEmpty()
            && client.pods().inNamespace(namespace).list().getItems().isEmpty());
  }
}
