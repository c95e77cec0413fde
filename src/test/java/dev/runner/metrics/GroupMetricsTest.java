package dev.runner.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import dev.runner.core.Decision;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GroupMetricsTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final GroupMetrics metrics = new GroupMetrics(registry);
  final ResourceID app = new ResourceID("app", "test");
  final ResourceID other = new ResourceID("other", "test");

  static ServiceStatus service(ServicePhase phase, int restarts) {
    ServiceStatus s = new ServiceStatus();
    s.setPhase(phase);
    s.setHealthy(phase == ServicePhase.Ready || phase == ServicePhase.Completed);
    s.setRestarts(restarts);
    return s;
  }

  static Decision decision(boolean stopped, Map<String, ServiceStatus> services) {
    RunnerGroupStatus status = new RunnerGroupStatus();
    status.setServices(new TreeMap<>(services));
    status.setHealthy(services.values().stream().allMatch(ServiceStatus::isHealthy));
    return new Decision(null, List.of(), status, List.of(), Optional.empty(), stopped);
  }

  double services(ServicePhase phase) {
    return registry.get(GroupMetrics.SERVICES).tag("phase", phase.name()).gauge().value();
  }

  double groups(String health) {
    return registry.get(GroupMetrics.GROUPS).tag("health", health).gauge().value();
  }

  double restarts(ResourceID id) {
    return registry.get(GroupMetrics.RESTARTS).tag("group", id.getName()).counter().count();
  }

  /** Micrometer holds a gauge's object weakly: the group's gauge must still read after collections. */
  @Test
  void aGroupsHealthGaugeSurvivesGarbageCollection() {
    metrics.accept(app, decision(false, Map.of("db", service(ServicePhase.Ready, 0))));
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    assertThat(registry.get(GroupMetrics.GROUP_HEALTHY).tag("group", "app").gauge().value()).isEqualTo(1.0);
  }

  @Test
  void everyPhaseIsPresentBeforeAnyGroup() {
    for (ServicePhase phase : ServicePhase.values()) {
      assertThat(services(phase)).isZero();
    }
    assertThat(groups("healthy")).isZero();
    assertThat(groups("unhealthy")).isZero();
  }

  @Test
  void countsServicesByPhaseAndGroupsByHealthOverAllGroups() {
    metrics.accept(app, decision(false, Map.of("db", service(ServicePhase.Ready, 0), "api", service(ServicePhase.Waiting, 0))));
    metrics.accept(other, decision(false, Map.of("web", service(ServicePhase.Ready, 0))));
    assertThat(services(ServicePhase.Ready)).isEqualTo(2);
    assertThat(services(ServicePhase.Waiting)).isEqualTo(1);
    assertThat(groups("healthy")).isEqualTo(1);
    assertThat(groups("unhealthy")).isEqualTo(1);
    assertThat(registry.get(GroupMetrics.GROUP_HEALTHY).tag("group", "other").gauge().value()).isEqualTo(1);
    assertThat(registry.get(GroupMetrics.GROUP_HEALTHY).tag("group", "app").gauge().value()).isZero();

    metrics.accept(app, decision(false, Map.of("db", service(ServicePhase.Ready, 0), "api", service(ServicePhase.Ready, 0))));
    assertThat(services(ServicePhase.Ready)).isEqualTo(3);
    assertThat(services(ServicePhase.Waiting)).isZero();
    assertThat(groups("healthy")).isEqualTo(2);
  }

  @Test
  void restartsCountIncrementsBetweenDecisionsNotTheFirstSight() {
    // First sight (e.g. after an operator restart): 3 restarts already happened, none counted here.
    metrics.accept(app, decision(false, Map.of("api", service(ServicePhase.Ready, 3))));
    assertThat(restarts(app)).isZero();
    metrics.accept(app, decision(false, Map.of("api", service(ServicePhase.BackingOff, 4))));
    metrics.accept(app, decision(false, Map.of("api", service(ServicePhase.BackingOff, 4))));
    assertThat(restarts(app)).isEqualTo(1);
    // resetAfter sets restarts back to 0: a new baseline, not a restart
    metrics.accept(app, decision(false, Map.of("api", service(ServicePhase.Ready, 0))));
    metrics.accept(app, decision(false, Map.of("api", service(ServicePhase.BackingOff, 2),
        "new", service(ServicePhase.Starting, 1))));
    assertThat(restarts(app)).isEqualTo(3);
  }

  @Test
  void aDeletedGroupsSeriesGoAway() {
    metrics.accept(app, decision(false, Map.of("api", service(ServicePhase.Stopped, 0))));
    assertThat(registry.find(GroupMetrics.RESTARTS).tag("group", "app").counter()).isNotNull();
    metrics.accept(app, decision(true, Map.of()));
    assertThat(registry.find(GroupMetrics.RESTARTS).tag("group", "app").counter()).isNull();
    assertThat(registry.find(GroupMetrics.GROUP_HEALTHY).tag("group", "app").gauge()).isNull();
    assertThat(services(ServicePhase.Stopped)).isZero();
    assertThat(groups("unhealthy")).isZero();
  }
}
