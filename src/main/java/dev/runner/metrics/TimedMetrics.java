package dev.runner.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;

/**
 * JOSDK's metrics (delegated unchanged) plus {@code runner_reconcile_duration_seconds{operation,result}}:
 * the wall time of each reconcile ({@code operation="reconcile"}) or cleanup of a deleted group
 * ({@code operation="cleanup"}), observing, deciding, writing Deployments, status and events.
 */
public final class TimedMetrics implements Metrics {
  public static final String RECONCILE_DURATION = "runner.reconcile.duration";

  private final Metrics delegate;
  private final MeterRegistry registry;

  public TimedMetrics(Metrics delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
    timer("reconcile", "success");
  }

  private Timer timer(String operation, String result) {
    return Timer.builder(RECONCILE_DURATION)
        .description("Duration of RunnerGroup reconciles")
        .tags("operation", operation, "result", result)
        .register(registry);
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    long start = System.nanoTime();
    String result = "failure";
    try {
      T value = delegate.timeControllerExecution(execution);
      result = "success";
      return value;
    } finally {
      timer(execution.name(), result).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void controllerRegistered(Controller<? extends HasMetadata> controller) {
    delegate.controllerRegistered(controller);
  }

  @Override
  public void receivedEvent(Event event, Map<String, Object> metadata) {
    delegate.receivedEvent(event, metadata);
  }

  @Override
  public void reconcileCustomResource(HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    delegate.reconcileCustomResource(resource, retryInfo, metadata);
  }

  @Override
  public void failedReconciliation(HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    delegate.failedReconciliation(resource, exception, metadata);
  }

  @Override
  public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
    delegate.reconciliationExecutionStarted(resource, metadata);
  }

  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    delegate.reconciliationExecutionFinished(resource, metadata);
  }

  @Override
  public void cleanupDoneFor(ResourceID resourceID, Map<String, Object> metadata) {
    delegate.cleanupDoneFor(resourceID, metadata);
  }

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    delegate.finishedReconciliation(resource, metadata);
  }

  @Override
  public <T extends Map<?, ?>> T monitorSizeOf(T map, String name) {
    return delegate.monitorSizeOf(map, name);
  }
}
