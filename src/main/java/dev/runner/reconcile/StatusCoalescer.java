package dev.runner.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServiceReason;
import dev.runner.core.Decision;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which status writes may wait, and for how long. A change that only says what the cluster shows
 * and any later reconcile can read again (a service's {@code running}, {@code readyReplicas}, its
 * {@code error} words and a reason between {@code Starting} and {@code NotAvailable}, the group's
 * {@code message} and its conditions' messages), that comes with no workload write and no event,
 * is not written at once: the reconcile is rescheduled for the end of a {@link #WINDOW} counted
 * from the first change left unwritten, and a write made before then (the next start, the service
 * turning ready) carries it. Lost in a crash, it is observed again by the first reconcile after.
 *
 * <p>Everything else is written before the workloads are touched, as before: what cannot be
 * observed again (restart counts, exits counted, backoff deadlines, {@code startedAt},
 * {@code dependenciesMetAt}, {@code healthySince}, the phase a stop is made for), and what others
 * wait for: a service's phase and health, the group's {@code healthy}, {@code phase},
 * {@code ready}, {@code observedGeneration} and conditions (another group's {@code dependsOn}
 * reads them, and so do {@code kubectl wait} and kstatus).
 */
final class StatusCoalescer {
  /** How long a change that can be observed again may wait for a write that carries it. */
  static final Duration WINDOW = Duration.ofSeconds(1);
  private static final Set<String> SERVICE_OBSERVED = Set.of("running", "readyReplicas", "error");
  private static final Set<String> DERIVED_REASONS = Set.of(ServiceReason.Starting.name(), ServiceReason.NotAvailable.name());

  private final Duration window;
  /** Per group, when the oldest change left unwritten was seen. Lost in a restart: the resync observes it again. */
  private final Map<ResourceID, Instant> pendingSince = new ConcurrentHashMap<>();

  StatusCoalescer(Duration window) {
    this.window = window;
  }

  /**
   * @param written the status last written
   * @return how long the write of {@code decision}'s status may wait, or empty: write it now
   *     (or nothing is to be written)
   */
  Optional<Duration> defer(ResourceID group, RunnerGroupStatus written, Decision decision, Instant now) {
    if (window.isZero() || written == null || !decision.actions().isEmpty() || !decision.events().isEmpty()
        || !StatusRecorder.changed(written, decision.status()) || !observedOnly(written, decision.status())) {
      pendingSince.remove(group);
      return Optional.empty();
    }
    Instant due = pendingSince.computeIfAbsent(group, k -> now).plus(window);
    if (!now.isBefore(due)) {
      pendingSince.remove(group);
      return Optional.empty();
    }
    return Optional.of(Duration.between(now, due));
  }

  void forget(ResourceID group) {
    pendingSince.remove(group);
  }

  /** Whether the two statuses differ in what can be observed again only. */
  static boolean observedOnly(RunnerGroupStatus written, RunnerGroupStatus wanted) {
    return masked(StatusRecorder.tree(written)).equals(masked(StatusRecorder.tree(wanted)));
  }

  private static JsonNode masked(JsonNode status) {
    ObjectNode copy = status.deepCopy();
    copy.remove("message");
    copy.path("conditions").forEach(condition -> ((ObjectNode) condition).remove("message"));
    copy.path("services").forEach(service -> {
      ObjectNode s = (ObjectNode) service;
      s.remove(SERVICE_OBSERVED);
      if (s.hasNonNull("reason") && DERIVED_REASONS.contains(s.get("reason").asText())) {
        s.remove("reason");
      }
    });
    return copy;
  }
}
