package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.it.RealApiServer;
import dev.runner.it.RealApiServerTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a user does with the real binaries, on the control plane: {@code kubectl apply} the example,
 * {@code kubectl wait} for Ready, then look with {@code get}, {@code describe} and at what the real
 * controllers made from it: the database's StatefulSet, its headless Service and its claim (bound to
 * a volume made by hand: the control plane has no provisioner), the migration's Job, the
 * Deployments. The operator is the packaged jar's process with the chart's ServiceAccount, as in
 * every scenario here.
 */
@RealApiServerTest
class RealUserPathTest extends ScenarioTest {
  private static final String VOLUME = "runner-shop-data";

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }

  @AfterEach
  void removeVolume() {
    StaticVolume.removeWithClaims(client, NS, VOLUME);
  }

  @Test
  void applyWaitGetDescribeTheShop() {
    RealApiServer server = RealApiServer.current();
    // The migration's Job: its pod succeeds (the kwok stages' default for a pod that never restarts).
    StaticVolume.create(client, VOLUME);

    RealApiServer.Kubectl.Result applied = server.kubectl("apply", "-n", NS, "-f", "examples/shop.yaml");
    assertThat(applied.ok()).as("%s", applied).isTrue();
    assertThat(applied.stdout()).contains("runnergroup.runner.dev/shop created");

    RealApiServer.Kubectl.Result waited = server.kubectl("wait", "-n", NS, "--for=condition=Ready", "rg/shop", "--timeout=90s");
    assertThat(waited.ok()).as("%s", waited).isTrue();
    assertThat(waited.stdout()).contains("runnergroup.runner.dev/shop condition met");

    RealApiServer.Kubectl.Result get = server.kubectl("get", "rg", "-n", NS);
    assertThat(get.ok()).as("%s", get).isTrue();
    assertThat(get.stdout().lines().findFirst().orElse("")).containsPattern("NAME\\s+READY\\s+HEALTHY\\s+PHASE\\s+AGE");
    assertThat(get.stdout()).containsPattern("(?m)^shop\\s+6/6\\s+true\\s+Ready\\s+\\d+s");

    RealApiServer.Kubectl.Result describe = server.kubectl("describe", "rg", "shop", "-n", NS);
    assertThat(describe.ok()).as("%s", describe).isTrue();
    assertThat(describe.stdout()).contains("Services:").contains("Database:").contains("Frontend:")
        .containsPattern("Phase:\\s+Completed").contains("Events:").contains("ServiceCompleted")
        .contains("started service frontend (Deployment shop-frontend)");

    RealApiServer.Kubectl.Result made = server.kubectl("get", "statefulset,svc,pvc,job,deploy,rs,pods", "-n", NS,
        "-l", "runner.dev/group=shop");
    assertThat(made.ok()).as("%s", made).isTrue();
    assertThat(made.stdout()).contains("statefulset.apps/shop-database").contains("service/shop-database")
        .contains("job.batch/shop-migrate").contains("deployment.apps/shop-frontend")
        .containsPattern("pod/shop-database-0\\s+1/1\\s+Running")
        .containsPattern("pod/shop-migrate-[a-z0-9]{5}\\s+0/1\\s+Completed")
        .containsPattern("replicaset.apps/shop-api-[a-z0-9]+\\s+2\\s+2\\s+2")
        .containsPattern("pod/shop-api-[a-z0-9]+-[a-z0-9]{5}\\s+1/1\\s+Running");
    // The StatefulSet controller labels a claim from volumeClaimTemplates with the StatefulSet's
    // selector, so the group label lists it too: bound to the volume made above.
    assertThat(made.stdout()).containsPattern("persistentvolumeclaim/data-shop-database-0\\s+Bound\\s+" + VOLUME);
  }
}
