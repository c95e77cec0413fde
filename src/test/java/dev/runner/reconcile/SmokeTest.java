package dev.runner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.RunnerGroup;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void chain() {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(List.of(CustomResourceDefinitionContext.fromCustomResourceType(RunnerGroup.class))), false);
    server.init();
    KubernetesClient client = server.createClient();
    try (RunnerOperator operator = RunnerOperator.builder(client).build().start()) {
      RunnerGroup group = Serialization.unmarshal("""
          apiVersion: runner.dev/v1alpha1
          kind: RunnerGroup
          metadata: {name: app, namespace: test}
          spec:
            services:
            - name: db
              template: {spec: {containers: [{name: db, image: postgres}]}}
            - name: api
              dependsOn: [db]
              template: {spec: {containers: [{name: api, image: api}]}}
          """, RunnerGroup.class);
      client.resource(group).create();
      await().atMost(Duration.ofSeconds(10)).until(() -> client.apps().deployments().inNamespace("test").withName("app-db").get() != null);
      RunnerGroup seen = client.resources(RunnerGroup.class).inNamespace("test").withName("app").get();
      System.out.println(Serialization.asYaml(seen));
      assertThat(client.apps().deployments().inNamespace("test").withName("app-api").get()).isNull();
      Deployment db = client.apps().deployments().inNamespace("test").withName("app-db").get();
      db.setStatus(new DeploymentStatusBuilder().withObservedGeneration(db.getMetadata().getGeneration())
          .withReplicas(1).withUpdatedReplicas(1).withAvailableReplicas(1).withReadyReplicas(1).build());
      client.resource(db).updateStatus();
      await().atMost(Duration.ofSeconds(10)).until(() -> client.apps().deployments().inNamespace("test").withName("app-api").get() != null);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
          client.resources(RunnerGroup.class).inNamespace("test").withName("app").get().getStatus().getServices().get("api").getPhase())
          .hasToString("Starting"));
      System.out.println(Serialization.asYaml(client.resources(RunnerGroup.class).inNamespace("test").withName("app").get()));
      System.out.println(Serialization.asYaml(client.v1().events().inNamespace("test").list().getItems().stream().map(e -> e.getReason() + ": " + e.getMessage()).toList()));
    } finally {
      client.close();
      server.destroy();
    }
  }
}
