package dev.runner.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test cluster: etcd + kube-apiserver on free loopback ports, started by fabric8's kube-api-test
 * from the binaries that it/cluster/build.sh builds from the Kubernetes Go modules, plus the
 * matching kubectl, and around them a {@link ControlPlane} (kube-controller-manager,
 * kube-scheduler, kwok's fake Nodes).
 *
 * <p>kube-api-test is configured in code, not through its environment variables: in 7.5.2 a
 * {@code KUBE_API_TEST_OFFLINE_MODE=true} in the environment fails with a ClassCastException
 * (the builder casts the String to Boolean). Offline mode is always on: it can never download.
 *
 * <p>What the server is: authorization mode RBAC, a self-signed serving certificate, an admin client
 * certificate (group system:masters), a service-account signing key (so TokenRequest works), the
 * ServiceAccount admission plugin off. The real Deployment, ReplicaSet, garbage-collector and
 * namespace controllers run; Pods are scheduled onto kwok's Nodes and played by its stages.
 */
public final class RealApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RealApiServer.class);
  /** Set by the real-apiserver Maven profile: missing binaries are then a failure, not a skip. */
  static final String REQUIRED_PROPERTY = "realApiServer.required";
  /** Where build.sh puts bin/k8s/VERSION-linux-amd64; default it/cluster/bin under the project. */
  static final String BIN_DIR_PROPERTY = "realApiServer.binDir";

  private static volatile RealApiServer current;

  /** Every binary build.sh makes; the suite needs them all. */
  static final List<String> BINARIES = List.of("etcd", "kube-apiserver", "kubectl", "kube-controller-manager",
      "kube-scheduler", "kwok", "kstatus");

  private final KubeAPIServer server;
  private volatile ControlPlane controlPlane;
  private final Path workDir;
  private final Path binaries;
  private final String version;
  private final Path kubeconfig;
  private final KubernetesClient client;
  private volatile boolean closed;
  /** The kube-apiserver {@link #restartApiServer} started, once it has been restarted. */
  private Process restartedApiServer;

  private RealApiServer(KubeAPIServer server, Path workDir, Path binaries, Path kubeconfig) {
    this.server = server;
    this.workDir = workDir;
    this.binaries = binaries;
    this.version = binaries.getFileName().toString().replace("-linux-amd64", "");
    this.kubeconfig = kubeconfig;
    this.client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(read(kubeconfig))).build();
  }

  private static Path binRoot() {
    return Path.of(System.getProperty(BIN_DIR_PROPERTY, "it/cluster/bin")).toAbsolutePath();
  }

  /** Why the suite cannot run here, if it cannot: the binaries are missing. */
  static Optional<String> missingBinaries() {
    Path k8s = binRoot().resolve("k8s");
    return findBinaries(k8s).isPresent() ? Optional.empty()
        : Optional.of("no " + String.join("/", BINARIES) + " under " + k8s + "/<version>-linux-amd64: build them with "
            + "it/cluster/build.sh (see docs/testing.md, \"Tests on a real API server\")");
  }

  /** Whether missing binaries are a failure (the real-apiserver profile) rather than a skip. */
  static boolean required() {
    return Boolean.getBoolean(REQUIRED_PROPERTY);
  }

  static RealApiServer start() {
    return start(null);
  }

  /**
   * The API server's audit log, off unless asked for (the benchmark asks, see docs/performance.md):
   * {@code --audit-policy-file} and {@code --audit-log-path} (JSON lines, one event per request
   * stage the policy keeps). The log is written synchronously (blocking mode), so an event is in
   * the file once its request has been answered.
   */
  public record Audit(Path policyFile, Path logFile) {
    List<String> flags() {
      return List.of("--audit-policy-file", policyFile.toAbsolutePath().toString(),
          "--audit-log-path", logFile.toAbsolutePath().toString(),
          "--audit-log-format", "json", "--audit-log-mode", "blocking", "--audit-log-maxsize", "0");
    }
  }

  /** As {@link #start()}, with the audit log on when {@code audit} is not null. */
  public static RealApiServer start(Audit audit) {
    Path binRoot = binRoot();
    Optional<Path> binaries = findBinaries(binRoot.resolve("k8s"));
    if (binaries.isEmpty()) {
      String message = missingBinaries().orElseThrow();
      if (required()) {
        throw new IllegalStateException(message);
      }
      Assumptions.abort(message);
    }
    // A test JVM killed outright (no shutdown hook) leaves its cluster running: stop that first.
    ControlPlane.reapOrphans();
    // kube-api-test keeps its certificates and the API server's cert-dir in the test dir and finds
    // the binaries in <test dir>/k8s: a fresh dir per run, with k8s linking to the built binaries.
    Path workDir = Path.of("target", "kube-api-test").toAbsolutePath();
    try {
      deleteRecursively(workDir);
      Files.createDirectories(workDir);
      Files.createSymbolicLink(workDir.resolve("k8s"), binRoot.resolve("k8s"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String version = binaries.get().getFileName().toString().replace("-linux-amd64", "");
    log.info("starting etcd + kube-apiserver {} from {}", version, binaries.get());
    long started = System.nanoTime();
    KubeAPIServerConfigBuilder config = KubeAPIServerConfigBuilder.anAPIServerConfig();
    if (audit != null) {
      config.withApiServerFlags(audit.flags());
    }
    KubeAPIServer server = new KubeAPIServer(config
        .withTestDir(workDir.toString())
        .withApiServerVersion(version)
        .withOfflineMode(true)
        .withUpdateKubeConfig(false)
        .withWaitForEtcdHealthCheckOnStartup(true)
        .withStartupTimeout(120_000)
        .build());
    server.start();
    // kube-api-test's etcd and kube-apiserver are this JVM's children: recorded for the reaper.
    ProcessHandle.current().children().forEach(ControlPlane::record);
    Path kubeconfig = workDir.resolve("kubeconfig");
    write(kubeconfig, server.getKubeConfigYaml());
    log.info("kube-apiserver ready in {} ms; KUBECONFIG={}", (System.nanoTime() - started) / 1_000_000, kubeconfig);
    RealApiServer real = new RealApiServer(server, workDir, binaries.get(), kubeconfig);
    Runtime.getRuntime().addShutdownHook(new Thread(real::close, "real-apiserver-stop"));
    real.controlPlane = ControlPlane.start(real.client, binaries.get(), kubeconfig);
    current = real;
    return real;
  }

  /** The highest version directory that holds all the binaries, as kube-api-test would pick it. */
  private static Optional<Path> findBinaries(Path k8s) {
    if (!Files.isDirectory(k8s)) {
      return Optional.empty();
    }
    try (Stream<Path> dirs = Files.list(k8s)) {
      return dirs.filter(d -> d.getFileName().toString().endsWith("-linux-amd64"))
          .filter(d -> BINARIES.stream().allMatch(b -> Files.isExecutable(d.resolve(b))))
          .max(Comparator.comparing(d -> versionKey(d.getFileName().toString())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String versionKey(String dir) {
    StringBuilder key = new StringBuilder();
    for (String part : dir.replace("-linux-amd64", "").split("\\.")) {
      key.append(String.format("%06d", part.chars().allMatch(Character::isDigit) ? Integer.parseInt(part) : 0));
    }
    return key.toString();
  }

  /**
   * The server {@link RealApiServerExtension} started, for code that cannot take it as a parameter
   * (a fixture made in a superclass's {@code @BeforeEach}).
   */
  public static RealApiServer current() {
    if (current == null) {
      throw new IllegalStateException("no real API server: annotate the test class with @RealApiServerTest");
    }
    return current;
  }

  /** A client authenticated as the admin (client certificate in group system:masters). */
  public KubernetesClient client() {
    return client;
  }

  /** The Kubernetes version of the binaries, e.g. 1.37.2. */
  public String version() {
    return version;
  }

  /** The admin kubeconfig file, for kubectl and helm. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  public String kubeconfigYaml() {
    return read(kubeconfig);
  }

  /** The controllers, the scheduler and kwok around this server. */
  public ControlPlane controlPlane() {
    return controlPlane;
  }

  /** A binary build.sh made, e.g. "kstatus". */
  public Path binary(String name) {
    return binaries.resolve(name);
  }

  public Path kubectlBinary() {
    return binaries.resolve("kubectl");
  }

  /** A scratch directory of this run (under target/). */
  public Path workDir() {
    return workDir;
  }

  /** Runs kubectl with the admin kubeconfig. */
  public Kubectl.Result kubectl(String... args) {
    return new Kubectl(kubectlBinary(), kubeconfig).run(null, args);
  }

  /** Runs kubectl with the admin kubeconfig and {@code stdin} as its standard input. */
  public Kubectl.Result kubectlWithInput(String stdin, String... args) {
    return new Kubectl(kubectlBinary(), kubeconfig).run(stdin, args);
  }

  /**
   * Stops kube-apiserver (SIGKILL, as kube-api-test stops it) and starts it again with the same
   * command line (same port, certificates and etcd), keeping etcd and its data; returns once it
   * answers again. kube-api-test 7.5.2 has no restart of its own and stops etcd as well when its API
   * server process ends unexpectedly, so this stops that process through kube-api-test's own
   * {@code stopApiServer} (reached by reflection: the field is private) and owns the new one.
   */
  public synchronized void restartApiServer() {
    Process old = restartedApiServer;
    try {
      var field = KubeAPIServer.class.getDeclaredField("kubeApiServerProcess");
      field.setAccessible(true);
      var apiServer = (io.fabric8.kubeapitest.process.KubeAPIServerProcess) field.get(server);
      if (old == null) {
        var process = io.fabric8.kubeapitest.process.KubeAPIServerProcess.class.getDeclaredField("apiServerProcess");
        process.setAccessible(true);
        old = (Process) process.get(apiServer);
      }
      List<String> command = new ArrayList<>();
      command.add(old.info().command().orElseThrow());
      command.addAll(List.of(old.info().arguments().orElseThrow()));
      if (restartedApiServer == null) {
        apiServer.stopApiServer(); // marks it stopped first: its exit stops nothing else
      } else {
        old.destroyForcibly().waitFor();
      }
      log.info("kube-apiserver stopped; starting it again on the same etcd");
      long started = System.nanoTime();
      restartedApiServer = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("kube-apiserver-restarted.log").toFile()))
          .start();
      ControlPlane.record(restartedApiServer.toHandle());
      // Ready, not only listening: it answers before its RBAC cache is filled (a 403 meanwhile).
      org.awaitility.Awaitility.await("kube-apiserver ready after its restart").atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
          .until(() -> kubectl("get", "--raw", "/readyz").ok());
      log.info("kube-apiserver ready again in {} ms", (System.nanoTime() - started) / 1_000_000);
    } catch (ReflectiveOperationException | IOException e) {
      throw new IllegalStateException("cannot restart kube-apiserver", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (controlPlane != null) {
        controlPlane.close();
      }
    } finally {
      client.close();
      if (restartedApiServer != null) {
        restartedApiServer.destroyForcibly();
      }
      server.stop();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    // walk does not follow the k8s symlink: only the link itself is deleted, never the binaries.
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** kubectl as a process, with a kubeconfig; output captured, bounded in time. */
  public record Kubectl(Path binary, Path kubeconfig) {
    public record Result(int exitCode, String stdout, String stderr) {
      public boolean ok() {
        return exitCode == 0;
      }

      @Override
      public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
      }
    }

    public Result run(String stdin, String... args) {
      List<String> command = new ArrayList<>();
      command.add(binary.toString());
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      builder.environment().remove("KUBERC");
      builder.environment().put("KUBECTL_KUBERC", "false");
      try {
        Path out = Files.createTempFile("kubectl", ".out");
        Path err = Files.createTempFile("kubectl", ".err");
        try {
          builder.redirectOutput(out.toFile()).redirectError(err.toFile());
          Process process = builder.start();
          try (var in = process.getOutputStream()) {
            if (stdin != null) {
              in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
          }
          if (!process.waitFor(Duration.ofSeconds(60).toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish in 60 s");
          }
          return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
          Files.deleteIfExists(out);
          Files.deleteIfExists(err);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
