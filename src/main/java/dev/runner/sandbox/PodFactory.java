package dev.runner.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.runner.sandbox.PodState.ContainerRef;
import dev.runner.sandbox.PodState.Stage;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/** Builds the Pods of a Deployment and computes a Pod's status from its {@link PodState}. */
final class PodFactory {

  /** The finalizer the simulated kubelet puts on every Pod it creates. */
  static final String FINALIZER = "sandbox.runner.dev/terminating";
  static final String TEMPLATE_HASH_LABEL = "pod-template-hash";
  /** A StatefulSet's pods carry the revision of their template under this label. */
  static final String REVISION_LABEL = "controller-revision-hash";
  static final String NODE_NAME = "sandbox-node";

  /** Kubernetes' alphabet for generated names (no vowels, no look-alikes). */
  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final ObjectMapper SORTED =
      Serialization.jsonMapper().copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  private static final Random RANDOM = new SecureRandom();

  private PodFactory() {
  }

  /** A hash of the Pod template, encoded like Kubernetes' {@code pod-template-hash}. */
  static String templateHash(PodTemplateSpec template) {
    byte[] json;
    try {
      json = SORTED.writeValueAsBytes(template);
    } catch (Exception e) {
      throw new IllegalStateException("cannot serialize pod template", e);
    }
    int hash = 0x811c9dc5; // FNV-1a, 32 bit
    for (byte b : json) {
      hash ^= b & 0xff;
      hash *= 0x01000193;
    }
    String digits = Long.toString(Integer.toUnsignedLong(hash));
    StringBuilder out = new StringBuilder();
    for (char c : digits.toCharArray()) {
      out.append(ALPHABET.charAt(c % ALPHABET.length()));
    }
    return out.toString();
  }

  static String podName(String deploymentName, String hash) {
    StringBuilder name = new StringBuilder(deploymentName).append('-').append(hash).append('-');
    for (int i = 0; i < 5; i++) {
      name.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return name.toString();
  }

  static List<PodState.InitRef> initContainers(io.fabric8.kubernetes.api.model.PodSpec spec) {
    return spec == null || spec.getInitContainers() == null ? List.of() : spec.getInitContainers().stream()
        .map(c -> new PodState.InitRef(c.getName(), c.getImage(), "Always".equals(c.getRestartPolicy())))
        .toList();
  }

  static List<ContainerRef> containers(PodTemplateSpec template) {
    return template.getSpec().getContainers().stream()
        .map(c -> new ContainerRef(c.getName(), c.getImage()))
        .toList();
  }

  /** A new Pod of the Deployment's current template, Pending, owned by the Deployment. */
  static Pod newPod(Deployment d, String hash, String name, PodState state) {
    return newPod(d, "apps/v1", d.getSpec().getTemplate(), Map.of(TEMPLATE_HASH_LABEL, hash), name, state);
  }

  /**
   * A new Pod of {@code owner}'s template, Pending, owned by it, with the labels its controller
   * adds ({@code pod-template-hash}, {@code controller-revision-hash}, {@code job-name}, ...).
   */
  static Pod newPod(HasMetadata owner, String apiVersion, PodTemplateSpec template, Map<String, String> controllerLabels,
      String name, PodState state) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.putAll(controllerLabels);
    Map<String, String> annotations = template.getMetadata() == null
        || template.getMetadata().getAnnotations() == null
        ? Map.of() : template.getMetadata().getAnnotations();
    PodSpec spec = new PodSpecBuilder(template.getSpec()).build();
    if (spec.getRestartPolicy() == null) {
      spec.setRestartPolicy("Always");
    }
    if (spec.getNodeName() == null) {
      spec.setNodeName(NODE_NAME);
    }
    return new PodBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(owner.getMetadata().getNamespace())
          .withLabels(labels)
          .withAnnotations(annotations.isEmpty() ? null : annotations)
          .withFinalizers(FINALIZER)
          .addNewOwnerReference()
            .withApiVersion(apiVersion)
            .withKind(owner.getKind())
            .withName(owner.getMetadata().getName())
            .withUid(owner.getMetadata().getUid())
            .withController(true)
            .withBlockOwnerDeletion(true)
          .endOwnerReference()
        .endMetadata()
        .withSpec(spec)
        .withStatus(status(state, state.createdAt, Behavior.DEFAULT))
        .build();
  }

  /** The status a kubelet would report for this Pod at {@code now}. */
  static PodStatus status(PodState s, Instant now, Behavior behavior) {
    Stage shown = s.stage == Stage.TERMINATING ? s.stageBeforeTermination : s.stage;
    boolean ready = s.ready(now, behavior);
    List<ContainerStatus> containers = new ArrayList<>();
    for (ContainerRef c : s.containers) {
      containers.add(containerStatus(s, c, shown, ready, now, behavior));
    }
    List<ContainerStatus> inits = new ArrayList<>();
    for (PodState.InitRef c : s.initContainers) {
      inits.add(initStatus(s, c, shown));
    }
    if (shown == Stage.EXITED) {
      boolean succeeded = s.lastExit.exitCode() == 0;
      return new PodStatusBuilder()
          .withPhase(succeeded ? "Succeeded" : "Failed")
          .withConditions(List.of(condition("Initialized", true, s.createdAt, null, null),
              condition("Ready", false, s.stageSince, "PodCompleted", null),
              condition("ContainersReady", false, s.stageSince, "PodCompleted", null),
              condition("PodScheduled", true, s.createdAt, null, null)))
          .withHostIP("10.0.0.1")
          .withPodIP(podIp(s.name))
          .withStartTime(time(s.createdAt))
          .withInitContainerStatuses(inits)
          .withContainerStatuses(containers)
          .build();
    }
    if (shown == Stage.EVICTED) {
      return new PodStatusBuilder()
          .withPhase("Failed")
          .withReason("Evicted")
          .withMessage("The node was low on resource: memory.")
          .withConditions(List.of(condition("DisruptionTarget", true, s.stageSince, "TerminationByKubelet",
              "The node was low on resource: memory."), condition("Ready", false, s.stageSince, "PodFailed", null)))
          .withHostIP("10.0.0.1")
          .withStartTime(time(s.createdAt))
          .withInitContainerStatuses(inits)
          .withContainerStatuses(containers)
          .build();
    }
    String phase = shown == Stage.CREATING || shown == Stage.PULL_FAILED ? "Pending" : "Running";
    Instant readySince = ready ? s.readyAt : notReadySince(s);
    String unready = ready ? null : s.containers.stream().map(ContainerRef::name)
        .collect(Collectors.joining(" ", "containers with unready status: [", "]"));
    List<PodCondition> conditions = List.of(
        condition("Initialized", true, s.createdAt, null, null),
        condition("Ready", ready, readySince, ready ? null : "ContainersNotReady", unready),
        condition("ContainersReady", ready, readySince, ready ? null : "ContainersNotReady", unready),
        condition("PodScheduled", true, s.createdAt, null, null));
    return new PodStatusBuilder()
        .withPhase(phase)
        .withConditions(conditions)
        .withHostIP("10.0.0.1")
        .withPodIP(podIp(s.name))
        .withStartTime(time(s.createdAt))
        .withInitContainerStatuses(inits)
        .withContainerStatuses(containers)
        .build();
  }

  /**
   * An init container: waiting while the Pod is created; then a native sidecar runs beside the
   * containers, and any other init container has completed with exit 0.
   */
  private static ContainerStatus initStatus(PodState s, PodState.InitRef c, Stage shown) {
    ContainerStatusBuilder b = new ContainerStatusBuilder().withName(c.name()).withImage(c.image())
        .withRestartCount(0);
    if (shown == Stage.CREATING || shown == Stage.PULL_FAILED) {
      return b.withReady(false).withState(new ContainerStateBuilder()
          .withNewWaiting().withReason("PodInitializing").endWaiting().build()).build();
    }
    String id = containerId(UUID_PREFIX, c.name() + s.name);
    if (c.sidecar() && shown != Stage.EVICTED) {
      return b.withReady(true).withStarted(true).withContainerID(id).withState(new ContainerStateBuilder().withNewRunning()
          .withStartedAt(time(s.createdAt)).endRunning().build()).build();
    }
    return b.withReady(false).withContainerID(id).withState(new ContainerStateBuilder().withNewTerminated()
        .withExitCode(c.sidecar() ? 137 : 0).withReason(c.sidecar() ? "Error" : "Completed")
        .withStartedAt(time(s.createdAt)).withFinishedAt(time(s.createdAt))
        .withContainerID(id).endTerminated().build()).build();
  }

  private static final String UUID_PREFIX = "0".repeat(56);

  private static Instant notReadySince(PodState s) {
    if (s.stage == Stage.TERMINATING) {
      return s.stageSince;
    }
    if (s.stage == Stage.RUNNING) {
      return s.runStartedAt;
    }
    return s.stage == Stage.CRASHED ? s.stageSince : s.createdAt;
  }

  private static ContainerStatus containerStatus(PodState s, ContainerRef c, Stage shown,
      boolean ready, Instant now, Behavior behavior) {
    ContainerStatusBuilder b = new ContainerStatusBuilder()
        .withName(c.name())
        .withImage(c.image())
        .withReady(ready)
        .withRestartCount(s.restartCount)
        .withStarted(shown == Stage.RUNNING);
    switch (shown) {
      case CREATING -> b.withState(new ContainerStateBuilder()
          .withNewWaiting().withReason("ContainerCreating").endWaiting().build())
          .withImageID("");
      case PULL_FAILED -> {
        boolean backOff = s.pullBackedOff(now, behavior);
        String error = behavior.imagePullError() == null ? "not found" : behavior.imagePullError();
        b.withState(new ContainerStateBuilder().withNewWaiting()
            .withReason(backOff ? "ImagePullBackOff" : "ErrImagePull")
            .withMessage(backOff
                ? "Back-off pulling image \"" + c.image() + "\": " + error
                : "failed to pull image \"" + c.image() + "\": " + error)
            .endWaiting().build())
            .withImageID("");
      }
      case RUNNING -> b.withState(new ContainerStateBuilder().withNewRunning()
          .withStartedAt(time(s.runStartedAt)).endRunning().build())
          .withContainerID(containerId(s.containerIdPrefix, c.name()))
          .withImageID(c.image());
      case EVICTED -> b.withState(new ContainerStateBuilder().withNewTerminated()
          .withExitCode(137).withReason("Error")
          .withStartedAt(time(s.runStartedAt)).withFinishedAt(time(s.stageSince))
          .withContainerID(containerId(s.containerIdPrefix == null ? UUID_PREFIX : s.containerIdPrefix, c.name()))
          .endTerminated().build());
      case EXITED -> {
        PodState.LastExit e = s.lastExit;
        return b.withState(new ContainerStateBuilder().withNewTerminated()
            .withExitCode(e.exitCode()).withReason(e.reason())
            .withStartedAt(time(e.startedAt())).withFinishedAt(time(e.finishedAt()))
            .withContainerID(containerId(e.containerIdPrefix(), c.name()))
            .endTerminated().build()).withImageID(c.image()).build();
      }
      case CRASHED -> b.withState(new ContainerStateBuilder().withNewWaiting()
          .withReason("CrashLoopBackOff")
          .withMessage("back-off " + behavior.restartBackoff().toMillis() + "ms restarting failed"
              + " container=" + c.name() + " pod=" + s.name)
          .endWaiting().build())
          .withContainerID(containerId(s.lastExit.containerIdPrefix(), c.name()))
          .withImageID(c.image());
      default -> throw new IllegalStateException("unexpected stage " + shown);
    }
    if (s.lastExit != null) {
      PodState.LastExit e = s.lastExit;
      b.withLastState(new ContainerStateBuilder().withNewTerminated()
          .withExitCode(e.exitCode())
          .withReason(e.reason())
          .withStartedAt(time(e.startedAt()))
          .withFinishedAt(time(e.finishedAt()))
          .withContainerID(containerId(e.containerIdPrefix(), c.name()))
          .endTerminated().build());
    }
    return b.build();
  }

  private static PodCondition condition(String type, boolean status, Instant since, String reason,
      String message) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status ? "True" : "False")
        .withLastTransitionTime(time(since))
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  private static String containerId(String prefix, String containerName) {
    String suffix = String.format("%08x", containerName.hashCode());
    return "containerd://" + prefix.substring(0, 56) + suffix;
  }

  private static String podIp(String podName) {
    int h = podName.hashCode();
    return "10.244." + ((h >>> 8) & 0xff) + "." + (1 + (h & 0xff) % 254);
  }

  /** Kubernetes' time format (RFC 3339, seconds). */
  static String time(Instant instant) {
    return instant == null ? null
        : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }
}
