package dev.runner.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DotEnvTest {
  @Test
  void readsTheFormsComposeReads() throws DotEnv.Malformed {
    Map<String, String> values = DotEnv.parse("""
        # a comment
        PLAIN=value
        export EXPORTED=yes
        SPACED = padded   # trailing comment
        SINGLE='literal $PLAIN # kept'
        DOUBLE="line\\none ${PLAIN}"
        REF=${PLAIN}-x
        FROM_ENV
        NOT_IN_ENV
        EMPTY=

        URL=http://host/#anchor
        """, Map.of("FROM_ENV", "inherited", "PLAIN", "from-env"));
    assertThat(values).containsEntry("PLAIN", "value")
        .containsEntry("EXPORTED", "yes")
        .containsEntry("SPACED", "padded")
        .containsEntry("SINGLE", "literal $PLAIN # kept")
        .containsEntry("FROM_ENV", "inherited")
        .containsEntry("EMPTY", "")
        .containsEntry("URL", "http://host/#anchor")
        .doesNotContainKey("NOT_IN_ENV");
    // The environment wins over the file's own lines when a value refers to a variable.
    assertThat(values.get("DOUBLE")).isEqualTo("line\none from-env");
    assertThat(values.get("REF")).isEqualTo("from-env-x");
  }

  @Test
  void aLineThatIsNoVariableNamesItsLine() {
    assertThatThrownBy(() -> DotEnv.parse("A=1\nthis is not\n", Map.of()))
        .hasMessage("line 2: \"this is not\" is not NAME=VALUE");
    assertThatThrownBy(() -> DotEnv.parse("A=\"open\n", Map.of())).hasMessageContaining("line 1").hasMessageContaining("not closed");
  }
}
