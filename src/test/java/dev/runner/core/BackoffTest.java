package dev.runner.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RestartPolicy;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The Go runner's calculateBackoff tables (runner_test.go, "Backoff calculation" and the jitter cases), and more. */
class BackoffTest {
  static final Backoff NO_RANDOM = new Backoff(() -> {
    throw new AssertionError("jitter off: no random draw expected");
  });
  static final double ALMOST_ONE = Math.nextDown(1.0);

  static RestartSettings settings(String initial, String max, double multiplier, boolean jitter) {
    return new RestartSettings(RestartPolicy.OnFailure, 5, Durations.parse("initial", initial),
        Durations.parse("max", max), multiplier, jitter, Duration.ofMinutes(10));
  }

  @ParameterizedTest(name = "1s/10s/x2, attempt {0} -> {1}")
  @CsvSource({
      "0, 1s",
      "1, 2s",
      "2, 4s",
      "3, 8s",
      "4, 10s",
      "10, 10s",
  })
  void goRunnerBackoffCalculation(int attempt, String expected) {
    assertThat(NO_RANDOM.delay(settings("1s", "10s", 2.0, false), attempt)).isEqualTo(Durations.parse("expected", expected));
  }

  @ParameterizedTest(name = "{0}/{1}/x{2}, attempt {3} -> {4}")
  @CsvSource({
      "500ms, 1m, 1.5, 0, 500ms",
      "500ms, 1m, 1.5, 1, 750ms",
      "500ms, 1m, 1.5, 2, 1125ms",
      "1s, 1s, 2.0, 5, 1s",
      "2s, 30s, 3.0, 2, 18s",
      "2s, 30s, 3.0, 3, 30s",
      "1s, 1m, 1.0, 50, 1s",
      "0s, 0s, 2.0, 3, 0s",
      "0s, 10s, 2.0, 3, 0s",
  })
  void exponentialUpToTheMaximum(String initial, String max, double multiplier, int attempt, String expected) {
    assertThat(NO_RANDOM.delay(settings(initial, max, multiplier, false), attempt)).isEqualTo(Durations.parse("expected", expected));
  }

  static Stream<Arguments> jitterEdges() {
    return Stream.of(
        Arguments.of(0.0, Duration.ofMillis(1500)),
        Arguments.of(0.5, Duration.ofSeconds(2)),
        Arguments.of(ALMOST_ONE, Duration.ofMillis(2500)));
  }

  @ParameterizedTest(name = "random {0} -> {1}")
  @MethodSource("jitterEdges")
  void jitterSpreadsByAQuarter(double random, Duration expected) {
    Duration delay = new Backoff(() -> random).delay(settings("1s", "10s", 2.0, true), 1);
    assertThat(delay).isBetween(Duration.ofMillis(1500), Duration.ofMillis(2500));
    assertThat(delay.toNanos()).isCloseTo(expected.toNanos(), org.assertj.core.data.Offset.offset(1_000L));
  }

  @Test
  void goRunnerBackoffWithJitterOverManyDraws() {
    Random random = new Random(42);
    Backoff backoff = new Backoff(random::nextDouble);
    RestartSettings settings = settings("1s", "10s", 2.0, true);
    Duration min = Duration.ofDays(1);
    Duration max = Duration.ZERO;
    for (int i = 0; i < 10_000; i++) {
      Duration delay = backoff.delay(settings, 1);
      assertThat(delay).isBetween(Duration.ofMillis(1500), Duration.ofMillis(2500));
      min = delay.compareTo(min) < 0 ? delay : min;
      max = delay.compareTo(max) > 0 ? delay : max;
    }
    // The spread is used, not one value (the Go test could only log this).
    assertThat(min).isLessThan(Duration.ofMillis(1600));
    assertThat(max).isGreaterThan(Duration.ofMillis(2400));
  }

  @Test
  void goRunnerBackoffWithDefaults() {
    // The Go runner's "Backoff with zero defaults": an empty config backs off about 1s first.
    Duration delay = new Backoff(new Random(7)::nextDouble).delay(RestartSettings.DEFAULTS, 0);
    assertThat(delay).isBetween(Duration.ofMillis(750), Duration.ofMillis(1250));
  }

  @ParameterizedTest(name = "attempt {0}")
  @ValueSource(ints = {0, 1, 5, 6, 7, 30, 63, 64, 1000, Integer.MAX_VALUE})
  void jitterNeverExceedsTheMaximumNorGoesNegative(int attempt) {
    RestartSettings settings = settings("1s", "1m", 2.0, true);
    for (double random : new double[] {0.0, 0.25, 0.5, 0.75, ALMOST_ONE}) {
      Duration delay = new Backoff(() -> random).delay(settings, attempt);
      assertThat(delay).isBetween(Duration.ZERO, Duration.ofMinutes(1));
    }
    Random seeded = new Random(attempt);
    for (int i = 0; i < 1000; i++) {
      assertThat(new Backoff(seeded::nextDouble).delay(settings, attempt)).isBetween(Duration.ZERO, Duration.ofMinutes(1));
    }
  }

  @Test
  void atTheMaximumJitterOnlyShortens() {
    RestartSettings settings = settings("1s", "1m", 2.0, true);
    assertThat(new Backoff(() -> ALMOST_ONE).delay(settings, 20)).isEqualTo(Duration.ofMinutes(1));
    assertThat(new Backoff(() -> 0.0).delay(settings, 20)).isEqualTo(Duration.ofSeconds(45));
  }

  @ParameterizedTest(name = "attempt {0}")
  @ValueSource(ints = {63, 64, 1024, 100_000, Integer.MAX_VALUE})
  void hugeAttemptNumbersDoNotOverflow(int attempt) {
    assertThat(NO_RANDOM.delay(settings("1s", "1h", 2.0, false), attempt)).isEqualTo(Duration.ofHours(1));
    // At the longest duration there is, the double arithmetic may round by less than a microsecond.
    assertThat(NO_RANDOM.delay(settings("1s", "2562047h", 10.0, false), attempt))
        .isBetween(Duration.ofHours(2562047).minusNanos(1_000), Duration.ofHours(2562047));
  }

  @Test
  void negativeAttemptCountsAsTheFirst() {
    assertThat(NO_RANDOM.delay(settings("1s", "10s", 2.0, false), -3)).isEqualTo(Duration.ofSeconds(1));
  }
}
