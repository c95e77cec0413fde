package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * docs/stopping.md: deleting a group and suspending it stop its services in reverse
 * dependency order, leaves first, each only once what depends on it is gone. Pods take 400ms to
 * terminate, so an order that did not wait for them would show.
 */
class TeardownTest extends ScenarioTest {
  private static final Duration TERMINATION = Duration.ofMillis(400);
  private GroupWatch watch;

  @BeforeEach
  void slowTermination() {
    cluster.kubelet().defaults(Behavior.builder().terminationTime(TERMINATION).build());
  }

  @AfterEach
  void closeWatch() {
    if (watch != null) {
      watch.close();
    }
  }

  private static String chain(String name, String extra) {
    return """
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: %s}
        spec:
        %s  services:
        """.formatted(name, extra) + svc("a", "") + svc("b", "    dependsOn: [a]\n") + svc("c", "    dependsOn: [b]\n");
  }

  private void delete(String group) {
    client.resources(RunnerGroup.class).inNamespace(NS).withName(group).delete();
  }

  private void awaitGone(String group) {
    await().atMost(PATIENCE).until(() -> group(group) == null);
  }

  /**
   * {@code first} depends on {@code later}. {@code later} is scaled to 0 only once {@code first}'s Pods are gone,
   * and its Deployment deleted only once {@code first}'s Deployment is deleted.
   */
  private void stoppedAfterGone(String later, String first) {
    assertThat(timeline.scaledToZero(later)).as("%s scaled to 0 after the Pods of %s went", later, first)
        .isAfterOrEqualTo(timeline.lastPodGone(first));
    assertThat(timeline.scaledToZero(later)).as("%s scaled to 0 after %s was", later, first)
        .isAfter(timeline.scaledToZero(first));
    assertThat(timeline.deleted(later)).as("%s deleted after %s", later, first)
        .isAfterOrEqualTo(timeline.deleted(first));
  }

  /** Each Deployment: scaled to 0, its Pods gone, then deleted. */
  private void scaledThenDeleted(String... deployments) {
    for (String d : deployments) {
      assertThat(timeline.replicaHistory(d)).as(d).containsExactly(1, 0, -1);
      assertThat(timeline.lastPodGone(d)).as(d).isAfterOrEqualTo(timeline.scaledToZero(d));
      assertThat(timeline.deleted(d)).as(d).isAfterOrEqualTo(timeline.lastPodGone(d));
      assertThat(Duration.between(timeline.scaledToZero(d), timeline.lastPodGone(d)))
          .as("%s's Pods took their termination time", d).isGreaterThanOrEqualTo(TERMINATION.minusMillis(50));
    }
  }

  private List<String> stoppingMessages() {
    return watch.snapshots().stream()
        .filter(s -> s.status().getPhase() == GroupPhase.Stopping)
        .map(s -> s.status().getMessage()).distinct().toList();
  }

  @Test
  void deletingAChainStopsLeavesFirstAndRemovesTheFinalizerLast() {
    watch = new GroupWatch(client, NS, "chain");
    apply(chain("chain", ""));
    awaitPhase("chain", GroupPhase.Ready);
    assertThat(group("chain").getMetadata().getFinalizers()).isNotEmpty();

    delete("chain");
    await().atMost(PATIENCE).until(() -> status("chain") != null && status("chain").getPhase() == GroupPhase.Stopping
        || group("chain") == null);
    awaitGone("chain");

    scaledThenDeleted("chain-a", "chain-b", "chain-c");
    stoppedAfterGone("chain-b", "chain-c");
    stoppedAfterGone("chain-a", "chain-b");
    // The finalizer comes off exactly when the last service is gone: not before, and not much later.
    assertThat(watch.gone()).isAfterOrEqualTo(timeline.deleted("chain-a"));
    assertThat(Duration.between(timeline.deleted("chain-a"), watch.gone())).isLessThan(Duration.ofSeconds(2));
    assertThat(pods("chain-a")).isEmpty();

    // While it ran: phase Stopping, the status naming what remains, and what each waits for.
    assertThat(stoppingMessages()).containsSubsequence(
        "stopping in reverse dependency order; still running: a, b, c",
        "stopping in reverse dependency order; still running: a, b",
        "stopping in reverse dependency order; still running: a");
    assertThat(watch.snapshots()).anySatisfy(s -> {
      assertThat(s.status().getPhase()).isEqualTo(GroupPhase.Stopping);
      ServiceStatus b = s.service("b");
      assertThat(b.getWaitingFor()).containsExactly("c");
      assertThat(b.getError()).isEqualTo("stopping after its dependents: c");
    });
    assertThat(watch.snapshots()).anySatisfy(s -> {
      assertThat(s.service("c").getPhase()).isEqualTo(ServicePhase.Stopped);
      assertThat(s.service("c").getError()).startsWith("stopping");
    });

    // Events: the group's stop, each service's stop leaves first, the end.
    List<Event> events = events("chain");
    // (The first service's stop and the group's are recorded by the same reconcile, service first.)
    assertThat(events).extracting(Event::getReason).containsSubsequence("GroupReady", "ServiceStopped",
        "ServiceStopped", "ServiceStopped", "GroupStopped");
    assertThat(events.get(events.size() - 1).getReason()).isEqualTo("GroupStopped");
    assertThat(events).filteredOn(e -> "ServiceStopped".equals(e.getReason())).extracting(Event::getMessage)
        .containsExactly("stopped service c", "stopped service b", "stopped service a");
    assertThat(events).filteredOn(e -> "GroupStopped".equals(e.getReason())).hasSize(1);
    assertThat(events).filteredOn(e -> "GroupStopping".equals(e.getReason())).hasSize(1);
  }

  @Test
  void deletingADiamondStopsTheMiddleInParallel() {
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: dia}
        spec:
          services:
        """ + svc("top", "") + svc("left", "    dependsOn: [top]\n") + svc("right", "    dependsOn: [top]\n")
        + svc("bottom", "    dependsOn: [left, right]\n"));
    awaitPhase("dia", GroupPhase.Ready);
    delete("dia");
    awaitGone("dia");

    scaledThenDeleted("dia-top", "dia-left", "dia-right", "dia-bottom");
    stoppedAfterGone("dia-left", "dia-bottom");
    stoppedAfterGone("dia-right", "dia-bottom");
    stoppedAfterGone("dia-top", "dia-left");
    stoppedAfterGone("dia-top", "dia-right");
    // Independent branches together, not one after the other (that would be >= 400ms apart).
    assertThat(Duration.between(timeline.scaledToZero("dia-left"), timeline.scaledToZero("dia-right")).abs())
        .isLessThan(Duration.ofMillis(300));
    assertThat(Duration.between(timeline.deleted("dia-left"), timeline.deleted("dia-right")).abs())
        .isLessThan(Duration.ofMillis(300));
  }

  @Test
  void suspendScalesToZeroInReverseOrderAndResumeStartsInOrder() {
    String running = chain("sus", "").replace("    dependsOn: [a]\n", "    dependsOn: [a]\n    startDelay: 1s\n");
    apply(running);
    awaitPhase("sus", GroupPhase.Ready);

    Instant suspended = Instant.now();
    apply(running.replace("spec:\n", "spec:\n  suspend: true\n"));
    awaitPhase("sus", GroupPhase.Suspended);
    for (String d : List.of("sus-a", "sus-b", "sus-c")) {
      assertThat(deployment(d)).as(d).isNotNull();
      assertThat(deployment(d).getSpec().getReplicas()).as(d).isZero();
      assertThat(pods(d)).as(d).isEmpty();
      assertThat(timeline.replicaHistory(d)).as(d).containsExactly(1, 0);
    }
    assertThat(timeline.scaledToZero("sus-b")).isAfterOrEqualTo(timeline.lastPodGone("sus-c"));
    assertThat(timeline.scaledToZero("sus-a")).isAfterOrEqualTo(timeline.lastPodGone("sus-b"));
    assertThat(timeline.scaledToZero("sus-c")).isAfter(suspended);
    assertThat(status("sus").getServices().values()).allSatisfy(s -> {
      assertThat(s.getPhase()).isEqualTo(ServicePhase.Stopped);
      assertThat(s.isHealthy()).isFalse();
      assertThat(s.isRunning()).isFalse();
    });
    assertThat(status("sus").getMessage()).isEqualTo("suspended: all services stopped");
    // Events are recorded just after the status they go with.
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(eventReasons("sus")).containsSubsequence("GroupStopping", "GroupSuspended"));
    assertThat(eventReasons("sus")).filteredOn("GroupSuspended"::equals).hasSize(1);
    assertThat(events("sus")).filteredOn(e -> "ServiceStopped".equals(e.getReason())).extracting(Event::getMessage)
        .containsExactly("stopped service c", "stopped service b", "stopped service a");

    Instant resumed = Instant.now();
    apply(running);
    awaitPhase("sus", GroupPhase.Ready);
    Instant aUp = timeline.scaledTo("sus-a", 1, resumed);
    Instant aReady = timeline.availableAfter("sus-a", aUp);
    Instant bUp = timeline.scaledTo("sus-b", 1, resumed);
    Instant bReady = timeline.availableAfter("sus-b", bUp);
    Instant cUp = timeline.scaledTo("sus-c", 1, resumed);
    assertThat(aUp).isAfterOrEqualTo(resumed);
    // b waits for a, then its start delay again; c waits for b.
    assertThat(Duration.between(aReady, bUp)).isGreaterThanOrEqualTo(Duration.ofMillis(950)).isLessThan(Duration.ofSeconds(3));
    assertThat(cUp).isAfterOrEqualTo(bReady);
    for (String d : List.of("sus-a", "sus-b", "sus-c")) {
      assertThat(timeline.replicaHistory(d)).as(d).containsExactly(1, 0, 1);
    }
  }

  @Test
  void deletingDuringABackoffStopsWithoutRestarting() {
    cluster.kubelet().behave(NS, "bo-db", Behavior.builder().terminationTime(TERMINATION)
        .restartBackoff(Duration.ofSeconds(30)).build());
    apply("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: bo}
        spec:
          services:
        """ + svc("db", "    restartConfig: {policy: Always, initialBackoff: 8s, jitter: false}\n")
        + svc("api", "    dependsOn: [db]\n"));
    awaitPhase("bo", GroupPhase.Ready);
    cluster.kubelet().exitNow(NS, "bo-db", 1);
    awaitService("bo", "db", ServicePhase.BackingOff);
    Instant due = Instant.parse(service("bo", "db").orElseThrow().getNextRestartAt());

    delete("bo");
    awaitGone("bo");
    assertThat(Instant.now()).isBefore(due);
    assertThat(timeline.replicaHistory("bo-db")).containsExactly(1, 0, -1);
    assertThat(timeline.deleted("bo-db")).isAfterOrEqualTo(timeline.deleted("bo-api"))
        .isAfterOrEqualTo(timeline.lastPodGone("bo-api"));
    scaledThenDeleted("bo-api");
    assertThat(eventReasons("bo")).contains("GroupStopped").doesNotContain("ServiceRestarted");
  }

  @Test
  void deletingAnInvalidGroupStopsInTheOrderRecordedOnTheDeployments() {
    apply(chain("inv", ""));
    awaitPhase("inv", GroupPhase.Ready);
    // A cycle: a -> c -> b -> a. Nothing running changes; the Deployments keep the old order.
    apply(chain("inv", "").replace("  - name: a\n", "  - name: a\n    dependsOn: [c]\n"));
    awaitPhase("inv", GroupPhase.Invalid);
    assertThat(deployment("inv-b").getMetadata().getAnnotations()).containsEntry("runner.dev/depends-on", "a");
    assertThat(deployment("inv-c").getMetadata().getAnnotations()).containsEntry("runner.dev/depends-on", "b");

    delete("inv");
    awaitGone("inv");
    scaledThenDeleted("inv-a", "inv-b", "inv-c");
    stoppedAfterGone("inv-b", "inv-c");
    stoppedAfterGone("inv-a", "inv-b");
    // Events go out from their own thread after the status write: the last may land after the group is gone.
    await().atMost(PATIENCE).until(() -> eventReasons("inv").contains("GroupStopped"));
    assertThat(eventReasons("inv")).containsSubsequence("InvalidSpec", "GroupStopped");
  }

  @Test
  void anOperatorRestartMidTeardownFinishesInOrder() {
    cluster.kubelet().defaults(Behavior.builder().terminationTime(Duration.ofMillis(1500)).build());
    apply(chain("opr", ""));
    awaitPhase("opr", GroupPhase.Ready);
    delete("opr");
    await().atMost(PATIENCE).until(() -> timeline.scaledToZero("opr-c") != null);
    cluster.stopOperator();
    Instant stopped = Instant.now();
    // Down for longer than c's Pods take to go: nothing moves meanwhile.
    await().atMost(PATIENCE).until(() -> Duration.between(stopped, Instant.now()).toMillis() >= 2000);
    assertThat(deployment("opr-b").getSpec().getReplicas()).isEqualTo(1);
    assertThat(group("opr")).isNotNull();
    cluster.startOperator();

    awaitGone("opr");
    assertThat(timeline.scaledToZero("opr-b")).isAfter(stopped.plusMillis(1900));
    stoppedAfterGone("opr-b", "opr-c");
    stoppedAfterGone("opr-a", "opr-b");
    for (String d : List.of("opr-a", "opr-b", "opr-c")) {
      assertThat(timeline.replicaHistory(d)).as(d).containsExactly(1, 0, -1);
    }
    assertThat(events("opr")).filteredOn(e -> "GroupStopped".equals(e.getReason())).hasSize(1);
    assertThat(events("opr")).filteredOn(e -> "ServiceStopped".equals(e.getReason())).extracting(Event::getMessage)
        .filteredOn(Objects::nonNull).containsExactly("stopped service c", "stopped service b", "stopped service a");
  }
}
