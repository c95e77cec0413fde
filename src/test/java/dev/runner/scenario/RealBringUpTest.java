package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import dev.runner.api.ServiceStatus;
import dev.runner.it.RealApiServerTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The bring-up scenarios of {@link BringUpTest}, unchanged, on the real control plane: the
 * operator runs as its own process ({@code java -jar runner-operator.jar run}) with the Helm
 * chart's ServiceAccount token and leader election on the chart's Lease; the real Deployment and
 * ReplicaSet controllers make the Pods and kwok's stages play them ({@link RealClusterFixture}).
 */
@RealApiServerTest
class RealBringUpTest extends BringUpTest {

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }

  @Test
  @Override
  void aReconcileThatFindsNothingNewWritesNothing() {
    Assumptions.abort("needs the mock server's request log; the real server keeps none for us");
  }

  /**
   * Regression: the real Deployment controller's first status of a new Deployment (generation
   * observed, no updatedReplicas yet) was read as "rollout in progress: 0/1 replicas updated", so
   * each service's message went starting, rollout in progress, starting again: extra status writes
   * on every new Deployment. Every status the group had on the way up is looked at.
   */
  @Test
  void aChainComesUpWithoutARolloutFlap() {
    int n = 6;
    StringBuilder services = new StringBuilder();
    for (int i = 0; i < n; i++) {
      services.append(svc("s" + i, i == 0 ? "" : "    dependsOn: [s" + (i - 1) + "]\n"));
    }
    try (GroupWatch watch = new GroupWatch(client, NS, "flap")) {
      apply("""
          apiVersion: runner.dev/v1alpha1
          kind: RunnerGroup
          metadata: {name: flap}
          spec:
            services:
          """ + services);
      awaitPhase("flap", GroupPhase.Ready);
      List<GroupWatch.Snapshot> seen = watch.snapshots();
      for (int i = 0; i < n; i++) {
        String name = "s" + i;
        List<String> messages = collapse(seen.stream().map(s -> s.service(name)).filter(Objects::nonNull)
            .map(ServiceStatus::getError).map(e -> e == null ? "" : e).toList());
        assertThat(messages).as("the messages of %s, in the %d statuses the group had", name, seen.size())
            .noneMatch(m -> m.startsWith("rollout in progress"));
      }
      // Each service: waiting, starting, ready; the group: its phase on the way. Far fewer than the
      // 4 to 6 extra writes per chain the flap made on top.
      assertThat(seen.size()).as("status writes for a chain of %d: %s", n,
          seen.stream().map(s -> s.status().getMessage()).collect(Collectors.joining("\n")))
          .isLessThanOrEqualTo(3 * n + 2);
    }
  }

  private static List<String> collapse(List<String> messages) {
    List<String> out = new ArrayList<>();
    IntStream.range(0, messages.size()).filter(i -> i == 0 || !messages.get(i).equals(messages.get(i - 1)))
        .forEach(i -> out.add(messages.get(i)));
    return out;
  }
}
