package dev.runner.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The test-side stand-in for kube-apiserver's schema and CEL validation, tested on its own. */
class CrdSchemaTest {
  private static final YAMLMapper YAML = new YAMLMapper();

  /** A small schema with one of each keyword the validator claims to handle. */
  private static final CrdSchema SMALL = CrdSchema.of(yaml("""
      type: object
      x-kubernetes-validations:
      - rule: "size(self.metadata.name) <= 5"
        message: name too long
      properties:
        spec:
          type: object
          required: [items]
          x-kubernetes-validations:
          - rule: "!has(self.low) || !has(self.high) || self.low <= self.high"
            message: low must not exceed high
          properties:
            low: {type: integer, minimum: 0}
            high: {type: integer, maximum: 10}
            ratio: {type: number, minimum: 1}
            port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
            wait:
              type: string
              pattern: "^[0-9]+s$"
              x-kubernetes-validations:
              - rule: "duration(self) <= duration('10s')"
                message: wait at most 10s
            labels: {type: object, additionalProperties: {type: string}}
            items:
              type: array
              minItems: 1
              maxItems: 3
              x-kubernetes-list-type: map
              x-kubernetes-list-map-keys: [name]
              items:
                type: object
                required: [name]
                properties:
                  name: {type: string, maxLength: 4, enum: [a, b, c, dddd, eeeee]}
      """));

  @Test
  void acceptsAValidObject() {
    assertThat(SMALL.validate(yaml("""
        metadata: {name: ok}
        spec: {low: 1, high: 2, ratio: 1.5, port: http, wait: 3s, labels: {x: y}, items: [{name: a}, {name: b}]}
        """))).isEmpty();
    assertThat(SMALL.validate(yaml("{metadata: {name: ok}, spec: {port: 8080, ratio: 2, items: [{name: a}]}}"))).isEmpty();
  }

  @Test
  void keywords() {
    assertThat(SMALL.validate(yaml("""
        metadata: {name: ok}
        spec: {low: 12, high: 11, ratio: 0.5, wait: 3m, labels: {x: y}, items: [{name: a}, {name: a}, {name: b}]}
        """))).containsExactly(
        "spec.high: Invalid value: 11: spec.high in body should be less than or equal to 10",
        "spec.ratio: Invalid value: 0.5: spec.ratio in body should be greater than or equal to 1",
        "spec.wait: Invalid value: \"3m\": spec.wait in body should match '^[0-9]+s$'",
        "spec.items[1]: Duplicate value: {\"name\":\"a\"}",
        // CEL rules still run after these errors, as on the server; a scalar's value is shown.
        "spec: Invalid value: low must not exceed high",
        "spec.wait: Invalid value: \"3m\": wait at most 10s");
    assertThat(SMALL.validate(yaml("{metadata: {name: ok}, spec: {low: 9, high: 8, items: [{name: a}, {name: b}, {name: c}, {name: dddd}]}}")))
        .as("a list too long stops the rules")
        .containsExactly("spec.items: Too many: 4: must have at most 3 items", CrdSchema.RULES_SKIPPED);
  }

  @Test
  void requiredLengthsAndEmptyLists() {
    assertThat(SMALL.validate(yaml("{metadata: {name: ok}, spec: {low: -1, items: [{name: a}]}}"))).containsExactly(
        "spec.low: Invalid value: -1: spec.low in body should be greater than or equal to 0");
    assertThat(SMALL.validate(yaml("{metadata: {name: ok}, spec: {items: [{name: eeeee}, {}]}}"))).containsExactly(
        "spec.items[0].name: Too long: may not be more than 4 bytes",
        "spec.items[1].name: Required value",
        CrdSchema.RULES_SKIPPED);
    assertThat(SMALL.validate(yaml("{metadata: {name: ok}, spec: {items: []}}"))).containsExactly(
        "spec.items: Invalid value: 0: spec.items in body should have at least 1 items");
    assertThat(SMALL.validate(yaml("{metadata: {name: ok}, spec: {}}"))).containsExactly("spec.items: Required value", CrdSchema.RULES_SKIPPED);
  }

  @Test
  void unknownFieldsAreReportedAndPrunedBeforeTheRules() {
    assertThat(SMALL.validate(yaml("""
        apiVersion: x/v1
        kind: X
        metadata: {name: ok, labels: {a: b}}
        spec: {items: [{name: a, extra: 1}], lowest: 0}
        other: true
        """))).containsExactly(
        "unknown field \"spec.items[0].extra\"",
        "unknown field \"spec.lowest\"",
        "unknown field \"other\"");
  }

  @Test
  void typeErrorsAndUnsupportedEnumsStopTheRules() {
    assertThat(SMALL.validate(yaml("{metadata: {name: toolong}, spec: {low: one, port: 1.5, labels: {x: 1}, items: [{name: z}]}}")))
        .containsExactly(
            "spec.low: Invalid value: \"string\": spec.low in body must be of type integer: \"string\"",
            "spec.port: Invalid value: \"number\": spec.port in body must be of type integer or string: \"number\"",
            "spec.labels.x: Invalid value: \"integer\": spec.labels.x in body must be of type string: \"integer\"",
            "spec.items[0].name: Unsupported value: \"z\": supported values: \"a\", \"b\", \"c\", \"dddd\", \"eeeee\"",
            CrdSchema.RULES_SKIPPED);
  }

  @Test
  void theRootRuleSeesTheName() {
    assertThat(SMALL.validate(yaml("{metadata: {name: toolong}, spec: {items: [{name: a}]}}")))
        .containsExactly("<nil>: Invalid value: name too long");
  }

  @Test
  void aRuleThatFailsToEvaluateIsAnError() {
    // duration('abc') is an evaluation error in CEL; the pattern reports it too.
    assertThat(SMALL.validate(yaml("{metadata: {name: ok}, spec: {wait: abc, items: [{name: a}]}}")))
        .hasSize(2)
        .anySatisfy(e -> assertThat(e).startsWith("spec.wait: Invalid value: \"abc\": spec.wait in body should match"))
        .anySatisfy(e -> assertThat(e).startsWith("spec.wait: Invalid value: \"string\": ").endsWith(" evaluating rule: wait at most 10s"));
  }

  @Test
  void theGeneratedCrdIsLoadedWithItsRules() {
    CrdSchema crd = CrdSchema.generated();
    assertThat(crd.schemaAt("/properties/spec/properties/services/x-kubernetes-list-type").asText()).isEqualTo("map");
    assertThat(crd.schemaAt("/x-kubernetes-validations").size()).isEqualTo(4);
    assertThat(crd.schemaAt("/properties/spec/properties/dependsOn/x-kubernetes-validations").size()).isEqualTo(1);
  }

  static JsonNode yaml(String text) {
    try {
      return YAML.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
