package dev.runner.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class InterpolationTest {
  static final Interpolation VARIABLES = new Interpolation(Map.of("TAG", "1.4", "EMPTY", "", "HOST", "db"));

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "app:$TAG|app:1.4",
      "app:${TAG}|app:1.4",
      "${MISSING:-fallback}|fallback",
      "${EMPTY:-fallback}|fallback",
      "${EMPTY-fallback}|''",
      "${MISSING-fallback}|fallback",
      "${TAG:-fallback}|1.4",
      "${MISSING:-${HOST:-x}}|db",
      "${MISSING:-${OTHER:-deep}}|deep",
      "${TAG:+set}|set",
      "${MISSING+set}|''",
      "${EMPTY+set}|set",
      "costs $$5|costs $5",
      "$$TAG|$TAG",
      "echo $(date)|echo $(date)",
      "100$|100$",
      "a $ b|a $ b",
      "${TAG?needed}|1.4",
      "${EMPTY?needed}|''",
      "$TAG-$HOST|1.4-db",
  })
  void expands(String text, String expected) throws Interpolation.Failure {
    assertThat(VARIABLES.apply(text, new TreeSet<>())).isEqualTo(expected);
  }

  @Test
  void anUnsetVariableIsBlankAndNamed() throws Interpolation.Failure {
    Set<String> unset = new TreeSet<>();
    assertThat(VARIABLES.apply("x${NOPE}y$ALSO_NOT", unset)).isEqualTo("xy");
    assertThat(unset).containsExactly("ALSO_NOT", "NOPE");
  }

  @Test
  void requiredVariablesFailWithTheirMessage() {
    assertThatThrownBy(() -> VARIABLES.apply("${MISSING?set MISSING in .env}", new TreeSet<>()))
        .isInstanceOf(Interpolation.Failure.class)
        .hasMessage("required variable MISSING is missing a value: set MISSING in .env");
    assertThatThrownBy(() -> VARIABLES.apply("${EMPTY:?no empty}", new TreeSet<>()))
        .hasMessage("required variable EMPTY is missing a value: no empty");
    assertThatThrownBy(() -> VARIABLES.apply("${MISSING:?}", new TreeSet<>()))
        .hasMessage("required variable MISSING is missing a value");
  }

  @Test
  void malformedReferencesAreRefused() {
    assertThatThrownBy(() -> VARIABLES.apply("${TAG", new TreeSet<>())).hasMessageContaining("without its }");
    assertThatThrownBy(() -> VARIABLES.apply("${}", new TreeSet<>())).hasMessageContaining("variable name");
    assertThatThrownBy(() -> VARIABLES.apply("${TAG/a/b}", new TreeSet<>())).hasMessageContaining(":-, -, :?");
  }
}
