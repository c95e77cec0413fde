package dev.runner.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.error.YAMLException;

class ComposeYamlTest {
  @SuppressWarnings("unchecked")
  static Map<String, Object> one(String yaml) {
    return (Map<String, Object>) ComposeYaml.load(yaml).get(0);
  }

  @Test
  void mergeKeysAreApplied() {
    Map<String, Object> top = one("""
        x-app: &app
          image: app:1
          environment: {A: "1"}
        services:
          web:
            <<: *app
            command: serve
        """);
    @SuppressWarnings("unchecked")
    Map<String, Object> web = (Map<String, Object>) ((Map<?, ?>) top.get("services")).get("web");
    assertThat(web.keySet()).containsExactlyInAnyOrder("image", "environment", "command");
    assertThat(web.get("image")).isEqualTo("app:1");
    assertThat(web.get("environment")).isEqualTo(Map.of("A", "1"));
    assertThat(web.containsKey("<<")).isFalse();
  }

  @Test
  void aKeyOfTheMappingWinsOverTheMergedOne() {
    Map<String, Object> top = one("""
        base: &base {image: a, restart: always}
        web: {<<: *base, image: b}
        """);
    @SuppressWarnings("unchecked")
    Map<String, Object> web = (Map<String, Object>) top.get("web");
    assertThat(web).containsEntry("image", "b").containsEntry("restart", "always");
  }

  @Test
  void scalarsAreTypedByTheYaml12CoreSchemaAsComposeReadsThem() {
    Map<String, Object> top = one("""
        restart: no
        other: yes
        on: off
        port: 2222:22
        time: 1:30
        enabled: true
        disabled: False
        count: 3
        octal: 0o17
        big: 12345678901
        ratio: 0.5
        nothing: ~
        empty:
        """);
    assertThat(top.get("restart")).isEqualTo("no");
    assertThat(top.get("other")).isEqualTo("yes");
    assertThat(top.get("on")).isEqualTo("off");
    assertThat(top.get("port")).isEqualTo("2222:22");
    assertThat(top.get("time")).isEqualTo("1:30");
    assertThat(top.get("enabled")).isEqualTo(true);
    assertThat(top.get("disabled")).isEqualTo(false);
    assertThat(top.get("count")).isEqualTo(3);
    assertThat(top.get("octal")).isEqualTo(15);
    assertThat(top.get("big")).isEqualTo(12345678901L);
    assertThat(top.get("ratio")).isEqualTo(0.5);
    assertThat(top).containsEntry("nothing", null).containsEntry("empty", null);
  }

  @Test
  void resetAndOverrideTagsAreKept() {
    Map<String, Object> top = one("""
        a: !reset null
        b: !reset []
        c: !override ["8443:443"]
        d: !override {x: 1}
        """);
    assertThat(top.get("a")).isEqualTo(ComposeYaml.Reset.RESET);
    assertThat(top.get("b")).isEqualTo(ComposeYaml.Reset.RESET);
    assertThat(top.get("c")).isEqualTo(new ComposeYaml.Override(List.of("8443:443")));
    assertThat(top.get("d")).isEqualTo(new ComposeYaml.Override(Map.of("x", 1)));
  }

  @Test
  void duplicateKeysAndBrokenYamlAreOneLineErrors() {
    assertThatThrownBy(() -> ComposeYaml.load("a: 1\na: 2\n")).isInstanceOf(YAMLException.class);
    assertThatThrownBy(() -> ComposeYaml.load("services:\n  web: [unclosed\n"))
        .isInstanceOfSatisfying(YAMLException.class, e ->
            assertThat(ComposeYaml.describe(e)).startsWith("not valid YAML at line").doesNotContain("\n"));
  }
}
