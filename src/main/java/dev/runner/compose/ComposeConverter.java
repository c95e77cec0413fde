package dev.runner.compose;

import dev.runner.api.Limits;
import dev.runner.api.RestartConfig;
import dev.runner.api.RestartPolicy;
import dev.runner.api.RunnerGroup;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServiceSpec;
import dev.runner.api.WorkloadKind;
import dev.runner.compose.ComposeService.Condition;
import dev.runner.compose.ComposeService.MountType;
import dev.runner.compose.Finding.Severity;
import dev.runner.core.GroupPlan;
import dev.runner.core.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link ComposeProject} as a RunnerGroup and one Kubernetes Service per Compose service; pure
 * (no client, no files). What cannot be carried over is a {@link Finding}; a service with an error
 * is left out, and so is every service that depends on it (so that what is written can be applied
 * without starting a service before what it needs). docs/compose.md has the whole mapping.
 */
public final class ComposeConverter {
  /** The size of a claim made for a named volume: Compose volumes have none. */
  public static final String CLAIM_SIZE = "1Gi";
  /** Label on the Services written, naming the group (not the operator's own labels: the operator does not own them). */
  public static final String PART_OF = "app.kubernetes.io/part-of";

  /**
   * What came out: {@code group} is {@code null} when no service could be converted.
   *
   * @param names each Compose service's name in the group (a DNS label), for every converted service
   */
  public record Conversion(RunnerGroup group, List<Service> services, List<Finding> findings, Map<String, String> names) {
    public boolean hasErrors() {
      return findings.stream().anyMatch(f -> f.severity() == Severity.ERROR);
    }

    /** One YAML stream for {@code kubectl apply -f -}: the group first, then its Services; "" without a group. */
    public String yaml() {
      StringBuilder out = new StringBuilder();
      if (group != null) {
        out.append(document(SERIALIZATION.asYaml(group)));
        services.forEach(service -> out.append(document(SERIALIZATION.asYaml(service))));
      }
      return out.toString();
    }

    private static String document(String yaml) {
      return (yaml.startsWith("---") ? "" : "---\n") + yaml + (yaml.endsWith("\n") ? "" : "\n");
    }
  }

  private static final KubernetesSerialization SERIALIZATION =
      new KubernetesSerialization();

  private static final Pattern GO_DURATION = Pattern.compile("([0-9]*\\.?[0-9]+)(ns|us|µs|ms|s|m|h)");

  private final List<Finding> findings = new ArrayList<>();

  private ComposeConverter() {}

  /** @param namespace the namespace to write into the objects, {@code null} for none (kubectl's current one) */
  public static Conversion convert(ComposeProject project, String namespace) {
    return new ComposeConverter().run(project, namespace);
  }

  private Conversion run(ComposeProject project, String namespace) {
    findings.addAll(project.findings());
    String group = dnsLabel(project.name(), Limits.DEPLOYMENT_NAME_MAX - 2);
    if (group.isEmpty()) {
      group = "compose";
    }
    if (!group.equals(project.name())) {
      findings.add(new Finding("", "name", Severity.NOTE, "the project name \"" + project.name()
          + "\" is not a DNS label: the group is named " + group, "give --name to choose another"));
    }
    Map<String, String> names = new LinkedHashMap<>();
    Set<String> taken = new HashSet<>();
    Set<String> failed = new LinkedHashSet<>();
    for (ComposeService service : project.services().values()) {
      String name = dnsLabel(service.name(), Limits.SERVICE_NAME_MAX);
      if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
        // A Kubernetes Service's name must start with a letter (DNS-1035).
        name = dnsLabel("s-" + name, Limits.SERVICE_NAME_MAX);
      }
      if (name.isEmpty() || !taken.add(name)) {
        error(service.name(), "", name.isEmpty() ? "the name has no letter or digit to make a DNS label of"
            : "its name as a DNS label, " + name + ", is another service's too", "rename one of the services");
        failed.add(service.name());
        continue;
      }
      names.put(service.name(), name);
      if (!name.equals(service.name())) {
        findings.add(new Finding(service.name(), "", Severity.NOTE, "renamed " + name
            + " (Kubernetes names are DNS labels, a Service's starts with a letter): the other services reach it as " + name,
            "change the host names that use " + service.name()));
      }
      if (group.length() + 1 + name.length() > Limits.DEPLOYMENT_NAME_MAX) {
        error(service.name(), "", "the workload name " + group + "-" + name + " is longer than " + Limits.DEPLOYMENT_NAME_MAX,
            "give a shorter --name");
        failed.add(service.name());
      }
    }
    Set<String> jobs = new HashSet<>();
    for (ComposeService service : project.services().values()) {
      service.dependsOn().forEach((dependency, how) -> {
        if (how.condition() == Condition.service_completed_successfully && project.services().containsKey(dependency)) {
          jobs.add(dependency);
        }
      });
    }
    Map<String, String> volumeUsers = new HashMap<>();
    Map<String, ServiceSpec> specs = new LinkedHashMap<>();
    Map<String, List<ServicePort>> servicePorts = new LinkedHashMap<>();
    for (ComposeService service : project.services().values()) {
      if (!names.containsKey(service.name())) {
        continue;
      }
      int before = errors(service.name());
      ServiceSpec spec = service(project, service, names, jobs.contains(service.name()), volumeUsers, servicePorts);
      if (errors(service.name()) > before) {
        failed.add(service.name());
      } else {
        specs.put(service.name(), spec);
      }
    }
    // Leave out whatever depends on a service that is left out, transitively.
    boolean changed = true;
    while (changed) {
      changed = false;
      for (ComposeService service : project.services().values()) {
        if (failed.contains(service.name())) {
          continue;
        }
        for (String dependency : service.dependsOn().keySet()) {
          if (failed.contains(dependency)) {
            error(service.name(), "depends_on", "it depends on " + dependency + ", which is not converted (see above)",
                "fix " + dependency + ", or remove the dependency");
            failed.add(service.name());
            specs.remove(service.name());
            changed = true;
            break;
          }
        }
      }
    }
    // The operator names a StatefulSet's headless Service <group>-<service>: no Service written here may hold that name.
    for (ServiceSpec spec : specs.values()) {
      String headless = group + "-" + spec.getName();
      if (spec.kind() == WorkloadKind.StatefulSet && names.containsValue(headless)) {
        error("", "services", "the Service " + headless + " of the service named so would take the name of the headless "
            + "Service the operator makes for the StatefulSet " + spec.getName(), "rename one of them, or give another --name");
      }
    }
    Map<String, String> converted = new LinkedHashMap<>(names);
    converted.keySet().removeAll(failed);
    if (specs.isEmpty()) {
      return new Conversion(null, List.of(), List.copyOf(findings), converted);
    }
    RunnerGroup runnerGroup = new RunnerGroup();
    runnerGroup.setMetadata(new ObjectMetaBuilder().withName(group).withNamespace(namespace).build());
    RunnerGroupSpec groupSpec = new RunnerGroupSpec();
    groupSpec.setServices(new ArrayList<>(specs.values()));
    runnerGroup.setSpec(groupSpec);
    // What the operator would refuse (a cycle in depends_on, which Compose refuses too): errors here, not later.
    for (String error : GroupPlan.of(group, groupSpec).errors()) {
      error("", "depends_on", "the group would be invalid: " + error, "fix the Compose file");
    }
    List<Service> services = new ArrayList<>();
    for (String compose : specs.keySet()) {
      services.add(kubernetesService(group, names.get(compose), namespace, servicePorts.get(compose)));
    }
    return new Conversion(runnerGroup, List.copyOf(services), List.copyOf(findings), converted);
  }

  private ServiceSpec service(ComposeProject project, ComposeService service, Map<String, String> names, boolean job,
      Map<String, String> volumeUsers, Map<String, List<ServicePort>> servicePorts) {
    String who = service.name();
    String name = names.get(who);
    ServiceSpec spec = new ServiceSpec();
    spec.setName(name);
    for (String key : service.unmapped()) {
      unmapped(who, key);
    }
    if (service.image() == null || service.image().isBlank()) {
      if (service.build()) {
        error(who, "build", "build without image: a cluster does not build images",
            "build and push the image (docker compose build && docker compose push), set image: to it, and convert again");
      } else {
        error(who, "image", "no image", "set image:");
      }
    } else if (service.build()) {
      note(who, "build", "not used: the group runs the image " + service.image(), "build and push it first");
    }
    Container container = new Container();
    container.setName(name);
    container.setImage(service.image());
    if (service.entrypoint() != null) {
      container.setCommand(service.entrypoint().stream().map(ComposeConverter::escapeExpansion).toList());
    }
    if (service.command() != null) {
      container.setArgs(service.command().stream().map(ComposeConverter::escapeExpansion).toList());
    }
    List<EnvVar> env = new ArrayList<>();
    service.environment().forEach((key, value) -> env.add(new EnvVar(key, escapeExpansion(value), null)));
    if (!env.isEmpty()) {
      container.setEnv(env);
    }
    if (service.workingDir() != null) {
      container.setWorkingDir(service.workingDir());
    }
    user(who, service.user(), container);
    List<ContainerPort> containerPorts = new ArrayList<>();
    List<ServicePort> ports = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    List<ComposeService.Port> all = new ArrayList<>(service.ports());
    all.addAll(service.expose());
    for (ComposeService.Port port : all) {
      String protocol = port.protocol().toUpperCase(Locale.ROOT);
      if (!Set.of("TCP", "UDP", "SCTP").contains(protocol)) {
        warning(who, "ports", "the protocol " + port.protocol() + " of port " + port.target() + " is not TCP, UDP or SCTP: left out",
            "fix the protocol");
        continue;
      }
      if (!seen.add(port.target() + "/" + protocol)) {
        continue;
      }
      String portName = protocol.toLowerCase(Locale.ROOT) + "-" + port.target();
      containerPorts.add(new ContainerPortBuilder().withContainerPort(port.target())
          .withProtocol(protocol).withName(portName.length() <= 15 ? portName : null).build());
      ports.add(new ServicePortBuilder().withName(portName).withPort(port.target())
          .withNewTargetPort(port.target()).withProtocol(protocol).build());
    }
    for (ComposeService.Port port : service.ports()) {
      if (!port.published().isEmpty()) {
        note(who, "ports", "the published port " + port.published() + " (the host's) is not opened: the Service "
            + name + " serves " + port.target() + " inside the cluster",
            "kubectl port-forward service/" + name + " " + port.published().replaceAll("-.*", "") + ":" + port.target()
                + ", or add an Ingress or a LoadBalancer");
        break;
      }
    }
    if (!containerPorts.isEmpty()) {
      container.setPorts(containerPorts);
    }
    servicePorts.put(who, ports);
    container.setReadinessProbe(probe(who, service.healthcheck()));
    container.setResources(resources(who, service.limits(), service.reservations()));
    PodTemplateSpec template = new PodTemplateSpec();
    if (!service.labels().isEmpty()) {
      template.setMetadata(new ObjectMetaBuilder().withAnnotations(new LinkedHashMap<>(service.labels())).build());
    }
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    List<PersistentVolumeClaim> claims = new ArrayList<>();
    int anonymous = 0;
    for (ComposeService.Mount mount : service.volumes()) {
      if (mount.type() == MountType.bind) {
        warning(who, "volumes", "the bind mount of " + mount.source() + " on " + mount.target() + " is left out (a pod cannot "
            + "mount the host's files)", "put the files in the image or a ConfigMap, or use a named volume");
        continue;
      }
      if (mount.type() == MountType.other) {
        warning(who, "volumes", "the " + mount.source() + " mount on " + mount.target() + " is left out", "mount it by hand");
        continue;
      }
      boolean named = mount.type() == MountType.volume && !mount.source().isEmpty();
      String label = named ? dnsLabel(mount.source(), 63) : "";
      String volumeName = !label.isEmpty() ? label : (named ? "data-" : "tmp-") + (++anonymous);
      mounts.add(new VolumeMountBuilder().withName(volumeName).withMountPath(mount.target())
          .withReadOnly(mount.readOnly() ? true : null).build());
      if (named && !job) {
        if (!project.volumes().contains(mount.source())) {
          error(who, "volumes", "the volume " + mount.source() + " is not declared under the top-level volumes:",
              "declare it (volumes: {" + mount.source() + ": {}})");
          continue;
        }
        String other = volumeUsers.putIfAbsent(mount.source(), who);
        if (other != null) {
          warning(who, "volumes", "the volume " + mount.source() + " is also " + other + "'s: in the group each service gets "
              + "its own claim, they do not share the data", "share the data through a service, or a ReadWriteMany claim by hand");
        }
        if (claims.stream().noneMatch(c -> c.getMetadata().getName().equals(volumeName))) {
          claims.add(new PersistentVolumeClaimBuilder().withNewMetadata().withName(volumeName).endMetadata()
              .withNewSpec().withAccessModes("ReadWriteOnce")
              .withNewResources().addToRequests("storage", new Quantity(CLAIM_SIZE)).endResources().endSpec().build());
        }
      } else {
        if (named) {
          warning(who, "volumes", "the volume " + mount.source() + " is an emptyDir: " + who + " runs as a Job (a dependency "
              + "with service_completed_successfully), which has no claims", "keep data a Job writes in another service");
        }
        if (volumes.stream().noneMatch(v -> v.getName().equals(volumeName))) {
          volumes.add(new VolumeBuilder().withName(volumeName).withNewEmptyDir()
              .withMedium(mount.type() == MountType.tmpfs ? "Memory" : null).endEmptyDir().build());
        }
      }
    }
    if (!mounts.isEmpty()) {
      container.setVolumeMounts(mounts);
    }
    PodSpec pod = new PodSpec();
    pod.setContainers(List.of(container));
    if (!volumes.isEmpty()) {
      pod.setVolumes(volumes);
    }
    template.setSpec(pod);
    spec.setTemplate(template);
    if (job) {
      spec.setKind(WorkloadKind.Job);
    } else if (!claims.isEmpty()) {
      spec.setKind(WorkloadKind.StatefulSet);
      spec.setVolumeClaimTemplates(claims);
      note(who, "volumes", "runs as a StatefulSet with a claim of " + CLAIM_SIZE + " per named volume (kept when the group "
          + "is deleted)", "change the size in volumeClaimTemplates if it needs more");
    }
    List<String> dependsOn = new ArrayList<>();
    service.dependsOn().forEach((dependency, how) -> {
      if (!project.services().containsKey(dependency)) {
        boolean off = project.disabled().contains(dependency);
        String why = off ? dependency + " is disabled (its profiles are off)" : "there is no service " + dependency;
        if (how.required()) {
          error(who, "depends_on", why, off ? "enable its profile with --profile" : "fix the name");
        } else {
          note(who, "depends_on", "the dependency on " + dependency + " is dropped (required: false): " + why, "");
        }
        return;
      }
      if (!names.containsKey(dependency)) {
        return;
      }
      dependsOn.add(names.get(dependency));
      if (how.restart()) {
        warning(who, "depends_on." + dependency + ".restart", "not mapped: " + who + " is not restarted when " + dependency
            + " is", "restart it by hand (kubectl annotate rg ... runner.dev/restart-" + name + "=...)");
      }
      ComposeService target = project.services().get(dependency);
      if (how.condition() == Condition.service_started && target.healthcheck() != null && !target.healthcheck().disable()
          && target.healthcheck().test() != null && !target.healthcheck().test().equals(List.of("NONE"))) {
        note(who, "depends_on." + dependency, "service_started is read as service_healthy: " + who + " waits until "
            + dependency + "'s healthcheck passes", "");
      }
    });
    spec.setDependsOn(dependsOn);
    spec.setRestartConfig(restart(who, service, job));
    if (service.replicas() != null) {
      if (service.replicas() < 1) {
        warning(who, "deploy.replicas", service.replicas() + " is not supported: the service runs 1 pod",
            "leave the service out of the file (or give it a profile) if it should not run");
      } else if (job && service.replicas() > 1) {
        warning(who, "deploy.replicas", service.replicas() + " replicas of a one-shot service (it runs as a Job): it runs once",
            "run several copies as separate services");
      } else if (service.replicas() > 1000) {
        error(who, "deploy.replicas", service.replicas() + " is more than 1000", "lower it");
      } else if (service.replicas() > 1) {
        spec.setReplicas(service.replicas());
      }
    }
    return spec;
  }

  private void user(String who, String user, Container container) {
    if (user == null || user.isBlank()) {
      return;
    }
    Matcher numeric = Pattern.compile("^([0-9]+)(?::([0-9]+))?$").matcher(user.strip());
    if (!numeric.matches()) {
      warning(who, "user", "\"" + user + "\" is not mapped: Kubernetes runs a container as a numeric user",
          "write the user's id (user: \"1000\" or \"1000:1000\")");
      return;
    }
    SecurityContext context = new SecurityContext();
    context.setRunAsUser(Long.valueOf(numeric.group(1)));
    if (numeric.group(2) != null) {
      context.setRunAsGroup(Long.valueOf(numeric.group(2)));
    }
    container.setSecurityContext(context);
  }

  private Probe probe(String who, ComposeService.Healthcheck check) {
    if (check == null || check.disable()) {
      return null;
    }
    List<String> test = check.test();
    if (test == null) {
      note(who, "healthcheck", "no test: the image's own HEALTHCHECK is not known here, so there is no readinessProbe",
          "write the test out");
      return null;
    }
    if (test.isEmpty() || test.get(0).equals("NONE")) {
      return null;
    }
    List<String> command;
    if (test.get(0).equals("CMD")) {
      command = test.subList(1, test.size());
    } else if (test.get(0).equals("CMD-SHELL")) {
      command = List.of("/bin/sh", "-c", String.join(" ", test.subList(1, test.size())));
    } else {
      error(who, "healthcheck.test", "a test list must start with CMD, CMD-SHELL or NONE, not " + test.get(0),
          "write [\"CMD\", ...] or [\"CMD-SHELL\", \"...\"]");
      return null;
    }
    if (command.isEmpty()) {
      error(who, "healthcheck.test", "the test has no command", "write the command after " + test.get(0));
      return null;
    }
    Integer period = seconds(who, "healthcheck.interval", check.interval(), 30);
    Integer timeout = seconds(who, "healthcheck.timeout", check.timeout(), 30);
    seconds(who, "healthcheck.start_period", check.startPeriod(), 0);
    seconds(who, "healthcheck.start_interval", check.startInterval(), 5);
    Integer retries = check.retries() == null ? 3 : check.retries();
    if (retries < 1) {
      error(who, "healthcheck.retries", retries + " must be at least 1", "fix it");
      return null;
    }
    return new ProbeBuilder().withNewExec().withCommand(command).endExec()
        .withPeriodSeconds(period).withTimeoutSeconds(timeout).withFailureThreshold(retries).build();
  }

  /** Whole seconds, rounded up, at least 1 ({@code otherwise} when unset); {@code null} after an error. */
  private Integer seconds(String who, String key, String value, int otherwise) {
    if (value == null) {
      return otherwise;
    }
    Duration d = duration(who, key, value);
    if (d == null) {
      return null;
    }
    return (int) Math.max(1, (d.toMillis() + 999) / 1000);
  }

  private RestartConfig restart(String who, ComposeService service, boolean job) {
    RestartConfig config = new RestartConfig();
    String restart = service.restart();
    ComposeService.RestartPolicy deploy = service.restartPolicy();
    if (restart != null) {
      if (deploy != null && deploy.condition() != null) {
        note(who, "deploy.restart_policy.condition", "restart: " + restart + " is used instead, as docker compose does", "");
      }
      Matcher onFailure = Pattern.compile("^on-failure(?::([0-9]+))?$").matcher(restart);
      if (restart.equals("no")) {
        config.setPolicy(RestartPolicy.Never);
      } else if (restart.equals("always") || restart.equals("unless-stopped")) {
        config.setPolicy(RestartPolicy.Always);
        config.setMaxRetries(0);
      } else if (onFailure.matches()) {
        config.setPolicy(RestartPolicy.OnFailure);
        config.setMaxRetries(onFailure.group(1) == null ? 0 : Integer.parseInt(onFailure.group(1)));
      } else {
        error(who, "restart", "\"" + restart + "\" is not no, always, on-failure[:N] or unless-stopped", "fix it");
        return null;
      }
    } else if (deploy != null) {
      String condition = deploy.condition() == null ? "any" : deploy.condition();
      switch (condition) {
        case "none" -> config.setPolicy(RestartPolicy.Never);
        case "on-failure" -> config.setPolicy(RestartPolicy.OnFailure);
        case "any" -> config.setPolicy(RestartPolicy.Always);
        default -> {
          error(who, "deploy.restart_policy.condition", "\"" + condition + "\" is not none, on-failure or any", "fix it");
          return null;
        }
      }
      config.setMaxRetries(deploy.maxAttempts() == null ? 0 : deploy.maxAttempts());
    } else {
      config.setPolicy(RestartPolicy.Never);
    }
    if (deploy != null && deploy.delay() != null) {
      Duration delay = duration(who, "deploy.restart_policy.delay", deploy.delay());
      if (delay != null) {
        config.setInitialBackoff(format(delay));
        config.setMaxBackoff(format(delay));
        config.setMultiplier(1.0);
      }
    }
    if (deploy != null && deploy.window() != null) {
      Duration window = duration(who, "deploy.restart_policy.window", deploy.window());
      if (window != null) {
        config.setResetAfter(format(window));
      }
    }
    if (job && config.getPolicy() == RestartPolicy.Always) {
      config.setPolicy(RestartPolicy.OnFailure);
      warning(who, restart == null ? "deploy.restart_policy.condition" : "restart", "a service others wait for with service_completed_successfully runs as a Job, which must end: "
          + (restart == null ? "deploy.restart_policy.condition any" : "restart " + restart)
          + " becomes on-failure (it is retried when it fails, not after it succeeds)",
          "write restart: on-failure to keep this, or \"no\"");
    }
    return config;
  }

  private ResourceRequirements resources(String who, ComposeService.Resources limits, ComposeService.Resources reservations) {
    if (limits == null && reservations == null) {
      return null;
    }
    ResourceRequirements out = new ResourceRequirements();
    Map<String, Quantity> limit = quantities(who, "deploy.resources.limits", limits);
    Map<String, Quantity> request = quantities(who, "deploy.resources.reservations", reservations);
    if (!limit.isEmpty()) {
      out.setLimits(limit);
    }
    if (!request.isEmpty()) {
      out.setRequests(request);
    }
    return limit.isEmpty() && request.isEmpty() ? null : out;
  }

  private Map<String, Quantity> quantities(String who, String key, ComposeService.Resources resources) {
    Map<String, Quantity> out = new LinkedHashMap<>();
    if (resources == null) {
      return out;
    }
    for (String other : resources.other()) {
      unmapped(who, key + "." + other);
    }
    if (resources.cpus() != null) {
      try {
        double cpus = Double.parseDouble(resources.cpus());
        if (cpus <= 0) {
          throw new NumberFormatException();
        }
        out.put("cpu", new Quantity(Math.round(cpus * 1000) + "m"));
      } catch (NumberFormatException e) {
        error(who, key + ".cpus", "\"" + resources.cpus() + "\" is not a number of CPUs", "write e.g. \"0.5\"");
      }
    }
    if (resources.memory() != null) {
      Matcher m = Pattern.compile("^([0-9]+)\\s*([bkmgt]?)b?$").matcher(resources.memory().strip().toLowerCase(Locale.ROOT));
      if (m.matches()) {
        String unit = switch (m.group(2)) {
          case "k" -> "Ki";
          case "m" -> "Mi";
          case "g" -> "Gi";
          case "t" -> "Ti";
          default -> "";
        };
        out.put("memory", new Quantity(m.group(1) + unit));
      } else {
        error(who, key + ".memory", "\"" + resources.memory() + "\" is not a size", "write e.g. 512M or 1G");
      }
    }
    return out;
  }

  private static Service kubernetesService(String group, String name, String namespace, List<ServicePort> ports) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(Names.GROUP_LABEL, group);
    selector.put(Names.SERVICE_LABEL, name);
    ServiceBuilder builder = new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).addToLabels(PART_OF, group).endMetadata();
    if (ports.isEmpty()) {
      return builder.withNewSpec().withClusterIP("None").withSelector(selector).endSpec().build();
    }
    return builder.withNewSpec().withType("ClusterIP").withSelector(selector).withPorts(ports).endSpec().build();
  }

  /**
   * {@code text} with what Kubernetes would expand in a container's command, args and env written so
   * that it does not: Kubernetes reads {@code $(VAR)} as a variable and {@code $$} as {@code $}, where
   * Compose (after its own interpolation) meant the characters themselves.
   */
  static String escapeExpansion(String text) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 4);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(c);
      if (c == '$' && i + 1 < text.length() && (text.charAt(i + 1) == '(' || text.charAt(i + 1) == '$')) {
        out.append('$');
      }
    }
    return out.toString();
  }

  /** Lower case; every run of other characters than letters and digits one '-'; at most {@code max} long. */
  static String dnsLabel(String name, int max) {
    String label = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (label.length() > max) {
      label = label.substring(0, max).replaceAll("-+$", "");
    }
    return label;
  }

  /** A Go duration ({@code 1m30s}, {@code 1.5s}, {@code 500ms}); {@code null} after reporting an error. */
  private Duration duration(String who, String key, String value) {
    String text = value.strip();
    Matcher m = GO_DURATION.matcher(text);
    double nanos = 0;
    int at = 0;
    while (m.find() && m.start() == at) {
      double amount = Double.parseDouble(m.group(1));
      nanos += amount * switch (m.group(2)) {
        case "ns" -> 1;
        case "us", "µs" -> 1e3;
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      at = m.end();
    }
    if (at == 0 || at != text.length()) {
      error(who, key, "\"" + value + "\" is not a duration", "write e.g. 10s, 1m30s or 500ms");
      return null;
    }
    return Duration.ofNanos((long) nanos);
  }

  /** In the schema's form: whole milliseconds or seconds ({@code 1500ms}, {@code 5s}). */
  private static String format(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  private void unmapped(String who, String key) {
    String advice = switch (key) {
      case "network_mode" -> "every pod has its own network; the services reach each other by their Service names";
      case "privileged", "cap_add", "cap_drop", "security_opt" ->
          "set the container's securityContext in the group by hand, if the cluster allows it";
      case "devices" -> "Kubernetes gives devices to pods through device plugins; set the resources by hand";
      case "container_name", "hostname" -> "the pods are named <group>-<service>-...; other services reach it by its "
          + "Service name";
      case "networks", "links" -> "every service of the group shares one network and is reached by its Service name";
      case "secrets", "configs" -> "mount a Kubernetes Secret or ConfigMap in the group's template by hand";
      case "stop_grace_period" -> "set terminationGracePeriodSeconds in the template by hand";
      case "pull_policy" -> "set imagePullPolicy in the template by hand";
      default -> "carry it over by hand in the RunnerGroup's template if it matters";
    };
    Severity severity = Set.of("container_name", "networks", "links").contains(key) ? Severity.NOTE : Severity.WARNING;
    findings.add(new Finding(who, key, severity, "not mapped", advice));
  }

  private int errors(String who) {
    return (int) findings.stream().filter(f -> f.severity() == Severity.ERROR && f.service().equals(who)).count();
  }

  private void error(String who, String key, String message, String advice) {
    findings.add(new Finding(who, key, Severity.ERROR, message, advice));
  }

  private void warning(String who, String key, String message, String advice) {
    findings.add(new Finding(who, key, Severity.WARNING, message, advice));
  }

  private void note(String who, String key, String message, String advice) {
    findings.add(new Finding(who, key, Severity.NOTE, message, advice));
  }
}
