package dev.runner.scenario;

import dev.runner.it.RealApiServer;
import dev.runner.it.RealApiServerTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The bring-up scenarios of {@link BringUpTest}, unchanged, on a real kube-apiserver: the operator
 * runs with the Helm chart's ServiceAccount token, the simulated kubelet plays the Deployment
 * controller and the kubelet.
 */
@RealApiServerTest
class RealBringUpTest extends BringUpTest {

  @Override
  protected ClusterFixture newFixture() {
    return new RealClusterFixture(RealApiServer.current(), NS);
  }

  @Test
  @Override
  void aReconcileThatFindsNothingNewWritesNothing() {
    Assumptions.abort("needs the mock server's request log; the real server keeps none for us");
  }
}
