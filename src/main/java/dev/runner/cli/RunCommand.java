package dev.runner.cli;

import dev.runner.operator.Logging;
import dev.runner.operator.OperatorLifecycle;
import java.io.File;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code runner-operator run}: the operator against a cluster (KUBECONFIG or in-cluster), with its
 * HTTP port (probes and metrics), optional leader election, and a graceful stop on SIGTERM.
 *
 * <p>Every option has an environment variable, the ones the Helm chart sets; a flag wins over its
 * variable. The process itself (start, probes, leader election, stop) is {@link OperatorLifecycle}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run the operator: reconcile RunnerGroups in the cluster of KUBECONFIG, or in-cluster.",
        "Serves /healthz, /readyz and /metrics on --port. SIGTERM stops it gracefully (exit 0)."})
public final class RunCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Kubeconfig file. Default: fabric8's lookup (KUBECONFIG, ~/.kube/config, or the in-cluster service account).")
  File kubeconfig;

  @Option(names = "--namespaces", paramLabel = "NS[,NS...]", defaultValue = "${env:WATCH_NAMESPACES:-}",
      description = "Namespaces to watch, comma-separated; empty: all namespaces. Env: WATCH_NAMESPACES.")
  String namespaces;

  @Option(names = "--leader-election", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
      defaultValue = "${env:LEADER_ELECTION:-}",
      description = "Elect a leader through a Lease; only the leader reconciles. Default: true in-cluster "
          + "(KUBERNETES_SERVICE_HOST set), else false. Env: LEADER_ELECTION.")
  String leaderElection;

  @Option(names = "--leader-election-lease", paramLabel = "NAME", defaultValue = "${env:LEADER_ELECTION_LEASE:-runner-operator}",
      description = "Name of the Lease (default: ${DEFAULT-VALUE}). Env: LEADER_ELECTION_LEASE.")
  String lease;

  @Option(names = "--leader-election-namespace", paramLabel = "NS", defaultValue = "${env:LEADER_ELECTION_NAMESPACE:-}",
      description = "Namespace of the Lease. Default: POD_NAMESPACE, else the client's namespace. Env: LEADER_ELECTION_NAMESPACE.")
  String leaseNamespace;

  @Option(names = "--leader-election-identity", paramLabel = "ID", defaultValue = "${env:POD_NAME:-}",
      description = "This replica's identity in the Lease. Default: the host name. Env: POD_NAME.")
  String identity;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "${env:PORT:-8080}",
      description = "HTTP port of /healthz, /readyz and /metrics (default: ${DEFAULT-VALUE}). Env: PORT.")
  int port;

  @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${env:LOG_LEVEL:-info}",
      description = "trace, debug, info, warn or error (default: ${DEFAULT-VALUE}). Env: LOG_LEVEL.")
  String logLevel;

  @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "${env:LOG_FORMAT:-plain}",
      description = "plain or json (one JSON object per line) (default: ${DEFAULT-VALUE}). Env: LOG_FORMAT.")
  Logging.Format logFormat;

  private final Function<String, String> env;
  private final OperatorLifecycle lifecycle;

  /** The command as {@code java -jar} runs it: the process environment, signal handling, a shutdown hook. */
  public RunCommand() {
    this(System::getenv, true, () -> {
      // Not on the callback's thread: System.exit waits for the shutdown hook, which stops the operator.
      Thread exit = new Thread(() -> System.exit(1), "leadership-lost");
      exit.start();
    });
  }

  /** See {@link OperatorLifecycle#OperatorLifecycle(Function, boolean, Runnable)}. */
  RunCommand(Function<String, String> env, boolean processHooks, Runnable onLeadershipLost) {
    this.env = env;
    this.lifecycle = new OperatorLifecycle(env, processHooks, onLeadershipLost);
  }

  @Override
  public Integer call() throws Exception {
    Logging.Format format = logFormat == null ? Logging.Format.plain : logFormat;
    try {
      Logging.configure(Logging.level(logLevel), format);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--log-level: " + e.getMessage());
    }
    return lifecycle.run(new OperatorLifecycle.Settings(kubeconfig, namespaces(namespaces), leaderElectionEnabled(),
        lease, leaseNamespace, identity, port));
  }

  /** What SIGTERM does: see {@link OperatorLifecycle#shutdown()}. */
  public void shutdown() {
    lifecycle.shutdown();
  }

  boolean awaitListening(long timeout, TimeUnit unit) throws InterruptedException {
    return lifecycle.awaitListening(timeout, unit);
  }

  int httpPort() {
    return lifecycle.httpPort();
  }

  boolean isLeader() {
    return lifecycle.isLeader();
  }

  boolean leaderElectionEnabled() {
    String value = leaderElection == null ? "" : leaderElection.trim().toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      case "" -> notBlank(env.apply("KUBERNETES_SERVICE_HOST"));
      default -> throw new ParameterException(spec.commandLine(),
          "--leader-election / LEADER_ELECTION: expected true or false, got '" + leaderElection + "'");
    };
  }

  static Set<String> namespaces(String csv) {
    if (csv == null) {
      return Set.of();
    }
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
