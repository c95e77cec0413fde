package dev.runner.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.core.EventNote;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.util.List;

/**
 * The one place that writes a RunnerGroup's status and records the events that go with it: it
 * compares the wanted status with what was last written, writes only on a change (with JOSDK's
 * compare-and-write of the status subresource, which retries on a conflict with a fresh copy and
 * puts the result in the cache). The reconciler records the events once the reconcile's workload
 * writes are made, for the status it last wrote, so that a reconcile that finds nothing new writes
 * and records nothing, and an event names what was done (a create that met a foreign object is
 * recorded as the collision, not as a start).
 */
final class StatusRecorder {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
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
    PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(group, context, fresh -> {
      fresh.setStatus(wanted);
      return fresh;
    });
    return wanted;
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
