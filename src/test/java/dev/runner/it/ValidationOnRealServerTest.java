package dev.runner.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kubectl apply} of RunnerGroups on the real server: valid ones are stored, each bad input the
 * schema or a CEL rule is meant to reject is rejected with the message a user reads.
 */
@RealApiServerTest
class ValidationOnRealServerTest {
  static final String NAMESPACE = "validation";
  static final String CONTAINERS = "template: {spec: {containers: [{name: c, image: busybox}]}}";

  @BeforeAll
  static void setUp(RealApiServer server) {
    Crds.install(server);
    server.kubectl("create", "namespace", NAMESPACE);
  }

  /**
   * Every example of the project (examples/*.yaml) and the suite's own: the schema accepts them all
   * (examples/invalid-cycle.yaml too: a cycle is beyond CEL, the operator reports it in the status).
   */
  static Stream<Path> examples() throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(Path.of("src/test/resources/it/two-services.yaml"));
    Path examples = Path.of("examples");
    if (Files.isDirectory(examples)) {
      try (Stream<Path> list = Files.list(examples)) {
        list.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().forEach(files::add);
      }
    }
    return files.stream();
  }

  @ParameterizedTest
  @MethodSource("examples")
  void exampleApplies(Path file, RealApiServer server) {
    RealApiServer.Kubectl.Result apply = server.kubectl("apply", "-n", NAMESPACE, "-f", file.toAbsolutePath().toString());
    assertThat(apply.ok()).as("kubectl apply -f %s%n%s", file, apply).isTrue();
    assertThat(apply.stdout()).containsPattern("runnergroup.runner.dev/\\S+ (created|configured|unchanged)");
  }

  @Test
  void defaultsAreFilledByTheServer(RealApiServer server) {
    RealApiServer.Kubectl.Result apply = server.kubectlWithInput(group("defaults", """
        - name: only
          %s
        """.formatted(CONTAINERS)), "apply", "-n", NAMESPACE, "-f", "-");
    assertThat(apply.ok()).as("%s", apply).isTrue();
    RealApiServer.Kubectl.Result replicas = server.kubectl("get", "rg", "defaults", "-n", NAMESPACE,
        "-o", "jsonpath={.spec.services[0].replicas}");
    assertThat(replicas.stdout()).isEqualTo("1");
  }

  /** The most groups a group may depend on, each in another namespace: the CEL rules stay within their runtime budget. */
  @Test
  void thirtyTwoGroupsInDependsOnAreAccepted(RealApiServer server) {
    RealApiServer.Kubectl.Result apply = server.kubectlWithInput(group("many-groups", """
        - name: api
          %s
        dependsOn: [%s]
        """.formatted(CONTAINERS, groups(32))), "apply", "-n", NAMESPACE, "-f", "-");
    assertThat(apply.ok()).as("%s", apply).isTrue();
  }

  /** {@code {name: group-0, namespace: ns-0}, ...}: distinct groups with the longest names a DNS label allows. */
  private static String groups(int count) {
    return java.util.stream.IntStream.range(0, count)
        .mapToObj(i -> "{name: " + ("g" + i + "-").repeat(30).substring(0, 62) + "x, namespace: " + ("n" + i + "-").repeat(30).substring(0, 62) + "x}")
        .collect(java.util.stream.Collectors.joining(", "));
  }

  /**
   * The largest group the schema allows: Limits.SERVICES_MAX services, one of them depending on
   * Limits.DEPENDS_ON_MAX others; the unknown-dependency rule runs over it within the API server's
   * per-object cost limit, and still refuses one unknown name in it.
   */
  @Test
  void theLargestGroupAppliesAndAnUnknownDependencyInItIsStillRefused(RealApiServer server) {
    StringBuilder services = new StringBuilder();
    StringBuilder deps = new StringBuilder();
    for (int i = 0; i < dev.runner.api.Limits.SERVICES_MAX - 1; i++) {
      String name = "service-with-a-long-name-number-" + String.format("%03d", i);
      services.append("- name: ").append(name).append("\n  ").append(CONTAINERS).append("\n");
      if (i < dev.runner.api.Limits.DEPENDS_ON_MAX) {
        deps.append(i == 0 ? "" : ", ").append(name);
      }
    }
    String gateway = "- name: gateway\n  dependsOn: [" + deps + "]\n  " + CONTAINERS + "\n";
    RealApiServer.Kubectl.Result apply = server.kubectlWithInput(group("largest", services + gateway),
        "apply", "-n", NAMESPACE, "-f", "-");
    assertThat(apply.ok()).as("%s", apply).isTrue();
    String unknown = gateway.replace("number-000", "number-999");
    RealApiServer.Kubectl.Result refused = server.kubectlWithInput(group("largest-bad", services + unknown),
        "apply", "-n", NAMESPACE, "-f", "-");
    assertThat(refused.ok()).isFalse();
    assertThat(refused.stderr()).contains("dependsOn names a service that is not in this group");
  }

  static Stream<Arguments> invalidGroups() {
    return Stream.of(
        invalid("a service depending on itself", "self-dep", """
            - name: api
              dependsOn: [api]
              %s
            """, "a service cannot depend on itself"),
        invalid("an unknown dependency", "unknown-dep", """
            - name: api
              dependsOn: [database]
              %s
            """, "dependsOn names a service that is not in this group"),
        invalid("a name that is not a DNS label", "bad-name", """
            - name: Api_1
              %s
            """, "spec.services[0].name in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"),
        invalid("a name that ends with a dash", "bad-name-2", """
            - name: api-
              %s
            """, "spec.services[0].name in body should match"),
        invalid("maxBackoff shorter than initialBackoff", "backoff-order", """
            - name: api
              restartConfig: {initialBackoff: 10s, maxBackoff: 1s}
              %s
            """, "maxBackoff must not be shorter than initialBackoff"),
        invalid("maxBackoff shorter than initialBackoff on the group", "backoff-order-group", """
            - name: api
              %s
            restartConfig: {initialBackoff: 1m, maxBackoff: 30s}
            """, "maxBackoff must not be shorter than initialBackoff"),
        invalid("a fractional duration (1.5s)", "duration-fraction", """
            - name: api
              startDelay: 1.5s
              %s
            """, "spec.services[0].startDelay in body should match"),
        invalid("a negative duration (-1s)", "duration-negative", """
            - name: api
              restartConfig: {initialBackoff: -1s}
              %s
            """, "spec.services[0].restartConfig.initialBackoff in body should match"),
        invalid("a duration that is not one (abc)", "duration-abc", """
            - name: api
              restartConfig: {maxBackoff: abc}
              %s
            """, "spec.services[0].restartConfig.maxBackoff in body should match"),
        invalid("a duration without a unit (5)", "duration-unitless", """
            - name: api
              startDelay: "5"
              %s
            """, "spec.services[0].startDelay in body should match"),
        invalid("multiplier 0.5", "multiplier", """
            - name: api
              restartConfig: {multiplier: 0.5}
              %s
            """, "spec.services[0].restartConfig.multiplier: Invalid value: 0.5: spec.services[0].restartConfig.multiplier in body should be greater than or equal to 1"),
        invalid("negative maxRetries", "retries", """
            - name: api
              restartConfig: {maxRetries: -1}
              %s
            """, "spec.services[0].restartConfig.maxRetries in body should be greater than or equal to 0"),
        invalid("an unknown policy", "policy", """
            - name: api
              restartConfig: {policy: Sometimes}
              %s
            """, "spec.services[0].restartConfig.policy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"OnFailure\""),
        invalid("duplicate service names", "duplicates", """
            - name: api
              %1$s
            - name: api
              %1$s
            """, "spec.services[1]: Duplicate value: {\"name\":\"api\"}"),
        invalid("<group>-<service> longer than 63 characters", "a-group-name-of-thirty-chars-x", """
            - name: a-service-name-that-is-forty-characters
              %s
            """, "the Deployment name <group>-<service> must be at most 63 characters"),
        invalid("a template without containers", "no-containers", """
            - name: api
              template: {spec: {containers: []}}
            """, "template.spec.containers must list at least one container"),
        invalid("a template without a spec", "no-spec", """
            - name: api
              template: {metadata: {labels: {a: b}}}
            """, "template.spec.containers must list at least one container"),
        invalid("no services", "empty", """
            []
            """, "spec.services in body should have at least 1 items"),
        invalid("replicas 0", "replicas", """
            - name: api
              replicas: 0
              %s
            """, "spec.services[0].replicas in body should be greater than or equal to 1"),
        invalid("a group depending on itself", "self-group", """
            - name: api
              %s
            dependsOn: [{name: infra}, {name: self-group}]
            """, "a group cannot depend on itself: remove its own name from spec.dependsOn"),
        invalid("the same group twice in dependsOn", "twice", """
            - name: api
              %s
            dependsOn: [{name: infra, namespace: platform}, {name: infra, namespace: platform}]
            """, "spec.dependsOn: Invalid value: dependsOn names the same group twice: list each group once"),
        invalid("33 groups in dependsOn", "too-many-groups", """
            - name: api
              %s
            dependsOn: [""" + groups(33) + """
            ]
            """, "spec.dependsOn: Too many: 33: must have at most 32 items"),
        invalid("volumeClaimTemplates on a Deployment", "claims-deployment", """
            - name: db
              volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]
              %s
            """, "volumeClaimTemplates is only for kind: StatefulSet"),
        invalid("a retention policy on a Job", "retention-job", """
            - name: m
              kind: Job
              persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}
              %s
            """, "persistentVolumeClaimRetentionPolicy is only for kind: StatefulSet"),
        invalid("activeDeadlineSeconds on a StatefulSet", "deadline-sts", """
            - name: db
              kind: StatefulSet
              activeDeadlineSeconds: 60
              %s
            """, "activeDeadlineSeconds is only for kind: Job"),
        invalid("replicas 2 on a Job", "job-replicas", """
            - name: m
              kind: Job
              replicas: 2
              %s
            """, "a Job service runs one pod"),
        invalid("policy Always on a Job", "job-always", """
            - name: m
              kind: Job
              restartConfig: {policy: Always}
              %s
            """, "restartConfig.policy Always is not allowed for a Job"),
        invalid("policy Always from the group on a Job", "job-always-group", """
            - name: m
              kind: Job
              %s
            restartConfig: {policy: Always}
            """, "the group's restartConfig.policy Always would apply to a Job service"),
        invalid("an autoscaled Job", "job-autoscaled", """
            - name: m
              kind: Job
              autoscaled: true
              %s
            """, "a Job service cannot be autoscaled"),
        invalid("strategy on a StatefulSet", "strategy-sts", """
            - name: db
              kind: StatefulSet
              strategy: {type: Recreate}
              %s
            """, "strategy is only for kind: Deployment"),
        invalid("progressDeadlineSeconds on a Job", "progress-job", """
            - name: m
              kind: Job
              progressDeadlineSeconds: 60
              %s
            """, "progressDeadlineSeconds is only for kind: Deployment"),
        invalid("minReadySeconds on a Job", "min-ready-job", """
            - name: m
              kind: Job
              minReadySeconds: 5
              %s
            """, "minReadySeconds is only for kind: Deployment or StatefulSet"),
        invalid("an unknown kind", "kind-unknown", """
            - name: m
              kind: DaemonSet
              %s
            """, "supported values: \"Deployment\", \"Job\", \"StatefulSet\""),
        invalid("a string for replicas", "replicas-type", """
            - name: api
              replicas: "two"
              %s
            """, "spec.services[0].replicas: Invalid value: \"string\": spec.services[0].replicas in body must be of type integer"));
  }

  /** Every kind with its own fields applies; the kind of an existing service cannot change in place. */
  @Test
  void kindsApplyAndAKindCannotChange(RealApiServer server) {
    RealApiServer.Kubectl.Result apply = server.kubectlWithInput(group("kinds", """
        - name: db
          kind: StatefulSet
          minReadySeconds: 1
          volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]
          persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Retain}
          %1$s
        - name: migrate
          kind: Job
          dependsOn: [db]
          activeDeadlineSeconds: 600
          restartConfig: {policy: OnFailure}
          %1$s
        """.formatted(CONTAINERS)), "apply", "-n", NAMESPACE, "-f", "-");
    assertThat(apply.ok()).as("%s", apply).isTrue();
    RealApiServer.Kubectl.Result change = server.kubectl("patch", "rg", "kinds", "-n", NAMESPACE, "--type=json",
        "-p", "[{\"op\": \"replace\", \"path\": \"/spec/services/1/kind\", \"value\": \"Deployment\"}]");
    assertThat(change.ok()).as("%s", change).isFalse();
    assertThat(change.stderr()).contains("kind cannot change on an existing service");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidGroups")
  void invalidGroupIsRejected(String what, String yaml, String expected, RealApiServer server) {
    RealApiServer.Kubectl.Result apply = server.kubectlWithInput(yaml, "apply", "-n", NAMESPACE, "-f", "-");
    assertThat(apply.ok()).as("%s must be rejected; kubectl said:%n%s", what, apply).isFalse();
    assertThat(apply.stderr()).as("%s", what).contains("is invalid").contains(expected);
  }

  private static Arguments invalid(String what, String groupName, String services, String expected) {
    String indented = services.formatted(CONTAINERS);
    return Arguments.of(what, group(groupName, indented), expected);
  }

  /** A RunnerGroup; {@code services} is the list under spec.services (or extra spec fields after it). */
  static String group(String name, String services) {
    StringBuilder yaml = new StringBuilder("""
        apiVersion: runner.dev/v1alpha1
        kind: RunnerGroup
        metadata:
          name: %s
        spec:
        """.formatted(name));
    boolean first = true;
    for (String line : services.split("\n")) {
      if (first && line.startsWith("[]")) {
        yaml.append("  services: []\n");
        first = false;
        continue;
      }
      if (first) {
        yaml.append("  services:\n");
        first = false;
      }
      // list items and any spec field after the list (restartConfig) sit at the spec's indentation
      yaml.append("  ").append(line).append('\n');
    }
    return yaml.toString();
  }
}
