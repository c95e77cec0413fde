package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/kubectl-runner, the kubectl plugin: it finds the jar and runs it with its arguments. A
 * stand-in java (a script that prints what it was given) shows what it would run; the real run
 * through kubectl is StatusCommandOnRealServerTest's.
 */
class KubectlPluginTest {
  static final Path PLUGIN = Path.of("bin/kubectl-runner");

  @TempDir
  Path dir;

  record Result(int exit, String out, String err) {}

  Result run(Path script, Map<String, String> env, String... args) throws IOException, InterruptedException {
    Path javaHome = dir.resolve("jdk");
    Files.createDirectories(javaHome.resolve("bin"));
    Path java = javaHome.resolve("bin/java");
    Files.writeString(java, "#!/bin/sh\necho \"java $*\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessBuilder pb = new ProcessBuilder(new java.util.ArrayList<>(List.of("sh", script.toString())));
    pb.command().addAll(List.of(args));
    pb.environment().remove("RUNNER_OPERATOR_JAR");
    pb.environment().remove("JAVA_OPTS");
    pb.environment().put("JAVA_HOME", javaHome.toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void isExecutable() {
    assertThat(Files.isExecutable(PLUGIN)).isTrue();
  }

  @Test
  void runsTheJarNextToItWithItsArguments() throws Exception {
    Path install = Files.createDirectories(dir.resolve("install"));
    Files.copy(PLUGIN, install.resolve("kubectl-runner"));
    Files.writeString(install.resolve("runner-operator.jar"), "not really a jar");
    Result r = run(install.resolve("kubectl-runner"), Map.of(), "status", "shop", "-n", "prod");
    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("java -jar " + install.resolve("runner-operator.jar") + " status shop -n prod\n");
  }

  @Test
  void runnerOperatorJarAndJavaOptsWin() throws Exception {
    Path jar = Files.writeString(dir.resolve("elsewhere.jar"), "x");
    Result r = run(PLUGIN, Map.of("RUNNER_OPERATOR_JAR", jar.toString(), "JAVA_OPTS", "-Xmx64m"), "status");
    assertThat(r.out()).isEqualTo("java -Xmx64m -jar " + jar + " status\n");
  }

  @Test
  void withoutAJarItSaysWhereItLookedAndExits2() throws Exception {
    Path lonely = Files.createDirectories(dir.resolve("lonely/bin"));
    Files.copy(PLUGIN, lonely.resolve("kubectl-runner"));
    Result r = run(lonely.resolve("kubectl-runner"), Map.of(), "status");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("kubectl-runner: runner-operator.jar not found").contains("RUNNER_OPERATOR_JAR");
  }
}
