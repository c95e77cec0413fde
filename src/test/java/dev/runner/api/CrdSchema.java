package dev.runner.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The generated CRD's {@code openAPIV3Schema}, evaluated the way kube-apiserver evaluates it on a
 * create or update, for the subset of structural-schema features the RunnerGroup CRD uses. The
 * mock API server of the tests validates nothing; this stands in for the real one.
 *
 * <p>What it checks, in the API server's order and words:
 * <ol>
 *   <li>Unknown fields, as {@code kubectl apply} with server-side field validation {@code Strict}
 *       (the default since Kubernetes 1.27 for kubectl) reports them: {@code unknown field "spec.x"}.
 *       They are pruned before the rest of the checks, as the server does.</li>
 *   <li>The OpenAPI keywords (in no particular order: the server's order is not stable either): type (and {@code x-kubernetes-int-or-string}), required, enum,
 *       pattern, minimum/maximum, minLength/maxLength, minItems/maxItems, and
 *       {@code x-kubernetes-list-type: map} keys ({@code Duplicate value}).</li>
 *   <li>{@code x-kubernetes-validations}: each CEL rule with {@code self} bound to its node (at the
 *       root, {@code self.metadata} holds only {@code name} and {@code generateName}), evaluated
 *       with cel-java. As the server does, the rules are skipped when a wrong type, an unsupported
 *       enum value, a missing required field, a string too long or a list too long was found
 *       ("some validation rules were not checked ...").</li>
 * </ol>
 * Defaults are not applied (nothing here depends on them). Errors read like the server's
 * {@code field.Error}s (as kube-apiserver 1.37 prints them), e.g.
 * {@code spec.services[1]: Invalid value: <rule message>}. The wording of a CEL evaluation error
 * (e.g. {@code duration('abc')}) is cel-java's, not cel-go's.
 */
public final class CrdSchema {
  public static final Path GENERATED = Path.of("target/crds/runnergroups.runner.dev-v1.yml");
  static final String RULES_SKIPPED = "<nil>: Invalid value: null: some validation rules were not checked because "
      + "the object was invalid; correct the existing errors to complete validation";
  private static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");

  private final JsonNode root;
  private final Cel cel = CelFactory.standardCelBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("self", SimpleType.DYN)
      // What this checks is a create: oldSelf has no value. Rules with optionalOldSelf see it as an
      // empty optional; the other transition rules are not evaluated on a create (see rules()).
      .addVar("oldSelf", dev.cel.common.types.OptionalType.create(SimpleType.DYN))
      .addCompilerLibraries(dev.cel.extensions.CelOptionalLibrary.INSTANCE)
      .addRuntimeLibraries(dev.cel.extensions.CelOptionalLibrary.INSTANCE)
      // duration(string) as cel-go has it: Go's range (int64 nanoseconds, about 290 years), where
      // cel-java's own allows protobuf's 10,000 years.
      .setStandardEnvironmentEnabled(false)
      .setStandardDeclarations(dev.cel.checker.CelStandardDeclarations.newBuilder().build())
      .setStandardFunctions(dev.cel.runtime.CelStandardFunctions.newBuilder()
          .excludeFunctions(dev.cel.runtime.CelStandardFunctions.StandardFunction.DURATION).build())
      .addFunctionBindings(
          dev.cel.runtime.CelFunctionBinding.from("string_to_duration", String.class, CrdSchema::goDuration),
          dev.cel.runtime.CelFunctionBinding.from("duration_to_duration", com.google.protobuf.Duration.class, d -> d))
      .build();

  private static com.google.protobuf.Duration goDuration(String text) throws CelEvaluationException {
    com.google.protobuf.Duration parsed;
    try {
      parsed = dev.cel.runtime.RuntimeHelpers.createDurationFromString(text);
    } catch (RuntimeException e) {
      throw dev.cel.runtime.CelEvaluationExceptionBuilder.newBuilder("type conversion error from 'string' to 'google.protobuf.Duration'")
          .setCause(e).build();
    }
    BigDecimal nanos = BigDecimal.valueOf(parsed.getSeconds()).movePointRight(9).add(BigDecimal.valueOf(parsed.getNanos()));
    if (nanos.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw dev.cel.runtime.CelEvaluationExceptionBuilder.newBuilder("type conversion error from 'string' to 'google.protobuf.Duration'")
          .build();
    }
    return parsed;
  }
  private final Map<String, CelRuntime.Program> programs = new HashMap<>();
  private final Map<String, Pattern> patterns = new HashMap<>();

  private CrdSchema(JsonNode openApiV3Schema) {
    this.root = openApiV3Schema;
  }

  /** The schema of the CRD the build generated (target/crds, written at process-test-classes). */
  public static CrdSchema generated() {
    return load(GENERATED);
  }

  public static CrdSchema load(Path crdYaml) {
    try {
      JsonNode crd = new YAMLMapper().readTree(crdYaml.toFile());
      return new CrdSchema(crd.at("/spec/versions/0/schema/openAPIV3Schema"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** For tests of the validator itself: a schema given inline. */
  static CrdSchema of(JsonNode openApiV3Schema) {
    return new CrdSchema(openApiV3Schema);
  }

  /** The schema node at a JSON pointer, e.g. {@code /properties/spec/properties/services}. */
  public JsonNode schemaAt(String pointer) {
    return root.at(pointer);
  }

  /** Every error the API server would answer a create of {@code object} with; empty when accepted. */
  public List<String> validate(JsonNode object) {
    Result result = new Result();
    // A copy: prune shares the subtrees it keeps unchanged, and defaults() writes in place.
    JsonNode pruned = prune(object, root, "", result, true).deepCopy();
    // As the server does: defaults are filled in after pruning and before validation, so a rule on
    // a defaulted field (a service's kind) sees the default.
    defaults(pruned, root);
    check(pruned, root, "", result);
    if (result.blocking) {
      result.errors.add(RULES_SKIPPED);
    } else {
      rules(pruned, root, "", result, true);
    }
    return List.copyOf(result.errors);
  }

  /** Fills in, in place, each missing property whose schema has a {@code default}, at every depth. */
  private static void defaults(JsonNode value, JsonNode schema) {
    if (value == null || schema == null || schema.isMissingNode()) {
      return;
    }
    if (value.isObject()) {
      var object = (com.fasterxml.jackson.databind.node.ObjectNode) value;
      for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> property = it.next();
        if (!object.has(property.getKey()) && property.getValue().has("default")) {
          object.set(property.getKey(), property.getValue().get("default").deepCopy());
        }
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        JsonNode propertySchema = schema.path("properties").path(entry.getKey());
        defaults(entry.getValue(), propertySchema.isMissingNode() ? schema.path("additionalProperties") : propertySchema);
      }
    } else if (value.isArray()) {
      value.forEach(item -> defaults(item, schema.path("items")));
    }
  }

  private static final class Result {
    final List<String> errors = new ArrayList<>();
    boolean blocking;
  }

  // ---- 1. unknown fields (Strict field validation), pruned as the server does ----

  private JsonNode prune(JsonNode value, JsonNode schema, String path, Result result, boolean isRoot) {
    if (value == null || schema == null || schema.isMissingNode()) {
      return value;
    }
    if (value.isObject() && typeOf(schema).equals("object")) {
      var copy = MAPPER.createObjectNode();
      JsonNode properties = schema.path("properties");
      JsonNode additional = schema.path("additionalProperties");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String at = join(path, field.getKey());
        if (isRoot && ROOT_FIELDS.contains(field.getKey())) {
          copy.set(field.getKey(), field.getValue());
        } else if (properties.has(field.getKey())) {
          copy.set(field.getKey(), prune(field.getValue(), properties.get(field.getKey()), at, result, false));
        } else if (additional.isObject()) {
          copy.set(field.getKey(), prune(field.getValue(), additional, at, result, false));
        } else if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
          copy.set(field.getKey(), field.getValue());
        } else {
          result.errors.add("unknown field \"" + at + "\"");
        }
      }
      return copy;
    }
    if (value.isArray() && typeOf(schema).equals("array")) {
      var copy = MAPPER.createArrayNode();
      for (int i = 0; i < value.size(); i++) {
        copy.add(prune(value.get(i), schema.path("items"), path + "[" + i + "]", result, false));
      }
      return copy;
    }
    return value;
  }

  // ---- 2. the OpenAPI keywords ----

  private void check(JsonNode value, JsonNode schema, String path, Result result) {
    if (value == null || value.isMissingNode()) {
      return;
    }
    String field = path.isEmpty() ? "<nil>" : path;
    if (value.isNull()) {
      // A null is dropped by the server for a non-nullable field (as if absent).
      return;
    }
    if (!typeMatches(value, schema)) {
      result.blocking = true;
      result.errors.add(field + ": Invalid value: \"" + jsonType(value) + "\": " + bodyPath(path)
          + " in body must be of type " + expectedType(schema) + ": \"" + jsonType(value) + "\"");
      return;
    }
    if (schema.has("enum")) {
      List<String> allowed = new ArrayList<>();
      boolean found = false;
      for (JsonNode option : schema.get("enum")) {
        allowed.add(quote(option));
        found |= option.equals(value);
      }
      if (!found) {
        result.blocking = true;
        result.errors.add(field + ": Unsupported value: " + quote(value) + ": supported values: " + String.join(", ", allowed));
      }
    }
    if (value.isTextual()) {
      String text = value.asText();
      if (schema.has("maxLength") && text.codePointCount(0, text.length()) > schema.get("maxLength").asInt()) {
        result.blocking = true;
        result.errors.add(field + ": Too long: may not be more than " + schema.get("maxLength").asInt() + " bytes");
      }
      boolean tooShort = schema.has("minLength") && text.codePointCount(0, text.length()) < schema.get("minLength").asInt();
      if (tooShort) {
        result.errors.add(field + ": Invalid value: " + quote(value) + ": " + bodyPath(path) + " in body should be at least "
            + schema.get("minLength").asInt() + " chars long");
      }
      // kube-openapi does not match the pattern of a string already too short.
      if (schema.has("pattern") && !tooShort) {
        String regex = schema.get("pattern").asText();
        // Go's regexp (RE2) semantics: unanchored find, like Matcher.find().
        if (!patterns.computeIfAbsent(regex, Pattern::compile).matcher(text).find()) {
          result.errors.add(field + ": Invalid value: " + quote(value) + ": " + bodyPath(path) + " in body should match '"
              + regex + "'");
        }
      }
    }
    if (value.isNumber()) {
      BigDecimal number = value.decimalValue();
      if (schema.has("minimum") && number.compareTo(schema.get("minimum").decimalValue()) < 0) {
        result.errors.add(field + ": Invalid value: " + value + ": " + bodyPath(path) + " in body should be greater than or equal to "
            + plain(schema.get("minimum")));
      }
      if (schema.has("maximum") && number.compareTo(schema.get("maximum").decimalValue()) > 0) {
        result.errors.add(field + ": Invalid value: " + value + ": " + bodyPath(path) + " in body should be less than or equal to "
            + plain(schema.get("maximum")));
      }
    }
    if (value.isArray()) {
      if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
        result.blocking = true;
        result.errors.add(field + ": Too many: " + value.size() + ": must have at most " + schema.get("maxItems").asInt() + " items");
      }
      if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
        result.errors.add(field + ": Invalid value: " + value.size() + ": " + bodyPath(path) + " in body should have at least "
            + schema.get("minItems").asInt() + " items");
      }
      if ("map".equals(schema.path("x-kubernetes-list-type").asText())) {
        List<String> keys = new ArrayList<>();
        schema.path("x-kubernetes-list-map-keys").forEach(k -> keys.add(k.asText()));
        Set<Map<String, JsonNode>> seen = new java.util.HashSet<>();
        for (int i = 0; i < value.size(); i++) {
          Map<String, JsonNode> key = new TreeMap<>();
          for (String k : keys) {
            key.put(k, value.get(i).path(k));
          }
          if (!seen.add(key)) {
            result.errors.add(path + "[" + i + "]: Duplicate value: {" + key.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":" + e.getValue()).collect(Collectors.joining(",")) + "}");
          }
        }
      }
      for (int i = 0; i < value.size(); i++) {
        check(value.get(i), schema.path("items"), path + "[" + i + "]", result);
      }
    }
    if (value.isObject()) {
      for (JsonNode required : schema.path("required")) {
        JsonNode present = value.get(required.asText());
        if (present == null || present.isNull()) {
          result.blocking = true;
          result.errors.add(join(path, required.asText()) + ": Required value");
        }
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        JsonNode propertySchema = schema.path("properties").path(entry.getKey());
        if (propertySchema.isMissingNode()) {
          propertySchema = schema.path("additionalProperties");
        }
        if (!propertySchema.isMissingNode() && propertySchema.isObject()) {
          check(entry.getValue(), propertySchema, join(path, entry.getKey()), result);
        }
      }
    }
  }

  private static boolean typeMatches(JsonNode value, JsonNode schema) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return value.isTextual() || value.isIntegralNumber();
    }
    return switch (typeOf(schema)) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber() || (value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0);
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      default -> true;
    };
  }

  // ---- 3. x-kubernetes-validations (CEL) ----

  private void rules(JsonNode value, JsonNode schema, String path, Result result, boolean isRoot) {
    if (value == null || value.isNull() || value.isMissingNode() || schema == null || schema.isMissingNode()) {
      return;
    }
    if (schema.has("x-kubernetes-validations")) {
      Object self = celValue(isRoot ? rootForCel(value) : value, isRoot ? withMetadata(schema) : schema);
      for (JsonNode rule : schema.get("x-kubernetes-validations")) {
        String expression = rule.get("rule").asText();
        if (expression.contains("oldSelf") && !rule.path("optionalOldSelf").asBoolean(false)) {
          continue; // a transition rule: the server evaluates it on updates only
        }
        String message = rule.has("message") ? rule.get("message").asText() : "failed rule: " + expression;
        String field = (path.isEmpty() ? "<nil>" : path) + (rule.has("fieldPath") ? rule.get("fieldPath").asText() : "");
        Object outcome;
        try {
          outcome = program(expression).eval(Map.of("self", self, "oldSelf", java.util.Optional.empty()));
        } catch (CelEvaluationException e) {
          // cel-go words its evaluation errors differently; the shape is the server's.
          result.errors.add(field + ": Invalid value: \"" + typeOf(schema) + "\": " + e.getMessage()
              + " evaluating rule: " + message);
          continue;
        }
        if (!Boolean.TRUE.equals(outcome)) {
          // The server shows a scalar's value, not an object's or a list's.
          String shown = value.isContainerNode() ? "" : quote(value) + ": ";
          result.errors.add(field + ": Invalid value: " + shown + message);
        }
      }
    }
    if (value.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        if (isRoot && ROOT_FIELDS.contains(entry.getKey())) {
          continue;
        }
        JsonNode propertySchema = schema.path("properties").path(entry.getKey());
        if (propertySchema.isMissingNode()) {
          propertySchema = schema.path("additionalProperties");
        }
        if (propertySchema.isObject()) {
          rules(entry.getValue(), propertySchema, join(path, entry.getKey()), result, false);
        }
      }
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        rules(value.get(i), schema.path("items"), path + "[" + i + "]", result, false);
      }
    }
  }

  /** At the root, CEL sees metadata.name and metadata.generateName only (apiVersion, kind too). */
  private static JsonNode rootForCel(JsonNode object) {
    var copy = ((com.fasterxml.jackson.databind.node.ObjectNode) object).deepCopy();
    var metadata = MAPPER.createObjectNode();
    for (String field : List.of("name", "generateName")) {
      if (object.path("metadata").has(field)) {
        metadata.set(field, object.path("metadata").get(field));
      }
    }
    copy.set("metadata", metadata);
    return copy;
  }

  private static JsonNode withMetadata(JsonNode rootSchema) {
    var copy = ((com.fasterxml.jackson.databind.node.ObjectNode) rootSchema).deepCopy();
    var properties = copy.with("properties");
    properties.set("apiVersion", MAPPER.createObjectNode().put("type", "string"));
    properties.set("kind", MAPPER.createObjectNode().put("type", "string"));
    var metadata = MAPPER.createObjectNode().put("type", "object");
    metadata.with("properties").set("name", MAPPER.createObjectNode().put("type", "string"));
    metadata.with("properties").set("generateName", MAPPER.createObjectNode().put("type", "string"));
    properties.set("metadata", metadata);
    return copy;
  }

  private CelRuntime.Program program(String expression) {
    return programs.computeIfAbsent(expression, e -> {
      try {
        CelAbstractSyntaxTree ast = cel.compile(e).getAst();
        return cel.createProgram(ast);
      } catch (CelValidationException | CelEvaluationException ex) {
        throw new IllegalStateException("the CRD's rule does not compile: " + e + ": " + ex.getMessage(), ex);
      }
    });
  }

  /** A node as CEL sees it under its schema: objects as maps, integers as long, numbers as double. */
  static Object celValue(JsonNode value, JsonNode schema) {
    if (value == null || value.isNull()) {
      return dev.cel.common.values.NullValue.NULL_VALUE;
    }
    String type = schema == null ? "" : typeOf(schema);
    if (value.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        JsonNode propertySchema = schema == null ? null : schema.path("properties").path(entry.getKey());
        if (propertySchema != null && propertySchema.isMissingNode()) {
          propertySchema = schema.path("additionalProperties");
        }
        map.put(entry.getKey(), celValue(entry.getValue(), propertySchema == null || propertySchema.isMissingNode() ? null : propertySchema));
      }
      return map;
    }
    if (value.isArray()) {
      List<Object> list = new ArrayList<>();
      JsonNode items = schema == null ? null : schema.path("items");
      value.forEach(item -> list.add(celValue(item, items == null || items.isMissingNode() ? null : items)));
      return list;
    }
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    if (value.isNumber()) {
      return "number".equals(type) || !value.isIntegralNumber() ? (Object) value.doubleValue() : (Object) value.longValue();
    }
    return value.asText();
  }

  // ---- helpers ----

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static String typeOf(JsonNode schema) {
    return schema.path("type").asText("");
  }

  private static String expectedType(JsonNode schema) {
    return schema.path("x-kubernetes-int-or-string").asBoolean(false) ? "integer or string" : typeOf(schema);
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  private static String bodyPath(String path) {
    return path.isEmpty() ? "body" : path;
  }

  private static String jsonType(JsonNode value) {
    JsonNodeType type = value.getNodeType();
    return switch (type) {
      case OBJECT -> "object";
      case ARRAY -> "array";
      case STRING -> "string";
      case BOOLEAN -> "boolean";
      case NUMBER -> value.isIntegralNumber() ? "integer" : "number";
      default -> "null";
    };
  }

  private static String quote(JsonNode value) {
    return value.isTextual() ? "\"" + value.asText() + "\"" : value.toString();
  }

  private static String plain(JsonNode number) {
    return number.decimalValue().stripTrailingZeros().toPlainString();
  }
}
