package dev.runner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest(name = "{0} = {1} ns")
  @CsvSource({
      "0s, 0",
      "0ms, 0",
      "500ms, 500000000",
      "1500ms, 1500000000",
      "2s, 2000000000",
      "1m30s, 90000000000",
      "90s, 90000000000",
      "1h, 3600000000000",
      "1h2m3s, 3723000000000",
      "1h30m, 5400000000000",
      "1s500ms, 1500000000",
      "250us, 250000",
      "250µs, 250000",
      "7ns, 7",
      "2562047h, 9223369200000000000",
  })
  void parsesWholeUnits(String text, long nanos) {
    assertThat(Durations.parse("startDelay", text)).isEqualTo(Duration.ofNanos(nanos));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"1.5s", "-1s", "abc", "", "10", "1d", " 1s", "1s ", "1S", "1sec", "1m-30s", "+1s", "s", ".5s", "1h 30m"})
  void refusesEverythingElseNamingTheField(String text) {
    assertThatThrownBy(() -> Durations.parse("startDelay", text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("startDelay \"" + text + "\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h");
  }

  @ParameterizedTest
  @NullSource
  void refusesNull(String text) {
    assertThatThrownBy(() -> Durations.parse("maxBackoff", text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("maxBackoff \"null\" is not a duration");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"2562048h", "9999999999999h", "99999999999999999999h", "99999999999999999999s"})
  void refusesWhatCannotBeCountedInNanoseconds(String text) {
    // As Go's time.ParseDuration; the backoff arithmetic counts in nanoseconds.
    assertThatThrownBy(() -> Durations.parse("resetAfter", text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("resetAfter \"" + text + "\" is too long: at most 2562047h");
  }

  @ParameterizedTest(name = "{0} ns -> {1}")
  @CsvSource({
      "0, 0s",
      "7, 7ns",
      "250000, 250us",
      "500000000, 500ms",
      "1000000000, 1s",
      "1500000000, 1.5s",
      "1250000000, 1.25s",
      "2000000000, 2s",
      "59000000000, 59s",
      "60000000000, 1m0s",
      "90000000000, 1m30s",
      "600000000000, 10m0s",
      "3600000000000, 1h0m0s",
      "3723000000000, 1h2m3s",
      "90000000000000, 25h0m0s",
      "-1500000000, -1.5s",
  })
  void formatsLikeGo(long nanos, String expected) {
    assertThat(Durations.format(Duration.ofNanos(nanos))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"0s", "500ms", "2s", "1m30s", "1h0m0s", "1h2m3s", "10m0s"})
  void formatReadsBack(String text) {
    assertThat(Durations.format(Durations.parse("d", text))).isEqualTo(text);
  }
}
