package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Issue 9, "Concurrency": 50 groups created and edited at the same time each converge to their own spec. */
class ConcurrencyTest extends ScenarioTest {
  private static final int GROUPS = 50;

  @Test
  void fiftyGroupsCreatedAndEditedConcurrentlyEachConvergeToTheirOwnSpec() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      run(threads, i -> apply(spec(i, "v1", 1)));
      // Edited while they are still coming up: a new image for api, two replicas of db.
      run(threads, i -> applyRetryingConflicts(spec(i, "v2", 2)));
    } finally {
      threads.shutdownNow();
    }

    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() ->
        IntStream.range(0, GROUPS).allMatch(i -> {
          RunnerGroupStatus s = status(name(i));
          return s != null && s.getObservedGeneration() == 2L && s.getPhase() == GroupPhase.Ready;
        }));
    List<Deployment> all = client.apps().deployments().inNamespace(NS).list().getItems();
    assertThat(all).hasSize(2 * GROUPS);
    for (int i = 0; i < GROUPS; i++) {
      String group = name(i);
      Deployment db = deployment(group + "-db");
      Deployment api = deployment(group + "-api");
      assertThat(image(db)).isEqualTo("example/db:" + group);
      assertThat(db.getSpec().getReplicas()).isEqualTo(2);
      assertThat(image(api)).isEqualTo("example/api:" + group + "-v2");
      assertThat(api.getSpec().getReplicas()).isEqualTo(1);
      assertThat(List.of(db, api)).allSatisfy(d -> {
        assertThat(d.getMetadata().getLabels()).containsEntry("runner.dev/group", group);
        assertThat(d.getMetadata().getOwnerReferences()).singleElement()
            .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(group(group).getMetadata().getUid()));
      });
      RunnerGroupStatus status = status(group);
      assertThat(status.getReady()).isEqualTo("2/2");
      assertThat(status.getServices()).containsOnlyKeys("db", "api");
      assertThat(status.getServices().get("db").getReadyReplicas()).isEqualTo(2);
      assertThat(status.getServices().values()).allSatisfy(s -> assertThat(s.getRestarts()).isZero());
    }
  }

  /** As kubectl would: an edit that raced the operator's own write (409) is made again on the fresh object. */
  private void applyRetryingConflicts(String yaml) {
    for (int attempt = 0; ; attempt++) {
      try {
        apply(yaml);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt > 20) {
          throw e;
        }
      }
    }
  }

  private interface Step {
    void run(int i);
  }

  private static void run(ExecutorService threads, Step step) throws Exception {
    List<Future<Object>> done = IntStream.range(0, GROUPS)
        .mapToObj(i -> threads.submit(() -> { step.run(i); return (Object) null; })).toList();
    for (Future<Object> f : done) {
      f.get();
    }
  }

  private static String name(int i) {
    return "g" + i;
  }

  private static String image(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  private static String spec(int i, String version, int dbReplicas) {
    String g = name(i);
    return "apiVersion: runner.dev/v1alpha1\nkind: RunnerGroup\nmetadata: {name: " + g + "}\nspec:\n  services:\n"
        + "  - name: db\n    replicas: " + dbReplicas + "\n"
        + "    template: {spec: {containers: [{name: db, image: \"example/db:" + g + "\"}]}}\n"
        + "  - name: api\n    dependsOn: [db]\n"
        + "    template: {spec: {containers: [{name: api, image: \"example/api:" + g + "-" + version + "\"}]}}\n";
  }
}
