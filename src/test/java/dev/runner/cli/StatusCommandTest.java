package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runner.api.ExitRecord;
import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.api.ServicePhase;
import dev.runner.api.ServiceStatus;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code status} against fabric8's mock API server: the statuses are written as the operator
 * writes them (through the status subresource), the command reads them as from any cluster.
 */
class StatusCommandTest {
  static final String NS = "test";

  @TempDir
  Path dir;
  MockCluster cluster;

  @BeforeEach
  void start() throws IOException {
    cluster = new MockCluster(dir);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  record Run(int exit, String out, String err) {}

  Run status(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--kubeconfig";
    all[1] = cluster.kubeconfig.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    int exit = new CommandLine(new StatusCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(all);
    return new Run(exit, out.toString(), err.toString());
  }

  static RunnerGroup group(String name, String namespace) {
    return Serialization.unmarshal("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata: {name: %s, namespace: %s}
        spec:
          services:
          - name: db
            template: {spec: {containers: [{name: db, image: postgres:16}]}}
          - name: api
            dependsOn: [db]
            replicas: 2
            template: {spec: {containers: [{name: api, image: api:1}]}}
        """.formatted(name, namespace), RunnerGroup.class);
  }

  RunnerGroup create(String name, String namespace, RunnerGroupStatus status) {
    RunnerGroup created = cluster.client.resource(group(name, namespace)).create();
    if (status != null) {
      created.setStatus(status);
      created = cluster.client.resource(created).updateStatus();
    }
    return created;
  }

  static ServiceStatus service(ServicePhase phase, int ready, int restarts, String error) {
    ServiceStatus s = new ServiceStatus();
    s.setPhase(phase);
    s.setReadyReplicas(ready);
    s.setRestarts(restarts);
    s.setError(error);
    s.setHealthy(phase == ServicePhase.Ready);
    return s;
  }

  static RunnerGroupStatus status(GroupPhase phase, String ready, String message, Map<String, ServiceStatus> services) {
    RunnerGroupStatus status = new RunnerGroupStatus();
    status.setObservedGeneration(1L);
    status.setPhase(phase);
    status.setHealthy(phase == GroupPhase.Ready);
    status.setReady(ready);
    status.setMessage(message);
    status.setStartOrder(services.isEmpty() ? List.of() : List.of(List.of("db"), List.of("api")));
    status.setServices(new LinkedHashMap<>(services));
    return status;
  }

  static RunnerGroupStatus ready() {
    return status(GroupPhase.Ready, "2/2", "", Map.of(
        "db", service(ServicePhase.Ready, 1, 0, ""), "api", service(ServicePhase.Ready, 2, 1, "")));
  }

  static RunnerGroupStatus failed() {
    ServiceStatus api = service(ServicePhase.Failed, 0, 3, "restart limit 3 reached (last exit: code 1)");
    ExitRecord exit = new ExitRecord();
    api.setLastExit(exit);
    return status(GroupPhase.Failed, "1/2", "failed services: api: restart limit 3 reached (last exit: code 1)", Map.of(
        "db", service(ServicePhase.Ready, 1, 0, ""), "api", api));
  }

  static RunnerGroupStatus invalid() {
    return status(GroupPhase.Invalid, "0/2", "invalid spec: dependency cycle: api -> db -> api", Map.of());
  }

  void event(String group, String type, String reason, String message, Instant at) {
    RunnerGroup about = cluster.client.resources(RunnerGroup.class).inNamespace(NS).withName(group).get();
    String uid = about == null ? null : about.getMetadata().getUid();
    cluster.client.v1().events().inNamespace(NS).resource(new EventBuilder()
        .withNewMetadata().withName(group + "." + reason.toLowerCase() + at.toEpochMilli()).withNamespace(NS).endMetadata()
        .withNewInvolvedObject().withApiVersion("runner.dev/v1alpha1").withKind("RunnerGroup").withName(group)
        .withNamespace(NS).withUid(uid).endInvolvedObject()
        .withType(type).withReason(reason).withMessage(message)
        .withFirstTimestamp(at.toString()).withLastTimestamp(at.toString()).withCount(1)
        .build()).create();
  }

  @Test
  void aReadyGroupShowsItsServicesInStartOrderAndItsEvents() {
    create("shop", NS, ready());
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    event("shop", "Normal", "ServiceStarted", "started service db (Deployment shop-db)", now.minusSeconds(95));
    event("shop", "Normal", "GroupReady", "all 2 services ready", now.minusSeconds(30));
    event("other", "Normal", "ServiceStarted", "not about shop", now);

    Run run = status("shop");

    assertThat(run.exit()).as(run.err()).isEqualTo(StatusCommand.SHOWN);
    assertThat(run.err()).isEmpty();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("RunnerGroup test/shop  Ready  ready 2/2");
    assertThat(lines.get(1)).isEmpty();
    assertThat(lines.subList(2, 5)).containsExactly(
        "SERVICE  PHASE  READY  RESTARTS  WAITING FOR  NEXT RESTART  ERROR",
        "db       Ready  1/1    0",
        "api      Ready  2/2    1");
    assertThat(lines.get(6)).isEqualTo("Events:");
    assertThat(lines.get(7)).matches("  AGE +TYPE +REASON +MESSAGE");
    assertThat(lines.get(8)).matches("  1m3[5-9]s +Normal +ServiceStarted +started service db \\(Deployment shop-db\\)");
    assertThat(lines.get(9)).matches("  3\\ds +Normal +GroupReady +all 2 services ready");
    assertThat(run.out()).doesNotContain("not about shop");
  }

  @Test
  void aFailedGroupShowsWhichServiceFailedWhyAndWhenTheNextRestartIs() {
    RunnerGroupStatus status = failed();
    ServiceStatus db = service(ServicePhase.BackingOff, 0, 2, "container db exited with code 1 (Error); restarting in 8s (restart 3 of 5)");
    db.setNextRestartAt(Instant.now().plusSeconds(8).truncatedTo(ChronoUnit.SECONDS).toString());
    status.getServices().put("db", db);
    create("shop", NS, status);
    event("shop", "Warning", "RestartLimitReached", "service api: restart limit 3 reached (last exit: code 1)", Instant.now());

    Run run = status("shop");

    assertThat(run.exit()).as(run.err()).isEqualTo(StatusCommand.SHOWN);
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("RunnerGroup test/shop  Failed  ready 1/2");
    assertThat(lines.get(1)).isEqualTo("failed services: api: restart limit 3 reached (last exit: code 1)");
    assertThat(lines.get(4)).matches("db +BackingOff +0/1 +2 +in [5-8]s +container db exited with code 1 \\(Error\\); restarting in 8s \\(restart 3 of 5\\)");
    assertThat(lines.get(5)).matches("api +Failed +0/2 +3 +restart limit 3 reached \\(last exit: code 1\\)");
    assertThat(run.out()).containsPattern("  \\ds +Warning +RestartLimitReached +service api: restart limit 3 reached");
  }

  @Test
  void anInvalidGroupShowsItsErrorsAndItsDeclaredServices() {
    create("shop", NS, invalid());

    Run run = status("shop");

    assertThat(run.exit()).isEqualTo(StatusCommand.SHOWN);
    assertThat(run.out()).startsWith("""
        RunnerGroup test/shop  Invalid  ready 0/2
        invalid spec: dependency cycle: api -> db -> api

        SERVICE  PHASE  READY  RESTARTS  WAITING FOR  NEXT RESTART  ERROR
        db       -      0/1    0
        api      -      0/2    0

        Events: none
        """);
  }

  @Test
  void aGroupWithoutStatusSaysSo() {
    create("shop", NS, null);
    Run run = status("shop");
    assertThat(run.exit()).isEqualTo(StatusCommand.SHOWN);
    assertThat(run.out()).startsWith("RunnerGroup test/shop  Pending  ready 0/2\n"
        + "no status yet: is the operator running and watching namespace test?\n");
  }

  @Test
  void withoutAGroupOneLinePerGroupOfTheNamespaceOrWithAOfEveryNamespace() {
    cluster.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("prod").endMetadata().build()).create();
    create("shop", NS, ready());
    create("billing", NS, failed());
    create("payments", NS, invalid());
    create("shop", "prod", null);

    Run run = status();
    assertThat(run.exit()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).matches("NAME +PHASE +READY +RESTARTS +AGE +MESSAGE");
    assertThat(lines.get(1)).matches("billing +Failed +1/2 +3 +\\ds +failed services: api: restart limit 3 reached \\(last exit: code 1\\)");
    assertThat(lines.get(2)).matches("payments +Invalid +0/2 +0 +\\ds +invalid spec: dependency cycle: api -> db -> api");
    assertThat(lines.get(3)).matches("shop +Ready +2/2 +1 +\\ds");

    Run all = status("-A");
    assertThat(all.exit()).isZero();
    assertThat(all.out().lines().toList()).hasSize(5)
        .first().asString().matches("NAMESPACE +NAME +PHASE +READY +RESTARTS +AGE +MESSAGE");
    assertThat(all.out().lines().toList().get(1)).matches("prod +shop +- +- +0 +\\ds");

    Run prod = status("-n", "prod");
    assertThat(prod.out().lines().toList()).hasSize(2);

    Run empty = status("-n", "nothing-here");
    assertThat(empty.exit()).isZero();
    assertThat(empty.out()).isEqualTo("No RunnerGroups in namespace nothing-here.\n");
  }

  @Test
  void mermaidColoursEachServiceByItsPhase() {
    create("shop", NS, failed());
    Run run = status("shop", "-o", "mermaid");
    assertThat(run.exit()).isZero();
    assertThat(run.out()).isEqualTo("""
        flowchart LR
          db["db: Ready"]
          api["api: Failed"]
          db --> api
          classDef Ready fill:#d4edda,stroke:#2e7d32,color:#1b4d20
          classDef Failed fill:#f5a3a9,stroke:#8e0000,color:#3d0000,stroke-width:2px
          class db Ready
          class api Failed
        """);
  }

  @Test
  void watchInAPipePrintsEachChangeAsATimestampedLineUntilTheGroupIsDeleted() throws Exception {
    RunnerGroup group = create("shop", NS, status(GroupPhase.Progressing, "1/2", "", Map.of(
        "db", service(ServicePhase.Ready, 1, 0, ""), "api", service(ServicePhase.Starting, 0, 0, ""))));
    StringWriter out = new StringWriter();
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Thread watch = new Thread(() -> exit.complete(new CommandLine(new StatusCommand())
        .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(out, true))
        .execute("--kubeconfig", cluster.kubeconfig.toString(), "shop", "--watch", "--plain")), "status-watch");
    watch.setDaemon(true);
    watch.start();
    String stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z ";
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(out.toString()).containsPattern(
        "(?m)^" + stamp + "api Starting$"));
    assertThat(out.toString()).containsPattern("(?m)^" + stamp + "db Ready$")
        .containsPattern("(?m)^" + stamp + "group shop Progressing \\(1/2 ready\\)$");

    RunnerGroup latest = cluster.client.resources(RunnerGroup.class).inNamespace(NS).withName("shop").get();
    latest.setStatus(ready());
    cluster.client.resource(latest).updateStatus();
    event("shop", "Normal", "GroupReady", "all 2 services ready", Instant.now());

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(out.toString())
        .containsPattern("(?m)^" + stamp + "api Ready$")
        .containsPattern("(?m)^" + stamp + "group shop Ready \\(2/2 ready\\)$")
        .containsPattern("(?m)^" + stamp + "event GroupReady: all 2 services ready$"));
    assertThat(exit).as("a watch goes on").isNotDone();
    assertThat(out.toString().lines().filter(l -> l.endsWith(" db Ready"))).as("unchanged: not printed again").hasSize(1);

    cluster.client.resource(group).delete();
    assertThat(exit.get(20, TimeUnit.SECONDS)).isZero();
    assertThat(out.toString()).containsPattern("(?m)^" + stamp + "RunnerGroup test/shop was deleted$");
  }

  @Test
  void aMissingGroupExits1WithOneLine() {
    Run run = status("nope");
    assertThat(run.exit()).isEqualTo(StatusCommand.NOT_FOUND);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("status: RunnerGroup test/nope not found\n");
  }

  @Test
  void anUnreachableClusterExits2WithOneLineAndNoStackTrace() throws IOException {
    Path nowhere = Files.writeString(dir.resolve("nowhere"), """
        apiVersion: v1
        kind: Config
        clusters:
        - name: nowhere
          cluster: {server: "https://127.0.0.1:1"}
        users:
        - name: nowhere
          user: {token: t}
        contexts:
        - name: nowhere
          context: {cluster: nowhere, user: nowhere}
        current-context: nowhere
        """);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new StatusCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute("--kubeconfig", nowhere.toString(), "shop");
    assertThat(exit).isEqualTo(StatusCommand.UNUSABLE);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).startsWith("status: cannot reach the cluster at https://127.0.0.1:1/: ");
    assertThat(err.toString().lines()).hasSize(1);
  }

  @Test
  void usageErrorsExit2() {
    assertThat(status("shop", "-A").exit()).isEqualTo(StatusCommand.UNUSABLE);
    assertThat(status("-o", "mermaid").exit()).isEqualTo(StatusCommand.UNUSABLE);
    assertThat(status("shop", "-o", "mermaid", "--watch").exit()).isEqualTo(StatusCommand.UNUSABLE);
    assertThat(status("-o", "svg").exit()).isEqualTo(StatusCommand.UNUSABLE);
  }

  @Test
  void helpListsTheExitCodes() {
    String help = new CommandLine(new Main()).getSubcommands().get("status").getUsageMessage();
    assertThat(help).contains("Exit codes:", "the group does not exist", "kubectl-runner");
  }
}
