package dev.runner.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RestartConfig;
import dev.runner.api.RestartPolicy;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServiceSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GroupPlanTest {

  static PodTemplateSpec template(String image) {
    return new PodTemplateSpecBuilder().withNewSpec().addNewContainer().withName("main").withImage(image).endContainer().endSpec().build();
  }

  static ServiceSpec service(String name, String... dependsOn) {
    ServiceSpec service = new ServiceSpec();
    service.setName(name);
    service.setDependsOn(new ArrayList<>(List.of(dependsOn)));
    service.setTemplate(template("busybox:1.36"));
    return service;
  }

  static ServiceSpec service(String name, Consumer<ServiceSpec> change) {
    ServiceSpec service = service(name);
    change.accept(service);
    return service;
  }

  static RunnerGroupSpec spec(ServiceSpec... services) {
    RunnerGroupSpec spec = new RunnerGroupSpec();
    spec.setServices(new ArrayList<>(List.of(services)));
    return spec;
  }

  static List<String> errors(String group, RunnerGroupSpec spec) {
    GroupPlan plan = GroupPlan.of(group, spec);
    assertThat(plan.valid()).isFalse();
    assertThat(plan.graph()).isNull();
    assertThat(plan.services()).isEmpty();
    return plan.errors();
  }

  @Test
  void validGroupGivesServicePlansWithResolvedSettings() {
    RunnerGroupSpec spec = spec(
        service("database", s -> s.setRestartConfig(config(c -> c.setPolicy(RestartPolicy.Always)))),
        service("api", s -> {
          s.setDependsOn(List.of("database"));
          s.setStartDelay("2s");
          s.setReplicas(3);
          s.setRestartConfig(config(c -> c.setMaxBackoff("30s")));
        }));
    spec.setRestartConfig(config(c -> {
      c.setMaxRetries(0);
      c.setInitialBackoff("500ms");
    }));

    GroupPlan plan = GroupPlan.of("shop", spec);

    assertThat(plan.errors()).isEmpty();
    assertThat(plan.valid()).isTrue();
    assertThat(plan.graph().startWaves()).containsExactly(List.of("database"), List.of("api"));
    assertThat(plan.services()).containsOnlyKeys("database", "api");

    GroupPlan.ServicePlan database = plan.services().get("database");
    assertThat(database.dependsOn()).isEmpty();
    assertThat(database.startDelay()).isEqualTo(Duration.ZERO);
    assertThat(database.replicas()).isEqualTo(1);
    assertThat(database.restart()).isEqualTo(new RestartSettings(RestartPolicy.Always, 0, Duration.ofMillis(500),
        Duration.ofSeconds(60), 2.0, true, Duration.ofMinutes(10)));
    assertThat(database.spec()).isSameAs(spec.getServices().get(0));

    GroupPlan.ServicePlan api = plan.services().get("api");
    assertThat(api.name()).isEqualTo("api");
    assertThat(api.dependsOn()).containsExactly("database");
    assertThat(api.startDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(api.replicas()).isEqualTo(3);
    assertThat(api.restart()).isEqualTo(new RestartSettings(RestartPolicy.OnFailure, 0, Duration.ofMillis(500),
        Duration.ofSeconds(30), 2.0, true, Duration.ofMinutes(10)));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"API", "my_api", "-api", "api-", "a.b", "ápi", "a b"})
  void namesMustBeDnsLabels(String name) {
    assertThat(errors("shop", spec(service(name)))).containsExactly("service " + name
        + ": the name must be a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit)");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"a", "0", "a-b", "web-2", "x1-y2-z3"})
  void dnsLabelsAreAccepted(String name) {
    assertThat(GroupPlan.of("shop", spec(service(name))).errors()).isEmpty();
  }

  @Test
  void serviceNameAtMost40Characters() {
    String forty = "a".repeat(40);
    assertThat(GroupPlan.of("g", spec(service(forty))).errors()).isEmpty();
    assertThat(errors("g", spec(service(forty + "b"))))
        .containsExactly("service " + forty + "b: the name is 41 characters long; at most 40 are allowed");
  }

  @Test
  void deploymentNameAtMost63Characters() {
    String service = "s".repeat(40);
    String group = "g".repeat(22); // 22 + 1 + 40 = 63
    assertThat(GroupPlan.of(group, spec(service(service))).errors()).isEmpty();
    assertThat(errors(group + "g", spec(service(service)))).containsExactly("service " + service
        + ": the Deployment name \"" + group + "g-" + service
        + "\" would be longer than 63 characters: shorten the group name or the service name");
  }

  @Test
  void emptyServices() {
    assertThat(errors("shop", spec())).containsExactly("spec.services is empty: a group needs at least one service");
    assertThat(errors("shop", null)).containsExactly("spec.services is empty: a group needs at least one service");
  }

  @Test
  void tooManyServices() {
    List<ServiceSpec> services = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      services.add(service("s" + i));
    }
    RunnerGroupSpec spec = new RunnerGroupSpec();
    spec.setServices(services);
    assertThat(errors("shop", spec)).containsExactly("spec.services has 101 services; at most 100 are allowed");
  }

  @Test
  void missingName() {
    assertThat(errors("shop", spec(service(null), service("")))).containsExactly(
        "spec.services[0]: name is required",
        "spec.services[1]: name is required");
  }

  @Test
  void missingContainers() {
    ServiceSpec noTemplate = service("a", s -> s.setTemplate(null));
    ServiceSpec noSpec = service("b", s -> s.setTemplate(new PodTemplateSpec()));
    ServiceSpec noContainers = service("c", s -> s.setTemplate(new PodTemplateSpecBuilder().withNewSpec().endSpec().build()));
    assertThat(errors("shop", spec(noTemplate, noSpec, noContainers))).containsExactly(
        "service a: template.spec.containers must list at least one container",
        "service b: template.spec.containers must list at least one container",
        "service c: template.spec.containers must list at least one container");
  }

  @Test
  void podTemplateFaultsTheApiServerWouldRefuseAreCaughtInThePlan() {
    ServiceSpec badName = service("a", s -> s.getTemplate().getSpec().getContainers().get(0).setName("Web_1"));
    ServiceSpec noImage = service("b", s -> s.getTemplate().getSpec().getContainers().get(0).setImage(""));
    ServiceSpec onFailure = service("c", s -> s.getTemplate().getSpec().setRestartPolicy("OnFailure"));
    ServiceSpec initPolicy = service("d", s -> s.getTemplate().getSpec().setInitContainers(List.of(
        new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("init").withImage("x").withRestartPolicy("OnFailure").build(),
        new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("main").withImage("x").build())));
    assertThat(errors("shop", spec(badName, noImage, onFailure, initPolicy))).containsExactly(
        "service a: template.spec.containers: container name \"Web_1\" must be a DNS label (lower-case letters, digits "
            + "and '-', at most 63 characters)",
        "service b: template.spec.containers: container \"main\" needs an image",
        "service c: template.spec.restartPolicy is OnFailure; a Deployment's pods must have Always (the service's "
            + "restartConfig.policy says what the operator does after an exit)",
        "service d: template.spec.initContainers: container \"init\" has restartPolicy OnFailure; an init container may "
            + "only have Always (a native sidecar)",
        "service d: template.spec.containers: container name \"main\" is used twice");
    ServiceSpec sidecar = service("e", s -> s.getTemplate().getSpec().setInitContainers(List.of(
        new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("proxy").withImage("x").withRestartPolicy("Always").build())));
    assertThat(GroupPlan.of("shop", spec(sidecar)).errors()).isEmpty();
  }

  @ParameterizedTest(name = "replicas {0}")
  @ValueSource(ints = {0, -1, 1001})
  void replicasOutOfRange(int replicas) {
    assertThat(errors("shop", spec(service("api", s -> s.setReplicas(replicas)))))
        .containsExactly("service api: replicas must be between 1 and 1000, not " + replicas);
  }

  @Test
  void tooManyDependencies() {
    List<ServiceSpec> services = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 33; i++) {
      services.add(service("d" + i));
      names.add("d" + i);
    }
    services.add(service("api", names.toArray(String[]::new)));
    RunnerGroupSpec spec = new RunnerGroupSpec();
    spec.setServices(services);
    assertThat(errors("shop", spec)).containsExactly("service api: dependsOn lists 33 services; at most 32 are allowed");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"1.5s", "-2s", "soon", "2"})
  void malformedStartDelay(String delay) {
    assertThat(errors("shop", spec(service("api", s -> s.setStartDelay(delay))))).containsExactly("service api: startDelay \""
        + delay + "\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h");
  }

  @Test
  void restartConfigErrorsNameTheService() {
    assertThat(errors("shop", spec(service("api", s -> s.setRestartConfig(config(c -> c.setMaxRetries(-1)))))))
        .containsExactly("service api: restartConfig.maxRetries must be 0 (unlimited) or more, not -1");
  }

  @Test
  void groupRestartConfigErrorIsReportedOnceNotPerService() {
    RunnerGroupSpec spec = spec(service("a"), service("b"),
        service("c", s -> s.setRestartConfig(config(c -> c.setMaxRetries(-3)))));
    spec.setRestartConfig(config(c -> c.setMultiplier(0.5)));
    assertThat(errors("shop", spec)).containsExactly(
        "spec: restartConfig.multiplier must be at least 1, not 0.5",
        "service c: restartConfig.maxRetries must be 0 (unlimited) or more, not -3");
  }

  @Test
  void serviceOverridingABadGroupFieldIsFine() {
    RunnerGroupSpec spec = spec(service("a"), service("b", s -> s.setRestartConfig(config(c -> c.setMultiplier(1.5)))));
    spec.setRestartConfig(config(c -> c.setMultiplier(0.5)));
    assertThat(errors("shop", spec)).containsExactly("spec: restartConfig.multiplier must be at least 1, not 0.5");
  }

  @Test
  void maxBackoffFromTheServiceBelowInitialBackoffFromTheGroup() {
    RunnerGroupSpec spec = spec(service("a"), service("b", s -> s.setRestartConfig(config(c -> c.setMaxBackoff("5s")))));
    spec.setRestartConfig(config(c -> c.setInitialBackoff("10s")));
    assertThat(errors("shop", spec))
        .containsExactly("service b: restartConfig.maxBackoff (5s) must not be shorter than initialBackoff (10s)");
  }

  @Test
  void graphErrorsAreReported() {
    assertThat(errors("shop", spec(service("a", "b"), service("b", "a"), service("c", "ghost"), service("d", "d"))))
        .containsExactly(
            "service \"c\" depends on \"ghost\", which is not a service of this group",
            "service \"d\" depends on itself",
            "dependency cycle: a -> b -> a");
  }

  @Test
  void duplicateNames() {
    assertThat(errors("shop", spec(service("a"), service("a"))))
        .containsExactly("duplicate service name \"a\": service names must be unique");
  }

  @Test
  void allErrorsReportedTogether() {
    RunnerGroupSpec spec = spec(
        service("Bad_Name"),
        service("a", s -> {
          s.setDependsOn(List.of("b"));
          s.setStartDelay("1.5s");
        }),
        service("b", s -> {
          s.setDependsOn(List.of("a", "ghost"));
          s.setReplicas(0);
          s.setTemplate(null);
        }),
        service("c", s -> s.setRestartConfig(config(c -> c.setInitialBackoff("2m")))),
        service("a"));
    assertThat(errors("shop", spec)).containsExactly(
        "service Bad_Name: the name must be a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit)",
        "service a: startDelay \"1.5s\" is not a duration: use whole units such as 500ms, 2s, 1m30s or 1h",
        "service b: replicas must be between 1 and 1000, not 0",
        "service b: template.spec.containers must list at least one container",
        "service c: restartConfig.maxBackoff (1m0s) must not be shorter than initialBackoff (2m0s)",
        "duplicate service name \"a\": service names must be unique",
        "service \"b\" depends on \"ghost\", which is not a service of this group",
        "dependency cycle: a -> b -> a");
  }

  @Test
  void withoutAGroupNameTheDeploymentNameIsNotChecked() {
    assertThat(GroupPlan.of(null, spec(service("a".repeat(40)))).errors()).isEmpty();
  }

  static RestartConfig config(Consumer<RestartConfig> fields) {
    RestartConfig config = new RestartConfig();
    fields.accept(config);
    return config;
  }
}
