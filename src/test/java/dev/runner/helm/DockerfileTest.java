package dev.runner.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/** What can be checked of the Dockerfile without a container engine. */
class DockerfileTest {
  static List<String> instructions;
  static String finalName;

  @BeforeAll
  static void read() throws Exception {
    // Join continuation lines, drop comments and blank lines: one entry per instruction.
    instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(Path.of("Dockerfile"))) {
      String trimmed = line.strip();
      if (current.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
      } else {
        instructions.add(current.append(trimmed).toString());
        current.setLength(0);
      }
    }
    Element build = (Element) DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(Path.of("pom.xml").toFile()).getDocumentElement().getElementsByTagName("build").item(0);
    finalName = build.getElementsByTagName("finalName").item(0).getTextContent().strip();
  }

  static List<String> all(String keyword) {
    return instructions.stream().filter(i -> i.regionMatches(true, 0, keyword + " ", 0, keyword.length() + 1)).toList();
  }

  /** The instructions of the last (runtime) stage. */
  static List<String> runtimeStage() {
    int last = 0;
    for (int i = 0; i < instructions.size(); i++) {
      if (instructions.get(i).toUpperCase().startsWith("FROM ")) {
        last = i;
      }
    }
    return instructions.subList(last, instructions.size());
  }

  @Test
  void isMultiStageMavenBuildThenJre() {
    List<String> from = all("FROM");
    assertThat(from).hasSizeGreaterThanOrEqualTo(2);
    assertThat(from.get(0)).startsWith("FROM maven:3.9-eclipse-temurin-17 AS ");
    assertThat(from.get(from.size() - 1)).isEqualTo("FROM eclipse-temurin:17-jre");
    assertThat(all("RUN")).anyMatch(r -> r.contains("mvn -B -DskipTests package"));
  }

  @Test
  void copiesTheJarTheBuildProduces() {
    assertThat(finalName).as("<finalName> in pom.xml").isEqualTo("runner-operator");
    String buildStage = all("FROM").get(0).replaceFirst("(?i).* AS ", "").strip();
    Matcher copy = Pattern.compile("COPY --from=(\\S+) (\\S+) (\\S+)").matcher(
        runtimeStage().stream().filter(i -> i.startsWith("COPY --from=")).findFirst().orElseThrow());
    assertThat(copy.matches()).isTrue();
    assertThat(copy.group(1)).isEqualTo(buildStage);
    String buildWorkdir = instructions.stream().takeWhile(i -> !i.equals(runtimeStage().get(0)))
        .filter(i -> i.startsWith("WORKDIR ")).reduce((a, b) -> b).orElseThrow().substring("WORKDIR ".length());
    assertThat(copy.group(2)).isEqualTo(buildWorkdir + "/target/" + finalName + ".jar");
    assertThat(copy.group(3)).isEqualTo("/app/runner-operator.jar");
  }

  @Test
  void runtimeUserIsNumericAndNotRoot() {
    List<String> users = runtimeStage().stream().filter(i -> i.startsWith("USER ")).toList();
    assertThat(users).as("the runtime stage sets USER").isNotEmpty();
    String user = users.get(users.size() - 1).substring("USER ".length()).strip();
    assertThat(user).matches("\\d+(:\\d+)?");
    for (String id : user.split(":")) {
      assertThat(Integer.parseInt(id)).isPositive();
    }
  }

  @Test
  void entrypointRunsTheOperator() {
    List<String> entrypoints = runtimeStage().stream().filter(i -> i.startsWith("ENTRYPOINT ")).toList();
    assertThat(entrypoints).singleElement()
        .isEqualTo("ENTRYPOINT [\"java\", \"-jar\", \"/app/runner-operator.jar\", \"run\"]");
    assertThat(runtimeStage()).contains("EXPOSE 8080").noneMatch(i -> i.startsWith("CMD "));
  }

  @Test
  void dockerignoreKeepsTheBuildContextSmall() throws Exception {
    List<String> lines = Files.readAllLines(Path.of(".dockerignore"));
    assertThat(lines).contains("*", "!pom.xml", "!src/");
    // everything the build stage copies is let through
    for (String copy : all("COPY").stream().filter(c -> !c.startsWith("COPY --from")).toList()) {
      String source = copy.split("\\s+")[1].replaceFirst("^\\./", "").replaceFirst("/$", "");
      assertThat(lines.stream().map(l -> l.strip().replaceFirst("/$", "")))
          .as("%s is in the build context", source).contains("!" + source);
    }
  }
}
