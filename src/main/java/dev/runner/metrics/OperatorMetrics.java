package dev.runner.metrics;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything {@code /metrics} shows, in one Prometheus registry: JVM and process metrics, JOSDK's
 * own ({@code operator_sdk_*}, without per-resource series: the groups' series are ours),
 * {@link TimedMetrics the reconcile duration}, {@link GroupMetrics the groups' services} and
 * {@code runner_operator_leader} (1 while this replica reconciles).
 */
public final class OperatorMetrics implements AutoCloseable {
  public static final String LEADER = "runner.operator.leader";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Metrics josdk;
  private final GroupMetrics groups;
  private final AtomicInteger leader = new AtomicInteger();

  public OperatorMetrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    josdk = new TimedMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry), registry);
    groups = new GroupMetrics(registry);
    Gauge.builder(LEADER, leader, AtomicInteger::get)
        .description("1 while this replica is the one that reconciles (holds the lease, or runs without leader election)")
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** What JOSDK reports to. */
  public Metrics josdk() {
    return josdk;
  }

  /** What the reconciler's decisions go to. */
  public GroupMetrics groups() {
    return groups;
  }

  public void leader(boolean leading) {
    leader.set(leading ? 1 : 0);
  }

  /** The Prometheus text format. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
