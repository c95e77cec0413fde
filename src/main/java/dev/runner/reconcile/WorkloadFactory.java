package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.api.WorkloadKind;
import dev.runner.core.GroupPlan;
import dev.runner.core.Names;
import dev.runner.core.TemplateHash;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The workload the operator wants for one service, of the service's kind: a Deployment, a
 * StatefulSet (with the headless Service it names) or a Job. All carry the same labels,
 * annotations and owner reference; their pods the same labels.
 */
final class WorkloadFactory {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  /** How a StatefulSet's pods start and stop: one by one, in ordinal order, as StatefulSets do by default. */
  static final String POD_MANAGEMENT = "OrderedReady";

  private WorkloadFactory() {}

  static Map<String, String> selector(String group, String service) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Names.GROUP_LABEL, group);
    labels.put(Names.SERVICE_LABEL, service);
    return labels;
  }

  static Map<String, String> labels(String group, String service) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Names.MANAGED_BY, Names.OPERATOR);
    labels.putAll(selector(group, service));
    return labels;
  }

  /** The workload of the plan's kind, asking for {@code replicas} pods (a Job: always its one). */
  static HasMetadata build(RunnerGroup group, GroupPlan.ServicePlan plan, int replicas) {
    return switch (plan.spec().kind()) {
      case Deployment -> deployment(group, plan, replicas);
      case StatefulSet -> statefulSet(group, plan, replicas);
      case Job -> job(group, plan);
    };
  }

  static Deployment deployment(RunnerGroup group, GroupPlan.ServicePlan plan, int replicas) {
    String groupName = group.getMetadata().getName();
    return new DeploymentBuilder()
        .withMetadata(metadata(group, plan, true))
        .withNewSpec()
          .withReplicas(replicas)
          .withNewSelector().withMatchLabels(selector(groupName, plan.name())).endSelector()
          .withTemplate(template(groupName, plan))
          .withStrategy(plan.spec().getStrategy() == null ? null : SERIALIZATION.clone(plan.spec().getStrategy()))
          .withProgressDeadlineSeconds(plan.spec().getProgressDeadlineSeconds())
          .withMinReadySeconds(plan.spec().getMinReadySeconds())
        .endSpec()
        .build();
  }

  /**
   * The StatefulSet: it names the headless Service of the same name ({@link #headlessService}),
   * starts its pods in order, and keeps its claims unless the service's retention policy says
   * otherwise (the API server's default: Retain on deletion and on scale-down).
   */
  static StatefulSet statefulSet(RunnerGroup group, GroupPlan.ServicePlan plan, int replicas) {
    String groupName = group.getMetadata().getName();
    return new StatefulSetBuilder()
        .withMetadata(metadata(group, plan, true))
        .withNewSpec()
          .withReplicas(replicas)
          .withServiceName(Names.deploymentName(groupName, plan.name()))
          .withPodManagementPolicy(POD_MANAGEMENT)
          .withNewSelector().withMatchLabels(selector(groupName, plan.name())).endSelector()
          .withTemplate(template(groupName, plan))
          .withVolumeClaimTemplates(claims(plan.spec().getVolumeClaimTemplates()))
          .withPersistentVolumeClaimRetentionPolicy(plan.spec().getPersistentVolumeClaimRetentionPolicy() == null ? null
              : SERIALIZATION.clone(plan.spec().getPersistentVolumeClaimRetentionPolicy()))
          .withMinReadySeconds(plan.spec().getMinReadySeconds())
        .endSpec()
        .build();
  }

  /**
   * The Job: one pod that is never restarted in place ({@code restartPolicy: Never}) and one try
   * ({@code backoffLimit: 0}): the service's restartConfig does the retrying, counted like any
   * restart. No ttlSecondsAfterFinished: the operator owns the Job's life (a completed Job is what
   * says the service is done).
   */
  static Job job(RunnerGroup group, GroupPlan.ServicePlan plan) {
    PodTemplateSpec template = template(group.getMetadata().getName(), plan);
    template.getSpec().setRestartPolicy("Never");
    return new JobBuilder()
        .withMetadata(metadata(group, plan, true))
        .withNewSpec()
          .withBackoffLimit(0)
          .withActiveDeadlineSeconds(plan.spec().getActiveDeadlineSeconds())
          .withTemplate(template)
        .endSpec()
        .build();
  }

  /** The headless Service a StatefulSet names: stable DNS names for its pods ({@code <pod>.<service>}). */
  static Service headlessService(RunnerGroup group, GroupPlan.ServicePlan plan) {
    return new ServiceBuilder()
        .withMetadata(metadata(group, plan, false))
        .withNewSpec()
          .withClusterIP("None")
          .withSelector(selector(group.getMetadata().getName(), plan.name()))
        .endSpec()
        .build();
  }

  private static ObjectMeta metadata(RunnerGroup group, GroupPlan.ServicePlan plan, boolean workload) {
    String groupName = group.getMetadata().getName();
    ObjectMetaBuilder meta = new ObjectMetaBuilder()
        .withName(Names.deploymentName(groupName, plan.name()))
        .withNamespace(group.getMetadata().getNamespace())
        .withLabels(labels(groupName, plan.name()))
        .withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion(group.getApiVersion())
            .withKind(group.getKind())
            .withName(groupName)
            .withUid(group.getMetadata().getUid())
            .withController(true)
            .withBlockOwnerDeletion(true)
            .build());
    if (workload) {
      meta.addToAnnotations(Names.SPEC_HASH, TemplateHash.of(plan))
          .addToAnnotations(Names.DEPENDS_ON, TemplateHash.dependsOn(plan));
    }
    return meta.build();
  }

  private static PodTemplateSpec template(String groupName, GroupPlan.ServicePlan plan) {
    PodTemplateSpec template = SERIALIZATION.clone(plan.spec().getTemplate());
    if (template.getMetadata() == null) {
      template.setMetadata(new ObjectMeta());
    }
    Map<String, String> podLabels = new LinkedHashMap<>();
    if (template.getMetadata().getLabels() != null) {
      podLabels.putAll(template.getMetadata().getLabels());
    }
    podLabels.putAll(labels(groupName, plan.name()));
    template.getMetadata().setLabels(podLabels);
    return template;
  }

  private static List<PersistentVolumeClaim> claims(List<PersistentVolumeClaim> claims) {
    return claims == null ? null : claims.stream().map(SERIALIZATION::clone).toList();
  }

  /**
   * {@code current} rewritten to what is wanted, keeping its identity (resourceVersion, uid). The
   * status goes along unchanged: a real API server ignores it on this write, and fabric8's mock
   * server (where status is no subresource for built-in kinds) would otherwise erase it. A Job is
   * never rewritten (its template is immutable): it is deleted and created anew.
   */
  static HasMetadata rewrite(HasMetadata current, HasMetadata wanted) {
    HasMetadata result = SERIALIZATION.clone(current);
    Map<String, String> labels = new LinkedHashMap<>();
    if (result.getMetadata().getLabels() != null) {
      labels.putAll(result.getMetadata().getLabels());
    }
    labels.putAll(wanted.getMetadata().getLabels());
    result.getMetadata().setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>();
    if (result.getMetadata().getAnnotations() != null) {
      annotations.putAll(result.getMetadata().getAnnotations());
    }
    annotations.putAll(wanted.getMetadata().getAnnotations());
    result.getMetadata().setAnnotations(annotations);
    if (result instanceof Deployment d && wanted instanceof Deployment w) {
      d.getSpec().setTemplate(w.getSpec().getTemplate());
      d.getSpec().setReplicas(w.getSpec().getReplicas());
      // As the spec says them; left out, the API server defaults them again (RollingUpdate, 600, 0).
      d.getSpec().setStrategy(w.getSpec().getStrategy());
      d.getSpec().setProgressDeadlineSeconds(w.getSpec().getProgressDeadlineSeconds());
      d.getSpec().setMinReadySeconds(w.getSpec().getMinReadySeconds());
    } else if (result instanceof StatefulSet s && wanted instanceof StatefulSet w) {
      s.getSpec().setTemplate(w.getSpec().getTemplate());
      s.getSpec().setReplicas(w.getSpec().getReplicas());
      s.getSpec().setMinReadySeconds(w.getSpec().getMinReadySeconds());
      // Immutable on a StatefulSet: an edit of them is the API server's 422, shown in the service's error.
      // Left out (none wanted), the live ones stay: the API server would refuse their removal just the same.
      if (w.getSpec().getVolumeClaimTemplates() != null && !w.getSpec().getVolumeClaimTemplates().isEmpty()) {
        s.getSpec().setVolumeClaimTemplates(w.getSpec().getVolumeClaimTemplates());
      }
      if (w.getSpec().getPersistentVolumeClaimRetentionPolicy() != null) {
        s.getSpec().setPersistentVolumeClaimRetentionPolicy(w.getSpec().getPersistentVolumeClaimRetentionPolicy());
      }
    } else {
      throw new IllegalArgumentException("cannot rewrite a " + current.getKind() + " as a " + wanted.getKind());
    }
    return result;
  }

  static boolean ownedBy(HasMetadata object, RunnerGroup group) {
    return object.getMetadata().getOwnerReferences() != null
        && object.getMetadata().getOwnerReferences().stream()
            .anyMatch(ref -> Boolean.TRUE.equals(ref.getController())
                && group.getMetadata().getUid() != null
                && group.getMetadata().getUid().equals(ref.getUid()));
  }

  /** The API type of a kind's workload. */
  static Class<? extends HasMetadata> type(WorkloadKind kind) {
    return switch (kind) {
      case Deployment -> Deployment.class;
      case StatefulSet -> StatefulSet.class;
      case Job -> Job.class;
    };
  }
}
