package dev.runner.cli;

import dev.runner.metrics.OperatorMetrics;
import dev.runner.reconcile.RunnerOperator;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.io.File;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * variable.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run the operator: reconcile RunnerGroups in the cluster of KUBECONFIG, or in-cluster.",
        "Serves /healthz, /readyz and /metrics on --port. SIGTERM stops it gracefully (exit 0)."})
public final class RunCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

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
  private final boolean processHooks;
  private final Runnable onLeadershipLost;

  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch listening = new CountDownLatch(1);
  private volatile boolean started;
  private volatile boolean leader;
  private volatile KubernetesClient client;
  private volatile OperatorMetrics metrics;
  private volatile HttpEndpoints http;
  private volatile RunnerOperator operator;
  private volatile LeaderElectionConfiguration election;
  private Thread shutdownHook;

  /** The command as {@code java -jar} runs it: the process environment, signal handling, a shutdown hook. */
  public RunCommand() {
    this(System::getenv, true, () -> {
      // Not on the callback's thread: System.exit waits for the shutdown hook, which stops the operator.
      Thread exit = new Thread(() -> System.exit(1), "leadership-lost");
      exit.start();
    });
  }

  /**
   * @param env the environment the defaults that depend on it are computed from
   * @param processHooks whether to handle SIGTERM/SIGINT and add a JVM shutdown hook (not in tests)
   * @param onLeadershipLost what to do when the lease is lost while running: the process must not
   *     go on reconciling next to the new leader
   */
  RunCommand(Function<String, String> env, boolean processHooks, Runnable onLeadershipLost) {
    this.env = env;
    this.processHooks = processHooks;
    this.onLeadershipLost = onLeadershipLost;
  }

  @Override
  public Integer call() throws Exception {
    Logging.Format format = logFormat == null ? Logging.Format.plain : logFormat;
    try {
      Logging.configure(Logging.level(logLevel), format);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--log-level: " + e.getMessage());
    }
    boolean elect = leaderElectionEnabled();
    Set<String> watched = namespaces(namespaces);
    if (processHooks) {
      installProcessHooks();
    }
    try {
      client = newClient();
      metrics = new OperatorMetrics();
      http = HttpEndpoints.start(port, this::liveness, this::readiness, metrics::scrape);
      listening.countDown();
      log.info("Serving /healthz, /readyz and /metrics on port {}", http.port());
      RunnerOperator.Builder builder = RunnerOperator.builder(client)
          .namespaces(watched)
          .metrics(metrics.josdk())
          .onGroupDecision(metrics.groups());
      if (elect) {
        election = leaderElectionConfiguration();
        builder.leaderElection(election);
      }
      operator = builder.build();
      log.info("Watching {}; leader election {}", watched.isEmpty() ? "all namespaces" : "namespaces " + watched,
          elect ? "on" : "off");
      if (stopping.get()) {
        return awaitStop();
      }
      operator.start();
      started = true;
      if (!elect) {
        leading(true);
      }
      log.info("runner-operator started{}", elect && !leader ? "; waiting for the lease" : "");
    } catch (Exception e) {
      if (stopping.get()) {
        return awaitStop(); // stopped while starting: that is a stop, not a failure
      }
      log.error("runner-operator could not start: {}", e.toString(), e);
      shutdown();
      return 1;
    } finally {
      listening.countDown();
    }
    return awaitStop();
  }

  private int awaitStop() throws InterruptedException {
    stopped.await();
    return 0;
  }

  /**
   * Stops reconciling (JOSDK stops the controllers and the elector), releases the Lease if this
   * replica held it ({@link LeaseRelease}: JOSDK 5.2.3 does not), then the HTTP port and the client. What SIGTERM does; safe to call from any thread and more than once: later calls
   * wait for the first to finish.
   */
  public void shutdown() {
    if (!stopping.compareAndSet(false, true)) {
      awaitQuietly();
      return;
    }
    log.info("Stopping runner-operator");
    boolean wasLeader = leader;
    try {
      if (operator != null) {
        operator.close();
      }
    } catch (RuntimeException e) {
      log.warn("Error while stopping the operator: {}", e.toString());
    }
    leading(false);
    LeaderElectionConfiguration le = election;
    if (wasLeader && le != null && client != null) {
      String namespace = le.getLeaseNamespace().orElse(null);
      String id = le.getIdentity().orElse(null);
      if (LeaseRelease.release(client, namespace, le.getLeaseName(), id)) {
        log.info("Released the lease {}/{}", namespace, le.getLeaseName());
      }
    }
    if (http != null) {
      http.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (client != null) {
      client.close();
    }
    removeShutdownHook();
    log.info("runner-operator stopped");
    stopped.countDown();
  }

  private void awaitQuietly() {
    try {
      stopped.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until the HTTP port is bound (or the start failed); then {@link #httpPort()} is known. */
  boolean awaitListening(long timeout, TimeUnit unit) throws InterruptedException {
    return listening.await(timeout, unit);
  }

  /** The bound HTTP port, -1 before it is. */
  int httpPort() {
    HttpEndpoints endpoints = http;
    return endpoints == null ? -1 : endpoints.port();
  }

  boolean isLeader() {
    return leader;
  }

  HttpEndpoints.Probe liveness() {
    return stopping.get() ? new HttpEndpoints.Probe(false, "stopping") : new HttpEndpoints.Probe(true, "ok");
  }

  /**
   * Ready once the operator has started and every informer is synced and healthy, leader or not:
   * a standby replica is Ready (see the README: a rolling update of two replicas needs the new pod
   * Ready while the old one still holds the Lease).
   */
  HttpEndpoints.Probe readiness() {
    if (stopping.get()) {
      return new HttpEndpoints.Probe(false, "stopping");
    }
    RunnerOperator op = operator;
    if (!started || op == null) {
      return new HttpEndpoints.Probe(false, "starting: informers not synced yet");
    }
    if (!op.operator().getRuntimeInfo().allEventSourcesAreHealthy()) {
      return new HttpEndpoints.Probe(false, "unhealthy event sources: "
          + op.operator().getRuntimeInfo().unhealthyEventSources().keySet());
    }
    return new HttpEndpoints.Probe(true, leader ? "ok: leader" : "ok: standby, informers synced, waiting for the lease");
  }

  private void leading(boolean leading) {
    leader = leading;
    OperatorMetrics m = metrics;
    if (m != null) {
      m.leader(leading);
    }
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

  String leaseNamespace() {
    if (notBlank(leaseNamespace)) {
      return leaseNamespace.trim();
    }
    if (notBlank(env.apply("POD_NAMESPACE"))) {
      return env.apply("POD_NAMESPACE").trim();
    }
    return client == null ? null : client.getConfiguration().getNamespace();
  }

  String identity() {
    if (notBlank(identity)) {
      return identity.trim();
    }
    if (notBlank(env.apply("HOSTNAME"))) {
      return env.apply("HOSTNAME").trim();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return null; // JOSDK then uses a random UUID
    }
  }

  private LeaderElectionConfiguration leaderElectionConfiguration() {
    String namespace = leaseNamespace();
    if (namespace == null) {
      throw new IllegalStateException("leader election needs the Lease's namespace: set --leader-election-namespace "
          + "(LEADER_ELECTION_NAMESPACE) or POD_NAMESPACE");
    }
    String id = identity();
    log.info("Leader election: Lease {}/{}, identity {}", namespace, lease, id);
    return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(lease)
        .withLeaseNamespace(namespace)
        .withIdentity(id)
        // JOSDK's own exit on a lost lease calls System.exit from the thread that stops the
        // elector, which is our shutdown hook on SIGTERM: that would hang the JVM. We decide here.
        .withExitOnStopLeading(false)
        .withLeaderCallbacks(new LeaderCallbacks(
            () -> {
              log.info("Became the leader ({}): reconciling", id);
              leading(true);
            },
            () -> {
              leading(false);
              if (!stopping.get()) {
                log.error("Lost the lease {}/{}: exiting so that only the new leader reconciles", namespace, lease);
                onLeadershipLost.run();
              }
            },
            newLeader -> {
              if (newLeader != null) {
                log.info("Leader is now {}", newLeader);
              }
            }))
        .build();
  }

  private KubernetesClient newClient() {
    KubernetesClientBuilder builder = new KubernetesClientBuilder();
    if (kubeconfig != null) {
      builder.withConfig(Config.fromKubeconfig(kubeconfig));
    }
    return builder.build();
  }

  /**
   * SIGTERM and SIGINT stop the operator and let {@link #call()} return 0, so the process exits 0
   * (the JVM's default for SIGTERM is 143). A shutdown hook covers every other way the JVM exits.
   */
  private void installProcessHooks() {
    shutdownHook = new Thread(this::shutdown, "shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
          log.info("Received SIG{}", name);
          shutdown();
        });
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        log.debug("Cannot handle SIG{} ({}); the shutdown hook stops the operator", name, e.toString());
      }
    }
  }

  private void removeShutdownHook() {
    Thread hook = shutdownHook;
    if (hook != null && Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down
      }
    }
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
