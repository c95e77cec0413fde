package dev.runner.scenario;

import dev.runner.api.ServicePhase;
import dev.runner.it.RealApiServerTest;
import dev.runner.it.StagedPods;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The restart scenarios of {@link RestartTest}, unchanged, on the real control plane, against the
 * operator as its own process with the Helm chart's ServiceAccount token ({@link RealClusterFixture}).
 * The rows where a completed Deployment's rollout fails are the simulator's alone
 * ({@link StagedPods#failRollout}).
 */
@RealApiServerTest
class RealRestartTest extends RestartTest {

  @Override
  protected ClusterFixture newFixture() {
    return RealClusterFixture.forTest(testInfo, NS);
  }

  @Override
  @ParameterizedTest(name = "{0} x {1} -> {2}")
  @MethodSource("policyTable")
  void eachPolicyAndOutcome(String policy, How how, ServicePhase expected) {
    Assumptions.assumeFalse(how == How.ROLLOUT_FAILED, StagedPods.NO_FAILED_ROLLOUT);
    super.eachPolicyAndOutcome(policy, how, expected);
  }
}
