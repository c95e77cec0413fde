package dev.runner.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RestartConfig;
import dev.runner.api.RestartPolicy;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RestartSettingsTest {

  static RestartConfig config(Consumer<RestartConfig> fields) {
    RestartConfig config = new RestartConfig();
    fields.accept(config);
    return config;
  }

  static RestartSettings resolved(RestartConfig group, RestartConfig service) {
    RestartSettings.Resolution resolution = RestartSettings.resolve(group, service, "service api");
    assertThat(resolution.errors()).isEmpty();
    assertThat(resolution.valid()).isTrue();
    return resolution.settings();
  }

  static RestartSettings.Resolution invalid(RestartConfig group, RestartConfig service) {
    RestartSettings.Resolution resolution = RestartSettings.resolve(group, service, "service api");
    assertThat(resolution.valid()).isFalse();
    assertThat(resolution.settings()).isNull();
    return resolution;
  }

  @Test
  void defaultsAreTheGoRunnersPlusResetAfter() {
    RestartSettings defaults = new RestartSettings(RestartPolicy.OnFailure, 5, Duration.ofSeconds(1),
        Duration.ofSeconds(60), 2.0, true, Duration.ofMinutes(10));
    assertThat(RestartSettings.DEFAULTS).isEqualTo(defaults);
    assertThat(resolved(null, null)).isEqualTo(defaults);
    assertThat(resolved(new RestartConfig(), new RestartConfig())).isEqualTo(defaults);
    assertThat(defaults.unlimited()).isFalse();
  }

  @Test
  void zeroMaxRetriesIsUnlimited() {
    assertThat(resolved(null, config(c -> c.setMaxRetries(0))).unlimited()).isTrue();
  }

  @Test
  void groupOverDefaults() {
    RestartConfig group = config(c -> {
      c.setPolicy(RestartPolicy.Always);
      c.setMaxRetries(0);
      c.setInitialBackoff("500ms");
      c.setMaxBackoff("30s");
      c.setMultiplier(1.5);
      c.setJitter(false);
      c.setResetAfter("5m");
    });
    assertThat(resolved(group, null)).isEqualTo(new RestartSettings(RestartPolicy.Always, 0, Duration.ofMillis(500),
        Duration.ofSeconds(30), 1.5, false, Duration.ofMinutes(5)));
  }

  @Test
  void groupFieldsLeftOutComeFromTheDefaults() {
    RestartSettings settings = resolved(config(c -> c.setMaxRetries(3)), null);
    assertThat(settings).isEqualTo(new RestartSettings(RestartPolicy.OnFailure, 3, Duration.ofSeconds(1),
        Duration.ofSeconds(60), 2.0, true, Duration.ofMinutes(10)));
  }

  @Test
  void serviceOverGroupFieldByField() {
    RestartConfig group = config(c -> {
      c.setPolicy(RestartPolicy.Always);
      c.setMaxRetries(10);
      c.setInitialBackoff("2s");
      c.setMaxBackoff("2m");
      c.setMultiplier(3.0);
      c.setJitter(false);
      c.setResetAfter("1h");
    });
    assertThat(resolved(group, config(c -> c.setPolicy(RestartPolicy.Never))).policy()).isEqualTo(RestartPolicy.Never);
    assertThat(resolved(group, config(c -> c.setMaxRetries(1))).maxRetries()).isEqualTo(1);
    assertThat(resolved(group, config(c -> c.setInitialBackoff("100ms"))).initialBackoff()).isEqualTo(Duration.ofMillis(100));
    assertThat(resolved(group, config(c -> c.setMaxBackoff("10s"))).maxBackoff()).isEqualTo(Duration.ofSeconds(10));
    assertThat(resolved(group, config(c -> c.setMultiplier(1.0))).multiplier()).isEqualTo(1.0);
    assertThat(resolved(group, config(c -> c.setJitter(true))).jitter()).isTrue();
    assertThat(resolved(group, config(c -> c.setResetAfter("0s"))).resetAfter()).isEqualTo(Duration.ZERO);

    // One field overridden, every other one still the group's.
    assertThat(resolved(group, config(c -> c.setMaxRetries(1)))).isEqualTo(new RestartSettings(RestartPolicy.Always, 1,
        Duration.ofSeconds(2), Duration.ofMinutes(2), 3.0, false, Duration.ofHours(1)));
  }

  @Test
  void serviceOverDefaultsWithoutAGroup() {
    assertThat(resolved(null, config(c -> c.setPolicy(RestartPolicy.Always))))
        .isEqualTo(new RestartSettings(RestartPolicy.Always, 5, Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, true,
            Duration.ofMinutes(10)));
  }

  @Test
  void serviceMayLowerAGroupMaximumAboveItsInitial() {
    RestartSettings settings = resolved(config(c -> c.setInitialBackoff("5s")), config(c -> c.setMaxBackoff("5s")));
    assertThat(settings.initialBackoff()).isEqualTo(settings.maxBackoff());
  }

  @Test
  void negativeMaxRetries() {
    assertThat(invalid(null, config(c -> c.setMaxRetries(-1))).errors())
        .containsExactly("service api: restartConfig.maxRetries must be 0 (unlimited) or more, not -1");
  }

  @ParameterizedTest(name = "multiplier {0}")
  @ValueSource(doubles = {0.999, 0.5, 0.0, -2.0, Double.NaN})
  void multiplierBelowOne(double multiplier) {
    assertThat(invalid(null, config(c -> c.setMultiplier(multiplier))).errors())
        .containsExactly("service api: restartConfig.multiplier must be at least 1, not " + multiplier);
  }

  @Test
  void maxBackoffShorterThanInitialBackoff() {
    assertThat(invalid(null, config(c -> {
      c.setInitialBackoff("10s");
      c.setMaxBackoff("5s");
    })).errors()).containsExactly("service api: restartConfig.maxBackoff (5s) must not be shorter than initialBackoff (10s)");
  }

  @Test
  void maxBackoffShorterThanInitialBackoffAcrossGroupAndService() {
    assertThat(invalid(config(c -> c.setInitialBackoff("1m30s")), config(c -> c.setMaxBackoff("1m"))).errors())
        .containsExactly("service api: restartConfig.maxBackoff (1m0s) must not be shorter than initialBackoff (1m30s)");
    assertThat(invalid(config(c -> c.setMaxBackoff("1s")), config(c -> c.setInitialBackoff("2s"))).errors())
        .containsExactly("service api: restartConfig.maxBackoff (1s) must not be shorter than initialBackoff (2s)");
  }

  @Test
  void initialBackoffAboveTheDefaultMaximum() {
    // Left unset, maxBackoff is 60s: an initialBackoff above it needs a maxBackoff too.
    assertThat(invalid(null, config(c -> c.setInitialBackoff("2m"))).errors())
        .containsExactly("service api: restartConfig.maxBackoff (1m0s) must not be shorter than initialBackoff (2m0s)");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"1.5s", "-1s", "abc", "", "10", "1d"})
  void malformedOrNegativeDurations(String text) {
    String expected = " \"" + text + "\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h";
    assertThat(invalid(null, config(c -> c.setInitialBackoff(text))).errors())
        .containsExactly("service api: restartConfig.initialBackoff" + expected);
    assertThat(invalid(null, config(c -> c.setMaxBackoff(text))).errors())
        .containsExactly("service api: restartConfig.maxBackoff" + expected);
    assertThat(invalid(null, config(c -> c.setResetAfter(text))).errors())
        .containsExactly("service api: restartConfig.resetAfter" + expected);
    assertThat(invalid(config(c -> c.setResetAfter(text)), null).errors())
        .containsExactly("service api: restartConfig.resetAfter" + expected);
  }

  @Test
  void everyErrorAtOnce() {
    assertThat(invalid(null, config(c -> {
      c.setMaxRetries(-2);
      c.setMultiplier(0.5);
      c.setInitialBackoff("1.5s");
      c.setMaxBackoff("-1s");
      c.setResetAfter("forever");
    })).errors()).containsExactlyInAnyOrder(
        "service api: restartConfig.initialBackoff \"1.5s\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h",
        "service api: restartConfig.maxBackoff \"-1s\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h",
        "service api: restartConfig.resetAfter \"forever\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h",
        "service api: restartConfig.maxRetries must be 0 (unlimited) or more, not -2",
        "service api: restartConfig.multiplier must be at least 1, not 0.5");
  }
}
