package dev.runner.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The operator as a user runs it: {@code java -jar target/runner-operator.jar run} in a process of
 * its own, with a kubeconfig that holds only a token of the Helm chart's ServiceAccount, leader
 * election on against the chart's Lease, its log in a file under target/. Started when its
 * {@code /readyz} says it leads; stopped with SIGTERM, which must end it with exit code 0.
 */
public final class OperatorProcess {
  /** The shaded jar that {@code package} builds before the real-apiserver execution runs. */
  static final String JAR_PROPERTY = "realApiServer.operatorJar";
  /** A log line of an answer 403 from the API server: the chart's RBAC is missing a rule. */
  static final Pattern FORBIDDEN = Pattern.compile("(?i)forbidden|\\b(code|status)\\W{0,3}403\\b");
  private static final Pattern RECONCILES =
      Pattern.compile("(?m)^runner_reconcile_duration_seconds_count\\{[^}]*} ([0-9.eE+]+)$");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final Path log;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Thread killOnExit;

  private OperatorProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.killOnExit = new Thread(process::destroyForcibly, "operator-process-kill");
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty(JAR_PROPERTY, "target/runner-operator.jar")).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the real-server scenarios run the packaged operator; "
          + "run them through `mvn -Preal-apiserver verify` (package comes first)");
    }
    return jar;
  }

  /**
   * Starts {@code run} with the ServiceAccount's kubeconfig and waits until it serves {@code /readyz}
   * as the leader (the Lease is then held through the chart's Role).
   */
  public static OperatorProcess start(RealApiServer server, Path log, String identity) {
    String cds = "-XX:SharedArchiveFile=" + classArchive(server);
    return start(server, log, identity, cds, List.of());
  }

  private static OperatorProcess start(RealApiServer server, Path log, String identity, String cds, List<String> extra) {
    for (int attempt = 1; ; attempt++) {
      OperatorProcess operator = launch(server, log, identity, cds, extra);
      boolean leading = false;
      try {
        operator.awaitLeading();
        leading = true;
        return operator;
      } catch (AssertionError e) {
        // The free port was taken between the probe and the bind (other processes share the
        // machine): start again on another.
        if (attempt < 3 && !operator.process.isAlive() && operator.tail().contains("Address already in use")) {
          continue;
        }
        throw e;
      } finally {
        // A start that failed or was interrupted (the caller's thread stopped) leaves no process behind.
        // (SIGKILL is sent even on an interrupted thread; the process is gone within moments.)
        if (!leading) {
          operator.process.destroyForcibly();
        }
      }
    }
  }

  /**
   * Class-data sharing: the processes map the classes an operator loaded (about a second less per
   * start on a loaded 2-core machine). Per server run, so never stale. The archive is dumped by a
   * process of its own, started and stopped once before the first one a test starts: a JVM writes it
   * when it exits, which took 32 s after SIGTERM at load 22, and no stop a test times may include that.
   */
  private static synchronized Path classArchive(RealApiServer server) {
    Path archive = server.workDir().resolve("operator-classes.jsa");
    if (!Files.isRegularFile(archive)) {
      Path log = server.workDir().resolve("operator-classes.log");
      // Watching a namespace nobody uses: it loads the classes of a run and touches no test's groups.
      OperatorProcess dumper = start(server, log, "it-class-archive", "-XX:ArchiveClassesAtExit=" + archive,
          List.of("--namespaces", "it-class-archive"));
      dumper.process.destroy();
      try {
        if (!dumper.process.waitFor(120, TimeUnit.SECONDS)) {
          dumper.process.destroyForcibly();
          throw new AssertionError("the process that dumps the class archive did not exit in 120 s; log " + log);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        dumper.process.destroyForcibly();
        throw new IllegalStateException(e);
      }
      if (!Files.isRegularFile(archive)) {
        throw new AssertionError("no class archive at " + archive + " after its process exited; log " + log);
      }
    }
    return archive;
  }

  private static OperatorProcess launch(RealApiServer server, Path log, String identity, String cds, List<String> extra) {
    Path kubeconfig = OperatorAccount.kubeconfig(server, log.resolveSibling(log.getFileName() + ".kubeconfig"));
    int port = freePort();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", cds,
        "-Xlog:cds*=off", "-jar", jar().toString(), "run",
        "--kubeconfig", kubeconfig.toString(),
        "--leader-election=true",
        "--leader-election-namespace", OperatorAccount.NAMESPACE,
        "--leader-election-lease", OperatorAccount.LEASE,
        "--leader-election-identity", identity,
        "--port", Integer.toString(port)));
    command.addAll(extra);
    OperatorProcess operator;
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      // Only what the command line says: no in-cluster guess, no KUBECONFIG of the machine.
      builder.environment().keySet().removeIf(k -> k.startsWith("KUBERNETES_") || k.equals("KUBECONFIG")
          || k.equals("LEADER_ELECTION") || k.startsWith("LEADER_ELECTION_") || k.equals("WATCH_NAMESPACES")
          || k.equals("PORT") || k.startsWith("POD_"));
      Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      operator = new OperatorProcess(builder.start(), log, port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return operator;
  }

  private void awaitLeading() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the operator exited with code " + process.exitValue() + " before it was ready; log "
            + log + ":\n" + tail());
      }
      try {
        HttpResponse<String> ready = get("/readyz");
        last = ready.statusCode() + " " + ready.body().strip();
        if (ready.statusCode() == 200 && ready.body().contains("leader")) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      sleep(50);
    }
    process.destroyForcibly();
    throw new AssertionError("the operator was not ready as the leader in " + READY_TIMEOUT.toSeconds()
        + " s (last /readyz: " + last + "); log " + log + ":\n" + tail());
  }

  /** Reconciles (and cleanups) this process has finished, from its {@code /metrics}. */
  public int reconciles() {
    try {
      Matcher m = RECONCILES.matcher(get("/metrics").body());
      double total = 0;
      while (m.find()) {
        total += Double.parseDouble(m.group(1));
      }
      return (int) total;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * SIGTERM, then the exit code. Waits up to 30 s; then it appends a thread dump of the process to
   * its log ({@code jcmd <pid> Thread.print}), kills it and fails.
   */
  public int stop() {
    process.destroy(); // SIGTERM
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        String dump = threadDump();
        process.destroyForcibly();
        throw new AssertionError("the operator did not stop within " + STOP_TIMEOUT.toSeconds()
            + " s of SIGTERM (" + dump + "); log " + log + ":\n" + tail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException(e);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(killOnExit);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook runs anyway
      }
    }
    return process.exitValue();
  }

  /** {@code jcmd <pid> Thread.print} appended to the log; says where the dump went, or why there is none. */
  private String threadDump() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Files.writeString(log, "$ " + jcmd + " " + process.pid() + " Thread.print (no exit " + STOP_TIMEOUT.toSeconds()
          + " s after SIGTERM)\n", StandardOpenOption.APPEND);
      Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      if (!dump.waitFor(30, TimeUnit.SECONDS)) {
        dump.destroyForcibly();
        return "jcmd did not answer in 30 s";
      }
      return dump.exitValue() == 0 ? "thread dump appended to the log" : "jcmd exited " + dump.exitValue();
    } catch (IOException e) {
      return "no thread dump: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "no thread dump: interrupted";
    }
  }

  /**
   * SIGKILL ({@link Process#destroyForcibly()} on Linux): no shutdown hook, no Lease released, no
   * request finished; waits until the process is gone.
   */
  public void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError("the operator did not die within " + STOP_TIMEOUT.toSeconds() + " s of SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(killOnExit);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook runs anyway
      }
    }
  }

  /** Lines of the log that report an answer 403 (Forbidden) from the API server. */
  public List<String> forbiddenLines() {
    try (Stream<String> lines = Files.lines(log)) {
      return lines.filter(l -> FORBIDDEN.matcher(l).find()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The log's lines that match {@code pattern}. */
  public List<String> linesMatching(Pattern pattern) {
    try (Stream<String> lines = Files.lines(log)) {
      return lines.filter(l -> pattern.matcher(l).find()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the log says the Lease was given up on the way out (get + update through the chart's Role). */
  public boolean releasedLease() {
    try (Stream<String> lines = Files.lines(log)) {
      return lines.anyMatch(l -> l.contains("Released the lease " + OperatorAccount.NAMESPACE + "/" + OperatorAccount.LEASE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path log() {
    return log;
  }

  public boolean alive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  private HttpResponse<String> get(String path) throws IOException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", new ArrayList<>(lines.subList(Math.max(0, lines.size() - 40), lines.size())));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
