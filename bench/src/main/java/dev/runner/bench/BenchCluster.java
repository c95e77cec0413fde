package dev.runner.bench;

import dev.runner.api.RunnerGroup;
import dev.runner.sandbox.Behavior;
import dev.runner.sandbox.SimulatedKubelet;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One benchmark cluster: fabric8's mock API server (CRUD mode) behind a {@link ServerLog}, the
 * simulated kubelet, a client for the benchmark itself, and the operator as a child JVM (the
 * {@code run} command of the jar) pointed at the server. Each client has its own bearer token,
 * so the server log can tell whose request it was.
 */
final class BenchCluster implements AutoCloseable {
  private static final String OPERATOR_TOKEN = "bench-operator-token";
  private static final String KUBELET_TOKEN = "bench-kubelet-token";
  private static final String BENCH_TOKEN = "bench-client-token";

  final KubernetesMockServer server;
  final ServerLog log;
  final KubernetesClient client;
  final KubernetesClient kubeletClient;
  final SimulatedKubelet kubelet;
  final OperatorProcess operator;

  BenchCluster(Options options, String label, Behavior behavior) throws IOException, InterruptedException {
    log = new ServerLog(new KubernetesCrudDispatcher(
        List.of(CustomResourceDefinitionContext.fromCustomResourceType(RunnerGroup.class))),
        Map.of(OPERATOR_TOKEN, ServerLog.OPERATOR, KUBELET_TOKEN, ServerLog.KUBELET, BENCH_TOKEN, ServerLog.BENCH));
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), log, false);
    server.init();
    client = client(BENCH_TOKEN, "runner-bench");
    kubeletClient = client(KUBELET_TOKEN, "runner-bench-kubelet");
    kubelet = new SimulatedKubelet(kubeletClient).defaults(behavior).start();
    Path dir = Files.createDirectories(Path.of(options.workDir));
    Path kubeconfig = dir.resolve("kubeconfig-" + label);
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: bench
          cluster: {server: "%s"}
        users:
        - name: operator
          user: {token: %s}
        contexts:
        - name: bench
          context: {cluster: bench, user: operator, namespace: default}
        current-context: bench
        """.formatted(server.url("/"), OPERATOR_TOKEN));
    OperatorProcess started = null;
    try {
      started = OperatorProcess.start(options, kubeconfig, dir.resolve("operator-" + label + ".log"));
      operator = started;
      warmUp(options);
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (started != null) {
        started.close();
      }
      kubelet.close();
      kubeletClient.close();
      client.close();
      server.destroy();
      throw e;
    }
  }

  /**
   * A fresh JVM's first reconciles are slow (class loading, JIT): one small group (a chain of
   * three) is brought up in its own namespace before anything is measured.
   */
  private void warmUp(Options options) throws InterruptedException {
    RunnerGroup group = Serialization.unmarshal("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: warmup, namespace: bench-warmup}
        spec:
          services:
          - {name: a, template: {spec: {containers: [{name: a, image: example/a:1}]}}}
          - {name: b, dependsOn: [a], template: {spec: {containers: [{name: b, image: example/b:1}]}}}
          - {name: c, dependsOn: [b], template: {spec: {containers: [{name: c, image: example/c:1}]}}}
        """, RunnerGroup.class);
    client.resource(group).create();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.timeoutSeconds);
    while (log.groupHealthy("bench-warmup", "warmup") == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the warm-up group was not healthy within " + options.timeoutSeconds + " s");
      }
      Thread.sleep(10);
    }
  }

  private KubernetesClient client(String token, String userAgent) {
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl(server.url("/"))
        .withTrustCerts(true)
        .withHttp2Disable(true)
        .withNamespace("default")
        .withOauthToken(token)
        .withUserAgent(userAgent)
        .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @Override
  public void close() {
    operator.close();
    kubelet.close();
    kubeletClient.close();
    client.close();
    server.destroy();
  }
}
