package dev.runner.cli;

import dev.runner.api.RunnerGroup;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * fabric8's mock API server in CRUD mode (plus expectations, for the SelfSubjectRulesReview JOSDK
 * sends before leader election) and a kubeconfig file that points at it.
 */
final class MockCluster implements AutoCloseable {
  final KubernetesMockServer server;
  final KubernetesClient client;
  final Path kubeconfig;

  MockCluster(Path dir) throws IOException {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses, List.of(CustomResourceDefinitionContext.fromCustomResourceType(RunnerGroup.class))),
        false);
    server.init();
    client = server.createClient();
    kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster: {server: "%s"}
        users:
        - name: mock
          user: {token: mock-token}
        contexts:
        - name: mock
          context: {cluster: mock, user: mock, namespace: test}
        current-context: mock
        """.formatted(server.url("/")));
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
