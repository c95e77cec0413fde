package dev.runner.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Turns the generated CRD's {@code openAPIV3Schema} into a standalone JSON Schema (draft-07) of a
 * RunnerGroup file, for editors (yaml-language-server). Run by the build after the CRD generation
 * (exec-maven-plugin, phase process-test-classes) into target/schemas; SchemaUpToDateTest compares
 * the committed {@code schemas/runnergroup.json} with it.
 *
 * <p>What changes on the way:
 * <ul>
 *   <li>{@code apiVersion} and {@code kind} are constants, {@code metadata} needs a name (a DNS
 *       subdomain) and may have a namespace, labels and annotations; {@code spec} is required.
 *       {@code status} is left out: the operator writes it, a file does not.</li>
 *   <li>An object with {@code properties} gets {@code additionalProperties: false}: an unknown field
 *       is an error, as the API server's strict field validation (kubectl's default since 1.27)
 *       reports it.</li>
 *   <li>{@code x-kubernetes-int-or-string} becomes {@code anyOf} integer or string (when the CRD has
 *       no {@code anyOf} of its own); the other {@code x-kubernetes-*} keywords (list type and keys,
 *       CEL validations) have no JSON Schema meaning and are dropped: {@code runner-operator plan}
 *       checks what they check.</li>
 *   <li>Numbers that are whole ({@code minimum: 1.0}) are written as integers.</li>
 * </ul>
 */
public final class SchemaGeneration {
  static final String CRD = "runnergroups.runner.dev-v1.yml";
  static final String FILE = "runnergroup.json";
  /** The JSON Schema keywords of the CRD's OpenAPI v3 subset that mean the same in draft-07. */
  private static final Set<String> KEPT = Set.of("type", "description", "enum", "pattern", "format", "default",
      "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems",
      "uniqueItems", "minProperties", "maxProperties", "required");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private SchemaGeneration() {}

  /** {@code SchemaGeneration CRD_DIR OUT_DIR}: reads CRD_DIR/runnergroups.runner.dev-v1.yml, writes OUT_DIR/runnergroup.json. */
  public static void main(String[] args) throws IOException {
    Path crds = Path.of(args.length > 0 ? args[0] : "target/crds");
    Path out = Path.of(args.length > 1 ? args[1] : "target/schemas");
    Files.createDirectories(out);
    String schema = generate(new YAMLMapper().readTree(crds.resolve(CRD).toFile()));
    Files.writeString(out.resolve(FILE), schema);
  }

  /** The JSON Schema, as the committed file holds it (two-space indent, a final newline). */
  static String generate(JsonNode crd) throws IOException {
    JsonNode spec = crd.path("spec");
    String group = spec.path("group").asText();
    String kind = spec.path("names").path("kind").asText();
    JsonNode version = null;
    for (JsonNode v : spec.path("versions")) {
      if (v.path("storage").asBoolean(true)) {
        version = v;
      }
    }
    if (version == null) {
      throw new IllegalStateException(CRD + ": no version");
    }
    String apiVersion = group + "/" + version.path("name").asText();
    JsonNode openApi = version.path("schema").path("openAPIV3Schema");

    ObjectNode schema = NODES.objectNode();
    schema.put("$schema", "http://json-schema.org/draft-07/schema#");
    schema.put("title", kind + " (" + apiVersion + ")");
    schema.put("description", "A " + kind + " file, as kubectl apply and runner-operator plan read it. Generated from "
        + "crds/" + CRD + " by the build (dev.runner.api.SchemaGeneration): do not edit.");
    schema.put("type", "object");
    schema.set("required", NODES.arrayNode().add("apiVersion").add("kind").add("metadata").add("spec"));
    ObjectNode properties = schema.putObject("properties");
    properties.putObject("apiVersion").put("const", apiVersion);
    properties.putObject("kind").put("const", kind);
    properties.set("metadata", metadata());
    properties.set("spec", convert(openApi.path("properties").path("spec")));
    schema.put("additionalProperties", false);
    return JSON.writeValueAsString(schema) + "\n";
  }

  private static ObjectNode metadata() {
    ObjectNode metadata = NODES.objectNode();
    metadata.put("description", "The object's name and namespace; labels and annotations as on any object");
    metadata.put("type", "object");
    metadata.set("required", NODES.arrayNode().add("name"));
    ObjectNode properties = metadata.putObject("properties");
    properties.putObject("name").put("type", "string")
        .put("description", "The group's name, a DNS subdomain; Deployments are named <name>-<service>")
        .put("maxLength", 253)
        .put("pattern", "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    properties.putObject("namespace").put("type", "string").put("maxLength", 63)
        .put("pattern", "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    for (String map : new String[] {"labels", "annotations"}) {
      properties.putObject(map).put("type", "object").putObject("additionalProperties").put("type", "string");
    }
    // Other ObjectMeta fields (generateName, finalizers, ...) are the API server's business: allowed.
    return metadata;
  }

  /** One OpenAPI v3 schema node as JSON Schema draft-07. */
  private static ObjectNode convert(JsonNode node) {
    ObjectNode out = NODES.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      switch (key) {
        case "properties" -> {
          ObjectNode properties = out.putObject("properties");
          value.fields().forEachRemaining(p -> properties.set(p.getKey(), convert(p.getValue())));
        }
        case "items" -> out.set("items", convert(value));
        case "additionalProperties" -> out.set(key, value.isBoolean() ? value : convert(value));
        case "anyOf", "allOf", "oneOf" -> {
          ArrayNode all = out.putArray(key);
          value.forEach(v -> all.add(convert(v)));
        }
        case "not" -> out.set(key, convert(value));
        case "nullable" -> { } // below, with the type
        default -> {
          if (KEPT.contains(key)) {
            out.set(key, number(value));
          }
          // x-kubernetes-*: handled below or dropped
        }
      }
    }
    if (node.path("x-kubernetes-int-or-string").asBoolean() && !node.has("anyOf")) {
      out.putArray("anyOf").add(NODES.objectNode().put("type", "integer")).add(NODES.objectNode().put("type", "string"));
    }
    if (node.path("nullable").asBoolean() && out.has("type")) {
      out.set("type", NODES.arrayNode().add(out.get("type")).add("null"));
    }
    boolean open = node.path("x-kubernetes-preserve-unknown-fields").asBoolean();
    if (node.has("properties") && !node.has("additionalProperties") && !open) {
      out.put("additionalProperties", false);
    }
    return out;
  }

  private static JsonNode number(JsonNode value) {
    if (value.isFloatingPointNumber() && value.asDouble() == Math.rint(value.asDouble())
        && Math.abs(value.asDouble()) < 1e15) {
      return NODES.numberNode(value.asLong());
    }
    return value;
  }
}
