package dev.runner.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.core.EventNote;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.net.HttpURLConnection;
import java.util.List;

/**
 * The one place that writes a RunnerGroup's status and records the events that go with it: it
 * compares the wanted status with what was last written, writes only on a change (a compare-and-write
 * of the status subresource; on a conflict the group is read again and the status written onto it,
 * up to {@link #CONFLICT_ATTEMPTS} writes; the result is put in JOSDK's cache, so the next
 * reconcile reads what was written). The reconciler records the events once the reconcile's workload
 * writes are made, for the status it last wrote, so that a reconcile that finds nothing new writes
 * and records nothing, and an event names what was done (a create that met a foreign object is
 * recorded as the collision, not as a start).
 */
final class StatusRecorder {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  /** Writes of one status at most, each after a conflict with a fresh read (JOSDK's own bound is 10 retries). */
  static final int CONFLICT_ATTEMPTS = 5;
  private final EventRecorder events;

  StatusRecorder(EventRecorder events) {
    this.events = events;
  }

  /**
   * @param written the status last written (the group's, or that of an earlier write of this reconcile)
   * @return the status now written
   */
  RunnerGroupStatus write(RunnerGroup group, Context<RunnerGroup> context, RunnerGroupStatus written,
      RunnerGroupStatus wanted) {
    if (!changed(written, wanted)) {
      return written;
    }
    RunnerGroup base = group;
    for (int attempt = 1; ; attempt++) {
      RunnerGroup copy = context.getControllerConfiguration().getConfigurationService().getResourceCloner().clone(base);
      copy.setStatus(wanted);
      try {
        // A compare-and-write: the resourceVersion is the one this status was decided on (or read since).
        RunnerGroup updated = context.getClient().resource(copy).updateStatus();
        context.eventSourceRetriever().getControllerEventSource()
            .handleRecentResourceUpdate(ResourceID.fromResource(group), updated, base);
        return wanted;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= CONFLICT_ATTEMPTS) {
          throw e;
        }
        // Someone wrote the group since it was read (a spec edit, an annotation): read it again
        // and write the status onto it. Not by waiting for the cache to show a newer version (as
        // JOSDK's updateStatusAndCacheResource does, for up to 10 s): a conflict the cache never
        // explains (a proxy's, an injected one) held the reconcile for all of that.
        base = context.getClient().resources(RunnerGroup.class).inNamespace(group.getMetadata().getNamespace())
            .withName(group.getMetadata().getName()).get();
        if (base == null) {
          throw e;
        }
      }
    }
  }

  void record(RunnerGroup group, List<EventNote> notes) {
    events.record(group, notes);
  }

  static boolean changed(RunnerGroupStatus before, RunnerGroupStatus after) {
    JsonNode a = SERIALIZATION.convertValue(before, JsonNode.class);
    JsonNode b = SERIALIZATION.convertValue(after, JsonNode.class);
    return before == null || !a.equals(b);
  }
}
