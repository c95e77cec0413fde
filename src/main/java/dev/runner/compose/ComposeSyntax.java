package dev.runner.compose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The short syntax of a service's keys rewritten in their long syntax, so that files mixing the two
 * merge as Compose merges them: {@code environment} and {@code labels} as a list of {@code K=V} or a
 * mapping become a mapping; {@code depends_on} as a list becomes a mapping of
 * {@code {condition: service_started, required: true}}; {@code ports} ({@code "[IP:][HOST:]CONTAINER[/PROTO]"},
 * ranges too), {@code volumes} ({@code "[SOURCE:]TARGET[:MODE]"}) and {@code env_file} become lists of
 * mappings. A value of the wrong shape is an error naming the key, as Compose refuses it.
 */
final class ComposeSyntax {
  /** A value Compose would refuse; the message starts with the key's path. */
  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message);
    }
  }

  /** A container port range longer than this is refused (Compose itself accepts it, a Service would be absurd). */
  static final int MAX_RANGE = 100;

  private ComposeSyntax() {}

  static Map<String, Object> service(String name, Map<String, Object> service) throws Invalid {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : service.entrySet()) {
      String key = entry.getKey();
      Object value = entry.getValue();
      String path = "services." + name + "." + key;
      if (value instanceof ComposeYaml.Override override) {
        out.put(key, new ComposeYaml.Override(normal(path, key, override.value())));
      } else if (value == ComposeYaml.Reset.RESET) {
        out.put(key, value);
      } else {
        out.put(key, normal(path, key, value));
      }
    }
    return out;
  }

  private static Object normal(String path, String key, Object value) throws Invalid {
    if (value == null) {
      return null;
    }
    return switch (key) {
      case "environment", "labels", "annotations" -> keyValues(path, value);
      case "depends_on" -> dependsOn(path, value);
      case "ports" -> ports(path, value);
      case "expose" -> expose(path, value);
      case "volumes" -> volumes(path, value);
      case "env_file" -> envFiles(path, value);
      case "build" -> value instanceof String context ? new LinkedHashMap<>(Map.of("context", context)) : value;
      case "profiles" -> strings(path, value);
      default -> value;
    };
  }

  /** {@code [K=V, K]} or {@code {K: V}} as a mapping; a value-less {@code K} maps to {@code null}. */
  static Map<String, Object> keyValues(String path, Object value) throws Invalid {
    Map<String, Object> out = new LinkedHashMap<>();
    if (value instanceof List<?> list) {
      for (Object item : list) {
        if (!(item instanceof String entry)) {
          throw new Invalid(path + ": each entry must be a string KEY=VALUE, not " + describe(item));
        }
        int equals = entry.indexOf('=');
        out.put(equals < 0 ? entry : entry.substring(0, equals), equals < 0 ? null : entry.substring(equals + 1));
      }
      return out;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<String, Object> entry : ComposeMerge.cast(map).entrySet()) {
        Object v = entry.getValue();
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
          throw new Invalid(path + "." + entry.getKey() + ": must be a string, a number or a boolean, not " + describe(v));
        }
        out.put(entry.getKey(), v == null || v == ComposeYaml.Reset.RESET ? v : String.valueOf(v));
      }
      return out;
    }
    throw new Invalid(path + ": must be a mapping or a list of KEY=VALUE, not " + describe(value));
  }

  private static Map<String, Object> dependsOn(String path, Object value) throws Invalid {
    Map<String, Object> out = new LinkedHashMap<>();
    if (value instanceof List<?> list) {
      for (Object item : list) {
        if (!(item instanceof String dependency)) {
          throw new Invalid(path + ": each entry must be a service name, not " + describe(item));
        }
        out.put(dependency, dependency(ComposeService.Condition.service_started.name(), true, false));
      }
      return out;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<String, Object> entry : ComposeMerge.cast(map).entrySet()) {
        String at = path + "." + entry.getKey();
        if (entry.getValue() == ComposeYaml.Reset.RESET) {
          out.put(entry.getKey(), entry.getValue());
          continue;
        }
        Map<String, Object> long_ = entry.getValue() == null ? Map.of() : mapping(at, entry.getValue());
        Object condition = long_.getOrDefault("condition", ComposeService.Condition.service_started.name());
        try {
          ComposeService.Condition.valueOf(String.valueOf(condition));
        } catch (IllegalArgumentException e) {
          throw new Invalid(at + ".condition: \"" + condition
              + "\" is not service_started, service_healthy or service_completed_successfully");
        }
        Map<String, Object> normal = dependency(String.valueOf(condition), bool(at + ".required", long_.get("required"), true),
            bool(at + ".restart", long_.get("restart"), false));
        for (String extra : long_.keySet()) {
          if (!normal.containsKey(extra)) {
            throw new Invalid(at + ": unknown key \"" + extra + "\" (condition, required and restart are)");
          }
        }
        out.put(entry.getKey(), normal);
      }
      return out;
    }
    throw new Invalid(path + ": must be a list of service names or a mapping, not " + describe(value));
  }

  private static Map<String, Object> dependency(String condition, boolean required, boolean restart) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("condition", condition);
    out.put("required", required);
    out.put("restart", restart);
    return out;
  }

  private static List<Object> ports(String path, Object value) throws Invalid {
    List<Object> out = new ArrayList<>();
    for (Object item : list(path, value)) {
      if (item instanceof Map<?, ?> map) {
        Map<String, Object> long_ = new LinkedHashMap<>(ComposeMerge.cast(map));
        Object target = long_.get("target");
        if (target == null) {
          throw new Invalid(path + ": a port in the long syntax needs target");
        }
        long_.put("target", port(path, String.valueOf(target)));
        long_.put("published", long_.get("published") == null ? "" : String.valueOf(long_.get("published")));
        long_.put("protocol", long_.get("protocol") == null ? "tcp" : String.valueOf(long_.get("protocol")).toLowerCase());
        long_.putIfAbsent("host_ip", "");
        out.add(long_);
      } else if (item instanceof String || item instanceof Integer) {
        out.addAll(shortPort(path, String.valueOf(item)));
      } else {
        throw new Invalid(path + ": " + describe(item) + " is not a port");
      }
    }
    return out;
  }

  /** {@code [IP:][HOST:]CONTAINER[/PROTOCOL]}, either side possibly a range {@code 8000-8010}. */
  private static List<Object> shortPort(String path, String text) throws Invalid {
    String spec = text.strip();
    String protocol = "tcp";
    int slash = spec.lastIndexOf('/');
    if (slash >= 0) {
      protocol = spec.substring(slash + 1).toLowerCase();
      spec = spec.substring(0, slash);
    }
    String ip = "";
    if (spec.startsWith("[")) {
      int close = spec.indexOf("]:");
      if (close < 0) {
        throw new Invalid(path + ": \"" + text + "\" is not a port ([IP:][HOST:]CONTAINER[/PROTOCOL])");
      }
      ip = spec.substring(1, close);
      spec = spec.substring(close + 2);
    }
    String[] parts = spec.split(":", -1);
    String published;
    String container;
    if (parts.length == 1) {
      published = "";
      container = parts[0];
    } else if (parts.length == 2) {
      published = parts[0];
      container = parts[1];
    } else if (parts.length == 3 && ip.isEmpty()) {
      ip = parts[0];
      published = parts[1];
      container = parts[2];
    } else {
      throw new Invalid(path + ": \"" + text + "\" is not a port ([IP:][HOST:]CONTAINER[/PROTOCOL])");
    }
    List<Integer> targets = range(path, text, container);
    List<Integer> hosts = published.isEmpty() ? List.of() : range(path, text, published);
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      Map<String, Object> long_ = new LinkedHashMap<>();
      long_.put("target", targets.get(i));
      long_.put("published", hosts.isEmpty() ? "" : hosts.size() == targets.size() ? String.valueOf(hosts.get(i))
          : published);
      long_.put("protocol", protocol);
      long_.put("host_ip", ip);
      out.add(long_);
    }
    return out;
  }

  private static List<Integer> range(String path, String text, String ports) throws Invalid {
    int dash = ports.indexOf('-');
    if (dash < 0) {
      return List.of(port(path, ports));
    }
    int first = port(path, ports.substring(0, dash));
    int last = port(path, ports.substring(dash + 1));
    if (last < first || last - first >= MAX_RANGE) {
      throw new Invalid(path + ": \"" + text + "\": the range " + ports + " must go up and hold at most " + MAX_RANGE + " ports");
    }
    List<Integer> out = new ArrayList<>();
    for (int p = first; p <= last; p++) {
      out.add(p);
    }
    return out;
  }

  private static int port(String path, String text) throws Invalid {
    try {
      int port = Integer.parseInt(text.strip());
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // the message below
    }
    throw new Invalid(path + ": \"" + text + "\" is not a port number (1-65535)");
  }

  private static List<Object> expose(String path, Object value) throws Invalid {
    List<Object> out = new ArrayList<>();
    for (Object item : list(path, value)) {
      out.addAll(shortPort(path, String.valueOf(item)));
    }
    return out;
  }

  private static List<Object> volumes(String path, Object value) throws Invalid {
    List<Object> out = new ArrayList<>();
    for (Object item : list(path, value)) {
      if (item instanceof Map<?, ?> map) {
        Map<String, Object> long_ = new LinkedHashMap<>(ComposeMerge.cast(map));
        if (long_.get("target") == null) {
          throw new Invalid(path + ": a volume in the long syntax needs target");
        }
        long_.putIfAbsent("type", "volume");
        long_.putIfAbsent("source", "");
        long_.put("read_only", bool(path + ".read_only", long_.get("read_only"), false));
        out.add(long_);
      } else if (item instanceof String text) {
        String[] parts = text.split(":", -1);
        Map<String, Object> long_ = new LinkedHashMap<>();
        String source = parts.length >= 2 ? parts[0] : "";
        String target = parts.length >= 2 ? parts[1] : parts[0];
        if (parts.length > 3 || target.isEmpty()) {
          throw new Invalid(path + ": \"" + text + "\" is not a volume ([SOURCE:]TARGET[:MODE])");
        }
        boolean path_ = source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
        long_.put("type", path_ ? "bind" : "volume");
        long_.put("source", source);
        long_.put("target", target);
        long_.put("read_only", parts.length == 3 && List.of(parts[2].split(",")).contains("ro"));
        out.add(long_);
      } else {
        throw new Invalid(path + ": " + describe(item) + " is not a volume");
      }
    }
    return out;
  }

  private static List<Object> envFiles(String path, Object value) throws Invalid {
    List<Object> out = new ArrayList<>();
    for (Object item : value instanceof String ? List.of(value) : list(path, value)) {
      Map<String, Object> long_ = new LinkedHashMap<>();
      if (item instanceof String file) {
        long_.put("path", file);
        long_.put("required", true);
      } else if (item instanceof Map<?, ?> map && map.get("path") instanceof String file) {
        long_.put("path", file);
        long_.put("required", bool(path + ".required", map.get("required"), true));
        if (map.get("format") != null && !"raw".equals(map.get("format"))) {
          throw new Invalid(path + ".format: \"" + map.get("format") + "\" is not known (raw is, or none)");
        }
        if (map.get("format") != null) {
          long_.put("format", "raw");
        }
      } else {
        throw new Invalid(path + ": each entry must be a file name or {path, required}, not " + describe(item));
      }
      out.add(long_);
    }
    return out;
  }

  private static List<Object> strings(String path, Object value) throws Invalid {
    List<Object> out = new ArrayList<>();
    for (Object item : list(path, value)) {
      if (!(item instanceof String)) {
        throw new Invalid(path + ": each entry must be a string, not " + describe(item));
      }
      out.add(item);
    }
    return out;
  }

  private static List<?> list(String path, Object value) throws Invalid {
    if (value instanceof List<?> list) {
      return list;
    }
    throw new Invalid(path + ": must be a list, not " + describe(value));
  }

  private static Map<String, Object> mapping(String path, Object value) throws Invalid {
    if (value instanceof Map<?, ?> map) {
      return ComposeMerge.cast(map);
    }
    throw new Invalid(path + ": must be a mapping, not " + describe(value));
  }

  private static boolean bool(String path, Object value, boolean otherwise) throws Invalid {
    if (value == null) {
      return otherwise;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s && (s.equals("true") || s.equals("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw new Invalid(path + ": must be true or false, not " + describe(value));
  }

  static String describe(Object value) {
    if (value == null) {
      return "nothing";
    }
    if (value instanceof Map<?, ?>) {
      return "a mapping";
    }
    if (value instanceof List<?>) {
      return "a list";
    }
    return "\"" + value + "\"";
  }
}
