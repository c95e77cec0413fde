package dev.runner.scenario;

import dev.runner.it.RealApiServerTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The scenarios of {@link GroupDependsOnTest} on a real kube-apiserver, against the operator as its
 * own process with the Helm chart's ServiceAccount (cluster-wide install): the RunnerGroup
 * informer for dependencies works within the chart's RBAC (no 403 in the operator's log).
 */
@RealApiServerTest
class RealGroupDependsOnTest extends GroupDependsOnTest {

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }

  @Test
  @Override
  void acrossNamespaces_anOperatorWatchingBothWakesTheDependent() {
    Assumptions.abort("starts an in-process operator watching two namespaces; the real fixture runs the operator as a process "
        + "and its kubelet in one namespace");
  }

  @Test
  @Override
  void aDependencyInANamespaceTheOperatorDoesNotWatchIsAnError() {
    Assumptions.abort("starts an in-process operator watching one namespace; the real fixture runs the operator as a process");
  }
}
