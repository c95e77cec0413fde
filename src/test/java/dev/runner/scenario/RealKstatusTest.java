package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.it.RealApiServer;
import dev.runner.it.RealApiServerTest;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The kstatus library (sigs.k8s.io/cli-utils/pkg/kstatus, what Flux, kpt and Helm's --wait read)
 * judging RunnerGroups on the control plane by their Reconciling, Stalled and Ready conditions and
 * observedGeneration: it/cluster/cmd/kstatus prints its verdict on one object.
 */
@RealApiServerTest
class RealKstatusTest extends ScenarioTest {

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }

  @Test
  void inProgressWhileComingUpThenCurrentWhenReady() {
    cluster.kubelet().behave(NS, "up-db", Behavior.builder().startupTime(Duration.ofSeconds(3)).build());
    apply(group("up", svc("db", "") + svc("api", "    dependsOn: [db]\n")));
    await().atMost(PATIENCE).until(() -> phase("up") == GroupPhase.Progressing || phase("up") == GroupPhase.Pending);
    assertThat(kstatus("up")).startsWith("InProgress\t");
    awaitPhase("up", GroupPhase.Ready);
    assertThat(kstatus("up")).isEqualTo("Current\tResource is Ready");
  }

  @Test
  void failedWhenAServiceFailed() {
    cluster.kubelet().behave(NS, "down-job", Behavior.builder().exit(Duration.ofMillis(300), 1).neverReady().build());
    apply(group("down", svc("job", "    restartConfig: {policy: Never}\n")));
    awaitPhase("down", GroupPhase.Failed);
    assertThat(kstatus("down")).startsWith("Failed\t");
  }

  @Test
  void failedWhenTheSpecIsInvalid() {
    apply(group("cycle", svc("a", "    dependsOn: [b]\n") + svc("b", "    dependsOn: [a]\n")));
    awaitPhase("cycle", GroupPhase.Invalid);
    assertThat(kstatus("cycle")).startsWith("Failed\t").contains("dependency cycle");
  }

  @Test
  void terminatingWhileDeleting() {
    cluster.kubelet().defaults(Behavior.builder().terminationTime(Duration.ofSeconds(4)).build());
    apply(group("bye", svc("db", "")));
    awaitPhase("bye", GroupPhase.Ready);
    client.resources(RunnerGroup.class).inNamespace(NS).withName("bye").delete();
    await().atMost(PATIENCE).until(() -> group("bye") != null && group("bye").getMetadata().getDeletionTimestamp() != null);
    assertThat(kstatus("bye")).startsWith("Terminating\t");
    await().atMost(PATIENCE).until(() -> group("bye") == null);
  }

  private GroupPhase phase(String name) {
    return Optional.ofNullable(status(name)).map(RunnerGroupStatus::getPhase).orElse(null);
  }

  /** kstatus's verdict on the group as the server has it now: "Status\tmessage". */
  private String kstatus(String name) {
    String json = Serialization.asJson(client.genericKubernetesResources("runner.dev/v1alpha1", "RunnerGroup")
        .inNamespace(NS).withName(name).get());
    try {
      Process p = new ProcessBuilder(RealApiServer.current().binary("kstatus").toString()).redirectErrorStream(true).start();
      try (var in = p.getOutputStream()) {
        in.write(json.getBytes(StandardCharsets.UTF_8));
      }
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("kstatus did not finish in 30 s");
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      assertThat(p.exitValue()).as("kstatus exit code; output: %s", out).isZero();
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
