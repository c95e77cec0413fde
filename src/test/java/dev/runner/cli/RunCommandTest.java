package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.runner.api.RunnerGroup;
import dev.runner.operator.OperatorLifecycle;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RunCommandTest {
  static final String GROUP = """
      apiVersion: runner.dev/v1alpha1
      kind: RunnerGroup
      metadata: {name: app, namespace: test}
      spec:
        services:
        - name: db
          template: {spec: {containers: [{name: db, image: postgres}]}}
        - name: api
          dependsOn: [db]
          template: {spec: {containers: [{name: api, image: api}]}}
      """;

  @TempDir
  Path dir;
  MockCluster cluster;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final List<Running> running = new ArrayList<>();
  final AtomicBoolean leadershipLost = new AtomicBoolean();

  /** One {@code run} command, executed by picocli on its own thread. */
  record Running(RunCommand command, CompletableFuture<Integer> exit) {}

  @BeforeEach
  void startCluster() throws IOException {
    cluster = new MockCluster(dir);
  }

  @AfterEach
  void stopAll() {
    running.forEach(r -> r.command().shutdown());
    cluster.close();
  }

  Running run(String... args) throws InterruptedException {
    return run(cluster.kubeconfig, args);
  }

  Running run(Path kubeconfig, String... args) throws InterruptedException {
    RunCommand command = new RunCommand(Map.of("POD_NAMESPACE", "test")::get, false, () -> leadershipLost.set(true));
    List<String> all = new ArrayList<>(List.of("--kubeconfig", kubeconfig.toString(), "--port", "0",
        "--log-level", System.getProperty("run.log", "warn")));
    all.addAll(List.of(args));
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Thread thread = new Thread(() -> exit.complete(new CommandLine(command).execute(all.toArray(String[]::new))), "run");
    thread.start();
    assertThat(command.awaitListening(30, TimeUnit.SECONDS)).isTrue();
    assertThat(exit).as("the command is still running").isNotDone();
    Running r = new Running(command, exit);
    running.add(r);
    return r;
  }

  HttpResponse<String> get(Running r, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + r.command().httpPort() + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  int status(Running r, String path) throws IOException, InterruptedException {
    return get(r, path).statusCode();
  }

  String metrics(Running r) throws IOException, InterruptedException {
    HttpResponse<String> response = get(r, "/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    return response.body();
  }

  /** The value of one sample line, e.g. {@code runner_services{phase="Starting"}}. */
  static double sample(String metrics, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
    assertThat(m.find()).as("series %s in%n%s", series, metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }

  void createGroup() {
    cluster.client.resource(Serialization.unmarshal(GROUP, RunnerGroup.class)).create();
  }

  Deployment deployment(String name) {
    return cluster.client.apps().deployments().inNamespace("test").withName(name).get();
  }

  @Test
  void servesProbesAndMetricsReconcilesAndStopsWithExitCodeZero() throws Exception {
    Running r = run("--leader-election=false", "--namespaces", "test");

    assertThat(status(r, "/healthz")).isEqualTo(200);
    await().atMost(Duration.ofSeconds(30)).until(() -> status(r, "/readyz") == 200);
    assertThat(get(r, "/readyz").body()).startsWith("ok: leader");
    assertThat(status(r, "/nothing")).isEqualTo(404);
    assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + r.command().httpPort() + "/healthz"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);

    createGroup();
    await().atMost(Duration.ofSeconds(20)).until(() -> deployment("app-db") != null);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String m = metrics(r);
      assertThat(sample(m, "runner_services{phase=\"Starting\"}")).isEqualTo(1.0);
      assertThat(sample(m, "runner_services{phase=\"Waiting\"}")).isEqualTo(1.0);
      assertThat(sample(m, "runner_services{phase=\"Ready\"}")).isEqualTo(0.0);
      assertThat(sample(m, "runner_groups{health=\"unhealthy\"}")).isEqualTo(1.0);
      assertThat(sample(m, "runner_groups{health=\"healthy\"}")).isEqualTo(0.0);
      assertThat(sample(m, "runner_group_healthy{group=\"app\",namespace=\"test\"}")).isEqualTo(0.0);
      assertThat(sample(m, "runner_service_restarts_total{group=\"app\",namespace=\"test\"}")).isEqualTo(0.0);
      assertThat(sample(m, "runner_reconcile_duration_seconds_count{operation=\"reconcile\",result=\"success\"}")).isPositive();
      assertThat(sample(m, "runner_operator_leader")).isEqualTo(1.0);
      // JOSDK's own
      assertThat(m).contains("operator_sdk_reconciliations_started_total", "operator_sdk_controllers_execution_reconcile");
      // JVM
      assertThat(m).contains("jvm_memory_used_bytes", "jvm_threads_live_threads", "process_uptime_seconds");
    });

    r.command().shutdown();
    assertThat(r.exit().get(30, TimeUnit.SECONDS)).isZero();
    assertThatThrownBy(() -> status(r, "/healthz")).isInstanceOf(ConnectException.class);
  }

  @Test
  void aBadLogLevelIsAUsageError() throws Exception {
    RunCommand command = new RunCommand(Map.<String, String>of()::get, false, () -> { });
    int exit = new CommandLine(command).execute("--kubeconfig", cluster.kubeconfig.toString(), "--port", "0",
        "--log-level", "loud");
    assertThat(exit).isEqualTo(2);
  }

  @Test
  void leaderElectionDefaultsToOnInCluster() {
    RunCommand inCluster = new RunCommand(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1")::get, false, () -> { });
    new CommandLine(inCluster).parseArgs();
    assertThat(inCluster.leaderElectionEnabled()).isTrue();
    RunCommand outside = new RunCommand(Map.<String, String>of()::get, false, () -> { });
    new CommandLine(outside).parseArgs();
    // LEADER_ELECTION may be set in the environment of the build; only check when it is not.
    if (System.getenv("LEADER_ELECTION") == null) {
      assertThat(outside.leaderElectionEnabled()).isFalse();
    }
    RunCommand flag = new RunCommand(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1")::get, false, () -> { });
    new CommandLine(flag).parseArgs("--leader-election=false");
    assertThat(flag.leaderElectionEnabled()).isFalse();
    RunCommand bare = new RunCommand(Map.<String, String>of()::get, false, () -> { });
    new CommandLine(bare).parseArgs("--leader-election");
    assertThat(bare.leaderElectionEnabled()).isTrue();
  }

  @Test
  void namespacesAreCommaSeparatedAndEmptyMeansAll() {
    assertThat(RunCommand.namespaces("")).isEmpty();
    assertThat(RunCommand.namespaces(" a, b ,,a")).containsExactly("a", "b");
  }

  @Test
  void helpListsEveryOptionWithItsEnvironmentVariable() {
    String help = new CommandLine(new Main()).getSubcommands().get("run").getUsageMessage();
    assertThat(help).contains("--namespaces", "WATCH_NAMESPACES", "--leader-election", "LEADER_ELECTION",
        "--leader-election-lease", "LEADER_ELECTION_LEASE", "--leader-election-namespace", "LEADER_ELECTION_NAMESPACE",
        "POD_NAME", "--port", "PORT", "--log-level", "LOG_LEVEL", "--log-format", "LOG_FORMAT");
  }

  /** What JOSDK asks before it elects: the rules the Helm chart's leader-election Role grants. */
  void grantLeaseRules(String lease, String... namedVerbs) {
    SelfSubjectRulesReview review = new SelfSubjectRulesReviewBuilder()
        .withNewSpec().withNamespace("test").endSpec()
        .withNewStatus().withIncomplete(false)
        .withResourceRules(
            new ResourceRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("create").build(),
            new ResourceRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases")
                .withResourceNames(lease).withVerbs(namedVerbs).build())
        .endStatus().build();
    cluster.server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, review).always();
  }

  Lease lease() {
    return cluster.client.resources(Lease.class).inNamespace("test").withName("runner-operator").get();
  }

  @Test
  void withLeaderElectionOnlyTheLeaderReconcilesAndTheLeaseIsHandedOverOnStop() throws Exception {
    grantLeaseRules("runner-operator", "get", "update", "patch");
    Running a = run("--leader-election=true", "--leader-election-identity", "operator-a");
    await().atMost(Duration.ofSeconds(30)).until(() -> a.command().isLeader());
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("operator-a");
    await().atMost(Duration.ofSeconds(30)).until(() -> status(a, "/readyz") == 200);

    Running b = run("--leader-election=true", "--leader-election-identity", "operator-b");
    await().atMost(Duration.ofSeconds(30)).until(() -> status(b, "/readyz") == 200);
    assertThat(get(b, "/readyz").body()).startsWith("ok: standby");
    assertThat(b.command().isLeader()).isFalse();

    createGroup();
    await().atMost(Duration.ofSeconds(20)).until(() -> deployment("app-db") != null);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(sample(metrics(a), "runner_services{phase=\"Starting\"}")).isEqualTo(1.0));
    String standby = metrics(b);
    assertThat(sample(standby, "runner_operator_leader")).isEqualTo(0.0);
    assertThat(sample(standby, "runner_reconcile_duration_seconds_count{operation=\"reconcile\",result=\"success\"}")).isZero();
    assertThat(sample(standby, "runner_services{phase=\"Starting\"}")).isZero();

    // SIGTERM of the leader: it stops, releases the Lease, and the standby takes over.
    a.command().shutdown();
    assertThat(a.exit().get(30, TimeUnit.SECONDS)).isZero();
    long stopped = System.nanoTime();
    await().atMost(Duration.ofSeconds(30)).until(() -> b.command().isLeader());
    // Released, not expired: the standby takes over at its next retry (2 s), not after the 15 s lease.
    assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(10));
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("operator-b");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(sample(metrics(b), "runner_services{phase=\"Starting\"}")).isEqualTo(1.0));

    b.command().shutdown();
    assertThat(b.exit().get(30, TimeUnit.SECONDS)).isZero();
    assertThat(leadershipLost).as("a stop is not a lost lease").isFalse();
  }

  /**
   * The API server gone silent when SIGTERM comes (a partition, a server stuck in its restart: the
   * port takes connections and never answers): the stop still ends within its budget, under the
   * chart's grace period (30 s). Unbounded, fabric8 gave the Lease's get 11 attempts of up to 15 s.
   */
  @Test
  void aStopWithTheApiServerSilentEndsWithinItsBudget() throws Exception {
    grantLeaseRules("runner-operator", "get", "update", "patch");
    Running r = run("--leader-election=true", "--leader-election-identity", "operator-a");
    await().atMost(Duration.ofSeconds(30)).until(() -> r.command().isLeader());
    int port = cluster.server.getPort();
    cluster.close();
    try (ServerSocket silent = new ServerSocket(port)) {
      assertStopsWithinTheBudget(r);
    }
  }

  /** SIGTERM's stop of {@code r}: exit 0 within {@link OperatorLifecycle#STOP_BUDGET}. */
  void assertStopsWithinTheBudget(Running r) throws Exception {
    long start = System.nanoTime();
    r.command().shutdown();
    assertThat(r.exit().get(60, TimeUnit.SECONDS)).isZero();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(OperatorLifecycle.STOP_BUDGET);
  }

  /**
   * SIGTERM while the operator is still starting (its informers cannot list: the API server takes
   * connections and never answers): the process exits 0 within the stop's budget, not when JOSDK's
   * start gives up.
   */
  @Test
  void aStopWhileStartingAgainstAServerThatNeverAnswersEndsWithinTheGracePeriod() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Path kubeconfig = dir.resolve("silent-kubeconfig");
      Files.writeString(kubeconfig, """
          apiVersion: v1
          kind: Config
          clusters:
          - name: silent
            cluster: {server: "http://127.0.0.1:%d"}
          users:
          - name: silent
            user: {token: t}
          contexts:
          - name: silent
            context: {cluster: silent, user: silent, namespace: test}
          current-context: silent
          """.formatted(silent.getLocalPort()));
      Running r = run(kubeconfig, "--leader-election=false", "--namespaces", "test");
      await("the start under way").atMost(Duration.ofSeconds(10)).until(() -> get(r, "/readyz").body().startsWith("starting"));
      assertStopsWithinTheBudget(r);
    }
  }

  @Test
  void withoutTheLeaseVerbsItDoesNotStartAndExitsNonZero() throws Exception {
    grantLeaseRules("some-other-lease", "get", "update", "patch");
    RunCommand command = new RunCommand(Map.of("POD_NAMESPACE", "test")::get, false, () -> { });
    int exit = new CommandLine(command).execute("--kubeconfig", cluster.kubeconfig.toString(), "--port", "0",
        "--log-level", "error", "--leader-election=true", "--leader-election-identity", "x");
    assertThat(exit).isEqualTo(1);
  }
}
