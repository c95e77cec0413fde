package dev.runner.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * One service of a group: it runs as the workload {@code <group>-<service>} of its {@link #getKind kind}
 * (a Deployment unless it says otherwise).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(
    value = "!has(self.dependsOn) || !(self.name in self.dependsOn)",
    message = "a service cannot depend on itself: remove its own name from dependsOn")
@ValidationRule(
    value = "!has(self.volumeClaimTemplates) || (has(self.kind) && self.kind == 'StatefulSet')",
    message = "volumeClaimTemplates is only for kind: StatefulSet: set kind: StatefulSet or remove volumeClaimTemplates")
@ValidationRule(
    value = "!has(self.persistentVolumeClaimRetentionPolicy) || (has(self.kind) && self.kind == 'StatefulSet')",
    message = "persistentVolumeClaimRetentionPolicy is only for kind: StatefulSet: set kind: StatefulSet or remove it")
@ValidationRule(
    value = "!has(self.activeDeadlineSeconds) || (has(self.kind) && self.kind == 'Job')",
    message = "activeDeadlineSeconds is only for kind: Job: set kind: Job or remove activeDeadlineSeconds")
@ValidationRule(
    value = "!has(self.strategy) || !has(self.kind) || self.kind == 'Deployment'",
    message = "strategy is only for kind: Deployment (a StatefulSet rolls its pods one by one, a Job is not rolled): remove strategy")
@ValidationRule(
    value = "!has(self.progressDeadlineSeconds) || !has(self.kind) || self.kind == 'Deployment'",
    message = "progressDeadlineSeconds is only for kind: Deployment: remove progressDeadlineSeconds (a Job has activeDeadlineSeconds)")
@ValidationRule(
    value = "!has(self.minReadySeconds) || !has(self.kind) || self.kind != 'Job'",
    message = "minReadySeconds is only for kind: Deployment or StatefulSet: remove minReadySeconds")
@ValidationRule(
    value = "!has(self.kind) || self.kind != 'Job' || !has(self.replicas) || self.replicas == 1",
    message = "a Job service runs one pod: remove replicas or set it to 1 (parallel Jobs are not supported)")
@ValidationRule(
    value = "!has(self.kind) || self.kind != 'Job' || !has(self.restartConfig) || !has(self.restartConfig.policy) || self.restartConfig.policy != 'Always'",
    message = "restartConfig.policy Always is not allowed for a Job (a Job is meant to end): use OnFailure or Never, "
        + "or kind: Deployment for a service that runs forever")
@ValidationRule(
    value = "!has(self.kind) || self.kind != 'Job' || !has(self.autoscaled) || !self.autoscaled",
    message = "a Job service cannot be autoscaled: remove autoscaled")
public class ServiceSpec {
  @JsonPropertyDescription("The service name, a DNS label; its workload is named <group>-<service>")
  @Required
  @Size(min = 1, max = Limits.SERVICE_NAME_MAX)
  @Pattern(Limits.DNS_LABEL)
  private String name;

  @JsonPropertyDescription("What the service runs as: Deployment (default), StatefulSet (state: stable names and volume "
      + "claims) or Job (one-shot work, healthy once it has succeeded). Cannot change once set: remove the service and "
      + "add it under the new kind")
  @Default("Deployment")
  @ValidationRule(value = "self == oldSelf",
      message = "kind cannot change on an existing service: remove the service and add it again (or under a new name)")
  private WorkloadKind kind;

  @JsonPropertyDescription("Services that must be healthy before this one starts")
  @Size(max = Limits.DEPENDS_ON_MAX)
  private List<@Size(max = Limits.SERVICE_NAME_MAX) String> dependsOn = new ArrayList<>();

  @JsonPropertyDescription("Wait this long after the dependencies are met before the first start, e.g. 2s")
  @Pattern(Limits.DURATION)
  @ValidationRule(value = "duration(self) >= duration('0s')", message = "startDelay must be a duration such as 500ms, 2s or 1m30s")
  private String startDelay;

  @JsonPropertyDescription("Restart behaviour; overrides the group's restartConfig field by field")
  private RestartConfig restartConfig;

  @JsonPropertyDescription("Pods of the service's Deployment or StatefulSet (default 1; a Job runs one)")
  @Min(1)
  @Max(1000)
  @Default("1")
  private Integer replicas;

  @JsonPropertyDescription("true: a HorizontalPodAutoscaler owns the workload's replicas; the operator sets them only "
      + "when it starts the service (to replicas) and stops it (to 0), and never puts a changed count back")
  private Boolean autoscaled;

  @JsonPropertyDescription("The Deployment's strategy, e.g. {type: Recreate} for a single-writer volume (default RollingUpdate)")
  private io.fabric8.kubernetes.api.model.apps.DeploymentStrategy strategy;

  @JsonPropertyDescription("The Deployment's progressDeadlineSeconds: a rollout without progress that long is a failure (default 600)")
  @Min(1)
  private Integer progressDeadlineSeconds;

  @JsonPropertyDescription("The Deployment's or StatefulSet's minReadySeconds: a pod counts as available after being ready that long (default 0)")
  @Min(0)
  private Integer minReadySeconds;

  @JsonPropertyDescription("kind StatefulSet: the StatefulSet's volumeClaimTemplates, one PersistentVolumeClaim per pod "
      + "and template; the claims outlive the group unless persistentVolumeClaimRetentionPolicy says otherwise")
  @Size(max = 16)
  private List<io.fabric8.kubernetes.api.model.PersistentVolumeClaim> volumeClaimTemplates;

  @JsonPropertyDescription("kind StatefulSet: the StatefulSet's persistentVolumeClaimRetentionPolicy (default Retain on "
      + "deletion and on scale-down: deleting a group never deletes its data)")
  private io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy persistentVolumeClaimRetentionPolicy;

  @JsonPropertyDescription("kind Job: the Job's activeDeadlineSeconds: a run that takes longer fails (and is retried by restartConfig)")
  @Min(1)
  private Long activeDeadlineSeconds;

  @JsonPropertyDescription("The Pod template of the service's workload; the operator adds its own labels")
  @Required
  @ValidationRule(
      value = "has(self.spec) && has(self.spec.containers) && size(self.spec.containers) > 0",
      message = "template.spec.containers must list at least one container")
  private PodTemplateSpec template;

  public String getName() { return name; }
  /** The declared kind, {@code null} when not set (the CRD defaults it; see {@link #kind()}). */
  public WorkloadKind getKind() { return kind; }
  public void setKind(WorkloadKind kind) { this.kind = kind; }
  /** The kind the service runs as: Deployment when not set. */
  public WorkloadKind kind() { return kind == null ? WorkloadKind.Deployment : kind; }
  public List<io.fabric8.kubernetes.api.model.PersistentVolumeClaim> getVolumeClaimTemplates() { return volumeClaimTemplates; }
  public void setVolumeClaimTemplates(List<io.fabric8.kubernetes.api.model.PersistentVolumeClaim> volumeClaimTemplates) {
    this.volumeClaimTemplates = volumeClaimTemplates;
  }
  public io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy getPersistentVolumeClaimRetentionPolicy() {
    return persistentVolumeClaimRetentionPolicy;
  }
  public void setPersistentVolumeClaimRetentionPolicy(
      io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy policy) {
    this.persistentVolumeClaimRetentionPolicy = policy;
  }
  public Long getActiveDeadlineSeconds() { return activeDeadlineSeconds; }
  public void setActiveDeadlineSeconds(Long activeDeadlineSeconds) { this.activeDeadlineSeconds = activeDeadlineSeconds; }
  public void setName(String name) { this.name = name; }
  public List<String> getDependsOn() { return dependsOn; }
  public void setDependsOn(List<String> dependsOn) { this.dependsOn = dependsOn == null ? new ArrayList<>() : dependsOn; }
  public String getStartDelay() { return startDelay; }
  public void setStartDelay(String startDelay) { this.startDelay = startDelay; }
  public RestartConfig getRestartConfig() { return restartConfig; }
  public void setRestartConfig(RestartConfig restartConfig) { this.restartConfig = restartConfig; }
  public Integer getReplicas() { return replicas; }
  public Boolean getAutoscaled() { return autoscaled; }
  public void setAutoscaled(Boolean autoscaled) { this.autoscaled = autoscaled; }
  public io.fabric8.kubernetes.api.model.apps.DeploymentStrategy getStrategy() { return strategy; }
  public void setStrategy(io.fabric8.kubernetes.api.model.apps.DeploymentStrategy strategy) { this.strategy = strategy; }
  public Integer getProgressDeadlineSeconds() { return progressDeadlineSeconds; }
  public void setProgressDeadlineSeconds(Integer progressDeadlineSeconds) { this.progressDeadlineSeconds = progressDeadlineSeconds; }
  public Integer getMinReadySeconds() { return minReadySeconds; }
  public void setMinReadySeconds(Integer minReadySeconds) { this.minReadySeconds = minReadySeconds; }
  public void setReplicas(Integer replicas) { this.replicas = replicas; }
  public PodTemplateSpec getTemplate() { return template; }
  public void setTemplate(PodTemplateSpec template) { this.template = template; }
}
