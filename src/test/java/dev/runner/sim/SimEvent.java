package dev.runner.sim;

import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServiceSpec;
import dev.runner.core.Names;
import dev.runner.api.WorkloadKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.Map;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * One step of a simulated world: the operator reconciles (perhaps with a fault), the informers
 * catch up, the controllers and kubelet act, time passes, or someone does something. Services and
 * pods are named by index, taken modulo what exists when the event happens, so any subsequence of
 * a world's events is a world too (what the minimiser needs).
 */
sealed interface SimEvent {
  void apply(SimWorld world);

  // ---- the operator and its view ------------------------------------------------------------------

  record Reconcile(SimOperator.Fault fault, int target) implements SimEvent {
    public void apply(SimWorld world) {
      world.reconcile(fault, target);
    }
  }

  /** The operator process is killed and started again: nothing but the status and the objects. */
  record RestartOperator() implements SimEvent {
    public void apply(SimWorld world) {
      world.restartOperator();
    }
  }

  /** Every watch event so far has arrived. */
  record SyncAll() implements SimEvent {
    public void apply(SimWorld world) {
      world.operator.syncAll(world.cluster);
    }
  }

  /** The workloads' watches have caught up, the Pods' has not (or the other way round). */
  record SyncKind(boolean workloads) implements SimEvent {
    public void apply(SimWorld world) {
      if (workloads) {
        world.operator.syncWorkloads(world.cluster);
      } else {
        world.operator.syncPods(world.cluster);
      }
    }
  }

  /** The events of one service arrive before those of the others (reordered). */
  record SyncService(int service) implements SimEvent {
    public void apply(SimWorld world) {
      world.service(service).ifPresent(s -> world.operator.syncService(world.cluster, s));
    }
  }

  // ---- the cluster --------------------------------------------------------------------------------

  record Controllers() implements SimEvent {
    public void apply(SimWorld world) {
      world.cluster.controllers();
    }
  }

  /** Time passes; a large step is the clock jumping. */
  record Advance(long millis) implements SimEvent {
    public void apply(SimWorld world) {
      world.cluster.now = world.cluster.now.plusMillis(millis);
    }
  }

  /**
   * The operator's clock steps, forward or back (NTP corrects it, a suspended VM resumes); the
   * cluster's does not. Its deadlines (start delays, backoffs, resetAfter) are in its own clock; the
   * API server's timestamps (a pod's deletion) are not. At most 5 minutes either way in all.
   */
  record ClockStep(long millis) implements SimEvent {
    public void apply(SimWorld world) {
      java.time.Duration limit = java.time.Duration.ofMinutes(5);
      java.time.Duration stepped = world.cluster.operatorClock.plusMillis(millis);
      world.cluster.operatorClock = stepped.compareTo(limit) > 0 ? limit : stepped.compareTo(limit.negated()) < 0 ? limit.negated() : stepped;
    }
  }

  /** A container of one pod (or of every pod) of a service exits with a code. */
  record Exit(int service, int pod, int code, boolean allPods) implements SimEvent {
    public void apply(SimWorld world) {
      world.service(service).ifPresent(s -> {
        List<Pod> running = world.cluster.runningPods(s);
        if (allPods) {
          running.forEach(p -> world.cluster.exit(p, code));
        } else if (!running.isEmpty()) {
          world.cluster.exit(running.get(Math.floorMod(pod, running.size())), code);
        }
      });
    }
  }

  record SidecarExit(int service, int pod) implements SimEvent {
    public void apply(SimWorld world) {
      world.pod(service, pod).ifPresent(p -> world.cluster.sidecarExit(p, 1));
    }
  }

  record InitFails(int service, int pod) implements SimEvent {
    public void apply(SimWorld world) {
      world.pod(service, pod).ifPresent(world.cluster::initFails);
    }
  }

  record Evict(int service, int pod) implements SimEvent {
    public void apply(SimWorld world) {
      world.pod(service, pod).ifPresent(world.cluster::evict);
    }
  }

  /** The node of a service's pods is lost: those deleted from now on stay terminating. */
  record NodeLost(int service) implements SimEvent {
    public void apply(SimWorld world) {
      world.service(service).ifPresent(world.cluster.lostNodes::add);
    }
  }

  record ProgressDeadline(int service) implements SimEvent {
    public void apply(SimWorld world) {
      world.service(service).ifPresent(s -> world.cluster.progressDeadline(SimCluster.deploymentName(s))); // Deployments only
    }
  }

  // ---- other hands on the workloads ---------------------------------------------------------------

  /** {@code kubectl scale} (a Deployment or a StatefulSet) */
  record OtherScale(int service, int replicas) implements SimEvent {
    public void apply(SimWorld world) {
      world.service(service).map(world.cluster::owned).filter(w -> !(w instanceof Job)).ifPresent(w -> {
        HasMetadata scaled = SimCluster.copy(w);
        if (scaled instanceof Deployment d) {
          d.getSpec().setReplicas(replicas);
        } else {
          ((StatefulSet) scaled).getSpec().setReplicas(replicas);
        }
        world.cluster.write(scaled);
      });
    }
  }

  /** {@code kubectl set image} (a Deployment or a StatefulSet: a Job's template is immutable) */
  record OtherSetImage(int service) implements SimEvent {
    public void apply(SimWorld world) {
      world.service(service).map(world.cluster::owned).filter(w -> !(w instanceof Job)).ifPresent(w -> {
        HasMetadata changed = SimCluster.copy(w);
        SimCluster.templateOf(changed).getSpec().getContainers().get(0).setImage("someone-else:9");
        world.cluster.write(changed);
      });
    }
  }

  /** {@code kubectl delete deployment|statefulset|job} */
  record OtherDelete(int service) implements SimEvent {
    public void apply(SimWorld world) {
      world.service(service).map(world.cluster::owned).ifPresent(w -> world.cluster.deleteWorkload(w.getMetadata().getName()));
    }
  }

  /** {@code kubectl delete service}: a StatefulSet's headless Service. */
  record OtherDeleteService(int service) implements SimEvent {
    public void apply(SimWorld world) {
      world.service(service).ifPresent(s -> world.cluster.services.remove(SimCluster.deploymentName(s)));
    }
  }

  /**
   * Someone creates a workload of the service's kind with its name (with the group's labels, or
   * none), which the group does not own, where no object is; also in the place of one of ours just
   * deleted, which a repeated delete or scale of the operator (its cache still showing ours) must
   * not reach: those carry the UID seen (seed 1059).
   */
  record ForeignAppears(int service, boolean labelled) implements SimEvent {
    public void apply(SimWorld world) {
      world.service(service).ifPresent(s -> {
        String name = SimCluster.deploymentName(s);
        if (world.cluster.workloads.containsKey(name)) {
          return;
        }
        ObjectMeta meta = new ObjectMetaBuilder().withName(name).withNamespace(SimCluster.NAMESPACE).build();
        if (labelled) {
          meta.setLabels(new java.util.TreeMap<>(Map.of(Names.MANAGED_BY, Names.OPERATOR, Names.GROUP_LABEL, SimCluster.GROUP,
              Names.SERVICE_LABEL, s)));
        }
        PodTemplateSpec template = new PodTemplateSpecBuilder().withNewSpec().addNewContainer().withName("x").withImage("x:1")
            .endContainer().endSpec().build();
        WorkloadKind kind = world.serviceSpec(service).map(ServiceSpec::kind).orElse(WorkloadKind.Deployment);
        world.cluster.write(switch (kind) {
          case Deployment -> new DeploymentBuilder().withMetadata(meta).withNewSpec().withReplicas(0).withTemplate(template)
              .endSpec().build();
          case StatefulSet -> new StatefulSetBuilder().withMetadata(meta).withNewSpec().withReplicas(0).withTemplate(template)
              .endSpec().build();
          case Job -> new JobBuilder().withMetadata(meta).withNewSpec().withTemplate(template).endSpec().build();
        });
      });
    }
  }

  // ---- the user -----------------------------------------------------------------------------------

  record EditImage(int service) implements SimEvent {
    public void apply(SimWorld world) {
      world.serviceSpec(service).ifPresent(s -> {
        var container = s.getTemplate().getSpec().getContainers().get(0);
        String image = container.getImage();
        int version = Integer.parseInt(image.substring(image.indexOf(':') + 1));
        container.setImage(image.substring(0, image.indexOf(':') + 1) + (version + 1));
        world.cluster.specChanged();
      });
    }
  }

  /** New dependencies for a service (still only on services before it: the graph stays acyclic). */
  record EditDependencies(int service, long seed) implements SimEvent {
    public void apply(SimWorld world) {
      List<ServiceSpec> services = world.cluster.spec.getServices();
      if (services.isEmpty()) {
        return;
      }
      int index = Math.floorMod(service, services.size());
      List<String> deps = RandomGroups.dependencies(new java.util.SplittableRandom(seed), index);
      deps.replaceAll(d -> services.get(Integer.parseInt(d.substring(1))).getName());
      services.get(index).setDependsOn(new ArrayList<>(new java.util.TreeSet<>(deps)));
      world.cluster.specChanged();
    }
  }

  record AddService(long seed) implements SimEvent {
    public void apply(SimWorld world) {
      List<ServiceSpec> services = world.cluster.spec.getServices();
      if (services.size() >= dev.runner.api.Limits.SERVICES_MAX) {
        return;
      }
      ServiceSpec added = RandomGroups.service(new java.util.SplittableRandom(seed),
          world.kinds ? new java.util.SplittableRandom(seed ^ Simulation.KINDS) : null, world.cluster.spec.getRestartConfig(),
          services.size());
      added.setName("n" + world.cluster.next(""));
      List<String> deps = new ArrayList<>();
      added.getDependsOn().forEach(d -> deps.add(services.get(Integer.parseInt(d.substring(1))).getName()));
      added.setDependsOn(new ArrayList<>(new java.util.TreeSet<>(deps)));
      services.add(added);
      world.cluster.specChanged();
    }
  }

  /** Removes a service and every mention of it (an unknown dependency would be refused at apply). */
  record RemoveService(int service) implements SimEvent {
    public void apply(SimWorld world) {
      List<ServiceSpec> services = world.cluster.spec.getServices();
      if (services.size() < 2) {
        return;
      }
      ServiceSpec removed = services.remove(Math.floorMod(service, services.size()));
      services.forEach(s -> s.getDependsOn().remove(removed.getName()));
      world.cluster.specChanged();
    }
  }

  /**
   * An invalid edit the CRD's rules cannot refuse: the first and the last service made to depend
   * on each other (a cycle); {@code on = false} takes the first's half back.
   */
  record MakeCycle(boolean on) implements SimEvent {
    public void apply(SimWorld world) {
      List<ServiceSpec> services = world.cluster.spec.getServices();
      ServiceSpec first = services.get(0);
      ServiceSpec last = services.get(services.size() - 1);
      if (on && services.size() > 1 && !first.getDependsOn().contains(last.getName())) {
        first.getDependsOn().add(last.getName());
        if (!last.getDependsOn().contains(first.getName())) {
          last.getDependsOn().add(first.getName());
        }
        world.cluster.specChanged();
      } else if (!on && first.getDependsOn().contains(last.getName())) {
        first.getDependsOn().remove(last.getName());
        world.cluster.specChanged();
      }
    }
  }

  record Suspend(boolean suspend) implements SimEvent {
    public void apply(SimWorld world) {
      RunnerGroupSpec spec = world.cluster.spec;
      if (Boolean.TRUE.equals(spec.getSuspend()) != suspend) {
        spec.setSuspend(suspend);
        world.cluster.specChanged();
      }
    }
  }

  record Delete() implements SimEvent {
    public void apply(SimWorld world) {
      world.cluster.deleting = true;
    }
  }

  /** {@code kubectl annotate rg g runner.dev/restart=<new value>} */
  record RestartGroup() implements SimEvent {
    public void apply(SimWorld world) {
      world.cluster.annotations.put(Names.RESTART_ANNOTATION, world.cluster.next("r"));
    }
  }

  /** {@code kubectl annotate rg g runner.dev/restart-<service>=<new value>} */
  record RestartService(int service) implements SimEvent {
    public void apply(SimWorld world) {
      world.service(service).ifPresent(s -> world.cluster.annotations.put(Names.SERVICE_RESTART_PREFIX + s, world.cluster.next("r")));
    }
  }

  // ---- a random script ----------------------------------------------------------------------------

  /** The next event of a random world. */
  static SimEvent random(RandomGenerator r) {
    int roll = r.nextInt(1000);
    if (roll < 300) {
      return new Reconcile(SimOperator.Fault.NONE, 0);
    }
    if (roll < 340) {
      SimOperator.Fault[] faults = SimOperator.Fault.values();
      return new Reconcile(faults[1 + r.nextInt(faults.length - 1)], r.nextInt(1000));
    }
    if (roll < 520) {
      return new Controllers();
    }
    if (roll < 600) {
      return new SyncAll();
    }
    if (roll < 630) {
      return new SyncKind(r.nextBoolean());
    }
    if (roll < 660) {
      return new SyncService(r.nextInt(1000));
    }
    if (roll < 754) {
      return new Advance(50 + r.nextInt(3000));
    }
    if (roll < 760) {
      return new ClockStep(-60_000 + r.nextInt(120_001));
    }
    if (roll < 770) {
      return new Advance(Duration.ofMinutes(1 + r.nextInt(15)).toMillis());
    }
    if (roll < 780) {
      return new RestartOperator();
    }
    int[] codes = {0, 1, 137, 143};
    if (roll < 830) {
      return new Exit(r.nextInt(1000), r.nextInt(10), codes[r.nextInt(codes.length)], r.nextInt(3) == 0);
    }
    if (roll < 840) {
      return new SidecarExit(r.nextInt(1000), r.nextInt(10));
    }
    if (roll < 850) {
      return new InitFails(r.nextInt(1000), r.nextInt(10));
    }
    if (roll < 865) {
      return new Evict(r.nextInt(1000), r.nextInt(10));
    }
    if (roll < 870) {
      return new NodeLost(r.nextInt(1000));
    }
    if (roll < 880) {
      return new ProgressDeadline(r.nextInt(1000));
    }
    if (roll < 890) {
      return new OtherScale(r.nextInt(1000), r.nextInt(4));
    }
    if (roll < 897) {
      return new OtherSetImage(r.nextInt(1000));
    }
    if (roll < 904) {
      return new OtherDelete(r.nextInt(1000));
    }
    if (roll < 906) {
      return new ForeignAppears(r.nextInt(1000), r.nextBoolean());
    }
    if (roll < 908) {
      return new OtherDeleteService(r.nextInt(1000));
    }
    if (roll < 925) {
      return new EditImage(r.nextInt(1000));
    }
    if (roll < 935) {
      return new EditDependencies(r.nextInt(1000), r.nextLong());
    }
    if (roll < 945) {
      return new AddService(r.nextLong());
    }
    if (roll < 955) {
      return new RemoveService(r.nextInt(1000));
    }
    if (roll < 962) {
      return new MakeCycle(r.nextBoolean());
    }
    if (roll < 972) {
      return new Suspend(r.nextBoolean());
    }
    if (roll < 976) {
      return new Delete();
    }
    if (roll < 986) {
      return new RestartGroup();
    }
    return new RestartService(r.nextInt(1000));
  }
}
