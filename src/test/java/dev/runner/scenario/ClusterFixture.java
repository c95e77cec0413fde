package dev.runner.scenario;

import dev.runner.core.Decision;
import dev.runner.reconcile.RunnerOperator;
import dev.runner.sandbox.PodBehaviors;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a scenario runs against: a client to an API server, what runs its Pods, and the
 * operator, which a scenario may stop and start again. The mock server is one implementation;
 * a real API server can be another.
 */
public abstract class ClusterFixture implements AutoCloseable {
  private final AtomicInteger decisions = new AtomicInteger();
  private RunnerOperator operator;

  public abstract KubernetesClient client();

  /** How the Pods behave: the simulated kubelet, or kwok's stages on a real control plane. */
  public abstract PodBehaviors kubelet();

  /**
   * The client the operator runs with: the test's own client unless the fixture tells them apart
   * (a User-Agent of its own for fault injection, a ServiceAccount's token on a real server).
   */
  public KubernetesClient operatorClient() {
    return client();
  }

  /**
   * How much longer than in-process a stop and start of the operator may take here: a scenario that
   * restarts the operator in the middle of a wait makes that wait this much longer, so that the
   * operator is back before it ends.
   */
  public Duration operatorRestartTime() {
    return Duration.ZERO;
  }

  /**
   * How long after the operator decides something (a backoff is timed from then) its write may be
   * seen on a watch: a reconcile's round trips plus a watch event's delivery.
   */
  public Duration writeLag() {
    return Duration.ofMillis(100);
  }

  /** The request log, where the server can give one. */
  public abstract Optional<RequestLog> requests();

  /** How many decisions the operator made so far (every reconcile makes one). */
  public int decisions() {
    return decisions.get();
  }

  public synchronized void startOperator() {
    if (operator == null) {
      operator = RunnerOperator.builder(operatorClient())
          .onDecision((Decision d) -> decisions.incrementAndGet())
          .build()
          .start();
    }
  }

  public synchronized void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  @Override
  public void close() {
    stopOperator();
  }
}
