package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.core.EventNote;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
  private final AtomicLong dropped = new AtomicLong();

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

  /**
   * Sends each note as an Event, from the sender. The Event is built here, so a queued one holds
   * its own few fields and not the group it is about (at scale, thousands of queued events held
   * thousands of groups with every service's pod template). When the sender's queue is full the
   * note is dropped and said in the log, as client-go's recorder drops past its queue's length: an
   * event is a record, not a step, and must not hold up or grow without bound.
   */
  void record(RunnerGroup group, List<EventNote> notes) {
    for (EventNote note : notes) {
      LOG.info("{}/{}: {} {}: {}", group.getMetadata().getNamespace(), group.getMetadata().getName(),
          note.type(), note.reason(), note.message());
      Event event = event(group, note, Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
      try {
        sender.execute(() -> send(event));
      } catch (RejectedExecutionException e) {
        long n = dropped.incrementAndGet();
        if (n == 1 || n % 1000 == 0) {
          LOG.warn("events are sent more slowly than they are made: {} dropped so far (this one: {} on {}/{})", n,
              note.reason(), group.getMetadata().getNamespace(), group.getMetadata().getName());
        }
      }
    }
  }

  /** Events dropped because the sender's queue was full. */
  long dropped() {
    return dropped.get();
  }

  private Event event(RunnerGroup group, EventNote note, String now) {
    return new EventBuilder()
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
          .build();
  }

  private void send(Event event) {
    try {
      client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
    } catch (RuntimeException e) {
      // An event is a courtesy: failing to record one must not fail anything else.
      LOG.warn("could not record event {} on {}: {}", event.getReason(), event.getInvolvedObject().getName(), e.getMessage());
    }
  }
}
