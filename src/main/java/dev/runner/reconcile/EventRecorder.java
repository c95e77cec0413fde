package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.core.EventNote;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records events on a RunnerGroup (core/v1 Events, as kubectl describe shows them). */
final class EventRecorder {
  static final String COMPONENT = "runner-operator";
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final AtomicLong sequence = new AtomicLong();

  private final Executor sender;

  /**
   * @param sender where the events are sent from: one thread, so they keep their order, and not
   *     the reconcile's, which need not wait for them (an event is a record, not a step)
   */
  EventRecorder(KubernetesClient client, Clock clock, String instance, Executor sender) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
    this.sender = sender;
  }

  void record(RunnerGroup group, List<EventNote> notes) {
    for (EventNote note : notes) {
      LOG.info("{}/{}: {} {}: {}", group.getMetadata().getNamespace(), group.getMetadata().getName(),
          note.type(), note.reason(), note.message());
      String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
      sender.execute(() -> send(group, note, now));
    }
  }

  private void send(RunnerGroup group, EventNote note, String now) {
    try {
      client.v1().events().inNamespace(group.getMetadata().getNamespace()).resource(new EventBuilder()
          .withNewMetadata()
            .withName(group.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()) + sequence.incrementAndGet())
            .withNamespace(group.getMetadata().getNamespace())
          .endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder()
              .withApiVersion(group.getApiVersion())
              .withKind(group.getKind())
              .withName(group.getMetadata().getName())
              .withNamespace(group.getMetadata().getNamespace())
              .withUid(group.getMetadata().getUid())
              .build())
          .withType(note.type().name())
          .withReason(note.reason())
          .withMessage(note.message())
          .withFirstTimestamp(now)
          .withLastTimestamp(now)
          .withCount(1)
          .withNewSource().withComponent(COMPONENT).endSource()
          .withReportingComponent(COMPONENT)
          .withReportingInstance(instance)
          .build()).create();
    } catch (RuntimeException e) {
      // An event is a courtesy: failing to record one must not fail anything else.
      LOG.warn("could not record event {} on {}: {}", note.reason(), group.getMetadata().getName(), e.getMessage());
    }
  }
}
