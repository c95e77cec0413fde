package dev.runner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RunnerGroup;
import dev.runner.core.EventNote;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class EventRecorderTest {
  KubernetesClient client;

  private static RunnerGroup group() {
    RunnerGroup group = new RunnerGroup();
    group.setMetadata(new ObjectMetaBuilder().withName("app").withNamespace("ns").withUid("g1").build());
    return group;
  }

  @Test
  void aQueuedEventHoldsItsOwnFieldsNotTheGroup() {
    List<Runnable> queued = new ArrayList<>();
    EventRecorder recorder = new EventRecorder(client, Clock.fixed(Instant.parse("2026-12-02T10:00:00.5Z"), ZoneOffset.UTC),
        "test", queued::add);
    RunnerGroup group = group();
    recorder.record(group, List.of(EventNote.normal("Started", "service web created")));
    // What the group says after the note was made does not reach the event sent later.
    group.getMetadata().setName("renamed");
    group.getMetadata().setUid("other");
    queued.forEach(Runnable::run);

    List<Event> events = client.v1().events().inNamespace("ns").list().getItems();
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.getInvolvedObject().getName()).isEqualTo("app");
      assertThat(e.getInvolvedObject().getUid()).isEqualTo("g1");
      assertThat(e.getReason()).isEqualTo("Started");
      assertThat(e.getMessage()).isEqualTo("service web created");
      assertThat(e.getType()).isEqualTo("Normal");
      assertThat(e.getFirstTimestamp()).isEqualTo("2026-12-02T10:00:00Z");
    });
  }

  @Test
  void aFullQueueDropsTheEventAndCountsItWithoutFailingTheCaller() {
    Executor full = runnable -> {
      throw new RejectedExecutionException("queue full");
    };
    EventRecorder recorder = new EventRecorder(client, Clock.systemUTC(), "test", full);
    recorder.record(group(), List.of(EventNote.normal("Started", "a"), EventNote.warning("Failed", "b")));
    assertThat(recorder.dropped()).isEqualTo(2);
    assertThat(client.v1().events().inNamespace("ns").list().getItems()).isEmpty();
  }
}
