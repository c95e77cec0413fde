package dev.runner.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import dev.runner.cli.Main;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code runner-operator status} on the real API server: a Failed and an Invalid group, their
 * statuses written by the admin client through the status subresource (as the operator writes
 * them), printed by the command, in-process and as the kubectl plugin through the real kubectl.
 */
@RealApiServerTest
class StatusCommandOnRealServerTest {
  static final String NAMESPACE = "status-command";
  static final Path JAR = Path.of("target/runner-operator.jar");

  @BeforeAll
  static void setUp(RealApiServer server) {
    Crds.install(server);
    server.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .createOr(r -> r.update());
    RunnerGroup failed = create(server, "shop", """
        - name: db
          template: {spec: {containers: [{name: db, image: postgres:16}]}}
        - name: api
          dependsOn: [db]
          replicas: 2
          template: {spec: {containers: [{name: api, image: api:1}]}}
        """);
    failed.setStatus(status(GroupPhase.Failed, "1/2", "failed services: api: restart limit 3 reached (last exit: code 1)",
        Map.of("db", service(ServicePhase.Ready, 1, 0, ""),
            "api", service(ServicePhase.Failed, 0, 3, "restart limit 3 reached (last exit: code 1)"))));
    server.client().resource(failed).updateStatus();
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    server.client().v1().events().inNamespace(NAMESPACE).resource(new EventBuilder()
        .withNewMetadata().withName("shop.restart-limit").withNamespace(NAMESPACE).endMetadata()
        .withNewInvolvedObject().withApiVersion("runner.dev/v1alpha1").withKind("RunnerGroup").withName("shop")
        .withNamespace(NAMESPACE).withUid(failed.getMetadata().getUid()).endInvolvedObject()
        .withType("Warning").withReason("RestartLimitReached")
        .withMessage("service api: restart limit 3 reached (last exit: code 1)")
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .build()).create();

    RunnerGroup invalid = create(server, "payments", """
        - name: billing
          dependsOn: [ledger]
          template: {spec: {containers: [{name: billing, image: billing:1}]}}
        - name: ledger
          dependsOn: [billing]
          template: {spec: {containers: [{name: ledger, image: ledger:1}]}}
        """);
    invalid.setStatus(status(GroupPhase.Invalid, "0/2", "invalid spec: dependency cycle: billing -> ledger -> billing",
        Map.of()));
    server.client().resource(invalid).updateStatus();
  }

  static RunnerGroup create(RealApiServer server, String name, String services) {
    RunnerGroup group = Serialization.unmarshal("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: %s, namespace: %s}
        spec:
          services:
        %s""".formatted(name, NAMESPACE, services.indent(2)), RunnerGroup.class);
    return server.client().resource(group).create();
  }

  static ServiceStatus service(ServicePhase phase, int ready, int restarts, String error) {
    ServiceStatus s = new ServiceStatus();
    s.setPhase(phase);
    s.setHealthy(phase == ServicePhase.Ready);
    s.setRunning(phase == ServicePhase.Ready);
    s.setReadyReplicas(ready);
    s.setRestarts(restarts);
    s.setError(error);
    return s;
  }

  static RunnerGroupStatus status(GroupPhase phase, String ready, String message, Map<String, ServiceStatus> services) {
    RunnerGroupStatus status = new RunnerGroupStatus();
    status.setObservedGeneration(1L);
    status.setPhase(phase);
    status.setReady(ready);
    status.setMessage(message);
    status.setServices(new TreeMap<>(services));
    return status;
  }

  record Run(int exit, String out, String err) {}

  static Run status(RealApiServer server, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("status", "--kubeconfig", server.kubeconfig().toString(), "--plain"));
    all.addAll(List.of(args));
    int exit = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void aFailedGroupShowsTheFailedServiceItsErrorAndTheEvent(RealApiServer server) {
    Run run = status(server, "shop", "-n", NAMESPACE);
    assertThat(run.exit()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.subList(0, 6)).containsExactly(
        "RunnerGroup status-command/shop  Failed  ready 1/2",
        "failed services: api: restart limit 3 reached (last exit: code 1)",
        "",
        "SERVICE  PHASE   READY  RESTARTS  WAITING FOR  NEXT RESTART  ERROR",
        "db       Ready   1/1    0",
        "api      Failed  0/2    3                                    restart limit 3 reached (last exit: code 1)");
    assertThat(run.out()).containsPattern("(?m)^  \\d+s +Warning +RestartLimitReached +service api: restart limit 3 reached");
  }

  @Test
  void anInvalidGroupShowsItsErrorAndItsDeclaredServices(RealApiServer server) {
    Run run = status(server, "payments", "-n", NAMESPACE);
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("""
        RunnerGroup status-command/payments  Invalid  ready 0/2
        invalid spec: dependency cycle: billing -> ledger -> billing

        SERVICE  PHASE  READY  RESTARTS  WAITING FOR  NEXT RESTART  ERROR
        billing  -      0/1    0
        ledger   -      0/1    0

        Events: none
        """);
  }

  @Test
  void theSummaryHasOneLinePerGroupAndAMissingGroupExits1(RealApiServer server) {
    Run run = status(server, "-n", NAMESPACE);
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out().lines().toList()).hasSize(3);
    assertThat(run.out()).containsPattern("(?m)^payments +Invalid +0/2 +0 +\\d+s +invalid spec: dependency cycle")
        .containsPattern("(?m)^shop +Failed +1/2 +3 +\\d+s +failed services: api");

    Run missing = status(server, "nope", "-n", NAMESPACE);
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("status: RunnerGroup status-command/nope not found\n");
  }

  @Test
  void kubectlRunsItAsAPlugin(RealApiServer server) throws IOException, InterruptedException {
    assertThat(JAR).as("the jar (mvn package) that bin/kubectl-runner runs").exists();
    ProcessBuilder builder = new ProcessBuilder(server.kubectlBinary().toString(), "runner", "status", "payments",
        "-n", NAMESPACE);
    builder.environment().put("KUBECONFIG", server.kubeconfig().toString());
    builder.environment().put("PATH", Path.of("bin").toAbsolutePath() + ":" + System.getenv("PATH"));
    builder.environment().put("RUNNER_OPERATOR_JAR", JAR.toAbsolutePath().toString());
    builder.environment().put("KUBECTL_KUBERC", "false");
    Path out = Files.createTempFile("plugin", ".out");
    Path err = Files.createTempFile("plugin", ".err");
    try {
      Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("kubectl runner status finished").isTrue();
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      assertThat(process.exitValue()).as(stdout + Files.readString(err)).isZero();
      assertThat(stdout).startsWith("RunnerGroup status-command/payments  Invalid  ready 0/2\n"
          + "invalid spec: dependency cycle: billing -> ledger -> billing\n");
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
