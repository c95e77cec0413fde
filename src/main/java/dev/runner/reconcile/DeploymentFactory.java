package dev.runner.reconcile;

import dev.runner.api.RunnerGroup;
import dev.runner.core.GroupPlan;
import dev.runner.core.Names;
import dev.runner.core.TemplateHash;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.Map;

/** The Deployment the operator wants for one service. */
final class DeploymentFactory {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private DeploymentFactory() {}

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

  static Deployment build(RunnerGroup group, GroupPlan.ServicePlan plan, int replicas) {
    String groupName = group.getMetadata().getName();
    PodTemplateSpec template = SERIALIZATION.clone(plan.spec().getTemplate());
    if (template.getMetadata() == null) {
      template.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    }
    Map<String, String> podLabels = new LinkedHashMap<>();
    if (template.getMetadata().getLabels() != null) {
      podLabels.putAll(template.getMetadata().getLabels());
    }
    podLabels.putAll(labels(groupName, plan.name()));
    template.getMetadata().setLabels(podLabels);
    return new DeploymentBuilder()
        .withNewMetadata()
          .withName(Names.deploymentName(groupName, plan.name()))
          .withNamespace(group.getMetadata().getNamespace())
          .withLabels(labels(groupName, plan.name()))
          .addToAnnotations(Names.SPEC_HASH, TemplateHash.of(plan))
          .addToAnnotations(Names.DEPENDS_ON, TemplateHash.dependsOn(plan))
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion(group.getApiVersion())
              .withKind(group.getKind())
              .withName(groupName)
              .withUid(group.getMetadata().getUid())
              .withController(true)
              .withBlockOwnerDeletion(true)
              .build())
        .endMetadata()
        .withNewSpec()
          .withReplicas(replicas)
          .withNewSelector().withMatchLabels(selector(groupName, plan.name())).endSelector()
          .withTemplate(template)
          .withStrategy(plan.spec().getStrategy() == null ? null : SERIALIZATION.clone(plan.spec().getStrategy()))
          .withProgressDeadlineSeconds(plan.spec().getProgressDeadlineSeconds())
          .withMinReadySeconds(plan.spec().getMinReadySeconds())
        .endSpec()
        .build();
  }

  /**
   * {@code current} rewritten to what is wanted, keeping its identity (resourceVersion, uid). The
   * status goes along unchanged: a real API server ignores it on this write, and fabric8's mock
   * server (where status is no subresource for built-in kinds) would otherwise erase it.
   */
  static Deployment rewrite(Deployment current, Deployment wanted) {
    Deployment result = SERIALIZATION.clone(current);
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
    result.getSpec().setTemplate(wanted.getSpec().getTemplate());
    result.getSpec().setReplicas(wanted.getSpec().getReplicas());
    // As the spec says them; left out, the API server defaults them again (RollingUpdate, 600, 0).
    result.getSpec().setStrategy(wanted.getSpec().getStrategy());
    result.getSpec().setProgressDeadlineSeconds(wanted.getSpec().getProgressDeadlineSeconds());
    result.getSpec().setMinReadySeconds(wanted.getSpec().getMinReadySeconds());
    return result;
  }

  static boolean ownedBy(Deployment deployment, RunnerGroup group) {
    return deployment.getMetadata().getOwnerReferences() != null
        && deployment.getMetadata().getOwnerReferences().stream()
            .anyMatch(ref -> Boolean.TRUE.equals(ref.getController())
                && group.getMetadata().getUid() != null
                && group.getMetadata().getUid().equals(ref.getUid()));
  }
}
