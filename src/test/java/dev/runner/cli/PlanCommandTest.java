package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class PlanCommandTest {
  static final String SHOP = "examples/shop.yaml";
  static final String INVALID = "examples/invalid-cycle.yaml";

  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exit = commandLine.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  Path file(String name, String yaml) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, yaml);
    return file;
  }

  static String group(String name, String services) {
    return "apiVersion: runner.dev/v1alpha1\nkind: RunnerGroup\nmetadata:\n  name: " + name + "\nspec:\n  services:\n" + services;
  }

  static String service(String name, String... extra) {
    StringBuilder out = new StringBuilder("  - name: " + name + "\n");
    for (String line : extra) {
      out.append("    ").append(line).append('\n');
    }
    return out.append("    template: {spec: {containers: [{name: main, image: busybox:1.36}]}}\n").toString();
  }

  @Test
  void shopIsValidAndPrintsItsPlan() {
    Run run = run("plan", SHOP);
    assertThat(run.exit()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).contains(
        "shop (examples/shop.yaml): valid, 6 services",
        "  start waves:\n    1. cache, database\n    2. migrate, worker\n    3. api\n    4. frontend\n",
        "  stop order:\n    1. frontend, worker\n    2. api\n    3. cache, migrate\n    4. database\n",
        "    api: Deployment, replicas 2, startDelay 2s, dependsOn [database, cache, migrate]\n"
            + "      restart: OnFailure, maxRetries 8, backoff 2s to 2m0s x2.0, jitter on, resetAfter 10m0s\n",
        "    migrate: Job, replicas 1, startDelay 0s, dependsOn [database]\n",
        "    database: StatefulSet, replicas 1, startDelay 0s, dependsOn []\n"
            + "      restart: Always, maxRetries 0 (unlimited), backoff 2s to 2m0s x2.0, jitter on, resetAfter 10m0s\n",
        "      restart: OnFailure, maxRetries 8, backoff 2s to 30s x2.0, jitter off, resetAfter 10m0s\n");
  }

  @Test
  void invalidExampleListsEveryErrorOnStdoutAndExits1() {
    Run run = run("plan", INVALID);
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).isEqualTo("payments (examples/invalid-cycle.yaml): INVALID, 2 errors\n"
        + "  - service notify: restartConfig.maxBackoff (10s) must not be shorter than initialBackoff (30s)\n"
        + "  - dependency cycle: billing -> ledger -> billing\n");
  }

  @Test
  void jsonIsOneObjectPerGroupPerLine() throws IOException {
    Run run = run("plan", "--output", "json", SHOP, INVALID);
    assertThat(run.exit()).isEqualTo(1);
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(2);
    ObjectMapper json = new ObjectMapper();

    JsonNode shop = json.readTree(lines.get(0));
    assertThat(shop.fieldNames()).toIterable()
        .containsExactly("name", "source", "valid", "errors", "dependsOn", "notes", "startOrder", "stopOrder", "services");
    assertThat(shop.get("name").asText()).isEqualTo("shop");
    assertThat(shop.get("services").findValuesAsText("kind")).containsExactly(
        "Deployment", "StatefulSet", "Job", "Deployment", "Deployment", "Deployment");
    assertThat(shop.get("valid").asBoolean()).isTrue();
    assertThat(shop.get("errors")).isEmpty();
    assertThat(shop.get("startOrder").toString()).isEqualTo("[[\"cache\",\"database\"],[\"migrate\",\"worker\"],[\"api\"],[\"frontend\"]]");
    assertThat(shop.get("stopOrder").toString()).isEqualTo("[[\"frontend\",\"worker\"],[\"api\"],[\"cache\",\"migrate\"],[\"database\"]]");
    assertThat(shop.get("services")).hasSize(6);
    JsonNode api = shop.get("services").get(4);
    assertThat(api.toString()).isEqualTo("{\"name\":\"api\",\"kind\":\"Deployment\",\"dependsOn\":[\"database\",\"cache\",\"migrate\"],\"replicas\":2,"
        + "\"startDelay\":\"2s\",\"restartConfig\":{\"policy\":\"OnFailure\",\"maxRetries\":8,\"initialBackoff\":\"2s\","
        + "\"maxBackoff\":\"2m0s\",\"multiplier\":2.0,\"jitter\":true,\"resetAfter\":\"10m0s\"}}");

    JsonNode payments = json.readTree(lines.get(1));
    assertThat(payments.get("valid").asBoolean()).isFalse();
    assertThat(payments.get("errors")).hasSize(2);
    assertThat(payments.get("errors").get(1).asText()).isEqualTo("dependency cycle: billing -> ledger -> billing");
    assertThat(payments.get("startOrder")).isEmpty();
    assertThat(payments.get("services")).isEmpty();
  }

  @Test
  void severalDocumentsAndOtherKinds() throws IOException {
    Path file = file("all.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n"
        + group("one", service("a")) + "---\n" + group("two", service("b", "dependsOn: [c]") + service("c")) + "---\n");
    Run run = run("plan", file.toString());
    assertThat(run.exit()).isZero();
    assertThat(run.err()).isEqualTo(file + ", document 1: skipped, it is a ConfigMap, not a RunnerGroup\n");
    assertThat(run.out()).contains("one (" + file + ", document 2): valid, 1 service", "two (" + file + ", document 3): valid, 2 services",
        "    1. c\n    2. b\n");
  }

  @Test
  void everyErrorOfEveryGroupIsListed() throws IOException {
    Path file = file("bad.yaml", group("g", service("Bad_Name") + service("a", "dependsOn: [b]", "startDelay: 1.5s")
        + service("b", "dependsOn: [a, ghost]", "replicas: 0") + service("a")));
    Run run = run("plan", file.toString(), SHOP);
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("g (" + file + "): INVALID, 6 errors\n"
        + "  - service Bad_Name: the name must be a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit)\n"
        + "  - service a: startDelay \"1.5s\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h\n"
        + "  - service b: replicas must be between 1 and 1000, not 0\n"
        + "  - duplicate service name \"a\": service names must be unique\n"
        + "  - service \"b\" depends on \"ghost\", which is not a service of this group\n"
        + "  - dependency cycle: a -> b -> a\n");
    assertThat(run.out()).contains("shop (examples/shop.yaml): valid");
  }

  @Test
  void missingGroupName() throws IOException {
    Path file = file("noname.yaml", "apiVersion: runner.dev/v1alpha1\nkind: RunnerGroup\nspec:\n  services:\n" + service("a"));
    Run run = run("plan", file.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("(unnamed) (" + file + "): INVALID, 1 error\n  - metadata.name is required\n");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "unknown field       | replica: 2                  | unknown field \"spec.services[0].replica\"",
      "wrong type          | replicas: two               | spec.services[0].replicas: \"two\" is not an integer",
      "string for integer  | replicas: \"2\"             | spec.services[0].replicas: \"2\" is not an integer",
      "unknown policy      | 'restartConfig: {policy: Sometimes}' | spec.services[0].restartConfig.policy: \"Sometimes\" is not one of Always, OnFailure, Never",
      "boolean             | 'restartConfig: {jitter: maybe}'     | spec.services[0].restartConfig.jitter: \"maybe\" is not true or false",
      "list expected       | dependsOn: db               | spec.services[0].dependsOn: \"db\" is not a list",
      "unknown nested      | 'restartConfig: {retries: 3}'        | unknown field \"spec.services[0].restartConfig.retries\"",
  })
  void parseErrorsNameTheFieldAndExit2(String name, String line, String expected) throws IOException {
    Path file = file("bad.yaml", group("g", service("a", line)));
    Run run = run("plan", file.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo(file + ": " + expected + "\n");
  }

  @Test
  void unknownTopLevelField() throws IOException {
    Path file = file("bad.yaml", group("g", service("a")) + "specs: {}\n");
    Run run = run("plan", file.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).isEqualTo(file + ": unknown field \"specs\"\n");
  }

  @Test
  void notYaml() throws IOException {
    Path file = file("broken.yaml", "apiVersion: runner.dev/v1alpha1\nkind: [RunnerGroup\n");
    Run run = run("plan", file.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).startsWith(file + ": not valid YAML at line ").doesNotContain("\tat ").hasLineCount(1);
  }

  @Test
  void duplicateKeysAreRefused() throws IOException {
    Path file = file("dup.yaml", group("g", service("a", "replicas: 1", "replicas: 2")));
    Run run = run("plan", file.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("Duplicate field 'replicas'").hasLineCount(1);
  }

  @Test
  void wrongApiVersion() throws IOException {
    Path file = file("v2.yaml", group("g", service("a")).replace("runner.dev/v1alpha1", "runner.dev/v2"));
    Run run = run("plan", file.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).isEqualTo(file + ": apiVersion must be runner.dev/v1alpha1, not runner.dev/v2\n");
  }

  @Test
  void missingFileIsReportedAndTheOthersStillChecked() {
    Run run = run("plan", "no/such.yaml", INVALID);
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).isEqualTo("no/such.yaml: no such file\n");
    assertThat(run.out()).contains("payments (examples/invalid-cycle.yaml): INVALID");
  }

  @Test
  void fileWithoutRunnerGroup() throws IOException {
    Path file = file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    Run run = run("plan", file.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains(file + ": no RunnerGroup");
  }

  @Test
  void scalarDocument() throws IOException {
    Path file = file("scalar.yaml", "just text\n");
    Run run = run("plan", file.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).isEqualTo(file + ": expected a Kubernetes object (a mapping with apiVersion and kind), not a string\n");
  }

  @Test
  void usageErrorsExit2() {
    assertThat(run("plan").exit()).isEqualTo(2);
    assertThat(run("plan", "--output", "xml", SHOP).exit()).isEqualTo(2);
    assertThat(run().exit()).isEqualTo(2);
    assertThat(run("nope").exit()).isEqualTo(2);
  }

  @Test
  void helpListsPlanAndItsExitCodes() {
    Run top = run("--help");
    assertThat(top.exit()).isZero();
    assertThat(top.out()).contains("runner-operator", "plan");
    Run plan = run("plan", "--help");
    assertThat(plan.exit()).isZero();
    assertThat(plan.out()).contains("Exit codes:", "a group is invalid");
  }

  // ---- groups that depend on groups (spec.dependsOn), across files ----

  static String dependingGroup(String name, String namespace, String dependsOn, String services) {
    return "apiVersion: runner.dev/v1alpha1\nkind: RunnerGroup\nmetadata:\n  name: " + name + "\n"
        + (namespace == null ? "" : "  namespace: " + namespace + "\n")
        + "spec:\n" + (dependsOn == null ? "" : "  dependsOn: " + dependsOn + "\n") + "  services:\n" + services;
  }

  @Test
  void groupsInSeveralFilesAreCheckedTogetherAndTheirOrderIsPrinted() throws IOException {
    Path app = file("app.yaml", dependingGroup("app", null, "[{name: platform, namespace: infra}]", service("api")));
    Path infra = file("infra.yaml", dependingGroup("platform", "infra", "[{name: base, namespace: infra}]", service("db"))
        + "---\n" + dependingGroup("base", "infra", null, service("dns")));
    Run run = run("plan", app.toString(), infra.toString());
    assertThat(run.exit()).as(run.out()).isZero();
    assertThat(run.out()).contains("app (" + app + "): valid, 1 service\n"
        + "  depends on groups (none of its services starts before they are Ready): infra/platform\n");
    assertThat(run.out()).doesNotContain("note:");
    assertThat(run.out()).endsWith("\ngroups, in the order they come up:\n  1. infra/base\n  2. infra/platform\n  3. default/app\n");
  }

  @Test
  void aCycleAcrossFilesIsAnErrorWithItsPath() throws IOException {
    Path app = file("app.yaml", dependingGroup("app", null, "[{name: infra}]", service("api")));
    Path infra = file("infra.yaml", dependingGroup("infra", null, "[{name: app}]", service("db")));
    Run run = run("plan", app.toString(), infra.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEqualTo("app (" + app + "): INVALID, 1 error\n"
        + "  - group dependency cycle: default/app -> default/infra -> default/app\n\n"
        + "infra (" + infra + "): INVALID, 1 error\n"
        + "  - group dependency cycle: default/infra -> default/app -> default/infra\n");
  }

  @Test
  void aGroupInNoneOfTheFilesIsANoteNotAnError() throws IOException {
    Path app = file("app.yaml", dependingGroup("app", "team", "[{name: platform, namespace: infra}, {name: cache}]", service("api")));
    Run run = run("plan", app.toString());
    assertThat(run.exit()).isZero();
    assertThat(run.out()).isEqualTo("app (" + app + "): valid, 1 service\n"
        + "  depends on groups (none of its services starts before they are Ready): infra/platform, team/cache\n"
        + "  note: group infra/platform is in none of these files: it must exist in the cluster\n"
        + "  note: group team/cache is in none of these files: it must exist in the cluster\n"
        + "  start waves:\n    1. api\n  stop order:\n    1. api\n  services:\n"
        + "    api: Deployment, replicas 1, startDelay 0s, dependsOn []\n"
        + "      restart: OnFailure, maxRetries 5, backoff 1s to 1m0s x2.0, jitter on, resetAfter 10m0s\n");

    Run json = run("plan", "-o", "json", app.toString());
    JsonNode line = parse(json.out().strip());
    assertThat(line.get("dependsOn").toString()).isEqualTo("[\"infra/platform\",\"team/cache\"]");
    assertThat(line.get("notes")).hasSize(2);
  }

  @Test
  void aGroupNamingItselfWithItsOwnNamespaceIsAnError() throws IOException {
    Path app = file("app.yaml", dependingGroup("app", "team", "[{name: app, namespace: team}]", service("api")));
    Run run = run("plan", app.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("  - spec.dependsOn: the group depends on itself (team/app)\n");
  }

  @Test
  void theExamplesOfAGroupOnAPlatformComeUpPlatformFirst() {
    Run run = run("plan", "examples/storefront.yaml", "examples/platform.yaml");
    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("storefront (examples/storefront.yaml): valid, 2 services\n"
        + "  depends on groups (none of its services starts before they are Ready): default/platform\n");
    assertThat(run.out()).endsWith("groups, in the order they come up:\n  1. default/platform\n  2. default/storefront\n");
  }

  private static JsonNode parse(String json) throws IOException {
    return new ObjectMapper().readTree(json);
  }
}
