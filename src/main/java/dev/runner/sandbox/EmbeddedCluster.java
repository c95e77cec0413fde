package dev.runner.sandbox;

import dev.runner.api.RunnerGroup;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import java.util.HashMap;
import java.util.List;

/**
 * A cluster in this process, for {@code demo} and the tests: fabric8's mock API server in CRUD mode (it stores
 * what it is sent and serves lists and watches, RunnerGroups included), a client to it, and the
 * {@link SimulatedKubelet} that runs the Pods of its Deployments. The operator is not part of it:
 * it connects with {@link #client()} as it would to any API server.
 */
public final class EmbeddedCluster implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final SimulatedKubelet kubelet;

  private EmbeddedCluster(KubernetesMockServer server, KubernetesClient client, SimulatedKubelet kubelet) {
    this.server = server;
    this.client = client;
    this.kubelet = kubelet;
  }

  /** Starts the server on a free local port, and the kubelet; returns when both are up. */
  public static EmbeddedCluster start() {
    return start(storingDispatcher());
  }

  /** The mock server's CRUD mode, which knows RunnerGroups: what a test may wrap (to count, to fail). */
  public static Dispatcher storingDispatcher() {
    return new KubernetesCrudDispatcher(List.of(CustomResourceDefinitionContext.fromCustomResourceType(RunnerGroup.class)));
  }

  /** As {@link #start()}, the server answering through {@code dispatcher}. */
  public static EmbeddedCluster start(Dispatcher dispatcher) {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        dispatcher, false);
    server.init();
    KubernetesClient client = null;
    try {
      // Named, so the client does not pick one of the two on the classpath at random (and warn about it).
      client = server.createClient(new JdkHttpClientFactory());
      return new EmbeddedCluster(server, client, new SimulatedKubelet(client).start());
    } catch (RuntimeException e) {
      if (client != null) {
        client.close();
      }
      server.destroy();
      throw e;
    }
  }

  public KubernetesClient client() {
    return client;
  }

  public SimulatedKubelet kubelet() {
    return kubelet;
  }

  /** The server's address, e.g. {@code https://localhost:38211}. */
  public String url() {
    return client.getConfiguration().getMasterUrl();
  }

  @Override
  public void close() {
    kubelet.close();
    client.close();
    server.destroy();
  }
}
