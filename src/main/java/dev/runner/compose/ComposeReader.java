package dev.runner.compose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads Compose files as {@code docker compose} does: each file parsed ({@link ComposeYaml}) and
 * interpolated on its own ({@link Interpolation}: the variables are the environment's, then those of
 * the {@code .env} file in the project directory, the environment winning), then merged in order
 * ({@link ComposeMerge}), then the services whose profiles are all off left out. The project
 * directory is the first file's; relative paths ({@code env_file}, bind mounts) are taken from it,
 * whichever file names them, as Compose does.
 *
 * <p>The project name is, as {@code docker compose} decides it: the one given ({@code --name}, like
 * compose's {@code -p}), else {@code COMPOSE_PROJECT_NAME} (environment or {@code .env}), else the
 * top-level {@code name:} (of the last file that sets it), else the name of the project directory.
 */
public final class ComposeReader {
  /** The service keys the conversion reads; every other key of a service is reported as not mapped. */
  static final Set<String> MAPPED = Set.of("image", "build", "command", "entrypoint", "environment", "env_file",
      "working_dir", "user", "ports", "expose", "healthcheck", "depends_on", "restart", "deploy", "scale", "volumes",
      "labels", "profiles");
  private static final Set<String> TOP_LEVEL = Set.of("version", "name", "services", "volumes", "networks", "configs",
      "secrets", "include");

  /**
   * @param projectName {@code --name}, {@code null} when not given
   * @param profiles the {@code --profile} flags; when none, {@code COMPOSE_PROFILES} (comma-separated) as compose reads it
   */
  public record Options(String projectName, List<String> profiles) {
    public static Options defaults() {
      return new Options(null, List.of());
    }
  }

  private final Map<String, String> environment;

  /** @param environment the process environment ({@code System.getenv()}), handed in so tests choose it */
  public ComposeReader(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  /**
   * Whether {@code text} is a Compose file rather than Kubernetes objects: its first YAML document is a
   * mapping with a top-level {@code services} mapping and neither {@code apiVersion} nor {@code kind}.
   */
  public static boolean isCompose(String text) {
    try {
      List<Object> documents = ComposeYaml.load(text);
      return !documents.isEmpty() && documents.get(0) instanceof Map<?, ?> top && top.get("services") instanceof Map<?, ?>
          && !top.containsKey("apiVersion") && !top.containsKey("kind");
    } catch (YAMLException e) {
      return false;
    }
  }

  /** {@link #isCompose(String)} of the file; {@code false} when it cannot be read (its reader says why). */
  public static boolean isCompose(Path file) {
    try {
      return isCompose(Files.readString(file));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  public ComposeProject read(List<Path> files, Options options) throws ComposeException {
    if (files.isEmpty()) {
      throw new ComposeException("no Compose file given");
    }
    Path first = files.get(0).toAbsolutePath().normalize();
    Path directory = first.getParent();
    Map<String, String> variables = new LinkedHashMap<>(dotEnv(directory));
    variables.putAll(environment);
    Interpolation interpolation = new Interpolation(variables);
    List<Finding> findings = new ArrayList<>();
    Set<String> unset = new TreeSet<>();
    Map<String, Object> merged = new LinkedHashMap<>();
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      Map<String, Object> normal = normal(file, i == 0, interpolation, unset);
      if (normal.get("services") instanceof Map<?, ?> services) {
        Map<String, Object> resolved = new LinkedHashMap<>();
        for (String service : ComposeMerge.cast(services).keySet()) {
          resolved.put(service, extend(file, ComposeMerge.cast(services), service, interpolation, unset, new LinkedHashSet<>()));
        }
        normal.put("services", resolved);
      }
      merged = i == 0 ? ComposeMerge.cast((Map<?, ?>) ComposeMerge.plain(normal)) : ComposeMerge.files(merged, normal);
    }
    for (String name : unset) {
      findings.add(new Finding("", "${" + name + "}", Finding.Severity.WARNING,
          "the variable " + name + " is not set: it is read as a blank string", "set it in the environment or in .env"));
    }
    for (String key : merged.keySet()) {
      if (!TOP_LEVEL.contains(key) && !key.startsWith("x-")) {
        findings.add(new Finding("", key, Finding.Severity.WARNING, "this top-level key is not Compose's or not mapped",
            "remove it, or carry it over by hand"));
      }
    }
    topLevel(merged, findings);
    String name = options.projectName() != null ? options.projectName()
        : variables.get("COMPOSE_PROJECT_NAME") != null && !variables.get("COMPOSE_PROJECT_NAME").isEmpty()
            ? variables.get("COMPOSE_PROJECT_NAME")
        : merged.get("name") != null ? String.valueOf(merged.get("name"))
        : directory.getFileName() == null ? "compose" : directory.getFileName().toString();
    List<String> profiles = new ArrayList<>(options.profiles());
    if (profiles.isEmpty() && variables.get("COMPOSE_PROFILES") != null) {
      for (String profile : variables.get("COMPOSE_PROFILES").split(",")) {
        if (!profile.isBlank()) {
          profiles.add(profile.strip());
        }
      }
    }
    Map<String, ComposeService> services = new LinkedHashMap<>();
    List<String> disabled = new ArrayList<>();
    Map<String, Object> all = merged.get("services") instanceof Map<?, ?> map ? ComposeMerge.cast(map) : Map.of();
    for (Map.Entry<String, Object> entry : all.entrySet()) {
      ComposeService service;
      try {
        service = service(entry.getKey(), ComposeMerge.cast((Map<?, ?>) entry.getValue()), directory, variables);
      } catch (ComposeException e) {
        // A value no file alone is to blame for, once merged: name them all.
        throw new ComposeException(e.getMessage().startsWith("services.")
            ? String.join(" + ", files.stream().map(Path::toString).toList()) + ": " + e.getMessage() : e.getMessage());
      }
      if (service.profiles().isEmpty() || profiles.contains("*")
          || service.profiles().stream().anyMatch(profiles::contains)) {
        services.put(entry.getKey(), service);
      } else {
        disabled.add(entry.getKey());
      }
    }
    List<String> volumes = merged.get("volumes") instanceof Map<?, ?> v ? List.copyOf(ComposeMerge.cast(v).keySet()) : List.of();
    return new ComposeProject(name, directory, services, List.copyOf(disabled), volumes, List.copyOf(findings));
  }

  /** The file read, interpolated, and its services' keys in their long syntax. */
  private Map<String, Object> normal(Path file, boolean first, Interpolation interpolation, Set<String> unset)
      throws ComposeException {
    Map<String, Object> top = load(file, first);
    try {
      top = ComposeMerge.cast((Map<?, ?>) interpolate(top, interpolation, unset));
    } catch (Interpolation.Failure e) {
      throw new ComposeException(file + ": " + e.getMessage());
    }
    Map<String, Object> normal = new LinkedHashMap<>(top);
    if (top.get("services") instanceof Map<?, ?> services) {
      Map<String, Object> each = new LinkedHashMap<>();
      for (Map.Entry<String, Object> service : ComposeMerge.cast(services).entrySet()) {
        Object value = service.getValue();
        if (value == null) {
          value = new LinkedHashMap<String, Object>();
        }
        if (!(value instanceof Map<?, ?> body)) {
          throw new ComposeException(file + ": services." + service.getKey() + ": must be a mapping, not "
              + ComposeSyntax.describe(value));
        }
        try {
          each.put(service.getKey(), ComposeSyntax.service(service.getKey(), ComposeMerge.cast(body)));
        } catch (ComposeSyntax.Invalid e) {
          throw new ComposeException(file + ": " + e.getMessage());
        }
      }
      normal.put("services", each);
    }
    return normal;
  }

  /**
   * The service {@code name} of {@code file} with its {@code extends} resolved, as Compose resolves it: the
   * base service (of the same file, or of {@code file:}, relative to the file that names it) merged with
   * this one by the merge rules, this one's keys winning; a cycle is an error.
   */
  private Map<String, Object> extend(Path file, Map<String, Object> services, String name, Interpolation interpolation,
      Set<String> unset, Set<String> visiting) throws ComposeException {
    String at = file + ": services." + name + ".extends";
    if (!(services.get(name) instanceof Map<?, ?> raw)) {
      throw new ComposeException(at.substring(0, at.length() - ".extends".length()) + ": no such service");
    }
    Map<String, Object> service = ComposeMerge.cast(raw);
    Object extension = service.get("extends");
    if (extension == null) {
      return service;
    }
    if (!visiting.add(file.toAbsolutePath().normalize() + "#" + name)) {
      throw new ComposeException(at + ": a cycle (" + String.join(" -> ", visiting) + " -> " + name + ")");
    }
    String base;
    Object other = null;
    if (extension instanceof String short_) {
      base = short_;
    } else if (extension instanceof Map<?, ?> long_ && long_.get("service") instanceof String named) {
      base = named;
      other = long_.get("file");
    } else {
      throw new ComposeException(at + ": must be a service name or {service, file}");
    }
    Path baseFile = file;
    Map<String, Object> baseServices = services;
    if (other != null) {
      Path parent = file.toAbsolutePath().getParent();
      baseFile = parent.resolve(String.valueOf(other)).normalize();
      Map<String, Object> top = normal(baseFile, false, interpolation, unset);
      baseServices = top.get("services") instanceof Map<?, ?> map ? ComposeMerge.cast(map) : Map.of();
    }
    if (!baseServices.containsKey(base)) {
      throw new ComposeException(at + ": there is no service " + base + (other == null ? "" : " in " + baseFile));
    }
    Map<String, Object> own = new LinkedHashMap<>(service);
    own.remove("extends");
    Map<String, Object> resolved = ComposeMerge.service(
        ComposeMerge.cast((Map<?, ?>) ComposeMerge.plain(extend(baseFile, baseServices, base, interpolation, unset, visiting))),
        own);
    visiting.remove(file.toAbsolutePath().normalize() + "#" + name);
    return resolved;
  }

  private Map<String, Object> load(Path file, boolean first) throws ComposeException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ComposeException(file + ": no such file");
    } catch (IOException | RuntimeException e) {
      throw new ComposeException(file + ": cannot be read: " + (e.getMessage() == null ? e.getClass().getSimpleName()
          : e.getMessage().lines().findFirst().orElse("")));
    }
    List<Object> documents;
    try {
      documents = ComposeYaml.load(text);
    } catch (YAMLException e) {
      throw new ComposeException(file + ": " + ComposeYaml.describe(e));
    }
    documents.removeIf(java.util.Objects::isNull);
    if (documents.size() != 1 || !(documents.get(0) instanceof Map<?, ?> map)) {
      throw new ComposeException(file + ": not a Compose file: " + (documents.isEmpty() ? "it is empty"
          : documents.size() > 1 ? "it holds " + documents.size() + " YAML documents, Compose reads one"
          : "it is " + ComposeSyntax.describe(documents.get(0)) + ", not a mapping with services:"));
    }
    Map<String, Object> top = ComposeMerge.cast(map);
    if (top.containsKey("apiVersion") || top.containsKey("kind")) {
      throw new ComposeException(file + ": not a Compose file: it is a Kubernetes object"
          + (top.get("kind") == null ? "" : " (kind " + top.get("kind") + ")"));
    }
    if (top.containsKey("services") ? !(top.get("services") instanceof Map<?, ?>) : first) {
      throw new ComposeException(file + ": not a Compose file: " + (top.containsKey("services")
          ? "services: must be a mapping of service names" : "it has no top-level services:"));
    }
    return top;
  }

  /** The project's {@code .env}, if there is one; its values are interpolated from the environment. */
  private Map<String, String> dotEnv(Path directory) throws ComposeException {
    Path file = directory.resolve(".env");
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    try {
      return DotEnv.parse(Files.readString(file), environment);
    } catch (IOException e) {
      throw new ComposeException(file + ": cannot be read: " + e.getMessage());
    } catch (DotEnv.Malformed e) {
      throw new ComposeException(file + ": " + e.getMessage());
    }
  }

  /** Every string value interpolated; keys are not, as in Compose. */
  private static Object interpolate(Object value, Interpolation interpolation, Set<String> unset) throws Interpolation.Failure {
    if (value instanceof String text) {
      return interpolation.apply(text, unset);
    }
    if (value instanceof ComposeYaml.Override override) {
      return new ComposeYaml.Override(interpolate(override.value(), interpolation, unset));
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<String, Object> entry : ComposeMerge.cast(map).entrySet()) {
        out.put(entry.getKey(), interpolate(entry.getValue(), interpolation, unset));
      }
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (Object item : list) {
        out.add(interpolate(item, interpolation, unset));
      }
      return out;
    }
    return value;
  }

  private static void topLevel(Map<String, Object> merged, List<Finding> findings) {
    if (merged.get("volumes") instanceof Map<?, ?> volumes) {
      ComposeMerge.cast(volumes).forEach((name, options) -> {
        if (options instanceof Map<?, ?> map && !map.isEmpty()) {
          findings.add(new Finding("", "volumes." + name, Finding.Severity.WARNING,
              "the volume's options (" + String.join(", ", ComposeMerge.cast(map).keySet()) + ") are not mapped: "
                  + "its claims use the cluster's default StorageClass",
              "set storageClassName in the service's volumeClaimTemplates if it needs another"));
        }
      });
    }
    if (merged.get("networks") instanceof Map<?, ?> networks && !networks.isEmpty()) {
      findings.add(new Finding("", "networks", Finding.Severity.NOTE,
          "not mapped: every service of the group shares the namespace's network and is reached by its Service name", ""));
    }
    for (String key : List.of("configs", "secrets")) {
      if (merged.get(key) instanceof Map<?, ?> map && !map.isEmpty()) {
        findings.add(new Finding("", key, Finding.Severity.WARNING, "not mapped",
            "create a Kubernetes " + (key.equals("secrets") ? "Secret" : "ConfigMap") + " and mount it in the services' templates"));
      }
    }
    if (merged.get("include") != null) {
      findings.add(new Finding("", "include", Finding.Severity.WARNING, "not followed: the included files' services are left out",
          "give the included files as further COMPOSE_FILE arguments (they are then merged, not included)"));
    }
  }

  private static ComposeService service(String name, Map<String, Object> body, Path directory, Map<String, String> variables)
      throws ComposeException {
    List<String> unmapped = new ArrayList<>();
    for (String key : body.keySet()) {
      if (!MAPPED.contains(key) && !key.startsWith("x-")) {
        unmapped.add(key);
      }
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (Object entry : list(body.get("env_file"))) {
      Map<String, Object> file = ComposeMerge.cast((Map<?, ?>) entry);
      Path path = directory.resolve(String.valueOf(file.get("path"))).normalize();
      if (!Files.isRegularFile(path)) {
        if (Boolean.TRUE.equals(file.get("required"))) {
          throw new ComposeException(path + ": no such file (env_file of service " + name
              + "; give it required: false if it may be missing)");
        }
        continue;
      }
      try {
        if ("raw".equals(file.get("format"))) {
          for (String line : Files.readAllLines(path)) {
            int equals = line.indexOf('=');
            if (equals > 0) {
              env.put(line.substring(0, equals), line.substring(equals + 1));
            }
          }
        } else {
          env.putAll(DotEnv.parse(Files.readString(path), variables));
        }
      } catch (IOException e) {
        throw new ComposeException(path + ": cannot be read: " + e.getMessage());
      } catch (DotEnv.Malformed e) {
        throw new ComposeException(path + ": " + e.getMessage());
      }
    }
    for (Map.Entry<String, Object> entry : map(body.get("environment")).entrySet()) {
      if (entry.getValue() != null) {
        env.put(entry.getKey(), String.valueOf(entry.getValue()));
      } else if (variables.containsKey(entry.getKey())) {
        env.put(entry.getKey(), variables.get(entry.getKey()));
      } else {
        env.remove(entry.getKey());
      }
    }
    List<ComposeService.Port> ports = ports(body.get("ports"), unmapped);
    List<ComposeService.Port> expose = ports(body.get("expose"), unmapped);
    Map<String, ComposeService.Dependency> dependsOn = new LinkedHashMap<>();
    map(body.get("depends_on")).forEach((dependency, value) -> {
      Map<String, Object> long_ = ComposeMerge.cast((Map<?, ?>) value);
      dependsOn.put(dependency, new ComposeService.Dependency(ComposeService.Condition.valueOf(String.valueOf(long_.get("condition"))),
          Boolean.TRUE.equals(long_.get("required")), Boolean.TRUE.equals(long_.get("restart"))));
    });
    Map<String, Object> deploy = map(body.get("deploy"));
    for (String key : deploy.keySet()) {
      if (!Set.of("replicas", "resources", "restart_policy").contains(key)) {
        unmapped.add("deploy." + key);
      }
    }
    Map<String, Object> resources = map(deploy.get("resources"));
    for (String key : resources.keySet()) {
      if (!Set.of("limits", "reservations").contains(key)) {
        unmapped.add("deploy.resources." + key);
      }
    }
    Map<String, Object> policy = map(deploy.get("restart_policy"));
    ComposeService.RestartPolicy restartPolicy = policy.isEmpty() ? null : new ComposeService.RestartPolicy(
        text(policy.get("condition")), text(policy.get("delay")), integer(name, "deploy.restart_policy.max_attempts",
        policy.get("max_attempts")), text(policy.get("window")));
    Integer replicas = integer(name, "deploy.replicas", deploy.get("replicas"));
    if (replicas == null) {
      replicas = integer(name, "scale", body.get("scale"));
    }
    List<ComposeService.Mount> volumes = new ArrayList<>();
    for (Object entry : list(body.get("volumes"))) {
      Map<String, Object> long_ = ComposeMerge.cast((Map<?, ?>) entry);
      String type = String.valueOf(long_.get("type"));
      ComposeService.MountType kind = switch (type) {
        case "volume" -> ComposeService.MountType.volume;
        case "bind" -> ComposeService.MountType.bind;
        case "tmpfs" -> ComposeService.MountType.tmpfs;
        default -> ComposeService.MountType.other;
      };
      volumes.add(new ComposeService.Mount(kind, kind == ComposeService.MountType.other ? type : text(long_.get("source")),
          String.valueOf(long_.get("target")), Boolean.TRUE.equals(long_.get("read_only"))));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    map(body.get("labels")).forEach((key, value) -> labels.put(key, value == null ? "" : String.valueOf(value)));
    List<String> profiles = new ArrayList<>();
    list(body.get("profiles")).forEach(profile -> profiles.add(String.valueOf(profile)));
    return new ComposeService(name, text(body.get("image")), body.get("build") != null,
        words(body.get("entrypoint")), words(body.get("command")), env, text(body.get("working_dir")),
        text(body.get("user")), ports, expose, healthcheck(name, body.get("healthcheck")), dependsOn,
        body.get("restart") instanceof Boolean b && !b ? "no" : text(body.get("restart")), restartPolicy, replicas,
        resources(map(resources.get("limits"))), resources(map(resources.get("reservations"))), volumes, labels, profiles,
        unmapped);
  }

  private static List<ComposeService.Port> ports(Object value, List<String> unmapped) {
    List<ComposeService.Port> out = new ArrayList<>();
    for (Object entry : list(value)) {
      Map<String, Object> long_ = ComposeMerge.cast((Map<?, ?>) entry);
      for (String key : long_.keySet()) {
        if (!Set.of("target", "published", "protocol", "host_ip").contains(key) && !unmapped.contains("ports." + key)) {
          unmapped.add("ports." + key);
        }
      }
      out.add(new ComposeService.Port((Integer) long_.get("target"), String.valueOf(long_.get("published")),
          String.valueOf(long_.get("protocol"))));
    }
    return out;
  }

  private static ComposeService.Healthcheck healthcheck(String service, Object value) throws ComposeException {
    if (value == null) {
      return null;
    }
    if (!(value instanceof Map<?, ?> raw)) {
      throw new ComposeException("services." + service + ".healthcheck: must be a mapping");
    }
    Map<String, Object> check = ComposeMerge.cast(raw);
    Object test = check.get("test");
    List<String> command = test == null ? null : test instanceof String shell ? List.of("CMD-SHELL", shell)
        : list(test).stream().map(String::valueOf).toList();
    return new ComposeService.Healthcheck(Boolean.TRUE.equals(check.get("disable")), command, text(check.get("interval")),
        text(check.get("timeout")), integer(service, "healthcheck.retries", check.get("retries")),
        text(check.get("start_period")), text(check.get("start_interval")));
  }

  private static ComposeService.Resources resources(Map<String, Object> values) {
    if (values.isEmpty()) {
      return null;
    }
    List<String> other = values.keySet().stream().filter(key -> !key.equals("cpus") && !key.equals("memory")).toList();
    return new ComposeService.Resources(text(values.get("cpus")), text(values.get("memory")), other);
  }

  /** A string as Compose splits it into words (shell quoting, no expansion); a list as it is; {@code null} when unset. */
  static List<String> words(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(String::valueOf).toList();
    }
    String text = String.valueOf(value);
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < text.length() && "\"\\$`".indexOf(text.charAt(i + 1)) >= 0) {
          word.append(text.charAt(++i));
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (c == '\\' && i + 1 < text.length()) {
        word.append(text.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          out.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      out.add(word.toString());
    }
    return out;
  }

  private static Integer integer(String service, String key, Object value) throws ComposeException {
    if (value == null) {
      return null;
    }
    try {
      return Integer.valueOf(String.valueOf(value).strip());
    } catch (NumberFormatException e) {
      throw new ComposeException("services." + service + "." + key + ": \"" + value + "\" is not an integer");
    }
  }

  private static String text(Object value) {
    return value == null ? null : String.valueOf(value);
  }

  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> map ? ComposeMerge.cast(map) : Map.of();
  }

  private static List<?> list(Object value) {
    return value instanceof List<?> list ? list : List.of();
  }
}
