package dev.runner.core;

import static dev.runner.api.RestartPolicy.Always;
import static dev.runner.api.RestartPolicy.Never;
import static dev.runner.api.RestartPolicy.OnFailure;
import static dev.runner.core.Outcome.EXIT_NON_ZERO;
import static dev.runner.core.Outcome.EXIT_ZERO;
import static dev.runner.core.Outcome.ROLLOUT_FAILED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RestartPolicy;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Go runner's shouldRestart table (runner_test.go, "shouldRestart logic"), extended to our outcomes. */
class RestartDecisionTest {
  static final Backoff BACKOFF = new Backoff(() -> 0.5);

  enum Expect { RESTART, COMPLETE, FAIL }

  static RestartSettings settings(RestartPolicy policy, int maxRetries) {
    return new RestartSettings(policy, maxRetries, Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, false, Duration.ofMinutes(10));
  }

  static Integer code(Outcome outcome) {
    return switch (outcome) {
      case EXIT_ZERO -> 0;
      case EXIT_NON_ZERO -> 1;
      case ROLLOUT_FAILED, DISRUPTED -> null;
    };
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // The Go table: error = non-zero exit, no error = exit 0.
        Arguments.of("Never with error", Never, EXIT_NON_ZERO, 0, 5, Expect.FAIL),
        // Beyond the Go table: a pod with restartPolicy Never that exits 0 has Succeeded.
        Arguments.of("Never without error", Never, EXIT_ZERO, 0, 5, Expect.COMPLETE),
        Arguments.of("Always with error", Always, EXIT_NON_ZERO, 0, 5, Expect.RESTART),
        Arguments.of("Always without error", Always, EXIT_ZERO, 0, 5, Expect.RESTART),
        Arguments.of("OnFailure with error", OnFailure, EXIT_NON_ZERO, 0, 5, Expect.RESTART),
        Arguments.of("OnFailure without error", OnFailure, EXIT_ZERO, 0, 5, Expect.COMPLETE),
        Arguments.of("Max retries exceeded", OnFailure, EXIT_NON_ZERO, 5, 5, Expect.FAIL),
        Arguments.of("Unlimited retries", OnFailure, EXIT_NON_ZERO, 100, 0, Expect.RESTART),
        // Rollout failures count as failures.
        Arguments.of("Never, rollout failed", Never, ROLLOUT_FAILED, 0, 5, Expect.FAIL),
        Arguments.of("Always, rollout failed", Always, ROLLOUT_FAILED, 0, 5, Expect.RESTART),
        Arguments.of("OnFailure, rollout failed", OnFailure, ROLLOUT_FAILED, 0, 5, Expect.RESTART),
        // Retries spent: the last allowed one, then none.
        Arguments.of("OnFailure, last retry", OnFailure, EXIT_NON_ZERO, 4, 5, Expect.RESTART),
        Arguments.of("Always, retries spent", Always, EXIT_ZERO, 5, 5, Expect.FAIL),
        Arguments.of("Always, rollout failed, retries spent", Always, ROLLOUT_FAILED, 3, 3, Expect.FAIL),
        Arguments.of("Always, unlimited", Always, EXIT_ZERO, 1_000_000, 0, Expect.RESTART),
        Arguments.of("OnFailure, one retry allowed", OnFailure, EXIT_NON_ZERO, 1, 1, Expect.FAIL),
        // Exit 0 under OnFailure completes even with retries spent: it did not fail.
        Arguments.of("OnFailure without error, retries spent", OnFailure, EXIT_ZERO, 5, 5, Expect.COMPLETE),
        Arguments.of("Never, unlimited", Never, EXIT_NON_ZERO, 0, 0, Expect.FAIL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void shouldRestart(String name, RestartPolicy policy, Outcome outcome, int restartsSoFar, int maxRetries, Expect expect) {
    RestartDecision decision = RestartDecision.decide(settings(policy, maxRetries), outcome, restartsSoFar, code(outcome), BACKOFF);
    switch (expect) {
      case RESTART -> assertThat(decision).isInstanceOf(RestartDecision.Restart.class);
      case COMPLETE -> assertThat(decision).isInstanceOf(RestartDecision.Complete.class);
      case FAIL -> assertThat(decision).isInstanceOf(RestartDecision.Fail.class);
    }
  }

  @Test
  void alwaysRestartsAfterExitZero() {
    // The Go runner only asked shouldRestart when a health check failed, so its Always acted as
    // OnFailure; the contract follows its documentation: Always restarts after any exit.
    RestartDecision decision = RestartDecision.decide(settings(Always, 5), EXIT_ZERO, 0, 0, BACKOFF);
    assertThat(decision).isEqualTo(new RestartDecision.Restart(Duration.ofSeconds(1), 0));
  }

  @Test
  void restartCarriesTheBackoffForTheNextAttempt() {
    assertThat(RestartDecision.decide(settings(OnFailure, 5), EXIT_NON_ZERO, 0, 1, BACKOFF))
        .isEqualTo(new RestartDecision.Restart(Duration.ofSeconds(1), 0));
    assertThat(RestartDecision.decide(settings(OnFailure, 5), EXIT_NON_ZERO, 3, 1, BACKOFF))
        .isEqualTo(new RestartDecision.Restart(Duration.ofSeconds(8), 3));
    assertThat(RestartDecision.decide(settings(OnFailure, 0), EXIT_NON_ZERO, Integer.MAX_VALUE, 1, BACKOFF))
        .isEqualTo(new RestartDecision.Restart(Duration.ofSeconds(60), Integer.MAX_VALUE));
  }

  @Test
  void restartUsesJitterWhenOn() {
    RestartSettings jittered = new RestartSettings(OnFailure, 5, Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, true, Duration.ofMinutes(10));
    assertThat(RestartDecision.decide(jittered, EXIT_NON_ZERO, 1, 1, new Backoff(() -> 0.0)))
        .isEqualTo(new RestartDecision.Restart(Duration.ofMillis(1500), 1));
  }

  @Test
  void reasonsSayWhatHappened() {
    assertThat(RestartDecision.decide(settings(OnFailure, 5), EXIT_NON_ZERO, 5, 137, BACKOFF))
        .isEqualTo(new RestartDecision.Fail("restart limit 5 reached (last exit: code 137)"));
    assertThat(RestartDecision.decide(settings(Always, 2), ROLLOUT_FAILED, 2, null, BACKOFF))
        .isEqualTo(new RestartDecision.Fail("restart limit 2 reached (last: progress deadline exceeded)"));
    assertThat(RestartDecision.decide(settings(Never, 5), EXIT_NON_ZERO, 0, 1, BACKOFF))
        .isEqualTo(new RestartDecision.Fail("restart policy Never (last exit: code 1)"));
    assertThat(RestartDecision.decide(settings(Never, 5), ROLLOUT_FAILED, 0, null, BACKOFF))
        .isEqualTo(new RestartDecision.Fail("restart policy Never (last: progress deadline exceeded)"));
  }
}
