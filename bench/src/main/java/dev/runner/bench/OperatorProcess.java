package dev.runner.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The operator in its own JVM: {@code java -jar runner-operator.jar run} pointed at the benchmark's server. */
final class OperatorProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private OperatorProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static OperatorProcess start(Options options, Path kubeconfig, Path logFile) throws IOException, InterruptedException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (!options.operatorJvmOptions.isBlank()) {
      command.addAll(Arrays.asList(options.operatorJvmOptions.trim().split("\\s+")));
    }
    command.addAll(List.of("-jar", options.jar, "run", "--kubeconfig", kubeconfig.toString(),
        "--leader-election=false", "--port", String.valueOf(port), "--log-level", options.operatorLogLevel));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(logFile.toFile()).start();
    OperatorProcess operator = new OperatorProcess(process, port);
    // Never leave the operator running behind a benchmark that ended abnormally.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "bench-operator-kill"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.operatorStartTimeoutSeconds);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the operator exited with " + process.exitValue() + "; see " + logFile);
      }
      if (operator.get("/readyz").startsWith("200")) {
        return operator;
      }
      Thread.sleep(200);
    }
    operator.close();
    throw new IllegalStateException("the operator was not ready within " + options.operatorStartTimeoutSeconds + " s; see " + logFile);
  }

  long pid() {
    return process.pid();
  }

  /** CPU time the operator's JVM has used so far, in ms (-1 if unknown). */
  long cpuMillis() {
    return process.info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
  }

  /** Heap in use after a full GC, in bytes: {@code jcmd PID GC.run}, then {@code GC.heap_info}. */
  long heapAfterFullGc() throws IOException, InterruptedException {
    return OperatorHeap.afterFullGc(process.pid());
  }

  /** The same from the operator's own /metrics: sum of jvm_memory_used_bytes{area="heap"}. */
  long heapFromMetrics() {
    String body = get("/metrics");
    long sum = 0;
    boolean found = false;
    for (String line : body.split("\n")) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        String value = line.substring(line.lastIndexOf(' ') + 1);
        sum += (long) Double.parseDouble(value);
        found = true;
      }
    }
    return found ? sum : -1;
  }

  /** "CODE BODY", or "000 error" when the port does not answer. */
  String get(String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && path.equals("/metrics") ? r.body() : r.statusCode() + " " + r.body();
    } catch (IOException e) {
      return "000 " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException(e));
    }
  }

  @Override
  public void close() {
    process.destroy(); // SIGTERM: the run command stops gracefully
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
