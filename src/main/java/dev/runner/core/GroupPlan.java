package dev.runner.core;

import dev.runner.api.Limits;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServiceSpec;
import dev.runner.api.WorkloadKind;
import java.util.EnumSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A RunnerGroup spec checked the way the operator needs it: every rule the CRD schema states
 * (a mock or an old API server may not have enforced them), the dependency graph, and each
 * service's resolved settings. Valid only when {@link #errors()} is empty; then every service has
 * a {@link ServicePlan} and the graph is acyclic.
 */
public record GroupPlan(DependencyGraph graph, Map<String, ServicePlan> services, List<String> errors) {
  private static final Pattern DNS_LABEL = Pattern.compile(Limits.DNS_LABEL);
  /** As the schema's @Max on ServiceSpec.replicas. */
  private static final int REPLICAS_MAX = 1000;

  /** One service, ready to run. */
  public record ServicePlan(String name, List<String> dependsOn, Duration startDelay, RestartSettings restart,
      int replicas, ServiceSpec spec) {}

  public boolean valid() {
    return errors.isEmpty();
  }

  public static GroupPlan of(String groupName, RunnerGroupSpec spec) {
    List<String> errors = new ArrayList<>();
    List<ServiceSpec> services = spec == null || spec.getServices() == null ? List.of() : spec.getServices();
    if (groupName != null && !DNS_LABEL.matcher(groupName).matches()) {
      errors.add("the group name \"" + groupName + "\" must be a DNS label (lower-case letters, digits and '-'; no dots): "
          + "it is the first part of its Deployments' names");
    }
    if (services.isEmpty()) {
      errors.add("spec.services is empty: a group needs at least one service");
    }
    if (services.size() > Limits.SERVICES_MAX) {
      errors.add("spec.services has " + services.size() + " services; at most " + Limits.SERVICES_MAX + " are allowed");
    }
    RestartSettings.Resolution groupDefaults = RestartSettings.resolve(null, spec == null ? null : spec.getRestartConfig(), "spec");
    errors.addAll(groupDefaults.errors());
    List<String> groupErrors = groupDefaults.errors().stream().map(error -> error.substring("spec".length())).toList();

    Map<String, ServicePlan> plans = new LinkedHashMap<>();
    List<DependencyGraph.Node> nodes = new ArrayList<>();
    for (int i = 0; i < services.size(); i++) {
      ServiceSpec service = services.get(i);
      String name = service.getName();
      String where = name == null || name.isEmpty() ? "spec.services[" + i + "]" : "service " + name;
      if (name == null || name.isEmpty()) {
        errors.add(where + ": name is required");
        continue;
      }
      int before = errors.size();
      checkName(groupName, name, where, errors);
      nodes.add(new DependencyGraph.Node(name, service.getDependsOn()));
      Duration startDelay = Duration.ZERO;
      if (service.getStartDelay() != null) {
        try {
          startDelay = Durations.parse("startDelay", service.getStartDelay());
        } catch (IllegalArgumentException e) {
          errors.add(where + ": " + e.getMessage());
        }
      }
      int replicas = service.getReplicas() == null ? 1 : service.getReplicas();
      if (replicas < 1 || replicas > REPLICAS_MAX) {
        errors.add(where + ": replicas must be between 1 and " + REPLICAS_MAX + ", not " + replicas);
      }
      if (service.getDependsOn().size() > Limits.DEPENDS_ON_MAX) {
        errors.add(where + ": dependsOn lists " + service.getDependsOn().size() + " services; at most "
            + Limits.DEPENDS_ON_MAX + " are allowed");
      }
      if (service.getTemplate() == null || service.getTemplate().getSpec() == null
          || service.getTemplate().getSpec().getContainers() == null
          || service.getTemplate().getSpec().getContainers().isEmpty()) {
        errors.add(where + ": template.spec.containers must list at least one container");
      } else {
        checkTemplate(service.getTemplate().getSpec(), service.kind(), where, errors);
      }
      checkKind(service, where, errors);
      RestartSettings.Resolution resolution = RestartSettings.resolve(spec.getRestartConfig(), service.getRestartConfig(), where);
      // A fault of the group's own restartConfig is reported once (above), not again per service;
      // the service's own faults are reported even then.
      resolution.errors().stream()
          .filter(error -> !groupErrors.contains(error.substring(where.length())))
          .forEach(errors::add);
      RestartSettings restart = resolution.settings();
      if (service.kind() == WorkloadKind.Job && resolution.valid() && restart.policy() == dev.runner.api.RestartPolicy.Always) {
        errors.add(where + ": restartConfig.policy Always is not allowed for a Job (a Job is meant to end; also not from the "
            + "group's restartConfig): use OnFailure or Never, or kind: Deployment for a service that runs forever");
      }
      if (errors.size() == before && !plans.containsKey(name)) {
        plans.put(name, new ServicePlan(name, List.copyOf(service.getDependsOn()), startDelay, restart, replicas, service));
      }
    }
    errors.addAll(GroupDependencies.check(groupName, spec));
    DependencyGraph.Check graph = DependencyGraph.check(nodes);
    errors.addAll(graph.errors());
    if (!errors.isEmpty()) {
      return new GroupPlan(null, Map.of(), List.copyOf(errors));
    }
    return new GroupPlan(graph.graph(), Map.copyOf(plans), List.of());
  }

  /**
   * What the API server would refuse (422) in the Deployment's pod template, said before it is
   * written: container names that are not DNS labels or repeat, an empty image, a pod
   * restartPolicy other than Always (a Deployment allows no other), an init container's
   * restartPolicy other than Always (a native sidecar).
   */
  /** The fields of one kind only, and what a Job cannot be: as the CRD's CEL rules say them. */
  private static void checkKind(ServiceSpec service, String where, List<String> errors) {
    WorkloadKind kind = service.kind();
    only(service.getVolumeClaimTemplates() != null, "volumeClaimTemplates", kind, EnumSet.of(WorkloadKind.StatefulSet), where, errors);
    only(service.getPersistentVolumeClaimRetentionPolicy() != null, "persistentVolumeClaimRetentionPolicy", kind,
        EnumSet.of(WorkloadKind.StatefulSet), where, errors);
    only(service.getActiveDeadlineSeconds() != null, "activeDeadlineSeconds", kind, EnumSet.of(WorkloadKind.Job), where, errors);
    only(service.getStrategy() != null, "strategy", kind, EnumSet.of(WorkloadKind.Deployment), where, errors);
    only(service.getProgressDeadlineSeconds() != null, "progressDeadlineSeconds", kind, EnumSet.of(WorkloadKind.Deployment),
        where, errors);
    only(service.getMinReadySeconds() != null, "minReadySeconds", kind,
        EnumSet.of(WorkloadKind.Deployment, WorkloadKind.StatefulSet), where, errors);
    if (kind == WorkloadKind.Job) {
      if (service.getReplicas() != null && service.getReplicas() != 1) {
        errors.add(where + ": a Job service runs one pod: remove replicas or set it to 1 (parallel Jobs are not supported)");
      }
      if (Boolean.TRUE.equals(service.getAutoscaled())) {
        errors.add(where + ": a Job service cannot be autoscaled: remove autoscaled");
      }
    }
  }

  private static void only(boolean set, String field, WorkloadKind kind, java.util.Set<WorkloadKind> allowed, String where,
      List<String> errors) {
    if (set && !allowed.contains(kind)) {
      errors.add(where + ": " + field + " is only for kind " + String.join(" or ", allowed.stream().map(Enum::name).toList())
          + ", not " + kind + ": remove " + field + " or change the kind");
    }
  }

  private static void checkTemplate(io.fabric8.kubernetes.api.model.PodSpec pod, WorkloadKind kind, String where,
      List<String> errors) {
    java.util.Set<String> names = new java.util.HashSet<>();
    List<io.fabric8.kubernetes.api.model.Container> all = new ArrayList<>();
    if (pod.getInitContainers() != null) {
      all.addAll(pod.getInitContainers());
    }
    all.addAll(pod.getContainers());
    for (io.fabric8.kubernetes.api.model.Container c : all) {
      boolean init = pod.getInitContainers() != null && pod.getInitContainers().contains(c);
      String field = where + ": template.spec." + (init ? "initContainers" : "containers");
      String name = c.getName();
      if (name == null || name.isEmpty()) {
        errors.add(field + ": a container needs a name");
      } else if (!DNS_LABEL.matcher(name).matches() || name.length() > 63) {
        errors.add(field + ": container name \"" + name + "\" must be a DNS label (lower-case letters, digits and '-', "
            + "at most 63 characters)");
      } else if (!names.add(name)) {
        errors.add(field + ": container name \"" + name + "\" is used twice");
      }
      if (c.getImage() == null || c.getImage().isBlank()) {
        errors.add(field + ": container " + (name == null ? "" : "\"" + name + "\" ") + "needs an image");
      }
      if (init && c.getRestartPolicy() != null && !"Always".equals(c.getRestartPolicy())) {
        errors.add(field + ": container \"" + name + "\" has restartPolicy " + c.getRestartPolicy()
            + "; an init container may only have Always (a native sidecar)");
      }
    }
    if (kind == WorkloadKind.Job) {
      if (pod.getRestartPolicy() != null && !"Never".equals(pod.getRestartPolicy())) {
        errors.add(where + ": template.spec.restartPolicy is " + pod.getRestartPolicy()
            + "; a Job service's pod runs with Never (the service's restartConfig.policy retries it): remove it");
      }
    } else if (pod.getRestartPolicy() != null && !"Always".equals(pod.getRestartPolicy())) {
      errors.add(where + ": template.spec.restartPolicy is " + pod.getRestartPolicy()
          + "; a " + kind + "'s pods must have Always (the service's restartConfig.policy says what the operator does "
          + "after an exit)");
    }
  }

  private static void checkName(String groupName, String name, String where, List<String> errors) {
    if (!DNS_LABEL.matcher(name).matches()) {
      errors.add(where + ": the name must be a DNS label (lower-case letters, digits and '-', "
          + "starting and ending with a letter or digit)");
    }
    if (name.length() > Limits.SERVICE_NAME_MAX) {
      errors.add(where + ": the name is " + name.length() + " characters long; at most " + Limits.SERVICE_NAME_MAX + " are allowed");
    }
    if (groupName != null && groupName.length() + 1 + name.length() > Limits.DEPLOYMENT_NAME_MAX) {
      errors.add(where + ": the Deployment name \"" + groupName + "-" + name + "\" would be longer than "
          + Limits.DEPLOYMENT_NAME_MAX + " characters: shorten the group name or the service name");
    }
  }
}
