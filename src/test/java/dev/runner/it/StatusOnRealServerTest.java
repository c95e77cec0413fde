package dev.runner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The status subresource, optimistic locking and finalizers on the real server, as the mock-server
 * suite assumes them; and {@code kubectl get rg} printing the CRD's columns with real values.
 */
@RealApiServerTest
class StatusOnRealServerTest {
  static final String NAMESPACE = "status";

  @BeforeAll
  static void setUp(RealApiServer server) {
    Crds.install(server);
    server.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .createOr(r -> r.update());
  }

  private static RunnerGroup create(RealApiServer server, String name) {
    RunnerGroup group = Serialization.unmarshal("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: %s}
        spec:
          services:
          - name: db
            template: {spec: {containers: [{name: db, image: postgres:16}]}}
          - name: api
            dependsOn: [db]
            template: {spec: {containers: [{name: api, image: api:1}]}}
        """.formatted(name), RunnerGroup.class);
    return server.client().resource(group).inNamespace(NAMESPACE).create();
  }

  private static Resource<RunnerGroup> resource(RealApiServer server, String name) {
    return server.client().resources(RunnerGroup.class).inNamespace(NAMESPACE).withName(name);
  }

  private static RunnerGroupStatus progressing(long generation) {
    RunnerGroupStatus status = new RunnerGroupStatus();
    status.setObservedGeneration(generation);
    status.setHealthy(false);
    status.setPhase(GroupPhase.Progressing);
    status.setReady("1/2");
    status.setMessage("unhealthy services: api: waiting for dependencies: db");
    status.setStartOrder(List.of(List.of("db"), List.of("api")));
    ServiceStatus db = new ServiceStatus();
    db.setHealthy(true);
    db.setRunning(true);
    db.setPhase(ServicePhase.Ready);
    db.setReadyReplicas(1);
    ServiceStatus api = new ServiceStatus();
    api.setPhase(ServicePhase.Waiting);
    api.setError("waiting for dependencies: db");
    api.setWaitingFor(List.of("db"));
    status.setServices(Map.of("db", db, "api", api));
    return status;
  }

  @Test
  void kubectlGetShowsThePrinterColumnsWithRealValues(RealApiServer server) {
    RunnerGroup group = create(server, "shop");
    group.setStatus(progressing(group.getMetadata().getGeneration()));
    server.client().resource(group).updateStatus();

    RealApiServer.Kubectl.Result get = server.kubectl("get", "rg", "-n", NAMESPACE, "shop");
    assertThat(get.ok()).as("%s", get).isTrue();
    List<String> lines = get.stdout().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).split("\\s+")).containsExactly("NAME", "READY", "HEALTHY", "PHASE", "AGE");
    String[] row = lines.get(1).split("\\s+");
    assertThat(row).hasSize(5);
    assertThat(row[0]).isEqualTo("shop");
    assertThat(row[1]).isEqualTo("1/2");
    assertThat(row[2]).isEqualTo("false");
    assertThat(row[3]).isEqualTo("Progressing");
    assertThat(row[4]).matches("\\d+s");

    // the long name and the plural work too
    assertThat(server.kubectl("get", "runnergroups", "-n", NAMESPACE).stdout()).contains("shop");
    assertThat(server.kubectl("get", "runnergroup.runner.dev", "shop", "-n", NAMESPACE).stdout()).contains("Progressing");

    // kubectl describe shows the per-service detail a user needs
    RealApiServer.Kubectl.Result describe = server.kubectl("describe", "rg", "shop", "-n", NAMESPACE);
    assertThat(describe.ok()).as("%s", describe).isTrue();
    assertThat(describe.stdout()).contains("waiting for dependencies: db").contains("Start Order");
  }

  @Test
  void statusIsASubresource(RealApiServer server) {
    RunnerGroup group = create(server, "subresource");
    long generation = group.getMetadata().getGeneration();

    // A status written with the main resource is dropped by the server.
    group.setStatus(progressing(generation));
    RunnerGroup updated = server.client().resource(group).update();
    assertThat(updated.getStatus()).isNull();

    // Written through /status it sticks, and the generation does not move.
    updated.setStatus(progressing(generation));
    RunnerGroup withStatus = server.client().resource(updated).updateStatus();
    assertThat(withStatus.getStatus().getPhase()).isEqualTo(GroupPhase.Progressing);
    assertThat(withStatus.getMetadata().getGeneration()).isEqualTo(generation);

    // A JSON merge patch of /status (what JOSDK does with SSA off) sticks as well.
    RunnerGroup patch = resource(server, "subresource").get();
    patch.getStatus().setPhase(GroupPhase.Ready);
    patch.getStatus().setHealthy(true);
    patch.getStatus().setReady("2/2");
    RunnerGroup patched = resource(server, "subresource").patchStatus(patch);
    assertThat(patched.getStatus().getPhase()).isEqualTo(GroupPhase.Ready);

    // A spec change bumps the generation and leaves the status alone.
    RunnerGroup edited = resource(server, "subresource").edit(g -> {
      g.getSpec().setSuspend(true);
      return g;
    });
    assertThat(edited.getMetadata().getGeneration()).isEqualTo(generation + 1);
    assertThat(edited.getStatus().getPhase()).isEqualTo(GroupPhase.Ready);
  }

  @Test
  void staleUpdatesConflict(RealApiServer server) {
    RunnerGroup first = create(server, "conflict");
    RunnerGroup stale = resource(server, "conflict").get();
    first.setStatus(progressing(1));
    server.client().resource(first).updateStatus();

    stale.setStatus(progressing(1));
    stale.getStatus().setPhase(GroupPhase.Failed);
    assertThatThrownBy(() -> server.client().resource(stale).updateStatus())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    stale.getSpec().setSuspend(true);
    assertThatThrownBy(() -> server.client().resource(stale).update())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void aFinalizerTurnsDeleteIntoADeletionTimestamp(RealApiServer server) {
    create(server, "finalized");
    resource(server, "finalized").edit(g -> {
      g.getMetadata().setFinalizers(List.of("runner.dev/finalizer"));
      return g;
    });
    resource(server, "finalized").delete();
    RunnerGroup deleting = resource(server, "finalized").get();
    assertThat(deleting).isNotNull();
    assertThat(deleting.getMetadata().getDeletionTimestamp()).isNotNull();

    resource(server, "finalized").edit(g -> {
      g.getMetadata().setFinalizers(List.of());
      return g;
    });
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> resource(server, "finalized").get() == null);
  }
}
