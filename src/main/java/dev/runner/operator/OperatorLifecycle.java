package dev.runner.operator;

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
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator as a process: a client to the cluster, the HTTP port (probes and metrics), optional
 * leader election through a Lease, the reconcilers, and a graceful stop that gives the Lease up.
 * {@code runner-operator run} parses its command line into {@link Settings} and calls {@link #run}.
 */
public final class OperatorLifecycle {
  private static final Logger log = LoggerFactory.getLogger(OperatorLifecycle.class);
  /**
   * How long JOSDK gets to stop the controllers: in-flight reconciles up to 10 s (the reconciliation
   * termination timeout {@code RunnerOperator} sets), then the informers and the elector.
   */
  static final Duration CONTROLLERS_STOP = Duration.ofSeconds(15);
  /** How long giving the Lease up may take: a get and an update, each answered within 2 s or given up. */
  static final Duration LEASE_RELEASE = Duration.ofSeconds(5);
  private static final Duration LEASE_REQUEST_TIMEOUT = Duration.ofSeconds(2);
  /**
   * The longest a stop takes: the two steps above, then closing the port and the client (no
   * requests). Under Kubernetes' default grace period of 30 s, which the Helm chart keeps.
   */
  public static final Duration STOP_BUDGET = CONTROLLERS_STOP.plus(LEASE_RELEASE).plusSeconds(5);

  /**
   * What {@link #run} needs, the command line's defaults already applied.
   *
   * @param kubeconfig a kubeconfig file, or null for fabric8's lookup (KUBECONFIG, ~/.kube/config, in-cluster)
   * @param namespaces the namespaces to watch; empty: all
   * @param leaderElection whether to elect a leader through the Lease {@code lease}
   * @param leaseNamespace the Lease's namespace, or null/blank for POD_NAMESPACE, else the client's namespace
   * @param identity this replica's identity in the Lease, or null/blank for HOSTNAME, else the host name
   * @param port the HTTP port of /healthz, /readyz and /metrics (0: any free port)
   */
  public record Settings(File kubeconfig, Set<String> namespaces, boolean leaderElection, String lease,
      String leaseNamespace, String identity, int port) {}

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

  /**
   * @param env the environment the defaults that depend on it are computed from
   * @param processHooks whether to handle SIGTERM/SIGINT and add a JVM shutdown hook (not in tests)
   * @param onLeadershipLost what to do when the lease is lost while running: the process must not
   *     go on reconciling next to the new leader
   */
  public OperatorLifecycle(Function<String, String> env, boolean processHooks, Runnable onLeadershipLost) {
    this.env = env;
    this.processHooks = processHooks;
    this.onLeadershipLost = onLeadershipLost;
  }

  /**
   * Starts the operator and blocks until it is stopped ({@link #shutdown()}, SIGTERM).
   *
   * @return 0 after a stop, 1 when it could not start
   */
  public int run(Settings settings) throws InterruptedException {
    if (processHooks) {
      installProcessHooks();
    }
    try {
      client = newClient(settings.kubeconfig());
      metrics = new OperatorMetrics();
      http = HttpEndpoints.start(settings.port(), this::liveness, this::readiness, metrics::scrape);
      listening.countDown();
      log.info("Serving /healthz, /readyz and /metrics on port {}", http.port());
      RunnerOperator.Builder builder = RunnerOperator.builder(client)
          .namespaces(settings.namespaces())
          .metrics(metrics.josdk())
          .onGroupDecision(metrics.groups());
      boolean elect = settings.leaderElection();
      if (elect) {
        election = leaderElectionConfiguration(settings);
        builder.leaderElection(election);
      }
      operator = builder.build();
      log.info("Watching {}; leader election {}",
          settings.namespaces().isEmpty() ? "all namespaces" : "namespaces " + settings.namespaces(), elect ? "on" : "off");
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
   * replica held it ({@link LeaseRelease}: JOSDK 5.2.3 does not), then the HTTP port and the client.
   * What SIGTERM does; safe to call from any thread and more than once: later calls wait for the
   * first to finish. Bounded: each step that talks to the API server has a deadline
   * ({@link #CONTROLLERS_STOP}, {@link #LEASE_RELEASE}), so the whole stop ends within
   * {@link #STOP_BUDGET} however the API server behaves.
   */
  public void shutdown() {
    if (!stopping.compareAndSet(false, true)) {
      awaitQuietly();
      return;
    }
    log.info("Stopping runner-operator");
    boolean wasLeader = leader;
    try {
      RunnerOperator op = operator;
      boolean controllersStopped = op == null || BoundedStep.run("stopping the controllers", CONTROLLERS_STOP, op::close);
      leading(false);
      LeaderElectionConfiguration le = election;
      if (wasLeader && le != null && client != null) {
        if (controllersStopped) {
          releaseLease(le);
        } else {
          // A reconcile may still be writing: the standby must not take over before this process is gone.
          log.warn("Leaving the lease {}/{} to expire: the controllers had not stopped",
              le.getLeaseNamespace().orElse(null), le.getLeaseName());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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

  private void releaseLease(LeaderElectionConfiguration le) throws InterruptedException {
    String namespace = le.getLeaseNamespace().orElse(null);
    String id = le.getIdentity().orElse(null);
    AtomicBoolean released = new AtomicBoolean();
    BoundedStep.run("releasing the lease", LEASE_RELEASE,
        () -> released.set(LeaseRelease.release(client, namespace, le.getLeaseName(), id, LEASE_REQUEST_TIMEOUT)));
    if (released.get()) {
      log.info("Released the lease {}/{}", namespace, le.getLeaseName());
    }
  }

  private void awaitQuietly() {
    try {
      stopped.await(STOP_BUDGET.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until the HTTP port is bound (or the start failed); then {@link #httpPort()} is known. */
  public boolean awaitListening(long timeout, TimeUnit unit) throws InterruptedException {
    return listening.await(timeout, unit);
  }

  /** The bound HTTP port, -1 before it is. */
  public int httpPort() {
    HttpEndpoints endpoints = http;
    return endpoints == null ? -1 : endpoints.port();
  }

  public boolean isLeader() {
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

  private String leaseNamespace(String configured) {
    if (notBlank(configured)) {
      return configured.trim();
    }
    if (notBlank(env.apply("POD_NAMESPACE"))) {
      return env.apply("POD_NAMESPACE").trim();
    }
    return client == null ? null : client.getConfiguration().getNamespace();
  }

  private String identity(String configured) {
    if (notBlank(configured)) {
      return configured.trim();
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

  private LeaderElectionConfiguration leaderElectionConfiguration(Settings settings) {
    String namespace = leaseNamespace(settings.leaseNamespace());
    if (namespace == null) {
      throw new IllegalStateException("leader election needs the Lease's namespace: set --leader-election-namespace "
          + "(LEADER_ELECTION_NAMESPACE) or POD_NAMESPACE");
    }
    String id = identity(settings.identity());
    String lease = settings.lease();
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

  private static KubernetesClient newClient(File kubeconfig) {
    KubernetesClientBuilder builder = new KubernetesClientBuilder();
    if (kubeconfig != null) {
      builder.withConfig(Config.fromKubeconfig(kubeconfig));
    }
    return builder.build();
  }

  /**
   * SIGTERM and SIGINT stop the operator and let {@link #run} return 0, so the process exits 0
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
