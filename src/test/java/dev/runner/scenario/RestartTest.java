package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import dev.runner.core.Times;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/restarts.md: failure detection, restart policies, backoff, the retry limit, reset,
 * and what the rest of the group does meanwhile. Containers exit by the simulated kubelet's
 * behaviour; kubelet's own restart back-off is long (10s), so every restart seen here is the
 * operator's.
 */
class RestartTest extends ScenarioTest {
  /** Kubelet would restart a crashed container after this long: longer than any scenario waits. */
  private static final Duration KUBELET_BACKOFF = Duration.ofSeconds(10);

  private static Behavior.Builder crashing() {
    return Behavior.builder().restartBackoff(KUBELET_BACKOFF);
  }

  private static String restart(String fields) {
    return "    restartConfig: {" + fields + "}\n";
  }

  private ServiceStatus svcStatus(String group, String service) {
    return service(group, service).orElseThrow();
  }

  private List<Event> eventsWith(String group, String reason) {
    return events(group).stream().filter(e -> reason.equals(e.getReason())).toList();
  }

  enum How { EXIT_ZERO, EXIT_ONE, ROLLOUT_FAILED }

  static Stream<Arguments> policyTable() {
    return Stream.of(
        Arguments.of("Always", How.EXIT_ZERO, ServicePhase.BackingOff),
        Arguments.of("Always", How.EXIT_ONE, ServicePhase.BackingOff),
        Arguments.of("Always", How.ROLLOUT_FAILED, ServicePhase.BackingOff),
        Arguments.of("OnFailure", How.EXIT_ZERO, ServicePhase.Completed),
        Arguments.of("OnFailure", How.EXIT_ONE, ServicePhase.BackingOff),
        Arguments.of("OnFailure", How.ROLLOUT_FAILED, ServicePhase.BackingOff),
        Arguments.of("Never", How.EXIT_ZERO, ServicePhase.Completed),
        Arguments.of("Never", How.EXIT_ONE, ServicePhase.Failed),
        Arguments.of("Never", How.ROLLOUT_FAILED, ServicePhase.Failed));
  }

  /**
   * Each policy and each way of stopping. A restart goes BackingOff, scale to 0, Pods gone, scale
   * back, Ready again; Completed is stopped, healthy and lets its dependent start; Failed is
   * stopped and says why.
   */
  @ParameterizedTest(name = "{0} x {1} -> {2}")
  @MethodSource("policyTable")
  void eachPolicyAndOutcome(String policy, How how, ServicePhase expected) {
    String g = "p-" + policy.toLowerCase() + "-" + how.name().toLowerCase().replace('_', '-');
    String job = g + "-job";
    Behavior.Builder behavior = crashing().terminationTime(Duration.ofMillis(300));
    if (how != How.ROLLOUT_FAILED) {
      // The first start exits; later starts run on. Never ready: the dependent waits for the outcome.
      behavior.exit(Duration.ofMillis(600), how == How.EXIT_ZERO ? 0 : 1, 1).neverReady();
    }
    cluster.kubelet().behave(NS, job, behavior.build());
    apply(group(g, svc("job", restart("policy: " + policy + ", initialBackoff: 1s, jitter: false"))
        + (how == How.ROLLOUT_FAILED ? "" : svc("dep", "    dependsOn: [job]\n"))));
    if (how == How.ROLLOUT_FAILED) {
      awaitService(g, "job", ServicePhase.Ready);
      cluster.kubelet().failRollout(NS, job);
    }
    await().atMost(PATIENCE).until(() -> service(g, "job").map(s -> s.getLastExit() != null).orElse(false));
    if (how != How.ROLLOUT_FAILED) {
      // From now on its starts run on and become ready, so that a restarted service can be seen healthy.
      cluster.kubelet().behave(NS, job, behavior.noExit().neverReady(false).build());
    }
    ServiceStatus failed = svcStatus(g, "job");
    assertThat(failed.getPhase()).isEqualTo(expected);
    if (how == How.ROLLOUT_FAILED) {
      assertThat(failed.getLastExit().getReason()).isEqualTo("ProgressDeadlineExceeded");
      assertThat(failed.getLastExit().getCode()).isNull();
    } else {
      assertThat(failed.getLastExit().getCode()).isEqualTo(how == How.EXIT_ZERO ? 0 : 1);
      assertThat(failed.getLastExit().getReason()).isEqualTo(how == How.EXIT_ZERO ? "Completed" : "Error");
    }

    switch (expected) {
      case BackingOff -> {
        awaitService(g, "job", ServicePhase.Ready);
        assertThat(svcStatus(g, "job").getRestarts()).isEqualTo(1);
        assertThat(svcStatus(g, "job").getNextRestartAt()).isNull();
        // Stop, wait for the Pods to go, start: scaled to 0 and back, the new Pod after the old one went.
        assertThat(timeline.replicaHistory(job)).containsExactly(1, 0, 1);
        Instant down = timeline.scaledTo(job, 0, Instant.EPOCH);
        Instant up = timeline.scaledTo(job, 1, down);
        assertThat(timeline.podsGone(job)).hasSize(1);
        assertThat(up).isAfterOrEqualTo(timeline.podsGone(job).get(0));
        // Not before the backoff's due time (1s from the decision; measured from the observed
        // scale-down it can look shorter by the time the status write took first).
        assertThat(up).isAfterOrEqualTo(Times.parse(failed.getNextRestartAt()));
        assertThat(Duration.between(down, up)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        eventually(() -> assertThat(eventReasons(g))
            .containsSubsequence("ServiceFailed", "RestartScheduled", "ServiceRestarted", "ServiceReady"));
        if (how != How.ROLLOUT_FAILED) {
          awaitService(g, "dep", ServicePhase.Ready);
        }
      }
      case Completed -> {
        ServiceStatus done = svcStatus(g, "job");
        assertThat(done.isHealthy()).isTrue();
        assertThat(done.getError()).isEmpty();
        assertThat(done.getRestarts()).isZero();
        // Stopped: scaled to 0, no Pods left; and not blocking its dependent.
        await().atMost(PATIENCE).until(() -> pods(job).isEmpty());
        assertThat(deployment(job).getSpec().getReplicas()).isZero();
        awaitService(g, "dep", ServicePhase.Ready);
        awaitPhase(g, GroupPhase.Ready);
        // The dependent is created in the reconcile that sees the exit (in parallel with the scale-down).
        assertThat(timeline.created(g + "-dep")).isAfter(timeline.created(job));
        assertThat(timeline.replicaHistory(job)).containsExactly(1, 0);
        assertThat(eventReasons(g)).contains("ServiceCompleted").doesNotContain("ServiceFailed", "RestartScheduled");
      }
      case Failed -> {
        ServiceStatus dead = svcStatus(g, "job");
        assertThat(dead.isHealthy()).isFalse();
        assertThat(dead.getRestarts()).isZero();
        assertThat(dead.getError()).endsWith("not restarted (restart policy Never)");
        await().atMost(PATIENCE).until(() -> pods(job).isEmpty() && deployment(job).getSpec().getReplicas() == 0);
        awaitPhase(g, GroupPhase.Failed);
        eventually(() -> assertThat(eventReasons(g)).contains("GroupFailed"));
        assertThat(eventsWith(g, "ServiceFailed")).hasSize(1);
        assertThat(eventReasons(g)).doesNotContain("RestartScheduled", "ServiceRestarted");
        if (how != How.ROLLOUT_FAILED) {
          assertThat(deployment(g + "-dep")).isNull();
          assertThat(svcStatus(g, "dep").getPhase()).isEqualTo(ServicePhase.Waiting);
        }
      }
      default -> throw new AssertionError(expected);
    }
  }

  /** Jitter off: 200ms x2 capped at 800ms gives 200, 400, 800, 800, and the waits follow them. */
  @Test
  void backoffGrowsAndIsCappedWithJitterOff() {
    cluster.kubelet().behave(NS, "bo-web", crashing().exit(Duration.ofMillis(300), 1).build());
    GroupWatch watch = new GroupWatch(client, NS, "bo");
    try {
      apply(group("bo", svc("web", restart(
          "maxRetries: 4, initialBackoff: 200ms, maxBackoff: 800ms, multiplier: 2, jitter: false"))));
      awaitService("bo", "web", ServicePhase.Failed);

      List<Duration> expected = List.of(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800),
          Duration.ofMillis(800));
      List<Instant> due = nextRestarts(watch, "web");
      assertThat(due).hasSize(4);
      assertThat(eventsWith("bo", "RestartScheduled")).extracting(Event::getMessage)
          .containsExactly(due.stream().map(d -> "service web: restart " + (due.indexOf(d) + 1) + " scheduled at "
              + Times.format(d)).toArray(String[]::new));
      List<String> delays = watch.snapshots().stream().map(s -> s.service("web")).filter(s -> s != null)
          .map(ServiceStatus::getError).filter(e -> e.contains("restarting in ")).distinct()
          .map(e -> e.replaceAll(".*restarting in ([^ ]+) .*", "$1")).toList();
      assertThat(delays).containsExactly("200ms", "400ms", "800ms", "800ms");

      // Created at 1, then four times: down to 0, back to 1; the fifth exit leaves it at 0. That last
      // scale-down is written after the status that says Failed (status first), so it is waited for.
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(transitions("bo-web", 0)).hasSize(5));
      List<Instant> down = transitions("bo-web", 0);
      List<Instant> up = transitions("bo-web", 1);
      assertThat(down).hasSize(5);
      assertThat(up).hasSize(5);
      // How late a scale-up due at a moment may be seen: the rescheduled reconcile, its write, the
      // watch event (on the real control plane at load 20-28, 1.24 s once).
      Duration late = Duration.ofSeconds(1).plus(cluster.writeLag().multipliedBy(2));
      for (int i = 0; i < 4; i++) {
        Duration wait = Duration.between(down.get(i), up.get(i + 1));
        // Decided just before the scale to 0 was seen; scaled back only once due, soon after.
        assertThat(Duration.between(down.get(i), due.get(i))).as("due %d", i)
            .isLessThanOrEqualTo(expected.get(i)).isGreaterThan(expected.get(i).minusMillis(500));
        assertThat(up.get(i + 1)).as("up %d", i).isAfterOrEqualTo(due.get(i)).isBefore(due.get(i).plus(late));
        // The lower bound that matters is "up" not before "due" (above): the scale-down is seen only
        // after the status write that precedes it, which on a loaded machine takes a while.
        assertThat(wait).as("wait %d", i).isPositive().isLessThan(expected.get(i).plus(late));
        // lastExit.at has whole seconds, as Kubernetes writes it; then the exit has to be seen (the
        // kubelet's status write, the watch, the reconcile), which takes longer on a real server.
        Duration seen = Duration.ofMillis(Math.max(500, 4 * cluster.writeLag().toMillis()));
        assertThat(Duration.between(Instant.parse(lastExitBefore(watch, "web", due.get(i))), due.get(i)))
            .isGreaterThanOrEqualTo(expected.get(i)).isLessThan(expected.get(i).plusSeconds(1).plus(seen));
      }
    } finally {
      watch.close();
    }
  }

  /** Jitter on: each delay within +-25 % of its unjittered value, never above maxBackoff. */
  @Test
  void jitterStaysWithinAQuarterAndUnderTheMaximum() {
    cluster.kubelet().behave(NS, "jit-web", crashing().exit(Duration.ofMillis(200), 1).build());
    GroupWatch watch = new GroupWatch(client, NS, "jit");
    try {
      apply(group("jit", svc("web", restart(
          "maxRetries: 5, initialBackoff: 400ms, maxBackoff: 800ms, multiplier: 2, jitter: true"))));
      awaitService("jit", "web", ServicePhase.Failed);
      List<Duration> delays = watch.snapshots().stream().map(s -> s.service("web")).filter(s -> s != null)
          .map(ServiceStatus::getError).filter(e -> e.contains("restarting in ")).distinct()
          .map(e -> parseDelay(e.replaceAll(".*restarting in ([^ ]+) .*", "$1"))).toList();
      List<Long> base = List.of(400L, 800L, 800L, 800L, 800L);
      assertThat(delays).hasSize(5);
      for (int i = 0; i < 5; i++) {
        assertThat(delays.get(i).toMillis()).as("delay %d", i)
            .isBetween(Math.round(base.get(i) * 0.75), Math.min(800, Math.round(base.get(i) * 1.25)));
      }
      // Jittered: not all exactly the unjittered values.
      assertThat(delays.stream().map(Duration::toMillis).toList()).isNotEqualTo(base);
      List<Instant> down = transitions("jit-web", 0);
      List<Instant> up = transitions("jit-web", 1);
      List<Instant> due = nextRestarts(watch, "web");
      assertThat(due).hasSize(5);
      for (int i = 0; i < 5; i++) {
        // The backoff runs from the decision: scaled back only once due. (The scale to 0 lands after
        // the status write, so the wait from the observed scale-down is shorter on a loaded machine.)
        assertThat(up.get(i + 1)).as("up %d", i).isAfterOrEqualTo(due.get(i));
        assertThat(Duration.between(down.get(i), up.get(i + 1))).as("wait %d", i).isPositive();
      }
    } finally {
      watch.close();
    }
  }

  /** The limit reached: Failed, stopped at 0 replicas, one RestartLimitReached; its dependent runs on. */
  @Test
  void retryLimitLeavesTheServiceFailedAndItsDependentsRunning() {
    cluster.kubelet().behave(NS, "lim-db", crashing().exit(Duration.ofMillis(800), 3).build());
    apply(group("lim", svc("db", restart("policy: Always, maxRetries: 2, initialBackoff: 300ms, jitter: false"))
        + svc("api", "    dependsOn: [db]\n")));
    awaitService("lim", "api", ServicePhase.Ready);
    String apiPod = pods("lim-api").get(0).getMetadata().getName();

    awaitService("lim", "db", ServicePhase.BackingOff);
    awaitPhase("lim", GroupPhase.Degraded);
    assertThat(svcStatus("lim", "api").getPhase()).isEqualTo(ServicePhase.Ready);

    awaitService("lim", "db", ServicePhase.Failed);
    ServiceStatus db = svcStatus("lim", "db");
    assertThat(db.getError()).isEqualTo("restart limit 2 reached (last exit: code 3)");
    assertThat(db.getRestarts()).isEqualTo(2);
    assertThat(db.getLastExit().getCode()).isEqualTo(3);
    assertThat(db.isHealthy()).isFalse();
    await().atMost(PATIENCE).until(() -> pods("lim-db").isEmpty());
    assertThat(deployment("lim-db").getSpec().getReplicas()).isZero();
    awaitPhase("lim", GroupPhase.Failed);
    assertThat(status("lim").isHealthy()).isFalse();
    assertThat(status("lim").getMessage()).contains("db: restart limit 2 reached (last exit: code 3)");

    // The dependent was never touched: same Pod, still 1 replica, still Ready.
    assertThat(svcStatus("lim", "api").getPhase()).isEqualTo(ServicePhase.Ready);
    assertThat(deployment("lim-api").getSpec().getReplicas()).isEqualTo(1);
    assertThat(pods("lim-api")).extracting(p -> p.getMetadata().getName()).containsExactly(apiPod);
    assertThat(timeline.replicaHistory("lim-api")).containsExactly(1);

    // One event per transition, none per reconcile: touch the group's Pods, the count stays.
    int decisions = cluster.decisions();
    client.pods().inNamespace(NS).withName(apiPod)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");
    await().atMost(PATIENCE).until(() -> cluster.decisions() > decisions);
    assertThat(eventsWith("lim", "RestartLimitReached")).hasSize(1)
        .first().extracting(Event::getType, Event::getMessage)
        .containsExactly("Warning", "service db: restart limit 2 reached (last exit: code 3)");
    assertThat(eventsWith("lim", "ServiceFailed")).hasSize(2).allSatisfy(e -> assertThat(e.getType()).isEqualTo("Warning"));
    assertThat(eventsWith("lim", "RestartScheduled")).hasSize(2).allSatisfy(e -> assertThat(e.getType()).isEqualTo("Normal"));
    assertThat(eventsWith("lim", "ServiceRestarted")).extracting(Event::getMessage)
        .containsExactly("restarted service db (restart 1)", "restarted service db (restart 2)");
    assertThat(eventsWith("lim", "GroupFailed")).hasSize(1);
  }

  /** maxRetries 0 is unlimited: six crashes in a row, then healthy. */
  @Test
  void zeroMaxRetriesIsUnlimited() {
    cluster.kubelet().behave(NS, "unl-web", crashing().exit(Duration.ofMillis(100), 1, 6).build());
    apply(group("unl", svc("web", restart("maxRetries: 0, initialBackoff: 100ms, maxBackoff: 200ms, jitter: false"))));
    await().atMost(PATIENCE).until(() -> service("unl", "web").map(s -> s.getRestarts() == 6
        && s.getPhase() == ServicePhase.Ready).orElse(false));
    awaitPhase("unl", GroupPhase.Ready);
    eventually(() -> assertThat(eventsWith("unl", "RestartScheduled")).hasSize(6));
    assertThat(eventReasons("unl")).doesNotContain("RestartLimitReached");
    assertThat(svcStatus("unl", "web").getError()).isEmpty();
    assertThat(eventsWith("unl", "ServiceRestarted")).last().extracting(Event::getMessage)
        .isEqualTo("restarted service web (restart 6)");
  }

  /** Healthy for resetAfter: the count starts again, so the limit is not reached and backoff is initial again. */
  @Test
  void resetAfterAHealthyPeriodForgetsTheCount() {
    cluster.kubelet().behave(NS, "rst-web", crashing().exit(Duration.ofMillis(200), 1, 2).build());
    apply(group("rst", svc("web", restart(
        "maxRetries: 2, initialBackoff: 200ms, maxBackoff: 1s, jitter: false, resetAfter: 1s"))));
    await().atMost(PATIENCE).until(() -> service("rst", "web").map(s -> s.getRestarts() == 2
        && s.getPhase() == ServicePhase.Ready).orElse(false));
    Instant healthy = Instant.now();
    await().atMost(PATIENCE).until(() -> svcStatus("rst", "web").getRestarts() == 0);
    assertThat(Duration.between(healthy, Instant.now())).isLessThan(Duration.ofSeconds(3));
    ServiceStatus reset = svcStatus("rst", "web");
    assertThat(Duration.between(Instant.parse(reset.getHealthySince()), Instant.now()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1000));

    cluster.kubelet().exitNow(NS, "rst-web", 7);
    await().atMost(PATIENCE).until(() -> svcStatus("rst", "web").getLastExit().getCode() == 7);
    ServiceStatus again = svcStatus("rst", "web");
    // Without the reset this would be the third failure with maxRetries 2: Failed.
    assertThat(again.getPhase()).isIn(ServicePhase.BackingOff, ServicePhase.Starting, ServicePhase.Ready);
    assertThat(again.getRestarts()).isEqualTo(1);
    eventually(() -> assertThat(eventsWith("rst", "RestartScheduled")).hasSize(3));
    assertThat(eventsWith("rst", "RestartScheduled")).last().extracting(Event::getMessage).asString()
        .startsWith("service web: restart 1 scheduled");
    assertThat(eventsWith("rst", "ServiceFailed")).last().extracting(Event::getMessage)
        .isEqualTo("service web: container web exited with code 7 (Error)");
    awaitService("rst", "web", ServicePhase.Ready);
    assertThat(eventReasons("rst")).doesNotContain("RestartLimitReached");
  }

  /** The runner.dev/restart annotation, set to a new value, starts a Failed service again from a count of zero. */
  @Test
  void restartAnnotationRestartsAFailedService() {
    cluster.kubelet().behave(NS, "ann-web", crashing().exit(Duration.ofMillis(200), 1, 2).build());
    apply(group("ann", svc("web", restart("maxRetries: 1, initialBackoff: 100ms, jitter: false"))));
    awaitService("ann", "web", ServicePhase.Failed);
    assertThat(svcStatus("ann", "web").getError()).isEqualTo("restart limit 1 reached (last exit: code 1)");
    await().atMost(PATIENCE).until(() -> pods("ann-web").isEmpty());
    assertThat(timeline.replicaHistory("ann-web")).containsExactly(1, 0, 1, 0);

    annotate("ann", "1");
    awaitService("ann", "web", ServicePhase.Ready);
    assertThat(svcStatus("ann", "web").getRestarts()).isZero();
    assertThat(status("ann").getRestartRequest()).isEqualTo("1");
    assertThat(timeline.replicaHistory("ann-web")).containsExactly(1, 0, 1, 0, 1);
    awaitPhase("ann", GroupPhase.Ready);

    // The same value again is no new request: nothing restarts.
    int decisions = cluster.decisions();
    annotate("ann", "1");
    String pod = pods("ann-web").get(0).getMetadata().getName();
    client.pods().inNamespace(NS).withName(pod)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");
    await().atMost(PATIENCE).until(() -> cluster.decisions() > decisions);
    assertThat(timeline.replicaHistory("ann-web")).containsExactly(1, 0, 1, 0, 1);
    assertThat(pods("ann-web")).extracting(p -> p.getMetadata().getName()).containsExactly(pod);
  }

  /** An operator restart during a backoff: the count is kept, and only the rest of the wait is waited. */
  @Test
  void operatorRestartMidBackoffKeepsCountAndWaitsOnlyTheRest() {
    cluster.kubelet().behave(NS, "opr-web", crashing().exit(Duration.ofMillis(200), 1, 1).build());
    Duration backoff = Duration.ofSeconds(3).plus(cluster.operatorRestartTime());
    apply(group("opr", svc("web", restart("initialBackoff: " + backoff.toMillis() + "ms, jitter: false"))));
    awaitService("opr", "web", ServicePhase.BackingOff);
    ServiceStatus backingOff = svcStatus("opr", "web");
    Instant due = Instant.parse(backingOff.getNextRestartAt());
    assertThat(backingOff.getRestarts()).isEqualTo(1);

    cluster.stopOperator();
    Instant stopped = Instant.now();
    await().atMost(PATIENCE).until(() -> Duration.between(stopped, Instant.now()).toMillis() >= 1000);
    assertThat(Instant.now()).isBefore(due); // the test means something only if the restart is still ahead
    cluster.startOperator();
    assertThat(Instant.now()).as("the operator is back before the restart is due").isBefore(due);

    awaitService("opr", "web", ServicePhase.Ready);
    Instant up = timeline.scaledTo("opr-web", 1, timeline.scaledTo("opr-web", 0, Instant.EPOCH));
    assertThat(up).isAfterOrEqualTo(due).isBefore(due.plusMillis(1000));
    ServiceStatus after = svcStatus("opr", "web");
    assertThat(after.getRestarts()).isEqualTo(1);
    assertThat(timeline.replicaHistory("opr-web")).containsExactly(1, 0, 1);
    assertThat(eventsWith("opr", "RestartScheduled")).hasSize(1);
    assertThat(eventsWith("opr", "ServiceFailed")).hasSize(1);
  }

  /** A termination seen again (a second reconcile woken by a Pod change) is counted once. */
  @Test
  void aRedeliveredTerminationIsCountedOnce() {
    // The crashed Pod takes 1.5s to go, so reconciles happen while it is still there.
    cluster.kubelet().behave(NS, "dup-web", crashing().terminationTime(Duration.ofMillis(1500))
        .exit(Duration.ofMillis(200), 1, 1).build());
    apply(group("dup", svc("web", restart("initialBackoff: 200ms, jitter: false"))));
    awaitService("dup", "web", ServicePhase.BackingOff);
    String crashed = pods("dup-web").get(0).getMetadata().getName();
    for (int i = 0; i < 3; i++) {
      int decisions = cluster.decisions();
      String value = "t" + i;
      // A merge patch, not an edit: the kubelet writes this Pod's status meanwhile (an edit can 409).
      client.pods().inNamespace(NS).withName(crashed).patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"metadata\":{\"labels\":{\"touched\":\"" + value + "\"}}}");
      await().atMost(PATIENCE).until(() -> cluster.decisions() > decisions);
      assertThat(svcStatus("dup", "web").getRestarts()).isEqualTo(1);
    }
    awaitService("dup", "web", ServicePhase.Ready);
    // A reconcile after the restart still sees nothing new to count.
    int decisions = cluster.decisions();
    String fresh = pods("dup-web").stream().map(p -> p.getMetadata().getName()).filter(n -> !n.equals(crashed))
        .findFirst().orElseThrow();
    client.pods().inNamespace(NS).withName(fresh).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"touched\":\"after\"}}}");
    await().atMost(PATIENCE).until(() -> cluster.decisions() > decisions);
    assertThat(svcStatus("dup", "web").getRestarts()).isEqualTo(1);
    assertThat(svcStatus("dup", "web").getPhase()).isEqualTo(ServicePhase.Ready);
    assertThat(eventsWith("dup", "ServiceFailed")).hasSize(1);
    assertThat(eventsWith("dup", "RestartScheduled")).hasSize(1);
    assertThat(eventsWith("dup", "ServiceRestarted")).hasSize(1);
    assertThat(timeline.replicaHistory("dup-web")).containsExactly(1, 0, 1);
  }

  /** A backing-off dependency: its dependent keeps running, the group is Degraded, then Ready again. */
  @Test
  void dependentsOfABackingOffServiceKeepRunning() {
    apply(group("dep", svc("db", restart("initialBackoff: 2s, jitter: false")) + svc("api", "    dependsOn: [db]\n")));
    awaitPhase("dep", GroupPhase.Ready);
    String apiPod = pods("dep-api").get(0).getMetadata().getName();
    cluster.kubelet().behave(NS, "dep-db", crashing().build());
    cluster.kubelet().exitNow(NS, "dep-db", 2);
    awaitService("dep", "db", ServicePhase.BackingOff);
    awaitPhase("dep", GroupPhase.Degraded);
    assertThat(status("dep").getMessage()).startsWith("unhealthy services: db: container db exited with code 2 (Error); restarting in 2s");
    assertThat(svcStatus("dep", "api").getPhase()).isEqualTo(ServicePhase.Ready);
    assertThat(svcStatus("dep", "db").getNextRestartAt()).isNotNull();
    awaitPhase("dep", GroupPhase.Ready);
    assertThat(pods("dep-api")).extracting(p -> p.getMetadata().getName()).containsExactly(apiPod);
    assertThat(timeline.replicaHistory("dep-api")).containsExactly(1);
    eventually(() -> assertThat(eventReasons("dep")).containsSubsequence("GroupReady", "ServiceFailed", "RestartScheduled",
        "GroupDegraded", "ServiceRestarted", "ServiceReady", "GroupReady"));
  }

  // ---- helpers ----

  /** Events are recorded just after the status they go with is written: wait for them. */
  private static void eventually(org.awaitility.core.ThrowingRunnable assertion) {
    await().atMost(PATIENCE).untilAsserted(assertion);
  }

  private void annotate(String group, String value) {
    // A merge patch, not a read-modify-write: the operator's status writes change the
    // resourceVersion meanwhile, and an update would be refused (409) as kubectl annotate's is not.
    client.resources(RunnerGroup.class).inNamespace(NS).withName(group)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"runner.dev/restart\":\"" + value + "\"}}}");
  }

  /** Each distinct nextRestartAt the service had, in order. */
  private static List<Instant> nextRestarts(GroupWatch watch, String service) {
    List<Instant> out = new ArrayList<>();
    for (GroupWatch.Snapshot s : watch.snapshots()) {
      ServiceStatus st = s.service(service);
      if (st != null && st.getNextRestartAt() != null) {
        Instant at = Instant.parse(st.getNextRestartAt());
        if (!out.contains(at)) {
          out.add(at);
        }
      }
    }
    return out;
  }

  private static String lastExitBefore(GroupWatch watch, String service, Instant due) {
    return watch.snapshots().stream().map(s -> s.service(service))
        .filter(s -> s != null && s.getNextRestartAt() != null && Instant.parse(s.getNextRestartAt()).equals(due))
        .map(s -> s.getLastExit().getAt()).findFirst().orElseThrow();
  }

  /** When the Deployment was set to {@code replicas}, each time. */
  private List<Instant> transitions(String deployment, int replicas) {
    List<Instant> out = new ArrayList<>();
    int last = Integer.MIN_VALUE;
    for (Timeline.Change c : timeline.changes(deployment)) {
      if (c.replicas() != last && c.replicas() == replicas) {
        out.add(c.at());
      }
      last = c.replicas();
    }
    return out;
  }

  private static Duration parseDelay(String text) {
    assertThat(text).as("a delay in whole milliseconds").matches("\\d+ms");
    return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
  }
}
