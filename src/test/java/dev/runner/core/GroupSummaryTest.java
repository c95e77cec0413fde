package dev.runner.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The group's conditions per phase: Ready, Progressing, Degraded, and kstatus's Reconciling and Stalled. */
class GroupSummaryTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static Stream<Arguments> phases() {
    // phase, Ready, Progressing, Degraded, Reconciling, Stalled
    return Stream.of(
        Arguments.of(GroupPhase.Pending, false, true, false, true, false),
        Arguments.of(GroupPhase.Progressing, false, true, false, true, false),
        Arguments.of(GroupPhase.Ready, true, false, false, false, false),
        Arguments.of(GroupPhase.Degraded, false, false, true, true, false),
        Arguments.of(GroupPhase.Failed, false, false, true, false, true),
        Arguments.of(GroupPhase.Invalid, false, false, false, false, true),
        Arguments.of(GroupPhase.Suspended, false, false, false, false, false),
        Arguments.of(GroupPhase.Stopping, false, true, false, true, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("phases")
  void eachPhaseSetsTheConditionsWithTheGeneration(GroupPhase phase, boolean ready, boolean progressing,
      boolean degraded, boolean reconciling, boolean stalled) {
    RunnerGroupStatus status = status(phase, ready);
    GroupSummary.conditions(status, new RunnerGroupStatus(), 7, T0);

    assertThat(byType(status)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "Ready", text(ready), "Progressing", text(progressing), "Degraded", text(degraded),
        "Reconciling", text(reconciling), "Stalled", text(stalled)));
    assertThat(status.getConditions()).allSatisfy(c -> {
      assertThat(c.getObservedGeneration()).isEqualTo(7L);
      assertThat(c.getReason()).isEqualTo(phase.name());
    });
  }

  @Test
  void aConditionKeepsItsTransitionTimeWhileItsStatusStays() {
    RunnerGroupStatus first = status(GroupPhase.Progressing, false);
    GroupSummary.conditions(first, new RunnerGroupStatus(), 1, T0);
    RunnerGroupStatus later = status(GroupPhase.Failed, false);
    GroupSummary.conditions(later, first, 2, T0.plusSeconds(60));

    Map<String, String> since = later.getConditions().stream()
        .collect(Collectors.toMap(Condition::getType, Condition::getLastTransitionTime));
    assertThat(since.get("Ready")).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(since.get("Reconciling")).isEqualTo("2026-01-01T00:01:00Z");
    assertThat(since.get("Stalled")).isEqualTo("2026-01-01T00:01:00Z");
  }

  private static RunnerGroupStatus status(GroupPhase phase, boolean healthy) {
    RunnerGroupStatus status = new RunnerGroupStatus();
    status.setPhase(phase);
    status.setHealthy(healthy);
    status.setMessage(healthy ? "" : "unhealthy services: a: why");
    return status;
  }

  private static Map<String, String> byType(RunnerGroupStatus status) {
    return status.getConditions().stream().collect(Collectors.toMap(Condition::getType, Condition::getStatus));
  }

  private static String text(boolean value) {
    return value ? "True" : "False";
  }
}
