package dev.runner.reconcile;

import dev.runner.core.Backoff;
import dev.runner.core.Decision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The operator, assembled: JOSDK with the RunnerGroup reconciler registered. The same code runs
 * behind {@code run}, {@code demo} and the tests.
 *
 * <p>The primary resource is patched without server-side apply (finalizers): a JSON merge patch is
 * correct on a real API server and also works on fabric8's mock server, where SSA patches do not
 * stick. The status is written with an update of the status subresource (optimistic locking on
 * resourceVersion) by the reconciler itself, not through JOSDK's patch.
 */
public final class RunnerOperator implements AutoCloseable {
  private final Operator operator;

  private RunnerOperator(Operator operator) {
    this.operator = operator;
  }

  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  public RunnerOperator start() {
    operator.start();
    return this;
  }

  public Operator operator() {
    return operator;
  }

  @Override
  public void close() {
    operator.stop();
  }

  /** Options of the operator; every one has a default. */
  public static final class Builder {
    private final KubernetesClient client;
    private Set<String> namespaces = Set.of();
    private Clock clock = Clock.systemUTC();
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
    private LeaderElectionConfiguration leaderElection;
    private Metrics metrics;
    private BiConsumer<ResourceID, Decision> decisions = (group, decision) -> { };
    private int threads = 10;

    private Builder(KubernetesClient client) {
      this.client = client;
    }

    /** Namespaces to watch; empty for all. */
    public Builder namespaces(Set<String> namespaces) {
      this.namespaces = Set.copyOf(namespaces);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The random source of backoff jitter, values in [0, 1). */
    public Builder random(DoubleSupplier random) {
      this.random = random;
      return this;
    }

    public Builder leaderElection(LeaderElectionConfiguration leaderElection) {
      this.leaderElection = leaderElection;
      return this;
    }

    public Builder metrics(Metrics metrics) {
      this.metrics = metrics;
      return this;
    }

    /** Told of every decision the reconciler makes. */
    public Builder onDecision(Consumer<Decision> decisions) {
      this.decisions = (group, decision) -> decisions.accept(decision);
      return this;
    }

    /** Told of every decision the reconciler makes, with the group (namespace and name) it was made for. */
    public Builder onGroupDecision(BiConsumer<ResourceID, Decision> decisions) {
      this.decisions = decisions;
      return this;
    }

    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    public RunnerOperator build() {
      Operator operator = new Operator(o -> {
        o.withKubernetesClient(client)
            .withCloseClientOnStop(false)
            .withUseSSAToPatchPrimaryResource(false)
            .withConcurrentReconciliationThreads(threads)
            .withReconciliationTerminationTimeout(Duration.ofSeconds(10));
        if (leaderElection != null) {
          o.withLeaderElectionConfiguration(leaderElection);
        }
        if (metrics != null) {
          o.withMetrics(metrics);
        }
      });
      RunnerGroupReconciler reconciler = new RunnerGroupReconciler(clock, new Backoff(random), decisions);
      operator.register(reconciler, config -> {
        // A failed reconcile (API errors, conflicts) is retried for as long as it fails, with a
        // capped backoff: giving up after N attempts would leave a group stuck until its next event.
        config.withRetry(new GenericRetry().setInitialInterval(200).setIntervalMultiplier(2)
            .setMaxInterval(30_000).withoutMaxAttempts());
        if (!namespaces.isEmpty()) {
          config.settingNamespaces(namespaces);
        }
        if (namespaces.size() <= 1) {
          // The primary cache without managedFields too; one store per informer (TrimmedItemStore).
          config.withItemStore(new TrimmedItemStore<>());
        }
      });
      return new RunnerOperator(operator);
    }
  }
}
