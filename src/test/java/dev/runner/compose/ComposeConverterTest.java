package dev.runner.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RestartConfig;
import dev.runner.api.RestartPolicy;
import dev.runner.api.ServiceSpec;
import dev.runner.api.WorkloadKind;
import dev.runner.compose.Finding.Severity;
import dev.runner.core.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComposeConverterTest {
  @TempDir
  Path dir;

  ComposeConverter.Conversion convert(String yaml) throws IOException, ComposeException {
    Path file = dir.resolve("compose.yaml");
    Files.writeString(file, yaml);
    return ComposeConverter.convert(new ComposeReader(Map.of()).read(List.of(file), ComposeReader.Options.defaults()), null);
  }

  static ServiceSpec spec(ComposeConverter.Conversion conversion, String name) {
    return conversion.group().getSpec().getServices().stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
  }

  static Container container(ComposeConverter.Conversion conversion, String name) {
    return spec(conversion, name).getTemplate().getSpec().getContainers().get(0);
  }

  static Service service(ComposeConverter.Conversion conversion, String name) {
    return conversion.services().stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst().orElseThrow();
  }

  static List<String> lines(ComposeConverter.Conversion conversion, Severity severity) {
    return conversion.findings().stream().filter(f -> f.severity() == severity).map(Finding::line).toList();
  }

  @Test
  void theContainerIsTheImageEntrypointCommandEnvironmentWorkingDirAndUser() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          app:
            image: app:1
            entrypoint: ["/init", "--"]
            command: serve --port 80
            environment: {A: "1", B: two}
            working_dir: /srv
            user: "1000:2000"
        """);
    Container c = container(conversion, "app");
    assertThat(c.getName()).isEqualTo("app");
    assertThat(c.getImage()).isEqualTo("app:1");
    assertThat(c.getCommand()).containsExactly("/init", "--");
    assertThat(c.getArgs()).containsExactly("serve", "--port", "80");
    assertThat(c.getEnv()).extracting(e -> e.getName() + "=" + e.getValue()).containsExactly("A=1", "B=two");
    assertThat(c.getWorkingDir()).isEqualTo("/srv");
    assertThat(c.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
    assertThat(c.getSecurityContext().getRunAsGroup()).isEqualTo(2000L);
    assertThat(conversion.findings()).isEmpty();
    assertThat(conversion.hasErrors()).isFalse();
  }

  @Test
  void kubernetesExpansionIsEscapedInCommandArgsAndEnvironment() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          app:
            image: x
            entrypoint: ["sh", "-c", "echo $(hostname)"]
            command: ["echo", "$$(date)", "$$$$HOME", "$$HOME"]
            environment: {PATH_COPY: "$$(PATH)", PRICE: "$$5"}
        """);
    Container c = container(conversion, "app");
    assertThat(c.getCommand()).containsExactly("sh", "-c", "echo $$(hostname)");
    // Compose made these $(date), $$HOME and $HOME; Kubernetes reads $$ as $ and $(X) as a variable.
    assertThat(c.getArgs()).containsExactly("echo", "$$(date)", "$$$HOME", "$HOME");
    assertThat(c.getEnv()).extracting(e -> e.getValue()).containsExactly("$$(PATH)", "$5");
    assertThat(ComposeConverter.escapeExpansion("no dollar")).isEqualTo("no dollar");
    assertThat(ComposeConverter.escapeExpansion("a$b $")).isEqualTo("a$b $");
  }

  @Test
  void aUserByNameIsAWarning() throws Exception {
    ComposeConverter.Conversion conversion = convert("services:\n  app: {image: x, user: postgres}\n");
    assertThat(container(conversion, "app").getSecurityContext()).isNull();
    assertThat(lines(conversion, Severity.WARNING)).containsExactly(
        "warning: service app: user: \"postgres\" is not mapped: Kubernetes runs a container as a numeric user; "
            + "write the user's id (user: \"1000\" or \"1000:1000\")");
  }

  @Test
  void portsAndExposeMakeContainerPortsAndAClusterIpServiceAndNoPortsAHeadlessOne() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          web: {image: x, ports: ["8080:80", "53:53/udp"], expose: ["9000", "80"]}
          db: {image: x}
        """);
    assertThat(container(conversion, "web").getPorts()).extracting(p -> p.getContainerPort() + "/" + p.getProtocol())
        .containsExactly("80/TCP", "53/UDP", "9000/TCP");
    Service web = service(conversion, "web");
    assertThat(web.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(web.getSpec().getPorts()).extracting(p -> p.getName() + ":" + p.getPort() + "->" + p.getTargetPort().getIntVal())
        .containsExactly("tcp-80:80->80", "udp-53:53->53", "tcp-9000:9000->9000");
    assertThat(web.getSpec().getSelector()).containsExactly(Map.entry(Names.GROUP_LABEL, dir.getFileName().toString()),
        Map.entry(Names.SERVICE_LABEL, "web"));
    Service db = service(conversion, "db");
    assertThat(db.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(db.getSpec().getPorts()).isEmpty();
    assertThat(db.getSpec().getSelector()).containsEntry(Names.SERVICE_LABEL, "db");
    assertThat(lines(conversion, Severity.NOTE)).anySatisfy(line -> assertThat(line)
        .contains("published port 8080").contains("kubectl port-forward service/web 8080:80"));
  }

  @Test
  void healthchecksAreExecReadinessProbes() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          cmd:
            image: x
            healthcheck: {test: ["CMD", "pg_isready", "-U", "app"], interval: 1m30s, timeout: 1500ms, retries: 7, start_period: 40s}
          shell:
            image: x
            healthcheck: {test: ["CMD-SHELL", "curl -f http://localhost || exit 1"]}
          string:
            image: x
            healthcheck: {test: "wget -q localhost"}
          none:
            image: x
            healthcheck: {test: ["NONE"]}
          disabled:
            image: x
            healthcheck: {test: ["CMD", "true"], disable: true}
          wrong:
            image: x
            healthcheck: {test: ["RUN", "true"]}
        """);
    Probe cmd = container(conversion, "cmd").getReadinessProbe();
    assertThat(cmd.getExec().getCommand()).containsExactly("pg_isready", "-U", "app");
    assertThat(cmd.getPeriodSeconds()).isEqualTo(90);
    assertThat(cmd.getTimeoutSeconds()).isEqualTo(2);
    assertThat(cmd.getFailureThreshold()).isEqualTo(7);
    assertThat(cmd.getInitialDelaySeconds()).isNull();
    Probe shell = container(conversion, "shell").getReadinessProbe();
    assertThat(shell.getExec().getCommand()).containsExactly("/bin/sh", "-c", "curl -f http://localhost || exit 1");
    assertThat(shell.getPeriodSeconds()).isEqualTo(30);
    assertThat(shell.getTimeoutSeconds()).isEqualTo(30);
    assertThat(shell.getFailureThreshold()).isEqualTo(3);
    assertThat(container(conversion, "string").getReadinessProbe().getExec().getCommand())
        .containsExactly("/bin/sh", "-c", "wget -q localhost");
    assertThat(container(conversion, "none").getReadinessProbe()).isNull();
    assertThat(container(conversion, "disabled").getReadinessProbe()).isNull();
    assertThat(lines(conversion, Severity.ERROR)).containsExactly(
        "error: service wrong: healthcheck.test: a test list must start with CMD, CMD-SHELL or NONE, not RUN; "
            + "write [\"CMD\", ...] or [\"CMD-SHELL\", \"...\"]");
    assertThat(conversion.names()).doesNotContainKey("wrong");
  }

  @Test
  void aMalformedDurationIsAnErrorForThatService() throws Exception {
    ComposeConverter.Conversion conversion = convert("services:\n  a: {image: x, healthcheck: {test: [CMD, x], interval: 5}}\n"
        + "  b: {image: x}\n");
    assertThat(lines(conversion, Severity.ERROR)).containsExactly(
        "error: service a: healthcheck.interval: \"5\" is not a duration; write e.g. 10s, 1m30s or 500ms");
    assertThat(conversion.group().getSpec().getServices()).extracting(ServiceSpec::getName).containsExactly("b");
  }

  @Test
  void dependsOnConditionsBecomeDependsOnAndACompletedDependencyAJob() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          db: {image: x, healthcheck: {test: [CMD, ready]}}
          migrate: {image: x, depends_on: {db: {condition: service_healthy}}, restart: always}
          cache: {image: x}
          api:
            image: x
            depends_on:
              migrate: {condition: service_completed_successfully}
              cache: {condition: service_started, restart: true}
              db: {condition: service_started}
              metrics: {condition: service_started, required: false}
        """);
    assertThat(spec(conversion, "api").getDependsOn()).containsExactly("migrate", "cache", "db");
    assertThat(spec(conversion, "migrate").getDependsOn()).containsExactly("db");
    assertThat(spec(conversion, "migrate").kind()).isEqualTo(WorkloadKind.Job);
    assertThat(spec(conversion, "db").kind()).isEqualTo(WorkloadKind.Deployment);
    assertThat(spec(conversion, "db").getKind()).isNull();
    // A Job is never Always (the CRD refuses it): restart: always becomes OnFailure, unlimited.
    assertThat(spec(conversion, "migrate").getRestartConfig().getPolicy()).isEqualTo(RestartPolicy.OnFailure);
    assertThat(spec(conversion, "migrate").getRestartConfig().getMaxRetries()).isZero();
    assertThat(conversion.findings()).extracting(f -> f.severity() + " " + f.service() + " " + f.key()).containsExactly(
        "WARNING migrate restart",
        "WARNING api depends_on.cache.restart",
        "NOTE api depends_on.db",
        "NOTE api depends_on");
  }

  @Test
  void aRequiredDependencyThatIsMissingOrDisabledIsAnErrorAndItsDependentsAreLeftOut() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          tools: {image: x, profiles: [debug]}
          api: {image: x, depends_on: [tools]}
          web: {image: x, depends_on: [api]}
          typo: {image: x, depends_on: [dbb]}
          ok: {image: x}
        """);
    assertThat(lines(conversion, Severity.ERROR)).containsExactly(
        "error: service api: depends_on: tools is disabled (its profiles are off); enable its profile with --profile",
        "error: service typo: depends_on: there is no service dbb; fix the name",
        "error: service web: depends_on: it depends on api, which is not converted (see above); fix api, or remove the dependency");
    assertThat(conversion.group().getSpec().getServices()).extracting(ServiceSpec::getName).containsExactly("ok");
    assertThat(conversion.services()).extracting(s -> s.getMetadata().getName()).containsExactly("ok");
  }

  @Test
  void aCycleInDependsOnIsAnError() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          a: {image: x, depends_on: [b]}
          b: {image: x, depends_on: [a]}
        """);
    assertThat(conversion.hasErrors()).isTrue();
    assertThat(lines(conversion, Severity.ERROR)).singleElement().satisfies(line -> assertThat(line)
        .startsWith("error: depends_on: the group would be invalid: ").contains("cycle"));
  }

  @Test
  void restartAndDeployRestartPolicyBecomeRestartConfig() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          none: {image: x}
          no: {image: x, restart: no}
          always: {image: x, restart: always}
          unless: {image: x, restart: unless-stopped}
          failure: {image: x, restart: on-failure}
          three: {image: x, restart: "on-failure:3"}
          swarm:
            image: x
            deploy: {restart_policy: {condition: on-failure, delay: 5s, max_attempts: 4, window: 2m}}
          any:
            image: x
            deploy: {restart_policy: {delay: 1500ms}}
          both:
            image: x
            restart: "no"
            deploy: {restart_policy: {condition: any, window: 30s}}
          bad: {image: x, restart: sometimes}
        """);
    assertThat(restart(conversion, "none")).isEqualTo("Never null");
    assertThat(restart(conversion, "no")).isEqualTo("Never null");
    assertThat(restart(conversion, "always")).isEqualTo("Always 0");
    assertThat(restart(conversion, "unless")).isEqualTo("Always 0");
    assertThat(restart(conversion, "failure")).isEqualTo("OnFailure 0");
    assertThat(restart(conversion, "three")).isEqualTo("OnFailure 3");
    RestartConfig swarm = spec(conversion, "swarm").getRestartConfig();
    assertThat(restart(conversion, "swarm")).isEqualTo("OnFailure 4");
    assertThat(List.of(swarm.getInitialBackoff(), swarm.getMaxBackoff(), swarm.getMultiplier(), swarm.getResetAfter()))
        .containsExactly("5s", "5s", 1.0, "120s");
    assertThat(restart(conversion, "any")).isEqualTo("Always 0");
    assertThat(spec(conversion, "any").getRestartConfig().getInitialBackoff()).isEqualTo("1500ms");
    assertThat(restart(conversion, "both")).isEqualTo("Never null");
    assertThat(spec(conversion, "both").getRestartConfig().getResetAfter()).isEqualTo("30s");
    assertThat(conversion.findings()).extracting(f -> f.severity() + " " + f.service() + " " + f.key())
        .containsExactly("NOTE both deploy.restart_policy.condition", "ERROR bad restart");
  }

  static String restart(ComposeConverter.Conversion conversion, String service) {
    RestartConfig config = spec(conversion, service).getRestartConfig();
    return config.getPolicy() + " " + config.getMaxRetries();
  }

  @Test
  void replicasAndResources() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          api:
            image: x
            deploy:
              replicas: 3
              resources:
                limits: {cpus: "1.5", memory: 1G, pids: 100}
                reservations: {cpus: "0.25", memory: 256m}
          old: {image: x, scale: 2}
          one: {image: x, deploy: {replicas: 1}}
          zero: {image: x, deploy: {replicas: 0}}
        """);
    assertThat(spec(conversion, "api").getReplicas()).isEqualTo(3);
    assertThat(spec(conversion, "old").getReplicas()).isEqualTo(2);
    assertThat(spec(conversion, "one").getReplicas()).isNull();
    assertThat(spec(conversion, "zero").getReplicas()).isNull();
    var resources = container(conversion, "api").getResources();
    assertThat(resources.getLimits()).containsEntry("cpu", new Quantity("1500m")).containsEntry("memory", new Quantity("1Gi"));
    assertThat(resources.getRequests()).containsEntry("cpu", new Quantity("250m")).containsEntry("memory", new Quantity("256Mi"));
    assertThat(conversion.findings()).extracting(f -> f.severity() + " " + f.service() + " " + f.key())
        .containsExactly("WARNING api deploy.resources.limits.pids", "WARNING zero deploy.replicas");
  }

  @Test
  void aNamedVolumeMakesAStatefulSetWithAClaimAndOthersAreEmptyDirsOrReported() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          db:
            image: x
            volumes: ["db_data:/var/lib/data", "/scratch", {type: tmpfs, target: /run}, "./conf:/etc/conf:ro"]
          reader: {image: x, volumes: ["db_data:/data:ro"]}
          undeclared: {image: x, volumes: ["nope:/x"]}
        volumes: {db_data: {driver: local}}
        """);
    ServiceSpec db = spec(conversion, "db");
    assertThat(db.kind()).isEqualTo(WorkloadKind.StatefulSet);
    assertThat(db.getVolumeClaimTemplates()).singleElement().satisfies(claim -> {
      assertThat(claim.getMetadata().getName()).isEqualTo("db-data");
      assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
      assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("1Gi"));
    });
    Container c = container(conversion, "db");
    assertThat(c.getVolumeMounts()).extracting(m -> m.getName() + ":" + m.getMountPath())
        .containsExactly("db-data:/var/lib/data", "tmp-1:/scratch", "tmp-2:/run");
    assertThat(db.getTemplate().getSpec().getVolumes()).extracting(v -> v.getName() + ":" + v.getEmptyDir().getMedium())
        .containsExactly("tmp-1:null", "tmp-2:Memory");
    assertThat(container(conversion, "reader").getVolumeMounts().get(0).getReadOnly()).isTrue();
    assertThat(conversion.findings()).extracting(f -> f.severity() + " " + f.service() + " " + f.key()).containsExactly(
        "WARNING  volumes.db_data", "WARNING db volumes", "NOTE db volumes", "WARNING reader volumes", "NOTE reader volumes",
        "ERROR undeclared volumes");
    assertThat(lines(conversion, Severity.WARNING).get(1)).contains("bind mount of ./conf");
  }

  @Test
  void aServiceNamedAsAStatefulSetsHeadlessServiceIsAnError() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        name: app
        services:
          db: {image: x, volumes: ["data:/data"]}
          app-db: {image: x}
        volumes: {data: {}}
        """);
    assertThat(lines(conversion, Severity.ERROR)).containsExactly("error: services: the Service app-db of the service named "
        + "so would take the name of the headless Service the operator makes for the StatefulSet db; rename one of them, "
        + "or give another --name");
  }

  @Test
  void labelsBecomePodAnnotations() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          web: {image: x, labels: ["com.example.description=Accounting web app", "tier=front"]}
        """);
    assertThat(spec(conversion, "web").getTemplate().getMetadata().getAnnotations())
        .containsExactly(Map.entry("com.example.description", "Accounting web app"), Map.entry("tier", "front"));
  }

  @Test
  void namesThatAreNotDnsLabelsAreMadeOneAndReported() throws Exception {
    Path file = dir.resolve("My_Project.v2").resolve("compose.yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, """
        services:
          Web_App: {image: x, depends_on: [db.primary]}
          db.primary: {image: x}
          web-app: {image: x}
          2fa: {image: x}
        """);
    ComposeConverter.Conversion conversion = ComposeConverter.convert(
        new ComposeReader(Map.of()).read(List.of(file), ComposeReader.Options.defaults()), "ns");
    assertThat(conversion.group().getMetadata().getName()).isEqualTo("my-project-v2");
    assertThat(conversion.group().getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(conversion.names()).containsExactly(Map.entry("Web_App", "web-app"), Map.entry("db.primary", "db-primary"),
        Map.entry("2fa", "s-2fa"));
    assertThat(spec(conversion, "web-app").getDependsOn()).containsExactly("db-primary");
    assertThat(service(conversion, "db-primary").getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(conversion.findings()).extracting(f -> f.severity() + " " + f.service()).containsExactly(
        "NOTE ", "NOTE Web_App", "NOTE db.primary", "ERROR web-app", "NOTE 2fa");
    assertThat(lines(conversion, Severity.NOTE).get(1)).isEqualTo("note: service Web_App: renamed web-app (Kubernetes names "
        + "are DNS labels, a Service's starts with a letter): the other services reach it as web-app; change the host names "
        + "that use Web_App");
  }

  @Test
  void buildWithoutImageIsAnErrorAndWithAnImageANote() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          only: {build: .}
          both: {build: {context: .}, image: reg/app:1}
          nothing: {command: x}
        """);
    assertThat(conversion.hasErrors()).isTrue();
    assertThat(conversion.group().getSpec().getServices()).extracting(ServiceSpec::getName).containsExactly("both");
    assertThat(conversion.findings()).extracting(f -> f.severity() + " " + f.service() + " " + f.key())
        .containsExactly("ERROR only build", "NOTE both build", "ERROR nothing image");
  }

  @Test
  void everyKeyThatIsNotMappedIsOneFinding() throws Exception {
    ComposeConverter.Conversion conversion = convert("""
        services:
          web:
            image: x
            network_mode: host
            privileged: true
            devices: ["/dev/ttyUSB0:/dev/ttyUSB0"]
            container_name: my-web
            ports: [{target: 80, mode: host}]
        """);
    assertThat(conversion.findings()).extracting(f -> f.severity() + " " + f.key()).containsExactly(
        "WARNING network_mode", "WARNING privileged", "WARNING devices", "NOTE container_name",
        "WARNING ports.mode");
    assertThat(conversion.hasErrors()).isFalse();
  }

  @Test
  void nothingConvertibleGivesNoGroup() throws Exception {
    ComposeConverter.Conversion conversion = convert("services:\n  a: {build: .}\n");
    assertThat(conversion.group()).isNull();
    assertThat(conversion.services()).isEmpty();
    assertThat(conversion.hasErrors()).isTrue();
  }
}
