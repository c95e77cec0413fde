package dev.runner.scenario;

import dev.runner.api.RunnerGroup;
import dev.runner.sandbox.SimulatedKubelet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;

/** fabric8's mock API server in CRUD mode, with every request logged. */
public final class MockClusterFixture extends ClusterFixture {
  private final KubernetesMockServer server;
  private final RequestLog requests;
  private final KubernetesClient client;
  private final SimulatedKubelet kubelet;

  public MockClusterFixture() {
    requests = new RequestLog(new KubernetesCrudDispatcher(
        List.of(CustomResourceDefinitionContext.fromCustomResourceType(RunnerGroup.class))));
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), requests, false);
    server.init();
    client = server.createClient();
    kubelet = new SimulatedKubelet(client).start();
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public SimulatedKubelet kubelet() {
    return kubelet;
  }

  @Override
  public Optional<RequestLog> requests() {
    return Optional.of(requests);
  }

  @Override
  public void close() {
    super.close();
    kubelet.close();
    client.close();
    server.destroy();
  }
}
