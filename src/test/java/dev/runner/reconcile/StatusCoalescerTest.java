package dev.runner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceReason;
import dev.runner.api.ServiceStatus;
import dev.runner.core.Action;
import dev.runner.core.Decision;
import dev.runner.core.EventNote;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class StatusCoalescerTest {
  private static final Instant T0 = Instant.parse("2026-12-02T06:00:00Z");
  private static final ResourceID GROUP = new ResourceID("g", "ns");
  private final StatusCoalescer coalescer = new StatusCoalescer(Duration.ofSeconds(1));

  /** The group while its one service starts: what the operator wrote when it created the Deployment. */
  private static RunnerGroupStatus starting(Consumer<ServiceStatus> service, Consumer<RunnerGroupStatus> group) {
    ServiceStatus s = new ServiceStatus();
    s.setPhase(ServicePhase.Starting);
    s.setReason(ServiceReason.Starting);
    s.setError("starting: 0/1 replicas available");
    s.setStartedAt("2026-12-02T05:59:59Z");
    s.setDependenciesMetAt("2026-12-02T05:59:59Z");
    service.accept(s);
    RunnerGroupStatus status = new RunnerGroupStatus();
    status.setObservedGeneration(1L);
    status.setPhase(GroupPhase.Progressing);
    status.setReady("0/1");
    status.setMessage("unhealthy services: db: " + s.getError());
    status.setServices(Map.of("db", s));
    status.setConditions(List.of(new ConditionBuilder().withType("Ready").withStatus("False").withReason("Progressing")
        .withMessage(status.getMessage()).withObservedGeneration(1L).withLastTransitionTime("2026-12-02T05:59:59Z").build()));
    group.accept(status);
    return status;
  }

  private static RunnerGroupStatus starting(Consumer<ServiceStatus> service) {
    return starting(service, g -> { });
  }

  private static Decision decision(RunnerGroupStatus status, List<Action> actions, List<EventNote> events) {
    return new Decision(null, actions, status, events, Optional.empty(), false);
  }

  @Test
  void whatTheClusterShowsAgainMayWait() {
    RunnerGroupStatus written = starting(s -> { });
    RunnerGroupStatus running = starting(s -> {
      s.setRunning(true);
      s.setReadyReplicas(0);
      s.setReason(ServiceReason.NotAvailable);
      s.setError("pod db-x: running, not ready");
    });
    running.setMessage("unhealthy services: db: pod db-x: running, not ready");
    running.getConditions().get(0).setMessage(running.getMessage());
    assertThat(StatusCoalescer.observedOnly(written, running)).isTrue();
  }

  @Test
  void whatCannotBeObservedAgainOrWhatOthersWaitForIsWrittenAtOnce() {
    RunnerGroupStatus written = starting(s -> { });
    assertThat(StatusCoalescer.observedOnly(written, starting(s -> s.setRestarts(1)))).as("a restart counted").isFalse();
    assertThat(StatusCoalescer.observedOnly(written, starting(s -> s.setNextRestartAt("2026-12-02T06:00:05Z"))))
        .as("a backoff deadline").isFalse();
    assertThat(StatusCoalescer.observedOnly(written, starting(s -> s.setStartedAt(null)))).as("startedAt").isFalse();
    assertThat(StatusCoalescer.observedOnly(written, starting(s -> s.setCountedExits(List.of("uid/c/1")))))
        .as("an exit counted").isFalse();
    assertThat(StatusCoalescer.observedOnly(written, starting(s -> {
      s.setPhase(ServicePhase.Ready);
      s.setHealthy(true);
    }))).as("the service ready").isFalse();
    assertThat(StatusCoalescer.observedOnly(written, starting(s -> s.setReason(ServiceReason.ReplicaCrashed))))
        .as("a reason that is not Starting or NotAvailable").isFalse();
    assertThat(StatusCoalescer.observedOnly(written, starting(s -> { }, g -> {
      g.setHealthy(true);
      g.setPhase(GroupPhase.Ready);
    }))).as("the group ready").isFalse();
    assertThat(StatusCoalescer.observedOnly(written, starting(s -> { }, g -> g.getConditions().get(0).setStatus("True"))))
        .as("a condition").isFalse();
    assertThat(StatusCoalescer.observedOnly(written, starting(s -> { }, g -> g.setObservedGeneration(2L))))
        .as("a new generation observed").isFalse();
  }

  @Test
  void aWaitingChangeIsWrittenAtTheEndOfTheWindowFromItsFirstSighting() {
    RunnerGroupStatus written = starting(s -> { });
    Decision running = decision(starting(s -> s.setRunning(true)), List.of(), List.of());
    assertThat(coalescer.defer(GROUP, written, running, T0)).contains(Duration.ofSeconds(1));
    // Another observed change 600 ms later waits for what is left of the same window, not a new one.
    Decision more = decision(starting(s -> {
      s.setRunning(true);
      s.setReadyReplicas(0);
    }), List.of(), List.of());
    assertThat(coalescer.defer(GROUP, written, more, T0.plusMillis(600))).contains(Duration.ofMillis(400));
    assertThat(coalescer.defer(GROUP, written, more, T0.plusSeconds(1))).as("the window is over: write").isEmpty();
    // Written: a new change starts a new window.
    assertThat(coalescer.defer(GROUP, more.status(), decision(starting(s -> s.setError("x")), List.of(), List.of()),
        T0.plusSeconds(2))).contains(Duration.ofSeconds(1));
  }

  @Test
  void aChangeWithAnActionOrAnEventOrNothingToWriteDoesNotWait() {
    RunnerGroupStatus written = starting(s -> { });
    RunnerGroupStatus running = starting(s -> s.setRunning(true));
    assertThat(coalescer.defer(GROUP, written, decision(running, List.of(new Action.Scale("db", 0)), List.of()), T0))
        .as("with a workload write").isEmpty();
    assertThat(coalescer.defer(GROUP, written, decision(running, List.of(), List.of(EventNote.normal("X", "y"))), T0))
        .as("with an event").isEmpty();
    assertThat(coalescer.defer(GROUP, written, decision(starting(s -> { }), List.of(), List.of()), T0))
        .as("nothing changed").isEmpty();
    assertThat(coalescer.defer(GROUP, null, decision(running, List.of(), List.of()), T0)).as("no status yet").isEmpty();
    assertThat(new StatusCoalescer(Duration.ZERO).defer(GROUP, written, decision(running, List.of(), List.of()), T0))
        .as("no window").isEmpty();
  }
}
