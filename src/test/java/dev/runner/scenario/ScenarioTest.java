package dev.runner.scenario;

import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * The base of every scenario: a fresh cluster fixture with the operator running, a timeline of
 * what happened on the server, and small verbs to read and change RunnerGroups.
 */
public abstract class ScenarioTest {
  protected static final String NS = "test";
  protected static final Duration PATIENCE = Duration.ofSeconds(20);
  protected ClusterFixture cluster;
  protected KubernetesClient client;
  protected Timeline timeline;
  /** The running test: a fixture may name its files after it. */
  protected TestInfo testInfo;

  /** The fixture; a real API server can stand in by overriding this. Called with {@link #testInfo} set. */
  protected ClusterFixture newFixture() {
    return new MockClusterFixture();
  }

  @BeforeEach
  void startCluster(TestInfo testInfo) {
    this.testInfo = testInfo;
    cluster = newFixture();
    client = cluster.client();
    timeline = new Timeline(client, NS);
    cluster.startOperator();
  }

  @AfterEach
  void stopCluster() {
    timeline.close();
    cluster.close();
  }

  /** A RunnerGroup's YAML: its name and its services (each as {@code svc} or a test writes it). */
  protected static String group(String name, String services) {
    return group(name, "", services);
  }

  /** The same, with {@code specExtra} (whole lines, indented two spaces) before the services. */
  protected static String group(String name, String specExtra, String services) {
    return "apiVersion: runner.dev/v1alpha1\nkind: RunnerGroup\nmetadata: {name: " + name + "}\nspec:\n"
        + specExtra + "  services:\n" + services;
  }

  protected RunnerGroup apply(String yaml) {
    RunnerGroup group = Serialization.unmarshal(yaml, RunnerGroup.class);
    group.getMetadata().setNamespace(NS);
    RunnerGroup existing = client.resources(RunnerGroup.class).inNamespace(NS).withName(group.getMetadata().getName()).get();
    if (existing == null) {
      return client.resource(group).create();
    }
    // A read-modify-write, as kubectl edit: the operator's status writes may change the
    // resourceVersion in between (409), and then the edit is made again on what is there now.
    for (int attempt = 1; ; attempt++) {
      try {
        return client.resources(RunnerGroup.class).inNamespace(NS).withName(group.getMetadata().getName())
            .edit(current -> {
              current.setSpec(group.getSpec());
              if (group.getMetadata().getAnnotations() != null) {
                current.getMetadata().setAnnotations(group.getMetadata().getAnnotations());
              }
              return current;
            });
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != java.net.HttpURLConnection.HTTP_CONFLICT || attempt == 5) {
          throw e;
        }
      }
    }
  }

  protected RunnerGroup group(String name) {
    return client.resources(RunnerGroup.class).inNamespace(NS).withName(name).get();
  }

  protected RunnerGroupStatus status(String name) {
    RunnerGroup group = group(name);
    return group == null ? null : group.getStatus();
  }

  protected Optional<ServiceStatus> service(String group, String service) {
    return Optional.ofNullable(status(group)).map(s -> s.getServices().get(service));
  }

  protected Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(NS).withName(name).get();
  }

  protected List<Pod> pods(String deployment) {
    return client.pods().inNamespace(NS).list().getItems().stream()
        .filter(p -> p.getMetadata().getName().startsWith(deployment + "-"))
        .toList();
  }

  /** Event reasons and messages on the group, oldest first. */
  protected List<Event> events(String group) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> group.equals(e.getInvolvedObject().getName()))
        .sorted(Comparator.comparing((Event e) -> Long.parseLong(e.getMetadata().getResourceVersion())))
        .toList();
  }

  protected List<String> eventReasons(String group) {
    return events(group).stream().map(Event::getReason).toList();
  }

  protected void awaitPhase(String group, GroupPhase phase) {
    await().atMost(PATIENCE).until(() -> Optional.ofNullable(status(group)).map(RunnerGroupStatus::getPhase).orElse(null) == phase);
  }

  protected void awaitService(String group, String service, ServicePhase phase) {
    await().atMost(PATIENCE).until(() -> service(group, service).map(ServiceStatus::getPhase).orElse(null) == phase);
  }

  /** A minimal service entry of a RunnerGroup YAML. */
  protected static String svc(String name, String extra) {
    return "  - name: " + name + "\n" + extra
        + "    template: {spec: {containers: [{name: " + name + ", image: example/" + name + ":1}]}}\n";
  }
}
