package dev.runner.compose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Several Compose files merged in order, by the Compose spec's rules ("Merge and override"): a
 * mapping gets the entries it lacks and the shared ones merged; a sequence gets the later file's
 * entries appended; {@code command}, {@code entrypoint} and {@code healthcheck.test} are replaced;
 * {@code ports} (unique by host IP, published port, target and protocol), {@code volumes} (by target)
 * and {@code env_file} (by path) merge the entries that share a key; {@code !reset} removes a value and
 * {@code !override} replaces it. Works on the normal form ({@link ComposeSyntax#service}), so that
 * {@code environment} as a list in one file and a mapping in the next merge by variable, as Compose does.
 */
final class ComposeMerge {
  private ComposeMerge() {}

  /** {@code override} merged onto {@code base} (the top level of two files). */
  static Map<String, Object> files(Map<String, Object> base, Map<String, Object> override) {
    Map<String, Object> merged = new LinkedHashMap<>(base);
    for (Map.Entry<String, Object> entry : override.entrySet()) {
      String key = entry.getKey();
      Object value = entry.getValue();
      if (key.equals("services") && merged.get(key) instanceof Map<?, ?> old && value instanceof Map<?, ?> services) {
        Map<String, Object> all = new LinkedHashMap<>(cast(old));
        for (Map.Entry<String, Object> service : cast(services).entrySet()) {
          Object previous = all.get(service.getKey());
          if (previous instanceof Map<?, ?> before && service.getValue() instanceof Map<?, ?> after) {
            all.put(service.getKey(), service(cast(before), cast(after)));
          } else {
            put(all, service.getKey(), value(null, service.getValue(), ""));
          }
        }
        merged.put(key, all);
      } else {
        put(merged, key, value(merged.get(key), value, key));
      }
    }
    return merged;
  }

  /** {@code value} without its {@code !reset} entries and {@code !override} wrappers (a file merged onto nothing). */
  static Object plain(Object value) {
    if (value instanceof ComposeYaml.Override override) {
      return plain(override.value());
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      cast(map).forEach((k, v) -> {
        if (v != ComposeYaml.Reset.RESET) {
          out.put(k, plain(v));
        }
      });
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (Object item : list) {
        if (item != ComposeYaml.Reset.RESET) {
          out.add(plain(item));
        }
      }
      return out;
    }
    return value;
  }

  /** {@code override} merged onto {@code base}, two definitions of one service (of two files, or {@code extends}). */
  static Map<String, Object> service(Map<String, Object> base, Map<String, Object> override) {
    Map<String, Object> merged = new LinkedHashMap<>(base);
    for (Map.Entry<String, Object> entry : override.entrySet()) {
      put(merged, entry.getKey(), value(merged.get(entry.getKey()), entry.getValue(), entry.getKey()));
    }
    return merged;
  }

  /** The merged value of {@code key}; {@code Reset.RESET} when the key is to be removed. */
  private static Object value(Object base, Object override, String key) {
    if (override == ComposeYaml.Reset.RESET) {
      return ComposeYaml.Reset.RESET;
    }
    if (override instanceof ComposeYaml.Override replace) {
      return plain(replace.value());
    }
    if (base == null) {
      return plain(override);
    }
    switch (key) {
      case "command", "entrypoint", "test":
        return plain(override);
      case "ports":
        return unique(base, override, port -> List.of(text(port, "host_ip"), text(port, "published"), text(port, "target"),
            text(port, "protocol")));
      case "volumes":
        return base instanceof List<?> ? unique(base, override, volume -> text(volume, "target")) : mapping(base, override);
      case "env_file":
        return unique(base, override, file -> text(file, "path"));
      default:
        break;
    }
    if (base instanceof Map<?, ?> && override instanceof Map<?, ?>) {
      return mapping(base, override);
    }
    if (base instanceof List<?> before && override instanceof List<?> after) {
      List<Object> out = new ArrayList<>(before);
      for (Object item : after) {
        Object clean = plain(item);
        if (!out.contains(clean)) {
          out.add(clean);
        }
      }
      return out;
    }
    return plain(override);
  }

  private static Map<String, Object> mapping(Object base, Object override) {
    Map<String, Object> out = new LinkedHashMap<>(cast((Map<?, ?>) base));
    for (Map.Entry<String, Object> entry : cast((Map<?, ?>) override).entrySet()) {
      put(out, entry.getKey(), value(out.get(entry.getKey()), entry.getValue(), entry.getKey()));
    }
    return out;
  }

  /** The entries of both lists; one of {@code override} replaces the entry of {@code base} with the same key. */
  private static List<Object> unique(Object base, Object override, Function<Object, Object> key) {
    List<Object> out = new ArrayList<>(base instanceof List<?> list ? list : List.of());
    for (Object item : override instanceof List<?> list ? list : List.of()) {
      Object clean = plain(item);
      Object k = key.apply(clean);
      int index = -1;
      for (int i = 0; i < out.size(); i++) {
        if (Objects.equals(key.apply(out.get(i)), k)) {
          index = i;
        }
      }
      if (index >= 0) {
        out.set(index, clean);
      } else {
        out.add(clean);
      }
    }
    return out;
  }

  private static String text(Object entry, String field) {
    return entry instanceof Map<?, ?> map && map.get(field) != null ? String.valueOf(map.get(field)) : "";
  }

  private static void put(Map<String, Object> map, String key, Object value) {
    if (value == ComposeYaml.Reset.RESET) {
      map.remove(key);
    } else {
      map.put(key, value);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> cast(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }
}
