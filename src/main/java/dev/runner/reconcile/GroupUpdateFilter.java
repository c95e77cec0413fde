package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.core.Names;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a RunnerGroup wake its reconcile: a new generation (a spec change), a new
 * value of the {@link Names#RESTART_ANNOTATION} annotation or of a service's
 * {@link Names#SERVICE_RESTART_PREFIX} annotation (which change no generation), or the
 * start of its deletion, or a change of its finalizers (JOSDK reconciles once its finalizer is on).
 * The operator's own status writes do not.
 */
public final class GroupUpdateFilter implements OnUpdateFilter<RunnerGroup> {
  @Override
  public boolean accept(RunnerGroup updated, RunnerGroup old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || !Objects.equals(restartRequest(updated), restartRequest(old))
        || !Objects.equals(ClusterView.serviceRestarts(updated.getMetadata().getAnnotations()),
            ClusterView.serviceRestarts(old.getMetadata().getAnnotations()))
        || !Objects.equals(updated.getMetadata().getDeletionTimestamp(), old.getMetadata().getDeletionTimestamp())
        || !Objects.equals(updated.getMetadata().getFinalizers(), old.getMetadata().getFinalizers());
  }

  private static String restartRequest(RunnerGroup group) {
    Map<String, String> annotations = group.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Names.RESTART_ANNOTATION);
  }
}
