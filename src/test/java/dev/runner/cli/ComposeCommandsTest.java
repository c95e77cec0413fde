package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RunnerGroup;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code convert}, and {@code plan} and {@code demo} of Compose files (the test resources under compose/). */
class ComposeCommandsTest {
  static final String COMPOSE = "src/test/resources/compose/";

  @TempDir
  Path dir;

  /** {@code convert} with an empty environment (the files' own .env only). */
  static PlanCommandTest.Run convert(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ConvertCommand command = new ConvertCommand();
    command.compose.environment = Map.of();
    CommandLine commandLine = new CommandLine(command);
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exit = commandLine.execute(args);
    return new PlanCommandTest.Run(exit, out.toString(), err.toString());
  }

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** The objects of a YAML stream, in order: the RunnerGroup as one, the rest as Services. */
  static List<HasMetadata> objects(String yaml) {
    List<HasMetadata> out = new java.util.ArrayList<>();
    for (String document : yaml.split("(?m)^---\\n")) {
      if (!document.isBlank()) {
        out.add(document.contains("kind: \"RunnerGroup\"") ? SERIALIZATION.unmarshal(document, RunnerGroup.class)
            : SERIALIZATION.unmarshal(document, Service.class));
      }
    }
    return out;
  }

  @Test
  void convertPrintsTheGroupThenAServicePerComposeService() {
    PlanCommandTest.Run run = convert(COMPOSE + "migration/compose.yaml");
    assertThat(run.exit()).as(run.err()).isZero();
    List<HasMetadata> objects = objects(run.out());
    assertThat(objects).extracting(o -> o.getKind() + "/" + o.getMetadata().getName()).containsExactly(
        "RunnerGroup/billing", "Service/db", "Service/cache", "Service/migrate", "Service/api", "Service/worker");
    RunnerGroup group = (RunnerGroup) objects.get(0);
    assertThat(group.getSpec().getServices()).extracting(s -> s.getName() + ":" + s.kind() + ":" + s.getDependsOn())
        .containsExactly("db:StatefulSet:[]", "cache:Deployment:[]", "migrate:Job:[db]", "api:Deployment:[migrate, cache]",
            "worker:Deployment:[migrate, cache]");
    assertThat(((Service) objects.get(2)).getSpec().getPorts()).extracting(p -> p.getPort()).containsExactly(6379);
    assertThat(((Service) objects.get(1)).getSpec().getClusterIP()).isEqualTo("None");
    assertThat(run.out()).startsWith("---\napiVersion: \"runner.dev/v1alpha1\"\nkind: \"RunnerGroup\"");
    assertThat(run.err()).contains("note: name: the project name \"Billing\" is not a DNS label: the group is named billing");
  }

  @Test
  void convertWritesTheFileAndTheNamespaceAndTakesTheName() throws IOException {
    Path output = dir.resolve("out.yaml");
    PlanCommandTest.Run run = convert("--name", "shop", "--namespace", "apps", "-o", output.toString(),
        COMPOSE + "merged/compose.yaml", COMPOSE + "merged/compose.prod.yaml", "--profile", "debug");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).isEmpty();
    List<HasMetadata> objects = objects(Files.readString(output));
    assertThat(objects).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("apps"));
    assertThat(objects).extracting(o -> o.getMetadata().getName()).containsExactly("shop", "web", "cache", "debugger");
  }

  @Test
  void convertWithErrorsWritesTheRestAndExitsOne() {
    PlanCommandTest.Run run = convert(COMPOSE + "build-only/compose.yaml");
    assertThat(run.exit()).isEqualTo(ConvertCommand.ERRORS);
    assertThat(objects(run.out())).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
        .containsExactly("RunnerGroup/build-only", "Service/db");
    assertThat(run.err().lines().toList()).containsExactly(
        "error: service app: build: build without image: a cluster does not build images; build and push the image "
            + "(docker compose build && docker compose push), set image: to it, and convert again",
        "note: service admin: ports: the published port 8081 (the host's) is not opened: the Service admin serves 8080 "
            + "inside the cluster; kubectl port-forward service/admin 8081:8080, or add an Ingress or a LoadBalancer",
        "error: service admin: depends_on: it depends on app, which is not converted (see above); fix app, or remove the dependency");
  }

  @Test
  void convertOfWhatIsNotComposeIsOneLineAndExitTwo() {
    PlanCommandTest.Run group = convert(COMPOSE + "not-compose/runnergroup.yaml");
    assertThat(group.exit()).isEqualTo(ConvertCommand.UNREADABLE);
    assertThat(group.out()).isEmpty();
    assertThat(group.err()).isEqualTo(COMPOSE + "not-compose/runnergroup.yaml: not a Compose file: it is a Kubernetes object "
        + "(kind RunnerGroup)\n");
    PlanCommandTest.Run missing = convert(COMPOSE + "nowhere.yaml");
    assertThat(missing.exit()).isEqualTo(ConvertCommand.UNREADABLE);
    assertThat(missing.err()).isEqualTo(COMPOSE + "nowhere.yaml: no such file\n");
    PlanCommandTest.Run badName = convert("--name", "Not_A_Label", COMPOSE + "webapp-db/docker-compose.yml");
    assertThat(badName.exit()).isEqualTo(2);
    assertThat(badName.err()).contains("--name \"Not_A_Label\" must be a DNS label");
  }

  @Test
  void planOfAComposeFilePrintsTheWavesOfTheConvertedGroup() {
    PlanCommandTest.Run run = PlanCommandTest.run("plan", COMPOSE + "migration/compose.yaml");
    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("billing (" + COMPOSE + "migration/compose.yaml): valid, 5 services",
        "  start waves:\n    1. cache, db\n    2. migrate\n    3. api, worker\n");
    assertThat(run.err()).contains("note: name: the project name \"Billing\"");
  }

  @Test
  void planOfAComposeFileWithErrorsExitsOneAndOfAFileComposeWouldRefuseTwo() throws IOException {
    PlanCommandTest.Run build = PlanCommandTest.run("plan", COMPOSE + "build-only/compose.yaml");
    assertThat(build.exit()).isEqualTo(PlanCommand.INVALID);
    assertThat(build.out()).contains("build-only (" + COMPOSE + "build-only/compose.yaml): valid, 1 service");
    assertThat(build.err()).contains("error: service app: build: build without image");
    // A Compose file and a RunnerGroup file together: each is read as what it is.
    PlanCommandTest.Run both = PlanCommandTest.run("plan", COMPOSE + "webapp-db/docker-compose.yml",
        COMPOSE + "not-compose/runnergroup.yaml");
    assertThat(both.exit()).as(both.out() + both.err()).isZero();
    assertThat(both.out()).contains("webapp-db (", "not-compose (");
    Path broken = Files.writeString(dir.resolve("compose.yaml"), "services:\n  web: {image: x, ports: [\"80:http\"]}\n");
    PlanCommandTest.Run bad = PlanCommandTest.run("plan", broken.toString());
    assertThat(bad.exit()).isEqualTo(PlanCommand.UNREADABLE);
    assertThat(bad.err()).isEqualTo(broken + ": services.web.ports: \"http\" is not a port number (1-65535)\n");
  }

  @Test
  void demoOfAComposeFileComesUpInOrder() {
    PlanCommandTest.Run run = PlanCommandTest.run("demo", "--plain", "--startup", "100ms", "--timeout", "40s",
        COMPOSE + "webapp-db/docker-compose.yml");
    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    List<String> lines = run.out().lines().map(l -> l.replaceFirst("^\\+\\d+\\.\\d+s ", "")).toList();
    assertThat(lines).contains("applied RunnerGroup default/webapp-db (2 services)");
    assertThat(lines.indexOf("db Ready")).isPositive().isLessThan(first(lines, "web Starting"));
    assertThat(run.out()).contains("demo: healthy (exit 0): all 2 services of webapp-db ready");
  }

  /** The migration others wait for with service_completed_successfully runs as a Job, the database with a volume as a StatefulSet. */
  @Test
  void demoOfAComposeStackWithAMigrationRunsItOnceBeforeWhatWaitsForIt() {
    PlanCommandTest.Run run = PlanCommandTest.run("demo", "--plain", "--startup", "100ms", "--timeout", "40s",
        COMPOSE + "migration/compose.yaml");
    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    List<String> lines = run.out().lines().map(l -> l.replaceFirst("^\\+\\d+\\.\\d+s ", "")).toList();
    assertThat(lines).contains("event ServiceStarted: started service migrate (Job billing-migrate)")
        .anyMatch(l -> l.startsWith("event ServiceStarted: started service db (StatefulSet billing-db)"));
    int completed = first(lines, "migrate Completed");
    assertThat(first(lines, "db Ready")).isLessThan(first(lines, "migrate Starting"));
    assertThat(completed).isLessThan(first(lines, "api Starting")).isLessThan(first(lines, "worker Starting"));
    assertThat(run.out()).contains("demo: healthy (exit 0): all 5 services of billing ready");
  }

  @Test
  void demoOfAComposeFileWithErrorsDoesNotStart() {
    PlanCommandTest.Run run = PlanCommandTest.run("demo", "--plain", COMPOSE + "build-only/compose.yaml");
    assertThat(run.exit()).isEqualTo(DemoCommand.UNUSABLE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("error: service app: build: build without image",
        COMPOSE + "build-only/compose.yaml: the Compose file converted with errors (above)");
  }

  private static int first(List<String> lines, String prefix) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }
}
