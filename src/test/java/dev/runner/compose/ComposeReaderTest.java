package dev.runner.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runner.compose.ComposeService.Condition;
import dev.runner.compose.ComposeService.Dependency;
import dev.runner.compose.ComposeService.Mount;
import dev.runner.compose.ComposeService.MountType;
import dev.runner.compose.ComposeService.Port;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComposeReaderTest {
  static final Path RESOURCES = Path.of("src/test/resources/compose");

  @TempDir
  Path dir;

  Path file(String name, String yaml) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, yaml);
    return file;
  }

  static ComposeProject read(Map<String, String> environment, ComposeReader.Options options, Path... files)
      throws ComposeException {
    return new ComposeReader(environment).read(List.of(files), options);
  }

  static ComposeProject read(Path... files) throws ComposeException {
    return read(Map.of(), ComposeReader.Options.defaults(), files);
  }

  @Test
  void dotEnvNextToTheFirstFileInterpolatesAndTheEnvironmentWins() throws ComposeException {
    ComposeProject project = read(Map.of("LOG_LEVEL", "debug"), ComposeReader.Options.defaults(),
        RESOURCES.resolve("dotenv/compose.yaml"));
    ComposeService app = project.services().get("app");
    assertThat(app.image()).isEqualTo("registry.example.com/example/app:3.2.1");
    assertThat(app.environment()).containsEntry("LOG_LEVEL", "debug").containsEntry("GREETING", "costs $5")
        .containsEntry("FEATURE_X", "on").containsEntry("TZ", "Europe/Berlin");
    assertThat(app.ports()).containsExactly(new Port(8080, "8080", "tcp"));
    assertThat(project.findings()).isEmpty();
  }

  @Test
  void aRequiredVariableThatIsMissingRefusesTheFile() throws IOException {
    Path compose = file("compose.yaml", "services:\n  app:\n    image: \"app:${TAG:?give TAG}\"\n");
    assertThatThrownBy(() -> read(compose)).isInstanceOf(ComposeException.class)
        .hasMessage(compose + ": required variable TAG is missing a value: give TAG");
  }

  @Test
  void anUnsetVariableIsAWarning() throws Exception {
    ComposeProject project = read(file("compose.yaml", "services:\n  app:\n    image: \"app:${TAG}\"\n"));
    assertThat(project.services().get("app").image()).isEqualTo("app:");
    assertThat(project.findings()).extracting(Finding::key).containsExactly("${TAG}");
  }

  @Test
  void envFileShortAndLongSyntaxEnvironmentWinsAndValuelessNamesComeFromTheEnvironment() throws Exception {
    file("a.env", "A=from-a\nB=from-a\n");
    file("b.env", "B=from-b\nC=from-b\n");
    Path compose = file("compose.yaml", """
        services:
          one:
            image: x
            env_file: a.env
            environment: [A=from-environment, SHELL_VAR, NOT_SET]
          two:
            image: x
            env_file:
              - a.env
              - path: b.env
              - path: missing.env
                required: false
        """);
    ComposeProject project = read(Map.of("SHELL_VAR", "shell"), ComposeReader.Options.defaults(), compose);
    assertThat(project.services().get("one").environment())
        .containsExactly(Map.entry("A", "from-environment"), Map.entry("B", "from-a"), Map.entry("SHELL_VAR", "shell"));
    assertThat(project.services().get("two").environment())
        .containsExactly(Map.entry("A", "from-a"), Map.entry("B", "from-b"), Map.entry("C", "from-b"));
  }

  @Test
  void aRequiredEnvFileThatIsMissingRefusesTheFile() throws IOException {
    Path compose = file("compose.yaml", "services:\n  one:\n    image: x\n    env_file: [nowhere.env]\n");
    assertThatThrownBy(() -> read(compose)).hasMessageContaining("nowhere.env: no such file (env_file of service one");
  }

  @Test
  void twoFilesMergeAsComposeMergesThem() throws ComposeException {
    ComposeProject project = read(RESOURCES.resolve("merged/compose.yaml"), RESOURCES.resolve("merged/compose.prod.yaml"));
    ComposeService web = project.services().get("web");
    assertThat(web.image()).isEqualTo("example/web:1.4");
    assertThat(web.command()).containsExactly("serve", "--prod");
    // A list in one file and a mapping in the other merge by variable; !reset removes one.
    assertThat(web.environment()).containsExactly(Map.entry("MODE", "prod"));
    assertThat(web.ports()).containsExactly(new Port(80, "8080", "tcp"), new Port(8443, "443", "tcp"));
    assertThat(web.replicas()).isEqualTo(2);
    assertThat(web.restart()).isEqualTo("on-failure:5");
    assertThat(web.dependsOn()).containsOnlyKeys("cache");
    assertThat(project.services().get("cache").healthcheck().test()).containsExactly("CMD", "redis-cli", "ping");
    assertThat(project.disabled()).containsExactly("debugger");
  }

  @Test
  void portsOfTheSameKeyAreMergedAndOverrideReplacesTheList() throws Exception {
    Path base = file("compose.yaml", "services:\n  web:\n    image: x\n    ports: [\"8080:80\", \"9090:90\"]\n    expose: [1]\n");
    Path same = file("same.yaml", "services:\n  web:\n    ports: [\"8080:80\"]\n    expose: [1, 2]\n");
    Path replace = file("replace.yaml", "services:\n  web:\n    ports: !override [\"7070:70\"]\n");
    assertThat(read(base, same).services().get("web").ports()).hasSize(2);
    assertThat(read(base, same).services().get("web").expose()).extracting(Port::target).containsExactly(1, 2);
    assertThat(read(base, replace).services().get("web").ports()).containsExactly(new Port(70, "7070", "tcp"));
  }

  @Test
  void profilesEnableServicesByFlagByEnvironmentOrAll() throws Exception {
    Path compose = RESOURCES.resolve("merged/compose.yaml");
    assertThat(read(compose).services()).containsOnlyKeys("web", "cache");
    assertThat(read(Map.of(), new ComposeReader.Options(null, List.of("debug")), compose).services())
        .containsOnlyKeys("web", "cache", "debugger");
    assertThat(read(Map.of("COMPOSE_PROFILES", "other,debug"), ComposeReader.Options.defaults(), compose).services())
        .containsKey("debugger");
    assertThat(read(Map.of(), new ComposeReader.Options(null, List.of("*")), compose).services()).containsKey("debugger");
  }

  @Test
  void theProjectNameIsTheFlagThenComposeProjectNameThenNameThenTheDirectory() throws Exception {
    Path named = RESOURCES.resolve("migration/compose.yaml");
    Path unnamed = RESOURCES.resolve("webapp-db/docker-compose.yml");
    assertThat(read(unnamed).name()).isEqualTo("webapp-db");
    assertThat(read(named).name()).isEqualTo("Billing");
    assertThat(read(Map.of("COMPOSE_PROJECT_NAME", "from-env"), ComposeReader.Options.defaults(), named).name())
        .isEqualTo("from-env");
    assertThat(read(Map.of("COMPOSE_PROJECT_NAME", "from-env"), new ComposeReader.Options("flag", List.of()), named).name())
        .isEqualTo("flag");
  }

  @Test
  void shortAndLongSyntaxOfPortsVolumesAndDependsOn() throws Exception {
    ComposeProject project = read(file("compose.yaml", """
        services:
          db: {image: x}
          web:
            image: x
            ports:
              - 3000
              - "2222:22"
              - 127.0.0.1:8001:8001
              - "[::1]:6001:6001"
              - 6060:6060/udp
              - "9090-9091:8080-8081"
              - {target: 5000, published: "5001", protocol: udp}
            volumes:
              - data:/data
              - ./config:/etc/app:ro
              - /cache
              - {type: tmpfs, target: /tmp}
              - {type: volume, source: logs, target: /logs, read_only: true}
            depends_on:
              db:
                condition: service_healthy
                restart: true
              other:
                condition: service_started
                required: false
        volumes: {data: {}, logs: {}}
        """));
    ComposeService web = project.services().get("web");
    assertThat(web.ports()).containsExactly(new Port(3000, "", "tcp"), new Port(22, "2222", "tcp"), new Port(8001, "8001", "tcp"),
        new Port(6001, "6001", "tcp"), new Port(6060, "6060", "udp"), new Port(8080, "9090", "tcp"), new Port(8081, "9091", "tcp"),
        new Port(5000, "5001", "udp"));
    assertThat(web.volumes()).containsExactly(new Mount(MountType.volume, "data", "/data", false),
        new Mount(MountType.bind, "./config", "/etc/app", true), new Mount(MountType.volume, "", "/cache", false),
        new Mount(MountType.tmpfs, "", "/tmp", false), new Mount(MountType.volume, "logs", "/logs", true));
    assertThat(web.dependsOn()).containsExactly(Map.entry("db", new Dependency(Condition.service_healthy, true, true)),
        Map.entry("other", new Dependency(Condition.service_started, false, false)));
  }

  @Test
  void commandAndEntrypointStringsAreSplitAsComposeSplitsThem() {
    assertThat(ComposeReader.words("sh -c 'echo \"a b\" $HOME'")).containsExactly("sh", "-c", "echo \"a b\" $HOME");
    assertThat(ComposeReader.words("run \"x y\" z\\ w")).containsExactly("run", "x y", "z w");
    assertThat(ComposeReader.words(List.of("a b", 1))).containsExactly("a b", "1");
    assertThat(ComposeReader.words(null)).isNull();
  }

  @Test
  void unquotedRestartNoIsTheStringNo() throws Exception {
    ComposeProject project = read(file("compose.yaml", "services:\n  a: {image: x, restart: no}\n  b: {image: x, restart: \"no\"}\n"));
    assertThat(project.services().get("a").restart()).isEqualTo("no");
    assertThat(project.services().get("b").restart()).isEqualTo("no");
  }

  @Test
  void filesThatAreNotComposeAreRefusedInOneLine() throws Exception {
    Path group = RESOURCES.resolve("not-compose/runnergroup.yaml");
    assertThat(ComposeReader.isCompose(group)).isFalse();
    assertThat(ComposeReader.isCompose(RESOURCES.resolve("webapp-db/docker-compose.yml"))).isTrue();
    assertThatThrownBy(() -> read(group)).hasMessage(group + ": not a Compose file: it is a Kubernetes object (kind RunnerGroup)");
    Path list = RESOURCES.resolve("not-compose/list.yaml");
    assertThatThrownBy(() -> read(list)).hasMessage(list + ": not a Compose file: it is a list, not a mapping with services:");
    Path empty = file("empty.yaml", "# nothing\n");
    assertThatThrownBy(() -> read(empty)).hasMessage(empty + ": not a Compose file: it is empty");
    Path noServices = file("volumes.yaml", "volumes: {a: {}}\n");
    assertThatThrownBy(() -> read(noServices)).hasMessage(noServices + ": not a Compose file: it has no top-level services:");
    Path broken = file("broken.yaml", "services:\n  web: [x\n");
    assertThatThrownBy(() -> read(broken)).hasMessageStartingWith(broken + ": not valid YAML at line");
    assertThatThrownBy(() -> read(dir.resolve("absent.yaml"))).hasMessage(dir.resolve("absent.yaml") + ": no such file");
    Path badPort = file("ports.yaml", "services:\n  web: {image: x, ports: [\"80:http\"]}\n");
    assertThatThrownBy(() -> read(badPort)).hasMessage(badPort + ": services.web.ports: \"http\" is not a port number (1-65535)");
  }

  @Test
  void extendsIsResolvedFromTheSameFileAndFromAnotherOne() throws Exception {
    file("common/base.yaml", """
        services:
          app:
            image: base:1
            environment: {TZ: utc, PORT: "80"}
            command: [base]
        """);
    ComposeProject project = read(file("compose.yaml", """
        services:
          common:
            extends: {file: common/base.yaml, service: app}
            ports: ["80"]
          cli:
            extends: common
            environment: {PORT: "8080"}
            command: [cli]
        """));
    ComposeService cli = project.services().get("cli");
    assertThat(cli.image()).isEqualTo("base:1");
    assertThat(cli.environment()).containsExactly(Map.entry("TZ", "utc"), Map.entry("PORT", "8080"));
    assertThat(cli.command()).containsExactly("cli");
    assertThat(cli.ports()).containsExactly(new Port(80, "", "tcp"));
    assertThat(cli.unmapped()).isEmpty();
  }

  @Test
  void extendsOfAMissingServiceOrInACycleIsRefused() throws Exception {
    Path missing = file("missing.yaml", "services:\n  web: {extends: {service: base}}\n");
    assertThatThrownBy(() -> read(missing)).hasMessage(missing + ": services.web.extends: there is no service base");
    Path cycle = file("cycle.yaml", "services:\n  a: {extends: b}\n  b: {extends: a}\n");
    assertThatThrownBy(() -> read(cycle)).hasMessageStartingWith(cycle + ": services.").hasMessageContaining(".extends: a cycle");
  }

  @Test
  void keysThatAreNotMappedAreListedPerService() throws Exception {
    ComposeProject project = read(file("compose.yaml", """
        services:
          web:
            image: x
            network_mode: host
            privileged: true
            x-note: ignored
            deploy: {mode: global, replicas: 2}
        networks: {front: {}}
        """));
    assertThat(project.services().get("web").unmapped()).containsExactly("network_mode", "privileged", "deploy.mode");
    assertThat(project.findings()).extracting(Finding::key).containsExactly("networks");
  }
}
