package dev.runner.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.runner.api.RunnerGroup;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the RunnerGroups of a YAML file (one or more {@code ---} documents) strictly: an unknown
 * field of the RunnerGroup API or a value of the wrong type is an error that names the field, as
 * {@code kubectl apply --validate=strict} would make it.
 */
final class RunnerGroupReader {
  static final String API_VERSION = RunnerGroup.GROUP + "/" + RunnerGroup.VERSION;
  private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");

  /** One RunnerGroup and where it was found; {@code document} counts from 1. */
  record Found(Path file, int document, int documents, RunnerGroup group) {
    String source() {
      return documents > 1 ? file + ", document " + document : file.toString();
    }
  }

  /** What a file held: its groups, and notes on the documents that were skipped. */
  record Contents(List<Found> groups, List<String> notes) {}

  /** The file cannot be read or parsed; the message is one line for the user. */
  static final class UnreadableFile extends Exception {
    UnreadableFile(String message) {
      super(message);
    }
  }

  /**
   * The model ignores unknown fields (the operator must go on when a newer CRD adds some); a user's
   * file is read strictly, so a misspelt field is an error here: mix-ins undo the leniency.
   */
  private final YAMLMapper mapper = YAMLMapper.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .addMixIn(dev.runner.api.RunnerGroupSpec.class, Strict.class)
      .addMixIn(dev.runner.api.ServiceSpec.class, Strict.class)
      .addMixIn(dev.runner.api.RestartConfig.class, Strict.class)
      .addMixIn(dev.runner.api.RunnerGroupStatus.class, Strict.class)
      .addMixIn(dev.runner.api.ServiceStatus.class, Strict.class)
      .addMixIn(dev.runner.api.ExitRecord.class, Strict.class)
      .build();

  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = false)
  private abstract static class Strict {}

  /** Opens the text to read. */
  interface Source {
    Reader open() throws IOException;
  }

  Contents read(Path file) throws UnreadableFile {
    return read(file, () -> Files.newBufferedReader(file));
  }

  /** Reads from {@code source}; {@code file} names it in messages (e.g. a bundled resource). */
  Contents read(Path file, Source source) throws UnreadableFile {
    List<JsonNode> documents = new ArrayList<>();
    try (Reader reader = source.open();
        MappingIterator<JsonNode> it = mapper.readerFor(JsonNode.class).readValues(reader)) {
      while (it.hasNext()) {
        documents.add(it.next());
      }
    } catch (NoSuchFileException e) {
      throw new UnreadableFile(file + ": no such file");
    } catch (JsonProcessingException e) {
      throw notYaml(file, e);
    } catch (RuntimeException e) {
      // MappingIterator wraps a parse error of a later document in a RuntimeException.
      if (e.getCause() instanceof JsonProcessingException parse) {
        throw notYaml(file, parse);
      }
      throw new UnreadableFile(file + ": cannot be read: " + firstLine(rootCause(e)));
    } catch (IOException e) {
      throw new UnreadableFile(file + ": cannot be read: " + firstLine(rootCause(e)));
    }
    documents.removeIf(node -> node == null || node.isMissingNode() || node.isNull());
    List<Found> groups = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (int i = 0; i < documents.size(); i++) {
      JsonNode node = documents.get(i);
      String where = documents.size() > 1 ? file + ", document " + (i + 1) : file.toString();
      if (!node.isObject()) {
        throw new UnreadableFile(where + ": expected a Kubernetes object (a mapping with apiVersion and kind), not a "
            + node.getNodeType().toString().toLowerCase());
      }
      String kind = node.path("kind").asText("");
      if (!kind.equals("RunnerGroup")) {
        notes.add(where + ": skipped, " + (kind.isEmpty() ? "it has no kind" : "it is a " + kind) + ", not a RunnerGroup");
        continue;
      }
      String apiVersion = node.path("apiVersion").asText("");
      if (!apiVersion.equals(API_VERSION)) {
        throw new UnreadableFile(where + ": apiVersion must be " + API_VERSION
            + (apiVersion.isEmpty() ? "" : ", not " + apiVersion));
      }
      for (String field : iterable(node.fieldNames())) {
        if (!TOP_LEVEL.contains(field)) {
          throw new UnreadableFile(where + ": unknown field \"" + field + "\"");
        }
      }
      // apiVersion and kind are checked above; RunnerGroup computes them (setting them only logs).
      ObjectNode object = ((ObjectNode) node).deepCopy();
      object.remove(List.of("apiVersion", "kind"));
      try {
        groups.add(new Found(file, i + 1, documents.size(), mapper.treeToValue(object, RunnerGroup.class)));
      } catch (JsonProcessingException e) {
        throw new UnreadableFile(where + ": " + describe(e, object));
      } catch (RuntimeException e) {
        throw new UnreadableFile(where + ": cannot be read: " + firstLine(rootCause(e)));
      }
    }
    return new Contents(groups, notes);
  }

  private static UnreadableFile notYaml(Path file, JsonProcessingException e) {
    // The YAML parser's message spans lines and quotes the input; keep its sentences on one line.
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines()
        .filter(line -> !line.isBlank() && !line.startsWith(" ") && !line.contains(" in 'reader'"))
        .map(String::trim)
        .collect(Collectors.joining("; "));
    return new UnreadableFile(file + ": not valid YAML" + at(e) + (message.isEmpty() ? "" : ": " + message));
  }

  /** "spec.services[0].replicas: ..." in words a user can act on; {@code document} holds the value. */
  private static String describe(JsonProcessingException e, JsonNode document) {
    String path = e instanceof JsonMappingException mapping ? path(mapping.getPath()) : "";
    String field = path.isEmpty() ? "" : path + ": ";
    if (e instanceof UnrecognizedPropertyException unknown) {
      String parent = path(unknown.getPath().subList(0, unknown.getPath().size() - 1));
      return "unknown field \"" + (parent.isEmpty() ? "" : parent + ".") + unknown.getPropertyName() + "\"";
    }
    if (e instanceof InvalidFormatException invalid) {
      Class<?> type = invalid.getTargetType();
      if (type != null && type.isEnum()) {
        return field + "\"" + invalid.getValue() + "\" is not one of "
            + Arrays.stream(type.getEnumConstants()).map(Object::toString).collect(Collectors.joining(", "));
      }
      return field + "\"" + invalid.getValue() + "\" is not " + typeName(type);
    }
    if (e instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
      JsonNode value = document;
      for (JsonMappingException.Reference reference : mismatched.getPath()) {
        value = reference.getFieldName() != null ? value.path(reference.getFieldName()) : value.path(reference.getIndex());
      }
      String shown = value.isValueNode() ? value.toString() + " is not " : "expected ";
      return field + shown + typeName(mismatched.getTargetType());
    }
    return field + firstLine(e.getOriginalMessage());
  }

  private static String path(List<JsonMappingException.Reference> references) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference reference : references) {
      if (reference.getFieldName() != null) {
        out.append(out.length() == 0 ? "" : ".").append(reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        out.append('[').append(reference.getIndex()).append(']');
      }
    }
    return out.toString();
  }

  private static String typeName(Class<?> type) {
    if (type == null) {
      return "of the expected type";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == Double.class || type == double.class || type == Float.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (java.util.Map.class.isAssignableFrom(type)) {
      return "a mapping";
    }
    return "a mapping (" + type.getSimpleName() + ")";
  }

  private static String at(JsonProcessingException e) {
    return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
  }

  private static String rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).trim();
  }

  private static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
    return () -> iterator;
  }
}
