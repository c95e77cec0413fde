package dev.runner.scenario;

import dev.runner.it.RealApiServerTest;

/**
 * The teardown scenarios of {@link TeardownTest} (deletion through the finalizer, suspend, resume),
 * unchanged, on a real kube-apiserver, against the operator as its own process with the Helm chart's
 * ServiceAccount token ({@link RealClusterFixture}).
 */
@RealApiServerTest
class RealTeardownTest extends TeardownTest {

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }
}
