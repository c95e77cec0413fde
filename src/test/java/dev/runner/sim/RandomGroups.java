package dev.runner.sim;

import dev.runner.api.Limits;
import dev.runner.api.RestartConfig;
import dev.runner.api.RestartPolicy;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServiceSpec;
import dev.runner.api.WorkloadKind;
import dev.runner.core.RestartSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * Random valid RunnerGroup specs. Services are numbered {@code s0, s1, ...} and depend only on
 * services of a lower number, so every graph is a DAG and the first {@code m} services of a spec
 * are a valid spec too (the minimiser drops services from the end). Sizes are skewed small: most
 * worlds have a handful of services, one in twenty has up to {@link Limits#SERVICES_MAX}.
 */
final class RandomGroups {
  private RandomGroups() {}

  static int size(RandomGenerator random) {
    int roll = random.nextInt(100);
    if (roll < 80) {
      return 1 + random.nextInt(6);
    }
    if (roll < 97) {
      return 7 + random.nextInt(24);
    }
    return 31 + random.nextInt(Limits.SERVICES_MAX - 30);
  }

  static String name(int index) {
    return "s" + index;
  }

  /**
   * @param kinds draws each service's kind and what goes with it; null: every service a
   *     Deployment (the worlds from before the kinds, which the regression tests replay). A
   *     generator of its own, so that the rest of a seed's group is what it was without kinds.
   */
  static RunnerGroupSpec spec(RandomGenerator random, RandomGenerator kinds, int services) {
    RunnerGroupSpec spec = new RunnerGroupSpec();
    if (random.nextInt(4) == 0) {
      spec.setRestartConfig(restartConfig(random));
    }
    List<ServiceSpec> list = new ArrayList<>();
    for (int i = 0; i < services; i++) {
      list.add(service(random, kinds, spec.getRestartConfig(), i));
    }
    spec.setServices(list);
    return spec;
  }

  static ServiceSpec service(RandomGenerator random, RandomGenerator kinds, RestartConfig group, int index) {
    ServiceSpec service = service(random, index);
    if (kinds != null) {
      kind(kinds, service, group);
    }
    return service;
  }

  /** How long a Job's pod runs before it exits 0 by itself (kubelet in SimCluster reads it). */
  static final String RUNS_FOR = "sim/runs-for-ms";

  /**
   * The service's kind, half of them Deployments, and only what the CRD accepts with it: a
   * StatefulSet with one or two volumeClaimTemplates and a random retention policy (unset, or
   * Retain/Delete on deletion and on scale-down); a Job of one replica, with an activeDeadlineSeconds
   * now and then, a run time of its own, and a restart policy that is not Always.
   */
  private static void kind(RandomGenerator kinds, ServiceSpec service, RestartConfig group) {
    int roll = kinds.nextInt(4);
    if (roll < 2) {
      return;
    }
    if (roll == 2) {
      service.setKind(WorkloadKind.StatefulSet);
      List<PersistentVolumeClaim> claims = new ArrayList<>();
      for (String name : kinds.nextBoolean() ? List.of("data") : List.of("data", "logs")) {
        claims.add(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).endMetadata()
            .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage", new Quantity("1Gi"))
            .endResources().endSpec().build());
      }
      service.setVolumeClaimTemplates(claims);
      if (kinds.nextInt(3) > 0) {
        String[] values = {null, "Retain", "Delete"};
        service.setPersistentVolumeClaimRetentionPolicy(new StatefulSetPersistentVolumeClaimRetentionPolicy(
            values[kinds.nextInt(3)], values[kinds.nextInt(3)]));
      }
      return;
    }
    service.setKind(WorkloadKind.Job);
    service.setReplicas(null);
    long runsFor = 200 + kinds.nextInt(30_000);
    service.getTemplate().setMetadata(new ObjectMetaBuilder().addToAnnotations(RUNS_FOR, Long.toString(runsFor)).build());
    if (kinds.nextBoolean()) {
      // Long enough for its run and a few rounds of the controllers: only a clock jump makes it pass.
      service.setActiveDeadlineSeconds(runsFor / 1000 + 30 + kinds.nextInt(120));
    }
    RestartPolicy policy = RestartSettings.resolve(group, service.getRestartConfig(), service.getName()).settings().policy();
    if (policy == RestartPolicy.Always) {
      if (service.getRestartConfig() == null) {
        service.setRestartConfig(new RestartConfig());
      }
      service.getRestartConfig().setPolicy(kinds.nextInt(3) == 0 ? RestartPolicy.Never : RestartPolicy.OnFailure);
    }
  }

  static ServiceSpec service(RandomGenerator random, int index) {
    ServiceSpec service = new ServiceSpec();
    service.setName(name(index));
    service.setDependsOn(dependencies(random, index));
    if (random.nextInt(3) == 0) {
      service.setStartDelay((100 + random.nextInt(4900)) + "ms");
    }
    if (random.nextInt(3) > 0) {
      service.setRestartConfig(restartConfig(random));
    }
    if (random.nextInt(2) == 0) {
      service.setReplicas(1 + random.nextInt(5));
    }
    List<Container> init = new ArrayList<>();
    if (random.nextInt(4) == 0) {
      init.add(new ContainerBuilder().withName("init").withImage("init:1").build());
    }
    if (random.nextInt(5) == 0) {
      init.add(new ContainerBuilder().withName("proxy").withImage("proxy:1").withRestartPolicy("Always").build());
    }
    service.setTemplate(new PodTemplateSpecBuilder()
        .withNewSpec()
          .withInitContainers(init)
          .addNewContainer().withName("main").withImage(name(index) + ":1").endContainer()
        .endSpec()
        .build());
    return service;
  }

  /** Up to {@link Limits#DEPENDS_ON_MAX} of the services before {@code index}, most often few. */
  static List<String> dependencies(RandomGenerator random, int index) {
    if (index == 0 || random.nextInt(4) == 0) {
      return new ArrayList<>();
    }
    int max = Math.min(index, Limits.DEPENDS_ON_MAX);
    int count = random.nextInt(10) == 0 ? 1 + random.nextInt(max) : 1 + random.nextInt(Math.min(max, 3));
    TreeSet<String> deps = new TreeSet<>();
    while (deps.size() < count) {
      // Mostly near neighbours, so graphs are deep as well as wide.
      int dep = random.nextBoolean() ? index - 1 - random.nextInt(Math.min(index, 4)) : random.nextInt(index);
      deps.add(name(dep));
    }
    return new ArrayList<>(deps);
  }

  static RestartConfig restartConfig(RandomGenerator random) {
    RestartConfig config = new RestartConfig();
    RestartPolicy[] policies = RestartPolicy.values();
    if (random.nextInt(5) > 0) {
      config.setPolicy(policies[random.nextInt(policies.length)]);
    }
    if (random.nextBoolean()) {
      config.setMaxRetries(random.nextInt(6));
    }
    if (random.nextBoolean()) {
      int initial = 50 + random.nextInt(3000);
      config.setInitialBackoff(initial + "ms");
      config.setMaxBackoff((initial + random.nextInt(60_000)) + "ms");
      config.setMultiplier(1 + random.nextInt(21) / 10.0);
    }
    if (random.nextBoolean()) {
      config.setJitter(random.nextBoolean());
    }
    if (random.nextInt(3) == 0) {
      config.setResetAfter((1 + random.nextInt(120)) + "s");
    }
    return config;
  }
}
