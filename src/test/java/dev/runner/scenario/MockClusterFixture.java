package dev.runner.scenario;

import dev.runner.sandbox.EmbeddedCluster;
import dev.runner.sandbox.SimulatedKubelet;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * fabric8's mock API server in CRUD mode, with every request logged and a {@link FaultyDispatcher}
 * in front of it (harmless until told otherwise). The operator has its own client, with the
 * User-Agent {@link FaultyDispatcher#OPERATOR_AGENT}, so faults hit the operator only, never the
 * simulated kubelet or the test.
 */
public final class MockClusterFixture extends ClusterFixture {
  private final EmbeddedCluster cluster;
  private final RequestLog requests;
  private final FaultyDispatcher faults;
  private final KubernetesClient client;
  private final KubernetesClient operatorClient;
  private final SimulatedKubelet kubelet;

  public MockClusterFixture() {
    this(config -> { });
  }

  /** @param operatorConfig changes to the operator's client configuration (say, no request retries) */
  public MockClusterFixture(Consumer<ConfigBuilder> operatorConfig) {
    faults = new FaultyDispatcher(EmbeddedCluster.storingDispatcher(), 9);
    requests = new RequestLog(faults);
    cluster = EmbeddedCluster.start(requests);
    client = cluster.client();
    kubelet = cluster.kubelet();
    ConfigBuilder config = new ConfigBuilder(client.getConfiguration()).withUserAgent(FaultyDispatcher.OPERATOR_AGENT);
    operatorConfig.accept(config);
    operatorClient = new KubernetesClientBuilder().withConfig(config.build()).build();
  }

  @Override
  public KubernetesClient operatorClient() {
    return operatorClient;
  }

  /** The fault injector in front of the server. */
  public FaultyDispatcher faults() {
    return faults;
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public SimulatedKubelet kubelet() {
    return kubelet;
  }

  @Override
  public Optional<RequestLog> requests() {
    return Optional.of(requests);
  }

  @Override
  public void close() {
    super.close();
    operatorClient.close();
    cluster.close();
  }
}
