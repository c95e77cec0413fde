package dev.runner.bench;

import dev.runner.it.RealApiServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * kro's controller (built by it/kro/build.sh from its Go module) as a process against the
 * benchmark's control plane, with the admin kubeconfig. Every option at kro's default except those
 * {@link #FLAGS} names; its CRDs (the module's helm/crds) applied first.
 */
final class KroProcess implements AutoCloseable {
  /**
   * kro's flags as given: {@code --leader-elect=false} is its default, spelled out. Besides these only
   * {@code --kubeconfig} and the metrics and probe addresses (free loopback ports instead of its
   * :8078/:8079, which may be taken on a shared machine) are given. Everything else is kro v0.9.4's
   * default: one reconcile at a time per controller ({@code --dynamic-controller-concurrent-reconciles=1}),
   * client QPS 100 / burst 150, the 3 s {@code --instance-requeue-interval}, the rate limiter
   * (200 ms to 1000 s, 10/s, burst 100), the 10 h resync. It authenticates with the admin client
   * certificate (no RBAC limits), our operator with the Helm chart's ServiceAccount.
   */
  static final List<String> FLAGS = List.of("--leader-elect=false");

  private final Process process;
  private final int probePort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private KroProcess(Process process, int probePort) {
    this.process = process;
    this.probePort = probePort;
  }

  static KroProcess start(RealApiServer server, Path binary, Path crds, Path log) throws IOException, InterruptedException {
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("no kro at " + binary + ": build it with it/kro/build.sh (see docs/performance.md)");
    }
    try (Stream<Path> files = Files.list(crds)) {
      for (Path crd : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        RealApiServer.Kubectl.Result r = server.kubectl("apply", "--server-side", "-f", crd.toString());
        if (!r.ok()) {
          throw new IllegalStateException("kubectl apply " + crd + ": " + r);
        }
      }
    }
    RealApiServer.Kubectl.Result established = server.kubectl("wait", "--for=condition=Established", "--timeout=60s",
        "crd/resourcegraphdefinitions.kro.run", "crd/graphrevisions.internal.kro.run");
    if (!established.ok()) {
      throw new IllegalStateException("kro's CRDs not established: " + established);
    }
    int metrics = freePort();
    int probe = freePort();
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig", server.kubeconfig().toString(),
        "--metrics-bind-address", "127.0.0.1:" + metrics, "--health-probe-bind-address", "127.0.0.1:" + probe));
    command.addAll(FLAGS);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "bench-kro-kill"));
    KroProcess kro = new KroProcess(p, probe);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!kro.ready()) {
      if (!p.isAlive()) {
        throw new IllegalStateException("kro exited with " + p.exitValue() + "; see " + log);
      }
      if (System.nanoTime() > deadline) {
        kro.close();
        throw new IllegalStateException("kro not ready within 60 s; see " + log);
      }
      Thread.sleep(100);
    }
    return kro;
  }

  private boolean ready() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + probePort + "/readyz"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
