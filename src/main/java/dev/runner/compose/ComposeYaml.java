package dev.runner.compose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * YAML as {@code docker compose} reads it: anchors, aliases and {@code <<} merge keys applied
 * (SnakeYAML does that; Jackson's YAML reader would keep a field named {@code <<}), and the scalars
 * typed as Compose's Go YAML reader types them, by the YAML 1.2 core schema: {@code restart: no}
 * and {@code on} stay strings (YAML 1.1 would make them booleans), {@code 2222:22} stays a string
 * (YAML 1.1 reads a base-60 integer), only {@code true}/{@code false} are booleans. The Compose tags
 * {@code !reset} and {@code !override} are kept as {@link Reset} and {@link Override} for the merge.
 */
final class ComposeYaml {
  /** {@code !reset}: the key is cleared by an override file. */
  enum Reset { RESET }

  /** {@code !override}: the value replaces the overridden one instead of being merged with it. */
  record Override(Object value) {}

  private static final Tag RESET = new Tag("!reset");
  private static final Tag OVERRIDE = new Tag("!override");

  private ComposeYaml() {}

  /** The documents of {@code text}, each a Map, List, String, Boolean, Number or null. */
  static List<Object> load(String text) throws YAMLException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(200);
    Yaml yaml = new Yaml(new Constructor(options), new org.yaml.snakeyaml.representer.Representer(
        new org.yaml.snakeyaml.DumperOptions()), new org.yaml.snakeyaml.DumperOptions(), options, new CoreSchema());
    List<Object> documents = new ArrayList<>();
    for (Object document : yaml.loadAll(text)) {
      documents.add(document);
    }
    return documents;
  }

  /** One line for a user: the problem and where it is. */
  static String describe(YAMLException e) {
    if (e instanceof MarkedYAMLException marked) {
      String problem = marked.getProblem() == null ? "" : marked.getProblem();
      String where = marked.getProblemMark() == null ? ""
          : " at line " + (marked.getProblemMark().getLine() + 1) + ", column " + (marked.getProblemMark().getColumn() + 1);
      String context = marked.getContext() == null ? "" : marked.getContext() + ": ";
      return "not valid YAML" + where + ": " + (context + problem).replace('\n', ' ').trim();
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return "not valid YAML: " + message.lines().findFirst().orElse("").trim();
  }

  /** The scalars of the YAML 1.2 core schema, plus the merge key. */
  private static final class CoreSchema extends Resolver {
    private static final Pattern BOOL_12 = Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$");
    private static final Pattern INT_12 = Pattern.compile("^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$");
    private static final Pattern FLOAT_12 = Pattern.compile(
        "^(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$");

    @java.lang.Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.BOOL, BOOL_12, "tTfF", 10);
      addImplicitResolver(Tag.INT, INT_12, "-+0123456789", 40);
      addImplicitResolver(Tag.FLOAT, FLOAT_12, "-+0123456789.", 40);
      addImplicitResolver(Tag.MERGE, MERGE, "<", 10);
      addImplicitResolver(Tag.NULL, NULL, "~nN\0", 10);
      addImplicitResolver(Tag.NULL, EMPTY, null, 10);
    }
  }

  /** Plain Java values; {@code 0o17} and {@code 0x1f} as YAML 1.2 reads them; the two Compose tags. */
  private static final class Constructor extends SafeConstructor {
    Constructor(LoaderOptions options) {
      super(options);
      this.yamlConstructors.put(RESET, new AbstractConstruct() {
        @java.lang.Override
        public Object construct(Node node) {
          return Reset.RESET;
        }
      });
      this.yamlConstructors.put(OVERRIDE, new AbstractConstruct() {
        @java.lang.Override
        public Object construct(Node node) {
          node.setTag(node.getNodeId() == NodeId.mapping ? Tag.MAP : node.getNodeId() == NodeId.sequence ? Tag.SEQ : Tag.STR);
          return new Override(getConstructor(node).construct(node));
        }
      });
      this.yamlConstructors.put(Tag.INT, new AbstractConstruct() {
        @java.lang.Override
        public Object construct(Node node) {
          String value = constructScalar((org.yaml.snakeyaml.nodes.ScalarNode) node);
          java.math.BigInteger number = value.startsWith("0o") ? new java.math.BigInteger(value.substring(2), 8)
              : value.startsWith("0x") ? new java.math.BigInteger(value.substring(2), 16) : new java.math.BigInteger(value);
          return number.bitLength() < 32 ? (Object) number.intValue() : number.bitLength() < 64 ? (Object) number.longValue() : number;
        }
      });
    }

    @java.lang.Override
    protected Map<Object, Object> createDefaultMap(int initSize) {
      return new LinkedHashMap<>(initSize);
    }
  }
}
