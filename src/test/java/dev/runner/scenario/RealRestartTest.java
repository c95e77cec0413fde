package dev.runner.scenario;

import dev.runner.it.RealApiServerTest;

/**
 * The restart scenarios of {@link RestartTest}, unchanged, on a real kube-apiserver, against the
 * operator as its own process with the Helm chart's ServiceAccount token ({@link RealClusterFixture}).
 */
@RealApiServerTest
class RealRestartTest extends RestartTest {

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }
}
