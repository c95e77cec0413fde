package dev.runner.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lints the chart and renders it offline (helm-java embeds Helm), asserting on the parsed objects. */
class HelmChartTest {
  static final Path CHART = Path.of("helm/runner-operator");
  static final String RELEASE = "runner-operator";
  static final String NAMESPACE = "operators";
  /** helm-java renders for Kubernetes 1.20 unless told; the chart requires >= 1.25 (CEL rules in the CRD). */
  static final String KUBE_VERSION = "1.31.0";

  /** What the operator does with the API in a watched namespace: exactly these rules, nothing more. */
  static final List<PolicyRule> WATCH_RULES = List.of(
      rule("runner.dev", "runnergroups", "get", "list", "watch", "patch", "update"),
      rule("runner.dev", "runnergroups/status", "get", "patch", "update"),
      rule("runner.dev", "runnergroups/finalizers", "update"),
      rule("apps", "deployments", "get", "list", "watch", "create", "update", "patch", "delete"),
      rule("apps", "statefulsets", "get", "list", "watch", "create", "update", "patch", "delete"),
      // A Job's template is immutable: it is only created and deleted.
      rule("batch", "jobs", "get", "list", "watch", "create", "delete"),
      // A StatefulSet's headless Service: read before it is created (a name held by another object), deleted with it.
      rule("", "services", "get", "create", "delete"),
      // Nothing on persistentvolumeclaims: a StatefulSet's claims are its controller's.
      rule("", "pods", "get", "list", "watch"),
      rule("", "events", "create", "patch"));

  @TempDir Path tmp;

  // ---------------------------------------------------------------------------------------------
  // lint, CRD

  @Test
  void lintStrictIsClean() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    assertThat(result.getMessages())
        .as("no warnings or errors")
        .noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }

  @Test
  void rendersWithEveryOptionalPartEnabled() throws IOException {
    // helm-java 0.0.21 lint takes no values file: the non-default paths are checked by rendering them.
    assertThat(render("""
        watchNamespaces: [a, b]
        replicaCount: 2
        metrics: {serviceMonitor: {enabled: true}}
        """)).isNotEmpty();
  }

  @Test
  void chartCrdIsTheGeneratedCrdByteForByte() throws IOException {
    Path chartCrd = CHART.resolve("crds/runnergroups.runner.dev-v1.yml");
    Path rootCrd = Path.of("crds/runnergroups.runner.dev-v1.yml");
    assertThat(Files.mismatch(chartCrd, rootCrd)).as("%s differs from %s", chartCrd, rootCrd).isEqualTo(-1L);
    try (Stream<Path> files = Files.list(CHART.resolve("crds"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("runnergroups.runner.dev-v1.yml");
    }
  }

  @Test
  void templateDoesNotRenderTheCrdAsATemplate() throws IOException {
    assertThat(render("")).noneMatch(o -> o.getKind().equals("CustomResourceDefinition"));
  }

  @Test
  void valuesSchemaRejectsTyposAndWrongTypes() {
    assertThatThrownBy(() -> render("watchNamespace: [a]")).hasMessageContaining("watchNamespace");
    assertThatThrownBy(() -> render("logFormat: xml")).hasMessageContaining("logFormat");
    assertThatThrownBy(() -> render("leaderElection: {enabled: \"no\"}")).hasMessageContaining("enabled");
    assertThatThrownBy(() -> render("watchNamespaces: [Not_A_Namespace]")).hasMessageContaining("watchNamespaces");
  }

  // ---------------------------------------------------------------------------------------------
  // RBAC

  @Test
  void defaultWatchesAllNamespacesWithExactlyTheNeededClusterRules() throws IOException {
    List<HasMetadata> objects = render("");
    ClusterRole clusterRole = single(objects, ClusterRole.class);
    assertThat(normalized(clusterRole.getRules())).isEqualTo(normalized(WATCH_RULES));
    assertThat(clusterRole.getAggregationRule()).isNull();

    ClusterRoleBinding binding = single(objects, ClusterRoleBinding.class);
    assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(binding.getRoleRef().getName()).isEqualTo(clusterRole.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(this::isOperatorServiceAccount);

    // the only namespaced Role is the leader-election one
    assertThat(all(objects, Role.class)).singleElement().satisfies(r -> {
      assertThat(r.getMetadata().getName()).endsWith("-leader-election");
      assertThat(r.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    });
  }

  @Test
  void noWildcardAnywhereInAnyRule() throws IOException {
    for (String values : List.of("", "watchNamespaces: [a, b]", "leaderElection: {enabled: false}")) {
      List<HasMetadata> objects = render(values);
      Stream<PolicyRule> rules = Stream.concat(
          all(objects, ClusterRole.class).stream().flatMap(r -> r.getRules().stream()),
          all(objects, Role.class).stream().flatMap(r -> r.getRules().stream()));
      rules.forEach(rule -> assertThat(Stream.of(rule.getApiGroups(), rule.getResources(), rule.getVerbs(),
              rule.getResourceNames(), rule.getNonResourceURLs())
          .filter(Objects::nonNull).flatMap(List::stream))
          .as("rule %s (values: %s)", rule, values)
          .noneMatch(s -> s.contains("*")));
    }
  }

  @Test
  void listedNamespacesGetARoleAndBindingEachAndNoClusterRole() throws IOException {
    List<HasMetadata> objects = render("watchNamespaces: [a, b]");
    assertThat(all(objects, ClusterRole.class)).isEmpty();
    assertThat(all(objects, ClusterRoleBinding.class)).isEmpty();

    Map<String, Role> watchRoles = all(objects, Role.class).stream()
        .filter(r -> !r.getMetadata().getName().endsWith("-leader-election"))
        .collect(Collectors.toMap(r -> r.getMetadata().getNamespace(), r -> r));
    assertThat(watchRoles).containsOnlyKeys("a", "b");
    watchRoles.values().forEach(r -> assertThat(normalized(r.getRules())).isEqualTo(normalized(WATCH_RULES)));

    Map<String, RoleBinding> bindings = all(objects, RoleBinding.class).stream()
        .filter(r -> !r.getMetadata().getName().endsWith("-leader-election"))
        .collect(Collectors.toMap(r -> r.getMetadata().getNamespace(), r -> r));
    assertThat(bindings).containsOnlyKeys("a", "b");
    bindings.forEach((ns, b) -> {
      assertThat(b.getRoleRef().getKind()).isEqualTo("Role");
      assertThat(b.getRoleRef().getName()).isEqualTo(watchRoles.get(ns).getMetadata().getName());
      assertThat(b.getSubjects()).singleElement().satisfies(this::isOperatorServiceAccount);
    });

    assertThat(env(operator(single(objects, Deployment.class)))).containsEntry("WATCH_NAMESPACES", "a,b");
  }

  @Test
  void leaderElectionRoleIsLimitedToLeasesInTheReleaseNamespace() throws IOException {
    List<HasMetadata> objects = render("");
    Role lease = all(objects, Role.class).stream()
        .filter(r -> r.getMetadata().getName().endsWith("-leader-election")).findFirst().orElseThrow();
    assertThat(lease.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(normalized(lease.getRules())).isEqualTo(normalized(List.of(
        rule("coordination.k8s.io", "leases", "create"),
        new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases")
            .withResourceNames(RELEASE).withVerbs("get", "update", "patch").build())));
    RoleBinding binding = all(objects, RoleBinding.class).stream()
        .filter(r -> r.getMetadata().getName().endsWith("-leader-election")).findFirst().orElseThrow();
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(binding.getRoleRef().getName()).isEqualTo(lease.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(this::isOperatorServiceAccount);

    Map<String, String> env = env(operator(single(objects, Deployment.class)));
    assertThat(env).containsEntry("LEADER_ELECTION", "true")
        .containsEntry("LEADER_ELECTION_LEASE", RELEASE)
        .containsEntry("LEADER_ELECTION_NAMESPACE", NAMESPACE);
  }

  @Test
  void leaderElectionOffRendersNoLeaseRole() throws IOException {
    List<HasMetadata> objects = render("leaderElection: {enabled: false}");
    assertThat(all(objects, Role.class)).isEmpty();
    assertThat(all(objects, RoleBinding.class)).isEmpty();
    assertThat(single(objects, ClusterRole.class).getRules())
        .noneMatch(r -> r.getApiGroups().contains("coordination.k8s.io"));
    Map<String, String> env = env(operator(single(objects, Deployment.class)));
    assertThat(env).containsEntry("LEADER_ELECTION", "false")
        .doesNotContainKeys("LEADER_ELECTION_LEASE", "LEADER_ELECTION_NAMESPACE");
  }

  @Test
  void serviceAccountIsCreatedAndUsed() throws IOException {
    List<HasMetadata> objects = render("serviceAccount: {annotations: {eks.amazonaws.com/role-arn: x}}");
    ServiceAccount sa = single(objects, ServiceAccount.class);
    assertThat(sa.getMetadata().getName()).isEqualTo(RELEASE);
    assertThat(sa.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(sa.getMetadata().getAnnotations()).containsEntry("eks.amazonaws.com/role-arn", "x");
    assertThat(single(objects, Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(RELEASE);

    List<HasMetadata> external = render("serviceAccount: {create: false, name: existing}");
    assertThat(all(external, ServiceAccount.class)).isEmpty();
    assertThat(single(external, Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("existing");
    assertThat(single(external, ClusterRoleBinding.class).getSubjects())
        .extracting(Subject::getName).containsExactly("existing");
  }

  // ---------------------------------------------------------------------------------------------
  // Deployment

  @Test
  void podAndContainerAreLockedDown() throws IOException {
    PodSpec pod = single(render(""), Deployment.class).getSpec().getTemplate().getSpec();
    PodSecurityContext psc = pod.getSecurityContext();
    assertThat(psc.getRunAsNonRoot()).isTrue();
    assertThat(psc.getRunAsUser()).isPositive();
    assertThat(psc.getRunAsGroup()).isPositive();
    assertThat(psc.getFsGroup()).isPositive();
    assertThat(psc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

    assertThat(pod.getContainers()).hasSize(1);
    SecurityContext sc = operator(pod).getSecurityContext();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
  }

  @Test
  void tmpIsAWritableEmptyDir() throws IOException {
    PodSpec pod = single(render(""), Deployment.class).getSpec().getTemplate().getSpec();
    assertThat(operator(pod).getVolumeMounts()).singleElement().satisfies(m -> {
      assertThat(m.getMountPath()).isEqualTo("/tmp");
      assertThat(m.getReadOnly()).isNotEqualTo(Boolean.TRUE);
      Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(m.getName())).findFirst().orElseThrow();
      assertThat(volume.getEmptyDir()).isNotNull();
    });
  }

  @Test
  void probesAndPortMatchTheOperatorsHttpServer() throws IOException {
    Container c = operator(single(render(""), Deployment.class));
    assertThat(c.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("http");
      assertThat(p.getContainerPort()).isEqualTo(8080);
    });
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(env(c)).containsEntry("PORT", "8080");
  }

  @Test
  void imageCommandAndEnvironmentFollowTheValues() throws IOException {
    Container c = operator(single(render(""), Deployment.class));
    assertThat(c.getImage()).endsWith(":0.1.0"); // appVersion
    assertThat(c.getCommand()).as("the image's ENTRYPOINT runs `run`").isNullOrEmpty();
    assertThat(c.getArgs()).isNullOrEmpty();
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    Map<String, String> env = env(c);
    assertThat(env).containsEntry("WATCH_NAMESPACES", "")
        .containsEntry("LOG_LEVEL", "info")
        .containsEntry("LOG_FORMAT", "plain")
        .containsKey("JAVA_TOOL_OPTIONS");
    assertThat(env.get("JAVA_TOOL_OPTIONS")).contains("-XX:MaxRAMPercentage=75");
    EnvVar podNamespace = c.getEnv().stream().filter(e -> e.getName().equals("POD_NAMESPACE")).findFirst().orElseThrow();
    assertThat(podNamespace.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");

    Container custom = operator(single(render("""
        image: {repository: example.org/ro, tag: "1.2.3", pullPolicy: Always}
        logLevel: debug
        logFormat: json
        javaToolOptions: "-XX:MaxRAMPercentage=50"
        extraEnv: [{name: FOO, value: bar}]
        """), Deployment.class));
    assertThat(custom.getImage()).isEqualTo("example.org/ro:1.2.3");
    assertThat(custom.getImagePullPolicy()).isEqualTo("Always");
    assertThat(env(custom)).containsEntry("LOG_LEVEL", "debug")
        .containsEntry("LOG_FORMAT", "json")
        .containsEntry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=50")
        .containsEntry("FOO", "bar");
  }

  @Test
  void replicasFollowTheValueAndHaRequiresLeaderElection() throws IOException {
    assertThat(single(render(""), Deployment.class).getSpec().getReplicas()).isEqualTo(1);
    assertThat(single(render("replicaCount: 2"), Deployment.class).getSpec().getReplicas()).isEqualTo(2);
    assertThatThrownBy(() -> render("replicaCount: 2\nleaderElection: {enabled: false}"))
        .hasMessageContaining("requires leaderElection.enabled");
  }

  @Test
  void schedulingAndPodMetadataFollowTheValues() throws IOException {
    Deployment d = single(render("""
        nodeSelector: {kubernetes.io/os: linux}
        tolerations: [{key: dedicated, operator: Equal, value: ops, effect: NoSchedule}]
        affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [z1]}]}]}}}
        podAnnotations: {example.org/a: "1"}
        podLabels: {team: ops}
        """), Deployment.class);
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(pod.getAffinity().getNodeAffinity()).isNotNull();
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("example.org/a", "1");
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("team", "ops");
    assertThat(d.getSpec().getSelector().getMatchLabels()).doesNotContainKey("team");
  }

  @Test
  void everyObjectHasTheStandardLabels() throws IOException {
    for (HasMetadata o : render("metrics: {serviceMonitor: {enabled: true}}")) {
      assertThat(o.getMetadata().getLabels()).as("%s %s", o.getKind(), o.getMetadata().getName())
          .containsEntry("app.kubernetes.io/name", "runner-operator")
          .containsEntry("app.kubernetes.io/instance", RELEASE)
          .containsEntry("app.kubernetes.io/version", "0.1.0")
          .containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsEntry("helm.sh/chart", "runner-operator-0.1.0");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // metrics

  @Test
  void metricsServiceTargetsTheHttpPortAndServiceMonitorIsOptional() throws IOException {
    List<HasMetadata> objects = render("");
    Service service = single(objects, Service.class);
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(8080);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
    });
    assertThat(service.getSpec().getSelector())
        .isEqualTo(single(objects, Deployment.class).getSpec().getSelector().getMatchLabels());
    assertThat(objects).noneMatch(o -> o.getKind().equals("ServiceMonitor"));

    List<HasMetadata> withMonitor = render("metrics: {serviceMonitor: {enabled: true, labels: {release: prom}}}");
    HasMetadata monitor = withMonitor.stream().filter(o -> o.getKind().equals("ServiceMonitor")).findFirst().orElseThrow();
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prom");
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) ((io.fabric8.kubernetes.api.model.GenericKubernetesResource) monitor)
        .getAdditionalProperties().get("spec");
    @SuppressWarnings("unchecked")
    Map<String, Object> endpoint = ((List<Map<String, Object>>) spec.get("endpoints")).get(0);
    assertThat(endpoint).containsEntry("port", service.getSpec().getPorts().get(0).getName())
        .containsEntry("path", "/metrics");

    assertThat(render("metrics: {service: {enabled: false}}")).noneMatch(o -> o instanceof Service);
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  List<HasMetadata> render(String values) throws IOException {
    TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
        .withKubeVersion(KUBE_VERSION);
    if (!values.isBlank()) {
      Path file = Files.createTempFile(tmp, "values", ".yaml");
      Files.writeString(file, values);
      template.withValuesFile(file);
    }
    String manifest = template.call();
    return Arrays.stream(manifest.split("(?m)^---\\s*$"))
        .filter(doc -> doc.lines().anyMatch(l -> !l.isBlank() && !l.startsWith("#")))
        .map(doc -> (HasMetadata) Serialization.unmarshal(doc))
        .toList();
  }

  static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> T single(List<HasMetadata> objects, Class<T> type) {
    List<T> found = all(objects, type);
    assertThat(found).as("exactly one %s", type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  static Container operator(Deployment deployment) {
    return operator(deployment.getSpec().getTemplate().getSpec());
  }

  static Container operator(PodSpec pod) {
    return pod.getContainers().stream().filter(c -> c.getName().equals("operator")).findFirst().orElseThrow();
  }

  static Map<String, String> env(Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    c.getEnv().forEach(e -> env.put(e.getName(), e.getValue() == null ? "<valueFrom>" : e.getValue()));
    return env;
  }

  void isOperatorServiceAccount(Subject s) {
    assertThat(s.getKind()).isEqualTo("ServiceAccount");
    assertThat(s.getName()).isEqualTo(RELEASE);
    assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
  }

  static PolicyRule rule(String group, String resource, String... verbs) {
    return new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verbs).build();
  }

  /** Rules compared as a set of (groups, resources, names, verbs), each list order-insensitive. */
  static java.util.Set<List<java.util.Set<String>>> normalized(List<PolicyRule> rules) {
    return rules.stream().map(r -> List.of(set(r.getApiGroups()), set(r.getResources()), set(r.getResourceNames()),
        set(r.getVerbs()), set(r.getNonResourceURLs()))).collect(Collectors.toSet());
  }

  static java.util.Set<String> set(List<String> values) {
    return values == null ? java.util.Set.of() : java.util.Set.copyOf(values);
  }
}
