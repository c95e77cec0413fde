package dev.runner.core;

import dev.runner.api.RestartConfig;
import dev.runner.api.RestartPolicy;
import dev.runner.api.RunnerGroupSpec;
import dev.runner.api.ServiceSpec;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Readable test data for the decision: specs ({@code spec(svc("db"), svc("api").dependsOn("db"))}),
 * and Pods with given container states. Deployments are built by {@link World}, the way the
 * reconciler builds them.
 */
final class TestData {
  private TestData() {}

  static RunnerGroupSpec spec(Svc... services) {
    RunnerGroupSpec spec = new RunnerGroupSpec();
    spec.setServices(new ArrayList<>(Arrays.stream(services).map(Svc::build).toList()));
    return spec;
  }

  static Svc svc(String name) {
    return new Svc(name);
  }

  /** A service of the spec, fluently. */
  static final class Svc {
    private final ServiceSpec spec = new ServiceSpec();
    private RestartConfig restart;

    Svc(String name) {
      spec.setName(name);
      spec.setTemplate(new PodTemplateSpecBuilder()
          .withNewSpec().addNewContainer().withName(name).withImage(name + ":1").endContainer().endSpec()
          .build());
    }

    Svc dependsOn(String... names) {
      spec.setDependsOn(new ArrayList<>(List.of(names)));
      return this;
    }

    Svc kind(dev.runner.api.WorkloadKind kind) {
      spec.setKind(kind);
      return this;
    }

    Svc startDelay(String delay) {
      spec.setStartDelay(delay);
      return this;
    }

    Svc replicas(int replicas) {
      spec.setReplicas(replicas);
      return this;
    }

    Svc image(String image) {
      spec.getTemplate().getSpec().getContainers().get(0).setImage(image);
      return this;
    }

    Svc policy(RestartPolicy policy) {
      restart().setPolicy(policy);
      return this;
    }

    Svc maxRetries(int maxRetries) {
      restart().setMaxRetries(maxRetries);
      return this;
    }

    Svc backoff(String initial, String max, double multiplier) {
      restart().setInitialBackoff(initial);
      restart().setMaxBackoff(max);
      restart().setMultiplier(multiplier);
      return this;
    }

    Svc jitter(boolean jitter) {
      restart().setJitter(jitter);
      return this;
    }

    Svc resetAfter(String resetAfter) {
      restart().setResetAfter(resetAfter);
      return this;
    }

    private RestartConfig restart() {
      if (restart == null) {
        restart = new RestartConfig();
        spec.setRestartConfig(restart);
      }
      return restart;
    }

    ServiceSpec build() {
      return spec;
    }
  }

  // ---- Pods -----------------------------------------------------------------------------------

  static String k8sTime(Instant at) {
    // Kubernetes writes container times in whole seconds.
    return at.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static Pod pod(String group, String service, String name, String phase, ContainerStatus... containers) {
    return new PodBuilder()
        .withNewMetadata()
          .withName(name)
          .addToLabels(Names.MANAGED_BY, Names.OPERATOR)
          .addToLabels(Names.GROUP_LABEL, group)
          .addToLabels(Names.SERVICE_LABEL, service)
        .endMetadata()
        .withNewStatus().withPhase(phase).withContainerStatuses(containers).endStatus()
        .build();
  }

  static ContainerStatus running(String container, int restartCount, Instant since) {
    return new ContainerStatusBuilder()
        .withName(container).withReady(true).withRestartCount(restartCount)
        .withNewState().withNewRunning().withStartedAt(k8sTime(since)).endRunning().endState()
        .build();
  }

  /** The container's current state is terminated (kubelet has not restarted it, or will not). */
  static ContainerStatus terminated(String container, int code, String reason, int restartCount, Instant finishedAt) {
    return new ContainerStatusBuilder()
        .withName(container).withReady(false).withRestartCount(restartCount)
        .withNewState().withNewTerminated()
          .withExitCode(code).withReason(reason).withFinishedAt(k8sTime(finishedAt)).withStartedAt(k8sTime(finishedAt.minusSeconds(5)))
        .endTerminated().endState()
        .build();
  }

  /** kubelet already restarted the container: it runs again, its last state says how it ended. */
  static ContainerStatus restartedAfter(String container, int code, String reason, int restartCount, Instant finishedAt) {
    return new ContainerStatusBuilder()
        .withName(container).withReady(false).withRestartCount(restartCount)
        .withNewState().withNewRunning().withStartedAt(k8sTime(finishedAt)).endRunning().endState()
        .withNewLastState().withNewTerminated()
          .withExitCode(code).withReason(reason).withFinishedAt(k8sTime(finishedAt)).withStartedAt(k8sTime(finishedAt.minusSeconds(5)))
        .endTerminated().endLastState()
        .build();
  }

  static ContainerStatus waiting(String container, String reason, String message) {
    return new ContainerStatusBuilder()
        .withName(container).withReady(false).withRestartCount(0)
        .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState()
        .build();
  }
}
