package dev.runner.core;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Whether the pod template on the live workload has been changed by someone else
 * ({@code kubectl set image}, {@code kubectl edit}) away from the spec: the operator's own hash
 * annotation cannot see that. Only what the spec says is compared, field by field, for every
 * container and init container (by name): the set of containers, image, command, args, env
 * values (a valueFrom only by its presence). Fields the spec leaves out are the API server's to default and are not compared, so a
 * defaulted value never looks like drift (which would roll the workload on every reconcile).
 */
public final class TemplateDrift {
  private TemplateDrift() {}

  public static boolean drifted(PodTemplateSpec wanted, PodTemplateSpec live) {
    if (wanted == null || wanted.getSpec() == null) {
      return false;
    }
    if (live == null || live.getSpec() == null) {
      return true;
    }
    PodSpec w = wanted.getSpec();
    PodSpec l = live.getSpec();
    return differ(w.getContainers(), l.getContainers()) || differ(w.getInitContainers(), l.getInitContainers());
  }

  private static boolean differ(List<Container> wanted, List<Container> live) {
    List<Container> w = wanted == null ? List.of() : wanted;
    List<Container> l = live == null ? List.of() : live;
    Map<String, Container> byName = l.stream()
        .filter(c -> c.getName() != null)
        .collect(Collectors.toMap(Container::getName, Function.identity(), (a, b) -> a));
    if (w.size() != l.size()) {
      return true;
    }
    for (Container c : w) {
      Container other = byName.get(c.getName());
      if (other == null
          || !Objects.equals(c.getImage(), other.getImage())
          || setAndDiffer(c.getCommand(), other.getCommand())
          || setAndDiffer(c.getArgs(), other.getArgs())
          || setAndDiffer(env(c), env(other))) {
        return true;
      }
    }
    return false;
  }

  private static <T> boolean setAndDiffer(T wanted, T live) {
    boolean unset = wanted == null || (wanted instanceof List<?> list && list.isEmpty())
        || (wanted instanceof Map<?, ?> map && map.isEmpty());
    if (unset) {
      // Not said in the spec: someone adding one is drift only where the spec says something.
      return false;
    }
    return !Objects.equals(wanted, live);
  }

  /** Env values by name (valueFrom references compared as given). */
  private static Map<String, String> env(Container c) {
    if (c.getEnv() == null) {
      return Map.of();
    }
    return c.getEnv().stream().collect(Collectors.toMap(e -> e.getName(),
        // A valueFrom reference is defaulted by the API server (fieldRef.apiVersion): only its presence is compared.
        e -> e.getValue() != null ? "=" + e.getValue() : e.getValueFrom() != null ? "valueFrom" : "", (a, b) -> b,
        java.util.TreeMap::new));
  }
}
