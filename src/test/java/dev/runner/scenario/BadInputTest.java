package dev.runner.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.runner.api.CrdSchema;
import dev.runner.api.GroupPhase;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupStatus;
import dev.runner.core.GroupPlan;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 9, "Bad input": RunnerGroups a user may write, each with the outcome the table states.
 *
 * <ul>
 *   <li>{@code REJECTED}: {@code kubectl apply} fails; the errors are the ones kube-apiserver
 *       answers, evaluated here from the generated CRD ({@link CrdSchema}: OpenAPI keywords,
 *       strict unknown fields, CEL rules). The operator re-checks the same things in case a mock or
 *       an old server let the group through: what it then reports is in the table too.</li>
 *   <li>{@code INVALID}: the schema accepts it; the operator reports it (phase Invalid, the
 *       message, an InvalidSpec Warning event) and changes nothing that runs.</li>
 *   <li>{@code VALID}: both accept it.</li>
 * </ul>
 * An expected schema error may hold {@code *} where the words are cel-java's (a CEL evaluation
 * error); the rest of the line is the server's.
 */
class BadInputTest {
  private static final CrdSchema CRD = CrdSchema.generated();
  private static final YAMLMapper YAML = new YAMLMapper();
  /** What the operator's informers deserialize with. */
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String SKIPPED = "<nil>: Invalid value: null: some validation rules were not checked because the "
      + "object was invalid; correct the existing errors to complete validation";
  private static final String DNS = "'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'";
  private static final String DURATION = "'^([0-9]+(ns|us|µs|ms|s|m|h))+$'";

  enum Outcome { REJECTED, INVALID, VALID }

  /**
   * One row. {@code schema}: the API server's errors (empty: accepted). {@code operator}: what
   * GroupPlan reports for the spec (empty: valid), or {@link #UNREADABLE} when the object cannot
   * even be read into the model (only possible where the schema rejects it).
   */
  record Case(String name, Outcome outcome, String yaml, List<String> schema, List<String> operator, int waves) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final List<String> UNREADABLE = List.of("<cannot be read into the RunnerGroup model>");

  static Stream<Case> table() {
    return Stream.of(
        // --- the dependency graph ---
        invalid("cycle of 2", group("shop", svc("a", "dependsOn: [b]"), svc("b", "dependsOn: [a]")),
            "dependency cycle: a -> b -> a"),
        invalid("cycle of 6", group("shop", svc("a", "dependsOn: [b]"), svc("b", "dependsOn: [c]"), svc("c", "dependsOn: [d]"),
                svc("d", "dependsOn: [e]"), svc("e", "dependsOn: [f]"), svc("f", "dependsOn: [a]")),
            "dependency cycle: a -> b -> c -> d -> e -> f -> a"),
        invalid("cycle beside a valid service, with a way in", group("shop", svc("db", ""),
                svc("api", "dependsOn: [db, worker]"), svc("worker", "dependsOn: [api]"), svc("web", "dependsOn: [api]")),
            "dependency cycle: api -> worker -> api"),
        invalid("two separate cycles", group("shop", svc("a", "dependsOn: [b]"), svc("b", "dependsOn: [a]"),
                svc("x", "dependsOn: [y]"), svc("y", "dependsOn: [x]")),
            "dependency cycle: a -> b -> a", "dependency cycle: x -> y -> x"),
        rejected("self-dependency", group("shop", svc("db", ""), svc("api", "dependsOn: [db, api]")),
            List.of("spec.services[1]: Invalid value: a service cannot depend on itself: remove its own name from dependsOn"),
            "service \"api\" depends on itself"),
        rejected("unknown dependency", group("shop", svc("api", "dependsOn: [databse]")),
            List.of("spec: Invalid value: dependsOn names a service that is not in this group: add that service or fix the name"),
            "service \"api\" depends on \"databse\", which is not a service of this group"),
        rejected("duplicate names", group("shop", svc("api", ""), svc("db", ""), svc("api", "replicas: 2")),
            List.of("spec.services[2]: Duplicate value: {\"name\":\"api\"}"),
            "duplicate service name \"api\": service names must be unique"),
        valid("duplicate entry in dependsOn (harmless, read once)",
            group("shop", svc("db", ""), svc("api", "dependsOn: [db, db]")), 2),
        rejected("9 dependencies (at most 8: the CEL cost budget)",
            group("shop", Stream.concat(IntStream.range(0, 9).mapToObj(i -> svc("d" + i, "")),
                Stream.of(svc("api", "dependsOn: [d0, d1, d2, d3, d4, d5, d6, d7, d8]"))).toArray(String[]::new)),
            List.of("spec.services[9].dependsOn: Too many: 9: must have at most 8 items", SKIPPED),
            "service api: dependsOn lists 9 services; at most 8 are allowed"),
        valid("a chain 200 deep: 200 waves", chain(200), 200),

        // --- names ---
        rejected("name not a DNS label (upper case, underscore)", group("shop", svc("API_Server", "")),
            List.of("spec.services[0].name: Invalid value: \"API_Server\": spec.services[0].name in body should match " + DNS),
            "service API_Server: the name must be a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit)"),
        rejected("name ending in '-'", group("shop", svc("api-", "")),
            List.of("spec.services[0].name: Invalid value: \"api-\": spec.services[0].name in body should match " + DNS),
            "service api-: the name must be a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit)"),
        rejected("empty name", group("shop", svc("\"\"", "")),
            List.of("spec.services[0].name: Invalid value: \"\": spec.services[0].name in body should be at least 1 chars long"),
            "spec.services[0]: name is required"),
        rejected("service name of 41 characters", group("shop", svc("a".repeat(41), "")),
            List.of("spec.services[0].name: Too long: may not be more than 40 bytes", SKIPPED),
            "service " + "a".repeat(41) + ": the name is 41 characters long; at most 40 are allowed"),
        rejected("<group>-<service> longer than 63", group("g".repeat(30), svc("s".repeat(40), "")),
            List.of("<nil>: Invalid value: the Deployment name <group>-<service> must be at most 63 characters: "
                + "shorten the group name or the service name"),
            "service " + "s".repeat(40) + ": the Deployment name \"" + "g".repeat(30) + "-" + "s".repeat(40)
                + "\" would be longer than 63 characters: shorten the group name or the service name"),
        valid("<group>-<service> exactly 63", group("g".repeat(22), svc("s".repeat(40), "")), 1),
        rejected("group name of 63 characters (no room for any service)", group("g".repeat(63), svc("a", "")),
            List.of("<nil>: Invalid value: the Deployment name <group>-<service> must be at most 63 characters: "
                + "shorten the group name or the service name"),
            "service a: the Deployment name \"" + "g".repeat(63) + "-a\" would be longer than 63 characters: "
                + "shorten the group name or the service name"),

        rejected("group name with a dot", group("shop.v2", svc("api", "")),
            List.of("<nil>: Invalid value: the group name must be a DNS label (lower-case letters, digits and '-'; no dots): "
                + "it is the first part of its Deployments' names"),
            "the group name \"shop.v2\" must be a DNS label (lower-case letters, digits and '-'; no dots): "
                + "it is the first part of its Deployments' names"),
        // --- restartConfig ---
        rejected("negative maxRetries", group("shop", svc("api", "restartConfig: {maxRetries: -1}")),
            List.of("spec.services[0].restartConfig.maxRetries: Invalid value: -1: spec.services[0].restartConfig.maxRetries in body "
                + "should be greater than or equal to 0"),
            "service api: restartConfig.maxRetries must be 0 (unlimited) or more, not -1"),
        valid("maxRetries 0 (unlimited)", group("shop", svc("api", "restartConfig: {maxRetries: 0}")), 1),
        rejected("multiplier 0.5", groupWith("shop", "restartConfig: {multiplier: 0.5}", svc("api", "")),
            List.of("spec.restartConfig.multiplier: Invalid value: 0.5: spec.restartConfig.multiplier in body should be greater "
                + "than or equal to 1"),
            "spec: restartConfig.multiplier must be at least 1, not 0.5"),
        rejected("maxBackoff < initialBackoff in one service",
            group("shop", svc("api", "restartConfig: {initialBackoff: 10s, maxBackoff: 1s}")),
            List.of("spec.services[0].restartConfig: Invalid value: maxBackoff must not be shorter than initialBackoff"),
            "service api: restartConfig.maxBackoff (1s) must not be shorter than initialBackoff (10s)"),
        rejected("maxBackoff < initialBackoff in the group",
            groupWith("shop", "restartConfig: {initialBackoff: 2m, maxBackoff: 1m}", svc("api", "")),
            List.of("spec.restartConfig: Invalid value: maxBackoff must not be shorter than initialBackoff"),
            "spec: restartConfig.maxBackoff (1m0s) must not be shorter than initialBackoff (2m0s)"),
        invalid("maxBackoff < initialBackoff across levels (group initial, service max)",
            groupWith("shop", "restartConfig: {initialBackoff: 30s}", svc("api", "restartConfig: {maxBackoff: 10s}")),
            "service api: restartConfig.maxBackoff (10s) must not be shorter than initialBackoff (30s)"),
        invalid("maxBackoff below the default initialBackoff (1s)", group("shop", svc("api", "restartConfig: {maxBackoff: 500ms}")),
            "service api: restartConfig.maxBackoff (500ms) must not be shorter than initialBackoff (1s)"),
        rejected("unknown policy", group("shop", svc("api", "restartConfig: {policy: Sometimes}")),
            List.of("spec.services[0].restartConfig.policy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
                + "\"Never\", \"OnFailure\"", SKIPPED),
            UNREADABLE),
        rejected("policy in the wrong case", groupWith("shop", "restartConfig: {policy: always}", svc("api", "")),
            List.of("spec.restartConfig.policy: Unsupported value: \"always\": supported values: \"Always\", \"Never\", "
                + "\"OnFailure\"", SKIPPED),
            UNREADABLE),

        // --- durations ---
        rejected("startDelay 1.5s (fractions: write 1500ms)", group("shop", svc("api", "startDelay: 1.5s")),
            List.of("spec.services[0].startDelay: Invalid value: \"1.5s\": spec.services[0].startDelay in body should match " + DURATION),
            "service api: startDelay \"1.5s\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h"),
        rejected("startDelay -1s", group("shop", svc("api", "startDelay: -1s")),
            List.of("spec.services[0].startDelay: Invalid value: \"-1s\": spec.services[0].startDelay in body should match " + DURATION,
                "spec.services[0].startDelay: Invalid value: \"-1s\": startDelay must be a duration such as 500ms, 2s or 1m30s"),
            "service api: startDelay \"-1s\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h"),
        rejected("startDelay abc", group("shop", svc("api", "startDelay: abc")),
            List.of("spec.services[0].startDelay: Invalid value: \"abc\": spec.services[0].startDelay in body should match " + DURATION,
                "spec.services[0].startDelay: Invalid value: \"string\": * evaluating rule: startDelay must be a duration such as "
                    + "500ms, 2s or 1m30s"),
            "service api: startDelay \"abc\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h"),
        rejected("startDelay \"10\" (no unit)", group("shop", svc("api", "startDelay: \"10\"")),
            List.of("spec.services[0].startDelay: Invalid value: \"10\": spec.services[0].startDelay in body should match " + DURATION,
                "spec.services[0].startDelay: Invalid value: \"string\": * evaluating rule: startDelay must be a duration such as "
                    + "500ms, 2s or 1m30s"),
            "service api: startDelay \"10\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h"),
        rejected("startDelay 10 (a number)", group("shop", svc("api", "startDelay: 10")),
            List.of("spec.services[0].startDelay: Invalid value: \"integer\": spec.services[0].startDelay in body must be of type "
                + "string: \"integer\"", SKIPPED),
            "service api: startDelay \"10\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h"),
        // Decision: a long delay is the user's to choose (about 11 years here); it is not an error.
        valid("startDelay 100000h (enormous, but a duration)", group("shop", svc("api", "startDelay: 100000h")), 1),
        rejected("startDelay 9999999h (beyond what a duration can hold, about 290 years)",
            group("shop", svc("api", "startDelay: 9999999h")),
            List.of("spec.services[0].startDelay: Invalid value: \"string\": * evaluating rule: startDelay must be a duration such as "
                + "500ms, 2s or 1m30s"),
            "service api: startDelay \"9999999h\" is too long: at most 2562047h"),
        rejected("initialBackoff -1s in the group", groupWith("shop", "restartConfig: {initialBackoff: -1s}", svc("api", "")),
            List.of("spec.restartConfig.initialBackoff: Invalid value: \"-1s\": spec.restartConfig.initialBackoff in body should match "
                    + DURATION,
                "spec.restartConfig.initialBackoff: Invalid value: \"-1s\": initialBackoff must be a duration such as 500ms, 1s or 1m30s"),
            "spec: restartConfig.initialBackoff \"-1s\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h"),

        // --- services and their fields ---
        rejected("no services (empty list)", groupWith("shop", "services: []"),
            List.of("spec.services: Invalid value: 0: spec.services in body should have at least 1 items"),
            "spec.services is empty: a group needs at least one service"),
        rejected("no services field", "apiVersion: runner.dev/v1alpha1\nkind: RunnerGroup\nmetadata: {name: shop}\nspec: {suspend: false}\n",
            List.of("spec.services: Required value", SKIPPED),
            "spec.services is empty: a group needs at least one service"),
        rejected("no spec at all", "apiVersion: runner.dev/v1alpha1\nkind: RunnerGroup\nmetadata: {name: shop}\n",
            List.of("<nil>: Invalid value: a RunnerGroup needs a spec with at least one service"),
            "spec.services is empty: a group needs at least one service"),
        rejected("500 services (at most 200)", group("big", IntStream.range(0, 500).mapToObj(i -> svc("s" + i, "")).toArray(String[]::new)),
            List.of("spec.services: Too many: 500: must have at most 200 items", SKIPPED),
            "spec.services has 500 services; at most 200 are allowed"),
        valid("200 independent services: one wave", group("big", IntStream.range(0, 200).mapToObj(i -> svc("s" + i, "")).toArray(String[]::new)), 1),
        rejected("a service with no containers", group("shop",
                "  - name: api\n    template: {spec: {containers: []}}\n"),
            List.of("spec.services[0].template: Invalid value: template.spec.containers must list at least one container"),
            "service api: template.spec.containers must list at least one container"),
        rejected("a service with no template", group("shop", "  - name: api\n"),
            List.of("spec.services[0].template: Required value", SKIPPED),
            "service api: template.spec.containers must list at least one container"),
        rejected("replicas 0", group("shop", svc("api", "replicas: 0")),
            List.of("spec.services[0].replicas: Invalid value: 0: spec.services[0].replicas in body should be greater than or equal to 1"),
            "service api: replicas must be between 1 and 1000, not 0"),
        rejected("replicas 1001", group("shop", svc("api", "replicas: 1001")),
            List.of("spec.services[0].replicas: Invalid value: 1001: spec.services[0].replicas in body should be less than or equal to 1000"),
            "service api: replicas must be between 1 and 1000, not 1001"),
        rejected("replicas as a word", group("shop", svc("api", "replicas: three")),
            List.of("spec.services[0].replicas: Invalid value: \"string\": spec.services[0].replicas in body must be of type "
                + "integer: \"string\"", SKIPPED),
            UNREADABLE),
        rejected("dependsOn as a string, not a list", group("shop", svc("db", ""), svc("api", "dependsOn: db")),
            List.of("spec.services[1].dependsOn: Invalid value: \"string\": spec.services[1].dependsOn in body must be of type "
                + "array: \"string\"", SKIPPED),
            UNREADABLE),
        rejected("suspend as a word", groupWith("shop", "suspend: yes please", svc("api", "")),
            List.of("spec.suspend: Invalid value: \"string\": spec.suspend in body must be of type boolean: \"string\"", SKIPPED),
            UNREADABLE),
        rejected("unknown field in a service (restartPolicy for restartConfig.policy)",
            group("shop", svc("api", "restartPolicy: Always")),
            List.of("unknown field \"spec.services[0].restartPolicy\""),
            // Without strict field validation the server prunes it. Should one reach the operator
            // (a newer CRD, an operator rolled back), it reads what it knows and ignores the rest;
            // the plan command's reader refuses it.
            List.of()),
        rejected("unknown field in spec (misspelt restartconfig)",
            groupWith("shop", "restartconfig: {maxRetries: 3}", svc("api", "")),
            List.of("unknown field \"spec.restartconfig\""),
            List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void theSchemaAnswersAsTheTableSays(Case row) {
    List<String> errors = CRD.validate(json(row.yaml()));
    if (row.outcome() == Outcome.REJECTED) {
      assertThat(errors).as("the API server's answer").hasSameSizeAs(row.schema());
      for (String expected : row.schema()) {
        assertThat(errors).as("the API server's answer").anySatisfy(actual -> assertThat(actual).matches(pattern(expected)));
      }
    } else {
      assertThat(errors).as("accepted by the CRD schema and its rules").isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void theOperatorRechecksWhatTheSchemaSays(Case row) {
    if (row.operator() == UNREADABLE) {
      assertThatThrownBy(() -> read(row.yaml())).as("a wrong type cannot be read into the model");
      return;
    }
    RunnerGroup group = read(row.yaml());
    GroupPlan plan = GroupPlan.of(group.getMetadata().getName(), group.getSpec());
    assertThat(plan.errors()).containsExactlyInAnyOrderElementsOf(row.operator());
    if (row.outcome() == Outcome.VALID) {
      assertThat(plan.graph().startWaves()).hasSize(row.waves());
    }
  }

  // ---- through the real operator, against the mock API server (which validates nothing) ----

  @Nested
  class ThroughTheOperator extends ScenarioTest {
    /** Two schema-valid ones the operator must catch, three the schema would have rejected. */
    private static final List<String> SUBSET = List.of("cycle of 2", "maxBackoff < initialBackoff across levels (group initial, service max)",
        "duplicate names", "negative maxRetries", "startDelay -1s");

    @Test
    void invalidGroupsAreReportedOnceAndTheOperatorGoesOn() {
      List<Case> rows = table().filter(row -> SUBSET.contains(row.name())).toList();
      assertThat(rows).hasSize(SUBSET.size());
      List<String> names = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        String name = "bad" + i;
        names.add(name);
        apply(rows.get(i).yaml().replace("metadata: {name: shop}", "metadata: {name: " + name + "}"));
      }
      apply("""
          apiVersion: runner.dev/v1alpha1
          kind: RunnerGroup
          metadata: {name: good}
          spec:
            services:
          """ + svc("db", "") + svc("api", "    dependsOn: [db]\n"));

      for (int i = 0; i < rows.size(); i++) {
        String name = names.get(i);
        awaitPhase(name, GroupPhase.Invalid);
        RunnerGroupStatus status = status(name);
        String message = "invalid spec, nothing running was changed: " + String.join("; ", rows.get(i).operator());
        assertThat(status.getMessage()).as(rows.get(i).name()).isEqualTo(message);
        assertThat(status.isHealthy()).isFalse();
        assertThat(status.getConditions()).filteredOn(c -> "Ready".equals(c.getType()))
            .singleElement().satisfies(c -> {
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo("Invalid");
            });
        await().atMost(PATIENCE).until(() -> !events(name).isEmpty());
        List<Event> events = events(name);
        assertThat(events).as(rows.get(i).name()).singleElement().satisfies(e -> {
          assertThat(e.getType()).isEqualTo("Warning");
          assertThat(e.getReason()).isEqualTo("InvalidSpec");
          assertThat(e.getMessage()).isEqualTo(message);
        });
        assertThat(deploymentsOf(name)).as("nothing is created for an invalid group").isEmpty();
      }
      awaitPhase("good", GroupPhase.Ready);

      // Quiet afterwards: no reconcile loop, no event per reconcile, no status rewrite.
      int decisions = cluster.decisions();
      int writes = cluster.requests().orElseThrow().mark();
      await().during(Duration.ofSeconds(3)).atMost(PATIENCE).until(() -> cluster.decisions() - decisions <= 1
          && cluster.requests().orElseThrow().count(writes, RequestLog.Entry::write) == 0);
      assertThat(cluster.decisions() - decisions).as("reconciles while nothing changed").isLessThanOrEqualTo(1);
      assertThat(cluster.requests().orElseThrow().count(writes, RequestLog.Entry::write)).isZero();
      for (String name : names) {
        assertThat(events(name)).hasSize(1);
        assertThat(status(name).getPhase()).isEqualTo(GroupPhase.Invalid);
      }
    }

    @Test
    void anInvalidEditAcrossLevelsLeavesTheRunningDeploymentsAlone() {
      String valid = """
          apiVersion: runner.dev/v1alpha1
          kind: RunnerGroup
          metadata: {name: edit}
          spec:
            restartConfig: {initialBackoff: 5s}
            services:
          """ + svc("db", "") + svc("api", "    dependsOn: [db]\n    restartConfig: {maxBackoff: 30s}\n");
      apply(valid);
      awaitPhase("edit", GroupPhase.Ready);
      String db = deployment("edit-db").getMetadata().getResourceVersion();
      String api = deployment("edit-api").getMetadata().getResourceVersion();

      // The group's initialBackoff now exceeds the service's maxBackoff: each level is fine alone.
      String invalid = valid.replace("initialBackoff: 5s", "initialBackoff: 1m");
      assertThat(CRD.validate(json(invalid))).as("the schema cannot see across levels").isEmpty();
      apply(invalid);
      awaitPhase("edit", GroupPhase.Invalid);
      assertThat(status("edit").getMessage()).isEqualTo("invalid spec, nothing running was changed: "
          + "service api: restartConfig.maxBackoff (30s) must not be shorter than initialBackoff (1m0s)");
      assertThat(status("edit").getServices()).containsOnlyKeys("db", "api");
      assertThat(eventReasons("edit")).containsOnlyOnce("InvalidSpec");
      int decisions = cluster.decisions();
      // For 2s: at most one more reconcile, and the running Deployments are not touched.
      await().during(Duration.ofSeconds(2)).atMost(PATIENCE).until(() -> cluster.decisions() - decisions <= 1
          && deployment("edit-db").getMetadata().getResourceVersion().equals(db)
          && deployment("edit-api").getMetadata().getResourceVersion().equals(api));
      assertThat(cluster.decisions() - decisions).isLessThanOrEqualTo(1);
      assertThat(deployment("edit-db").getMetadata().getResourceVersion()).isEqualTo(db);
      assertThat(deployment("edit-api").getMetadata().getResourceVersion()).isEqualTo(api);

      apply(valid);
      awaitPhase("edit", GroupPhase.Ready);
    }

    private List<Deployment> deploymentsOf(String group) {
      return client.apps().deployments().inNamespace(NS).list().getItems().stream()
          .filter(d -> d.getMetadata().getName().startsWith(group + "-"))
          .toList();
    }
  }

  // ---- the table's vocabulary ----

  static Case rejected(String name, String yaml, List<String> schema, String... operator) {
    return new Case(name, Outcome.REJECTED, yaml, schema, List.of(operator), 0);
  }

  static Case rejected(String name, String yaml, List<String> schema, List<String> operator) {
    return new Case(name, Outcome.REJECTED, yaml, schema, operator, 0);
  }

  static Case invalid(String name, String yaml, String... operator) {
    return new Case(name, Outcome.INVALID, yaml, List.of(), List.of(operator), 0);
  }

  static Case valid(String name, String yaml, int waves) {
    return new Case(name, Outcome.VALID, yaml, List.of(), List.of(), waves);
  }

  static String group(String name, String... services) {
    return groupWith(name, "", services);
  }

  /** {@code specLines}: more fields of spec, one per line, before the services. */
  static String groupWith(String name, String specLines, String... services) {
    StringBuilder out = new StringBuilder("apiVersion: runner.dev/v1alpha1\nkind: RunnerGroup\nmetadata: {name: " + name + "}\nspec:\n");
    for (String line : specLines.split("\n")) {
      if (!line.isBlank()) {
        out.append("  ").append(line).append('\n');
      }
    }
    if (services.length > 0) {
      out.append("  services:\n");
      Arrays.stream(services).forEach(out::append);
    }
    return out.toString();
  }

  /** A service entry; {@code fields}: more fields, one per line. */
  static String svc(String name, String fields) {
    String extra = Arrays.stream(fields.split("\n")).filter(l -> !l.isBlank()).map(l -> "    " + l + "\n").collect(Collectors.joining());
    String container = name.startsWith("\"") ? "c" : name.length() > 40 || !name.matches("[a-z0-9-]+") ? "c" : name;
    return "  - name: " + name + "\n" + extra
        + "    template: {spec: {containers: [{name: " + container + ", image: example/app:1}]}}\n";
  }

  /** s000 <- s001 <- ... : each service depends on the one before. */
  static String chain(int length) {
    return group("chain", IntStream.range(0, length)
        .mapToObj(i -> svc(String.format("s%03d", i), i == 0 ? "" : String.format("dependsOn: [s%03d]", i - 1)))
        .toArray(String[]::new));
  }

  static JsonNode json(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static RunnerGroup read(String yaml) {
    return SERIALIZATION.unmarshal(yaml, RunnerGroup.class);
  }

  /** The expected line as a regex: literal, except that {@code *} stands for any words. */
  private static String pattern(String expected) {
    return Arrays.stream(expected.split("\\*", -1)).map(java.util.regex.Pattern::quote).collect(Collectors.joining(".*"));
  }
}
